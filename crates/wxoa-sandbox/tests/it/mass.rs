//! Mass sends, previews, status, speed, uploadnews/uploadvideo and MASSSENDJOBFINISH.

use serde_json::{Value, json};
use wxoa_sandbox::Sandbox;
use wxoa_types::xml;

use crate::support::{
    Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, env_with_quiet_hook,
    request,
};

const SENDALL: &str = "/cgi-bin/message/mass/sendall";
const SEND: &str = "/cgi-bin/message/mass/send";

async fn news(env: &Env) -> String {
    let thumb = env.temporary("thumb").await;
    let body = request("mass", "uploadnews", &[("THUMB_MEDIA_ID", json!(thumb))]);
    let uploaded = env.post("/cgi-bin/media/uploadnews", &body).await;
    assert_fixture_shape(&uploaded, "mass", "uploadnews");
    uploaded["media_id"].as_str().unwrap().to_owned()
}

fn text_to(users: &[String], content: &str, client: &str) -> Value {
    json!({"touser": users, "msgtype": "text", "text": {"content": content}, "clientmsgid": client})
}

#[tokio::test]
async fn a_send_to_a_tag_reaches_its_members_and_reports_the_job() {
    let (hook, env) = env_with_quiet_hook(5).await;
    let ids = env.followers(5).await;
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "vip"}}))
        .await["tag"]["id"]
        .clone();
    env.post(
        "/cgi-bin/tags/members/batchtagging",
        &json!({"openid_list": ids[..3], "tagid": tag}),
    )
    .await;
    let media = news(&env).await;
    let body = request(
        "mass",
        "sendall",
        &[("TAG_ID", tag.clone()), ("MEDIA_ID", json!(media))],
    );
    let sent = env.post(SENDALL, &body).await;
    assert_fixture_shape(&sent, "mass", "send");
    for (i, openid) in ids.iter().enumerate() {
        let inbox = env.inbox(openid).await;
        assert_eq!(inbox.len(), usize::from(i < 3), "{openid}");
    }
    assert_eq!(env.inbox(&ids[0]).await[0].kind, "mass");
    let received = hook.wait_for(1).await;
    let event = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("MASSSENDJOBFINISH"));
    assert_eq!(
        event.child_text("MsgID"),
        Some(sent["msg_id"].to_string().as_str())
    );
    assert_eq!(event.child_text("Status"), Some("send success"));
    assert_eq!(event.child_text("TotalCount"), Some("3"));
    assert_eq!(event.child_text("SentCount"), Some("3"));
    assert_eq!(event.child_text("FromUserName"), Some("mphelper"));
    let urls = event.child("ArticleUrlResult").unwrap();
    assert_eq!(urls.child_text("Count"), Some("1"));
    wxoa_types::inbound::Inbound::from_xml(received[0].body.as_bytes()).expect("a typed job event");
}

#[tokio::test]
async fn a_send_to_everyone_reaches_every_follower_then_but_not_later_ones() {
    let env = env_with(Sandbox::builder().followers(1_000)).await;
    let body =
        json!({"filter": {"is_to_all": true}, "msgtype": "text", "text": {"content": "hello all"}});
    let sent = env.post(SENDALL, &body).await;
    assert_fixture_shape(&sent, "mass", "send_text");
    let last = env.followers(1_000).await.pop().unwrap();
    let inbox = env.inbox(&last).await;
    assert_eq!(inbox[0].message["text"]["content"], "hello all");
    env.advance(10).await;
    env.push(
        "oLateFollower000000000000001",
        json!({"MsgType": "event", "Event": "subscribe"}),
    )
    .await;
    assert!(env.inbox("oLateFollower000000000000001").await.is_empty());
}

#[tokio::test]
async fn send_needs_2_to_10000_openids() {
    let env = env().await;
    let ids = env.followers(2).await;
    assert_errcode(&env.post(SEND, &text_to(&ids[..1], "x", "a")).await, 40130);
    let many: Vec<String> = (0..10_001).map(|i| format!("o{i:027}")).collect();
    assert_errcode(&env.post(SEND, &text_to(&many, "x", "b")).await, 40032);
    let body = request(
        "mass",
        "send",
        &[("OPENID1", json!(ids[0])), ("OPENID2", json!(ids[1]))],
    );
    assert_fixture_shape(&env.post(SEND, &body).await, "mass", "send_text");
}

#[tokio::test]
async fn a_clientmsgid_sends_once() {
    let env = env().await;
    let ids = env.followers(2).await;
    let first = env.post(SEND, &text_to(&ids, "x", "job-1")).await;
    assert_errcode(&env.post(SEND, &text_to(&ids, "x", "job-1")).await, 45066);
    env.advance(61).await;
    let again = env.post(SEND, &text_to(&ids, "x", "job-1")).await;
    assert_fixture_shape(&again, "mass", "clientmsgid_exist");
    assert_eq!(again["errcode"], 45065);
    assert_eq!(again["msg_id"], first["msg_id"]);
    assert_errcode(
        &env.post(SEND, &text_to(&ids, "x", &"k".repeat(65))).await,
        45067,
    );
    assert_eq!(env.inbox(&ids[0]).await.len(), 1);
}

#[tokio::test]
async fn a_follower_receives_at_most_four_mass_messages_a_month() {
    let (hook, env) = env_with_quiet_hook(2).await;
    let ids = env.followers(2).await;
    for i in 0..5 {
        env.post(SEND, &text_to(&ids, &format!("m{i}"), &format!("c{i}")))
            .await;
    }
    assert_eq!(env.inbox(&ids[0]).await.len(), 4);
    let events = hook.wait_for(5).await;
    let counts: Vec<(String, String)> = events
        .iter()
        .map(|r| {
            let e = xml::parse(r.body.as_bytes()).unwrap();
            let n = |k: &str| e.child_text(k).unwrap().to_owned();
            (n("TotalCount"), n("FilterCount"))
        })
        .collect();
    assert!(
        counts.contains(&("2".to_owned(), "0".to_owned())),
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_subscription_account_sends_once_a_day_45028() {
    let env = env_with(Sandbox::builder().followers(2).mass_sends_per_day(1)).await;
    let ids = env.followers(2).await;
    env.post(SEND, &text_to(&ids, "one", "a")).await;
    assert_errcode(&env.post(SEND, &text_to(&ids, "two", "b")).await, 45028);
}

#[tokio::test]
async fn messages_are_checked() {
    let env = env().await;
    let ids = env.followers(2).await;
    let send = |message: Value| {
        let mut body = message;
        body["touser"] = json!(ids);
        body
    };
    let image = env.temporary("image").await;
    let video = env.temporary("video").await;
    let cases = [
        (json!({"msgtype": "hologram"}), 40008),
        (json!({"msgtype": "text", "text": {"content": ""}}), 44004),
        (
            json!({"msgtype": "mpnews", "mpnews": {"media_id": image}}),
            40007,
        ),
        (
            json!({"msgtype": "voice", "voice": {"media_id": image}}),
            40007,
        ),
        (
            json!({"msgtype": "mpvideo", "mpvideo": {"media_id": video}}),
            40007,
        ),
        (json!({"msgtype": "wxcard", "wxcard": {}}), 47003),
    ];
    for (message, code) in cases {
        assert_errcode(&env.post(SEND, &send(message)).await, code);
    }
    let uploaded = env
        .post(
            "/cgi-bin/media/uploadvideo",
            &request("mass", "uploadvideo", &[("MEDIA_ID", json!(video))]),
        )
        .await;
    assert_fixture_shape(&uploaded, "mass", "uploadvideo");
    let mpvideo = json!({"msgtype": "mpvideo", "mpvideo": {"media_id": uploaded["media_id"]}});
    assert_eq!(env.post(SEND, &send(mpvideo)).await["errcode"], 0);
    let images = json!({"msgtype": "image", "images": {"media_ids": [image], "recommend": "r"}});
    assert_eq!(env.post(SEND, &send(images)).await["errcode"], 0);
}

#[tokio::test]
async fn sendall_needs_a_filter_and_an_existing_tag() {
    let env = env().await;
    let text = json!({"msgtype": "text", "text": {"content": "x"}});
    assert_errcode(&env.post(SENDALL, &text).await, 47003);
    let mut body = text;
    body["filter"] = json!({"is_to_all": false, "tag_id": 999});
    assert_errcode(&env.post(SENDALL, &body).await, 45159);
}

#[tokio::test]
async fn a_preview_reaches_one_follower() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    let body = request("mass", "preview", &[("OPENID", json!(openid))]);
    let sent = env.post("/cgi-bin/message/mass/preview", &body).await;
    assert_fixture_shape(&sent, "mass", "preview");
    assert_eq!(env.inbox(&openid).await[0].message["preview"], true);
    let by_name = json!({"towxname": "someone", "msgtype": "text", "text": {"content": "x"}});
    assert_errcode(
        &env.post("/cgi-bin/message/mass/preview", &by_name).await,
        40132,
    );
    env.push(&openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    assert_errcode(
        &env.post("/cgi-bin/message/mass/preview", &body).await,
        43004,
    );
}

#[tokio::test]
async fn jobs_have_a_status_and_mpnews_can_be_deleted() {
    let env = env().await;
    let ids = env.followers(2).await;
    let media = news(&env).await;
    let body = json!({"touser": ids, "msgtype": "mpnews", "mpnews": {"media_id": media}});
    let msg_id = env.post(SEND, &body).await["msg_id"].clone();
    let get = request("mass", "get", &[("MSG_ID", json!(msg_id.to_string()))]);
    let status = env.post("/cgi-bin/message/mass/get", &get).await;
    assert_fixture_shape(&status, "mass", "get");
    assert_eq!(status["msg_status"], "SEND_SUCCESS");
    let too_far = json!({"msg_id": msg_id, "article_idx": 5});
    assert_errcode(
        &env.post("/cgi-bin/message/mass/delete", &too_far).await,
        40060,
    );
    let delete = request("mass", "delete", &[("MSG_ID", msg_id.clone())]);
    assert_ok(&env.post("/cgi-bin/message/mass/delete", &delete).await);
    assert_eq!(
        env.post("/cgi-bin/message/mass/get", &get).await["msg_status"],
        "DELETE"
    );
    let text = env.post(SEND, &text_to(&ids, "x", "t")).await["msg_id"].clone();
    let delete = json!({"msg_id": text});
    assert_errcode(
        &env.post("/cgi-bin/message/mass/delete", &delete).await,
        48008,
    );
    let unknown = json!({"msg_id": 1});
    assert_errcode(
        &env.post("/cgi-bin/message/mass/get", &unknown).await,
        47003,
    );
}

#[tokio::test]
async fn the_speed_is_0_to_4() {
    let env = env().await;
    let speed = env
        .post("/cgi-bin/message/mass/speed/get", &json!({}))
        .await;
    assert_fixture_shape(&speed, "mass", "speed_get");
    assert_eq!(speed["speed"], 3);
    let set = request("mass", "speed_set", &[]);
    assert_ok(&env.post("/cgi-bin/message/mass/speed/set", &set).await);
    let speed = env
        .post("/cgi-bin/message/mass/speed/get", &json!({}))
        .await;
    assert_eq!(
        (speed["speed"].clone(), speed["realspeed"].clone()),
        (json!(1), json!(60))
    );
    let body = json!({"speed": 5});
    assert_errcode(
        &env.post("/cgi-bin/message/mass/speed/set", &body).await,
        45083,
    );
    assert_errcode(
        &env.post("/cgi-bin/message/mass/speed/set", &json!({}))
            .await,
        45084,
    );
}

#[tokio::test]
async fn uploadnews_and_uploadvideo_check_their_input() {
    let env = env().await;
    assert_errcode(
        &env.post("/cgi-bin/media/uploadnews", &json!({"articles": []}))
            .await,
        44003,
    );
    let thumb = env.temporary("thumb").await;
    let body = request("mass", "uploadnews", &[("THUMB_MEDIA_ID", json!(thumb))]);
    let nine = json!({"articles": vec![body["articles"][0].clone(); 9]});
    assert_errcode(&env.post("/cgi-bin/media/uploadnews", &nine).await, 45008);
    let bad = request(
        "mass",
        "uploadnews",
        &[("THUMB_MEDIA_ID", json!("nothing"))],
    );
    assert_errcode(&env.post("/cgi-bin/media/uploadnews", &bad).await, 40007);
    let video = request("mass", "uploadvideo", &[("MEDIA_ID", json!("nothing"))]);
    assert_errcode(&env.post("/cgi-bin/media/uploadvideo", &video).await, 40007);
}
