//! `client.jssdk()` against the sandbox (api-reference §16): tickets through the token
//! machinery, and the signatures made with them.

use wxoa_client::api::jssdk::{CardExt, JsSdkConfig};

use crate::sandbox_env::{env, errcode, refused};

const TICKET: &str = "/cgi-bin/ticket/getticket";

#[tokio::test]
async fn config_signs_the_page_without_its_fragment_with_the_cached_ticket() {
    let env = env(0).await;
    let jssdk = env.client.jssdk();
    let config = jssdk
        .config("https://example.com/page?id=1#section")
        .timestamp(1_700_000_000)
        .nonce("Wm3WZYTPz0wzccnW")
        .await
        .unwrap();
    let ticket = jssdk.jsapi_ticket().await.unwrap();
    assert_eq!(config.url, "https://example.com/page?id=1");
    assert_eq!(config.app_id, env.sandbox.app_id());
    let expected = wxoa_crypto::jssdk_signature(
        ticket.expose(),
        "Wm3WZYTPz0wzccnW",
        "1700000000",
        "https://example.com/page?id=1",
    );
    assert_eq!(config.signature, expected.as_str());
    let again = jssdk.config("https://example.com/other").await.unwrap();
    assert_ne!(again.nonce_str, config.nonce_str);
    assert_eq!(again.nonce_str.len(), 16);
    // One ticket for every signature.
    let calls = env.calls(TICKET).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query["type"], "jsapi");
}

#[tokio::test]
async fn config_of_a_url_that_is_not_a_page_is_refused_before_any_ticket() {
    let env = env(0).await;
    let message = refused(env.client.jssdk().config("/relative/page").await);
    assert!(message.starts_with("url: "), "{message}");
    assert!(env.calls(TICKET).await.is_empty());
}

#[tokio::test]
async fn a_ticket_the_platform_refuses_fails_the_config() {
    let env = env(0).await;
    env.fail_next(TICKET, 45009).await;
    assert_eq!(
        errcode(env.client.jssdk().config("https://example.com/").await),
        45009
    );
}

#[tokio::test]
async fn card_ext_is_signed_with_the_card_ticket() {
    let env = env(0).await;
    let jssdk = env.client.jssdk();
    let ext = jssdk
        .card_ext("pCARD")
        .openid("oUser")
        .timestamp(1_700_000_000)
        .nonce("n0nce")
        .await
        .unwrap();
    let ticket = jssdk.card_ticket().await.unwrap();
    let expected = CardExt::sign(
        ticket.expose(),
        "pCARD",
        "",
        "oUser",
        1_700_000_000,
        "n0nce",
    )
    .unwrap();
    assert_eq!(ext, expected);
    assert_eq!(ext.timestamp, "1700000000");
    let calls = env.calls(TICKET).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].query["type"], "wx_card");
    // The jsapi ticket is another ticket.
    assert_ne!(
        jssdk.jsapi_ticket().await.unwrap().expose(),
        ticket.expose()
    );
}

#[test]
fn signing_offline_matches_the_published_vector() {
    let config = JsSdkConfig::sign(
        "wx0123456789abcdef",
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        "http://mp.weixin.qq.com?params=value",
        1_414_587_457,
        "Wm3WZYTPz0wzccnW",
    )
    .unwrap();
    assert_eq!(config.signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    let json = serde_json::to_value(&config).unwrap();
    for key in ["appId", "timestamp", "nonceStr", "signature"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}
