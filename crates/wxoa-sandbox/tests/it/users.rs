//! Users: `user/info`, `user/info/batchget`, `user/get`, `user/info/updateremark`.

use serde_json::{Value, json};
use wxoa_sandbox::Sandbox;

use crate::support::{
    assert_errcode, assert_fixture_shape, assert_ok, assert_shape, env, env_with, fixture, request,
};

fn openids(page: &Value) -> Vec<String> {
    page["data"]["openid"]
        .as_array()
        .map(|a| a.iter().map(|o| o.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn user_get_pages_follow_next_openid_until_count_is_zero() {
    let env = env_with(Sandbox::builder().followers(20).seed(1).user_page_size(8)).await;
    let first = env.get("/cgi-bin/user/get").await;
    assert_fixture_shape(&first, "users", "get");
    assert_eq!(first["total"], 20);
    assert_eq!(first["count"], 8);
    let mut all = openids(&first);
    assert_eq!(first["next_openid"], all[7].as_str());
    let mut next = first["next_openid"].as_str().unwrap().to_owned();
    loop {
        let page = env
            .get(&format!("/cgi-bin/user/get?next_openid={next}"))
            .await;
        if page["count"] == 0 {
            assert_fixture_shape(&page, "users", "get_end");
            assert_eq!(page["total"], 20);
            break;
        }
        assert_fixture_shape(&page, "users", "get");
        let ids = openids(&page);
        assert_eq!(page["count"], ids.len());
        // The last page, even when not full, still names its last OpenID.
        assert_eq!(page["next_openid"], ids.last().unwrap().as_str());
        next = page["next_openid"].as_str().unwrap().to_owned();
        all.extend(ids);
    }
    assert_eq!(all, env.followers(100).await);
}

#[tokio::test]
async fn user_get_answers_10000_per_page_by_default() {
    let env = env_with(Sandbox::builder().followers(25_000).seed(2)).await;
    let first = env.get("/cgi-bin/user/get").await;
    assert_eq!(first["total"], 25_000);
    assert_eq!(first["count"], 10_000);
    let next = first["next_openid"].as_str().unwrap();
    let second = env
        .get(&format!("/cgi-bin/user/get?next_openid={next}"))
        .await;
    assert_eq!(second["count"], 10_000);
    let next = second["next_openid"].as_str().unwrap();
    let third = env
        .get(&format!("/cgi-bin/user/get?next_openid={next}"))
        .await;
    assert_eq!(third["count"], 5_000);
    let mut seen = std::collections::HashSet::new();
    for page in [&first, &second, &third] {
        for openid in openids(page) {
            assert!(seen.insert(openid));
        }
    }
}

#[tokio::test]
async fn user_get_refuses_an_unknown_next_openid() {
    let env = env().await;
    let body = env
        .get("/cgi-bin/user/get?next_openid=oNotAFollowerOfThisAccount00")
        .await;
    assert_errcode(&body, 40003);
}

#[tokio::test]
async fn unfollowers_leave_the_list_and_new_followers_join_its_end() {
    let env = env().await;
    let before = env.followers(20).await;
    env.push(
        &before[3],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    env.push(
        "oBrandNewFollower00000000001",
        json!({"MsgType": "event", "Event": "subscribe"}),
    )
    .await;
    let page = env.get("/cgi-bin/user/get").await;
    assert_eq!(page["total"], 20);
    let ids = openids(&page);
    assert!(!ids.contains(&before[3]));
    assert_eq!(ids.last().unwrap(), "oBrandNewFollower00000000001");
}

#[tokio::test]
async fn user_info_has_the_spec_shape() {
    let env = env().await;
    let openid = &env.followers(1).await[0];
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={openid}&lang=zh_CN"))
        .await;
    assert_fixture_shape(&info, "users", "info");
    assert_eq!(info["subscribe"], 1);
    assert_eq!(&info["openid"], openid.as_str());
    assert!(info["subscribe_time"].as_i64().unwrap() >= 1_577_836_800);
    for legacy in ["nickname", "sex", "headimgurl"] {
        assert!(info.get(legacy).is_none(), "{legacy} is no longer returned");
    }
}

#[tokio::test]
async fn profiles_are_the_same_for_the_same_seed() {
    let a = env_with(Sandbox::builder().followers(5).seed(4)).await;
    let b = env_with(Sandbox::builder().followers(5).seed(4)).await;
    let openid = &a.followers(5).await[4];
    let path = format!("/cgi-bin/user/info?openid={openid}");
    assert_eq!(a.get(&path).await, b.get(&path).await);
}

#[tokio::test]
async fn someone_who_left_has_only_subscribe_and_openid() {
    let env = env().await;
    let openid = &env.followers(1).await[0];
    env.push(openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={openid}"))
        .await;
    assert_fixture_shape(&info, "users", "info_unsubscribed");
    assert_eq!(info["subscribe"], 0);
}

#[tokio::test]
async fn user_info_of_an_unknown_openid_is_40003() {
    let env = env().await;
    let body = env
        .get("/cgi-bin/user/info?openid=oUnknownUnknownUnknownUnknown")
        .await;
    assert_errcode(&body, 40003);
}

#[tokio::test]
async fn user_info_without_openid_is_41009() {
    let env = env().await;
    assert_errcode(&env.get("/cgi-bin/user/info").await, 41009);
}

#[tokio::test]
async fn batchget_has_the_spec_shape() {
    let env = env().await;
    let ids = env.followers(2).await;
    let body = request(
        "users",
        "batchget",
        &[("OPENID1", json!(ids[0])), ("OPENID2", json!(ids[1]))],
    );
    let answer = env.post("/cgi-bin/user/info/batchget", &body).await;
    assert_fixture_shape(&answer, "users", "batchget");
    assert_eq!(answer["user_info_list"][1]["openid"], ids[1].as_str());
}

#[tokio::test]
async fn batchget_shows_someone_who_left_as_subscribe_0() {
    let env = env().await;
    let ids = env.followers(2).await;
    env.push(&ids[1], json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    let body = json!({"user_list": [{"openid": ids[0]}, {"openid": ids[1]}]});
    let answer = env.post("/cgi-bin/user/info/batchget", &body).await;
    assert_shape(
        &answer["user_info_list"][1],
        &fixture("users", "info_unsubscribed.response"),
        "left",
    );
}

#[tokio::test]
async fn batchget_of_more_than_100_is_40032() {
    let env = env_with(Sandbox::builder().followers(101)).await;
    let ids = env.followers(101).await;
    let list: Vec<Value> = ids.iter().map(|o| json!({"openid": o})).collect();
    let answer = env
        .post("/cgi-bin/user/info/batchget", &json!({"user_list": list}))
        .await;
    assert_errcode(&answer, 40032);
    let list: Vec<Value> = ids[..100].iter().map(|o| json!({"openid": o})).collect();
    let answer = env
        .post("/cgi-bin/user/info/batchget", &json!({"user_list": list}))
        .await;
    assert_eq!(answer["user_info_list"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn batchget_of_an_empty_list_is_40031() {
    let env = env().await;
    let answer = env
        .post("/cgi-bin/user/info/batchget", &json!({"user_list": []}))
        .await;
    assert_errcode(&answer, 40031);
}

#[tokio::test]
async fn batchget_with_an_unknown_openid_is_40003() {
    let env = env().await;
    let list = json!({"user_list": [{"openid": "oUnknownUnknownUnknownUnknown"}]});
    assert_errcode(&env.post("/cgi-bin/user/info/batchget", &list).await, 40003);
}

#[tokio::test]
async fn a_remark_is_kept_and_shown() {
    let env = env().await;
    let openid = &env.followers(1).await[0];
    let body = request("users", "updateremark", &[("OPENID", json!(openid))]);
    assert_ok(&env.post("/cgi-bin/user/info/updateremark", &body).await);
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={openid}"))
        .await;
    assert_eq!(info["remark"], "pangzi");
}

#[tokio::test]
async fn a_remark_must_be_shorter_than_30_characters() {
    let env = env().await;
    let openid = &env.followers(1).await[0];
    let ok = json!({"openid": openid, "remark": "备".repeat(29)});
    assert_ok(&env.post("/cgi-bin/user/info/updateremark", &ok).await);
    let long = json!({"openid": openid, "remark": "备".repeat(30)});
    assert_errcode(
        &env.post("/cgi-bin/user/info/updateremark", &long).await,
        47003,
    );
}

#[tokio::test]
async fn a_remark_for_someone_not_following_is_40003() {
    let env = env().await;
    let body = json!({"openid": "oUnknownUnknownUnknownUnknown", "remark": "x"});
    assert_errcode(
        &env.post("/cgi-bin/user/info/updateremark", &body).await,
        40003,
    );
}

#[tokio::test]
async fn a_million_followers_start_at_once_and_page_by_10000() {
    let started = std::time::Instant::now();
    let env = env_with(Sandbox::builder().followers(1_000_000).seed(5)).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let page = env.get("/cgi-bin/user/get").await;
    assert_eq!(page["total"], 1_000_000);
    assert_eq!(page["count"], 10_000);
    let (_, tail) = env
        .control_get("/sandbox/followers?limit=1&offset=999999")
        .await;
    let last = tail["openids"][0].as_str().unwrap();
    let end = env
        .get(&format!("/cgi-bin/user/get?next_openid={last}"))
        .await;
    assert_eq!(end["count"], 0);
    let info = env.get(&format!("/cgi-bin/user/info?openid={last}")).await;
    assert_eq!(info["subscribe"], 1);
}

#[tokio::test]
async fn latency_holds_every_answer_back_side_by_side_but_not_the_control_api() {
    let latency = std::time::Duration::from_millis(300);
    let env = env_with(Sandbox::builder().followers(3).latency(latency)).await;
    let started = std::time::Instant::now();
    let pages = tokio::join!(
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
        env.get("/cgi-bin/user/get"),
    );
    let pages = [
        pages.0, pages.1, pages.2, pages.3, pages.4, pages.5, pages.6, pages.7,
    ];
    let took = started.elapsed();
    assert!(pages.iter().all(|p| p["total"] == 3));
    // Each answer waited; eight of them waited together, not one after another (which
    // would take 2.4 s).
    assert!(took >= latency, "{took:?}");
    assert!(took < latency * 4, "{took:?}");
    let started = std::time::Instant::now();
    env.sandbox.control().followers(1, 0).await.unwrap();
    assert!(started.elapsed() < latency, "{:?}", started.elapsed());
}
