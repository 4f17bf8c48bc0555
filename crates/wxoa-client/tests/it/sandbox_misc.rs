//! `client.misc()` against the sandbox (api-reference §2): the platform's IP lists, the
//! callback check, `clear_quota` resetting a used-up quota, `openapi/quota/get` and
//! `openapi/quota/clear` (the
//! stub contracts are in `misc.rs`).

use wxoa_client::api::misc::{CheckAction, Operator};
use wxoa_sandbox::{Quotas, Sandbox};

use crate::sandbox_env::{env, env_with, errcode, request_fixture};

const IPS: &str = "/cgi-bin/getcallbackip";

#[tokio::test]
async fn the_ip_lists_are_the_sandboxs() {
    let env = env(1).await;
    assert_eq!(
        env.client.misc().callback_ips().await.unwrap(),
        ["127.0.0.1"]
    );
    assert_eq!(
        env.client.misc().api_domain_ips().await.unwrap(),
        ["127.0.0.1"]
    );
}

#[tokio::test]
async fn the_callback_check_reports_dns_and_ping() {
    let env = env(1).await;
    let report = env
        .client
        .misc()
        .callback_check()
        .action(CheckAction::All)
        .operator(Operator::Chinanet)
        .await
        .unwrap();
    assert_eq!(report.dns.len(), 1);
    assert_eq!(report.ping.len(), 1);
    assert_eq!(report.dns[0].ip, "127.0.0.1");
    let body = env.last_body("/cgi-bin/callback/check").await;
    assert_eq!(body["check_operator"], "CHINANET");
}

#[tokio::test]
async fn clear_quota_resets_a_used_up_quota_then_is_48006() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .quotas(Quotas::default().set(IPS, 2))
            .clear_quota_per_month(1),
    )
    .await;
    let misc = env.client.misc();
    misc.callback_ips().await.unwrap();
    misc.callback_ips().await.unwrap();
    assert_eq!(errcode(misc.callback_ips().await), 45009);
    misc.clear_quota().await.unwrap();
    let body = env.last_body("/cgi-bin/clear_quota").await;
    assert_eq!(body["appid"], wxoa_sandbox::DEFAULT_APP_ID);
    misc.callback_ips().await.unwrap();
    assert_eq!(errcode(misc.clear_quota().await), 48006);
}

#[tokio::test]
async fn a_quota_resets_the_next_day() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .quotas(Quotas::default().set(IPS, 1)),
    )
    .await;
    env.client.misc().callback_ips().await.unwrap();
    assert_eq!(errcode(env.client.misc().callback_ips().await), 45009);
    env.advance(24 * 3600).await;
    env.client.misc().callback_ips().await.unwrap();
}

#[tokio::test]
async fn quota_get_reports_the_days_use_of_an_api() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .quotas(Quotas::default().set(IPS, 5)),
    )
    .await;
    env.client.misc().callback_ips().await.unwrap();
    env.client.misc().callback_ips().await.unwrap();
    let quota = env.client.misc().quota(IPS).await.unwrap();
    assert_eq!((quota.daily_limit, quota.used, quota.remain), (5, 2, 3));
    assert_eq!(
        env.last_body("/cgi-bin/openapi/quota/get").await["cgi_path"],
        IPS
    );
    env.client.misc().clear_quota().await.unwrap();
    let quota = env.client.misc().quota(IPS).await.unwrap();
    assert_eq!((quota.used, quota.remain), (0, 5));
}

#[tokio::test]
async fn quota_get_of_an_api_without_a_quota_is_76021() {
    let env = env_with(Sandbox::builder().followers(1).quotas(Quotas::unlimited())).await;
    assert_eq!(errcode(env.client.misc().quota(IPS).await), 76021);
}

#[tokio::test]
async fn clear_api_quota_makes_a_used_up_api_callable_again() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .quotas(Quotas::default().set(IPS, 1)),
    )
    .await;
    let misc = env.client.misc();
    misc.callback_ips().await.unwrap();
    assert_eq!(errcode(misc.callback_ips().await), 45009);
    misc.clear_api_quota(IPS).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/openapi/quota/clear").await,
        request_fixture(
            "misc",
            "quota_clear",
            &[("CGI_PATH", serde_json::json!(IPS))]
        )
    );
    misc.callback_ips().await.unwrap();
}

#[tokio::test]
async fn clear_api_quota_of_an_sns_path_is_76022() {
    let env = env(1).await;
    let result = env.client.misc().clear_api_quota("/sns/userinfo").await;
    assert_eq!(errcode(result), 76022);
}

#[tokio::test]
async fn clear_api_quota_of_an_api_without_a_quota_is_76021() {
    let env = env_with(Sandbox::builder().followers(1).quotas(Quotas::unlimited())).await;
    assert_eq!(errcode(env.client.misc().clear_api_quota(IPS).await), 76021);
}

#[tokio::test]
async fn clear_api_quota_of_a_path_with_its_host_never_leaves() {
    let env = env(1).await;
    let result = env
        .client
        .misc()
        .clear_api_quota("https://api.weixin.qq.com/cgi-bin/getcallbackip")
        .await;
    assert!(crate::sandbox_env::refused(result).contains("cgi_path"));
    assert!(env.calls("/cgi-bin/openapi/quota/clear").await.is_empty());
}
