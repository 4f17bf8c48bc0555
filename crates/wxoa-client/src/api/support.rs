//! What every API area shares: validation errors that name the field and the rule, lenient
//! numbers and flags (in responses, and in JSON a user wrote), the decoding of user-written
//! JSON with the failing field's path, the platform's string enums with their `Unknown`
//! catch-all, the `errcode`-only answer, and the macro that makes a request value awaitable.

use std::fmt::Display;

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{Error, InvalidRequest, Rule, Unit};

/// The answer of an endpoint that only reports success: `{"errcode":0,"errmsg":"ok"}` (or
/// nothing at all). Failures never get here: they are [`Error::Api`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ack {
    /// Always 0 when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// The platform's message, usually `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tag or a group as `create`, `update` and `delete` send it under `tag` or `group`: its id
/// once it has one, its name when it is given.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Label {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

impl Label {
    /// The name, empty when not given.
    pub(crate) fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }

    /// The id, 0 when not given.
    pub(crate) fn id(&self) -> u32 {
        self.id.unwrap_or_default()
    }
}

/// A request whose field `field` breaks `rule`: the shape every local validation error has.
pub(crate) fn invalid(field: impl Display, rule: Rule) -> Error {
    Error::InvalidRequest(InvalidRequest::Field {
        field: field.to_string(),
        rule,
    })
}

/// `value` must not be empty.
pub(crate) fn require(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(invalid(field, Rule::Empty));
    }
    Ok(())
}

/// `value` must hold 1 to `max` bytes of UTF-8 (the platform counts bytes: a CJK character
/// is 3).
pub(crate) fn bytes_between(field: &str, value: &str, max: usize) -> Result<(), Error> {
    require(field, value)?;
    at_most_bytes(field, value, max)
}

/// `value` must hold at most `max` bytes of UTF-8.
fn at_most_bytes(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.len() > max {
        return Err(invalid(
            field,
            Rule::LongerThan {
                max,
                unit: Unit::Bytes,
            },
        ));
    }
    Ok(())
}

/// `value` must be an absolute http or https URL (where the platform sends a user back).
pub(crate) fn web_url(field: &'static str, value: &str) -> Result<(), Error> {
    let url = url::Url::parse(value).map_err(|source| InvalidRequest::Url { field, source })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(field, Rule::HttpUrl));
    }
    Ok(())
}

/// `value` must hold only letters and digits, at most `max` bytes (the anti-CSRF values the
/// platform hands back: OAuth's `state`, the one-time subscription's `reserved`).
pub(crate) fn alphanumeric(field: &str, value: &str, max: usize) -> Result<(), Error> {
    at_most_bytes(field, value, max)?;
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(field, Rule::LettersAndDigits));
    }
    Ok(())
}

/// Every OpenID of a list must be non-empty, and the list must name at least one.
pub(crate) fn openid_list(field: &str, openids: &[wxoa_types::ids::OpenId]) -> Result<(), Error> {
    if openids.is_empty() {
        return Err(invalid(field, Rule::NoOpenId));
    }
    if let Some(i) = openids.iter().position(|o| o.as_str().is_empty()) {
        return Err(invalid(format!("{field}[{i}]"), Rule::Empty));
    }
    Ok(())
}

/// An integer that may arrive as a JSON number or as a numeric string, converted to `T`: how
/// the platform writes some numbers, and how a user may write them in a file.
struct Lenient<T>(T);

impl<'de, T: TryFrom<i64>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let n = match &value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| de::Error::custom(format_args!("must be an integer, got {value}")))?;
        T::try_from(n)
            .map(Lenient)
            .map_err(|_| de::Error::custom(format_args!("must be an integer in range, got {n}")))
    }
}

/// Reads an integer given as a number or a numeric string.
pub(crate) fn lenient<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
    Lenient::<T>::deserialize(d).map(|n| n.0)
}

/// Reads an optional integer given as a number, a numeric string or `null`.
pub(crate) fn opt_lenient<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<Lenient<T>>::deserialize(d).map(|n| n.map(|n| n.0))
}

/// Reads a list of integers, each a number or a numeric string; `null` is an empty list.
pub(crate) fn lenient_list<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Option::<Vec<Lenient<T>>>::deserialize(d)
        .map(|list| list.unwrap_or_default().into_iter().map(|n| n.0).collect())
}

/// Reads a flag given as `true`/`false` or `1`/`0`; `null` is absent.
pub(crate) fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(flag)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
        Some(other) => Err(de::Error::custom(format_args!(
            "must be true, false, 0 or 1, got {other}"
        ))),
    }
}

/// Reads a flag given as `true`/`false` or `1`/`0`; `null` is `false`.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    opt_flag(d).map(Option::unwrap_or_default)
}

/// Writes a number as a string, as some of the platform's examples send ids.
#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's `serialize_with` calls
pub(crate) fn number_as_text<S: Serializer>(n: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(n)
}

/// Writes a flag as the platform's `0` or `1`.
#[allow(clippy::trivially_copy_pass_by_ref)] // the signature serde's `serialize_with` calls
pub(crate) fn bool_as_number<S: Serializer>(flag: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(u8::from(*flag))
}

/// Writes an optional flag as the platform's `0` or `1`.
#[allow(clippy::ref_option)] // the signature serde's `serialize_with` calls
pub(crate) fn flag_as_number<S: Serializer>(flag: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match flag {
        Some(flag) => bool_as_number(flag, s),
        None => s.serialize_none(),
    }
}

/// Reads a value where `null` means the same as absent: its default.
pub(crate) fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Decodes JSON a user wrote (a file, a command-line argument) into a request type. A member
/// of the wrong type fails naming its path under `field` (`card.cash.base_info.sku.quantity:
/// must be an integer, got "many"`).
pub(crate) fn decode_input<T: DeserializeOwned>(value: &Value, field: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            field.to_owned()
        } else if path.starts_with('[') {
            format!("{field}{path}")
        } else {
            format!("{field}.{path}")
        };
        Error::InvalidRequest(InvalidRequest::Input {
            field: at,
            source: e.into_inner(),
        })
    })
}

/// Reads a text the platform sometimes sends as a number (`"menuid"`, `"kf_id"`).
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_text(d).map(Option::unwrap_or_default)
}

/// Reads an optional text the platform sometimes sends as a number.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(de::Error::invalid_type(
            de::Unexpected::Other(match other {
                Value::Array(_) => "an array",
                _ => "an object",
            }),
            &"a string or a number",
        )),
    }
}

/// Defines one of the platform's string enums: `#[non_exhaustive]`, with an `Unknown(String)`
/// variant that keeps a value this version does not know, so a new value never fails to parse.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept as the platform sent it.
            Unknown(String),
        }

        impl $name {
            /// The value as the platform writes it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $text => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        wxoa_types::platform_words!($name);
    };
}
pub(crate) use string_enum;

/// Makes a request value awaitable: it must have a `client: Client` field and a
/// `fn request(&self) -> Result<ApiRequest>` that validates it. With a third argument, the
/// decoded answer is mapped before it is returned (`{"tags": [...]}` → the list); with
/// `via SENDER`, `SENDER(client, request)` sends it instead of [`crate::api::call`].
macro_rules! awaitable {
    ($ty:ty => $out:ty) => {
        $crate::api::support::awaitable!($ty => $out, via $crate::api::call);
    };
    ($ty:ty => $out:ty, via $send:path) => {
        impl std::future::IntoFuture for $ty {
            type Output = $crate::Result<$out>;
            type IntoFuture = futures::future::BoxFuture<'static, $crate::Result<$out>>;

            fn into_future(self) -> Self::IntoFuture {
                let request = self.request();
                $send(self.client, request)
            }
        }
    };
    ($ty:ty => $raw:ty => $out:ty, $map:expr) => {
        impl std::future::IntoFuture for $ty {
            type Output = $crate::Result<$out>;
            type IntoFuture = futures::future::BoxFuture<'static, $crate::Result<$out>>;

            fn into_future(self) -> Self::IntoFuture {
                let request = self.request();
                let call = $crate::api::call::<$raw>(self.client, request);
                Box::pin(async move { call.await.map($map) })
            }
        }
    };
}
pub(crate) use awaitable;

/// Defines an endpoint that takes nothing but the access token: a read (`GET path`),
/// awaitable like [`awaitable!`] with the rest of the arguments.
macro_rules! parameterless_get {
    ($(#[$meta:meta])* $name:ident, $path:literal => $($answer:tt)+) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct $name {
            pub(crate) client: $crate::Client,
        }

        impl $name {
            #[allow(clippy::unnecessary_wraps)]
            fn request(&self) -> $crate::Result<$crate::ApiRequest> {
                Ok($crate::ApiRequest::get($path))
            }
        }

        $crate::api::support::awaitable!($name => $($answer)+);
    };
}
pub(crate) use parameterless_get;

#[cfg(test)]
#[allow(clippy::unwrap_used, unreachable_pub)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "lenient")]
        id: u32,
        #[serde(default, deserialize_with = "opt_lenient")]
        count: Option<u64>,
        #[serde(default, deserialize_with = "lenient_list")]
        list: Vec<i64>,
        #[serde(default, deserialize_with = "text")]
        menuid: String,
    }

    #[test]
    fn numbers_arrive_as_numbers_or_strings() {
        let s: Sample =
            serde_json::from_str(r#"{"id":"134","count":5,"list":[1,"2"],"menuid":208379533}"#)
                .unwrap();
        assert_eq!(
            (s.id, s.count, s.list, s.menuid.as_str()),
            (134, Some(5), vec![1, 2], "208379533")
        );
        let s: Sample = serde_json::from_str(r#"{"id":1,"count":null,"list":null}"#).unwrap();
        assert_eq!((s.count, s.list.len(), s.menuid.as_str()), (None, 0, ""));
        assert!(serde_json::from_str::<Sample>(r#"{"id":-1}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"id":"x"}"#).is_err());
    }

    string_enum! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red = "red",
        }
    }

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Input {
        #[serde(default, deserialize_with = "or_default")]
        s: String,
        #[serde(default, deserialize_with = "opt_flag")]
        f: Option<bool>,
        #[serde(default, deserialize_with = "opt_flag")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_lenient")]
        n: Option<u32>,
        #[serde(default)]
        o: Option<Box<Input>>,
        #[serde(flatten)]
        rest: Map<String, Value>,
    }

    #[test]
    fn user_json_is_read_with_lenient_numbers_and_flags() {
        let value = serde_json::json!({"s": "x", "f": 1, "b": false, "n": "42", "o": {"n": 1}, "keep": [1]});
        let input: Input = decode_input(&value, "card").unwrap();
        assert_eq!(
            (input.s.as_str(), input.f, input.b, input.n),
            ("x", Some(true), Some(false), Some(42))
        );
        assert_eq!(input.o.unwrap().n, Some(1));
        assert_eq!(
            input.rest,
            *serde_json::json!({"keep": [1]}).as_object().unwrap()
        );
        let nulls: Input = decode_input(&serde_json::json!({"s": null, "f": null}), "x").unwrap();
        assert_eq!(nulls, Input::default());
    }

    #[test]
    fn user_json_of_the_wrong_type_names_the_field() {
        let error = |value: Value| {
            decode_input::<Input>(&value, "a.b")
                .unwrap_err()
                .to_string()
        };
        assert!(error(serde_json::json!({"s": 1})).contains("a.b.s: "));
        assert!(
            error(serde_json::json!({"f": 2}))
                .contains("a.b.f: must be true, false, 0 or 1, got 2")
        );
        assert!(
            error(serde_json::json!({"n": -1}))
                .contains("a.b.n: must be an integer in range, got -1")
        );
        assert!(
            error(serde_json::json!({"o": {"n": "x"}}))
                .contains("a.b.o.n: must be an integer, got \"x\"")
        );
        assert!(error(serde_json::json!([])).contains("a.b: "));
        let list = decode_input::<Vec<Input>>(&serde_json::json!([{}, {"f": 3}]), "articles");
        assert!(list.unwrap_err().to_string().contains("articles[1].f: "));
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        let c: Vec<Colour> = serde_json::from_str(r#"["red","blue"]"#).unwrap();
        assert_eq!(c, [Colour::Red, Colour::Unknown("blue".to_owned())]);
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"["red","blue"]"#);
    }

    #[test]
    fn validation_errors_name_field_and_rule() {
        let e = bytes_between("tag.name", &"标".repeat(11), 30).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid request: tag.name: longer than 30 bytes"
        );
        assert!(bytes_between("tag.name", &"标".repeat(10), 30).is_ok());
        let e = openid_list("openid_list", &["a".into(), "".into()]).unwrap_err();
        assert!(e.to_string().ends_with("openid_list[1]: must not be empty"));
    }
}
