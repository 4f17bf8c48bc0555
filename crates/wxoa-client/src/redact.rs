//! Redaction of secret values in text that may reach a log line or an error message.
//!
//! The client never logs a URL or a body as is: everything that can carry an `access_token`,
//! an AppSecret, an OAuth `code` or `refresh_token` or a `ticket` goes through [`redact`] first.
//! It masks the value of every sensitive key, whether it appears as a query parameter
//! (`access_token=…`), as a JSON member (`"secret": "…"`) or as `key: value`.
//!
//! The list of sensitive keys and the masking itself live in [`wxoa_types::secret`], so the
//! client and the sandbox's calls log hide exactly the same values.
//!
//! ```
//! use wxoa_client::redact::redact;
//!
//! assert_eq!(
//!     redact("/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t"),
//!     "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=***"
//! );
//! assert_eq!(
//!     redact(r#"{"errcode":0,"ticket":"bxLdik","expires_in":7200}"#),
//!     r#"{"errcode":0,"ticket":"***","expires_in":7200}"#
//! );
//! ```

pub use wxoa_types::secret::{MASK, SENSITIVE_KEYS, is_sensitive_key, redact};
