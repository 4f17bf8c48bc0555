//! The test whitelist's effect (api-reference-2 §10: whitelisted users can get cards not
//! reviewed yet), with `CardRules::manual_review`: a card waits in review until
//! `POST /sandbox/card-review` decides; meanwhile only whitelisted users take it by its QR
//! code. Each refusal in its own test.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::{CardRules, Sandbox, Webhook};
use wxoa_types::xml;

use crate::card::{create, take};
use crate::support::{Answer, Env, Hook, env_with, hook, request};

/// A sandbox whose cards wait for their review, with two followers and a webhook.
async fn reviewing() -> (Hook, Env) {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let rules = CardRules {
        manual_review: true,
        ..CardRules::default()
    };
    let builder = Sandbox::builder()
        .followers(2)
        .card_rules(rules)
        .webhook(Webhook::new(&hook.url, "token"));
    (hook, env_with(builder).await)
}

/// A new groupon (in review) and the ticket of its QR code.
async fn card_and_ticket(env: &Env) -> (Value, Value) {
    let id = create(env, &request("card", "create", &[])).await["card_id"].clone();
    let body = request("card", "qrcode_create", &[("CARD_ID", id.clone())]);
    let qr = env.post("/card/qrcode/create", &body).await;
    (id, qr["ticket"].clone())
}

async fn scan(env: &Env, openid: &str, ticket: &Value) -> StatusCode {
    let body = json!({"from": openid, "ticket": ticket});
    env.control_post("/sandbox/scan", &body).await.0
}

/// The events of the card system pushed so far.
async fn card_events(hook: &Hook, n: usize) -> Vec<String> {
    hook.wait_for(n)
        .await
        .iter()
        .filter_map(|r| xml::parse(r.body.as_bytes()).ok())
        .filter_map(|e| e.child_text("Event").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_card_in_review_goes_to_whitelisted_users_only_until_it_passes() {
    let (hook, env) = reviewing().await;
    let people = env.followers(2).await;
    let (id, ticket) = card_and_ticket(&env).await;
    let whitelist = json!({"openid": [people[0]]});
    let set = env.post("/card/testwhitelist/set", &whitelist).await;
    assert_eq!(set["errcode"], 0, "{set}");
    assert_eq!(scan(&env, &people[0], &ticket).await, StatusCode::OK);
    assert_eq!(scan(&env, &people[1], &ticket).await, StatusCode::FORBIDDEN);
    let decided = env
        .control()
        .card_review(id.as_str().unwrap(), true, None)
        .await
        .unwrap();
    assert_eq!(decided["ok"], true);
    assert_eq!(scan(&env, &people[1], &ticket).await, StatusCode::OK);
    // Nothing was pushed at creation: the first push is the whitelisted user's card, then
    // the pass and the other user's card.
    let events = card_events(&hook, 3).await;
    assert_eq!(events.first().map(String::as_str), Some("user_get_card"));
    assert_eq!(events.iter().filter(|e| *e == "card_pass_check").count(), 1);
    assert_eq!(events.iter().filter(|e| *e == "user_get_card").count(), 2);
}

#[tokio::test]
async fn a_card_in_review_is_refused_to_a_user_off_the_whitelist() {
    let (_hook, env) = reviewing().await;
    let people = env.followers(2).await;
    let (_, ticket) = card_and_ticket(&env).await;
    let (status, body) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": people[1], "ticket": ticket}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.to_string().contains("test whitelist"), "{body}");
}

#[tokio::test]
async fn a_refused_card_is_pushed_with_its_reason_and_stays_whitelist_only() {
    let (hook, env) = reviewing().await;
    let people = env.followers(2).await;
    let (id, ticket) = card_and_ticket(&env).await;
    env.control()
        .card_review(id.as_str().unwrap(), false, Some("logo unclear"))
        .await
        .unwrap();
    let pushed = hook.wait_for(1).await;
    let event = xml::parse(pushed[0].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("card_not_pass_check"));
    assert_eq!(event.child_text("RefuseReason"), Some("logo unclear"));
    assert_eq!(scan(&env, &people[1], &ticket).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn deciding_the_review_of_an_approved_card_is_409() {
    let (_hook, env) = reviewing().await;
    let (id, _) = card_and_ticket(&env).await;
    let card = id.as_str().unwrap();
    env.control().card_review(card, true, None).await.unwrap();
    let again = env.control().card_review(card, true, None).await;
    assert!(again.unwrap_err().to_string().contains("409"));
}

#[tokio::test]
async fn deciding_the_review_of_an_unknown_card_is_404() {
    let (_hook, env) = reviewing().await;
    let unknown = env.control().card_review("pNoSuchCard", true, None).await;
    assert!(unknown.unwrap_err().to_string().contains("404"));
}

#[tokio::test]
async fn a_new_title_under_manual_review_waits_for_the_decision_again() {
    let (_hook, env) = reviewing().await;
    let people = env.followers(2).await;
    let (id, ticket) = card_and_ticket(&env).await;
    env.control()
        .card_review(id.as_str().unwrap(), true, None)
        .await
        .unwrap();
    let title = json!({"card_id": id, "groupon": {"base_info": {"title": "New deal"}}});
    assert_eq!(env.post("/card/update", &title).await["send_check"], true);
    assert_eq!(scan(&env, &people[1], &ticket).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn by_default_a_card_passes_at_once_and_anyone_takes_it() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let (code, _) = take(&env, &id).await;
    assert_eq!(code.len(), 12);
    let waiting = env
        .control()
        .card_review(id.as_str().unwrap(), true, None)
        .await;
    assert!(waiting.is_err(), "nothing waits for a review");
}
