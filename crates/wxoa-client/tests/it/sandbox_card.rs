//! `client.cards()` against the sandbox (api-reference §13, minimal): logo upload, create and a
//! QR code a follower scans to take the card, and the platform's errors the sandbox produces
//! (the stub contracts are in `card.rs`).

use serde_json::{Value, json};
use wxoa_client::Upload;
use wxoa_client::api::card::{BaseInfo, Card, CodeType, DateInfo};
use wxoa_types::ids::CardId;

use crate::sandbox_env::{Env, env, errcode};

pub(crate) async fn logo(env: &Env) -> String {
    env.client
        .cards()
        .upload_logo(Upload::bytes("logo.png", &b"\x89PNG\r\n\x1a\nlogo"[..]))
        .await
        .unwrap()
}

pub(crate) fn base(logo: &str) -> BaseInfo {
    BaseInfo::new(logo, "Shop", "Deal")
        .code_type(CodeType::Qrcode)
        .color("Color010")
        .notice("Show at counter")
        .description("Terms")
        .quantity(100)
        .date_info(DateInfo::term(30, 0))
}

/// A groupon card with a fresh logo.
async fn groupon(env: &Env) -> CardId {
    let logo = logo(env).await;
    env.client
        .cards()
        .create(Card::groupon(base(&logo), "deal"))
        .await
        .unwrap()
}

/// `follower` scans a card QR code; answers the cards they hold.
pub(crate) async fn scan(env: &Env, follower: &str, ticket: &str) -> Vec<Value> {
    env.control().scan(follower, ticket).await.unwrap();
    let held = env.control().cards(follower).await.unwrap();
    held.as_array().unwrap().clone()
}

/// A follower who took a groupon through its QR code: the sandbox, the follower, the card and
/// the code they hold (as `GET /sandbox/cards/{openid}` lists it).
async fn taken_code() -> (Env, String, CardId, Value) {
    let env = env(2).await;
    let follower = env.followers(1).await.remove(0);
    let card_id = groupon(&env).await;
    let qr = env.client.cards().qrcode(card_id.as_str()).await.unwrap();
    let held = scan(&env, &follower, qr.code.ticket.as_str())
        .await
        .remove(0);
    (env, follower, card_id, held)
}

#[tokio::test]
async fn a_groupon_is_created_and_readable() {
    let env = env(1).await;
    let logo = logo(&env).await;
    assert!(logo.starts_with("http"), "{logo}");
    let card_id = env
        .client
        .cards()
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
        .cards()
        .create(Card::cash(base(&logo), 1000, 100))
        .await
        .unwrap();
    assert!(!card_id.as_str().is_empty());
}

#[tokio::test]
async fn a_card_qr_code_scanned_gives_the_follower_the_card() {
    let env = env(2).await;
    let ids = env.followers(1).await;
    let card_id = groupon(&env).await;
    let code = env
        .client
        .cards()
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
    let held = scan(&env, &ids[0], code.code.ticket.as_str()).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["card_id"], card_id.as_str());
}

#[tokio::test]
async fn a_qr_code_for_an_unknown_card_is_47003() {
    let env = env(1).await;
    assert_eq!(
        errcode(env.client.cards().qrcode("pNoSuchCard").await),
        47003
    );
}

#[tokio::test]
async fn a_card_is_read_listed_restocked_and_deleted() {
    let env = env(1).await;
    let card_id = groupon(&env).await;
    let card = env.client.cards().get(card_id.as_str()).await.unwrap();
    assert_eq!(card.card_type, "GROUPON");
    assert_eq!(card.body().unwrap()["deal_detail"], "deal");
    assert_eq!(card.base_info().unwrap()["sku"]["quantity"], 100);

    let page = env.client.cards().list(0, 10).await.unwrap();
    assert_eq!(page.total_num, 1);
    assert_eq!(page.card_id_list, vec![card_id.clone()]);
    // Pages are 1 to 50 ids: refused before anything is sent.
    let refused = env.client.cards().list(0, 51).await.unwrap_err();
    assert!(refused.to_string().contains("count"), "{refused}");

    env.client
        .cards()
        .modify_stock(card_id.as_str(), 20)
        .await
        .unwrap();
    env.client
        .cards()
        .modify_stock(card_id.as_str(), -5)
        .await
        .unwrap();
    let body = env.last_body("/card/modifystock").await;
    assert_eq!(body["reduce_stock_value"], 5);
    let card = env.client.cards().get(card_id.as_str()).await.unwrap();
    assert_eq!(card.base_info().unwrap()["sku"]["quantity"], 115);
    // Below zero is the platform's refusal.
    assert_eq!(
        errcode(
            env.client
                .cards()
                .modify_stock(card_id.as_str(), -1_000)
                .await
        ),
        47003
    );

    env.client.cards().delete(card_id.as_str()).await.unwrap();
    assert_eq!(
        errcode(env.client.cards().get(card_id.as_str()).await),
        47003
    );
}

#[tokio::test]
async fn a_taken_code_is_read_decrypted_and_consumed_once() {
    let (env, follower, card_id, held) = taken_code().await;
    let code = held["code"].as_str().unwrap().to_owned();
    let encrypted = held["encrypt_code"].as_str().unwrap().to_owned();

    // A card's page receives the code encrypted.
    assert_eq!(
        env.client.cards().decrypt_code(encrypted).await.unwrap(),
        code
    );
    let info = env
        .client
        .cards()
        .code(code.as_str())
        .card_id(card_id.as_str())
        .await
        .unwrap();
    assert_eq!(info.card.card_id, card_id);
    assert_eq!(info.openid.as_str(), follower);
    assert_eq!(info.user_card_status, "NORMAL");
    assert!(info.can_consume);
    assert!(info.card.end_time > info.card.begin_time);

    let consumed = env.client.cards().consume(code.as_str()).await.unwrap();
    assert_eq!(consumed.card.card_id, card_id);
    assert_eq!(consumed.openid.as_str(), follower);
    let info = env.client.cards().code(code.as_str()).await.unwrap();
    assert_eq!(info.user_card_status, "CONSUMED");
    assert!(!info.can_consume);
    // A code is consumed once; an unknown one is refused too.
    assert_eq!(
        errcode(env.client.cards().consume(code.as_str()).await),
        47003
    );
    assert_eq!(
        errcode(env.client.cards().code("000000000000").await),
        47003
    );
}

#[tokio::test]
async fn a_code_is_renumbered_then_withdrawn() {
    let (env, follower, card_id, held) = taken_code().await;
    let code = held["code"].as_str().unwrap().to_owned();

    env.client
        .cards()
        .update_code(code.as_str(), "NEW-CODE-1")
        .card_id(card_id.as_str())
        .await
        .unwrap();
    assert_eq!(errcode(env.client.cards().code(code.as_str()).await), 47003);
    let info = env.client.cards().code("NEW-CODE-1").await.unwrap();
    assert_eq!(info.openid.as_str(), follower);

    env.client
        .cards()
        .withdraw_code("NEW-CODE-1")
        .reason("reissued by mistake")
        .await
        .unwrap();
    let body = env.last_body("/card/code/unavailable").await;
    assert_eq!(body["reason"], "reissued by mistake");
    let info = env.client.cards().code("NEW-CODE-1").await.unwrap();
    assert_eq!(info.user_card_status, "UNAVAILABLE");
    assert!(!info.can_consume);
    // A withdrawn code can be neither consumed nor withdrawn again.
    assert_eq!(
        errcode(env.client.cards().consume("NEW-CODE-1").await),
        47003
    );
    assert_eq!(
        errcode(env.client.cards().withdraw_code("NEW-CODE-1").await),
        47003
    );
}
