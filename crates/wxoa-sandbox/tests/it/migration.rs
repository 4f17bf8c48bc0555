//! `changeopenid` (api-reference-2 §6) with an old account to migrate from: the answer's shape,
//! the deterministic mapping, and each refusal.

use serde_json::{Value, json};
use wxoa_sandbox::{MigrationRules, Sandbox};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env_with, request};

const OLD: &str = "wx00000000000000aa";
const PATH: &str = "/cgi-bin/changeopenid";

async fn migrated(followers: u32) -> Env {
    env_with(
        Sandbox::builder()
            .followers(followers)
            .seed(4)
            .migrate_from(OLD),
    )
    .await
}

async fn old_followers(env: &Env, n: usize) -> Vec<String> {
    let (_, body) = env
        .control_get(&format!("/sandbox/followers?app_id={OLD}&limit={n}"))
        .await;
    serde_json::from_value(body["openids"].clone()).unwrap()
}

async fn change(env: &Env, from: &str, openids: &[String]) -> Value {
    env.post(PATH, &json!({"from_appid": from, "openid_list": openids}))
        .await
}

#[tokio::test]
async fn the_answer_has_one_result_per_openid_in_the_spec_shape() {
    let env = migrated(1).await;
    let old = old_followers(&env, 1).await;
    let body = request(
        "migration",
        "changeopenid",
        &[
            ("FROM_APPID", json!(OLD)),
            ("OPENID1", json!(old[0])),
            ("OPENID2", json!("oNotAFollowerOfTheOldAccount")),
        ],
    );
    let answer = env.post(PATH, &body).await;
    assert_fixture_shape(&answer, "migration", "changeopenid");
    assert_eq!(answer["result_list"][0]["ori_openid"], old[0]);
    assert_eq!(answer["result_list"][1]["err_msg"], "ori_openid error");
}

#[tokio::test]
async fn follower_k_of_the_old_account_is_follower_k_of_the_new_one_every_time() {
    let env = migrated(3).await;
    let old = old_followers(&env, 3).await;
    let new = env.control().followers(3, 0).await.unwrap().openids;
    let body = change(&env, OLD, &old).await;
    for (i, result) in body["result_list"].as_array().unwrap().iter().enumerate() {
        assert_eq!(result["ori_openid"], old[i]);
        assert_eq!(result["new_openid"], new[i], "follower {i} keeps its place");
        assert_eq!(result["err_msg"], "ok");
    }
    assert_eq!(change(&env, OLD, &old).await, body);
    let again = migrated(3).await;
    assert_eq!(
        change(&again, OLD, &old).await["result_list"],
        body["result_list"]
    );
}

#[tokio::test]
async fn the_old_account_is_named_by_appid_or_original_id() {
    let env = migrated(1).await;
    let old = old_followers(&env, 1).await;
    let (_, accounts) = env.control_get("/sandbox/accounts").await;
    let original = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["app_id"] == OLD)
        .unwrap()["original_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        change(&env, &original, &old).await["result_list"][0]["err_msg"],
        "ok"
    );
}

#[tokio::test]
async fn someone_who_followed_the_old_account_late_is_moved_and_follows_the_new_one() {
    let env = migrated(0).await;
    let late = "oLateFollowerOfOldAccount000".to_owned();
    env.control()
        .push_to(
            OLD,
            &late,
            json!({"MsgType": "event", "Event": "subscribe"}),
        )
        .await
        .unwrap();
    let body = change(&env, OLD, std::slice::from_ref(&late)).await;
    let new = body["result_list"][0]["new_openid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(new.len(), 28);
    assert_ne!(new, late);
    let info = env.get(&format!("/cgi-bin/user/info?openid={new}")).await;
    assert_eq!(info["subscribe"], 1, "{info}");
    assert_eq!(
        change(&env, OLD, &[late]).await["result_list"][0]["new_openid"],
        new
    );
}

#[tokio::test]
async fn an_unknown_from_appid_is_63178() {
    let env = migrated(1).await;
    let old = old_followers(&env, 1).await;
    assert_errcode(&change(&env, "wx0000000000000bad", &old).await, 63178);
}

#[tokio::test]
async fn a_missing_from_appid_is_63178() {
    let env = migrated(1).await;
    assert_errcode(
        &env.post(PATH, &json!({"openid_list": ["o1"]})).await,
        63178,
    );
}

#[tokio::test]
async fn an_empty_openid_list_is_63182() {
    let env = migrated(1).await;
    assert_errcode(&change(&env, OLD, &[]).await, 63182);
}

#[tokio::test]
async fn more_than_100_openids_is_40032() {
    let env = migrated(1).await;
    let many: Vec<String> = (0..101).map(|i| format!("o{i:027}")).collect();
    assert_errcode(&change(&env, OLD, &many).await, 40032);
}

#[tokio::test]
async fn the_limit_and_its_code_are_configurable() {
    let rules = MigrationRules {
        max_openids: 2,
        over_limit_errcode: 47003,
        ..MigrationRules::default()
    };
    let env = env_with(Sandbox::builder().migrate_from(OLD).migration_rules(rules)).await;
    let three: Vec<String> = (0..3).map(|i| format!("o{i:027}")).collect();
    assert_errcode(&change(&env, OLD, &three).await, 47003);
}

#[tokio::test]
async fn after_15_days_there_is_no_migration_relation_63183() {
    let mut env = migrated(1).await;
    let old = old_followers(&env, 1).await;
    env.advance(15 * 86_400).await;
    env.refresh_token().await;
    assert_errcode(&change(&env, OLD, &old).await, 63183);
}

#[tokio::test]
async fn an_account_that_was_not_taken_over_is_63183() {
    let env = env_with(
        Sandbox::builder()
            .account(wxoa_sandbox::AccountConfig::default())
            .account(wxoa_sandbox::AccountConfig::derived(OLD)),
    )
    .await;
    assert_errcode(&change(&env, OLD, &["o1".to_owned()]).await, 63183);
}

#[tokio::test]
async fn an_account_cannot_migrate_from_itself() {
    let started = Sandbox::builder()
        .migrate_from(wxoa_sandbox::DEFAULT_APP_ID)
        .start()
        .await;
    assert!(matches!(
        started,
        Err(wxoa_sandbox::SandboxError::Config(
            wxoa_sandbox::ConfigError::MigrateFromItself { .. }
        ))
    ));
}
