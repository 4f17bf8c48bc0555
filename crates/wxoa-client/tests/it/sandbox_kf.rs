//! `client.custom()`'s sessions and message record against the sandbox (api-reference-2 §5):
//! opening and closing sessions with their error codes, the waiting followers, and the record
//! over spans longer than one call may cover, paged.

use futures::TryStreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wxoa_client::api::custom::{
    AgentSession, FollowerSession, Message, MsgRecord, MsgRecordPage, WaitingFollowers,
};
use wxoa_sandbox::{Sandbox, Webhook};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

use crate::sandbox_env::{Env, api_code, env, env_with, errcode, fixture};

const AGENT: &str = "a1@test";

async fn with_agent(env: &Env) {
    env.client
        .custom()
        .add_account(AGENT, "客服一")
        .await
        .unwrap();
}

/// A webhook on loopback that answers every push with a transfer to customer service: what
/// puts a follower in the waiting list. Plain HTTP/1.1, one request a connection.
async fn transferring_webhook() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wx", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut chunk = [0u8; 4096];
                let body = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break body.to_owned();
                        }
                    }
                };
                let xml = Inbound::from_xml(body.as_bytes())
                    .ok()
                    .and_then(|push| Reply::transfer_customer_service(&push, None).to_xml().ok())
                    .unwrap_or_else(|| "success".to_owned());
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{xml}",
                    xml.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_session_opens_lists_and_closes() {
    let env = env(2).await;
    with_agent(&env).await;
    let openid = env.followers(1).await.remove(0);
    let custom = env.client.custom();
    assert_eq!(
        custom.session_of(openid.as_str()).await.unwrap().agent(),
        None
    );

    custom.open_session(AGENT, openid.as_str()).await.unwrap();
    let body = env.last_body("/customservice/kfsession/create").await;
    let expected = fixture("kf", "kfsession_create.request.json");
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        expected.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    let session = custom.session_of(openid.as_str()).await.unwrap();
    assert_eq!(session.agent(), Some(AGENT));
    assert!(session.createtime.unwrap() > 0);
    let sessions = custom.sessions_of(AGENT).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].openid.as_str(), openid);

    custom.close_session(AGENT, openid.as_str()).await.unwrap();
    assert!(custom.sessions_of(AGENT).await.unwrap().is_empty());
    assert_eq!(
        custom.session_of(openid.as_str()).await.unwrap().agent(),
        None
    );
}

#[tokio::test]
async fn closing_a_session_that_is_not_open_is_65413() {
    let env = env(1).await;
    with_agent(&env).await;
    let openid = env.followers(1).await.remove(0);
    let closed = env
        .client
        .custom()
        .close_session(AGENT, openid.as_str())
        .await;
    assert_eq!(errcode(closed), 65413);
}

#[tokio::test]
async fn a_follower_served_by_another_agent_is_65414() {
    let env = env(1).await;
    with_agent(&env).await;
    env.client
        .custom()
        .add_account("a2@test", "客服二")
        .await
        .unwrap();
    let openid = env.followers(1).await.remove(0);
    let custom = env.client.custom();
    custom.open_session(AGENT, openid.as_str()).await.unwrap();
    assert_eq!(
        errcode(custom.open_session("a2@test", openid.as_str()).await),
        65414
    );
    // Refused, not replayed: one call each.
    assert_eq!(env.calls("/customservice/kfsession/create").await.len(), 2);
}

#[tokio::test]
async fn without_the_new_customer_service_system_every_call_is_65400() {
    let account = wxoa_sandbox::AccountConfig::default().new_kf(false);
    let env = env_with(Sandbox::builder().followers(1).account(account)).await;
    let openid = env.followers(1).await.remove(0);
    let custom = env.client.custom();
    let disabled = wxoa_client::ErrCode::NewKfError65400;
    assert_eq!(
        api_code(custom.open_session(AGENT, openid.as_str()).await),
        disabled
    );
    assert_eq!(api_code(custom.session_of(openid.as_str()).await), disabled);
    assert_eq!(api_code(custom.sessions_of(AGENT).await), disabled);
    assert_eq!(api_code(custom.waiting().await), disabled);
    let now = env.sandbox.now();
    let records: Result<Vec<_>, _> = custom.records(now - 3600, now).all().try_collect().await;
    assert_eq!(api_code(records), disabled);
}

#[tokio::test]
async fn an_unknown_agent_is_65401_and_a_malformed_one_is_refused_before_sending() {
    let env = env(1).await;
    let openid = env.followers(1).await.remove(0);
    let custom = env.client.custom();
    assert_eq!(
        errcode(custom.open_session("nobody@test", openid.as_str()).await),
        65401
    );
    assert_eq!(errcode(custom.sessions_of("nobody@test").await), 65401);
    let refused = custom.open_session("no-at-sign", openid.as_str()).await;
    assert!(refused.unwrap_err().to_string().contains("kf_account"));
    let refused = custom.open_session(AGENT, "").await;
    assert!(refused.unwrap_err().to_string().contains("openid"));
    assert_eq!(env.calls("/customservice/kfsession/create").await.len(), 1);
}

#[tokio::test]
async fn a_transferred_follower_waits_until_an_agent_takes_them() {
    let url = transferring_webhook().await;
    let env = env_with(
        Sandbox::builder()
            .followers(2)
            .webhook(Webhook::new(&url, "token")),
    )
    .await;
    with_agent(&env).await;
    let openid = env.followers(1).await.remove(0);
    env.push(
        &openid,
        json!({"MsgType": "text", "Content": "a human, please"}),
    )
    .await;
    let waiting = env.client.custom().waiting().await.unwrap();
    assert_eq!(waiting.count, 1);
    assert_eq!(waiting.waitcaselist[0].openid.as_str(), openid);
    assert!(waiting.waitcaselist[0].latest_time.is_some());

    env.client
        .custom()
        .open_session(AGENT, openid.as_str())
        .await
        .unwrap();
    assert_eq!(env.client.custom().waiting().await.unwrap().count, 0);
}

/// Records over three virtual days: more than one call may cover.
async fn three_days_of_records(env: &Env) -> (i64, i64, String) {
    with_agent(env).await;
    let openid = env.followers(1).await.remove(0);
    let start = env.sandbox.now();
    let custom = env.client.custom();
    custom.open_session(AGENT, openid.as_str()).await.unwrap();
    for day in 0..3 {
        env.push(
            &openid,
            json!({"MsgType": "text", "Content": format!("day {day}")}),
        )
        .await;
        custom
            .send(openid.as_str(), Message::text(format!("answer {day}")))
            .kf_account(AGENT)
            .await
            .unwrap();
        env.advance(30 * 3_600).await;
    }
    (start, env.sandbox.now(), openid)
}

fn texts(records: &[MsgRecord]) -> Vec<(i64, &str)> {
    records
        .iter()
        .filter(|r| !r.text.is_empty())
        .map(|r| (r.opercode, r.text.as_str()))
        .collect()
}

#[tokio::test]
async fn the_record_of_any_span_comes_whole_and_in_order() {
    let env = env(1).await;
    let (start, end, openid) = three_days_of_records(&env).await;
    let custom = env.client.custom();
    let all: Vec<MsgRecord> = custom
        .records(start, end)
        .all()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        texts(&all),
        [
            (2003, "day 0"),
            (2002, "answer 0"),
            (2003, "day 1"),
            (2002, "answer 1"),
            (2003, "day 2"),
            (2002, "answer 2"),
        ]
    );
    assert!(all.iter().all(|r| r.openid.as_str() == openid));
    assert!(all.windows(2).all(|w| w[0].time <= w[1].time));
    // 90 hours: four calls of at most 24 hours (the token the client held expired with the
    // virtual days: 42001, then the same call again with a fresh one).
    let calls: Vec<_> = env
        .calls("/customservice/msgrecord/getmsglist")
        .await
        .into_iter()
        .filter(|c| c.errcode == Some(0))
        .collect();
    assert_eq!(calls.len(), 4);
    for call in &calls {
        let span =
            call.body["endtime"].as_i64().unwrap() - call.body["starttime"].as_i64().unwrap();
        assert!(span <= 86_400, "{span}");
    }

    // Pages of one record give the same, and so do windows cut at Beijing midnight.
    let paged: Vec<MsgRecord> = custom
        .records(start, end)
        .number(1)
        .all()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(paged, all);
    let by_day: Vec<MsgRecord> = custom
        .records(start, end)
        .calendar_days(true)
        .all()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_day, all);
}

#[tokio::test]
async fn one_page_is_one_call_and_its_limits_are_checked_before_sending() {
    let env = env(1).await;
    let (start, _, _) = three_days_of_records(&env).await;
    let custom = env.client.custom();
    let page = custom
        .records(start, start + 3_600)
        .number(2)
        .await
        .unwrap();
    assert_eq!(page.number, 2);
    let body = env.last_body("/customservice/msgrecord/getmsglist").await;
    let expected = fixture("kf", "getmsglist.request.json");
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        expected.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    let next = custom
        .records(start, start + 3_600)
        .msgid(page.msgid)
        .await
        .unwrap();
    assert!(next.number >= 1);

    let before = env.calls("/customservice/msgrecord/getmsglist").await.len();
    for refused in [
        custom.records(start, start + 86_401).await,
        custom.records(start, start).await,
        custom.records(start, start + 10).number(10_001).await,
    ] {
        assert!(refused.is_err());
    }
    let streamed: Result<Vec<MsgRecord>, _> =
        custom.records(start, start).all().try_collect().await;
    assert!(streamed.is_err());
    assert_eq!(
        env.calls("/customservice/msgrecord/getmsglist").await.len(),
        before
    );
}

#[test]
fn the_spec_fixtures_decode_into_typed_fields() {
    let page: MsgRecordPage =
        serde_json::from_value(fixture("kf", "getmsglist.response.json")).unwrap();
    assert!(page.extra.is_empty());
    assert_eq!((page.number, page.msgid), (1, 20_165_267));
    assert!(page.recordlist[0].extra.is_empty());
    assert_eq!(page.recordlist[0].worker, "test1@test");
    let session: FollowerSession =
        serde_json::from_value(fixture("kf", "getsession.response.json")).unwrap();
    assert_eq!(session.agent(), Some("test1@test"));
    let list: serde_json::Value = fixture("kf", "getsessionlist.response.json");
    let sessions: Vec<AgentSession> = serde_json::from_value(list["sessionlist"].clone()).unwrap();
    assert!(sessions[0].extra.is_empty());
    let waiting: WaitingFollowers =
        serde_json::from_value(fixture("kf", "getwaitcase.response.json")).unwrap();
    assert_eq!(waiting.count, 150);
    assert!(waiting.waitcaselist[0].extra.is_empty());
}

/// A session opened with the agent after the control API set it bound or not, online or not.
async fn open_with_agent(bound: Option<bool>, online: Option<bool>) -> wxoa_client::Result<()> {
    let env = env(1).await;
    with_agent(&env).await;
    let openid = env.followers(1).await.remove(0);
    env.control().kf_agent(AGENT, bound, online).await.unwrap();
    env.client
        .custom()
        .open_session(AGENT, openid.as_str())
        .await
        .map(drop)
}

#[tokio::test]
async fn an_agent_not_bound_to_a_wechat_id_is_65402() {
    assert_eq!(errcode(open_with_agent(Some(false), None).await), 65402);
}

#[tokio::test]
async fn an_agent_offline_is_65415_kf_agent_offline() {
    match open_with_agent(None, Some(false)).await {
        Err(wxoa_client::Error::Api { code, .. }) => {
            assert_eq!(code, wxoa_client::ErrCode::KfAgentOffline);
        }
        other => panic!("expected 65415, got {other:?}"),
    }
}
