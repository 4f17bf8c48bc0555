//! `--state FILE`: the state survives a restart.

use serde_json::json;
use wxoa_sandbox::{ClockProblem, Sandbox, SandboxError};

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

/// New state files are version 2: each account's data nested by area.
#[tokio::test]
async fn new_state_files_are_version_2_nested_by_area() {
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
    assert_eq!(saved["version"], 2);
    assert_eq!(keys(&saved["state"]), ["accounts", "tokens"]);
    let account = &saved["state"]["accounts"][0];
    let mut expected = [
        "app_id",
        "secret",
        "original_id",
        "seed",
        "audience",
        "tags",
        "groups",
        "menus",
        "templates",
        "mass",
        "short_keys",
        "kf",
        "cards",
        "tokens",
        "inboxes",
        "qrcodes",
        "media",
        "oauth",
        "publish",
        "subscriptions",
        "comments",
        "analytics",
        "autoreply",
        "marketing",
        "cv",
        "ids",
    ];
    expected.sort_unstable();
    assert_eq!(keys(account), expected);
    assert_eq!(
        keys(&account["audience"]),
        ["blacklist", "followers", "people"]
    );
    assert_eq!(keys(&account["tags"]), ["by_id", "next_id"]);
    assert_eq!(account["tags"]["by_id"]["2"]["name"], "星标组");
    assert_eq!(keys(&account["groups"]), ["by_id", "next_id"]);
    assert_eq!(
        keys(&account["menus"]),
        ["conditional", "default", "next_id"]
    );
    assert_eq!(keys(&account["templates"]), ["industry", "list", "sends"]);
    assert_eq!(
        keys(&account["kf"]),
        ["agents", "last_record", "records", "sessions", "waiting"]
    );
    assert_eq!(
        keys(&account["cards"]),
        [
            "activations",
            "by_id",
            "codes",
            "deposited",
            "forms",
            "landing_pages",
            "whitelist"
        ]
    );
    assert_eq!(
        keys(&account["tokens"]),
        ["classic_token", "quota", "stable", "tickets"]
    );
    assert_eq!(keys(&account["media"]), ["permanent", "temporary"]);
    assert_eq!(keys(&account["ids"]), ["msg_id", "seq"]);
    assert_eq!(keys(&account["comments"]), ["articles"]);
    assert_eq!(
        keys(&account["mass"]),
        ["client_ids", "day", "jobs", "speed", "today"]
    );
}

/// A copy of `fixtures/sandbox/state-v1.json`, a version-1 file (every area's fields side by
/// side in the account) that the sandbox wrote before the state was nested by area.
fn version_1_file(dir: &std::path::Path) -> std::path::PathBuf {
    let fixture = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/sandbox/state-v1.json");
    let path = dir.join("sandbox.json");
    std::fs::copy(fixture, &path).unwrap();
    path
}

/// A version-1 file loads with every area's data in place, answers the API as before, and is
/// written back as version 2. (Only what does not expire is asked: the file's clock has moved
/// on since it was written.)
#[tokio::test]
async fn a_version_1_state_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = version_1_file(dir.path());
    let env = env_with(Sandbox::builder().followers(3).seed(5).state_file(&path)).await;
    let followers = env.followers(3).await;

    let tags = env.get("/cgi-bin/tags/get").await;
    assert_eq!(
        tags["tags"][1],
        json!({"id": 100, "name": "vip", "count": 1})
    );
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={}", followers[0]))
        .await;
    assert_eq!(info["remark"], "alice");
    assert_eq!(info["tagid_list"], json!([100]));
    let group = env
        .post("/cgi-bin/groups/getid", &json!({"openid": followers[1]}))
        .await;
    assert_eq!(group["groupid"], 100);
    let blacklist = env
        .post("/cgi-bin/tags/members/getblacklist", &json!({}))
        .await;
    assert_eq!(blacklist["data"]["openid"], json!([followers[2]]));
    let menu = env.get("/cgi-bin/menu/get").await;
    assert_eq!(menu["menu"]["button"][0]["key"], "HI");
    assert_eq!(menu["conditionalmenu"][0]["menuid"], 400_000_002);
    let industry = env.get("/cgi-bin/template/get_industry").await;
    assert_eq!(
        industry["primary_industry"]["second_class"],
        "互联网|电子商务"
    );
    let templates = env.get("/cgi-bin/template/get_all_private_template").await;
    let template = templates["template_list"][0]["template_id"].clone();
    assert!(template.is_string(), "{templates}");
    let resend =
        json!({"touser": followers[0], "template_id": template, "client_msg_id": "c1", "data": {}});
    let sent = env.post("/cgi-bin/message/template/send", &resend).await;
    assert_eq!(
        sent["msgid"], 24_000_000_000_000_001_u64,
        "the send is remembered"
    );
    let agents = env.get("/cgi-bin/customservice/getkflist").await;
    assert_eq!(agents["kf_list"][0]["kf_account"], "a1@test");
    let session = env
        .get(&format!(
            "/customservice/kfsession/getsession?openid={}",
            followers[0]
        ))
        .await;
    assert_eq!(session["kf_account"], "a1@test");
    let cards = env
        .post("/card/batchget", &json!({"offset": 0, "count": 10}))
        .await;
    assert_eq!(
        cards["card_id_list"],
        json!(["pbTnN4f-StR5netO48FKP2XF-7f4"])
    );
    let code = env
        .post("/card/code/get", &json!({"code": "194108531702"}))
        .await;
    assert_eq!(code["openid"], followers[1].as_str());
    let materials = env.get("/cgi-bin/material/get_materialcount").await;
    assert_eq!(materials["image_count"], 1);
    let drafts = env.get("/cgi-bin/draft/count").await;
    assert_eq!(drafts["total_count"], 2);
    let mass = env
        .post(
            "/cgi-bin/message/mass/get",
            &json!({"msg_id": 24_000_000_000_000_003_u64}),
        )
        .await;
    assert_eq!(mass["msg_status"], "SEND_SUCCESS");
    let inbox = env.get(&format!("/sandbox/inbox/{}", followers[0])).await;
    let kinds: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["template", "custom", "mass"], "{inbox}");
    let qrcodes = env.get("/sandbox/qrcodes").await;
    let card_code = |c: &serde_json::Value| c["cards"] == json!(["pbTnN4f-StR5netO48FKP2XF-7f4"]);
    assert!(
        qrcodes.as_array().unwrap().iter().any(card_code),
        "{qrcodes}"
    );
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "new"}}))
        .await;
    assert_eq!(tag["tag"]["id"], 101, "the next ids are kept");
    let group = env
        .post("/cgi-bin/groups/create", &json!({"group": {"name": "new"}}))
        .await;
    assert_eq!(group["group"]["id"], 101);

    env.sandbox.shutdown().await.unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["version"], 2, "written back in the new layout");
}

/// A file from a newer sandbox is refused with the version it has, not misread.
#[tokio::test]
async fn a_state_file_of_an_unknown_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = version_1_file(dir.path());
    let error = start_with_changed(&path, "version", json!(3)).await;
    assert!(
        matches!(
            error,
            SandboxError::StateVersion {
                found: 3,
                reads: 2,
                ..
            }
        ),
        "{error}"
    );
}

/// A file whose clock runs behind real time is refused naming the offset and why.
#[tokio::test]
async fn a_state_file_with_a_clock_behind_real_time_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    Sandbox::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap()
        .shutdown()
        .await
        .unwrap();
    let error = start_with_changed(&path, "clock_offset", json!(-5)).await;
    assert!(
        matches!(
            error,
            SandboxError::StateClock {
                offset: -5,
                problem: ClockProblem::Behind,
                ..
            }
        ),
        "{error}"
    );
}

/// The error of starting a sandbox on the state file `path` once its member `key` is `value`.
async fn start_with_changed(
    path: &std::path::Path,
    key: &str,
    value: serde_json::Value,
) -> SandboxError {
    let mut saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    saved[key] = value;
    std::fs::write(path, serde_json::to_vec(&saved).unwrap()).unwrap();
    Sandbox::builder()
        .state_file(path)
        .start()
        .await
        .unwrap_err()
}
