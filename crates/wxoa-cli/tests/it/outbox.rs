//! CONTRACT §3, fleet mode: a late reply promised by a `success` survives the instance that
//! promised it. Two `wxoa serve --redis` processes share a private `redis-server`; the sandbox
//! pushes to one of them (the last started) and receives the customer-service messages; the
//! faults are real: SIGKILL, SIGTERM with a short drain deadline, `CLIENT PAUSE`.

use std::time::{Duration, Instant};

use wxoa_sandbox::Sandbox;
use wxoa_testkit::Redis;

use crate::shutdown::{Serving, follower, push_text, received};

/// How long a test waits for a late reply that another instance recovers: the lease (5 s),
/// a scan (1 s), the handler again, and room for a loaded machine.
const RECOVERY: Duration = Duration::from_secs(30);

/// `first` then `second` serving the sandbox's account on one Redis; the sandbox pushes to
/// `second`.
fn two_instances(sandbox: &Sandbox, redis: &Redis, second_extra: &[&str]) -> (Serving, Serving) {
    let first = Serving::start(sandbox, &["--redis", redis.url()]);
    let mut extra = vec!["--redis", redis.url()];
    extra.extend(second_extra);
    let second = Serving::start(sandbox, &extra);
    (first, second)
}

/// Waits (bounded) until the follower has received something; what it received.
async fn until_received(sandbox: &Sandbox, openid: &str, within: Duration) -> Vec<String> {
    let started = Instant::now();
    loop {
        let texts = received(sandbox, openid).await;
        if !texts.is_empty() || started.elapsed() > within {
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How many jobs the account's outbox in `redis` holds.
async fn jobs_in_outbox(redis: &Redis) -> usize {
    let jobs = format!("wxoa:outbox:{{{}}}:jobs", wxoa_sandbox::DEFAULT_APP_ID);
    hlen(redis, &jobs).await
}

/// `HLEN key` in `redis`.
async fn hlen(redis: &Redis, key: &str) -> usize {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("HLEN")
        .arg(key)
        .query_async(&mut connection)
        .await
        .unwrap()
}

/// The push is answered `success` at the budget; its instance is then SIGKILLed while the
/// handler still runs. The other instance takes the job over once its lease lapses, runs the
/// handler again and sends the reply. Exactly once here (the killed instance died before
/// sending); at least once in general (an instance killed between sending the reply and
/// finishing the job has it sent again).
#[tokio::test(flavor = "multi_thread")]
async fn an_instance_killed_after_answering_success_has_its_reply_sent_by_the_other() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    let (survivor, mut doomed) = two_instances(&sandbox, &redis, &[]);

    let pushed = push_text(&sandbox, &openid, "sleep 8").await;
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    assert_eq!(jobs_in_outbox(&redis).await, 1, "{}", doomed.log());
    tokio::time::sleep(Duration::from_secs(1)).await;
    doomed.kill();
    let killed = Instant::now();

    let texts = until_received(&sandbox, &openid, RECOVERY).await;
    assert_eq!(texts, ["custom: slept 8"], "{}", survivor.log());
    // Not before the dead instance's lease lapsed and the handler ran again.
    assert!(
        killed.elapsed() >= Duration::from_secs(8),
        "{:?}",
        killed.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 8"]);
    assert_eq!(jobs_in_outbox(&redis).await, 0);
    let recovered = "wxoa_webhook_outbox_jobs_total{event=\"recovered\"}";
    assert_eq!(survivor.metric(recovered).await, 1);
    assert_eq!(survivor.metric("wxoa_webhook_handled_total").await, 1);
}

/// An owner that is alive and slow renews its lease: the other instance never takes the job
/// over, and the reply is sent once, by the owner.
#[tokio::test(flavor = "multi_thread")]
async fn a_live_slow_owner_keeps_its_job_and_sends_the_reply_once() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    let (other, owner) = two_instances(&sandbox, &redis, &[]);

    // 12 s: more than twice the lease past the budget.
    let pushed = push_text(&sandbox, &openid, "sleep 12").await;
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    let texts = until_received(&sandbox, &openid, RECOVERY).await;
    assert_eq!(texts, ["custom: slept 12"], "{}", owner.log());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 12"]);
    let recovered = "wxoa_webhook_outbox_jobs_total{event=\"recovered\"}";
    assert_eq!(other.metric(recovered).await, 0, "{}", other.log());
    assert_eq!(other.metric("wxoa_webhook_handled_total").await, 0);
    assert_eq!(owner.metric("wxoa_webhook_handled_total").await, 1);
    assert_eq!(jobs_in_outbox(&redis).await, 0);
}

/// Redis stalls (`CLIENT PAUSE`) just before the budget, so the outbox write and the answer's
/// record both time out: the push is still answered `success` within the platform's 5 s, the
/// handler goes on, and its reply reaches the follower once; the failure is counted.
#[tokio::test(flavor = "multi_thread")]
async fn a_redis_paused_during_the_outbox_write_costs_the_push_nothing() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let sandbox = std::sync::Arc::new(Sandbox::builder().followers(1).start().await.unwrap());
    let openid = follower(&sandbox).await;
    let serving = Serving::start(&sandbox, &["--redis", redis.url()]);

    let started = Instant::now();
    let pushing = {
        let (sandbox, openid) = (sandbox.clone(), openid.clone());
        tokio::spawn(async move { push_text(&sandbox, &openid, "sleep 6").await })
    };
    tokio::time::sleep(Duration::from_millis(4200)).await;
    redis.pause(Duration::from_secs(3)).unwrap();
    let pushed = pushing.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");

    let texts = until_received(&sandbox, &openid, Duration::from_secs(15)).await;
    assert_eq!(texts, ["custom: slept 6"], "{}", serving.log());
    let park_failures = "wxoa_webhook_dedupe_failures_total{op=\"park\"}";
    assert!(
        serving.metric(park_failures).await >= 1,
        "{}",
        serving.log()
    );
    // Nothing is left in the outbox for another instance to send again.
    let finished = Instant::now();
    while jobs_in_outbox(&redis).await > 0 {
        assert!(
            finished.elapsed() < Duration::from_secs(5),
            "the job stayed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 6"]);
}

/// A deploy whose drain deadline is shorter than the handler: the stopping instance leaves the
/// job in the outbox (not "not delivered"), and the other instance sends the reply.
#[tokio::test(flavor = "multi_thread")]
async fn a_drain_deadline_that_passes_hands_the_reply_to_the_other_instance() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    let (survivor, mut deployed) = two_instances(&sandbox, &redis, &["--drain-timeout", "1"]);

    let pushed = push_text(&sandbox, &openid, "sleep 6").await;
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    deployed.terminate();
    let code = deployed.exited_within(Duration::from_secs(10)).await;
    assert_eq!(code, Some(0), "{}", deployed.log());
    let log = deployed.log();
    assert!(log.contains("reply left in the outbox"), "{log}");
    assert!(
        log.contains("1 late replies left in the Redis outbox"),
        "{log}"
    );
    assert!(!log.contains("not delivered"), "{log}");

    let texts = until_received(&sandbox, &openid, RECOVERY).await;
    assert_eq!(texts, ["custom: slept 6"], "{}", survivor.log());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 6"]);
    let recovered = "wxoa_webhook_outbox_jobs_total{event=\"recovered\"}";
    assert_eq!(survivor.metric(recovered).await, 1);
}

/// A push to an authorizer of the component goes the same way: parked in the component's
/// outbox (naming the authorizer), its `wxoa component serve` instance SIGKILLed while the
/// handler runs, and the other instance sends the reply for the authorizer through the
/// component once the lease lapses.
#[tokio::test(flavor = "multi_thread")]
async fn an_authorizers_late_reply_survives_its_component_instance() {
    use crate::component_keeper::{COMPONENT, KEY, SECRET, TOKEN, component_serve};
    use wxoa_sandbox::Component;
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let listen = format!("127.0.0.1:{}", wxoa_testkit::free_port());
    let component = Component::new(COMPONENT, SECRET, TOKEN, KEY)
        .auth_url(format!("http://{listen}/component"))
        .message_url(format!("http://{listen}/wechat/$APPID$"))
        .authorizers(1)
        .pre_authorized(true);
    let sandbox = Sandbox::builder()
        .followers(1)
        .component(component)
        .start()
        .await
        .unwrap();
    let control = sandbox.control();
    let dedupe = ["--redis", redis.url()];
    let (survivor, survivor_base) = component_serve(&sandbox, redis.url(), "127.0.0.1:0", &dedupe);
    let (mut doomed, _) = component_serve(&sandbox, redis.url(), &listen, &dedupe);
    // The ticket reaches the doomed instance, which keeps it in Redis for both.
    crate::component_keeper::deliver_ticket(&sandbox).await;
    let authorizer = control.simulated_accounts().await.unwrap().remove(0);
    let followers = control.followers_of(&authorizer, 1, 0).await.unwrap();
    let openid = followers.openids[0].clone();

    let text = serde_json::json!({"MsgType": "text", "Content": "sleep 8"});
    let pushed = control.push_to(&authorizer, &openid, text).await.unwrap();
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    let outbox = format!("wxoa:outbox:{{{COMPONENT}}}:jobs");
    assert_eq!(hlen(&redis, &outbox).await, 1, "{}", doomed.log());
    tokio::time::sleep(Duration::from_secs(1)).await;
    doomed.kill();

    let texts = until_received(&sandbox, &openid, RECOVERY).await;
    assert_eq!(texts, ["custom: slept 8"], "{}", survivor.log());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 8"]);
    assert_eq!(hlen(&redis, &outbox).await, 0);
    let recovered = "wxoa_webhook_outbox_jobs_total{event=\"recovered\"}";
    assert_eq!(crate::fleet::metric(&survivor_base, recovered).await, 1);
}
