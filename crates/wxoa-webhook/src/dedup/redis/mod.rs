//! The store in Redis, shared by every instance: one script a claim, bounded operations, and a
//! health gate that fails fast while Redis is down. Its outbox of late work is in `outbox.rs`.

use std::sync::atomic::{AtomicU64, Ordering};

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, AsyncConnectionConfig, RedisResult, Script};

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;

use super::{Claim, DedupError, DedupOp, DedupStore, LONGEST, Outbox, Windows};

mod outbox;

/// Claims `KEYS[1]` with the marker `ARGV[1]` for `ARGV[2]` milliseconds, or answers what
/// holds it: nil for a claim granted, else the value found (a marker or an answer). One
/// script, so that a key released or expired between the two commands can never grant a
/// claim without a marker.
const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
";

/// Deletes `KEYS[1]` only while it holds this instance's marker `ARGV[1]`: never a recorded
/// answer, nor the claim another instance made after this one's lapsed.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Every in-flight marker starts with this; an instance's marker adds its own random id.
/// Answers are `success` or XML: they never start with a NUL byte.
const IN_FLIGHT: &[u8] = b"\0in-flight:";

/// How long the store is left alone after a failure before one operation tries it again.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// How long one operation may take by default, connecting included.
const OP_TIMEOUT: Duration = Duration::from_millis(250);

/// Claims and answers in Redis, shared by every instance.
///
/// - A claim is one script: `SET key marker NX PX claim-window`, or the value already
///   there. An answer replaces the marker for the keep window (see [`Windows`]). A waiting
///   retry polls until the answer appears, the key is released, or the claim lapses.
/// - Keys are `wxoa:dedup:{APPID}:{push key}`.
/// - Every operation is bounded (default 250 ms, connecting included): a Redis that is
///   down, paused or unreachable costs a push at most that, and the webhook then handles it
///   without dedupe. After a failure the store is not tried for 0.5 s (operations fail at
///   once as [`DedupError::Unavailable`]); then one operation at a time tries it again on a
///   fresh connection, so dedupe resumes within about a second of Redis answering again.
///   The failure and the recovery are each logged once, with the URL's password masked.
pub struct RedisDedup {
    client: redis::Client,
    /// Where the store points, its password masked, for logs.
    shown: String,
    config: AsyncConnectionConfig,
    op_timeout: Duration,
    poll: Duration,
    /// The connection in use; none before the first operation and after a failure.
    connection: Mutex<Option<MultiplexedConnection>>,
    /// Held while connecting, so that concurrent operations wait for one connection.
    connecting: tokio::sync::Mutex<()>,
    /// This instance's in-flight marker: [`IN_FLIGHT`] and its random id.
    marker: Vec<u8>,
    /// This instance's random id: the owner of the outbox jobs it runs.
    owner: String,
    health: Health,
    claim: Script,
    release: Script,
    outbox_scripts: outbox::Scripts,
}

impl std::fmt::Debug for RedisDedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedup")
            .field("url", &self.shown)
            .field("op_timeout", &self.op_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisDedup {
    /// A store on the Redis at `url` (`redis://[:password@]host:port[/db]`). Nothing is
    /// connected yet: the first operation connects, and [`check`](Self::check) tells
    /// whether Redis answers.
    pub fn new(url: &str) -> Result<Self, DedupError> {
        let shown = wxoa_types::secret::mask_url_password(url).into_owned();
        let client = redis::Client::open(url).map_err(|e| DedupError::InvalidUrl {
            url: shown.clone(),
            source: Box::new(e),
        })?;
        let owner = format!("{:016x}", rand::random::<u64>());
        let mut marker = IN_FLIGHT.to_vec();
        marker.extend_from_slice(owner.as_bytes());
        Ok(Self {
            client,
            shown,
            config: connection_config(OP_TIMEOUT),
            op_timeout: OP_TIMEOUT,
            poll: Duration::from_millis(20),
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            marker,
            owner,
            health: Health::new(),
            claim: Script::new(CLAIM),
            release: Script::new(RELEASE),
            outbox_scripts: outbox::Scripts::new(),
        })
    }

    /// How long one operation may take, connecting included, before it counts as a failure
    /// (default 250 ms; keep it well under the webhook's budget, which a push's claim and
    /// answer both come out of).
    #[must_use]
    pub fn op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self.config = connection_config(timeout);
        self
    }

    /// Where the store points, its password masked.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// Whether Redis answers (a `PING`, bounded like every operation).
    pub async fn check(&self) -> Result<(), DedupError> {
        let _: String = self
            .run(DedupOp::Check, async |mut c| {
                redis::cmd("PING").query_async(&mut c).await
            })
            .await?;
        Ok(())
    }

    fn key(&self, key: &str) -> String {
        format!("wxoa:dedup:{key}")
    }

    fn in_flight(value: &[u8]) -> bool {
        value.starts_with(IN_FLIGHT)
    }

    /// The connection, made now if there is none.
    async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(connection) = self.current() {
            return Ok(connection);
        }
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        *self.slot() = Some(connection.clone());
        Ok(connection)
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        // The slot is only ever replaced whole: a poisoned lock still guards a usable value.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn current(&self) -> Option<MultiplexedConnection> {
        self.slot().clone()
    }

    /// Runs one operation within the operation timeout, unless the store failed moments
    /// ago; keeps the store's health up to date.
    async fn run<T>(
        &self,
        op: DedupOp,
        command: impl AsyncFnOnce(MultiplexedConnection) -> RedisResult<T>,
    ) -> Result<T, DedupError> {
        if !self.health.admit() {
            return Err(DedupError::Unavailable { op });
        }
        let attempt = async {
            let connection = self.connection().await?;
            command(connection).await
        };
        let error = match tokio::time::timeout(self.op_timeout, attempt).await {
            Ok(Ok(value)) => {
                if self.health.answered() {
                    tracing::warn!(redis = %self.shown, "the Redis dedupe store answers again: dedupe across instances resumes");
                }
                return Ok(value);
            }
            // The connection's own response timeout is the same limit.
            Ok(Err(source)) if source.is_timeout() => DedupError::TimedOut {
                op,
                limit: self.op_timeout,
            },
            Ok(Err(source)) => DedupError::Failed {
                op,
                source: Box::new(source),
            },
            Err(_) => DedupError::TimedOut {
                op,
                limit: self.op_timeout,
            },
        };
        // A connection that failed or stalled is not used again: a peer that vanished
        // without closing it would otherwise stall every operation until TCP gives up.
        self.slot().take();
        if self.health.failed() {
            tracing::warn!(
                redis = %self.shown,
                %error,
                "the Redis dedupe store failed: pushes are handled without dedupe until it answers again (tried every {RETRY_PAUSE:?})"
            );
        }
        Err(error)
    }
}

/// Whether Redis answers. After a failure no operation is sent for [`RETRY_PAUSE`]; then
/// the first operation to come tries, and the others keep failing at once until it has
/// answered.
struct Health {
    origin: Instant,
    /// Milliseconds after `origin` from which an operation may try Redis again; zero while
    /// Redis answers.
    retry_at: AtomicU64,
}

impl Health {
    fn new() -> Self {
        Self {
            origin: Instant::now(),
            retry_at: AtomicU64::new(0),
        }
    }

    /// Milliseconds since `origin`, never zero.
    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn pause(&self) -> u64 {
        let pause = u64::try_from(RETRY_PAUSE.as_millis()).unwrap_or(u64::MAX);
        self.now().saturating_add(pause)
    }

    /// Whether an operation may try Redis now.
    fn admit(&self) -> bool {
        let retry_at = self.retry_at.load(Ordering::Relaxed);
        if retry_at == 0 {
            return true;
        }
        // The one operation that moves the next try on is the one that tries now.
        self.now() >= retry_at
            && self
                .retry_at
                .compare_exchange(retry_at, self.pause(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Records a failure; true when Redis had been answering until now.
    fn failed(&self) -> bool {
        self.retry_at.swap(self.pause(), Ordering::Relaxed) == 0
    }

    /// Records an answer; true when Redis had been failing until now.
    fn answered(&self) -> bool {
        self.retry_at.load(Ordering::Relaxed) != 0 && self.retry_at.swap(0, Ordering::Relaxed) != 0
    }
}

/// A connection that gives up connecting, and waiting for each answer, after `timeout`.
fn connection_config(timeout: Duration) -> AsyncConnectionConfig {
    AsyncConnectionConfig::new()
        .set_connection_timeout(timeout)
        .set_response_timeout(timeout)
}

/// A window as an expiry for Redis, which refuses zero and very large ones.
fn millis(window: Duration) -> u64 {
    u64::try_from(window.min(LONGEST).as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

impl DedupStore for RedisDedup {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        windows: Windows,
    ) -> BoxFuture<'a, Result<Claim, DedupError>> {
        Box::pin(async move {
            let key = self.key(key);
            let found: Option<Vec<u8>> = self
                .run(DedupOp::Claim, async |mut c| {
                    self.claim
                        .key(&key)
                        .arg(&self.marker)
                        .arg(millis(windows.claim))
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(match found {
                None => Claim::Claimed,
                Some(value) if Self::in_flight(&value) => Claim::InFlight,
                Some(answer) => Claim::Done(Bytes::from(answer)),
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let key = self.key(key);
            self.run(DedupOp::Complete, async |mut c| {
                c.pset_ex(&key, answer, millis(windows.keep)).await
            })
            .await
        })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let key = self.key(key);
            let _: i64 = self
                .run(DedupOp::Release, async |mut c| {
                    self.release
                        .key(&key)
                        .arg(&self.marker)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        })
    }

    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>> {
        Box::pin(async move {
            let key = self.key(key);
            let polling = async {
                loop {
                    let value: Option<Vec<u8>> = self
                        .run(DedupOp::Wait, async |mut c| c.get(&key).await)
                        .await?;
                    match value {
                        Some(value) if Self::in_flight(&value) => {}
                        Some(answer) => return Ok(Some(Bytes::from(answer))),
                        // Released, or the claim lapsed: its holder died.
                        None => return Ok(None),
                    }
                    tokio::time::sleep(self.poll).await;
                }
            };
            // The wait as a whole is bounded too: no answer in time is "no answer".
            tokio::time::timeout(timeout, polling)
                .await
                .unwrap_or(Ok(None))
        })
    }

    fn outbox(&self) -> Option<&dyn Outbox> {
        Some(self)
    }
}
