//! Reading request values from the platform's own JSON shape (an article or a card kept in a
//! file), with errors that name the field and what it should be.

use serde_json::{Map, Value};

use crate::Result;
use crate::api::support::invalid;

/// The members of one JSON object, taken one by one; what is left is kept as it is.
pub(crate) struct Fields {
    path: String,
    map: Map<String, Value>,
}

impl Fields {
    /// The object `value`, named `path` in errors.
    pub(crate) fn of(value: &Value, path: &str) -> Result<Fields> {
        match value {
            Value::Object(map) => Ok(Fields {
                path: path.to_owned(),
                map: map.clone(),
            }),
            other => Err(invalid(path, format!("must be a JSON object, got {other}"))),
        }
    }

    /// The path of member `key`, for errors.
    pub(crate) fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    /// A text member.
    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(invalid(
                self.name(key),
                format!("must be a string, got {other}"),
            )),
        }
    }

    /// A flag: `true`/`false` or `1`/`0`.
    pub(crate) fn flag(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(flag)),
            Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
            Some(other) => Err(invalid(
                self.name(key),
                format!("must be true, false, 0 or 1, got {other}"),
            )),
        }
    }

    /// An integer (a number or a numeric string).
    pub(crate) fn int(&mut self, key: &str) -> Result<Option<i64>> {
        let value = self.take(key);
        let parsed = match &value {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        };
        match (parsed, value) {
            (Some(n), _) => Ok(Some(n)),
            (None, Some(other)) => Err(invalid(
                self.name(key),
                format!("must be an integer, got {other}"),
            )),
            (None, None) => Ok(None),
        }
    }

    /// A non-negative integer that fits `T`.
    pub(crate) fn uint<T: TryFrom<i64>>(&mut self, key: &str) -> Result<Option<T>> {
        match self.int(key)? {
            None => Ok(None),
            Some(n) => T::try_from(n).map(Some).map_err(|_| {
                invalid(
                    self.name(key),
                    format!("must be a non-negative integer in range, got {n}"),
                )
            }),
        }
    }

    /// An object member.
    pub(crate) fn object(&mut self, key: &str) -> Result<Option<Fields>> {
        let name = self.name(key);
        self.take(key)
            .map(|value| Fields::of(&value, &name))
            .transpose()
    }

    /// The members not taken.
    pub(crate) fn rest(self) -> Map<String, Value> {
        self.map
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn members_are_taken_with_their_types_checked() {
        let value = json!({"s": "x", "f": 1, "b": false, "n": "42", "o": {"k": 1}, "keep": [1], "null": null});
        let mut fields = Fields::of(&value, "card").unwrap();
        assert_eq!(fields.string("s").unwrap().as_deref(), Some("x"));
        assert_eq!(fields.flag("f").unwrap(), Some(true));
        assert_eq!(fields.flag("b").unwrap(), Some(false));
        assert_eq!(fields.uint::<u32>("n").unwrap(), Some(42));
        assert_eq!(fields.string("missing").unwrap(), None);
        assert_eq!(fields.string("null").unwrap(), None);
        let mut inner = fields.object("o").unwrap().unwrap();
        assert_eq!(inner.int("k").unwrap(), Some(1));
        assert_eq!(
            fields.rest(),
            json!({"keep": [1]}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let value = json!({"s": 1, "f": 2, "n": -1, "o": []});
        let mut fields = Fields::of(&value, "a.b").unwrap();
        let e = fields.string("s").unwrap_err().to_string();
        assert!(e.contains("a.b.s: must be a string"), "{e}");
        assert!(
            fields
                .flag("f")
                .unwrap_err()
                .to_string()
                .contains("a.b.f: ")
        );
        assert!(
            fields
                .uint::<u32>("n")
                .unwrap_err()
                .to_string()
                .contains("a.b.n: ")
        );
        assert!(fields.object("o").is_err());
        assert!(Fields::of(&json!([]), "x").is_err());
    }
}
