//! `--state FILE`: the state survives a restart.

use serde_json::json;
use wxoa_sandbox::Sandbox;

use crate::support::{Env, assert_errcode, client, env_with};

#[tokio::test]
async fn the_state_file_keeps_everything_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let env = env_with(Sandbox::builder().followers(30).seed(3).state_file(&path)).await;
    let followers = env.followers(30).await;
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "vip"}}))
        .await;
    let remark = json!({"openid": followers[4], "remark": "老客户"});
    env.post("/cgi-bin/user/info/updateremark", &remark).await;
    env.push(
        &followers[0],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    env.push(
        "oNewFollower0000000000000001",
        json!({"MsgType": "text", "Content": "hi"}),
    )
    .await;
    env.advance(1000).await;
    let token = env.token.clone();
    let now = env.sandbox.now();
    env.sandbox.shutdown().await.unwrap();
    assert!(path.exists());

    let sandbox = Sandbox::builder()
        .followers(5)
        .seed(99)
        .state_file(&path)
        .start()
        .await
        .unwrap();
    let env = Env {
        sandbox,
        http: client(),
        token,
    };
    assert!(env.sandbox.now() >= now, "the clock offset is kept");
    let tags = env.get("/cgi-bin/tags/get").await;
    assert_eq!(tags["tags"][1]["name"], "vip");
    assert_eq!(tags["tags"][1]["id"], tag["tag"]["id"]);
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={}", followers[4]))
        .await;
    assert_eq!(info["remark"], "老客户");
    let list = env.get("/cgi-bin/user/get").await;
    assert_eq!(list["total"], 30, "29 synthetic followers and the new one");
    assert_eq!(list["data"]["openid"][29], "oNewFollower0000000000000001");
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={}", followers[0]))
        .await;
    assert_eq!(info["subscribe"], 0);
    env.sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    std::fs::write(&path, b"{not a state").unwrap();
    let error = Sandbox::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not a sandbox state"), "{error}");
}

#[tokio::test]
async fn tokens_issued_before_a_restart_still_answer_by_their_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let env = env_with(Sandbox::builder().state_file(&path)).await;
    let token = env.token.clone();
    env.sandbox.shutdown().await.unwrap();
    let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
    let env = Env {
        sandbox,
        http: client(),
        token,
    };
    assert!(
        env.get("/cgi-bin/getcallbackip")
            .await
            .get("ip_list")
            .is_some()
    );
    env.advance(7200).await;
    assert_errcode(&env.get("/cgi-bin/getcallbackip").await, 42001);
}

/// The state file keeps the layout earlier versions wrote (one object per account with every
/// area's fields side by side), so a file written before the platform model was split by area
/// still loads: moving an area's fields into a nested object would break this test first.
#[tokio::test]
async fn the_state_file_keeps_the_layout_older_versions_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let env = env_with(Sandbox::builder().followers(3).seed(5).state_file(&path)).await;
    env.sandbox.shutdown().await.unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let keys = |value: &serde_json::Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&saved), ["clock_offset", "state", "version"]);
    assert_eq!(saved["version"], 1);
    assert_eq!(keys(&saved["state"]), ["accounts", "tokens"]);
    let mut expected = [
        "app_id",
        "secret",
        "original_id",
        "seed",
        "followers",
        "people",
        "blacklist",
        "tags",
        "next_tag_id",
        "groups",
        "next_group_id",
        "menu",
        "conditional_menus",
        "next_menu_id",
        "industry",
        "templates",
        "template_sends",
        "mass",
        "short_keys",
        "agents",
        "cards",
        "card_codes",
        "kf",
        "quota",
        "classic_token",
        "stable",
        "tickets",
        "inboxes",
        "qrcodes",
        "media",
        "materials",
        "oauth",
        "publish",
        "next_msg_id",
        "next_seq",
    ];
    expected.sort_unstable();
    assert_eq!(keys(&saved["state"]["accounts"][0]), expected);
    assert_eq!(
        keys(&saved["state"]["accounts"][0]["kf"]),
        ["last_record", "records", "sessions", "waiting"]
    );
    assert_eq!(
        keys(&saved["state"]["accounts"][0]["mass"]),
        ["client_ids", "day", "jobs", "speed", "today"]
    );
}
