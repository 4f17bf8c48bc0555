//! Customer-service sessions and the message record (api-reference-2 §5), each refusal in its
//! own test: an unknown agent (65401), an agent not bound to a WeChat id (65402) or not online
//! (65415, and then not listed online) — both set through `POST /sandbox/kf-agent` —, a
//! follower served by another agent (65414), closing without a session (65413), an unknown
//! follower (40003), a record query's parameters (65416) and span (65417).

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_ok, env, request};

const CREATE: &str = "/customservice/kfsession/create";
const CLOSE: &str = "/customservice/kfsession/close";
const RECORDS: &str = "/customservice/msgrecord/getmsglist";

/// A sandbox with agents `a1@test` and `a2@test`, and a follower.
async fn with_agents() -> (Env, String) {
    let env = env().await;
    for name in ["a1@test", "a2@test"] {
        let body = json!({"kf_account": name, "nickname": "客服"});
        assert_ok(&env.post("/customservice/kfaccount/add", &body).await);
    }
    let openid = env.followers(1).await.remove(0);
    (env, openid)
}

fn session(agent: &str, openid: &str) -> Value {
    let values = [("KF_ACCOUNT", json!(agent)), ("OPENID1", json!(openid))];
    request("kf", "kfsession_create", &values)
}

#[tokio::test]
async fn a_session_with_an_unknown_agent_is_65401() {
    let (env, openid) = with_agents().await;
    let body = env.post(CREATE, &session("nobody@test", &openid)).await;
    assert_errcode(&body, 65401);
}

#[tokio::test]
async fn a_session_with_an_agent_not_bound_to_a_wechat_id_is_65402() {
    let (env, openid) = with_agents().await;
    env.control()
        .kf_agent("a1@test", Some(false), None)
        .await
        .unwrap();
    assert_errcode(&env.post(CREATE, &session("a1@test", &openid)).await, 65402);
    env.control()
        .kf_agent("a1@test", Some(true), None)
        .await
        .unwrap();
    assert_ok(&env.post(CREATE, &session("a1@test", &openid)).await);
}

#[tokio::test]
async fn a_session_with_an_agent_offline_is_65415() {
    let (env, openid) = with_agents().await;
    env.control()
        .kf_agent("a2@test", None, Some(false))
        .await
        .unwrap();
    assert_errcode(&env.post(CREATE, &session("a2@test", &openid)).await, 65415);
    let online = env.get("/cgi-bin/customservice/getonlinekflist").await;
    let listed: Vec<&Value> = online["kf_online_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["kf_account"])
        .collect();
    assert_eq!(listed, [&json!("a1@test")]);
}

#[tokio::test]
async fn the_state_of_an_unknown_agent_cannot_be_set() {
    let (env, _) = with_agents().await;
    let refused = env
        .control()
        .kf_agent("nobody@test", Some(false), None)
        .await;
    assert!(refused.unwrap_err().to_string().contains("404"));
}

#[tokio::test]
async fn a_follower_served_by_another_agent_is_65414() {
    let (env, openid) = with_agents().await;
    assert_ok(&env.post(CREATE, &session("a1@test", &openid)).await);
    assert_errcode(&env.post(CREATE, &session("a2@test", &openid)).await, 65414);
}

#[tokio::test]
async fn closing_without_a_session_is_65413() {
    let (env, openid) = with_agents().await;
    let close = request(
        "kf",
        "kfsession_close",
        &[("KF_ACCOUNT", json!("a1@test")), ("OPENID1", json!(openid))],
    );
    assert_errcode(&env.post(CLOSE, &close).await, 65413);
}

#[tokio::test]
async fn a_session_with_an_unknown_follower_is_40003() {
    let (env, _) = with_agents().await;
    let body = session("a1@test", "oStranger000000000000000000");
    assert_errcode(&env.post(CREATE, &body).await, 40003);
}

/// A record query over the hour before now.
fn records(env: &Env) -> Value {
    let now = env.sandbox.now();
    json!({"starttime": now - 3_600, "endtime": now, "msgid": 1, "number": 10})
}

#[tokio::test]
async fn a_record_query_of_no_records_is_65416() {
    let env = env().await;
    let mut body = records(&env);
    body["number"] = json!(0);
    assert_errcode(&env.post(RECORDS, &body).await, 65416);
}

#[tokio::test]
async fn a_record_query_of_more_than_10000_records_is_65416() {
    let env = env().await;
    let mut body = records(&env);
    body["number"] = json!(10_001);
    assert_errcode(&env.post(RECORDS, &body).await, 65416);
}

#[tokio::test]
async fn a_record_query_ending_before_it_starts_is_65416() {
    let env = env().await;
    let mut body = records(&env);
    body["endtime"] = body["starttime"].as_i64().map(|s| s - 1).into();
    assert_errcode(&env.post(RECORDS, &body).await, 65416);
}

#[tokio::test]
async fn a_record_query_over_24_hours_is_65417() {
    let env = env().await;
    let mut body = records(&env);
    body["starttime"] = body["endtime"].as_i64().map(|e| e - 86_401).into();
    assert_errcode(&env.post(RECORDS, &body).await, 65417);
}
