//! The narrow interface every token store implements.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use wxoa_types::ids::AppId;

use super::{Token, TokenKey};
use crate::FileAction;

/// Where tokens and tickets are kept, shared by every client (and process) that uses the same
/// store. Chosen at runtime as `Arc<dyn TokenStore>`.
///
/// Implementations must be safe to share between processes when they claim to be (the file
/// and Redis stores are): [`TokenStore::put`] is atomic, and [`TokenStore::try_lock`] is held by
/// at most one caller at a time across everything that shares the store. The lock only
/// serialises fetches; a crashed holder must not block the others for longer than the lock's
/// time to live. A token is never deleted: a rejected one is replaced by `put` under the lock,
/// so that a token that is still valid is always there to serve.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// A short name for logs (`memory`, `file`, `redis`).
    fn name(&self) -> &'static str;

    /// The token stored under `key`, if any (expired ones may be returned; the caller checks).
    fn get<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<Option<Token>, StoreError>>;

    /// Stores `token` under `key`, unless the store already holds a token fetched later.
    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Takes the fetch lock of `key` if nobody holds it; `None` when somebody does. The lock
    /// expires by itself after `ttl` (or when its holder's process ends) if it is not released.
    fn try_lock<'a>(
        &'a self,
        key: &'a TokenKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<StoreLock>, StoreError>>;

    /// Releases a lock taken with [`TokenStore::try_lock`]; a lock that has expired and been
    /// taken by somebody else is left alone.
    fn unlock(&self, lock: StoreLock) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The authorizers of `component` the store holds a refresh token of, each with its
    /// access token's fetch and expiry times in the store (both 0 when it holds none), those
    /// whose access token expires before `before_ms` — what a component's keeper refreshes.
    ///
    /// The store keeps this index in step with [`TokenStore::put`]: a refresh token written
    /// adds its authorizer, an empty one (a revocation) removes it, an authorizer's access
    /// token written updates its times. The default answers
    /// [`StoreError::Unsupported`].
    fn authorizers<'a>(
        &'a self,
        component: &'a AppId,
        before_ms: u64,
    ) -> BoxFuture<'a, Result<Vec<IndexedAuthorizer>, StoreError>> {
        let _ = (component, before_ms);
        futures::future::ready(Err(StoreError::Unsupported {
            backend: self.name(),
            operation: "the index of a component's authorizers",
        }))
        .boxed()
    }

    /// How many authorizers of `component` the store holds a refresh token of.
    fn authorizer_count<'a>(
        &'a self,
        component: &'a AppId,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let _ = component;
        futures::future::ready(Err(StoreError::Unsupported {
            backend: self.name(),
            operation: "the index of a component's authorizers",
        }))
        .boxed()
    }

    /// Counts one event of `counter` in the window `window` (a Unix second, say) and answers
    /// how many the window has counted, across everything that shares the store: a rate
    /// bound kept by a fleet. `seen` is the highest count the caller was answered for the
    /// window: a count below it was lost (a flushed Redis) and resumes from it. A window is
    /// forgotten once a later one is counted (or, in Redis, after a minute). The default
    /// answers [`StoreError::Unsupported`].
    fn tally<'a>(
        &'a self,
        counter: &'a str,
        window: u64,
        seen: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let _ = (counter, window, seen);
        futures::future::ready(Err(StoreError::Unsupported {
            backend: self.name(),
            operation: "counters",
        }))
        .boxed()
    }
}

/// An authorizer of a component in a store's index ([`TokenStore::authorizers`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexedAuthorizer {
    /// The authorizer.
    pub app_id: AppId,
    /// When its access token in the store was fetched (Unix milliseconds; 0 when none).
    pub fetched_at_ms: u64,
    /// When it expires (Unix milliseconds; 0 when none).
    pub expires_at_ms: u64,
}

impl IndexedAuthorizer {
    /// An entry of the index.
    #[must_use]
    pub fn new(app_id: impl Into<AppId>, fetched_at_ms: u64, expires_at_ms: u64) -> Self {
        Self {
            app_id: app_id.into(),
            fetched_at_ms,
            expires_at_ms,
        }
    }
}

/// A held fetch lock. Release it with [`TokenStore::unlock`]; dropping it releases what the
/// process holds (a file lock) or leaves it to expire (a Redis key).
pub struct StoreLock {
    key: TokenKey,
    id: String,
    held: Option<Box<dyn Any + Send + Sync>>,
}

impl StoreLock {
    /// A lock on `key` identified by `id` (compared on release), keeping `held` (an open locked
    /// file, for example) alive until it is released.
    pub fn new(key: TokenKey, id: String, held: Option<Box<dyn Any + Send + Sync>>) -> Self {
        Self { key, id, held }
    }

    /// The key it locks.
    #[must_use]
    pub fn key(&self) -> &TokenKey {
        &self.key
    }

    /// Its identifier.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Gives up what it holds (dropping it releases it).
    pub fn into_held(self) -> Option<Box<dyn Any + Send + Sync>> {
        self.held
    }
}

impl fmt::Debug for StoreLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreLock")
            .field("key", &self.key)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A store that failed: I/O, a corrupt file, an unreachable Redis. The token manager logs it and
/// keeps serving from the process's memory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file (or directory) of the file store could not be used.
    #[error("token store file: cannot {action} {}", path.display())]
    File {
        /// What was being done.
        action: FileAction,
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The token file is larger than the store reads.
    #[error("token store file: {} is over {limit} bytes", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The largest read.
        limit: u64,
    },
    /// The token file is not one.
    #[error("token store file: {} is not a token file", path.display())]
    NotTokenFile {
        /// The file.
        path: PathBuf,
        /// Where its JSON went wrong.
        #[source]
        source: serde_json::Error,
    },
    /// Another process held the file store's write lock for longer than the store waits.
    #[error("token store file: {} stayed locked for {waited:?}", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// How long the store waited.
        waited: Duration,
    },
    /// The blocking task running a file operation failed.
    #[error("token store file: file task failed")]
    Task(#[source] tokio::task::JoinError),
    /// Tokens could not be written as JSON.
    #[error("token store {backend}: cannot encode a token")]
    Encode {
        /// The store's name.
        backend: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The Redis URL cannot be used.
    #[cfg(feature = "redis")]
    #[error("token store redis: invalid Redis URL {url}")]
    RedisUrl {
        /// The URL, its password masked.
        url: String,
        /// Why.
        #[source]
        source: redis::RedisError,
    },
    /// Redis could not be reached, or refused or failed a command.
    #[cfg(feature = "redis")]
    #[error("token store redis: {command} on {url}")]
    Redis {
        /// What was being done.
        command: RedisCommand,
        /// The server, its password masked.
        url: String,
        /// Why.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer within the store's operation timeout.
    #[cfg(feature = "redis")]
    #[error("token store redis: {command} on {url}: no answer within {limit:?}")]
    RedisTimeout {
        /// What was being done.
        command: RedisCommand,
        /// The server, its password masked.
        url: String,
        /// The timeout.
        limit: Duration,
    },
    /// The store does not keep what was asked of it (a store of your own without the
    /// component's index or counters).
    #[error("token store {backend} does not keep {operation}")]
    Unsupported {
        /// The store's name.
        backend: &'static str,
        /// What it does not keep.
        operation: &'static str,
    },
    /// A store of your own failed.
    #[error("token store {backend}")]
    Other {
        /// The store's name ([`TokenStore::name`]).
        backend: &'static str,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StoreError {
    /// A failure of a store of your own, named `backend`.
    pub fn other(
        backend: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        StoreError::Other {
            backend,
            source: source.into(),
        }
    }

    /// The store's name.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            StoreError::File { .. }
            | StoreError::FileTooLarge { .. }
            | StoreError::NotTokenFile { .. }
            | StoreError::Locked { .. }
            | StoreError::Task(_) => "file",
            #[cfg(feature = "redis")]
            StoreError::RedisUrl { .. }
            | StoreError::Redis { .. }
            | StoreError::RedisTimeout { .. } => "redis",
            StoreError::Encode { backend, .. }
            | StoreError::Unsupported { backend, .. }
            | StoreError::Other { backend, .. } => backend,
        }
    }
}

/// What the Redis store was doing, in its [`StoreError`]s.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisCommand {
    /// Connecting.
    Connect,
    /// Reading a token.
    Get,
    /// Writing a token.
    Put,
    /// Taking the fetch lock.
    Lock,
    /// Releasing the fetch lock.
    Unlock,
    /// Reading or writing a component's index of authorizers.
    Index,
    /// Counting an event.
    Tally,
}

#[cfg(feature = "redis")]
impl fmt::Display for RedisCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RedisCommand::Connect => "cannot connect",
            RedisCommand::Get => "GET",
            RedisCommand::Put => "PUT",
            RedisCommand::Lock => "SET NX",
            RedisCommand::Unlock => "UNLOCK",
            RedisCommand::Index => "authorizer index",
            RedisCommand::Tally => "INCR",
        })
    }
}

/// How the file and Redis stores write a token: the value (a token is not the AppSecret, but the
/// files are private to their user all the same), its lifetime, and whether the platform
/// reaffirmed it after a report ([`Token::is_reaffirmed`]; absent in files of older versions).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredToken {
    pub(crate) value: String,
    pub(crate) fetched_at_ms: u64,
    pub(crate) expires_at_ms: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) reaffirmed: bool,
}

impl From<&Token> for StoredToken {
    fn from(token: &Token) -> Self {
        Self {
            value: token.expose().to_owned(),
            fetched_at_ms: token.fetched_at_ms(),
            expires_at_ms: token.expires_at_ms(),
            reaffirmed: token.is_reaffirmed(),
        }
    }
}

impl From<StoredToken> for Token {
    fn from(stored: StoredToken) -> Self {
        Token::new(stored.value, stored.fetched_at_ms, stored.expires_at_ms)
            .reaffirmed(stored.reaffirmed)
    }
}

/// A random lock identifier.
pub(crate) fn lock_id() -> String {
    use rand::Rng;
    format!("{:032x}", rand::thread_rng().r#gen::<u128>())
}
