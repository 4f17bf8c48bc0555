//! `wxoa doctor URL` passes a correct webhook and explains a broken one.

use axum::Router;
use axum::routing::get;

use crate::serve::{APP_ID, KEY, Server, TOKEN};
use crate::*;

#[test]
fn a_correct_webhook_passes_every_check() {
    let server = Server::start(&["--bot", "echo"]);
    let url = format!("{}/wechat", server.base);
    let out = wxoa(
        &[
            "doctor",
            &url,
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APP_ID,
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let report = stdout(&out);
    assert!(report.contains("all 5 checks passed"), "{report}");
    assert!(report.contains("ok    POST in safe mode"), "{report}");
    // The account has a key: plaintext pushes, whose signature does not cover the body, are
    // refused, and the doctor counts that as correct.
    assert!(
        report.contains("ok    POST in plain mode is refused"),
        "{report}"
    );
}

#[test]
fn a_keyed_webhook_that_takes_plaintext_is_flagged() {
    let server = Server::start(&["--bot", "echo", "--allow-plain"]);
    let url = format!("{}/wechat", server.base);
    let out = wxoa(
        &[
            "doctor",
            &url,
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            APP_ID,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(
        report.contains("FAIL  POST in plain mode is refused"),
        "{report}"
    );
    assert!(report.contains("can forge follower messages"), "{report}");
}

#[test]
fn a_wrong_token_and_a_wrong_path_are_explained() {
    let server = Server::start(&["--bot", "echo"]);
    let url = format!("{}/wechat", server.base);
    let out = wxoa(
        &[
            "doctor",
            &url,
            "--token",
            "nottheright",
            "--aes-key",
            KEY,
            "--app-id",
            APP_ID,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stdout(&out).contains("the Token given here differs"),
        "{}",
        stdout(&out)
    );
    let out = wxoa(
        &[
            "doctor",
            &format!("{}/elsewhere", server.base),
            "--token",
            TOKEN,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout(&out).contains("wrong path"), "{}", stdout(&out));
}

#[tokio::test]
async fn a_quoted_echostr_and_an_eaten_body_are_explained() {
    // A webhook with two classic mistakes: echostr returned as a JSON string, and a body
    // parser in front that consumes the XML (it answers 400).
    let app = Router::new().route(
        "/wechat",
        get(
            |axum::extract::Query(q): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| async move {
                format!("\"{}\"", q.get("echostr").cloned().unwrap_or_default())
            },
        )
        .post(|| async { (axum::http::StatusCode::BAD_REQUEST, "expected JSON body") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechat", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let out = tokio::task::spawn_blocking(move || wxoa(&["doctor", &url, "--token", TOKEN], b""))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let report = stdout(&out);
    assert!(report.contains("echostr came back quoted"), "{report}");
    assert!(
        report.contains("a middleware may have consumed"),
        "{report}"
    );
}

#[test]
fn an_unreachable_webhook_is_explained() {
    let port = wxoa_testkit::free_port();
    let out = wxoa(
        &[
            "doctor",
            &format!("http://127.0.0.1:{port}/wechat"),
            "--token",
            TOKEN,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout(&out).contains("is it running"), "{}", stdout(&out));
}
