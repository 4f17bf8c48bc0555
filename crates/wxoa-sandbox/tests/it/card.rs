//! Cards: create with the base_info rules, get, batchget, stock, delete, card QR codes.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::{Sandbox, Webhook};
use wxoa_types::xml;

use crate::support::{
    Answer, Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with,
    env_with_quiet_hook, hook, request,
};

pub(crate) async fn create(env: &Env, card: &Value) -> Value {
    env.post("/card/create", card).await
}

pub(crate) fn base(card: &mut Value) -> &mut Value {
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
    let (hook, env) = env_with_quiet_hook(1).await;
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

/// A card valid from yesterday for 30 days, given to the env's first follower by a scan of its
/// QR code: its id, the follower and the code.
async fn card_taken(env: &Env) -> (Value, String, String) {
    let now = env.sandbox.now();
    let mut card = request("card", "create", &[]);
    base(&mut card)["date_info"] = json!({"type": "DATE_TYPE_FIX_TIME_RANGE",
        "begin_timestamp": now - 86_400, "end_timestamp": now + 30 * 86_400});
    let id = create(env, &card).await["card_id"].clone();
    let (code, openid) = take(env, &id).await;
    (id, openid, code)
}

/// The env's first follower scans a QR code of the card: the code they got and who they are.
pub(crate) async fn take(env: &Env, id: &Value) -> (String, String) {
    let body = request("card", "qrcode_create", &[("CARD_ID", id.clone())]);
    let qr = env.post("/card/qrcode/create", &body).await;
    let openid = env.followers(1).await[0].clone();
    let (status, push) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": openid, "ticket": qr["ticket"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{push}");
    let event = xml::parse(push["xml"].as_str().unwrap().as_bytes()).unwrap();
    let code = event.child_text("UserCardCode").unwrap().to_owned();
    (code, openid)
}

#[tokio::test]
async fn a_code_is_read_decrypted_and_consumed_once() {
    let (hook, env) = env_with_quiet_hook(1).await;
    let (id, openid, code) = card_taken(&env).await;
    let values = [("CARD_ID", id.clone()), ("CODE", json!(code))];

    let got = env
        .post("/card/code/get", &request("card", "code_get", &values))
        .await;
    assert_fixture_shape(&got, "card", "code_get");
    assert_eq!(got["openid"], openid.as_str());
    assert_eq!(got["card"]["card_id"], id);
    assert_eq!(got["card"]["code"], code.as_str());
    assert_eq!(got["user_card_status"], "NORMAL");
    assert_eq!(got["can_consume"], true);

    let (_, held) = env.control_get(&format!("/sandbox/cards/{openid}")).await;
    assert_eq!(held[0]["code"], code.as_str());
    let encrypted = held[0]["encrypt_code"].clone();
    let decrypted = env
        .post(
            "/card/code/decrypt",
            &request("card", "code_decrypt", &[("ENCRYPT_CODE", encrypted)]),
        )
        .await;
    assert_fixture_shape(&decrypted, "card", "code_decrypt");
    assert_eq!(decrypted["code"], code.as_str());
    let unknown = json!({"encrypt_code": "bm90IGEgY29kZQ=="});
    assert_errcode(&env.post("/card/code/decrypt", &unknown).await, 47003);

    let consumed = env
        .post(
            "/card/code/consume",
            &request("card", "code_consume", &values),
        )
        .await;
    assert_fixture_shape(&consumed, "card", "code_consume");
    assert_eq!(consumed["openid"], openid.as_str());
    let pushed = hook
        .wait_for(3)
        .await
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .find(|e| e.child_text("Event") == Some("user_consume_card"))
        .expect("a user_consume_card push");
    assert_eq!(pushed.child_text("UserCardCode"), Some(code.as_str()));
    assert_eq!(pushed.child_text("FromUserName"), Some(openid.as_str()));
    assert_eq!(pushed.child_text("ConsumeSource"), Some("FROM_API"));

    assert_errcode(
        &env.post(
            "/card/code/consume",
            &request("card", "code_consume", &values),
        )
        .await,
        47003,
    );
    let got = env.post("/card/code/get", &json!({"code": code})).await;
    assert_eq!(got["user_card_status"], "CONSUMED");
    assert_eq!(got["can_consume"], false);
}

#[tokio::test]
async fn codes_are_renamed_made_unavailable_and_checked_against_their_card() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (id, _, code) = card_taken(&env).await;
    let other = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let mismatch = json!({"card_id": other, "code": code});
    assert_errcode(&env.post("/card/code/get", &mismatch).await, 47003);
    assert_errcode(
        &env.post("/card/code/get", &json!({"code": "000000000000"}))
            .await,
        47003,
    );

    let renamed = request(
        "card",
        "code_update",
        &[
            ("CARD_ID", id.clone()),
            ("CODE", json!(code)),
            ("NEW_CODE", json!("880000000001")),
        ],
    );
    assert_ok(&env.post("/card/code/update", &renamed).await);
    assert_errcode(
        &env.post("/card/code/get", &json!({"code": code})).await,
        47003,
    );
    let got = env
        .post("/card/code/get", &json!({"code": "880000000001"}))
        .await;
    assert_eq!(got["user_card_status"], "NORMAL");
    let (second, _) = take(&env, &id).await;
    let taken = json!({"code": second, "new_code": "880000000001"});
    assert_errcode(&env.post("/card/code/update", &taken).await, 47003);
    let empty = json!({"code": second, "new_code": ""});
    assert_errcode(&env.post("/card/code/update", &empty).await, 47003);

    let unavailable = request(
        "card",
        "code_unavailable",
        &[("CARD_ID", id.clone()), ("CODE", json!("880000000001"))],
    );
    assert_ok(&env.post("/card/code/unavailable", &unavailable).await);
    let got = env
        .post("/card/code/get", &json!({"code": "880000000001"}))
        .await;
    assert_eq!(got["user_card_status"], "UNAVAILABLE");
    assert_eq!(got["can_consume"], false);
    assert_errcode(
        &env.post("/card/code/consume", &json!({"code": "880000000001"}))
            .await,
        47003,
    );
}

#[tokio::test]
async fn a_fixed_term_code_is_valid_from_the_day_it_is_taken_then_expires() {
    let mut env = env_with(Sandbox::builder().followers(1)).await;
    let mut card = request("card", "create", &[]);
    base(&mut card)["date_info"] =
        json!({"type": "DATE_TYPE_FIX_TERM", "fixed_term": 2, "fixed_begin_term": 0});
    let id = create(&env, &card).await["card_id"].clone();
    let (code, _) = take(&env, &id).await;
    let got = env.post("/card/code/get", &json!({"code": code})).await;
    let begin = got["card"]["begin_time"].as_i64().unwrap();
    assert!((env.sandbox.now() - begin).abs() <= 1);
    assert_eq!(
        got["card"]["end_time"].as_i64().unwrap(),
        begin + 2 * 86_400
    );
    assert_eq!(got["can_consume"], true);
    env.advance(2 * 86_400 + 1).await;
    env.refresh_token().await;
    let got = env.post("/card/code/get", &json!({"code": code})).await;
    assert_eq!(got["user_card_status"], "EXPIRE");
    assert_eq!(got["can_consume"], false);
}

#[tokio::test]
async fn a_card_is_updated_within_the_rules_of_create() {
    let env = env().await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let updated = env
        .post(
            "/card/update",
            &request("card", "update", &[("CARD_ID", id.clone())]),
        )
        .await;
    assert_fixture_shape(&updated, "card", "update");
    let card = env.post("/card/get", &json!({"card_id": id})).await;
    let info = &card["card"]["groupon"]["base_info"];
    assert_eq!(info["description"], "New terms: one per table.");
    assert_eq!(info["notice"], "Show at the till");
    assert_eq!(info["title"], "Deal", "fields not named are kept");

    let too_long =
        json!({"card_id": id, "groupon": {"base_info": {"title": "一二三四五六七八九十"}}});
    assert_errcode(&env.post("/card/update", &too_long).await, 47003);
    let stock = json!({"card_id": id, "groupon": {"base_info": {"sku": {"quantity": 1}}}});
    assert_errcode(&env.post("/card/update", &stock).await, 47003);
    let other_type = json!({"card_id": id, "cash": {"reduce_cost": 100}});
    assert_errcode(&env.post("/card/update", &other_type).await, 47003);
    let unknown = json!({"card_id": "pNothing", "groupon": {"deal_detail": "x"}});
    assert_errcode(&env.post("/card/update", &unknown).await, 47003);
    let card = env.post("/card/get", &json!({"card_id": id})).await;
    assert_eq!(card["card"]["groupon"]["base_info"]["title"], "Deal");
}
