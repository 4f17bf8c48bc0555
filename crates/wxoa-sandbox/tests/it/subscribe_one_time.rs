//! The legacy one-time subscription (api-reference-2 §2): the `mp/subscribemsg` page the
//! sandbox plays, its redirect, and the one `message/template/subscribe` a confirmation allows.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::support::{Env, assert_errcode, assert_ok, client, env, fixture, request};

const SEND: &str = "/cgi-bin/message/template/subscribe";
const BACK: &str = "https://example.com/back";

/// The page's query as the fixture writes it, with `extra` parameters after it.
fn page_query(openid: &str, scene: &str, extra: &[(&str, &str)]) -> String {
    let Value::Object(fixture) = fixture("subscribe", "subscribemsg.query") else {
        panic!("the fixture is an object");
    };
    let mut pairs: Vec<(String, String)> = fixture
        .into_iter()
        .map(|(k, v)| {
            let v = v.as_str().unwrap().to_owned();
            let v = match v.as_str() {
                "APPID" => DEFAULT_APP_ID.to_owned(),
                "TEMPLATE_ID" => "OneTimeTemplate".to_owned(),
                "REDIRECT_URL" => BACK.to_owned(),
                "RESERVED" => "csrf42".to_owned(),
                "1000" => scene.to_owned(),
                _ => v,
            };
            (k, v)
        })
        .collect();
    pairs.push(("sandbox_openid".into(), openid.into()));
    pairs.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    serde_urlencoded::to_string(pairs).unwrap()
}

/// Opens the page (no redirect followed): the status and the `Location`.
async fn open(env: &Env, query: &str) -> (StatusCode, Option<url::Url>) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(env.url(&format!("/mp/subscribemsg?{query}")))
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| url::Url::parse(l.to_str().unwrap()).unwrap());
    (response.status(), location)
}

fn send_body(openid: &str, scene: &str) -> Value {
    let mut body = request(
        "subscribe",
        "template_subscribe",
        &[
            ("OPENID1", json!(openid)),
            ("TEMPLATE_ID", json!("OneTimeTemplate")),
            ("APPID", json!("wx1234567890abcdef")),
        ],
    );
    body["scene"] = json!(scene);
    body
}

#[tokio::test]
async fn a_confirmation_redirects_with_the_users_openid_and_allows_one_send() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let (status, location) = open(&env, &page_query(&openid, "1000", &[])).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.unwrap();
    assert!(location.as_str().starts_with(BACK));
    let query: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    let names: Vec<&str> = query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["openid", "template_id", "action", "scene", "reserved"]
    );
    let value = |name: &str| query.iter().find(|(k, _)| k == name).unwrap().1.clone();
    assert_eq!(value("openid"), openid);
    assert_eq!(value("template_id"), "OneTimeTemplate");
    assert_eq!(value("action"), "confirm");
    assert_eq!(value("scene"), "1000");
    assert_eq!(value("reserved"), "csrf42");

    assert_ok(&env.post(SEND, &send_body(&openid, "1000")).await);
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "one_time");
    assert_eq!(inbox[0].message["title"], "预约成功");
    assert_eq!(
        inbox[0].message["data"]["content"]["value"],
        "您预约的课程明天开课"
    );
    assert_eq!(inbox[0].message["data"]["content"]["color"], "#ff0000");
    assert_eq!(inbox[0].message["url"], "http://weixin.qq.com/download");
    // One confirmation, one send.
    assert_errcode(&env.post(SEND, &send_body(&openid, "1000")).await, 43101);
}

#[tokio::test]
async fn a_cancel_redirects_without_an_openid_and_allows_nothing() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let query = page_query(&openid, "7", &[("sandbox_action", "cancel")]);
    let (status, location) = open(&env, &query).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(pairs.iter().all(|(k, _)| k != "openid"), "{location}");
    assert!(pairs.contains(&("action".into(), "cancel".into())));
    assert_errcode(&env.post(SEND, &send_body(&openid, "7")).await, 43101);
}

#[tokio::test]
async fn a_send_without_a_confirmation_of_that_scene_is_43101() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    assert_errcode(&env.post(SEND, &send_body(&openid, "1000")).await, 43101);
    open(&env, &page_query(&openid, "1000", &[])).await;
    assert_errcode(&env.post(SEND, &send_body(&openid, "1001")).await, 43101);
    assert!(env.inbox(&openid).await.is_empty());
}

#[tokio::test]
async fn the_page_refuses_a_scene_outside_0_to_10000() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let (status, _) = open(&env, &page_query(&openid, "10001", &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = open(&env, &page_query(&openid, "10000", &[])).await;
    assert_eq!(status, StatusCode::FOUND);
}

#[tokio::test]
async fn the_page_refuses_a_bad_redirect_url_action_or_reserved() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let good = page_query(&openid, "1", &[]);
    for (from, to) in [
        (
            "redirect_url=https%3A%2F%2Fexample.com%2Fback",
            "redirect_url=not+a+url",
        ),
        ("action=get_confirm", "action=confirm"),
        ("reserved=csrf42", "reserved=csrf-42"),
        ("appid=wx0123456789abcdef", "appid=wx9999999999999999"),
    ] {
        assert!(good.contains(from), "{good}");
        let (status, _) = open(&env, &good.replace(from, to)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{to}");
    }
    let stranger = page_query("oStranger000000000000000000", "1", &[]);
    let (status, _) = open(&env, &stranger).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_title_over_15_characters_is_40062() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    open(&env, &page_query(&openid, "1000", &[])).await;
    let mut body = send_body(&openid, "1000");
    body["title"] = json!("一".repeat(16));
    assert_errcode(&env.post(SEND, &body).await, 40062);
    body["title"] = json!("");
    assert_errcode(&env.post(SEND, &body).await, 40062);
    // The confirmation is still there.
    assert_ok(&env.post(SEND, &send_body(&openid, "1000")).await);
}

#[tokio::test]
async fn content_over_200_characters_or_a_bad_color_is_47003() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    open(&env, &page_query(&openid, "1000", &[])).await;
    let mut long = send_body(&openid, "1000");
    long["data"]["content"]["value"] = json!("字".repeat(201));
    let answer = env.post(SEND, &long).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("data.content.value")
    );
    let mut color = send_body(&openid, "1000");
    color["data"]["content"]["color"] = json!("red");
    let answer = env.post(SEND, &color).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("data.content.color")
    );
}

#[tokio::test]
async fn a_scene_outside_0_to_10000_is_47003() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    for scene in ["10001", "-1", "x"] {
        let answer = env.post(SEND, &send_body(&openid, scene)).await;
        assert_errcode(&answer, 47003);
        assert!(answer["errmsg"].as_str().unwrap().contains("scene"));
    }
}

#[tokio::test]
async fn a_one_time_send_without_a_template_is_40037() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let mut body = send_body(&openid, "1000");
    body["template_id"] = json!("");
    assert_errcode(&env.post(SEND, &body).await, 40037);
}

#[tokio::test]
async fn a_one_time_send_to_someone_unknown_is_40003() {
    let env = env().await;
    let answer = env
        .post(SEND, &send_body("oStranger000000000000000000", "1000"))
        .await;
    assert_errcode(&answer, 40003);
    // The page is not an API call: it needs no token.
    let response = client()
        .get(env.url("/mp/subscribemsg?action=get_confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
