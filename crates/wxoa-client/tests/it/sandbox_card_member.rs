//! `client.cards()` member cards against the sandbox: a member card is created, given its
//! activation form and taken; the follower fills the form in; the client reads what they
//! filled in, activates them, moves their points and balance, and reads them; the platform's
//! refusals arrive as typed errors.

use serde_json::json;
use wxoa_client::api::card::{
    ActivationForm, BaseInfoChanges, Card, CardChanges, CommonField, FormPart, RichField,
    RichFieldType, UserCardStatus,
};
use wxoa_types::ids::CardId;

use crate::sandbox_card::{base, logo, scan};
use crate::sandbox_env::{Env, env, errcode};

/// A member card with a form asking for a mobile number and a favourite drink, taken by a
/// follower: the sandbox, the follower, the card and their code.
async fn held() -> (Env, String, CardId, String) {
    let env = env(1).await;
    let follower = env.followers(1).await.remove(0);
    let logo = logo(&env).await;
    let card = Card::member_card(base(&logo), "10% off", true, true);
    let card_id = env.client.cards().create(card).await.unwrap();
    let required = FormPart::new()
        .common(CommonField::Mobile)
        .rich(RichField::new(
            RichFieldType::Radio,
            "Drink",
            ["Tea", "Coffee"],
        ));
    env.client
        .cards()
        .set_activation_form(card_id.as_str(), ActivationForm::new(Some(required), None))
        .await
        .unwrap();
    let qr = env.client.cards().qrcode(card_id.as_str()).await.unwrap();
    let held = scan(&env, &follower, qr.code.ticket.as_str()).await;
    let code = held[0]["code"].as_str().unwrap().to_owned();
    (env, follower, card_id, code)
}

#[tokio::test]
async fn a_follower_becomes_a_member_and_earns_points() {
    let (env, follower, card_id, code) = held().await;
    let cards = env.client.cards();
    let fields = json!({"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "Drink": "Tea"});
    let ticket = env
        .control()
        .card_activation(&follower, &code, fields)
        .await
        .unwrap()
        .activate_ticket;
    let filled = cards.activation_info(ticket).await.unwrap();
    assert_eq!(filled.common_field_list[0].value, "13800000000");

    cards
        .activate_member(code.as_str(), "M-42")
        .card_id(card_id.as_str())
        .init_bonus(10, "Welcome")
        .await
        .unwrap();
    let now = cards
        .update_member(code.as_str())
        .card_id(card_id.as_str())
        .add_bonus(5)
        .record_bonus("Coffee")
        .add_balance(1_000)
        .await
        .unwrap();
    assert_eq!((now.result_bonus, now.result_balance), (15, 1_000));
    assert_eq!(now.openid.as_str(), follower);
    let member = cards.member(card_id.as_str(), code.as_str()).await.unwrap();
    assert!(member.has_active);
    assert_eq!(member.membership_number, "M-42");
    assert_eq!(member.bonus, 15);
    assert_eq!(member.user_card_status, UserCardStatus::Normal);
    assert_eq!(member.user_info.custom_field_list[0].value, "Tea");
    let url = cards
        .activation_url(card_id.as_str())
        .outer_str("poster")
        .await
        .unwrap();
    assert!(url.contains("outer_str=poster"), "{url}");
}

#[tokio::test]
async fn a_member_card_is_updated() {
    let (env, _, card_id, _) = held().await;
    let changes = CardChanges::member_card()
        .base_info(BaseInfoChanges::new().notice("Show your code"))
        .field("prerogative", json!("15% off"));
    let updated = env
        .client
        .cards()
        .update(card_id.as_str(), changes)
        .await
        .unwrap();
    assert!(!updated.send_check);
    let card = env.client.cards().get(card_id.as_str()).await.unwrap();
    assert_eq!(card.body().unwrap()["prerogative"], "15% off");
}

#[tokio::test]
async fn a_new_title_goes_back_to_review() {
    let (env, _, card_id, _) = held().await;
    let changes = CardChanges::member_card().base_info(BaseInfoChanges::new().title("Gold club"));
    let updated = env
        .client
        .cards()
        .update(card_id.as_str(), changes)
        .await
        .unwrap();
    assert!(updated.send_check);
}

#[tokio::test]
async fn an_update_under_another_type_is_47003() {
    let (env, _, card_id, _) = held().await;
    let changes = CardChanges::groupon().field("deal_detail", json!("x"));
    assert_eq!(
        errcode(env.client.cards().update(card_id.as_str(), changes).await),
        47003
    );
}

#[tokio::test]
async fn activating_twice_is_47003() {
    let (env, _, card_id, code) = held().await;
    let activate = || {
        env.client
            .cards()
            .activate_member(code.as_str(), "M-1")
            .card_id(card_id.as_str())
    };
    activate().await.unwrap();
    assert_eq!(errcode(activate().await), 47003);
}

#[tokio::test]
async fn updating_a_member_not_activated_is_47003() {
    let (env, _, _, code) = held().await;
    let result = env
        .client
        .cards()
        .update_member(code.as_str())
        .add_bonus(1)
        .await;
    assert_eq!(errcode(result), 47003);
}

#[tokio::test]
async fn an_unknown_activate_ticket_is_47003() {
    let env = env(1).await;
    assert_eq!(
        errcode(env.client.cards().activation_info("nope").await),
        47003
    );
}

#[tokio::test]
async fn a_form_for_an_unknown_card_is_47003() {
    let env = env(1).await;
    let form = ActivationForm::new(Some(FormPart::new().common(CommonField::Name)), None);
    let result = env
        .client
        .cards()
        .set_activation_form("pNothing", form)
        .await;
    assert_eq!(errcode(result), 47003);
}
