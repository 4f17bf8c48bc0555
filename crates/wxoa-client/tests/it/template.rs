//! `client.templates()` against the sandbox (api-reference §13).

use serde_json::json;

use crate::sandbox_env::{Env, env, errcode, refused, request_fixture};

const SET_INDUSTRY: &str = "/cgi-bin/template/api_set_industry";
const ADD: &str = "/cgi-bin/template/api_add_template";
const DELETE: &str = "/cgi-bin/template/del_private_template";
const SEND: &str = "/cgi-bin/message/template/send";

async fn with_template(env: &Env) -> String {
    env.client
        .templates()
        .add("TM00015")
        .await
        .unwrap()
        .into_string()
}

#[tokio::test]
async fn industries_are_set_as_the_spec_shows_and_read_back() {
    let env = env(0).await;
    env.client.templates().set_industry(1, 4).await.unwrap();
    assert_eq!(
        env.last_body(SET_INDUSTRY).await,
        request_fixture("template", "api_set_industry", &[])
    );
    let industry = env.client.templates().industry().await.unwrap();
    assert_eq!(industry.primary_industry.first_class, "IT科技");
    assert_eq!(industry.primary_industry.second_class, "互联网|电子商务");
    assert_eq!(industry.secondary_industry.second_class, "电子技术");
}

#[tokio::test]
async fn an_unknown_industry_is_40102_and_code_0_is_refused() {
    let env = env(0).await;
    assert_eq!(
        errcode(env.client.templates().set_industry(1, 99).await),
        40102
    );
    assert!(refused(env.client.templates().set_industry(0, 1).await).starts_with("industry_id1: "));
    assert_eq!(env.calls(SET_INDUSTRY).await.len(), 1);
}

#[tokio::test]
async fn industries_change_once_a_month_43100() {
    let env = env(0).await;
    env.client.templates().set_industry(1, 4).await.unwrap();
    assert_eq!(
        errcode(env.client.templates().set_industry(2, 4).await),
        43100
    );
}

#[tokio::test]
async fn a_template_is_added_listed_and_deleted_as_the_spec_shows() {
    let env = env(0).await;
    let id = with_template(&env).await;
    assert_eq!(
        env.last_body(ADD).await,
        request_fixture("template", "api_add_template", &[])
    );
    let templates = env.client.templates().list().await.unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(templates[0].template_id, id.as_str());
    assert!(templates[0].content.contains(".DATA}}"));
    env.client.templates().delete(id.as_str()).await.unwrap();
    let expected = request_fixture(
        "template",
        "del_private_template",
        &[("TEMPLATE_ID", json!(id))],
    );
    assert_eq!(env.last_body(DELETE).await, expected);
    assert!(env.client.templates().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_category_template_names_its_keywords() {
    let env = env(0).await;
    env.client
        .templates()
        .add("TM00015")
        .keyword_names(["物品名称", "金额"])
        .await
        .unwrap();
    assert_eq!(
        env.last_body(ADD).await,
        json!({"template_id_short": "TM00015", "keyword_name_list": ["物品名称", "金额"]})
    );
}

#[tokio::test]
async fn an_unknown_template_is_40037() {
    let env = env(0).await;
    assert_eq!(errcode(env.client.templates().add("XX1").await), 40037);
    assert_eq!(errcode(env.client.templates().delete("nope").await), 40037);
}

#[tokio::test]
async fn the_26th_template_is_45026() {
    let env = env(0).await;
    for _ in 0..25 {
        with_template(&env).await;
    }
    assert_eq!(errcode(env.client.templates().add("TM00015").await), 45026);
}

#[tokio::test]
async fn a_send_goes_out_as_the_spec_shows() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = with_template(&env).await;
    let msgid = env
        .client
        .templates()
        .send(openid.as_str(), id.as_str())
        .url("http://weixin.qq.com/download")
        .miniprogram("wx1234567890abcdef", "index?foo=bar")
        .client_msg_id("MSG_000001")
        .colored_field("keyword1", "巧克力", "#173177")
        .field("keyword2", "39.8元")
        .await
        .unwrap();
    let expected = request_fixture(
        "template",
        "send",
        &[("OPENID", json!(openid)), ("TEMPLATE_ID", json!(id))],
    );
    assert_eq!(env.last_body(SEND).await, expected);
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].message["msgid"], json!(msgid.0));
}

#[tokio::test]
async fn the_same_client_msg_id_sends_once_and_is_retried_after_a_dropped_connection() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = with_template(&env).await;
    let send = || {
        env.client
            .templates()
            .send(openid.as_str(), id.as_str())
            .field("keyword1", "x")
            .client_msg_id("order-42")
    };
    let first = send().await.unwrap();
    env.drop_next(SEND).await;
    let again = send().await.unwrap();
    assert_eq!(first, again);
    assert_eq!(
        env.calls(SEND).await.len(),
        3,
        "the dropped call was retried"
    );
    assert_eq!(env.inbox(&openid).await.len(), 1);
}

#[tokio::test]
async fn without_a_client_msg_id_a_send_is_never_repeated() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = with_template(&env).await;
    env.drop_next(SEND).await;
    let error = env
        .client
        .templates()
        .send(openid.as_str(), id.as_str())
        .await
        .unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(SEND).await.len(), 1);
}

#[tokio::test]
async fn a_send_that_breaks_a_rule_is_refused_before_sending() {
    let env = env(3).await;
    let t = env.client.templates();
    let bad_color = t.send("o1", "T").colored_field("k", "v", "red");
    assert_eq!(
        refused(bad_color.await),
        "data.k.color: must be #RRGGBB (six hex digits)"
    );
    let long_key = t.send("o1", "T").client_msg_id("k".repeat(65));
    assert_eq!(
        refused(long_key.await),
        "client_msg_id: longer than 64 bytes"
    );
    assert!(refused(t.send("", "T").await).starts_with("touser: "));
    assert!(refused(t.send("o1", "").await).starts_with("template_id: "));
    assert!(refused(t.send("o1", "T").field("", "v").await).starts_with("data: "));
    assert!(env.calls(SEND).await.is_empty());
}

#[tokio::test]
async fn a_send_with_an_unknown_template_is_40037() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(
        errcode(env.client.templates().send(openid.as_str(), "nope").await),
        40037
    );
}

#[tokio::test]
async fn a_send_to_someone_who_left_is_43004_and_to_nobody_40003() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = with_template(&env).await;
    env.unfollow(&openid).await;
    assert_eq!(
        errcode(
            env.client
                .templates()
                .send(openid.as_str(), id.as_str())
                .await
        ),
        43004
    );
    assert_eq!(
        errcode(env.client.templates().send("oNobody", id.as_str()).await),
        40003
    );
}

#[tokio::test]
async fn a_refusing_user_is_43101_and_a_bad_argument_47003() {
    // The sandbox has no users who refuse, and the typed API sends only strings: the
    // platform's answers are played.
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = with_template(&env).await;
    for code in [43101, 47003, 45027] {
        env.fail_next(SEND, code).await;
        assert_eq!(
            errcode(
                env.client
                    .templates()
                    .send(openid.as_str(), id.as_str())
                    .await
            ),
            code
        );
    }
}
