//! The outbox in Redis: one script an operation, leases counted on Redis's own clock, so that
//! the instances' clocks never decide who owns a job.
//!
//! An account's outbox is five keys, all carrying its hash tag (`wxoa:outbox:{APPID}:…`):
//! `leases` (a sorted set of job ids scored by lease expiry, in milliseconds), `jobs` (a hash
//! of id → the parked push), `owners` (id → the owning instance), `takeovers` (id → how many
//! times it was taken over) and `scanned` (when any instance last looked for lapsed leases).
//! The authorizers of a component share the component's outbox: a job names its authorizer.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::BoxFuture;
use redis::Script;

use super::{RedisDedup, millis};
use crate::dedup::outbox::{GAP, Job, LEASE, Lease, Outbox, Taken};
use crate::dedup::{DedupError, DedupOp};

/// Redis's clock in milliseconds, as every script's first lines (scripts may read the clock
/// before writing: Redis 7 replicates their effects, and older ones are asked to).
const NOW: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
";

/// Parks job `ARGV[1]` (its body `ARGV[2]`) for the owner `ARGV[3]` under a lease of
/// `ARGV[4]` ms. KEYS: leases, jobs, owners.
const PARK: &str = r"
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
return 1
";

/// Renews owner `ARGV[2]`'s lease on job `ARGV[1]` for `ARGV[3]` ms: 1 held, 0 owned by
/// another, -1 missing. KEYS: leases, owners.
const RENEW: &str = r"
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if not owner then return -1 end
if owner ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 1
";

/// Removes job `ARGV[1]` if owner `ARGV[2]` holds it. KEYS: leases, jobs, owners, takeovers.
const FINISH: &str = r"
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
";

/// Takes over, for owner `ARGV[1]` under a lease of `ARGV[2]` ms, up to `ARGV[4]` jobs whose
/// lease lapsed: id, body and takeover count of each, flat. When no scan of this outbox ran for
/// more than `ARGV[3]` ms, Redis itself was stalled or unreachable (or restarted): the owners
/// could not renew either, so every lapsed lease is extended instead, once. KEYS: leases,
/// jobs, owners, takeovers, scanned.
const TAKE: &str = r"
local last = tonumber(redis.call('GET', KEYS[5]))
redis.call('SET', KEYS[5], now, 'PX', 3600000)
local lease = now + tonumber(ARGV[2])
if last == nil or now - last > tonumber(ARGV[3]) then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    redis.call('ZADD', KEYS[1], lease, id)
  end
  return {}
end
local taken = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))) do
  local body = redis.call('HGET', KEYS[2], id)
  if body then
    local count = redis.call('HINCRBY', KEYS[4], id, 1)
    redis.call('HSET', KEYS[3], id, ARGV[1])
    redis.call('ZADD', KEYS[1], lease, id)
    table.insert(taken, id)
    table.insert(taken, body)
    table.insert(taken, tostring(count))
  else
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  end
end
return taken
";

/// The outbox's scripts, loaded once a store.
pub(super) struct Scripts {
    park: Script,
    renew: Script,
    finish: Script,
    take: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        let with_clock = |body: &str| Script::new(&format!("{NOW}{body}"));
        Self {
            park: with_clock(PARK),
            renew: with_clock(RENEW),
            finish: Script::new(FINISH),
            take: with_clock(TAKE),
        }
    }
}

/// An account's outbox keys, in the order the scripts take them.
struct Keys {
    leases: String,
    jobs: String,
    owners: String,
    takeovers: String,
    scanned: String,
}

impl Keys {
    fn of(app_id: &str) -> Self {
        let key = |name: &str| format!("wxoa:outbox:{{{app_id}}}:{name}");
        Self {
            leases: key("leases"),
            jobs: key("jobs"),
            owners: key("owners"),
            takeovers: key("takeovers"),
            scanned: key("scanned"),
        }
    }
}

/// A job's body in the `jobs` hash: when the push arrived (Unix seconds) — followed, for a push
/// to an authorizer of the component, by a space and the authorizer's AppID — a newline, the
/// push.
fn body(job: &Job) -> Vec<u8> {
    let mut body = job.arrived.to_string().into_bytes();
    if let Some(authorizer) = &job.authorizer {
        body.push(b' ');
        body.extend_from_slice(authorizer.as_bytes());
    }
    body.push(b'\n');
    body.extend_from_slice(&job.push);
    body
}

/// A job read back from its id and body. A body this code did not write reads as a push that
/// arrived at the epoch, which the webhook drops as outside the 48-hour window (and logs).
fn job(app_id: &str, id: Vec<u8>, body: Vec<u8>) -> Job {
    let id = String::from_utf8_lossy(&id).into_owned();
    let Some(at) = body.iter().position(|&b| b == b'\n') else {
        return Job::new(app_id.into(), id, Bytes::from(body), 0);
    };
    let head = std::str::from_utf8(body.get(..at).unwrap_or_default()).unwrap_or_default();
    let (arrived, authorizer) = match head.split_once(' ') {
        Some((arrived, authorizer)) => (arrived, Some(authorizer)),
        None => (head, None),
    };
    let arrived = arrived.parse().unwrap_or(0);
    let authorizer = authorizer.filter(|a| !a.is_empty()).map(Arc::from);
    let mut job = Job::new(
        app_id.into(),
        id,
        Bytes::from(body).slice(at + 1..),
        arrived,
    );
    job.authorizer = authorizer;
    job
}

impl RedisDedup {
    fn lease_millis() -> u64 {
        millis(LEASE)
    }
}

impl Outbox for RedisDedup {
    fn park<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let keys = Keys::of(&job.app_id);
            let body = body(job);
            let _: i64 = self
                .run(DedupOp::Park, async |mut c| {
                    self.outbox_scripts
                        .park
                        .key(&keys.leases)
                        .key(&keys.jobs)
                        .key(&keys.owners)
                        .arg(&job.id)
                        .arg(&body)
                        .arg(&self.owner)
                        .arg(Self::lease_millis())
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        })
    }

    fn renew<'a>(
        &'a self,
        app_id: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Lease, DedupError>> {
        Box::pin(async move {
            let keys = Keys::of(app_id);
            let found: i64 = self
                .run(DedupOp::Renew, async |mut c| {
                    self.outbox_scripts
                        .renew
                        .key(&keys.leases)
                        .key(&keys.owners)
                        .arg(id)
                        .arg(&self.owner)
                        .arg(Self::lease_millis())
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(match found {
                1 => Lease::Held,
                0 => Lease::Lost,
                _ => Lease::Missing,
            })
        })
    }

    fn finish<'a>(&'a self, app_id: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        Box::pin(async move {
            let keys = Keys::of(app_id);
            let _: i64 = self
                .run(DedupOp::Finish, async |mut c| {
                    self.outbox_scripts
                        .finish
                        .key(&keys.leases)
                        .key(&keys.jobs)
                        .key(&keys.owners)
                        .key(&keys.takeovers)
                        .arg(id)
                        .arg(&self.owner)
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            Ok(())
        })
    }

    fn take_lapsed<'a>(
        &'a self,
        app_id: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Taken>, DedupError>> {
        Box::pin(async move {
            let keys = Keys::of(app_id);
            let flat: Vec<Vec<u8>> = self
                .run(DedupOp::Recover, async |mut c| {
                    self.outbox_scripts
                        .take
                        .key(&keys.leases)
                        .key(&keys.jobs)
                        .key(&keys.owners)
                        .key(&keys.takeovers)
                        .key(&keys.scanned)
                        .arg(&self.owner)
                        .arg(Self::lease_millis())
                        .arg(millis(GAP))
                        .arg(limit.max(1))
                        .invoke_async(&mut c)
                        .await
                })
                .await?;
            let mut taken = Vec::with_capacity(flat.len() / 3);
            let mut fields = flat.into_iter();
            while let (Some(id), Some(body), Some(count)) =
                (fields.next(), fields.next(), fields.next())
            {
                let takeovers = std::str::from_utf8(&count)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(u32::MAX);
                taken.push(Taken {
                    job: job(app_id, id, body),
                    takeovers,
                });
            }
            Ok(taken)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_job_body_reads_back_as_it_was_written() {
        let parked = Job::new(
            "wx1".into(),
            "wx1:msg:7".to_owned(),
            Bytes::from_static(b"<xml>\n<a/></xml>"),
            1_700_000_000,
        );
        let read = job("wx1", parked.id.clone().into_bytes(), body(&parked));
        assert_eq!(read.id, "wx1:msg:7");
        assert_eq!(read.push, parked.push);
        assert_eq!(read.arrived, 1_700_000_000);
        assert_eq!(read.authorizer, None);
        // A push to an authorizer of the component keeps the authorizer.
        let authorizer = parked.clone().for_authorizer("wxA".into());
        let read = job("wx1", b"k".to_vec(), body(&authorizer));
        assert_eq!(read.authorizer.as_deref(), Some("wxA"));
        assert_eq!((read.arrived, &read.push), (1_700_000_000, &parked.push));
        // A body this code did not write: arrived at the epoch, so it is dropped as too old.
        let foreign = job("wx1", b"x".to_vec(), b"no newline".to_vec());
        assert_eq!(
            (foreign.arrived, &foreign.push[..]),
            (0, &b"no newline"[..])
        );
    }
}
