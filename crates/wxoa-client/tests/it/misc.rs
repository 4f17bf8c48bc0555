//! `client.misc()` (api-reference §2, and `openapi/quota/get` from public SDKs) against the
//! stub platform.

use serde_json::json;
use wxoa_client::api::misc::{CheckAction, Operator};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::contract_env::{contract, platform_error, refused_locally, request_fixture};

const CALLBACK_IP: &str = "/cgi-bin/getcallbackip";
const DOMAIN_IP: &str = "/cgi-bin/get_api_domain_ip";
const CHECK: &str = "/cgi-bin/callback/check";
const CLEAR: &str = "/cgi-bin/clear_quota";
const QUOTA: &str = "/cgi-bin/openapi/quota/get";

#[tokio::test]
async fn callback_ips_are_read_with_a_get() {
    let env = contract().await;
    env.answer_fixture(CALLBACK_IP, "misc", "ip_list").await;
    let ips = env.client.misc().callback_ips().await.unwrap();
    assert_eq!(ips, ["101.89.47.18"]);
    let request = env.last(CALLBACK_IP);
    assert_eq!(request.method, "GET");
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn api_domain_ips_are_read_with_a_get() {
    let env = contract().await;
    env.answer_fixture(DOMAIN_IP, "misc", "ip_list").await;
    let ips = env.client.misc().api_domain_ips().await.unwrap();
    assert_eq!(ips, ["101.89.47.18"]);
    assert_eq!(env.last(DOMAIN_IP).method, "GET");
}

#[tokio::test]
async fn ip_lists_are_retried_as_reads() {
    let env = contract().await;
    // Faults apply in the order given: the errcode first, then the fixture for every call.
    env.fail_next(DOMAIN_IP, -1).await;
    env.answer_fixture(DOMAIN_IP, "misc", "ip_list").await;
    assert_eq!(env.client.misc().api_domain_ips().await.unwrap().len(), 1);
    assert_eq!(env.calls(DOMAIN_IP).await, 2);
}

#[tokio::test]
async fn callback_check_sends_the_spec_body_and_reads_the_report() {
    let env = contract().await;
    env.answer_fixture(CHECK, "misc", "callback_check").await;
    let report = env.client.misc().callback_check().await.unwrap();
    assert_eq!(
        env.last_json(CHECK),
        request_fixture("misc", "callback_check", &[])
    );
    assert_eq!(report.dns[0].ip, "101.89.47.18");
    assert_eq!(report.dns[0].real_operator, Some(Operator::Unicom));
    assert_eq!(report.ping[0].package_loss, "0%");
    assert_eq!(report.ping[0].time, "23.3ms");
}

#[tokio::test]
async fn callback_check_takes_an_action_and_an_operator() {
    let env = contract().await;
    env.answer(CHECK, json!({"dns": [], "ping": []})).await;
    env.client
        .misc()
        .callback_check()
        .action(CheckAction::Ping)
        .operator(Operator::Chinanet)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CHECK),
        json!({"action": "ping", "check_operator": "CHINANET"})
    );
}

refused_locally!(
    callback_check_refuses_an_unknown_action,
    CHECK,
    ("action", "all, dns or ping"),
    |client| client
        .misc()
        .callback_check()
        .action(CheckAction::from("trace"))
);

refused_locally!(
    callback_check_refuses_an_unknown_operator,
    CHECK,
    ("check_operator", "CHINANET, UNICOM, CAP or DEFAULT"),
    |client| client
        .misc()
        .callback_check()
        .operator(Operator::from("MOBILE"))
);

#[tokio::test]
async fn clear_quota_sends_the_account_appid_once() {
    let env = contract().await;
    env.client.misc().clear_quota().await.unwrap();
    assert_eq!(
        env.last_json(CLEAR),
        request_fixture("misc", "clear_quota", &[("APPID", json!(DEFAULT_APP_ID))])
    );
}

#[tokio::test]
async fn clear_quota_is_never_repeated_after_a_lost_answer() {
    let env = contract().await;
    env.platform
        .control()
        .faults()
        .drop(CLEAR, 1)
        .await
        .unwrap();
    let error = env.client.misc().clear_quota().await.unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(CLEAR).await, 1);
}

platform_error!(clear_quota_used_up_is_48006, CLEAR, 48006, |client| client
    .misc()
    .clear_quota());

#[tokio::test]
async fn quota_of_an_api_path() {
    let env = contract().await;
    env.answer_fixture(QUOTA, "misc", "quota_get").await;
    let quota = env
        .client
        .misc()
        .quota("/cgi-bin/message/custom/send")
        .await
        .unwrap();
    assert_eq!(
        (quota.daily_limit, quota.used, quota.remain),
        (500000, 12, 499988)
    );
    assert_eq!(
        env.last_json(QUOTA),
        request_fixture(
            "misc",
            "quota_get",
            &[("CGI_PATH", json!("/cgi-bin/message/custom/send"))]
        )
    );
}

#[tokio::test]
async fn quota_numbers_may_arrive_as_strings() {
    let env = contract().await;
    env.answer(
        QUOTA,
        json!({"errcode": 0, "errmsg": "ok", "quota": {"daily_limit": "100", "used": "1", "remain": "99", "new": true}}),
    ).await;
    let quota = env.client.misc().quota("/cgi-bin/user/get").await.unwrap();
    assert_eq!((quota.daily_limit, quota.remain), (100, 99));
    assert_eq!(quota.extra["new"], json!(true));
}

refused_locally!(
    quota_needs_an_api_path,
    QUOTA,
    ("cgi_path", "must be an API path"),
    |client| client.misc().quota("cgi-bin/user/get")
);

refused_locally!(
    quota_needs_a_non_empty_path,
    QUOTA,
    ("cgi_path", "must not be empty"),
    |client| client.misc().quota("")
);

platform_error!(quota_of_an_unknown_path_is_76021, QUOTA, 76021, |client| {
    client.misc().quota("/cgi-bin/nothing")
});

platform_error!(
    quota_of_a_path_without_permission_is_76022,
    QUOTA,
    76022,
    |client| client.misc().quota("/cgi-bin/message/custom/send")
);
