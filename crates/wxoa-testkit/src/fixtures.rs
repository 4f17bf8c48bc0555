//! The repository's fixtures (`fixtures/`), written from the spec and read by every crate's
//! tests: the platform's inbound XML (`fixtures/inbound/`) and the API's JSON bodies
//! (`fixtures/api/<area>/`), whose placeholders a test fills in.

use std::path::PathBuf;

use serde_json::Value;

/// `fixtures/<parts…>` of the repository.
fn path(parts: &[&str]) -> PathBuf {
    let mut path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "fixtures"]
        .iter()
        .collect();
    path.extend(parts);
    path
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The text of `fixtures/inbound/<file>` (`text.xml`, …). Panics (failing the test) when it
/// cannot be read.
pub fn inbound(file: &str) -> String {
    read(&path(&["inbound", file]))
}

/// `fixtures/api/<area>/<file>` as JSON (`fixture("menu", "create.request.json")`). Panics
/// (failing the test) when it cannot be read or is not JSON.
pub fn fixture(area: &str, file: &str) -> Value {
    let path = path(&["api", area, file]);
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The request fixture `fixtures/api/<area>/<name>.request.json` with its placeholders
/// replaced ([`substitute`]).
pub fn request_fixture(area: &str, name: &str, values: &[(&str, Value)]) -> Value {
    substituted(area, &format!("{name}.request.json"), values)
}

/// The query fixture `fixtures/api/<area>/<name>.query.json` with its placeholders replaced
/// ([`substitute`]).
pub fn query_fixture(area: &str, name: &str, values: &[(&str, Value)]) -> Value {
    substituted(area, &format!("{name}.query.json"), values)
}

fn substituted(area: &str, file: &str, values: &[(&str, Value)]) -> Value {
    let mut body = fixture(area, file);
    substitute(&mut body, values);
    body
}

/// Replaces every string of `value` (at any depth) that equals a key of `values` with that
/// key's value: a fixture's placeholders (`"OPENID"`) filled in by a test.
pub fn substitute(value: &mut Value, values: &[(&str, Value)]) {
    match value {
        Value::String(s) => {
            if let Some((_, replacement)) = values.iter().find(|(k, _)| k == s) {
                *value = replacement.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute(i, values)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, values)),
        _ => {}
    }
}
