//! CONTRACT §7 `wxoa subscribe …` against the sandbox: the template library, templates, sends
//! to a consenting follower (and the refusals: a value breaking its keyword type, exit 2; no
//! consent, exit 1 with 43101), and the legacy one-time subscription.

use serde_json::json;

use crate::sandbox_env::Env;

#[test]
fn the_library_and_the_accounts_templates() {
    let env = Env::new(0);
    let categories = env.json(&["subscribe", "categories"]);
    assert!(
        categories
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == 616 && c["name"] == "公交")
    );
    let page = env.json(&["subscribe", "titles", "--category", "616"]);
    assert_eq!(page["count"], 1);
    assert_eq!(page["data"][0]["title"], "乘车提醒");
    let query = &env.calls("/wxaapi/newtmpl/getpubtemplatetitles")[0].query;
    assert_eq!(
        (&query["ids"], &query["start"], &query["limit"]),
        (&json!("616"), &json!("0"), &json!("30"))
    );
    let small = env.json(&["subscribe", "titles", "--start", "1", "--limit", "2"]);
    assert_eq!(small["data"].as_array().unwrap().len(), 2);
    let all = env.json(&["subscribe", "titles", "--all"]);
    assert_eq!(
        all.as_array().unwrap().len() as u64,
        small["count"].as_u64().unwrap()
    );
    let keywords = env.json(&["subscribe", "keywords", "99"]);
    assert_eq!(keywords["data"][0]["rule"], "thing");

    let added = env.json(&[
        "subscribe",
        "add",
        "99",
        "3",
        "5",
        "4",
        "--scene-desc",
        "订单支付成功",
    ]);
    let id = added["priTmplId"].as_str().unwrap().to_owned();
    let body = &env.calls("/wxaapi/newtmpl/addtemplate")[0].body;
    assert_eq!(
        *body,
        json!({"tid": "99", "kidList": [3, 5, 4], "sceneDesc": "订单支付成功"})
    );
    let list = env.json(&["subscribe", "list"]);
    assert_eq!(list[0]["priTmplId"], id.as_str());
    assert!(
        list[0]["content"]
            .as_str()
            .unwrap()
            .contains("{{time3.DATA}}")
    );
    env.json(&["subscribe", "delete", &id]);
    let (code, err) = env.fails(&["subscribe", "delete", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("40037"), "{err}");
}

#[test]
fn a_template_that_breaks_a_rule_exits_2_and_a_refused_one_1() {
    let env = Env::new(0);
    let (code, err) = env.fails(&["subscribe", "add", "99", "1"]);
    assert_eq!(code, 2);
    assert!(err.contains("kidList"), "{err}");
    let (code, err) = env.fails(&["subscribe", "titles", "--limit", "31"]);
    assert_eq!(code, 2);
    assert!(err.contains("limit"), "{err}");
    assert!(env.calls("/wxaapi/newtmpl/addtemplate").is_empty());
    let (code, err) = env.fails(&["subscribe", "add", "98", "1", "2"]);
    assert_eq!(code, 1);
    assert!(err.contains("200014"), "{err}");
}

/// `wxoa subscribe send` of the booking template's two fields, then `extra`.
fn send_args<'a>(openid: &'a str, id: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "subscribe",
        "send",
        openid,
        id,
        "--data",
        "thing1=天河店",
        "--data",
        "time2=2019年10月1日 15:01",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_notification_to_a_consenting_follower() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    let added = env.json(&["subscribe", "add", "2010", "1", "2"]);
    let id = added["priTmplId"].as_str().unwrap().to_owned();
    // Before the follower consents: the platform's 43101.
    let (code, err) = env.fails(&send_args(&openid, &id, &[]));
    assert_eq!(code, 1);
    assert!(err.contains("43101"), "{err}");
    env.consent(&openid, &id);
    let full = send_args(
        &openid,
        &id,
        &[
            "--page",
            "https://example.com/bookings/42",
            "--miniprogram",
            "wx1234567890abcdef",
            "--pagepath",
            "index?foo=bar",
            "--miniprogram-state",
            "formal",
            "--lang",
            "zh_CN",
            "--client-msg-id",
            "MSG_000001",
        ],
    );
    env.json(&full);
    let body = &env.calls("/cgi-bin/message/subscribe/bizsend")[1].body;
    assert_eq!(
        body["data"],
        json!({"thing1": {"value": "天河店"}, "time2": {"value": "2019年10月1日 15:01"}})
    );
    assert_eq!(body["miniprogram_state"], "formal");
    assert_eq!(body["client_msg_id"], "MSG_000001");
    assert_eq!(env.inbox(&openid)[0].kind, "subscribe");
    // The one-time consent is used up.
    let (code, err) = env.fails(&send_args(&openid, &id, &[]));
    assert_eq!(code, 1);
    assert!(err.contains("43101"), "{err}");
}

#[test]
fn a_value_breaking_its_keyword_type_exits_2_before_sending() {
    let env = Env::new(1);
    let send = |data: &str, extra: &[&str]| {
        let mut args = vec!["subscribe", "send", "oUser", "T", "--data", data];
        args.extend_from_slice(extra);
        let (code, err) = env.fails(&args);
        (code, err)
    };
    for (data, extra, needle) in [
        (
            "phrase1=配送中配送中啦",
            &[][..],
            "data.phrase1.value: longer than 5 characters",
        ),
        ("amount1=¥123456789012", &[][..], "data.amount1.value"),
        (
            "time1=15:01~16:00",
            &["--no-ranges"][..],
            "data.time1.value",
        ),
    ] {
        let (code, err) = send(data, extra);
        assert_eq!(code, 2, "{data}: {err}");
        assert!(err.contains(needle), "{err}");
    }
    assert!(env.calls("/cgi-bin/message/subscribe/bizsend").is_empty());
    // With 12 digits allowed the amount leaves (and the platform answers for the follower).
    let (code, err) = send("amount1=¥123456789012", &["--amount-digits", "12"]);
    assert_eq!(code, 1);
    assert!(err.contains("40003"), "{err}");
}

#[test]
fn the_legacy_one_time_subscription() {
    let env = Env::new(1);
    let openid = env.followers(1).remove(0);
    let url = env.json(&[
        "subscribe",
        "one-time-url",
        "OneTimeTemplate",
        "--scene",
        "1000",
        "--redirect-url",
        "https://example.com/back",
        "--reserved",
        "csrf42",
    ]);
    let url = url["url"].as_str().unwrap();
    let expected = format!(
        "{}/mp/subscribemsg?action=get_confirm&appid=wx0123456789abcdef&scene=1000\
         &template_id=OneTimeTemplate&redirect_url=https%3A%2F%2Fexample.com%2Fback\
         &reserved=csrf42#wechat_redirect",
        env.sandbox.base_url()
    );
    assert_eq!(url, expected);
    let send = [
        "subscribe",
        "one-time-send",
        openid.as_str(),
        "OneTimeTemplate",
        "--scene",
        "1000",
        "--title",
        "预约成功",
        "--content",
        "您预约的课程明天开课",
        "--color",
        "#ff0000",
    ];
    let (code, err) = env.fails(&send);
    assert_eq!(code, 1);
    assert!(err.contains("43101"), "{err}");
    // The user confirms on the page (the sandbox plays it), then one message goes.
    let page = format!(
        "{}&sandbox_openid={openid}",
        url.trim_end_matches("#wechat_redirect")
    );
    assert_eq!(env.open_page(&page), 302);
    env.json(&send);
    assert_eq!(env.inbox(&openid)[0].kind, "one_time");
    let (code, err) = env.fails(&[
        "subscribe",
        "one-time-send",
        &openid,
        "T",
        "--scene",
        "1",
        "--title",
        "一二三四五六七八九十一二三四五六",
        "--content",
        "c",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("title: longer than 15 characters"), "{err}");
}
