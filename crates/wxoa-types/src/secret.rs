//! Secrets and how they are kept out of sight: [`Secret`], a string that must never be shown
//! (an AppSecret, an access token, a Token, an EncodingAESKey, an OAuth code or refresh token);
//! [`SENSITIVE_KEYS`] and [`is_sensitive_key`], the one list of key names whose values are
//! masked wherever a request or an answer is shown; [`redact`], which masks them in text; and
//! [`mask_url_password`] for configured URLs.
//!
//! ```
//! use wxoa_types::secret::redact;
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

use serde::{Deserialize, Deserializer};

/// A secret string. `Debug` and `Display` print `***`; the value is reached only through
/// [`Secret::expose`], so a secret cannot end up in a log line or an error message by accident.
/// It deliberately does not implement `Serialize`.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself. Call it only where the value is sent or used in a computation.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// `url` with the password of its userinfo (`redis://user:PASSWORD@host`, `redis://:PASSWORD@host`)
/// replaced by `***`, for every place a configured URL is shown: a log line, an error, `config
/// check`. A URL without a password is returned as it is; text that is not a URL is returned as
/// it is too, since it cannot carry a userinfo part.
#[must_use]
pub fn mask_url_password(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = url.find("://") else {
        return url.into();
    };
    let rest_start = scheme_end + 3;
    let rest = url.get(rest_start..).unwrap_or("");
    // The authority ends at the first '/', '?' or '#'; its userinfo ends at the last '@' in it
    // (a password may itself contain '@' when the user did not percent-encode it).
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).unwrap_or("");
    let Some(at) = authority.rfind('@') else {
        return url.into();
    };
    let userinfo = authority.get(..at).unwrap_or("");
    let Some(colon) = userinfo.find(':') else {
        return url.into();
    };
    let user = userinfo.get(..colon).unwrap_or("");
    let after = rest.get(at..).unwrap_or("");
    format!("{}{user}:***{after}", url.get(..rest_start).unwrap_or("")).into()
}

/// What a masked value is replaced with.
pub const MASK: &str = "***";

/// Key names whose values are secret, wherever they appear: a query parameter, a JSON member, a
/// form field. A key also counts when it ends with one of these after an underscore
/// (`jsapi_ticket`, `app_secret`, `component_access_token`, `pre_auth_code`), and `appsecret`
/// counts too; `errcode` does not (the name must start the key or follow an underscore). Every
/// crate that shows a request or an answer (the client's logs and errors, the sandbox's calls
/// log) masks by this one list.
pub const SENSITIVE_KEYS: &[&str] = &[
    "access_token",
    "secret",
    "code",
    "refresh_token",
    "ticket",
    "password",
];

/// Whether `key` names a secret value.
#[must_use]
pub fn is_sensitive_key(key: &str) -> bool {
    let key = key.as_bytes();
    SENSITIVE_KEYS.iter().chain(&["appsecret"]).any(|name| {
        let name = name.as_bytes();
        if key.len() < name.len() {
            return false;
        }
        let (head, tail) = key.split_at(key.len() - name.len());
        tail.eq_ignore_ascii_case(name) && (head.is_empty() || head.ends_with(b"_"))
    })
}

/// `text` with the value of every sensitive key replaced by [`MASK`]; borrowed when there was
/// nothing to mask.
#[must_use]
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // `copied` is how much of `text` has been appended to `out` so far.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !is_ident(bytes, i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes, i) {
            i += 1;
        }
        let key = &text[start..i];
        if !is_sensitive_key(key) {
            continue;
        }
        let Some((value_start, value_end)) = value_after_key(bytes, i) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..value_start]);
        out.push_str(MASK);
        copied = value_end;
        i = value_end;
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            std::borrow::Cow::Owned(out)
        }
    }
}

fn is_ident(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The byte range of the value that follows a key ending at `i`: `=v`, `:v`, `":"v"`, `: "v"`.
/// Every delimiter looked for is ASCII, so the range always falls on UTF-8 boundaries.
fn value_after_key(bytes: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let at = |i: usize| bytes.get(i).copied();
    if at(i) == Some(b'"') {
        i += 1;
    }
    while at(i) == Some(b' ') {
        i += 1;
    }
    if !matches!(at(i), Some(b'=' | b':')) {
        return None;
    }
    i += 1;
    while at(i) == Some(b' ') {
        i += 1;
    }
    if at(i) == Some(b'"') {
        let start = i + 1;
        let mut j = start;
        while let Some(b) = at(j) {
            match b {
                b'\\' => j += 2,
                b'"' => break,
                _ => j += 1,
            }
        }
        let end = j.min(bytes.len());
        return (end > start).then_some((start, end));
    }
    let start = i;
    let mut j = start;
    while let Some(b) = at(j) {
        if matches!(
            b,
            b'&' | b' ' | b'"' | b',' | b'}' | b')' | b']' | b'#' | b'\n' | b'\r' | b'\t' | b';'
        ) {
            break;
        }
        j += 1;
    }
    (j > start && bytes.get(start..j) != Some(MASK.as_bytes())).then_some((start, j))
}

/// An error and its sources on one line (`error: cause: cause`), with every secret value
/// redacted (see [`redact`]): how an error is shown in a log line or a message, since a source
/// (a transport error naming a URL, say) may carry a token.
#[must_use]
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    redact(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn an_error_chain_is_one_redacted_line() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the call failed")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::other(
            "GET /cgi-bin/menu/get?access_token=T0KEN failed",
        ));
        assert_eq!(
            error_chain(&error),
            "the call failed: GET /cgi-bin/menu/get?access_token=*** failed"
        );
    }

    #[test]
    fn url_passwords_are_masked() {
        for (url, shown) in [
            (
                "redis://:hunter2@10.0.0.9:6379/0",
                "redis://:***@10.0.0.9:6379/0",
            ),
            ("redis://app:hunter2@host", "redis://app:***@host"),
            (
                "rediss://app:p@ss@host:6380?x=1",
                "rediss://app:***@host:6380?x=1",
            ),
            ("redis://app@host", "redis://app@host"),
            ("redis://host:6379", "redis://host:6379"),
            ("redis://host/0?password=x@y", "redis://host/0?password=x@y"),
            ("not a url", "not a url"),
            ("redis://:@host", "redis://:***@host"),
        ] {
            assert_eq!(mask_url_password(url), shown, "{url}");
        }
    }

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(
            format!("{secret:?} {secret} {:?}", Some(&secret)),
            "*** *** Some(***)"
        );
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn masks_query_parameters() {
        assert_eq!(
            redact("https://api.weixin.qq.com/cgi-bin/user/get?access_token=ABC&next_openid=o1"),
            "https://api.weixin.qq.com/cgi-bin/user/get?access_token=***&next_openid=o1"
        );
        assert_eq!(
            redact(
                "/sns/oauth2/access_token?appid=wx&secret=S&code=C&grant_type=authorization_code"
            ),
            "/sns/oauth2/access_token?appid=wx&secret=***&code=***&grant_type=authorization_code"
        );
        assert_eq!(
            redact("jsapi_ticket=T1&noncestr=n&timestamp=1&url=u"),
            "jsapi_ticket=***&noncestr=n&timestamp=1&url=u"
        );
    }

    #[test]
    fn masks_json_members() {
        assert_eq!(
            redact(r#"{"access_token":"A.b-c","expires_in":7200}"#),
            r#"{"access_token":"***","expires_in":7200}"#
        );
        assert_eq!(
            redact(r#"{ "refresh_token" : "R\"x", "openid": "o" }"#),
            r#"{ "refresh_token" : "***", "openid": "o" }"#
        );
        assert_eq!(
            redact(r#"{"appsecret":"s","app_secret":"t"}"#),
            r#"{"appsecret":"***","app_secret":"***"}"#
        );
        assert_eq!(redact(r#"{"code": 123}"#), r#"{"code": ***}"#);
    }

    #[test]
    fn leaves_other_keys_alone() {
        let text =
            r#"{"errcode":40001,"errmsg":"invalid credential","qrcode":"x","ticket_count":2}"#;
        assert!(matches!(redact(text), Cow::Borrowed(_)));
        assert_eq!(redact("access_token missing"), "access_token missing");
        assert_eq!(redact("secret"), "secret");
        assert_eq!(redact("access_token=***&x=1"), "access_token=***&x=1");
    }

    #[test]
    fn survives_truncated_and_multibyte_input() {
        assert_eq!(redact(r#"{"ticket":"abc"#), r#"{"ticket":"***"#);
        assert_eq!(redact("ticket=值&x=中"), "ticket=***&x=中");
        assert_eq!(redact("secret="), "secret=");
        assert_eq!(redact(r#""secret":"\"#), r#""secret":"***"#);
    }

    #[test]
    fn sensitive_key_names() {
        for key in [
            "access_token",
            "ACCESS_TOKEN",
            "secret",
            "appsecret",
            "component_appsecret",
            "code",
            "auth_code",
            "refresh_token",
            "ticket",
            "jsapi_ticket",
            "password",
            "pre_auth_code",
        ] {
            assert!(is_sensitive_key(key), "{key}");
        }
        for key in ["errcode", "qrcode", "tickets", "openid", "expires_in", ""] {
            assert!(!is_sensitive_key(key), "{key}");
        }
    }
}
