//! `get_current_autoreply_info` (api-reference-2 §7) and the control API that sets the rules in
//! place of the web console.

use serde_json::json;
use wxoa_sandbox::ControlError;

use crate::support::{assert_fixture_shape, env, fixture};

const PATH: &str = "/cgi-bin/get_current_autoreply_info";

#[tokio::test]
async fn a_fresh_account_has_both_switches_off_and_no_rule() {
    let env = env().await;
    assert_eq!(
        env.get(PATH).await,
        json!({"is_add_friend_reply_open": 0, "is_autoreply_open": 0,
               "keyword_autoreply_info": {"list": []}})
    );
}

#[tokio::test]
async fn rules_set_through_the_control_api_are_reported_in_the_spec_shape() {
    let env = env().await;
    let rules = fixture("autoreply", "get_current_autoreply_info.response");
    let set = env.control().set_autoreply(&rules).await.unwrap();
    assert_eq!(set, rules);
    let answer = env.get(PATH).await;
    assert_fixture_shape(&answer, "autoreply", "get_current_autoreply_info");
    assert_eq!(answer, rules);
    assert_eq!(env.control().autoreply().await.unwrap(), rules);
}

#[tokio::test]
async fn a_rule_without_create_time_is_dated_when_it_is_set() {
    let env = env().await;
    let rules = json!({"keyword_autoreply_info": {"list": [{"rule_name": "r",
        "reply_mode": "random_one",
        "keyword_list_info": [{"type": "text", "match_mode": "equal", "content": "hi"}],
        "reply_list_info": [{"type": "text", "content": "hello"}]}]}});
    env.control().set_autoreply(&rules).await.unwrap();
    let answer = env.get(PATH).await;
    assert_eq!(
        answer["keyword_autoreply_info"]["list"][0]["create_time"],
        env.sandbox.now()
    );
}

#[tokio::test]
async fn values_the_console_does_not_offer_are_refused_naming_the_field() {
    let env = env().await;
    let refused = env
        .control()
        .set_autoreply(&json!({"message_default_autoreply_info": {"type": "news"}}))
        .await;
    match refused {
        Err(ControlError::Refused {
            status, message, ..
        }) => {
            assert_eq!(status, 400);
            assert!(
                message.starts_with("message_default_autoreply_info"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let unknown_mode = json!({"keyword_autoreply_info": {"list": [{"rule_name": "r",
        "reply_mode": "all", "keyword_list_info": [{"match_mode": "equal", "content": "x"}]}]}});
    assert!(env.control().set_autoreply(&unknown_mode).await.is_err());
    assert_eq!(
        env.get(PATH).await["is_autoreply_open"],
        0,
        "nothing was set"
    );
}

#[tokio::test]
async fn each_account_has_its_own_rules() {
    let env = crate::support::env_with(
        wxoa_sandbox::Sandbox::builder().migrate_from("wx00000000000000aa"),
    )
    .await;
    env.control()
        .set_autoreply_of("wx00000000000000aa", &json!({"is_autoreply_open": 1}))
        .await
        .unwrap();
    assert_eq!(env.get(PATH).await["is_autoreply_open"], 0);
}
