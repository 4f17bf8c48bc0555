//! The typed client of the control API, against a sandbox in this process and by URL, and its
//! errors when the sandbox refuses, is gone, or answers something else.

use std::time::Duration;

use serde_json::json;
use wxoa_sandbox::control::{FaultOutcome, PushOutcome};
use wxoa_sandbox::{Control, ControlError, Sandbox};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::Reply;

use crate::support::{Answer, env, env_with, hook};

#[tokio::test]
async fn a_push_answers_its_attempts_reply_and_raw_body() {
    let hook = hook(|received, _| {
        let inbound = Inbound::from_xml(received.body.as_bytes()).unwrap();
        Answer::Body(Reply::text(&inbound, "hello back").to_xml().unwrap())
    })
    .await;
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .webhook(wxoa_sandbox::Webhook::new(&hook.url, "token")),
    )
    .await;
    let control = env.sandbox.control();
    let openid = control.followers(1, 0).await.unwrap().openids.remove(0);
    let pushed = control
        .push(&openid, json!({"MsgType": "text", "Content": "hi"}))
        .await
        .unwrap();
    assert_eq!(pushed.attempts, 1);
    assert_eq!(pushed.attempt_log.len(), 1);
    assert_eq!(pushed.outcome, PushOutcome::Reply);
    assert_eq!(pushed.reply_text("Content"), Some("hello back"));
    assert!(pushed.raw.as_deref().unwrap().contains("hello back"));
    assert_eq!(pushed.from, openid);
    let log = control.pushes(Some(&openid)).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].id, log[0].attempts), (pushed.id, 1));
    let inbox = control.inbox(&openid).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "reply");
}

#[tokio::test]
async fn followers_page_with_limit_and_offset() {
    let env = env().await;
    let control = env.sandbox.control();
    let all = control.followers(100, 0).await.unwrap();
    assert_eq!(all.total, 20);
    let page = control.followers(5, 10).await.unwrap();
    assert_eq!(page.openids, all.openids[10..15]);
    let accounts = control.accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].app_id, env.sandbox.app_id());
    assert_eq!(accounts[0].followers, 20);
}

#[tokio::test]
async fn faults_are_scripted_listed_and_cleared() {
    let env = env().await;
    let faults = env.sandbox.control().faults();
    faults.error("/cgi-bin/user/get", 45009, 2).await.unwrap();
    faults
        .delay("/cgi-bin/user/info", Duration::from_millis(30), 1)
        .await
        .unwrap();
    let pending = faults.drop("/cgi-bin/menu/get", 1).await.unwrap();
    let outcomes: Vec<_> = pending.iter().map(|f| (f.outcome, f.times)).collect();
    assert_eq!(
        outcomes,
        [
            (FaultOutcome::Errcode(45009), 2),
            (FaultOutcome::Pass, 1),
            (FaultOutcome::Drop, 1)
        ]
    );
    assert_eq!(pending[1].delay_ms, Some(30));
    let answer = env.get("/cgi-bin/user/get").await;
    assert_eq!(answer["errcode"], 45009);
    let calls = env.control().calls("/cgi-bin/user/get").await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].errcode, Some(45009));
    assert_eq!(calls[0].fault.as_deref(), Some("errcode"));
    assert_eq!(calls[0].method, "GET");
    faults.clear().await.unwrap();
    assert!(faults.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_clock_advances_and_a_refusal_is_a_typed_error() {
    let env = env().await;
    let clock = env.sandbox.control().clock();
    let before = clock.now().await.unwrap();
    let after = clock.advance(3600).await.unwrap();
    assert!(after.now >= before.now + 3600);
    assert_eq!(after.offset, before.offset + 3600);
    match clock.advance(-1).await {
        Err(ControlError::Refused {
            status: 400,
            method: "POST",
            path,
            message,
        }) => {
            assert_eq!(path, "/sandbox/clock");
            assert!(!message.is_empty());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match env.control().faults().error("no-slash", 1, 1).await {
        Err(ControlError::Refused { status: 400, .. }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_sandbox_in_another_place_is_reached_by_its_url() {
    let env = env().await;
    let control = Control::new(format!("{}/", env.sandbox.base_url())).unwrap();
    assert_eq!(control.base_url(), env.sandbox.base_url());
    assert_eq!(control.followers(3, 0).await.unwrap().openids.len(), 3);
    assert!(control.webhook().await.unwrap().is_none());
    let shown = control
        .set_webhook("http://127.0.0.1:9/wechat", "token")
        .await
        .unwrap();
    assert_eq!(shown.urls, ["http://127.0.0.1:9/wechat"]);
    assert_eq!(shown.mode, "plain");
    control.remove_webhook().await.unwrap();
    assert!(control.webhook().await.unwrap().is_none());
}

#[tokio::test]
async fn a_sandbox_that_is_gone_is_a_transport_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let control = sandbox.control().clone();
    sandbox.shutdown().await.unwrap();
    match control.inbox("oSomeone").await {
        Err(ControlError::Transport {
            method: "GET",
            path,
            ..
        }) => {
            assert_eq!(path, "/sandbox/inbox/oSomeone");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_of_another_shape_is_a_decode_error_keeping_the_body() {
    // A server that is not a sandbox: every request gets `200 not json`.
    let app = axum::Router::new().fallback(|| async { "not json" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let control = Control::new(format!("http://{addr}")).unwrap();
    match control.clock().advance(1).await {
        Err(ControlError::Decode { body, path, .. }) => {
            assert_eq!(body, "not json");
            assert_eq!(path, "/sandbox/clock");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}
