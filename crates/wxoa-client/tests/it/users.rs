//! `client.users()` against the sandbox (api-reference §3).

use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use wxoa_client::api::users::{BATCHGET_MAX, Lang};
use wxoa_sandbox::Sandbox;

use crate::sandbox_env::{env, env_with, errcode, refused, request_fixture};

const INFO: &str = "/cgi-bin/user/info";
const BATCHGET: &str = "/cgi-bin/user/info/batchget";
const LIST: &str = "/cgi-bin/user/get";
const REMARK: &str = "/cgi-bin/user/info/updateremark";

#[tokio::test]
async fn info_of_a_follower_with_its_language() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let user = env
        .client
        .users()
        .info(openid.as_str())
        .lang(Lang::En)
        .await
        .unwrap();
    assert_eq!(user.openid, openid.as_str());
    assert!(user.is_following());
    assert!(user.subscribe_time.is_some() && user.subscribe_scene.is_some());
    let query = env.last_query(INFO).await;
    assert_eq!(
        (query["openid"].as_str(), query["lang"].as_str()),
        (Some(openid.as_str()), Some("en"))
    );
}

#[tokio::test]
async fn info_of_someone_who_left_has_only_subscribe_and_openid() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.unfollow(&openid).await;
    let user = env.client.users().info(openid.as_str()).await.unwrap();
    assert!(!user.is_following());
    assert_eq!((user.language, user.subscribe_time), (None, None));
}

#[tokio::test]
async fn info_of_an_unknown_openid_is_40003() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.users().info("oNobody").await), 40003);
}

#[tokio::test]
async fn info_without_an_openid_is_refused_before_sending() {
    let env = env(3).await;
    assert!(refused(env.client.users().info("").await).starts_with("openid: "));
    assert!(env.calls(INFO).await.is_empty());
}

#[tokio::test]
async fn batch_info_sends_the_spec_body() {
    let env = env(3).await;
    let openids = env.followers(2).await;
    let users = env
        .client
        .users()
        .batch_info(openids.iter().map(String::as_str))
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    let expected = request_fixture(
        "users",
        "batchget",
        &[
            ("OPENID1", json!(openids[0])),
            ("OPENID2", json!(openids[1])),
        ],
    );
    assert_eq!(env.last_body(BATCHGET).await, expected);
}

#[tokio::test]
async fn batch_info_of_250_users_makes_three_calls_of_at_most_100() {
    let env = env(300).await;
    let openids = env.followers(250).await;
    let users = env
        .client
        .users()
        .batch_info(openids.clone())
        .lang(Lang::ZhTw)
        .await
        .unwrap();
    let got: Vec<&str> = users.iter().map(|u| u.openid.as_str()).collect();
    assert_eq!(got, openids.iter().map(String::as_str).collect::<Vec<_>>());
    let sizes: Vec<usize> = env
        .bodies(BATCHGET)
        .await
        .iter()
        .map(|b| b["user_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(sizes.iter().all(|n| *n <= BATCHGET_MAX));
    assert_eq!(
        env.bodies(BATCHGET).await[0]["user_list"][0]["lang"],
        "zh_TW"
    );
}

#[tokio::test]
async fn batch_info_with_an_unknown_openid_is_40003() {
    let env = env(3).await;
    let mut openids = env.followers(2).await;
    openids.push("oNobody".to_owned());
    assert_eq!(errcode(env.client.users().batch_info(openids).await), 40003);
}

#[tokio::test]
async fn batch_info_of_nobody_is_refused() {
    let env = env(3).await;
    let none: Vec<String> = Vec::new();
    assert!(refused(env.client.users().batch_info(none).await).starts_with("user_list: "));
    let blank = refused(env.client.users().batch_info(["o1", ""]).await);
    assert!(blank.starts_with("user_list[1]: "), "{blank}");
    assert!(env.calls(BATCHGET).await.is_empty());
}

#[tokio::test]
async fn list_pages_with_next_openid() {
    let env = env_with(Sandbox::builder().followers(25).seed(3).user_page_size(10)).await;
    let first = env.client.users().list().await.unwrap();
    assert_eq!(
        (first.total, first.count, first.openids().len()),
        (Some(25), 10, 10)
    );
    let second = env
        .client
        .users()
        .list()
        .next_openid(first.next_openid.clone())
        .await
        .unwrap();
    assert_eq!(second.openids()[0].as_str(), env.followers(11).await[10]);
    assert_eq!(
        env.last_query(LIST).await["next_openid"],
        json!(first.next_openid)
    );
}

#[tokio::test]
async fn list_after_an_unknown_openid_is_40003() {
    let env = env(3).await;
    assert_eq!(
        errcode(env.client.users().list().next_openid("oNobody").await),
        40003
    );
}

#[tokio::test]
async fn stream_all_pages_until_an_empty_page() {
    let env = env_with(Sandbox::builder().followers(25).seed(3).user_page_size(10)).await;
    let all: Vec<String> = env
        .client
        .users()
        .stream_all()
        .map_ok(|o| o.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, env.followers(25).await);
    // Pages of 10, 10 and 5, then the empty page that ends the list.
    assert_eq!(env.calls(LIST).await.len(), 4);
}

#[tokio::test]
async fn stream_all_of_no_followers_is_empty() {
    let env = env(0).await;
    let all: Vec<_> = env.client.users().stream_all().try_collect().await.unwrap();
    assert!(all.is_empty());
}

#[tokio::test]
async fn stream_all_details_chains_batchget_in_chunks_of_100() {
    let env = env_with(
        Sandbox::builder()
            .followers(450)
            .seed(3)
            .user_page_size(200),
    )
    .await;
    let users: Vec<_> = env
        .client
        .users()
        .stream_all_details()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = users.iter().map(|u| u.openid.to_string()).collect();
    assert_eq!(got, env.followers(450).await);
    assert!(users.iter().all(|u| u.is_following()));
    let sizes: Vec<usize> = env
        .bodies(BATCHGET)
        .await
        .iter()
        .map(|b| b["user_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 450);
    assert!(
        sizes.iter().all(|n| (1..=BATCHGET_MAX).contains(n)),
        "{sizes:?}"
    );
}

#[tokio::test]
async fn a_failing_batch_ends_the_details_stream_with_its_error() {
    let env = env_with(Sandbox::builder().followers(300).seed(3)).await;
    env.fail_next(BATCHGET, 45009).await;
    let items: Vec<_> = env.client.users().stream_all_details().collect().await;
    assert_eq!(items.len(), 1, "nothing follows the error");
    assert_eq!(errcode(items.into_iter().next().unwrap()), 45009);
}

#[tokio::test]
async fn throttled_batches_go_again_and_every_follower_comes_once_in_order() {
    let env = env_with(Sandbox::builder().followers(450).seed(3)).await;
    for _ in 0..3 {
        env.fail_next(BATCHGET, 45011).await;
    }
    let users: Vec<_> = env
        .client
        .users()
        .stream_all_details()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = users.iter().map(|u| u.openid.to_string()).collect();
    assert_eq!(got, env.followers(450).await);
    let calls = env.calls(BATCHGET).await;
    assert_eq!(calls.len(), 5 + 3);
    assert_eq!(calls.iter().filter(|c| c.errcode == Some(45011)).count(), 3);
}

#[tokio::test]
async fn the_calls_in_flight_grow_past_the_start_while_answers_come_back_fast() {
    // A platform 300 ms away: the export starts with 4 calls in flight and grows; the sandbox
    // logs how many calls it was answering as each arrived.
    let latency = std::time::Duration::from_millis(300);
    let env = env_with(Sandbox::builder().followers(4_000).seed(3).latency(latency)).await;
    let users: Vec<_> = env
        .client
        .users()
        .stream_all_details()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 4_000);
    let in_flight: Vec<u32> = env
        .calls(BATCHGET)
        .await
        .iter()
        .map(|c| c.in_flight)
        .collect();
    assert_eq!(in_flight.len(), 40);
    assert!(in_flight.iter().take(4).all(|&n| n <= 4), "{in_flight:?}");
    assert!(in_flight.iter().any(|&n| n > 8), "{in_flight:?}");
    assert!(in_flight.iter().all(|&n| n <= 64), "{in_flight:?}");
}

#[tokio::test]
async fn update_remark_sends_the_spec_body_and_the_remark_shows() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.client
        .users()
        .update_remark(openid.as_str(), "pangzi")
        .await
        .unwrap();
    let expected = request_fixture("users", "updateremark", &[("OPENID", json!(openid))]);
    assert_eq!(env.last_body(REMARK).await, expected);
    let user = env.client.users().info(openid.as_str()).await.unwrap();
    assert_eq!(user.remark.as_deref(), Some("pangzi"));
}

#[tokio::test]
async fn a_remark_of_30_characters_is_refused_before_sending() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let message = refused(
        env.client
            .users()
            .update_remark(openid.as_str(), "备".repeat(30))
            .await,
    );
    assert!(
        message.starts_with("remark: must be shorter than 30"),
        "{message}"
    );
    assert!(env.calls(REMARK).await.is_empty());
    env.client
        .users()
        .update_remark(openid.as_str(), "备".repeat(29))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_remark_on_someone_who_does_not_follow_is_40003() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.unfollow(&openid).await;
    assert_eq!(
        errcode(env.client.users().update_remark(openid.as_str(), "x").await),
        40003
    );
}

#[tokio::test]
async fn a_remark_is_never_sent_twice_after_a_dropped_connection() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.drop_next(REMARK).await;
    let error = env
        .client
        .users()
        .update_remark(openid.as_str(), "x")
        .await
        .unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(REMARK).await.len(), 1);
}
