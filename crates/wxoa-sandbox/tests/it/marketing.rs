//! Marketing conversions (api-reference-2 §9): user-action sets and conversions reported to
//! them, with the sandbox's refusals (47003 naming the field; the spec confirms no code).

use serde_json::{Value, json};
use wxoa_sandbox::{MarketingRules, Sandbox};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env, env_with, request};

const ADD_SET: &str = "/marketing/user_action_sets/add?version=v1.0";
const GET_SETS: &str = "/marketing/user_action_sets/get?version=v1.0";
const ADD_ACTIONS: &str = "/marketing/user_actions/add?version=v1.0";

async fn new_set(env: &Env) -> u64 {
    let body = request(
        "marketing",
        "user_action_sets_add",
        &[
            ("NAME", json!("shop")),
            ("DESCRIPTION", json!("conversions of the shop")),
        ],
    );
    let answer = env.post(ADD_SET, &body).await;
    assert_fixture_shape(&answer, "marketing", "user_action_sets_add");
    answer["data"]["user_action_set_id"].as_u64().unwrap()
}

fn actions(env: &Env, set: Value) -> Value {
    request(
        "marketing",
        "user_actions_add",
        &[
            ("SET_ID", set),
            ("APPID", json!(env.sandbox.app_id())),
            ("OPENID", json!("oUser")),
        ],
    )
}

#[tokio::test]
async fn a_set_is_made_listed_and_activated_by_a_conversion() {
    let env = env().await;
    let id = new_set(&env).await;
    let listed = env
        .get(&format!("{GET_SETS}&user_action_set_id={id}"))
        .await;
    assert_fixture_shape(&listed, "marketing", "user_action_sets_get");
    assert_eq!(listed["data"]["list"][0]["activate_status"], false);
    let reported = env.post(ADD_ACTIONS, &actions(&env, json!(id))).await;
    assert_fixture_shape(&reported, "marketing", "user_actions_add");
    let all = env.get(GET_SETS).await;
    assert_eq!(all["data"]["list"][0]["activate_status"], true);
    assert_eq!(all["data"]["list"][0]["name"], "shop");
    let second = new_set(&env).await;
    assert_eq!(second, id + 1);
}

#[tokio::test]
async fn a_call_without_the_version_is_47003() {
    let env = env().await;
    let answer = env.get("/marketing/user_action_sets/get").await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("version"));
}

#[tokio::test]
async fn an_unknown_set_type_is_47003() {
    let env = env().await;
    assert_errcode(
        &env.post(ADD_SET, &json!({"type": "TV", "name": "x"})).await,
        47003,
    );
}

#[tokio::test]
async fn a_set_without_a_name_is_47003() {
    let env = env().await;
    assert_errcode(&env.post(ADD_SET, &json!({"type": "WEB"})).await, 47003);
}

#[tokio::test]
async fn a_description_over_128_bytes_is_47003() {
    let env = env().await;
    let body = json!({"type": "WEB", "name": "x", "description": "描".repeat(43)});
    assert_errcode(&env.post(ADD_SET, &body).await, 47003);
}

#[tokio::test]
async fn an_app_set_without_its_mobile_app_id_is_47003() {
    let env = env().await;
    assert_errcode(
        &env.post(ADD_SET, &json!({"type": "IOS", "name": "x"}))
            .await,
        47003,
    );
    let ok = env
        .post(
            ADD_SET,
            &json!({"type": "IOS", "name": "x", "mobile_app_id": "123"}),
        )
        .await;
    assert_eq!(ok["errcode"], 0);
}

#[tokio::test]
async fn listing_an_unknown_set_is_47003() {
    let env = env().await;
    assert_errcode(
        &env.get(&format!("{GET_SETS}&user_action_set_id=1")).await,
        47003,
    );
}

#[tokio::test]
async fn empty_actions_are_47003() {
    let env = env().await;
    assert_errcode(&env.post(ADD_ACTIONS, &json!({"actions": []})).await, 47003);
}

#[tokio::test]
async fn an_action_for_an_unknown_set_is_47003_and_nothing_is_reported() {
    let env = env().await;
    let id = new_set(&env).await;
    let mut body = actions(&env, json!(id));
    let mut bad = body["actions"][0].clone();
    bad["user_action_set_id"] = json!(id + 100);
    body["actions"].as_array_mut().unwrap().push(bad);
    let answer = env.post(ADD_ACTIONS, &body).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("actions[1].user_action_set_id")
    );
    assert_eq!(
        env.get(GET_SETS).await["data"]["list"][0]["activate_status"],
        false
    );
}

#[tokio::test]
async fn an_action_without_its_follower_is_47003() {
    let env = env().await;
    let id = new_set(&env).await;
    let mut body = actions(&env, json!(id));
    body["actions"][0]["user_id"] = json!({});
    assert_errcode(&env.post(ADD_ACTIONS, &body).await, 47003);
}

#[tokio::test]
async fn more_actions_than_the_limit_are_47003() {
    let env = env_with(Sandbox::builder().marketing_rules(MarketingRules { max_actions: 1 })).await;
    let id = new_set(&env).await;
    let mut body = actions(&env, json!(id));
    let again = body["actions"][0].clone();
    body["actions"].as_array_mut().unwrap().push(again);
    assert_errcode(&env.post(ADD_ACTIONS, &body).await, 47003);
}
