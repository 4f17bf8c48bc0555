//! Template messages: industries, templates, sends and the job-finished push.

use serde_json::{Value, json};
use wxoa_types::xml;

use crate::support::{
    Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with_quiet_hook, request,
};

async fn add(env: &Env) -> String {
    let added = env
        .post(
            "/cgi-bin/template/api_add_template",
            &request("template", "api_add_template", &[]),
        )
        .await;
    added["template_id"].as_str().unwrap().to_owned()
}

fn send_body(openid: &str, template: &str) -> Value {
    request(
        "template",
        "send",
        &[("OPENID", json!(openid)), ("TEMPLATE_ID", json!(template))],
    )
}

#[tokio::test]
async fn industries_are_set_and_read_with_the_spec_shapes() {
    let env = env().await;
    let set = request("template", "api_set_industry", &[]);
    assert_ok(&env.post("/cgi-bin/template/api_set_industry", &set).await);
    let got = env.get("/cgi-bin/template/get_industry").await;
    assert_fixture_shape(&got, "template", "get_industry");
    assert_eq!(
        got["primary_industry"],
        json!({"first_class": "IT科技", "second_class": "互联网|电子商务"})
    );
    assert_eq!(got["secondary_industry"]["second_class"], "电子技术");
}

#[tokio::test]
async fn an_unknown_industry_is_40102() {
    let env = env().await;
    let body = json!({"industry_id1": "1", "industry_id2": "42"});
    assert_errcode(
        &env.post("/cgi-bin/template/api_set_industry", &body).await,
        40102,
    );
}

#[tokio::test]
async fn industries_change_at_most_once_a_month() {
    let mut env = env().await;
    let set = request("template", "api_set_industry", &[]);
    assert_ok(&env.post("/cgi-bin/template/api_set_industry", &set).await);
    assert_errcode(
        &env.post("/cgi-bin/template/api_set_industry", &set).await,
        43100,
    );
    env.advance(30 * 86_400).await;
    env.refresh_token().await;
    assert_ok(&env.post("/cgi-bin/template/api_set_industry", &set).await);
}

#[tokio::test]
async fn templates_are_added_listed_and_deleted() {
    let env = env().await;
    let added = env
        .post(
            "/cgi-bin/template/api_add_template",
            &request("template", "api_add_template", &[]),
        )
        .await;
    assert_fixture_shape(&added, "template", "api_add_template");
    let list = env.get("/cgi-bin/template/get_all_private_template").await;
    assert_fixture_shape(&list, "template", "get_all_private_template");
    assert_eq!(
        list["template_list"][0]["template_id"],
        added["template_id"]
    );
    let delete = request(
        "template",
        "del_private_template",
        &[("TEMPLATE_ID", added["template_id"].clone())],
    );
    assert_ok(
        &env.post("/cgi-bin/template/del_private_template", &delete)
            .await,
    );
    assert_errcode(
        &env.post("/cgi-bin/template/del_private_template", &delete)
            .await,
        40037,
    );
    let list = env.get("/cgi-bin/template/get_all_private_template").await;
    assert_eq!(list["template_list"], json!([]));
}

#[tokio::test]
async fn an_unknown_short_id_is_40037() {
    let env = env().await;
    let body = json!({"template_id_short": "NOPE"});
    assert_errcode(
        &env.post("/cgi-bin/template/api_add_template", &body).await,
        40037,
    );
}

#[tokio::test]
async fn an_account_holds_at_most_25_templates() {
    let env = env().await;
    for _ in 0..25 {
        add(&env).await;
    }
    let body = request("template", "api_add_template", &[]);
    assert_errcode(
        &env.post("/cgi-bin/template/api_add_template", &body).await,
        45026,
    );
}

#[tokio::test]
async fn a_send_lands_in_the_inbox_and_pushes_templatesendjobfinish() {
    let (hook, env) = env_with_quiet_hook(2).await;
    let template = add(&env).await;
    let openid = env.followers(1).await[0].clone();
    let sent = env
        .post(
            "/cgi-bin/message/template/send",
            &send_body(&openid, &template),
        )
        .await;
    assert_fixture_shape(&sent, "template", "send");
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox[0].kind, "template");
    assert_eq!(inbox[0].message["data"]["keyword1"]["value"], "巧克力");
    assert_eq!(inbox[0].message["url"], "http://weixin.qq.com/download");
    let received = hook.wait_for(1).await;
    let event = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("TEMPLATESENDJOBFINISH"));
    assert_eq!(
        event.child_text("MsgID"),
        Some(sent["msgid"].to_string().as_str())
    );
    assert_eq!(event.child_text("Status"), Some("success"));
    assert_eq!(event.child_text("FromUserName"), Some(openid.as_str()));
}

#[tokio::test]
async fn the_same_client_msg_id_sends_once() {
    let env = env().await;
    let template = add(&env).await;
    let openid = env.followers(1).await[0].clone();
    let first = env
        .post(
            "/cgi-bin/message/template/send",
            &send_body(&openid, &template),
        )
        .await;
    let again = env
        .post(
            "/cgi-bin/message/template/send",
            &send_body(&openid, &template),
        )
        .await;
    assert_eq!(first["msgid"], again["msgid"]);
    assert_eq!(env.inbox(&openid).await.len(), 1);
}

#[tokio::test]
async fn sending_an_unknown_template_is_40037() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    let body = send_body(&openid, "NoSuchTemplate");
    assert_errcode(
        &env.post("/cgi-bin/message/template/send", &body).await,
        40037,
    );
}

#[tokio::test]
async fn sending_to_someone_not_following_is_43004_or_40003() {
    let env = env().await;
    let template = add(&env).await;
    let openid = env.followers(1).await[0].clone();
    env.push(&openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    let body = send_body(&openid, &template);
    assert_errcode(
        &env.post("/cgi-bin/message/template/send", &body).await,
        43004,
    );
    let body = send_body("oUnknownUnknownUnknownUnknown", &template);
    assert_errcode(
        &env.post("/cgi-bin/message/template/send", &body).await,
        40003,
    );
}

#[tokio::test]
async fn data_fields_need_a_string_value_47003() {
    let env = env().await;
    let template = add(&env).await;
    let openid = env.followers(1).await[0].clone();
    let mut body = send_body(&openid, &template);
    body["data"]["keyword2"] = json!({"value": 39.8});
    let answer = env.post("/cgi-bin/message/template/send", &body).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("data.keyword2.value")
    );
}
