//! The blacklist.

use serde_json::json;
use wxoa_sandbox::Sandbox;

use crate::support::{assert_errcode, assert_fixture_shape, assert_ok, env, env_with, request};

#[tokio::test]
async fn blacklisted_followers_are_listed_in_pages() {
    let env = env_with(Sandbox::builder().followers(5).blacklist_page_size(2)).await;
    let ids = env.followers(3).await;
    let body = request(
        "blacklist",
        "batchblacklist",
        &[("OPENID1", json!(ids[0])), ("OPENID2", json!(ids[1]))],
    );
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchblacklist", &body)
            .await,
    );
    assert_ok(
        &env.post(
            "/cgi-bin/tags/members/batchblacklist",
            &json!({"openid_list": [ids[2]]}),
        )
        .await,
    );
    let first = env
        .post(
            "/cgi-bin/tags/members/getblacklist",
            &request("blacklist", "getblacklist", &[]),
        )
        .await;
    assert_fixture_shape(&first, "blacklist", "getblacklist");
    assert_eq!(first["total"], 3);
    assert_eq!(first["count"], 2);
    let second = env
        .post(
            "/cgi-bin/tags/members/getblacklist",
            &json!({"begin_openid": first["next_openid"]}),
        )
        .await;
    assert_eq!(second["count"], 1);
    let end = env
        .post(
            "/cgi-bin/tags/members/getblacklist",
            &json!({"begin_openid": second["next_openid"]}),
        )
        .await;
    assert_fixture_shape(&end, "blacklist", "getblacklist_end");
    let mut all: Vec<_> = first["data"]["openid"].as_array().unwrap().clone();
    all.extend(second["data"]["openid"].as_array().unwrap().iter().cloned());
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(all, expected.iter().map(|o| json!(o)).collect::<Vec<_>>());
}

#[tokio::test]
async fn unblacklisting_removes_from_the_list() {
    let env = env().await;
    let ids = env.followers(2).await;
    env.post(
        "/cgi-bin/tags/members/batchblacklist",
        &json!({"openid_list": ids}),
    )
    .await;
    let body = json!({"openid_list": [ids[0]]});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchunblacklist", &body)
            .await,
    );
    let list = env
        .post(
            "/cgi-bin/tags/members/getblacklist",
            &json!({"begin_openid": ""}),
        )
        .await;
    assert_eq!(list["data"]["openid"], json!([ids[1]]));
    let groups = env.get("/cgi-bin/groups/get").await;
    assert_eq!(groups["groups"][1]["count"], 1, "group 1 is the blacklist");
}

#[tokio::test]
async fn a_batch_of_more_than_20_is_40032() {
    let env = env_with(Sandbox::builder().followers(21)).await;
    let ids = env.followers(21).await;
    let body = json!({"openid_list": ids});
    assert_errcode(
        &env.post("/cgi-bin/tags/members/batchblacklist", &body)
            .await,
        40032,
    );
    assert_errcode(
        &env.post("/cgi-bin/tags/members/batchunblacklist", &body)
            .await,
        40032,
    );
    let twenty = json!({"openid_list": ids[..20]});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchblacklist", &twenty)
            .await,
    );
}

#[tokio::test]
async fn an_empty_batch_is_40031() {
    let env = env().await;
    let body = json!({"openid_list": []});
    assert_errcode(
        &env.post("/cgi-bin/tags/members/batchblacklist", &body)
            .await,
        40031,
    );
}

#[tokio::test]
async fn blacklisting_someone_not_following_is_40003() {
    let env = env().await;
    let body = json!({"openid_list": ["oUnknownUnknownUnknownUnknown"]});
    assert_errcode(
        &env.post("/cgi-bin/tags/members/batchblacklist", &body)
            .await,
        40003,
    );
}
