//! Analytics (`/datacube/*`, api-reference-2 §3): every endpoint answers the fixtures' shapes
//! from the account's own history, each rule of a range has its own test, and the figures
//! agree with each other and with what happened over virtual days.

use serde_json::{Value, json};
use wxoa_types::datacube::{ENDPOINTS, Spans};
use wxoa_types::date::Date;

use crate::support::{Env, assert_errcode, assert_shape, env, env_with_quiet_hook, fixture};

fn today(env: &Env) -> Date {
    Date::of_unix(env.sandbox.now())
}

pub(crate) async fn query(env: &Env, name: &str, begin: Date, end: Date) -> Value {
    env.post(
        &format!("/datacube/{name}"),
        &json!({"begin_date": begin, "end_date": end}),
    )
    .await
}

/// A published draft of two articles; their msgids.
async fn publish(env: &Env) -> Vec<String> {
    let thumb = env.permanent("thumb").await;
    let article = |title: &str| {
        json!({"title": title, "thumb_media_id": thumb, "content": "<p>c</p>", "author": "A",
               "digest": "D", "show_cover_pic": 1, "content_source_url": "",
               "need_open_comment": 0, "only_fans_can_comment": 0})
    };
    let draft = env
        .post(
            "/cgi-bin/draft/add",
            &json!({"articles": [article("一"), article("二")]}),
        )
        .await;
    let submitted = env
        .post(
            "/cgi-bin/freepublish/submit",
            &json!({"media_id": draft["media_id"]}),
        )
        .await;
    let id = submitted["msg_data_id"].as_u64().unwrap();
    vec![format!("{id}_1"), format!("{id}_2")]
}

async fn act(env: &Env, from: &str, msgid: &str, action: &str, source: u32, scene: u32) {
    env.control()
        .article(from, msgid, action, source, scene)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_endpoint_answers_the_spec_shape_from_what_happened() {
    let (_hook, mut env) = env_with_quiet_hook(4).await;
    let people = env.followers(3).await;
    env.push(&people[0], json!({"MsgType": "text", "Content": "hi"}))
        .await;
    env.push(
        &people[1],
        json!({"MsgType": "image", "PicUrl": "http://x/y.png", "MediaId": "m"}),
    )
    .await;
    env.push(
        &people[2],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    env.push(
        "oNewcomer",
        json!({"MsgType": "event", "Event": "subscribe", "EventKey": "qrscene_7"}),
    )
    .await;
    let articles = publish(&env).await;
    for (who, action) in [
        (0, "read"),
        (1, "read"),
        (0, "share"),
        (0, "favorite"),
        (1, "read_original"),
    ] {
        act(&env, &people[who], &articles[0], action, 2, 2).await;
    }
    let day = today(&env);
    env.advance(86_400).await;
    env.refresh_token().await;
    for endpoint in ENDPOINTS {
        let body = query(&env, endpoint.name, day, day).await;
        let list = body["list"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {body}", endpoint.name));
        assert!(!list.is_empty(), "{} has rows: {body}", endpoint.name);
        let expected = fixture("datacube", &format!("{}.response", endpoint.name));
        assert_shape(&body, &expected, endpoint.name);
    }
    let summary = query(&env, "getusersummary", day, day).await;
    let sources: Vec<(u64, u64, u64)> = summary["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["user_source"].as_u64().unwrap(),
                r["new_user"].as_u64().unwrap(),
                r["cancel_user"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sources, [(0, 0, 1), (30, 1, 0)]);
    let read = query(&env, "getarticleread", day, day).await;
    assert_eq!(read["list"][0]["msgid"], json!(articles[0]));
    assert_eq!(read["list"][0]["detail"]["read_user"], 2);
    assert_eq!(
        read["list"][0]["detail"]["read_user_source"][1]["scene_desc"],
        "朋友圈"
    );
}

#[tokio::test]
async fn a_malformed_date_is_61500() {
    let env = env().await;
    let body = env
        .post(
            "/datacube/getusersummary",
            &json!({"begin_date": "2026/03/01", "end_date": "2026-03-01"}),
        )
        .await;
    assert_errcode(&body, 61500);
}

#[tokio::test]
async fn a_missing_date_is_61500() {
    let env = env().await;
    let body = env
        .post(
            "/datacube/getupstreammsg",
            &json!({"begin_date": "2026-03-01"}),
        )
        .await;
    assert_errcode(&body, 61500);
}

#[tokio::test]
async fn a_begin_after_the_end_is_61501() {
    let env = env().await;
    let yesterday = today(&env).add_days(-1);
    let body = query(&env, "getusersummary", yesterday, yesterday.add_days(-1)).await;
    assert_errcode(&body, 61501);
}

#[tokio::test]
async fn an_end_of_today_is_61501() {
    let env = env().await;
    let day = today(&env);
    let body = query(&env, "getinterfacesummary", day.add_days(-1), day).await;
    assert_errcode(&body, 61501);
    assert!(
        body["errmsg"]
            .as_str()
            .unwrap()
            .contains("not before today")
    );
}

#[tokio::test]
async fn a_day_before_the_first_day_of_data_is_61501() {
    let env = env().await;
    let day: Date = "2014-11-30".parse().unwrap();
    assert_errcode(&query(&env, "getusercumulate", day, day).await, 61501);
    let first: Date = "2014-12-01".parse().unwrap();
    assert_eq!(
        query(&env, "getusercumulate", first, first).await["list"][0]["cumulate_user"],
        0
    );
}

#[tokio::test]
async fn the_published_family_starts_on_2025_11_01() {
    let env = env().await;
    let day: Date = "2025-10-31".parse().unwrap();
    assert_errcode(&query(&env, "getbizsummary", day, day).await, 61501);
    let body = query(&env, "getbizsummary", day.add_days(1), day.add_days(1)).await;
    assert_eq!(body["is_delay"], false);
}

/// Each endpoint answers the longest range `spans` allows it, and one day more is 61501.
pub(crate) async fn each_span_holds(env: &Env, spans: &Spans) {
    let end = today(env).add_days(-1);
    for endpoint in ENDPOINTS {
        let longest = end.add_days(1 - i64::from(spans.max_days(endpoint)));
        let ok = query(env, endpoint.name, longest, end).await;
        assert!(ok["list"].is_array(), "{}: {ok}", endpoint.name);
        let over = query(env, endpoint.name, longest.add_days(-1), end).await;
        assert_errcode(&over, 61501);
    }
}

#[tokio::test]
async fn a_span_over_each_endpoints_maximum_is_61501() {
    each_span_holds(&env().await, &Spans::default()).await;
}

#[tokio::test]
async fn the_console_reads_the_same_answers_without_a_token() {
    let env = env().await;
    let end = today(&env).add_days(-1);
    let control = env.control();
    let (b, e) = (end.add_days(-6).to_string(), end.to_string());
    let read = control.datacube("getusercumulate", &b, &e).await.unwrap();
    assert_eq!(
        read,
        query(&env, "getusercumulate", end.add_days(-6), end).await
    );
    let refused = control.datacube("getusercumulate", &e, &b).await.unwrap();
    assert_eq!(refused["errcode"], 61501);
    assert!(control.datacube("getnothing", &b, &e).await.is_err());
}

#[tokio::test]
async fn articles_can_only_be_read_when_they_exist() {
    let env = env().await;
    let people = env.followers(1).await;
    let refused = env.control().article(&people[0], "1_1", "read", 0, 1).await;
    assert!(refused.is_err());
    let articles = publish(&env).await;
    let listed = env.control().sent_articles().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        env.control()
            .article(&people[0], &articles[1], "read", 9, 1)
            .await
            .is_err()
    );
    assert!(
        env.control()
            .article(&people[0], &articles[1], "share", 0, 4)
            .await
            .is_err()
    );
    act(&env, &people[0], &articles[1], "read", 0, 1).await;
}

/// Totals of `field` over the rows of `list` matching `pick`.
fn sum(list: &Value, field: &str, pick: impl Fn(&Value) -> bool) -> u64 {
    list["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| pick(r))
        .map(|r| r[field].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_figures_agree_across_endpoints_and_virtual_days() {
    let (_hook, mut env) = env_with_quiet_hook(6).await;
    let people = env.followers(6).await;
    let text = json!({"MsgType": "text", "Content": "hi"});
    let first = today(&env);
    // Day 1: two newcomers, one leaves; A sends 7 texts, B one text and one voice.
    let mut pushes = 0;
    for who in ["oNewOne", "oNewTwo"] {
        env.push(who, json!({"MsgType": "event", "Event": "subscribe"}))
            .await;
        pushes += 1;
    }
    env.push(
        &people[5],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    pushes += 1;
    for _ in 0..7 {
        env.push(&people[0], text.clone()).await;
    }
    env.push(&people[1], text.clone()).await;
    env.push(
        &people[1],
        json!({"MsgType": "voice", "MediaId": "m", "Format": "amr"}),
    )
    .await;
    pushes += 9;
    // Day 2: one newcomer, two leave; A sends one text.
    env.advance(86_400).await;
    env.push(
        "oNewThree",
        json!({"MsgType": "event", "Event": "subscribe"}),
    )
    .await;
    env.push(
        &people[3],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    env.push(
        &people[4],
        json!({"MsgType": "event", "Event": "unsubscribe"}),
    )
    .await;
    env.push(&people[0], text.clone()).await;
    // Day 3: nothing yet; the figures of days 1 and 2 are final.
    env.advance(86_400).await;
    env.refresh_token().await;
    let second = first.add_days(1);
    let summary = query(&env, "getusersummary", first, second).await;
    let cumulate = query(&env, "getusercumulate", first.add_days(-1), second).await;
    let totals: Vec<i64> = cumulate["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cumulate_user"].as_i64().unwrap())
        .collect();
    assert_eq!(totals, [6, 7, 6]);
    for (i, day) in [first, second].into_iter().enumerate() {
        let on = |r: &Value| r["ref_date"] == json!(day);
        let net = sum(&summary, "new_user", on) as i64 - sum(&summary, "cancel_user", on) as i64;
        assert_eq!(totals[i + 1], totals[i] + net, "{day}");
    }
    let accounts = env.control().accounts().await.unwrap();
    assert_eq!(totals[2], accounts[0].followers as i64);

    let messages = query(&env, "getupstreammsg", first, second).await;
    let on_first = |r: &Value| r["ref_date"] == json!(first);
    assert_eq!(sum(&messages, "msg_count", on_first), 9);
    assert_eq!(
        sum(&messages, "msg_user", |r| on_first(r) && r["msg_type"] == 1),
        2
    );
    assert_eq!(
        sum(&messages, "msg_count", |r| on_first(r)
            && r["msg_type"] == 3),
        1
    );
    assert_eq!(
        sum(&messages, "msg_count", |r| r["ref_date"] == json!(second)),
        1
    );
    let hourly = query(&env, "getupstreammsghour", first, first).await;
    assert_eq!(sum(&hourly, "msg_count", |_| true), 9);
    let dist = query(&env, "getupstreammsgdist", first, first).await;
    assert_eq!(sum(&dist, "msg_user", |r| r["count_interval"] == 1), 1);
    assert_eq!(sum(&dist, "msg_user", |r| r["count_interval"] == 2), 1);
    let week = query(&env, "getupstreammsgweek", first, second).await;
    // One week row, or two when the days straddle a Monday: ten messages either way.
    assert_eq!(sum(&week, "msg_count", |_| true), 10);

    let interface = query(&env, "getinterfacesummary", first, second).await;
    assert_eq!(sum(&interface, "callback_count", on_first), pushes);
    assert_eq!(sum(&interface, "fail_count", |_| true), 0);
    let interface_hours = query(&env, "getinterfacesummaryhour", first, first).await;
    assert_eq!(sum(&interface_hours, "callback_count", |_| true), pushes);
}
