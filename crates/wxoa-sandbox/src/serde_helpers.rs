//! Serde helpers for the state file: binary data as Base64 and the predicates that leave
//! zero counters out of it.

/// Whether a counter is zero (left out of the state file).
pub(crate) fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Whether a number is zero (left out of the state file).
pub(crate) fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}

/// Binary data in the state file, as Base64.
pub(crate) mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
