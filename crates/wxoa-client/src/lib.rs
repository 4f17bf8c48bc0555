//! The API client core of wxoa: the layer every call to the WeChat Official Account platform
//! goes through.
//!
//! It gets right what hurts most in WeChat SDKs:
//!
//! - **Access tokens shared across processes and machines** — one token per account for every
//!   process that shares a store, one fetch however many callers need it, refreshed ahead of
//!   expiry, replaced (once) when the platform rejects it, and a guard that stops refresh loops
//!   before they burn the daily quota. See [`token`].
//! - **Safe retries** — reads and token fetches are retried on `-1` and transport errors with
//!   bounded, jittered backoff; sends (customer-service, template, mass messages, …) are **never**
//!   sent again once they may have reached the platform, only after a token error, when the
//!   platform rejected them before doing anything.
//! - **Failover** — when the primary host refuses connections or answers 5xx, calls move to the
//!   failover host (`api2.weixin.qq.com` by default) and come back after a configurable interval.
//! - **Typed errors** — a non-zero `errcode` becomes [`Error::Api`] with the code's meaning in
//!   English and Chinese and what to do ([`Error::advice`]); 40164 carries the caller IP the
//!   platform saw; a body that does not decode keeps the raw body and the failing field's path.
//! - **No secrets in logs** — every log line and error masks `access_token`, `secret`, `code`,
//!   `refresh_token` and `ticket` values ([`redact`]).
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use wxoa_client::token::FileStore;
//! use wxoa_client::{Account, Client, Error};
//!
//! # async fn run() -> Result<(), Error> {
//! let client = Client::builder()
//!     .account(Account::new("wx0123456789abcdef", "app-secret"))
//!     // Every process of this machine shares the token, and it survives restarts.
//!     .store(Arc::new(FileStore::new("/var/lib/myapp/tokens.json")))
//!     .build()?;
//!
//! // A read: retried where safe.
//! let followers = client.get_json("/cgi-bin/user/get", &[("next_openid", "")]).await?;
//!
//! // A send: never replayed once it may have reached the platform.
//! let message = serde_json::json!({"touser": "oUser", "msgtype": "text", "text": {"content": "你好"}});
//! match client.post_json("/cgi-bin/message/custom/send", &message).await {
//!     Ok(_) => {}
//!     Err(Error::Api { code, .. }) if code.code() == 45015 => { /* outside the 48-hour window */ }
//!     Err(e) if e.may_have_reached_platform() => { /* unknown outcome: do not resend blindly */ }
//!     Err(e) => return Err(e),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Which token source and store
//!
//! | deployment | source | store |
//! |---|---|---|
//! | one process | `stable_token` (default) | [`token::MemoryStore`] (default), or [`token::FileStore`] to survive restarts |
//! | several processes on one machine | `stable_token` | [`token::FileStore`] — the default of the `wxoa` CLI and `wxoa serve` |
//! | several machines | `stable_token` | `token::RedisStore` (feature `redis`) shared by all |
//! | several machines, credentials in one place | [`token::TokenSource::remote`] (a `wxoa token-server`) | [`token::MemoryStore`] |
//!
//! The [`token`] module explains single flight, refresh ahead, compare-and-invalidate, the
//! quota guard and what happens when a store fails.
//!
//! # Feature flags
//!
//! - `redis`: `token::RedisStore`, tokens shared by every machine through Redis.
//!
//! Tests of code built on the client run it against `wxoa-sandbox`, the platform played in the
//! test's process: its control client scripts faults and answers and reads what was sent.
//!
//! # Modules
//!
//! - [`Client`], [`ClientBuilder`], [`Account`]: the client, its configuration and its registry
//!   of accounts (several AppIDs, changeable at runtime, everything namespaced by AppID).
//! - [`ApiRequest`]: one call, with its idempotency; a JSON or multipart ([`Form`], [`Upload`])
//!   body.
//! - [`Download`], [`Fetched`]: files the platform serves (media, materials, QR codes), streamed
//!   to a writer, a file or a directory.
//! - [`api`]: the platform's API, one typed module per area.
//! - [`RetryPolicy`]: how reads are retried.
//! - [`Error`]: every failure, typed; [`InvalidRequest`] and [`Rule`] say why a request was
//!   refused before it left, [`ConfigError`] what is wrong with the configuration.
//! - [`token`]: sources, stores and the token manager.
//! - [`metrics`]: calls, errcodes and latency by endpoint path, and token fetches, for the
//!   application's Prometheus registry ([`Client::metrics`]).
//! - [`redact`]: masking secrets in text.

pub mod api;
mod client;
pub mod component;
mod download;
mod error;
mod invalid;
pub mod metrics;
pub mod redact;
mod request;
mod rule;
pub mod token;
mod transport;
mod upload;

pub use client::{
    Account, Client, ClientBuilder, DEFAULT_API_BASES, DEFAULT_MP_BASE, DEFAULT_OPEN_BASE,
};
pub use download::{Download, Fetched, JsonAnswer, MAX_DOWNLOAD};
pub use error::{Abandoned, BaseProblem, ConfigError, Content, Error, FileAction, Result};
pub use invalid::InvalidRequest;
pub use metrics::ClientMetrics;
pub use request::ApiRequest;
pub use rule::{ArticleList, Rule, Unit, UploadKind};
pub use transport::RetryPolicy;
pub use upload::{Form, Upload};
pub use wxoa_types::errcode::ErrCode;
