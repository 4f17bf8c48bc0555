//! Identifier newtypes. Each is a distinct type so an `OpenId` can never be passed where a
//! `MediaId` is expected; all are transparent on the wire.

use serde::{Deserialize, Deserializer, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_id! {
    /// The AppID of an official account (`wx` + 16 hex characters).
    AppId
}
string_id! {
    /// A follower's OpenID: unique per user and per account.
    OpenId
}
string_id! {
    /// A user's UnionID: the same across the accounts bound to one Open Platform account.
    UnionId
}
string_id! {
    /// A temporary media or permanent material id.
    MediaId
}
string_id! {
    /// A template id of template messages.
    TemplateId
}
string_id! {
    /// The account's original id (`gh_` + 12 hex characters), the `ToUserName` of pushes.
    OriginalId
}
string_id! {
    /// A card id.
    CardId
}

/// A message id: a 64-bit unsigned integer that must never pass through a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct MsgId(pub u64);

impl std::fmt::Display for MsgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for MsgId {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl std::str::FromStr for MsgId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(Self)
    }
}

/// Accepts a JSON number or a numeric string (some endpoints send ids as strings).
impl<'de> Deserialize<'de> for MsgId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::lenient::u64_from_number_or_string(deserializer).map(MsgId)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn msg_id_never_goes_through_a_float() {
        let id: MsgId = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(id.0, u64::MAX);
        let id: MsgId = serde_json::from_str("\"6001953063231422477\"").unwrap();
        assert_eq!(id.0, 6_001_953_063_231_422_477);
        assert_eq!(serde_json::to_string(&id).unwrap(), "6001953063231422477");
        assert!(serde_json::from_str::<MsgId>("1.5").is_err());
    }

    #[test]
    fn string_ids_are_transparent() {
        let id = OpenId::from("oUser");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"oUser\"");
        assert_eq!(id, "oUser");
        assert_eq!(id.to_string(), "oUser");
    }
}
