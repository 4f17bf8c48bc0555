//! `client.subscriptions()` against the sandbox (api-reference-2 §1–2): the template library,
//! the account's templates, sends to consenting followers, the legacy one-time subscription,
//! and the spec's response fixtures decoded through the client.

use futures::TryStreamExt;
use serde_json::json;
use wxoa_client::ErrCode;
use wxoa_client::api::subscribe::{
    KeywordLimits, KeywordRule, MiniProgramState, NotificationLang, OneTimeAction, OneTimeConsent,
    SendNotification, TemplateType,
};
use wxoa_sandbox::{Sandbox, SubscribeRules};

use crate::sandbox_env::{
    Env, api_code, env, env_with, errcode, fixture, query_fixture, refused, request_fixture,
};

const SEND: &str = "/cgi-bin/message/subscribe/bizsend";
const ADD: &str = "/wxaapi/newtmpl/addtemplate";
const ONE_TIME: &str = "/cgi-bin/message/template/subscribe";

/// A send of `booked`'s template to its follower, for the shop `shop` at 15:01.
fn booking(env: &Env, openid: &str, id: &str, shop: &str) -> SendNotification {
    env.client
        .subscriptions()
        .send(openid, id)
        .field("thing1", shop)
        .field("time2", "15:01")
}

/// `预约成功通知` (one-time; `thing1`, `time2`) and a follower who accepted it once.
async fn booked(env: &Env) -> (String, String) {
    let openid = env.followers(1).await.remove(0);
    let id = env
        .client
        .subscriptions()
        .add(2010, [1, 2])
        .await
        .unwrap()
        .into_string();
    env.control()
        .consent(&openid, &[(&id, true)])
        .await
        .unwrap();
    (openid, id)
}

#[tokio::test]
async fn the_library_reads_as_the_spec_shows() {
    let env = env(0).await;
    let subscriptions = env.client.subscriptions();
    let categories = subscriptions.categories().await.unwrap();
    assert!(categories.iter().any(|c| c.id == 616 && c.name == "公交"));
    let page = subscriptions.titles(0, 30).categories([616]).await.unwrap();
    let mut expected = query_fixture("subscribe", "getpubtemplatetitles", &[]);
    expected["access_token"] = json!("***");
    assert_eq!(
        env.last_query("/wxaapi/newtmpl/getpubtemplatetitles").await,
        expected
    );
    assert_eq!(page.count, 1);
    assert_eq!(page.data[0].kind, TemplateType::LongTerm);
    assert_eq!(page.data[0].category_id, "616");
    let keywords = subscriptions.keywords(99).await.unwrap();
    let mut expected = query_fixture("subscribe", "getpubtemplatekeywords", &[]);
    expected["access_token"] = json!("***");
    assert_eq!(
        env.last_query("/wxaapi/newtmpl/getpubtemplatekeywords")
            .await,
        expected
    );
    assert_eq!(keywords.count, keywords.data.len() as u64);
    assert_eq!(keywords.data[0].rule, KeywordRule::Thing);
    assert_eq!(keywords.data[1].rule, KeywordRule::Amount);
}

#[tokio::test]
async fn every_title_streams_across_pages() {
    let env = env(0).await;
    let all: Vec<_> = env
        .client
        .subscriptions()
        .all_titles(Vec::new())
        .try_collect()
        .await
        .unwrap();
    let first = env.client.subscriptions().titles(0, 1).await.unwrap();
    assert_eq!(all.len() as u64, first.count);
    let mut tids: Vec<u32> = all.iter().map(|t| t.tid).collect();
    tids.dedup();
    assert_eq!(tids.len(), all.len());
    let two: Vec<_> = env
        .client
        .subscriptions()
        .all_titles(vec![112, 307])
        .try_collect()
        .await
        .unwrap();
    assert_eq!(two.len(), 4);
}

#[tokio::test]
async fn an_unknown_title_is_200014() {
    let env = env(0).await;
    let s = env.client.subscriptions();
    assert_eq!(errcode(s.keywords(98).await), 200014);
    assert_eq!(errcode(s.add(98, [1, 2]).await), 200014);
}

#[tokio::test]
async fn a_template_is_added_listed_and_deleted_as_the_spec_shows() {
    let env = env(0).await;
    let s = env.client.subscriptions();
    let id = s
        .add(99, [3, 5, 4])
        .scene_desc("订单支付成功")
        .await
        .unwrap();
    assert_eq!(
        env.last_body(ADD).await,
        request_fixture("subscribe", "addtemplate", &[])
    );
    let templates = s.list().await.unwrap();
    assert_eq!(templates[0].pri_tmpl_id, id);
    assert_eq!(templates[0].kind, TemplateType::OneTime);
    assert_eq!(
        templates[0].fields(),
        ["time3", "phrase5", "character_string4"]
    );
    s.delete(id.clone()).await.unwrap();
    let expected = request_fixture("subscribe", "deltemplate", &[("TEMPLATE_ID", json!(id))]);
    assert_eq!(env.last_body("/wxaapi/newtmpl/deltemplate").await, expected);
    assert!(s.list().await.unwrap().is_empty());
    assert_eq!(errcode(s.delete(id).await), 40037);
}

#[tokio::test]
async fn a_template_that_breaks_a_rule_is_refused_before_sending() {
    let env = env(0).await;
    let s = env.client.subscriptions();
    assert!(refused(s.add(99, [1]).await).starts_with("kidList: must name 2 to 5"));
    assert!(refused(s.add(99, [1, 2, 3, 4, 5, 6]).await).starts_with("kidList: "));
    assert_eq!(
        refused(s.add(99, [1, 1]).await),
        "kidList[1]: 1 is named twice"
    );
    assert!(refused(s.add(0, [1, 2]).await).starts_with("tid: "));
    let long = s.add(99, [1, 2]).scene_desc("一".repeat(16));
    assert_eq!(refused(long.await), "sceneDesc: longer than 15 characters");
    assert!(refused(s.titles(0, 31).await).starts_with("limit: "));
    assert!(refused(s.titles(0, 0).await).starts_with("limit: "));
    assert!(refused(s.keywords(0).await).starts_with("tid: "));
    assert!(refused(s.delete("").await).starts_with("priTmplId: "));
    assert!(env.calls(ADD).await.is_empty());
}

#[tokio::test]
async fn an_unknown_keyword_is_200020_and_the_26th_template_200012() {
    let env = env(0).await;
    let s = env.client.subscriptions();
    assert_eq!(errcode(s.add(99, [1, 9]).await), 200020);
    for _ in 0..25 {
        s.add(99, [1, 2]).await.unwrap();
    }
    assert_eq!(errcode(s.add(99, [1, 2]).await), 200012);
}

#[tokio::test]
async fn a_send_goes_out_as_the_spec_shows_and_lands_in_the_inbox() {
    let env = env(3).await;
    let (openid, id) = booked(&env).await;
    let sent = env
        .client
        .subscriptions()
        .send(openid.as_str(), id.as_str())
        .page("https://example.com/bookings/42")
        .miniprogram("wx1234567890abcdef", "index?foo=bar")
        .miniprogram_state(MiniProgramState::Formal)
        .lang(NotificationLang::ZhCn)
        .client_msg_id("MSG_000001")
        .field("thing1", "天河店")
        .field("time2", "2019年10月1日 15:01")
        .await
        .unwrap();
    assert_eq!(sent.msgid, None, "the sandbox answers no msgid by default");
    let expected = request_fixture(
        "subscribe",
        "bizsend",
        &[
            ("OPENID1", json!(openid)),
            ("TEMPLATE_ID", json!(id)),
            ("APPID", json!("wx1234567890abcdef")),
        ],
    );
    assert_eq!(env.last_body(SEND).await, expected);
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox[0].kind, "subscribe");
    assert_eq!(
        inbox[0].message["data"]["time2"]["value"],
        "2019年10月1日 15:01"
    );
}

#[tokio::test]
async fn a_send_without_consent_is_43101() {
    let env = env(3).await;
    let (openid, id) = booked(&env).await;
    let send = || booking(&env, &openid, &id, "天河店");
    send().await.unwrap();
    assert_eq!(errcode(send().await), 43101);
}

#[tokio::test]
async fn a_missing_keyword_or_unknown_template_is_the_platforms_to_refuse() {
    let env = env(3).await;
    let (openid, id) = booked(&env).await;
    let s = env.client.subscriptions();
    let partial = s
        .send(openid.as_str(), id.as_str())
        .field("thing1", "天河店");
    assert_eq!(errcode(partial.await), 47003);
    let unknown = s.send(openid.as_str(), "nope").field("thing1", "天河店");
    assert_eq!(errcode(unknown.await), 40037);
    let stranger = s
        .send("oStranger000000000000000000", id.as_str())
        .field("thing1", "x");
    assert_eq!(errcode(stranger.await), 40003);
}

#[tokio::test]
async fn values_that_break_their_types_rule_are_refused_before_sending() {
    let env = env(3).await;
    let s = env.client.subscriptions();
    let refuse = |name: &str, value: &str| {
        let send = s.send("oUser", "T").field(name, value);
        async move { refused(send.await) }
    };
    assert_eq!(
        refuse("thing1", &"字".repeat(21)).await,
        "data.thing1.value: longer than 20 characters (a thing keyword)"
    );
    assert_eq!(
        refuse("phrase2", "sent").await,
        "data.phrase2.value: 's' is not allowed in a phrase keyword (Chinese characters)"
    );
    assert!(
        refuse("time3", "tomorrow")
            .await
            .starts_with("data.time3.value: not a 24-hour time")
    );
    assert!(
        refuse("date4", "2019年2月30日")
            .await
            .starts_with("data.date4.value: not a date")
    );
    assert!(
        refuse("amount5", "¥12345678901")
            .await
            .starts_with("data.amount5.value: not an amount")
    );
    assert!(
        refuse("number6", "1.2.3")
            .await
            .starts_with("data.number6.value: not a number")
    );
    assert!(
        refuse("car_number7", "粤A8Z888挂X")
            .await
            .starts_with("data.car_number7.value: ")
    );
    assert!(refuse("thing8", "").await.ends_with("must not be empty"));
    assert_eq!(
        refused(s.send("oUser", "T").await),
        "data: must hold the template's fields"
    );
    let long_key = s
        .send("oUser", "T")
        .field("thing1", "x")
        .client_msg_id("k".repeat(65));
    assert_eq!(
        refused(long_key.await),
        "client_msg_id: longer than 64 bytes"
    );
    let lang = s
        .send("oUser", "T")
        .field("thing1", "x")
        .lang(NotificationLang::from("fr_FR"));
    assert!(refused(lang.await).starts_with("lang: "));
    let state = s
        .send("oUser", "T")
        .field("thing1", "x")
        .miniprogram_state(MiniProgramState::from("beta"));
    assert!(refused(state.await).starts_with("miniprogram_state: "));
    assert!(refused(s.send("", "T").field("thing1", "x").await).starts_with("touser: "));
    assert!(env.calls(SEND).await.is_empty());
}

/// A sandbox of two followers with these rules.
async fn env_ruled(rules: SubscribeRules) -> Env {
    env_with(
        Sandbox::builder()
            .followers(2)
            .seed(3)
            .subscribe_rules(rules),
    )
    .await
}

/// A sandbox with these rules, and `booked`'s template and follower.
async fn booked_with(rules: SubscribeRules) -> (Env, String, String) {
    let env = env_ruled(rules).await;
    let (openid, id) = booked(&env).await;
    (env, openid, id)
}

#[tokio::test]
async fn a_page_that_is_no_web_url_is_41030_when_pages_must_be_urls() {
    let mut rules = SubscribeRules::default();
    rules.page_web_url = true;
    let (env, openid, id) = booked_with(rules).await;
    let send = || booking(&env, &openid, &id, "天河店");
    assert_eq!(
        api_code(send().page("pages/index").await),
        ErrCode::InvalidPage
    );
    send().page("https://example.com/b/1").await.unwrap();
}

#[tokio::test]
async fn a_template_banned_from_sending_is_43107() {
    let mut rules = SubscribeRules::default();
    rules.send_banned_tids = vec![2010];
    let (env, openid, id) = booked_with(rules).await;
    let sent = booking(&env, &openid, &id, "天河店").await;
    assert_eq!(api_code(sent), ErrCode::SubscribeCapabilityBanned);
    assert!(env.inbox(&openid).await.is_empty());
}

#[tokio::test]
async fn a_value_with_a_sensitive_word_is_45168() {
    let mut rules = SubscribeRules::default();
    rules.sensitive_words = vec!["违禁".to_owned()];
    let (env, openid, id) = booked_with(rules).await;
    assert_eq!(
        api_code(booking(&env, &openid, &id, "违禁店").await),
        ErrCode::SensitiveWords
    );
    booking(&env, &openid, &id, "天河店").await.unwrap();
}

#[tokio::test]
async fn a_banned_account_adding_a_template_is_200011() {
    let mut rules = SubscribeRules::default();
    rules.account_banned = true;
    let env = env_ruled(rules).await;
    let added = env.client.subscriptions().add(2010, [1, 2]).await;
    assert_eq!(api_code(added), ErrCode::SubscribeAccountBanned);
}

#[tokio::test]
async fn a_banned_title_is_200013() {
    let mut rules = SubscribeRules::default();
    rules.add_banned_tids = vec![2010];
    let env = env_ruled(rules).await;
    let s = env.client.subscriptions();
    assert_eq!(
        api_code(s.add(2010, [1, 2]).await),
        ErrCode::SubscribeTemplateBanned
    );
    s.add(2011, [1, 3]).await.unwrap();
}

#[tokio::test]
async fn keyword_limits_are_a_setting_of_the_send() {
    let mut rules = SubscribeRules::default();
    rules.keyword_limits.amount_digits = 12;
    rules.answer_msgid = true;
    let env = env_ruled(rules).await;
    let openid = env.followers(1).await.remove(0);
    let s = env.client.subscriptions();
    let id = s.add(2011, [1, 3]).await.unwrap();
    env.control()
        .consent(&openid, &[(id.as_str(), true)])
        .await
        .unwrap();
    let send = || {
        s.send(openid.as_str(), id.clone())
            .field("thing1", "年度会员")
            .field("amount3", "123456789012元")
    };
    assert!(refused(send().await).starts_with("data.amount3.value: "));
    let mut limits = KeywordLimits::default();
    limits.amount_digits = 12;
    let sent = send().keyword_limits(limits).await.unwrap();
    let inbox = env.inbox(&openid).await;
    assert_eq!(sent.msgid.map(|m| m.0), inbox[0].message["msgid"].as_u64());
}

#[tokio::test]
async fn a_send_with_a_key_is_retried_after_a_dropped_connection_and_sent_once() {
    let env = env(3).await;
    let (openid, id) = booked(&env).await;
    env.drop_next(SEND).await;
    env.client
        .subscriptions()
        .send(openid.as_str(), id.as_str())
        .field("thing1", "天河店")
        .field("time2", "15:01")
        .client_msg_id("booking-42")
        .await
        .unwrap();
    assert_eq!(
        env.calls(SEND).await.len(),
        2,
        "the dropped call was retried"
    );
    assert_eq!(env.inbox(&openid).await.len(), 1);
}

#[tokio::test]
async fn a_send_without_a_key_is_never_repeated() {
    let env = env(3).await;
    let (openid, id) = booked(&env).await;
    env.drop_next(SEND).await;
    let error = env
        .client
        .subscriptions()
        .send(openid.as_str(), id.as_str())
        .field("thing1", "天河店")
        .field("time2", "15:01")
        .await
        .unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(SEND).await.len(), 1);
}

#[tokio::test]
async fn a_one_time_confirmation_allows_one_send() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let s = env.client.subscriptions();
    let url = s
        .one_time_authorize_url("OneTimeTemplate", 1000, "https://example.com/back")
        .reserved("csrf42")
        .to_url()
        .unwrap();
    // The client's mp host is the sandbox (its API base): the page answers with the redirect.
    let page = format!(
        "{}&sandbox_openid={openid}",
        url.trim_end_matches("#wechat_redirect")
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http.get(page).send().await.unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let back = url::Url::parse(&location).unwrap();
    let consent = OneTimeConsent::from_query(back.query().unwrap()).unwrap();
    assert_eq!(consent.action, OneTimeAction::Confirm);
    assert_eq!(
        consent.openid.as_ref().map(|o| o.as_str()),
        Some(openid.as_str())
    );
    assert_eq!(consent.reserved.as_deref(), Some("csrf42"));
    let send = || {
        s.one_time_send(
            consent.openid.clone().unwrap(),
            consent.template_id.clone(),
            consent.scene,
            "预约成功",
            "您预约的课程明天开课",
        )
        .url("http://weixin.qq.com/download")
        .miniprogram("wx1234567890abcdef", "index?foo=bar")
        .color("#ff0000")
    };
    send().await.unwrap();
    let expected = request_fixture(
        "subscribe",
        "template_subscribe",
        &[
            ("OPENID1", json!(openid)),
            ("TEMPLATE_ID", json!("OneTimeTemplate")),
            ("APPID", json!("wx1234567890abcdef")),
        ],
    );
    assert_eq!(env.last_body(ONE_TIME).await, expected);
    assert_eq!(env.inbox(&openid).await[0].kind, "one_time");
    assert_eq!(errcode(send().await), 43101);
}

#[tokio::test]
async fn a_one_time_message_that_breaks_a_rule_is_refused_before_sending() {
    let env = env(0).await;
    let s = env.client.subscriptions();
    let send = |scene: u32, title: &str, content: &str| {
        s.one_time_send("oUser", "T", scene, title, content)
    };
    assert_eq!(
        refused(send(1, &"一".repeat(16), "c").await),
        "title: longer than 15 characters"
    );
    assert_eq!(
        refused(send(1, "t", &"字".repeat(201)).await),
        "data.content.value: longer than 200 characters"
    );
    assert_eq!(
        refused(send(10_001, "t", "c").await),
        "scene: 0..=10000, got 10001"
    );
    assert!(refused(send(1, "t", "c").color("red").await).starts_with("data.content.color: "));
    let url = s.one_time_authorize_url("T", 1, "ftp://example.com");
    assert_eq!(
        refused(url.to_url()),
        "redirect_url: must be an http or https URL"
    );
    let url = s
        .one_time_authorize_url("T", 1, "https://example.com")
        .reserved("not-alnum");
    assert_eq!(
        refused(url.to_url()),
        "reserved: holds only letters and digits [a-zA-Z0-9]"
    );
    assert!(env.calls(ONE_TIME).await.is_empty());
}

#[tokio::test]
async fn the_specs_responses_decode() {
    let stub = crate::platform().await;
    for (path, name) in [
        ("/wxaapi/newtmpl/getcategory", "getcategory"),
        (
            "/wxaapi/newtmpl/getpubtemplatetitles",
            "getpubtemplatetitles",
        ),
        (
            "/wxaapi/newtmpl/getpubtemplatekeywords",
            "getpubtemplatekeywords",
        ),
        ("/wxaapi/newtmpl/gettemplate", "gettemplate"),
        (ADD, "addtemplate"),
        (SEND, "bizsend"),
    ] {
        stub.control()
            .faults()
            .json(
                path,
                fixture("subscribe", &format!("{name}.response.json")),
                u32::MAX,
            )
            .await
            .unwrap();
    }
    let client = crate::builder(&stub).build().unwrap();
    let s = client.subscriptions();
    let categories = s.categories().await.unwrap();
    assert_eq!(
        (categories[0].id, categories[0].name.as_str()),
        (616, "公交")
    );
    let titles = s.titles(0, 30).await.unwrap();
    assert_eq!(titles.data[0].tid, 99);
    assert_eq!(titles.data[0].kind, TemplateType::OneTime);
    let keywords = s.keywords(99).await.unwrap();
    assert_eq!(keywords.data[0].example, "名称");
    let templates = s.list().await.unwrap();
    assert_eq!(templates[0].fields(), ["date2", "thing1"]);
    assert_eq!(templates[0].keyword_enum_values[0].keyword_code, "enum1");
    assert_eq!(
        templates[0].keyword_enum_values[0].values,
        ["已报名", "已取消"]
    );
    let id = s.add(99, [3, 5, 4]).await.unwrap();
    assert_eq!(id, "9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU");
    let sent = s.send("oUser", id).field("thing1", "x").await.unwrap();
    assert_eq!(sent.msgid, None);
}
