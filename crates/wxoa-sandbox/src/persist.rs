//! The state file: the whole platform and the clock offset as JSON, read at start and written
//! atomically (a private 0600 temporary file, flushed, renamed over the old one) while the
//! sandbox runs and when it stops.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::SandboxError;
use crate::state::State;

const SAVED_VERSION: u32 = 1;

#[derive(Serialize)]
struct Saved<'a> {
    version: u32,
    clock_offset: i64,
    state: &'a State,
}

#[derive(Deserialize)]
struct Loaded {
    version: u32,
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
    let loaded: Loaded =
        serde_json::from_slice(&bytes).map_err(|source| SandboxError::StateFormat {
            path: path.display().to_string(),
            source,
        })?;
    if let Err(why) = crate::clock::check_offset(loaded.clock_offset) {
        return Err(SandboxError::Config(format!(
            "state file {}: clock_offset {}: {why}",
            path.display(),
            loaded.clock_offset
        )));
    }
    if loaded.version != SAVED_VERSION {
        return Err(SandboxError::Config(format!(
            "state file {} has version {}, this sandbox reads version {SAVED_VERSION}",
            path.display(),
            loaded.version
        )));
    }
    let mut state = loaded.state;
    for account in &mut state.accounts {
        account.reindex();
    }
    Ok(Some((state, loaded.clock_offset)))
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
