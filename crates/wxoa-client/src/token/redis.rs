//! The Redis store: tokens shared by every process of every machine, a component's index of
//! its authorizers (a sorted set by access-token expiry), and counters.

use std::fmt;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use tokio::sync::OnceCell;

use wxoa_types::ids::AppId;

use super::store::{RedisCommand, StoredToken, lock_id};
use super::{IndexedAuthorizer, StoreError, StoreLock, Token, TokenKey, TokenKind, TokenStore};

const NAME: &str = "redis";

/// Stores `ARGV[1]` (the stored token's JSON) under `KEYS[1]` unless the token already there was
/// fetched later (`ARGV[2]` is the new token's fetch time), expiring with the token (`ARGV[3]`
/// milliseconds from now).
const PUT: &str = r"
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.fetched_at_ms) and
     tonumber(decoded.fetched_at_ms) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
";

/// Keeps a component's index in step with a write (`ARGV[1]`): `add` an authorizer whose
/// refresh token was written (`ARGV[2]`, due at once unless known), `remove` a revoked one,
/// or move a known one's access token forward (`token`: expiry `ARGV[3]`, fetch time
/// `ARGV[4]`). `KEYS[1]` is the sorted set of expiries, `KEYS[2]` the hash of fetch times.
const INDEX: &str = r"
if ARGV[1] == 'remove' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
  return 1
end
if ARGV[1] == 'add' then
  return redis.call('ZADD', KEYS[1], 'NX', 0, ARGV[2])
end
local current = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not current or tonumber(current) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
return 1
";

/// The authorizers of the index `KEYS[1]` (fetch times in `KEYS[2]`) expiring before
/// `ARGV[1]`: AppID, expiry, fetch time, AppID, …
const DUE: &str = r"
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'WITHSCORES')
local out = {}
for i = 1, #found, 2 do
  out[#out + 1] = found[i]
  out[#out + 1] = found[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], found[i]) or '0'
end
return out
";

/// Counts one event in `KEYS[1]`, which is forgotten a minute after its first; a count below
/// `ARGV[1]` (what the caller was answered before) was lost, and resumes from it.
const TALLY: &str = r"
local n = redis.call('INCR', KEYS[1])
if n <= tonumber(ARGV[1]) then
  n = tonumber(ARGV[1]) + 1
  redis.call('SET', KEYS[1], n)
end
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], 60000)
end
return n
";

/// Deletes the lock `KEYS[1]` only if it is still the caller's (`ARGV[1]`).
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Tokens kept in Redis, shared by every process of every machine that uses the same Redis.
///
/// - Keys are `wxoa:{APPID}:access_token`, `wxoa:{APPID}:ticket:jsapi`,
///   `wxoa:{APPID}:ticket:wx_card` and, for the fetch locks, the same with `:lock` appended. The
///   braces are kept: they are a Redis Cluster hash tag, so an account's keys share a slot. No
///   key or value contains the AppSecret.
/// - A token expires in Redis when it expires on the platform.
/// - The fetch lock is `SET key id NX PX ttl`; it is released only by its holder (a Lua script
///   compares the id), and expires by itself if the holder dies.
/// - Writes are a Lua script, atomic on the server: an older fetch never overwrites a newer one.
/// - A component's authorizers are indexed in `wxoa:{COMPONENT}:authorizers` (a sorted set of
///   AppIDs by access-token expiry, 0 when none is stored) and
///   `wxoa:{COMPONENT}:authorizers:fetched` (a hash of fetch times), updated after each write
///   of an authorizer's refresh token or access token (a second command: the index lives in
///   the component's cluster slot). Counters are `wxoa:{COUNTER}:tally:WINDOW`.
/// - The connection is made on first use and re-made after failures. Every operation gives up
///   after the operation timeout (default 1 s), so that a Redis that is down never holds up API
///   calls: the token manager then serves from the process's memory, logs a warning, and comes
///   back to Redis when it answers again.
pub struct RedisStore {
    client: redis::Client,
    /// Where the store points, without any password, for logs.
    shown: String,
    op_timeout: Duration,
    connection: OnceCell<ConnectionManager>,
    put: Script,
    unlock: Script,
    index: Script,
    due: Script,
    tally: Script,
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[:password@]host:port[/db]`, or `rediss://` for
    /// TLS where the redis crate supports it). Nothing is connected yet.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|source| StoreError::RedisUrl {
            url: shown_url(url),
            source,
        })?;
        Ok(Self {
            client,
            shown: shown_url(url),
            op_timeout: Duration::from_secs(1),
            connection: OnceCell::new(),
            put: Script::new(PUT),
            unlock: Script::new(UNLOCK),
            index: Script::new(INDEX),
            due: Script::new(DUE),
            tally: Script::new(TALLY),
        })
    }

    /// How long one Redis operation may take before it counts as a failure (default 1 s).
    #[must_use]
    pub fn with_op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    /// The Redis key of a token: `wxoa:{APPID}:access_token`, `wxoa:{APPID}:ticket:jsapi`, …;
    /// for an authorizer of a component `wxoa:{APPID}:via:COMPONENT:refresh_token`, … (hash
    /// tagged by the account, so that its value and its lock share a cluster slot while a
    /// component's many authorizers spread over the cluster).
    #[must_use]
    pub fn key(key: &TokenKey) -> String {
        match &key.component {
            None => format!("wxoa:{{{}}}:{}", key.app_id, key.kind.as_str()),
            Some(component) => format!(
                "wxoa:{{{}}}:via:{component}:{}",
                key.app_id,
                key.kind.as_str()
            ),
        }
    }

    fn lock_key(key: &TokenKey) -> String {
        format!("{}:lock", Self::key(key))
    }

    /// The keys of a component's index: the sorted set of expiries, the hash of fetch times.
    fn index_keys(component: &AppId) -> [String; 2] {
        let set = format!("wxoa:{{{component}}}:authorizers");
        let fetched = format!("{set}:fetched");
        [set, fetched]
    }

    /// Keeps the index of `key`'s component in step with a write of `token` (see [`INDEX`]).
    async fn update_index(&self, key: &TokenKey, token: &Token) -> Result<(), StoreError> {
        let Some(component) = &key.component else {
            return Ok(());
        };
        let op = match key.kind {
            TokenKind::RefreshToken if token.expose().is_empty() => "remove",
            TokenKind::RefreshToken => "add",
            TokenKind::AccessToken => "token",
            _ => return Ok(()),
        };
        let [set, fetched] = Self::index_keys(component);
        let _: i64 = self
            .run(RedisCommand::Index, async |mut c| {
                self.index
                    .key(set)
                    .key(fetched)
                    .arg(op)
                    .arg(key.app_id.as_str())
                    .arg(token.expires_at_ms())
                    .arg(token.fetched_at_ms())
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(())
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.op_timeout)
            .set_response_timeout(self.op_timeout)
            .set_number_of_retries(1)
            .set_factor(50)
            .set_max_delay(200);
        let connection = self
            .connection
            .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .map_err(|e| self.error(RedisCommand::Connect, e))?;
        Ok(connection.clone())
    }

    /// Runs one operation with the operation timeout.
    async fn run<T>(
        &self,
        command: RedisCommand,
        op: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let attempt = async {
            let connection = self.connection().await?;
            op(connection).await.map_err(|e| self.error(command, e))
        };
        match tokio::time::timeout(self.op_timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::RedisTimeout {
                command,
                url: self.shown.clone(),
                limit: self.op_timeout,
            }),
        }
    }

    fn error(&self, command: RedisCommand, source: redis::RedisError) -> StoreError {
        StoreError::Redis {
            command,
            url: self.shown.clone(),
            source,
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown)
            .field("op_timeout", &self.op_timeout)
            .finish_non_exhaustive()
    }
}

impl TokenStore for RedisStore {
    fn name(&self) -> &'static str {
        NAME
    }

    fn get<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<Option<Token>, StoreError>> {
        async move {
            let raw: Option<String> = self
                .run(RedisCommand::Get, async |mut c| c.get(Self::key(key)).await)
                .await?;
            let Some(raw) = raw else { return Ok(None) };
            match serde_json::from_str::<StoredToken>(&raw) {
                Ok(stored) => Ok(Some(Token::from(stored))),
                // Not ours, or from an incompatible version: fetch anew and overwrite it.
                Err(e) => {
                    tracing::warn!(key = %Self::key(key), error = %e, "ignoring an unreadable token in Redis");
                    Ok(None)
                }
            }
        }
        .boxed()
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        async move {
            let stored = StoredToken::from(token);
            let json = serde_json::to_string(&stored).map_err(|source| StoreError::Encode {
                backend: NAME,
                source,
            })?;
            // An expired token still gets a second, which the manager treats as expired anyway.
            let ttl_ms = stored
                .expires_at_ms
                .saturating_sub(super::now_ms())
                .max(1_000);
            let written: i64 = self
                .run(RedisCommand::Put, async |mut c| {
                    self.put
                        .key(Self::key(key))
                        .arg(json)
                        .arg(stored.fetched_at_ms)
                        .arg(ttl_ms)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            if written == 1 {
                self.update_index(key, token).await?;
            }
            Ok(())
        }
        .boxed()
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a TokenKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<StoreLock>, StoreError>> {
        async move {
            let id = lock_id();
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let taken: Option<String> = self
                .run(RedisCommand::Lock, async |mut c| {
                    redis::cmd("SET")
                        .arg(Self::lock_key(key))
                        .arg(&id)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl_ms)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            Ok(taken.map(|_| StoreLock::new(key.clone(), id, None)))
        }
        .boxed()
    }

    fn unlock(&self, lock: StoreLock) -> BoxFuture<'_, Result<(), StoreError>> {
        async move {
            let _: i64 = self
                .run(RedisCommand::Unlock, async |mut c| {
                    self.unlock
                        .key(Self::lock_key(lock.key()))
                        .arg(lock.id())
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        }
        .boxed()
    }

    fn authorizers<'a>(
        &'a self,
        component: &'a AppId,
        before_ms: u64,
    ) -> BoxFuture<'a, Result<Vec<IndexedAuthorizer>, StoreError>> {
        async move {
            let [set, fetched] = Self::index_keys(component);
            let flat: Vec<String> = self
                .run(RedisCommand::Index, async |mut c| {
                    self.due
                        .key(set)
                        .key(fetched)
                        .arg(before_ms)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            // Scores come back as decimal text ("1733412345678", or "0").
            let number = |text: &str| text.parse::<f64>().map_or(0, |n| n.max(0.0) as u64);
            Ok(flat
                .chunks_exact(3)
                .filter_map(|entry| match entry {
                    [app_id, expires, fetched] => Some(IndexedAuthorizer::new(
                        app_id.as_str(),
                        number(fetched),
                        number(expires),
                    )),
                    _ => None,
                })
                .collect())
        }
        .boxed()
    }

    fn authorizer_count<'a>(
        &'a self,
        component: &'a AppId,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        async move {
            let [set, _] = Self::index_keys(component);
            self.run(RedisCommand::Index, async |mut c| c.zcard(set).await)
                .await
        }
        .boxed()
    }

    fn tally<'a>(
        &'a self,
        counter: &'a str,
        window: u64,
        seen: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        async move {
            let key = format!("wxoa:{{{counter}}}:tally:{window}");
            self.run(RedisCommand::Tally, async |mut c| {
                self.tally.key(&key).arg(seen).invoke_async(&mut c).await
            })
            .await
        }
        .boxed()
    }
}

/// `url` without its password, for logs and errors.
fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::TokenKind;

    #[test]
    fn keys_are_namespaced_and_hash_tagged() {
        let key = TokenKey::new("wx0123456789abcdef", TokenKind::JsapiTicket);
        assert_eq!(
            RedisStore::key(&key),
            "wxoa:{wx0123456789abcdef}:ticket:jsapi"
        );
        assert_eq!(
            RedisStore::lock_key(&key),
            "wxoa:{wx0123456789abcdef}:ticket:jsapi:lock"
        );
        let authorizer = TokenKey::new("wxaaaaaaaaaaaaaaaa", TokenKind::AccessToken)
            .through("wxcccccccccccccccc");
        assert_eq!(
            RedisStore::key(&authorizer),
            "wxoa:{wxaaaaaaaaaaaaaaaa}:via:wxcccccccccccccccc:access_token"
        );
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            shown_url("redis://:hunter2@127.0.0.1:6379/2"),
            "redis://:***@127.0.0.1:6379/2"
        );
        assert_eq!(
            shown_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert!(RedisStore::new("not a url").is_err());
    }
}
