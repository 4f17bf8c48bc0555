//! The outbox: late work kept where another instance can finish it. A push answered `success`
//! while its handler still runs (past the budget, or its connection closed) is *parked* in a
//! store shared by every instance, owned by the instance running it under a lease that the
//! owner renews while the handler and the late reply run. When the reply has gone out (or
//! there was nothing to send, or the platform refused it for good) the owner *finishes* the
//! job. An owner that dies stops renewing; once its lease has lapsed, another instance *takes
//! the job over* and runs the handler again from the parked push, sending the reply as a
//! customer-service message: at-least-once for crashes.
//!
//! Only a store shared across processes keeps an outbox ([`DedupStore::outbox`]): the memory
//! store's late work lives and dies with its process. This file owns the trait, the job and
//! the timings every outbox and the webhook share.
//!
//! [`DedupStore::outbox`]: super::DedupStore::outbox

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;

use super::DedupError;

/// How long a lease holds without renewal. Five heartbeats: an owner whose Redis stalls for
/// a second or two (a `CLIENT PAUSE`, a failover) renews in time once it answers again, and a
/// dead owner's job is taken over within about six seconds.
pub const LEASE: Duration = Duration::from_secs(5);
/// How often an owner renews the leases of its running jobs.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often an instance looks for jobs whose lease lapsed.
pub const SCAN: Duration = Duration::from_secs(1);
/// A pause between two scans of an account's outbox (by any instance) longer than this means
/// the store itself was unreachable or stalled: every owner then missed its renewals too, so
/// the lapsed leases are extended once instead of taken over.
pub const GAP: Duration = Duration::from_secs(2);
/// A job taken over this many times is dropped: it kills whoever runs it, or cannot finish.
pub const MAX_TAKEOVERS: u32 = 5;
/// A job older than this is dropped: the platform takes customer-service messages only within
/// 48 hours of the follower's message.
pub const MAX_AGE: Duration = Duration::from_secs(48 * 3600);

/// A push whose handler runs past its request, as parked in the outbox.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Job {
    /// The outbox the job is parked in: the account the push came to, or, for a push to an
    /// authorizer of the component, the component's AppID (one outbox for all its
    /// authorizers, however many there are).
    pub app_id: Arc<str>,
    /// The authorizer the push came to, when it came through the component.
    pub authorizer: Option<Arc<str>>,
    /// The job's identity within the account's outbox: the push's dedupe key.
    pub id: String,
    /// The push's plaintext XML, as decrypted: enough to run its handler again.
    pub push: Bytes,
    /// When the push arrived (Unix seconds): the 48-hour window counts from it.
    pub arrived: i64,
}

impl Job {
    /// A job for the push `push` (plaintext XML) to `app_id`, identified by `id`.
    pub fn new(app_id: Arc<str>, id: String, push: Bytes, arrived: i64) -> Self {
        Self {
            app_id,
            authorizer: None,
            id,
            push,
            arrived,
        }
    }

    /// This job as the push to `authorizer`, an account that authorized the component whose
    /// outbox `app_id` names.
    pub fn for_authorizer(mut self, authorizer: Arc<str>) -> Self {
        self.authorizer = Some(authorizer);
        self
    }
}

/// A job this instance took over from an owner whose lease lapsed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Taken {
    /// The job.
    pub job: Job,
    /// How many times it has been taken over, this time included.
    pub takeovers: u32,
}

/// What a renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lease {
    /// This instance owns the job; its lease runs for [`LEASE`] from now.
    Held,
    /// Another instance took the job over (this one's lease had lapsed).
    Lost,
    /// The job is not in the outbox: the store lost it (restarted empty), or it was finished.
    Missing,
}

/// Late work kept outside the process (see the module's text). Every operation is bounded like
/// the store's others, and fails with a [`DedupError`]: the webhook then goes on with the work
/// in memory only.
pub trait Outbox: Send + Sync {
    /// Parks `job`, owned by this instance under a fresh lease.
    fn park<'a>(&'a self, job: &'a Job) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Renews this instance's lease on the job `id` of `app_id`.
    fn renew<'a>(
        &'a self,
        app_id: &'a str,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Lease, DedupError>>;
    /// Removes the job `id` of `app_id`, if this instance still owns it.
    fn finish<'a>(&'a self, app_id: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Takes over up to `limit` jobs of `app_id` whose lease lapsed, in one atomic step: each
    /// is then owned by this instance under a fresh lease.
    fn take_lapsed<'a>(
        &'a self,
        app_id: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<Taken>, DedupError>>;
}
