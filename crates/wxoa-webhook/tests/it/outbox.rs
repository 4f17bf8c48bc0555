//! The outbox in a real Redis: late work parked while it runs and finished once its reply is
//! sent; a lease renewed by a live owner is never taken over, one whose owner stopped is taken
//! over once; a stalled Redis extends leases instead of handing live jobs over; a webhook runs
//! the jobs of an instance that died, and drops those it must not run again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;
use wxoa_testkit::Redis;
use wxoa_webhook::dedup::outbox::{GAP, Job, LEASE, Lease, MAX_TAKEOVERS, Outbox, Taken};
use wxoa_webhook::dedup::{DedupStore, RedisDedup};
use wxoa_webhook::testing::text_push;
use wxoa_webhook::{Account, Mode, Webhook};

use crate::deadline::{Recorder, slow_bot};
use crate::*;

/// An AppID no other test (or earlier run on a shared Redis) uses.
fn app_id() -> String {
    format!("wx{:016x}", rand::random::<u64>())
}

/// Now, in the Unix seconds a job's arrival is kept in.
fn arrival() -> i64 {
    wxoa_testkit::unix_seconds() as i64
}

fn job(app_id: &str, msg_id: u64, arrived: i64) -> Job {
    let push = text_push("oOutbox", "hello", msg_id);
    Job::new(
        app_id.into(),
        format!("{app_id}:msg:{msg_id}"),
        Bytes::from(push),
        arrived,
    )
}

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// How many jobs the account's outbox holds.
async fn jobs_in_outbox(url: &str, app_id: &str) -> usize {
    redis::cmd("HLEN")
        .arg(format!("wxoa:outbox:{{{app_id}}}:jobs"))
        .query_async(&mut connection(url).await)
        .await
        .unwrap()
}

/// Scans `app_id`'s outbox from `store` every 200 ms for `period`, as a recovery loop does:
/// every job it took over.
async fn scan_for(store: &RedisDedup, app_id: &str, period: Duration) -> Vec<Taken> {
    let started = Instant::now();
    let mut taken = Vec::new();
    while started.elapsed() < period {
        if let Ok(found) = store.take_lapsed(app_id, 16).await {
            taken.extend(found);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    taken
}

/// Renews `store`'s lease on `job` every second for `period`; every answer.
async fn renew_for(store: &RedisDedup, job: &Job, period: Duration) -> Vec<Option<Lease>> {
    let started = Instant::now();
    let mut answers = Vec::new();
    while started.elapsed() < period {
        tokio::time::sleep(Duration::from_secs(1)).await;
        answers.push(store.renew(&job.app_id, &job.id).await.ok());
    }
    answers
}

fn redis_webhook(
    app_id: &str,
    url: &str,
    bot: Bot,
    sent: mpsc::UnboundedSender<(String, serde_json::Value)>,
) -> Webhook {
    Webhook::builder()
        .account(Account::new(app_id, TOKEN, bot))
        .dedup(Arc::new(RedisDedup::new(url).unwrap()) as Arc<dyn DedupStore>)
        .budget(Duration::from_millis(150))
        .late_reply(Arc::new(Recorder(sent)))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_push_is_parked_while_it_runs_and_finished_when_its_reply_is_sent() {
    let Some(redis) = Redis::start() else { return };
    let app_id = app_id();
    let (sent, mut replies) = mpsc::unbounded_channel();
    let webhook = redis_webhook(
        &app_id,
        redis.url(),
        slow_bot(Duration::from_millis(1500)),
        sent,
    );
    let platform = wxoa_webhook::testing::Platform::new(&app_id, TOKEN, None).unwrap();
    let request = platform.push(Mode::Plain, &text_push("oLate", "hi", 1));
    let (status, body) = send(&webhook.router(), request).await;
    assert_eq!((status, &body[..]), (200, &b"success"[..]));
    // Answered `success` at the budget: the work is in the outbox, owned by this instance.
    assert_eq!(jobs_in_outbox(redis.url(), &app_id).await, 1);
    let (_, message) = tokio::time::timeout(Duration::from_secs(5), replies.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message["text"]["content"], "late: hi");
    // Once the reply is sent, the job is finished: nothing is left to recover.
    let started = Instant::now();
    while jobs_in_outbox(redis.url(), &app_id).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(2), "the job stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(webhook.metrics().outbox_jobs(OutboxEvent::Recovered), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_renewed_by_a_live_owner_is_never_taken_over_and_a_lapsed_one_is_taken_once() {
    let Some(redis) = Redis::start() else { return };
    let (owner, other) = (
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
    );
    let app_id = app_id();
    let arrived = arrival();
    let job = job(&app_id, 7, arrived);
    owner.park(&job).await.unwrap();

    // Alive and slow: the owner renews every second, for longer than a lease.
    let period = LEASE + Duration::from_secs(2);
    let (renewed, taken) = tokio::join!(
        renew_for(&owner, &job, period),
        scan_for(&other, &app_id, period)
    );
    assert!(
        renewed.iter().all(|r| *r == Some(Lease::Held)),
        "{renewed:?}"
    );
    assert!(
        taken.is_empty(),
        "a live owner's job was taken over: {taken:?}"
    );

    // The owner stops renewing (it died): the job is taken over once its lease lapses, once.
    let stopped = Instant::now();
    let taken = scan_for(&other, &app_id, LEASE + Duration::from_secs(2)).await;
    assert_eq!(taken.len(), 1, "{taken:?}");
    // Not before the lease lapsed: the owner's last renewal was at most a second before.
    assert!(stopped.elapsed() >= LEASE - Duration::from_millis(1500));
    let Taken {
        job: back,
        takeovers,
        ..
    } = &taken[0];
    assert_eq!(*takeovers, 1);
    assert_eq!(
        (&back.id, &back.push, back.arrived),
        (&job.id, &job.push, arrived)
    );

    // The old owner learns that it lost the job, and cannot finish it; the new one can.
    assert_eq!(owner.renew(&app_id, &job.id).await.unwrap(), Lease::Lost);
    owner.finish(&app_id, &job.id).await.unwrap();
    assert_eq!(jobs_in_outbox(redis.url(), &app_id).await, 1);
    assert_eq!(other.renew(&app_id, &job.id).await.unwrap(), Lease::Held);
    other.finish(&app_id, &job.id).await.unwrap();
    assert_eq!(jobs_in_outbox(redis.url(), &app_id).await, 0);
    assert_eq!(other.renew(&app_id, &job.id).await.unwrap(), Lease::Missing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_extends_leases_instead_of_handing_live_jobs_over() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let (owner, other) = (
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
    );
    let app_id = app_id();
    let job = job(&app_id, 8, arrival());
    owner.park(&job).await.unwrap();
    // The other instance scans, the owner renews; then Redis stalls for longer than a lease
    // (nobody can renew), and both go on when it answers again.
    let pause = LEASE + Duration::from_millis(1500);
    assert!(pause > GAP);
    let period = Duration::from_secs(2) + pause + LEASE + Duration::from_secs(2);
    let stall = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        redis.pause(pause).unwrap();
    };
    let (renewed, taken, ()) = tokio::join!(
        renew_for(&owner, &job, period),
        scan_for(&other, &app_id, period),
        stall
    );
    assert!(
        taken.is_empty(),
        "a live owner's job was taken over after the stall: {taken:?}"
    );
    assert!(
        renewed.iter().any(Option::is_none),
        "renewals failed during the stall"
    );
    assert_eq!(renewed.last(), Some(&Some(Lease::Held)), "{renewed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_runs_the_job_of_an_instance_that_died_and_sends_its_reply() {
    let Some(redis) = Redis::start() else { return };
    let app_id = app_id();
    // An instance parked the job, then died without renewing it.
    let dead = RedisDedup::new(redis.url()).unwrap();
    dead.park(&job(&app_id, 9, arrival())).await.unwrap();
    drop(dead);

    let (sent, mut replies) = mpsc::unbounded_channel();
    let started = Instant::now();
    let webhook = redis_webhook(
        &app_id,
        redis.url(),
        slow_bot(Duration::from_millis(100)),
        sent,
    );
    let (to, message) = tokio::time::timeout(LEASE + Duration::from_secs(5), replies.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (to.as_str(), &message["touser"]),
        (app_id.as_str(), &serde_json::json!("oOutbox"))
    );
    assert_eq!(message["text"]["content"], "late: hello");
    assert!(
        started.elapsed() < LEASE + Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let metrics = webhook.metrics();
    assert_eq!(metrics.outbox_jobs(OutboxEvent::Recovered), 1);
    assert_eq!(metrics.handled_total(), 1);
    let finished = Instant::now();
    while jobs_in_outbox(redis.url(), &app_id).await > 0 {
        assert!(
            finished.elapsed() < Duration::from_secs(2),
            "the job stayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Sent once: nothing comes again.
    tokio::time::sleep(LEASE + Duration::from_secs(1)).await;
    assert!(replies.try_recv().is_err());
    assert!(
        webhook
            .render_metrics()
            .unwrap()
            .contains("wxoa_webhook_outbox_jobs_total{event=\"recovered\"} 1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_taken_over_too_often_or_past_the_48_hour_window_are_dropped_not_run() {
    let Some(redis) = Redis::start() else { return };
    let app_id = app_id();
    let dead = RedisDedup::new(redis.url()).unwrap();
    let old = job(&app_id, 10, arrival() - 49 * 3600);
    let crashing = job(&app_id, 11, arrival());
    dead.park(&old).await.unwrap();
    dead.park(&crashing).await.unwrap();
    // Taken over as often as allowed already: the next takeover is one too many.
    let _: i64 = redis::cmd("HSET")
        .arg(format!("wxoa:outbox:{{{app_id}}}:takeovers"))
        .arg(&crashing.id)
        .arg(MAX_TAKEOVERS)
        .query_async(&mut connection(redis.url()).await)
        .await
        .unwrap();
    drop(dead);

    let (sent, mut replies) = mpsc::unbounded_channel();
    let webhook = redis_webhook(
        &app_id,
        redis.url(),
        slow_bot(Duration::from_millis(10)),
        sent,
    );
    let started = Instant::now();
    while webhook.metrics().outbox_jobs(OutboxEvent::Dropped) < 2 {
        assert!(
            started.elapsed() < LEASE + Duration::from_secs(5),
            "not dropped"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(jobs_in_outbox(redis.url(), &app_id).await, 0);
    assert_eq!(webhook.metrics().outbox_jobs(OutboxEvent::Recovered), 0);
    assert_eq!(webhook.metrics().handled_total(), 0);
    assert!(replies.try_recv().is_err(), "a dropped job ran");
}
