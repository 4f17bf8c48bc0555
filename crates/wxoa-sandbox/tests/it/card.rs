//! Cards: create with the base_info rules, get, batchget, stock, delete, card QR codes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::{Sandbox, Webhook};
use wxoa_types::xml;

use crate::support::{
    Answer, Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, hook, request,
};

async fn create(env: &Env, card: &Value) -> Value {
    env.post("/card/create", card).await
}

fn base(card: &mut Value) -> &mut Value {
    &mut card["card"]["groupon"]["base_info"]
}

#[tokio::test]
async fn a_card_is_created_and_passes_review() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with(Sandbox::builder().webhook(Webhook::new(&hook.url, "token"))).await;
    let created = create(&env, &request("card", "create", &[])).await;
    assert_fixture_shape(&created, "card", "create");
    let id = created["card_id"].as_str().unwrap();
    assert!(id.starts_with('p') && id.len() == 28);
    let event = xml::parse(hook.wait_for(1).await[0].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("card_pass_check"));
    assert_eq!(event.child_text("CardId"), Some(id));
    let got = env.post("/card/get", &json!({"card_id": id})).await;
    assert_eq!(got["card"]["card_type"], "GROUPON");
    let list = env
        .post("/card/batchget", &json!({"offset": 0, "count": 10}))
        .await;
    assert_eq!(list["card_id_list"], json!([id]));
    assert_eq!(list["total_num"], 1);
}

#[tokio::test]
async fn every_required_field_is_checked_47003() {
    let env = env().await;
    let mut cases: Vec<Value> = Vec::new();
    let mut card = request("card", "create", &[]);
    card["card"]["card_type"] = json!("LOTTERY");
    cases.push(card);
    let mut card = request("card", "create", &[]);
    card["card"]["groupon"]
        .as_object_mut()
        .unwrap()
        .remove("deal_detail");
    cases.push(card);
    for (field, value) in [
        ("brand_name", json!("一二三四五六七八九十一二三")),
        ("title", json!("一二三四五六七八九十")),
        ("notice", json!("x".repeat(17))),
        ("description", json!("")),
        ("logo_url", json!("")),
        ("code_type", json!("CODE_TYPE_SMOKE")),
        ("color", json!("Color103")),
        ("color", json!("red")),
        ("sku", json!({"quantity": 100_000_001})),
        (
            "date_info",
            json!({"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 2, "end_timestamp": 1}),
        ),
        ("date_info", json!({"type": "DATE_TYPE_FIX_TERM"})),
    ] {
        let mut card = request("card", "create", &[]);
        base(&mut card)[field] = value;
        cases.push(card);
    }
    for card in cases {
        let answer = create(&env, &card).await;
        assert_errcode(&answer, 47003);
    }
    let mut term = request("card", "create", &[]);
    base(&mut term)["date_info"] =
        json!({"type": "DATE_TYPE_FIX_TERM", "fixed_term": 15, "fixed_begin_term": 0});
    assert_eq!(create(&env, &term).await["errcode"], 0);
}

#[tokio::test]
async fn stock_changes_and_cannot_go_below_zero() {
    let env = env().await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let more = json!({"card_id": id, "increase_stock_value": 100});
    assert_ok(&env.post("/card/modifystock", &more).await);
    let got = env.post("/card/get", &json!({"card_id": id})).await;
    assert_eq!(
        got["card"]["groupon"]["base_info"]["sku"]["quantity"],
        500_100
    );
    let too_many = json!({"card_id": id, "reduce_stock_value": 600_000});
    assert_errcode(&env.post("/card/modifystock", &too_many).await, 47003);
    assert_ok(&env.post("/card/delete", &json!({"card_id": id})).await);
    assert_errcode(&env.post("/card/get", &json!({"card_id": id})).await, 47003);
}

#[tokio::test]
async fn a_card_qr_code_gives_the_card_when_scanned() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .webhook(Webhook::new(&hook.url, "token")),
    )
    .await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let body = request("card", "qrcode_create", &[("CARD_ID", id.clone())]);
    let code = env.post("/card/qrcode/create", &body).await;
    assert_fixture_shape(&code, "card", "qrcode_create");
    let image = env
        .http
        .get(code["show_qrcode_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    let openid = env.followers(1).await[0].clone();
    let (status, _) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": openid, "ticket": code["ticket"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let received = hook.wait_for(2).await;
    let taken = received
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .find(|e| e.child_text("Event") == Some("user_get_card"))
        .expect("a user_get_card push");
    assert_eq!(taken.child_text("CardId"), id.as_str());
    assert_eq!(taken.child_text("OuterStr"), Some("12b"));
    assert_eq!(taken.child_text("UserCardCode").unwrap().len(), 12);
}

#[tokio::test]
async fn card_qr_codes_need_existing_cards() {
    let env = env().await;
    let body = request("card", "qrcode_create", &[("CARD_ID", json!("pNothing"))]);
    assert_errcode(&env.post("/card/qrcode/create", &body).await, 47003);
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let six: Vec<Value> = (0..6).map(|_| json!({"card_id": id})).collect();
    let multiple = json!({"action_name": "QR_MULTIPLE_CARD", "action_info": {"multiple_card": {"card_list": six}}});
    assert_errcode(&env.post("/card/qrcode/create", &multiple).await, 47003);
    let five: Vec<Value> = (0..5).map(|_| json!({"card_id": id})).collect();
    let multiple = json!({"action_name": "QR_MULTIPLE_CARD", "action_info": {"multiple_card": {"card_list": five}}});
    assert_eq!(
        env.post("/card/qrcode/create", &multiple).await["errcode"],
        0
    );
}
