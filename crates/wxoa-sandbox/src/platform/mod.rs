//! The platform's model by area: each module owns an area's state and the rules that change
//! it, as methods the routes call (the routes only decode requests and encode answers), and
//! the few readers of JSON and message fields the areas share.

pub(crate) mod autoreply;
pub(crate) mod card;
pub(crate) mod comments;
pub(crate) mod component;
pub(crate) mod custom;
pub(crate) mod cv;
pub(crate) mod groups;
pub(crate) mod kf;
pub(crate) mod marketing;
pub(crate) mod mass;
pub(crate) mod material;
pub(crate) mod media;
pub(crate) mod menu;
pub(crate) mod migration;
pub(crate) mod network;
pub(crate) mod oauth;
pub(crate) mod people;
pub(crate) mod publish;
pub(crate) mod qrcode;
pub(crate) mod shorten;
pub(crate) mod stats;
pub(crate) mod subscribe;
pub(crate) mod tags;
pub(crate) mod template;
pub(crate) mod tokens;

/// Reads an integer given as a JSON number or a numeric string.
pub(crate) fn lenient_i64(value: &serde_json::Value) -> Option<i64> {
    match value {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The text of a message field (platform names, in order), empty when absent or not text.
pub(crate) fn field_text<'a>(fields: &'a [(String, serde_json::Value)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Sets a field of a JSON object (nothing happens to anything else).
pub(crate) fn set_field(value: &mut serde_json::Value, key: &str, field: serde_json::Value) {
    if let Some(map) = value.as_object_mut() {
        map.insert(key.to_owned(), field);
    }
}
