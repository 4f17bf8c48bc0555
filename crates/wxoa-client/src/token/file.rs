//! The file store: one JSON file shared by every process of a machine — tokens, a
//! component's authorizers (read from the refresh tokens it holds) and counters.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::store::{StoredToken, lock_id};
use super::{IndexedAuthorizer, StoreError, StoreLock, Token, TokenKey, TokenKind, TokenStore};
use crate::FileAction;
use wxoa_types::ids::AppId;

const NAME: &str = "file";
/// The largest token file read: far above any number of accounts.
const MAX_FILE: u64 = 4 * 1024 * 1024;
/// How long a write waits for the file's write lock before giving up.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(5);

/// Tokens kept in a JSON file, shared safely by concurrent processes on one machine, surviving
/// restarts (the token quota is counted per day, not per process).
///
/// - The file (`tokens.json`) is only ever replaced whole: a new version is written to a
///   temporary file in the same directory, flushed to disk (`fsync`) and renamed over the old
///   one, so a reader sees either version, never a torn one.
/// - Writers serialise on an advisory lock of `tokens.json.lock` (held for milliseconds).
/// - Fetch locks are advisory locks of one file per key in `tokens.json.locks/`; the operating
///   system releases them when the holding process ends, however it ends.
/// - Files are created readable by their user only (mode 0600 on Unix, directories 0700).
///
/// The default path is `$XDG_DATA_HOME/wxoa/tokens.json`, else
/// `~/.local/share/wxoa/tokens.json` ([`FileStore::default_path`]).
#[derive(Debug, Clone)]
pub struct FileStore {
    paths: Arc<Paths>,
}

#[derive(Debug)]
struct Paths {
    data: PathBuf,
    write_lock: PathBuf,
    locks_dir: PathBuf,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct FileData {
    #[serde(default)]
    tokens: BTreeMap<String, StoredToken>,
    /// Each counter's current window and count ([`TokenStore::tally`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    counters: BTreeMap<String, (u64, u64)>,
}

impl FileData {
    /// The authorizers of `component` with a refresh token, and their access tokens' times
    /// (keys `{component}/{appid}:{kind}`, see [`TokenKey`]'s `Display`).
    fn authorizers(&self, component: &AppId) -> Vec<IndexedAuthorizer> {
        let prefix = format!("{component}/");
        let suffix = format!(":{}", TokenKind::RefreshToken.as_str());
        self.tokens
            .iter()
            .filter(|(_, token)| !token.value.is_empty())
            .filter_map(|(name, _)| name.strip_prefix(&prefix)?.strip_suffix(&suffix))
            .map(|app_id| {
                let access = format!("{prefix}{app_id}:{}", TokenKind::AccessToken.as_str());
                let (fetched, expires) = self
                    .tokens
                    .get(&access)
                    .map_or((0, 0), |t| (t.fetched_at_ms, t.expires_at_ms));
                IndexedAuthorizer::new(app_id, fetched, expires)
            })
            .collect()
    }
}

impl FileStore {
    /// A store kept in the file at `path` (created on first write, with its directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let data = path.into();
        let write_lock = with_suffix(&data, ".lock");
        let locks_dir = with_suffix(&data, ".locks");
        Self {
            paths: Arc::new(Paths {
                data,
                write_lock,
                locks_dir,
            }),
        }
    }

    /// `$XDG_DATA_HOME/wxoa/tokens.json`, else `$HOME/.local/share/wxoa/tokens.json`; `None`
    /// when neither variable is set.
    #[must_use]
    pub fn default_path() -> Option<PathBuf> {
        let from_env = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let data_home = from_env("XDG_DATA_HOME")
            .or_else(|| from_env("HOME").map(|home| home.join(".local").join("share")))?;
        Some(data_home.join("wxoa").join("tokens.json"))
    }

    /// The file the tokens are kept in.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.paths.data
    }

    fn read_blocking(paths: &Paths) -> Result<FileData, StoreError> {
        let file = match File::open(&paths.data) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(FileData::default()),
            Err(e) => return Err(io_error(FileAction::Open, &paths.data, e)),
        };
        let mut text = Vec::new();
        file.take(MAX_FILE + 1)
            .read_to_end(&mut text)
            .map_err(|e| io_error(FileAction::Read, &paths.data, e))?;
        if text.len() as u64 > MAX_FILE {
            return Err(StoreError::FileTooLarge {
                path: paths.data.clone(),
                limit: MAX_FILE,
            });
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(FileData::default());
        }
        serde_json::from_slice(&text).map_err(|source| StoreError::NotTokenFile {
            path: paths.data.clone(),
            source,
        })
    }

    /// Reads, changes and rewrites the file under its write lock; `change` answers whether it
    /// changed anything (nothing is written otherwise).
    fn update_blocking<T>(
        paths: &Paths,
        change: impl FnOnce(&mut FileData) -> (bool, T),
    ) -> Result<T, StoreError> {
        let dir = parent(&paths.data);
        create_private_dir(dir).map_err(|e| io_error(FileAction::CreateDirectory, dir, e))?;
        let lock = open_lock_file(&paths.write_lock)
            .map_err(|e| io_error(FileAction::Open, &paths.write_lock, e))?;
        let deadline = Instant::now() + WRITE_LOCK_WAIT;
        while !lock
            .try_lock_exclusive()
            .map_err(|e| io_error(FileAction::Lock, &paths.write_lock, e))?
        {
            if Instant::now() >= deadline {
                return Err(StoreError::Locked {
                    path: paths.write_lock.clone(),
                    waited: WRITE_LOCK_WAIT,
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // A corrupt file is replaced rather than kept failing: it only holds tokens, which are
        // fetched again.
        let mut data = match Self::read_blocking(paths) {
            Ok(data) => data,
            Err(e) => {
                tracing::warn!(error = %e, "replacing an unreadable token file");
                FileData::default()
            }
        };
        let (changed, answer) = change(&mut data);
        if changed {
            write_atomically(&paths.data, &data)?;
        }
        // Closing the file releases the lock.
        drop(lock);
        Ok(answer)
    }

    fn try_lock_blocking(paths: &Paths, key: &TokenKey) -> Result<Option<StoreLock>, StoreError> {
        create_private_dir(&paths.locks_dir)
            .map_err(|e| io_error(FileAction::CreateDirectory, &paths.locks_dir, e))?;
        let path = paths.locks_dir.join(lock_file_name(key));
        let file = open_lock_file(&path).map_err(|e| io_error(FileAction::Open, &path, e))?;
        if file
            .try_lock_exclusive()
            .map_err(|e| io_error(FileAction::Lock, &path, e))?
        {
            Ok(Some(StoreLock::new(
                key.clone(),
                lock_id(),
                Some(Box::new(file)),
            )))
        } else {
            Ok(None)
        }
    }

    /// Runs blocking file work off the async threads.
    fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Paths) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        let paths = Arc::clone(&self.paths);
        async move {
            tokio::task::spawn_blocking(move || work(&paths))
                .await
                .map_err(StoreError::Task)?
        }
        .boxed()
    }
}

impl TokenStore for FileStore {
    fn name(&self) -> &'static str {
        NAME
    }

    fn get<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<Option<Token>, StoreError>> {
        let name = key.to_string();
        self.blocking(move |paths| {
            let mut data = Self::read_blocking(paths)?;
            Ok(data.tokens.remove(&name).map(Token::from))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let name = key.to_string();
        let stored = StoredToken::from(token);
        self.blocking(move |paths| {
            Self::update_blocking(paths, |data| {
                let newer_kept = data
                    .tokens
                    .get(&name)
                    .is_some_and(|current| current.fetched_at_ms > stored.fetched_at_ms);
                if newer_kept {
                    return (false, ());
                }
                // Drop what has expired while the file is being rewritten anyway.
                let now = super::now_ms();
                data.tokens.retain(|_, t| t.expires_at_ms > now);
                data.tokens.insert(name, stored);
                (true, ())
            })
        })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a TokenKey,
        _ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<StoreLock>, StoreError>> {
        // The operating system releases the lock when its holder ends: no time to live needed.
        let key = key.clone();
        self.blocking(move |paths| Self::try_lock_blocking(paths, &key))
    }

    fn unlock(&self, lock: StoreLock) -> BoxFuture<'_, Result<(), StoreError>> {
        if let Some(held) = lock.into_held()
            && let Ok(file) = held.downcast::<File>()
        {
            // Closing releases the lock too; unlocking first makes the release explicit.
            let _ = FileExt::unlock(&*file);
        }
        futures::future::ready(Ok(())).boxed()
    }

    fn authorizers<'a>(
        &'a self,
        component: &'a AppId,
        before_ms: u64,
    ) -> BoxFuture<'a, Result<Vec<IndexedAuthorizer>, StoreError>> {
        let component = component.clone();
        self.blocking(move |paths| {
            let mut found = Self::read_blocking(paths)?.authorizers(&component);
            found.retain(|a| a.expires_at_ms < before_ms);
            Ok(found)
        })
    }

    fn authorizer_count<'a>(
        &'a self,
        component: &'a AppId,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let component = component.clone();
        self.blocking(move |paths| Ok(Self::read_blocking(paths)?.authorizers(&component).len()))
    }

    fn tally<'a>(
        &'a self,
        counter: &'a str,
        window: u64,
        seen: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let counter = counter.to_owned();
        self.blocking(move |paths| {
            Self::update_blocking(paths, |data| {
                let entry = data.counters.entry(counter).or_insert((window, 0));
                if entry.0 != window {
                    *entry = (window, 0);
                }
                entry.1 = entry.1.max(seen) + 1;
                (true, entry.1)
            })
        })
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `{appid}.{kind}.lock` (`{component}.{appid}.{kind}.lock` for an authorizer) with every byte
/// outside `[A-Za-z0-9_-]` escaped, so that no AppID can name a path outside the lock directory.
fn lock_file_name(key: &TokenKey) -> String {
    let mut name = String::new();
    let component = key.component.as_ref().map(AppId::as_str);
    for part in component
        .into_iter()
        .chain([key.app_id.as_str(), key.kind.as_str()])
    {
        if !name.is_empty() {
            name.push('.');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
                name.push(char::from(b));
            } else {
                name.push_str(&format!("%{b:02X}"));
            }
        }
    }
    name.push_str(".lock");
    name
}

fn io_error(action: FileAction, path: &Path, source: io::Error) -> StoreError {
    StoreError::File {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Temporary file in the same directory, `fsync`, rename over `path`, `fsync` the directory.
fn write_atomically(path: &Path, data: &FileData) -> Result<(), StoreError> {
    let dir = parent(path);
    let text = serde_json::to_vec_pretty(data).map_err(|source| StoreError::Encode {
        backend: NAME,
        source,
    })?;
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".tokens-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_error(FileAction::CreateTemporary, dir, e))?;
    tmp.write_all(&text)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_error(FileAction::Write, tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| io_error(FileAction::RenameOver, path, e.error))?;
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::token::TokenKind;

    #[test]
    fn lock_file_names_stay_inside_the_directory() {
        let key = TokenKey::new("../wx/..", TokenKind::WxCardTicket);
        assert_eq!(
            lock_file_name(&key),
            "%2E%2E%2Fwx%2F%2E%2E.ticket%3Awx_card.lock"
        );
        let key = TokenKey::new("wx0123456789abcdef", TokenKind::AccessToken);
        assert_eq!(lock_file_name(&key), "wx0123456789abcdef.access_token.lock");
    }

    #[test]
    fn writes_are_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("sub").join("tokens.json"));
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let token = Token::new("tok", 1, u64::MAX);
        FileStore::update_blocking(&store.paths, |data| {
            data.tokens
                .insert(key.to_string(), StoredToken::from(&token));
            (true, ())
        })
        .unwrap();
        let data = FileStore::read_blocking(&store.paths).unwrap();
        assert_eq!(data.tokens.get("wx1:access_token").unwrap().value, "tok");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "token file must be private: {mode:o}");
        }
    }

    #[test]
    fn corrupt_files_are_reported_then_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        fs::write(&path, b"{not json").unwrap();
        let store = FileStore::new(&path);
        let error = FileStore::read_blocking(&store.paths).unwrap_err();
        assert!(
            matches!(&error, StoreError::NotTokenFile { path: named, .. } if *named == path),
            "{error:?}"
        );
        assert_eq!(error.backend(), "file");
        FileStore::update_blocking(&store.paths, |_| (true, ())).unwrap();
        assert!(
            FileStore::read_blocking(&store.paths)
                .unwrap()
                .tokens
                .is_empty()
        );
    }

    #[test]
    fn an_oversized_file_and_a_directory_are_typed_failures() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let file = File::create(&path).unwrap();
        file.set_len(MAX_FILE + 1).unwrap();
        assert!(matches!(
            FileStore::read_blocking(&FileStore::new(&path).paths),
            Err(StoreError::FileTooLarge {
                limit: MAX_FILE,
                ..
            })
        ));
        assert!(matches!(
            FileStore::read_blocking(&FileStore::new(dir.path()).paths),
            Err(StoreError::File {
                action: FileAction::Read,
                ..
            })
        ));
    }

    #[test]
    fn fetch_lock_is_exclusive_between_open_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = FileStore::new(dir.path().join("tokens.json"));
        let b = FileStore::new(dir.path().join("tokens.json"));
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let held = FileStore::try_lock_blocking(&a.paths, &key)
            .unwrap()
            .unwrap();
        assert!(
            FileStore::try_lock_blocking(&b.paths, &key)
                .unwrap()
                .is_none()
        );
        drop(held);
        assert!(
            FileStore::try_lock_blocking(&b.paths, &key)
                .unwrap()
                .is_some()
        );
    }
}
