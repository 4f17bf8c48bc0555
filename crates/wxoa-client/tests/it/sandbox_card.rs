//! `client.card()` against the sandbox (api-reference §13, minimal): logo upload, create and a
//! QR code a follower scans to take the card, and the platform's errors the sandbox produces
//! (the stub contracts are in `card.rs`).

use serde_json::json;
use wxoa_client::Upload;
use wxoa_client::api::card::{BaseInfo, Card, CodeType, DateInfo};

use crate::sandbox_env::{Env, env, errcode};

async fn logo(env: &Env) -> String {
    env.client
        .card()
        .upload_logo(Upload::bytes("logo.png", &b"\x89PNG\r\n\x1a\nlogo"[..]))
        .await
        .unwrap()
}

fn base(logo: &str) -> BaseInfo {
    BaseInfo::new(logo, "Shop", "Deal")
        .code_type(CodeType::Qrcode)
        .color("Color010")
        .notice("Show at counter")
        .description("Terms")
        .quantity(100)
        .date_info(DateInfo::term(30, 0))
}

#[tokio::test]
async fn a_groupon_is_created_and_readable() {
    let env = env(1).await;
    let logo = logo(&env).await;
    assert!(logo.starts_with("http"), "{logo}");
    let card_id = env
        .client
        .card()
        .create(Card::groupon(base(&logo), "Two coffees for one"))
        .await
        .unwrap();
    let body = env.last_body("/card/create").await;
    assert_eq!(body["card"]["card_type"], "GROUPON");
    let got = env
        .client
        .post_json("/card/get", &json!({"card_id": card_id.as_str()}))
        .await
        .unwrap();
    assert_eq!(got["card"]["groupon"]["deal_detail"], "Two coffees for one");
    assert_eq!(got["card"]["groupon"]["base_info"]["title"], "Deal");
}

#[tokio::test]
async fn a_cash_card_is_created() {
    let env = env(1).await;
    let logo = logo(&env).await;
    let card_id = env
        .client
        .card()
        .create(Card::cash(base(&logo), 1000, 100))
        .await
        .unwrap();
    assert!(!card_id.as_str().is_empty());
}

#[tokio::test]
async fn a_card_qr_code_scanned_gives_the_follower_the_card() {
    let env = env(2).await;
    let ids = env.followers(1).await;
    let logo = logo(&env).await;
    let card_id = env
        .client
        .card()
        .create(Card::groupon(base(&logo), "deal"))
        .await
        .unwrap();
    let code = env
        .client
        .card()
        .qrcode(card_id.as_str())
        .expire_seconds(1800)
        .outer_str("poster")
        .await
        .unwrap();
    assert_eq!(code.code.expire_seconds, Some(1800));
    // The ticket is Base64: in the URL its `+` and `/` are percent-encoded.
    let shown = reqwest::Url::parse(&code.show_qrcode_url).unwrap();
    assert!(
        shown
            .query_pairs()
            .any(|(k, v)| k == "ticket" && v == code.code.ticket.as_str())
    );
    let body = env.last_body("/card/qrcode/create").await;
    assert_eq!(body["action_name"], "QR_CARD");
    env.control_post(
        "/sandbox/scan",
        &json!({"from": ids[0], "ticket": code.code.ticket}),
    )
    .await;
    let held = env.control_get(&format!("/sandbox/cards/{}", ids[0])).await;
    let held = held.as_array().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["card_id"], card_id.as_str());
}

#[tokio::test]
async fn a_qr_code_for_an_unknown_card_is_47003() {
    let env = env(1).await;
    assert_eq!(
        errcode(env.client.card().qrcode("pNoSuchCard").await),
        47003
    );
}
