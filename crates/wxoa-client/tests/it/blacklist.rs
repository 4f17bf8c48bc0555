//! `client.blacklist()` against the sandbox (api-reference §6).

use std::collections::BTreeSet;

use futures::TryStreamExt;
use serde_json::json;
use wxoa_client::api::blacklist::BATCH_MAX;
use wxoa_client::api::custom::Message;
use wxoa_sandbox::Sandbox;

use crate::sandbox_env::{env, env_with, errcode, refused, request_fixture};

const LIST: &str = "/cgi-bin/tags/members/getblacklist";
const BLOCK: &str = "/cgi-bin/tags/members/batchblacklist";
const UNBLOCK: &str = "/cgi-bin/tags/members/batchunblacklist";

#[tokio::test]
async fn block_and_unblock_send_the_spec_bodies() {
    let env = env(3).await;
    let openids = env.followers(2).await;
    let values = [
        ("OPENID1", json!(openids[0])),
        ("OPENID2", json!(openids[1])),
    ];
    env.client.blacklist().block(openids.clone()).await.unwrap();
    assert_eq!(
        env.last_body(BLOCK).await,
        request_fixture("blacklist", "batchblacklist", &values)
    );
    env.client.blacklist().unblock(openids).await.unwrap();
    assert_eq!(
        env.last_body(UNBLOCK).await,
        request_fixture("blacklist", "batchunblacklist", &values)
    );
}

#[tokio::test]
async fn blocking_45_users_makes_three_calls_of_at_most_20_and_the_stream_pages() {
    let env = env_with(
        Sandbox::builder()
            .followers(60)
            .seed(3)
            .blacklist_page_size(10),
    )
    .await;
    let openids = env.followers(45).await;
    env.client.blacklist().block(openids.clone()).await.unwrap();
    let sizes: Vec<usize> = env
        .bodies(BLOCK)
        .await
        .iter()
        .map(|b| b["openid_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [20, 20, 5]);
    assert!(sizes.iter().all(|n| *n <= BATCH_MAX));
    let blocked: BTreeSet<String> = env
        .client
        .blacklist()
        .stream_all()
        .map_ok(|o| o.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(blocked, openids.iter().cloned().collect());
    // Pages of 10: five pages, then the empty one.
    let pages = env.calls(LIST).await;
    assert_eq!(pages.len(), 6);
    assert_eq!(
        pages[0].body,
        request_fixture("blacklist", "getblacklist", &[])
    );
    env.client
        .blacklist()
        .unblock(openids[..41].to_vec())
        .await
        .unwrap();
    assert_eq!(env.calls(UNBLOCK).await.len(), 3);
    let page = env.client.blacklist().page().await.unwrap();
    assert_eq!((page.total, page.count), (Some(4), 4));
}

#[tokio::test]
async fn blocking_nobody_is_refused_before_sending() {
    let env = env(3).await;
    let none: Vec<String> = Vec::new();
    assert!(refused(env.client.blacklist().block(none).await).starts_with("openid_list: "));
    assert!(env.calls(BLOCK).await.is_empty());
}

#[tokio::test]
async fn blocking_an_unknown_openid_is_40003() {
    let env = env(3).await;
    assert_eq!(
        errcode(env.client.blacklist().block(["oNobody"]).await),
        40003
    );
    assert_eq!(
        errcode(env.client.blacklist().unblock(["oNobody"]).await),
        40003
    );
}

#[tokio::test]
async fn an_openid_of_another_account_is_49003() {
    let env = env(3).await;
    env.fail_next(BLOCK, 49003).await;
    assert_eq!(
        errcode(env.client.blacklist().block(["oOther"]).await),
        49003
    );
}

#[tokio::test]
async fn a_blacklisted_follower_receives_nothing() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.message_from(&openid).await;
    env.client
        .blacklist()
        .block([openid.as_str()])
        .await
        .unwrap();
    let sent = env
        .client
        .custom()
        .send(openid.as_str(), Message::text("hi"))
        .await;
    assert_eq!(errcode(sent), 43019);
}
