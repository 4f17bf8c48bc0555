//! Subscription notifications: the template library, the account's templates, each follower's
//! consent (popup and change events through the control API) and `bizsend` with its rules,
//! checked against the fixtures written from api-reference-2 §1.

use serde_json::{Value, json};
use wxoa_sandbox::{Sandbox, SubscribeRules};
use wxoa_types::subscribe::ConsentStatus;
use wxoa_types::xml;

use crate::support::{
    Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, env_with_quiet_hook,
    request,
};

const SEND: &str = "/cgi-bin/message/subscribe/bizsend";
const ADD: &str = "/wxaapi/newtmpl/addtemplate";

/// Adds a template of title `tid` with these keywords; its `priTmplId`.
pub(crate) async fn add(env: &Env, tid: u32, kids: &[u32]) -> String {
    let added = env
        .post(ADD, &json!({"tid": tid.to_string(), "kidList": kids}))
        .await;
    added["priTmplId"]
        .as_str()
        .unwrap_or_else(|| panic!("{added}"))
        .to_owned()
}

/// `预约成功通知` (one-time) with `thing1` and `time2`, and a follower who accepted it once.
async fn booked(env: &Env) -> (String, String) {
    let openid = env.followers(1).await.remove(0);
    let id = add(env, 2010, &[1, 2]).await;
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    (openid, id)
}

fn send_body(openid: &str, id: &str, data: Value) -> Value {
    json!({"touser": openid, "template_id": id, "data": data})
}

fn booking() -> Value {
    json!({"thing1": {"value": "天河店"}, "time2": {"value": "2019年10月1日 15:01"}})
}

/// The errmsg of an error body.
fn errmsg(body: &Value) -> &str {
    body["errmsg"].as_str().unwrap()
}

#[tokio::test]
async fn categories_have_the_spec_shape() {
    let env = env().await;
    let answer = env.get("/wxaapi/newtmpl/getcategory").await;
    assert_fixture_shape(&answer, "subscribe", "getcategory");
    let names: Vec<&str> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"公交"), "{names:?}");
}

#[tokio::test]
async fn titles_page_through_a_category_with_the_spec_shape() {
    let env = env().await;
    let answer = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?ids=616&start=0&limit=30")
        .await;
    assert_fixture_shape(&answer, "subscribe", "getpubtemplatetitles");
    assert_eq!(answer["count"], 1);
    assert_eq!(answer["data"][0]["categoryId"], "616");
    assert_eq!(answer["data"][0]["type"], 3);
    let first = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?start=0&limit=3")
        .await;
    let rest = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?start=3&limit=30")
        .await;
    let total = first["count"].as_u64().unwrap();
    assert!(total > 3);
    assert_eq!(first["data"].as_array().unwrap().len(), 3);
    assert_eq!(rest["data"].as_array().unwrap().len() as u64, total - 3);
    let both = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?ids=112,307&start=0&limit=30")
        .await;
    assert!(
        both["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["categoryId"] == "112" || t["categoryId"] == "307")
    );
    assert_eq!(both["count"], 4);
}

#[tokio::test]
async fn a_titles_limit_outside_1_to_30_is_47003() {
    let env = env().await;
    for query in ["start=0&limit=0", "start=0&limit=31", "start=0"] {
        let answer = env
            .get(&format!("/wxaapi/newtmpl/getpubtemplatetitles?{query}"))
            .await;
        assert_errcode(&answer, 47003);
        assert!(errmsg(&answer).contains("limit"), "{answer}");
    }
}

#[tokio::test]
async fn titles_with_a_bad_start_or_ids_are_47003() {
    let env = env().await;
    let start = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?start=-1&limit=5")
        .await;
    assert_errcode(&start, 47003);
    assert!(errmsg(&start).contains("start"));
    let ids = env
        .get("/wxaapi/newtmpl/getpubtemplatetitles?ids=616,bus&start=0&limit=5")
        .await;
    assert_errcode(&ids, 47003);
    assert!(errmsg(&ids).contains("ids"));
}

#[tokio::test]
async fn keywords_of_a_title_have_the_spec_shape() {
    let env = env().await;
    let answer = env
        .get("/wxaapi/newtmpl/getpubtemplatekeywords?tid=99")
        .await;
    assert_fixture_shape(&answer, "subscribe", "getpubtemplatekeywords");
    assert_eq!(answer["data"][0]["rule"], "thing");
    assert_eq!(answer["count"], answer["data"].as_array().unwrap().len());
}

#[tokio::test]
async fn keywords_of_an_unknown_title_are_200014() {
    let env = env().await;
    for query in ["tid=98", "tid=x", ""] {
        let answer = env
            .get(&format!("/wxaapi/newtmpl/getpubtemplatekeywords?{query}"))
            .await;
        assert_errcode(&answer, 200014);
    }
}

#[tokio::test]
async fn a_template_is_added_listed_and_deleted_with_the_spec_shapes() {
    let env = env().await;
    let added = env
        .post(ADD, &request("subscribe", "addtemplate", &[]))
        .await;
    assert_fixture_shape(&added, "subscribe", "addtemplate");
    let id = added["priTmplId"].as_str().unwrap();
    let list = env.get("/wxaapi/newtmpl/gettemplate").await;
    assert_fixture_shape(&list, "subscribe", "gettemplate");
    let template = &list["data"][0];
    assert_eq!(template["priTmplId"], id);
    assert_eq!(template["title"], "付款成功通知");
    assert_eq!(template["type"], 2);
    // kidList [3, 5, 4]: the lines in that order, fields named `<rule><kid>`.
    assert_eq!(
        template["content"],
        "支付时间:{{time3.DATA}}\n支付方式:{{phrase5.DATA}}\n订单号:{{character_string4.DATA}}"
    );
    assert!(
        template["example"]
            .as_str()
            .unwrap()
            .starts_with("支付时间:2019年10月1日 15:01\n")
    );
    let body = request("subscribe", "deltemplate", &[("TEMPLATE_ID", json!(id))]);
    assert_ok(&env.post("/wxaapi/newtmpl/deltemplate", &body).await);
    let list = env.get("/wxaapi/newtmpl/gettemplate").await;
    assert_eq!(list["data"], json!([]));
}

#[tokio::test]
async fn adding_an_unknown_title_is_200014() {
    let env = env().await;
    for tid in [json!("98"), json!(0), json!("x"), Value::Null] {
        let answer = env.post(ADD, &json!({"tid": tid, "kidList": [1, 2]})).await;
        assert_errcode(&answer, 200014);
    }
}

#[tokio::test]
async fn a_kid_list_outside_2_to_5_is_200020() {
    let env = env().await;
    for kids in [
        json!([1]),
        json!([1, 2, 3, 4, 5, 6]),
        json!([]),
        json!("1,2"),
    ] {
        let answer = env.post(ADD, &json!({"tid": "99", "kidList": kids})).await;
        assert_errcode(&answer, 200020);
    }
}

#[tokio::test]
async fn an_unknown_or_repeated_keyword_is_200020() {
    let env = env().await;
    for kids in [json!([1, 7]), json!([1, 1]), json!([1, -2])] {
        let answer = env.post(ADD, &json!({"tid": "99", "kidList": kids})).await;
        assert_errcode(&answer, 200020);
    }
}

#[tokio::test]
async fn a_scene_desc_over_15_characters_is_200021() {
    let env = env().await;
    let long = "一".repeat(16);
    let answer = env
        .post(
            ADD,
            &json!({"tid": 99, "kidList": [1, 2], "sceneDesc": long}),
        )
        .await;
    assert_errcode(&answer, 200021);
    let fifteen = "一".repeat(15);
    let answer = env
        .post(
            ADD,
            &json!({"tid": 99, "kidList": [1, 2], "sceneDesc": fifteen}),
        )
        .await;
    assert_eq!(answer["errcode"], 0, "{answer}");
}

#[tokio::test]
async fn the_26th_template_is_200012_and_the_limit_is_a_setting() {
    let env = env().await;
    for _ in 0..25 {
        add(&env, 99, &[1, 2]).await;
    }
    let answer = env
        .post(ADD, &json!({"tid": "99", "kidList": [1, 2]}))
        .await;
    assert_errcode(&answer, 200012);

    let mut rules = SubscribeRules::default();
    rules.max_templates = 2;
    let env = env_with(Sandbox::builder().subscribe_rules(rules)).await;
    add(&env, 99, &[1, 2]).await;
    add(&env, 99, &[1, 2]).await;
    let answer = env
        .post(ADD, &json!({"tid": "99", "kidList": [1, 2]}))
        .await;
    assert_errcode(&answer, 200012);
}

#[tokio::test]
async fn deleting_an_unknown_template_is_40037() {
    let env = env().await;
    let answer = env
        .post("/wxaapi/newtmpl/deltemplate", &json!({"priTmplId": "nope"}))
        .await;
    assert_errcode(&answer, 40037);
}

#[tokio::test]
async fn a_notification_reaches_the_inbox_and_pushes_its_result() {
    let (hook, env) = env_with_quiet_hook(2).await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 2010, &[1, 2]).await;
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    let body = request(
        "subscribe",
        "bizsend",
        &[
            ("OPENID1", json!(openid)),
            ("TEMPLATE_ID", json!(id)),
            ("APPID", json!("wx1234567890abcdef")),
        ],
    );
    let answer = env.post(SEND, &body).await;
    assert_fixture_shape(&answer, "subscribe", "bizsend");
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "subscribe");
    assert_eq!(inbox[0].message["title"], "预约成功通知");
    assert_eq!(inbox[0].message["data"]["thing1"]["value"], "天河店");
    assert_eq!(inbox[0].message["page"], "https://example.com/bookings/42");
    // The first delivery is the consent's popup event, the second the send's result.
    let received = hook.wait_for(2).await;
    let popup = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(popup.child_text("Event"), Some("subscribe_msg_popup_event"));
    let event = xml::parse(received[1].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("subscribe_msg_sent_event"));
    assert_eq!(event.child_text("FromUserName"), Some(openid.as_str()));
    let list = event
        .child("SubscribeMsgSentEvent")
        .and_then(|e| e.child("List"))
        .unwrap();
    assert_eq!(list.child_text("TemplateId"), Some(id.as_str()));
    assert_eq!(list.child_text("ErrorCode"), Some("0"));
    assert_eq!(list.child_text("ErrorStatus"), Some("success"));
    assert_eq!(
        list.child_text("MsgID"),
        Some(inbox[0].message["msgid"].to_string().as_str())
    );
}

#[tokio::test]
async fn a_send_without_consent_is_43101() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 2010, &[1, 2]).await;
    let answer = env.post(SEND, &send_body(&openid, &id, booking())).await;
    assert_errcode(&answer, 43101);
    assert!(errmsg(&answer).starts_with("user refuse to accept the msg"));
    assert!(env.inbox(&openid).await.is_empty());
}

#[tokio::test]
async fn a_send_of_a_rejected_template_is_43101() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 1200, &[1, 3]).await;
    env.control()
        .consent(&openid, &[(&id, false)])
        .await
        .unwrap();
    let data = json!({"thing1": {"value": "5路"}, "time3": {"value": "15:01"}});
    assert_errcode(&env.post(SEND, &send_body(&openid, &id, data)).await, 43101);
}

#[tokio::test]
async fn each_one_time_consent_allows_one_send() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    assert_ok(&env.post(SEND, &send_body(&openid, &id, booking())).await);
    assert_errcode(
        &env.post(SEND, &send_body(&openid, &id, booking())).await,
        43101,
    );
    // Two more acceptances: two more sends.
    for _ in 0..2 {
        env.control()
            .consent(&openid, &[(&id, true)])
            .await
            .unwrap();
    }
    let shown = env.control().subscriptions(&openid).await.unwrap();
    assert_eq!(shown.templates[0].sends_left, Some(2));
    assert_eq!(shown.templates[0].status, Some(ConsentStatus::Accept));
    for _ in 0..2 {
        assert_ok(&env.post(SEND, &send_body(&openid, &id, booking())).await);
    }
    assert_errcode(
        &env.post(SEND, &send_body(&openid, &id, booking())).await,
        43101,
    );
    assert_eq!(env.inbox(&openid).await.len(), 3);
}

#[tokio::test]
async fn a_long_term_consent_allows_sends_until_the_follower_turns_it_off() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 1200, &[1, 3]).await;
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    let data = json!({"thing1": {"value": "5路"}, "time3": {"value": "15:01"}});
    for _ in 0..3 {
        assert_ok(&env.post(SEND, &send_body(&openid, &id, data.clone())).await);
    }
    let shown = env.control().subscriptions(&openid).await.unwrap();
    assert_eq!(shown.templates[0].sends_left, None);
    // The follower turns it off in their settings: subscribe_msg_change_event.
    let change = json!({"MsgType": "event", "Event": "subscribe_msg_change_event",
        "SubscribeMsgChangeEvent": {"List": {"TemplateId": id, "SubscribeStatusString": "reject"}}});
    env.push(&openid, change).await;
    assert_errcode(&env.post(SEND, &send_body(&openid, &id, data)).await, 43101);
}

#[tokio::test]
async fn a_value_that_breaks_its_types_rule_is_47003_naming_the_field() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    // 付款成功通知: thing1 amount2 time3 character_string4 phrase5 phone_number6.
    let id = add(&env, 99, &[1, 2, 3, 4, 5]).await;
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    let good = json!({"thing1": {"value": "会员卡"}, "amount2": {"value": "¥30.00"},
        "time3": {"value": "2019年10月1日 15:01"}, "character_string4": {"value": "SN-42"},
        "phrase5": {"value": "已支付"}});
    for (field, bad) in [
        ("thing1", "二十一个字二十一个字二十一个字二十一个字多"),
        ("amount2", "¥12345678901"),
        ("time3", "25:61"),
        ("character_string4", "订单42"),
        ("phrase5", "paid"),
    ] {
        let mut data = good.clone();
        data[field]["value"] = json!(bad);
        let answer = env.post(SEND, &send_body(&openid, &id, data)).await;
        assert_errcode(&answer, 47003);
        assert!(
            errmsg(&answer).starts_with(&format!("argument invalid! data.{field}.value invalid")),
            "{answer}"
        );
    }
    // None of them used the consent up.
    assert_ok(&env.post(SEND, &send_body(&openid, &id, good)).await);
}

#[tokio::test]
async fn a_missing_keyword_is_47003_naming_it() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    let answer = env
        .post(
            SEND,
            &send_body(&openid, &id, json!({"thing1": {"value": "天河店"}})),
        )
        .await;
    assert_errcode(&answer, 47003);
    assert!(
        errmsg(&answer).contains("data.time2.value is empty"),
        "{answer}"
    );
    let number = json!({"thing1": {"value": "天河店"}, "time2": {"value": 1501}});
    let answer = env.post(SEND, &send_body(&openid, &id, number)).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_field_the_template_lacks_still_needs_a_text_value() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    let mut data = booking();
    data["note9"] = json!({"value": 7});
    let answer = env.post(SEND, &send_body(&openid, &id, data)).await;
    assert_errcode(&answer, 47003);
    assert!(
        errmsg(&answer).contains("data.note9.value invalid"),
        "{answer}"
    );
    assert!(env.inbox(&openid).await.is_empty());
}

#[tokio::test]
async fn keyword_limits_are_a_setting() {
    let mut rules = SubscribeRules::default();
    rules.keyword_limits.amount_digits = 12;
    let env = env_with(Sandbox::builder().followers(2).subscribe_rules(rules)).await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 2011, &[1, 3]).await;
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    let data = json!({"thing1": {"value": "年度会员"}, "amount3": {"value": "123456789012元"}});
    assert_ok(&env.post(SEND, &send_body(&openid, &id, data)).await);
}

#[tokio::test]
async fn an_unknown_or_missing_template_is_40037() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    assert_errcode(
        &env.post(SEND, &send_body(&openid, "nope", booking())).await,
        40037,
    );
    assert_errcode(
        &env.post(SEND, &json!({"touser": openid, "data": booking()}))
            .await,
        40037,
    );
}

#[tokio::test]
async fn a_send_to_someone_unknown_is_40003() {
    let env = env().await;
    let (_, id) = booked(&env).await;
    let stranger = "oStranger000000000000000000";
    assert_errcode(
        &env.post(SEND, &send_body(stranger, &id, booking())).await,
        40003,
    );
    assert_errcode(
        &env.post(SEND, &json!({"template_id": id, "data": booking()}))
            .await,
        40003,
    );
}

#[tokio::test]
async fn a_send_to_someone_who_left_is_43004() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    env.push(&openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    assert_errcode(
        &env.post(SEND, &send_body(&openid, &id, booking())).await,
        43004,
    );
}

#[tokio::test]
async fn a_send_to_a_blacklisted_follower_is_43019() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    let block = json!({"openid_list": [openid]});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchblacklist", &block)
            .await,
    );
    assert_errcode(
        &env.post(SEND, &send_body(&openid, &id, booking())).await,
        43019,
    );
}

#[tokio::test]
async fn a_bad_mini_program_state_or_lang_is_47003() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    for (field, value) in [
        (
            "miniprogram",
            json!({"appid": "not-an-appid", "pagepath": "index"}),
        ),
        ("miniprogram_state", json!("beta")),
        ("lang", json!("fr_FR")),
    ] {
        let mut body = send_body(&openid, &id, booking());
        body[field] = value;
        let answer = env.post(SEND, &body).await;
        assert_errcode(&answer, 47003);
        assert!(errmsg(&answer).contains(field), "{answer}");
    }
}

#[tokio::test]
async fn the_same_client_msg_id_sends_once() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    let mut body = send_body(&openid, &id, booking());
    body["client_msg_id"] = json!("booking-42");
    assert_ok(&env.post(SEND, &body).await);
    // Again: the consent is used up, yet the same key answers as the first send did.
    assert_ok(&env.post(SEND, &body).await);
    assert_eq!(env.inbox(&openid).await.len(), 1);
}

#[tokio::test]
async fn the_msgid_answer_is_a_setting() {
    let mut rules = SubscribeRules::default();
    rules.answer_msgid = true;
    let env = env_with(Sandbox::builder().followers(2).subscribe_rules(rules)).await;
    let (openid, id) = booked(&env).await;
    let answer = env.post(SEND, &send_body(&openid, &id, booking())).await;
    assert_eq!(answer["errcode"], 0);
    let inbox = env.inbox(&openid).await;
    assert_eq!(answer["msgid"], inbox[0].message["msgid"]);
}

#[tokio::test]
async fn a_deleted_template_takes_its_consents_along() {
    let env = env().await;
    let (openid, id) = booked(&env).await;
    assert_ok(
        &env.post("/wxaapi/newtmpl/deltemplate", &json!({"priTmplId": id}))
            .await,
    );
    let shown = env.control().subscriptions(&openid).await.unwrap();
    assert!(shown.templates.is_empty());
    assert_errcode(
        &env.post(SEND, &send_body(&openid, &id, booking())).await,
        40037,
    );
}

#[tokio::test]
async fn a_popup_for_a_template_the_account_lacks_is_refused_and_records_nothing() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 2010, &[1, 2]).await;
    let refused = env
        .control()
        .consent(&openid, &[(&id, true), ("not-a-template", true)])
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("not-a-template"), "{refused}");
    assert!(refused.to_string().contains("HTTP 400"), "{refused}");
    let shown = env.control().subscriptions(&openid).await.unwrap();
    assert_eq!(shown.templates[0].status, None);
    assert_eq!(shown.templates[0].sends_left, Some(0));
}

#[tokio::test]
async fn a_popup_with_a_status_other_than_accept_or_reject_is_refused() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let id = add(&env, 2010, &[1, 2]).await;
    let popup = json!({"from": openid, "message": {"MsgType": "event",
        "Event": "subscribe_msg_popup_event",
        "SubscribeMsgPopupEvent": {"List": {"TemplateId": id, "SubscribeStatusString": "maybe"}}}});
    let (status, body) = env.control_post("/sandbox/push", &popup).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("accept or reject"));
    let missing = json!({"from": openid, "message": {"MsgType": "event",
        "Event": "subscribe_msg_popup_event"}});
    let (status, body) = env.control_post("/sandbox/push", &missing).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn templates_and_consents_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let builder = || Sandbox::builder().followers(3).seed(5).state_file(&path);
    let env = env_with(builder()).await;
    let (openid, id) = booked(&env).await;
    env.sandbox.shutdown().await.unwrap();
    let env = env_with(builder()).await;
    let shown = env.control().subscriptions(&openid).await.unwrap();
    assert_eq!(shown.templates[0].template_id, id);
    assert_eq!(shown.templates[0].sends_left, Some(1));
    assert_ok(&env.post(SEND, &send_body(&openid, &id, booking())).await);
}
