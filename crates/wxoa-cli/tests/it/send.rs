//! CONTRACT §7 `wxoa send …`, `wxoa kf …`, `wxoa template …` against the sandbox.

use serde_json::{Value, json};

use crate::sandbox_env::Env;

#[test]
fn send_text_news_menu_and_typing_to_a_follower_who_wrote() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    env.message_from(&openid);
    env.json(&["send", "text", &openid, "你好"]);
    env.json(&[
        "send",
        "news",
        &openid,
        "--title",
        "T",
        "--url",
        "https://example.com/a",
    ]);
    env.json(&[
        "send",
        "menu",
        &openid,
        "--head",
        "满意吗？",
        "--item",
        "101=满意",
        "--item",
        "102=不满意",
    ]);
    env.json(&["send", "typing", &openid]);
    env.json(&["send", "typing", &openid, "--cancel"]);
    let bodies: Vec<_> = env
        .calls("/cgi-bin/message/custom/send")
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(
        bodies[0],
        json!({"touser": openid, "msgtype": "text", "text": {"content": "你好"}})
    );
    assert_eq!(bodies[1]["news"]["articles"].as_array().unwrap().len(), 1);
    assert_eq!(
        bodies[2]["msgmenu"]["list"],
        json!([{"id": "101", "content": "满意"}, {"id": "102", "content": "不满意"}])
    );
    let inbox = env.inbox(&openid);
    assert_eq!(inbox.iter().filter(|m| m.kind == "custom").count(), 3);
}

#[test]
fn a_send_outside_the_window_exits_1_naming_the_errcode() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    let (code, err) = env.fails(&["send", "text", &openid, "hi"]);
    assert_eq!(code, 1);
    assert!(err.contains("45015"), "{err}");
}

#[test]
fn a_send_as_an_agent_carries_customservice() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    env.message_from(&openid);
    env.json(&["send", "text", &openid, "hi", "--as", "a1@gh_x"]);
    let body = &env.calls("/cgi-bin/message/custom/send")[0].body;
    assert_eq!(body["customservice"], json!({"kf_account": "a1@gh_x"}));
    let (code, err) = env.fails(&["send", "text", &openid, "hi", "--as", "no-at-sign"]);
    assert_eq!(code, 2);
    assert!(err.contains("customservice.kf_account"), "{err}");
}

#[test]
fn agent_accounts() {
    let env = Env::new(0);
    env.json(&["kf", "add", "a1@gh_x", "客服一"]);
    env.json(&["kf", "update", "a1@gh_x", "客服1"]);
    env.json(&["kf", "invite", "a1@gh_x", "wx_agent"]);
    let list = env.json(&["kf", "list"]);
    assert_eq!(list[0]["kf_nick"], "客服1");
    assert_eq!(list[0]["invite_status"], "waiting");
    assert_eq!(env.json(&["kf", "online"]).as_array().unwrap().len(), 1);
    let avatar = env.file("a.png", "\u{89}PNG fake");
    env.json(&["kf", "avatar", "a1@gh_x", &avatar]);
    env.json(&["kf", "delete", "a1@gh_x"]);
    assert!(env.json(&["kf", "list"]).as_array().unwrap().is_empty());
    let (code, err) = env.fails(&["kf", "update", "a1@gh_x", "n"]);
    assert_eq!(code, 1);
    assert!(err.contains("61452"), "{err}");
    let (code, err) = env.fails(&["kf", "add", "with-dash@gh_x", "n"]);
    assert_eq!(code, 2);
    assert!(err.contains("kf_account: "), "{err}");
}

#[test]
fn template_messages() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    env.json(&["template", "industry", "--set", "1", "4"]);
    assert_eq!(
        env.json(&["template", "industry"])["primary_industry"]["first_class"],
        "IT科技"
    );
    let added = env.json(&["template", "add", "TM00015"]);
    let id = added["template_id"].as_str().unwrap().to_owned();
    assert_eq!(env.json(&["template", "list"]).as_array().unwrap().len(), 1);
    let sent = env.json(&[
        "template",
        "send",
        &openid,
        &id,
        "--data",
        "keyword1=巧克力",
        "--data",
        "keyword2=39.8元",
        "--color",
        "keyword1=#173177",
        "--url",
        "http://weixin.qq.com/download",
        "--miniprogram",
        "wx1234567890abcdef",
        "--pagepath",
        "index?foo=bar",
        "--client-msg-id",
        "MSG_000001",
    ]);
    assert!(sent["msgid"].is_u64());
    let body = &env.calls("/cgi-bin/message/template/send")[0].body;
    assert_eq!(
        body["data"],
        json!({"keyword1": {"value": "巧克力", "color": "#173177"}, "keyword2": {"value": "39.8元"}})
    );
    assert_eq!(
        body["miniprogram"],
        json!({"appid": "wx1234567890abcdef", "pagepath": "index?foo=bar"})
    );
    let (code, err) = env.fails(&[
        "template", "send", &openid, &id, "--data", "k=v", "--color", "k=red",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("data.k.color"), "{err}");
    env.json(&["template", "delete", &id]);
    let (code, err) = env.fails(&["template", "delete", &id]);
    assert_eq!(code, 1);
    assert!(err.contains("40037"), "{err}");
}

#[test]
fn customer_service_sessions_and_their_record() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    env.json(&["kf", "add", "a1@gh_x", "客服一"]);
    env.message_from(&openid);
    env.json(&["kf", "session", "create", "a1@gh_x", &openid]);
    let session = env.json(&["kf", "session", "get", &openid]);
    assert_eq!(session["kf_account"], "a1@gh_x");
    let list = env.json(&["kf", "session", "list", "a1@gh_x"]);
    assert_eq!(list[0]["openid"], openid.as_str());
    assert_eq!(env.json(&["kf", "session", "waiting"])["count"], 0);
    env.json(&["send", "text", &openid, "agent here", "--as", "a1@gh_x"]);
    env.message_from(&openid);

    let today = wxoa_types::date::Date::of_unix(env.sandbox.now()).to_string();
    let out = env.run(&["kf", "records", "--from", &today, "--to", &today]);
    assert!(out.status.success(), "{}", crate::stderr(&out));
    let records: Vec<Value> = crate::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let said: Vec<(i64, &str)> = records
        .iter()
        .filter(|r| r["text"] != "")
        .map(|r| (r["opercode"].as_i64().unwrap(), r["text"].as_str().unwrap()))
        .collect();
    assert_eq!(said, [(2002, "agent here"), (2003, "hi")]);

    let csv = env.dir.path().join("records.csv");
    let csv_path = csv.to_str().unwrap();
    let args = [
        "kf", "records", "--from", &today, "--to", &today, "--format", "csv",
    ];
    let out = env.run(&[&args[..], &["--out", csv_path, "--calendar-days"]].concat());
    assert!(out.status.success(), "{}", crate::stderr(&out));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("time,openid,opercode,worker,text"));
    assert_eq!(lines.count(), records.len());

    let (code, err) = env.fails(&["kf", "records", "--from", "2026-13-01", "--to", &today]);
    assert_eq!(code, 2);
    assert!(err.contains("--from") && err.contains("month 13"), "{err}");
    let (code, err) = env.fails(&["kf", "records", "--from", &today, "--to", "1000"]);
    assert_eq!(code, 2);
    assert!(err.contains("earlier"), "{err}");

    env.json(&["kf", "session", "close", "a1@gh_x", &openid]);
    let (code, err) = env.fails(&["kf", "session", "close", "a1@gh_x", &openid]);
    assert_eq!(code, 1);
    assert!(err.contains("65413"), "{err}");
}
