//! A string that must never be shown: an AppSecret, an access token, a Token, an
//! EncodingAESKey, an OAuth code or refresh token.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
