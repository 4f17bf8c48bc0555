//! The state file: the whole platform and the clock offset as JSON, read at start and written
//! atomically (a private 0600 temporary file, flushed, renamed over the old one) while the
//! sandbox runs and when it stops; and the migration of files older sandboxes wrote.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::SandboxError;
use crate::state::State;

/// The layout written: version 2 nests each account's data by area (`tags: {by_id, next_id}`);
/// version 1 kept every area's fields side by side in the account.
const SAVED_VERSION: u32 = 2;

/// Where each field of a version-1 account lives in version 2: the old key, the area, the key
/// in the area. Fields not listed kept their place.
const V1_FIELDS: &[(&str, &str, &str)] = &[
    ("followers", "audience", "followers"),
    ("people", "audience", "people"),
    ("blacklist", "audience", "blacklist"),
    ("tags", "tags", "by_id"),
    ("next_tag_id", "tags", "next_id"),
    ("groups", "groups", "by_id"),
    ("next_group_id", "groups", "next_id"),
    ("menu", "menus", "default"),
    ("conditional_menus", "menus", "conditional"),
    ("next_menu_id", "menus", "next_id"),
    ("industry", "templates", "industry"),
    ("templates", "templates", "list"),
    ("template_sends", "templates", "sends"),
    ("agents", "kf", "agents"),
    ("cards", "cards", "by_id"),
    ("card_codes", "cards", "codes"),
    ("quota", "tokens", "quota"),
    ("classic_token", "tokens", "classic_token"),
    ("stable", "tokens", "stable"),
    ("tickets", "tokens", "tickets"),
    ("media", "media", "temporary"),
    ("materials", "media", "permanent"),
    ("next_msg_id", "ids", "msg_id"),
    ("next_seq", "ids", "seq"),
];

#[derive(Serialize)]
struct Saved<'a> {
    version: u32,
    clock_offset: i64,
    state: &'a State,
}

#[derive(Deserialize)]
struct Loaded {
    clock_offset: i64,
    state: State,
}

/// The state file's bytes for this state and clock offset.
pub(crate) fn encode(state: &State, clock_offset: i64) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Saved {
        version: SAVED_VERSION,
        clock_offset,
        state,
    })
}

/// Reads a state file: the state and the clock offset. `None` when the file does not exist.
pub(crate) fn load(path: &Path) -> Result<Option<(State, i64)>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SandboxError::StateFile {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let format_error = |source| SandboxError::StateFormat {
        path: path.display().to_string(),
        source,
    };
    let mut saved: Value = serde_json::from_slice(&bytes).map_err(format_error)?;
    match saved.get("version").and_then(Value::as_u64) {
        Some(1) => migrate_v1(&mut saved),
        Some(version) if version == u64::from(SAVED_VERSION) => {}
        Some(version) => {
            return Err(SandboxError::StateVersion {
                path: path.display().to_string(),
                found: version,
                reads: SAVED_VERSION,
            });
        }
        None => {
            let missing = <serde_json::Error as serde::de::Error>::missing_field("version");
            return Err(format_error(missing));
        }
    }
    let loaded: Loaded = serde_json::from_value(saved).map_err(format_error)?;
    if let Err(problem) = crate::clock::check_offset(loaded.clock_offset) {
        return Err(SandboxError::StateClock {
            path: path.display().to_string(),
            offset: loaded.clock_offset,
            problem,
        });
    }
    let mut state = loaded.state;
    state.reindex();
    Ok(Some((state, loaded.clock_offset)))
}

/// Moves the fields of every account of a version-1 file into their areas ([`V1_FIELDS`]),
/// so the file decodes as version 2. Something that is not an account is left for the
/// decoding to refuse.
fn migrate_v1(saved: &mut Value) {
    let Some(accounts) = saved
        .pointer_mut("/state/accounts")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for account in accounts.iter_mut().filter_map(Value::as_object_mut) {
        // Every old field leaves before any area is made: some areas take an old field's name.
        let moved: Vec<(&str, &str, Value)> = V1_FIELDS
            .iter()
            .filter_map(|&(old, area, key)| Some((area, key, account.remove(old)?)))
            .collect();
        for (area, key, value) in moved {
            let area = account
                .entry(area)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(area) = area.as_object_mut() {
                area.insert(key.to_owned(), value);
            }
        }
    }
}

/// Writes a state file atomically: a temporary file next to it, created with mode 0600 (the
/// state holds every account's AppSecret and live tokens), flushed, then renamed over it, and
/// the directory flushed so the rename survives a crash. A reader sees the old file or the new
/// one, never a part of either.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let error = |source| SandboxError::StateFile {
        path: path.display().to_string(),
        source,
    };
    let temporary = temporary_path(path);
    let written = write_private(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error(source));
    }
    sync_directory(path).map_err(error)
}

/// A temporary file next to `path`, unique to this process and this write.
fn temporary_path(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy());
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{write}.tmp", std::process::id()))
}

/// Creates `path` readable and writable by its owner only, with `bytes`, flushed to disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    // A file left by a process that died mid-write (with the same id, after a restart) would
    // keep its old mode: remove it rather than write into it.
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes the directory holding `path`, so a rename into it is durable.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The version-1 file in `fixtures/sandbox/state-v1.json`, written by the sandbox before
    /// the state was nested by area, with something in every area.
    fn version_1() -> Value {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sandbox/state-v1.json");
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Every field of a version-1 account comes through the migration and the typed state
    /// unchanged, in its area: what version 2 writes of it equals what version 1 wrote.
    #[test]
    fn a_version_1_file_keeps_every_field_in_its_area() {
        let old = version_1();
        let mut saved = old.clone();
        migrate_v1(&mut saved);
        let loaded: Loaded = serde_json::from_value(saved).unwrap();
        let written: Value = serde_json::from_slice(&encode(&loaded.state, 0).unwrap()).unwrap();
        let (Some(old), Some(new)) = (
            old.pointer("/state/accounts/0").and_then(Value::as_object),
            written.pointer("/state/accounts/0"),
        ) else {
            panic!("one account in each");
        };
        assert_eq!(old.len(), 35, "the fixture has every version-1 field");
        for (key, value) in old {
            let place = V1_FIELDS
                .iter()
                .find(|(from, _, _)| from == key)
                .map_or_else(
                    || format!("/{key}"),
                    |(_, area, to)| format!("/{area}/{to}"),
                );
            let kept = new.pointer(&place);
            match (value, kept) {
                // An area that kept its place may have taken in others' fields (kf: agents).
                (Value::Object(fields), Some(Value::Object(now))) => {
                    for (field, value) in fields {
                        assert_eq!(now.get(field), Some(value), "{key}.{field} at {place}");
                    }
                }
                _ => assert_eq!(kept, Some(value), "{key} at {place}"),
            }
            assert!(!value.is_null(), "{key} is filled in the fixture");
        }
        let account = loaded.state.accounts.first().unwrap();
        assert_eq!(account.tags.next_id, 101);
        assert_eq!(account.groups.by_id.len(), 4);
        assert_eq!(account.menus.conditional.len(), 1);
        assert_eq!(account.templates.sends.len(), 1);
        assert_eq!(account.kf.agents.len(), 1);
        assert_eq!(account.cards.codes.len(), 1);
        assert!(account.tokens.classic_token.is_some());
        assert_eq!(account.media.permanent.len(), 1);
        assert_eq!(account.ids.msg_id, 24_000_000_000_000_004);
        assert_eq!(account.ids.seq, 10);
    }
}
