//! `openapi/rid/get` (api-reference-2 §8): the request id of an error answer tells what
//! happened, for 7 days, to the account that made the call.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env, request};

const PATH: &str = "/cgi-bin/openapi/rid/get";

/// The request id at the end of an error's errmsg.
fn rid_of(error: &Value) -> String {
    error["errmsg"]
        .as_str()
        .unwrap()
        .rsplit(" rid: ")
        .next()
        .unwrap()
        .to_owned()
}

async fn failed_call(env: &Env) -> String {
    let error = env
        .post(
            "/cgi-bin/user/info/updateremark",
            &json!({"openid": "nobody", "remark": "x"}),
        )
        .await;
    assert_ne!(error["errcode"], 0);
    rid_of(&error)
}

#[tokio::test]
async fn the_rid_of_an_error_tells_the_call_and_its_answer() {
    let env = env().await;
    let rid = failed_call(&env).await;
    let body = request("misc", "rid_get", &[("RID", json!(rid))]);
    let answer = env.post(PATH, &body).await;
    assert_fixture_shape(&answer, "misc", "rid_get");
    let call = &answer["request"];
    assert_eq!(call["invoke_time"], env.sandbox.now());
    assert!(
        call["request_url"]
            .as_str()
            .unwrap()
            .contains("access_token=***")
    );
    assert!(!call["request_url"].as_str().unwrap().contains(&env.token));
    assert!(call["request_body"].as_str().unwrap().contains("nobody"));
    assert!(call["response_body"].as_str().unwrap().contains(&rid));
    assert_eq!(call["client_ip"], "127.0.0.1");
}

#[tokio::test]
async fn an_empty_rid_is_76002() {
    let env = env().await;
    assert_errcode(&env.post(PATH, &json!({})).await, 76002);
}

#[tokio::test]
async fn a_malformed_rid_is_76002() {
    let env = env().await;
    assert_errcode(&env.post(PATH, &json!({"rid": "not-a-rid"})).await, 76002);
}

#[tokio::test]
async fn an_unknown_rid_is_76001() {
    let env = env().await;
    assert_errcode(
        &env.post(PATH, &json!({"rid": "00000000-00000000-00000000"}))
            .await,
        76001,
    );
}

#[tokio::test]
async fn another_accounts_rid_is_76003() {
    let env = env().await;
    // A call without a valid token belongs to no account.
    let error: Value = crate::support::json_of(
        env.http
            .post(env.url("/cgi-bin/user/info/updateremark?access_token=bad"))
            .json(&json!({})),
    )
    .await;
    assert_errcode(
        &env.post(PATH, &json!({"rid": rid_of(&error)})).await,
        76003,
    );
}

#[tokio::test]
async fn a_rid_older_than_7_days_is_76004() {
    let mut env = env().await;
    let rid = failed_call(&env).await;
    env.advance(7 * 86_400).await;
    env.refresh_token().await;
    assert_errcode(&env.post(PATH, &json!({"rid": rid})).await, 76004);
}
