//! `wxoa doctor URL` passes a correct webhook and explains a broken one.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
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
    // Every delivery was refused: retries were never seen, so that check cannot pass.
    assert!(
        report.contains(
            "FAIL  a retry of the same push gets the same answer\n      not checked: the first delivery was refused (HTTP 400)"
        ),
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

/// Another valid EncodingAESKey than [`KEY`].
const OTHER_KEY: &str = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj";

/// `wxoa doctor URL` with the Token, [`KEY`] and [`APP_ID`], on a blocking thread.
async fn doctor(url: String) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        wxoa(
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
        )
    })
    .await
    .unwrap()
}

/// Serves `app` on a free loopback port; answers the webhook's URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechat", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The explanation doctor prints under a failed check named `check`.
fn explanation<'a>(report: &'a str, check: &str) -> &'a str {
    let start = report
        .find(&format!("FAIL  {check}"))
        .unwrap_or_else(|| panic!("{check} did not fail: {report}"));
    report[start..].lines().nth(1).unwrap_or("")
}

#[tokio::test]
async fn a_webhook_with_another_key_or_app_id_is_named() {
    for (key, app_id, likely) in [
        (OTHER_KEY, APP_ID, "most likely the EncodingAESKey"),
        (KEY, "wx00000000000000ff", "most likely the AppID"),
    ] {
        let server = crate::Spawned::start(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
                "--aes-key",
                key,
                "--app-id",
                app_id,
                "--bot",
                "echo",
            ],
            "wxoa serve: listening on ",
            false,
        );
        let out = doctor(server.ready.clone()).await;
        assert_eq!(out.status.code(), Some(4));
        let report = stdout(&out);
        for mode in ["compat", "safe"] {
            let why = explanation(&report, &format!("POST in {mode} mode"));
            assert!(
                why.contains(
                    "the EncodingAESKey or the AppID given here differs from the webhook's"
                ) && why.contains(likely),
                "{report}"
            );
        }
        assert!(!report.contains("the Token given here differs"), "{report}");
        assert!(!report.contains("see its log"), "{report}");
        let why = explanation(&report, "a retry of the same push");
        assert!(why.contains("the first delivery was refused"), "{report}");
    }
}

/// A webhook whose handshake is right and whose encrypted pushes fail with 500, as a
/// framework holding another key answers; plain pushes get `plain`.
fn failing_encrypted(plain: StatusCode) -> Router {
    Router::new().route(
        "/wechat",
        get(|Query(q): Query<HashMap<String, String>>| async move {
            let field = |k: &str| q.get(k).cloned().unwrap_or_default();
            let expected = wxoa_crypto::signature(TOKEN, &field("timestamp"), &field("nonce"));
            if field("signature") == expected.as_str() {
                (StatusCode::OK, field("echostr"))
            } else {
                (StatusCode::UNAUTHORIZED, "bad signature".to_owned())
            }
        })
        .post(move |Query(q): Query<HashMap<String, String>>| async move {
            if q.get("encrypt_type").is_some_and(|t| t == "aes") {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            } else {
                (
                    plain,
                    if plain == StatusCode::OK {
                        "success"
                    } else {
                        "plain refused"
                    },
                )
            }
        }),
    )
}

#[tokio::test]
async fn encrypted_pushes_failing_while_plain_is_fine_name_the_key_or_app_id() {
    for plain in [StatusCode::OK, StatusCode::UNAUTHORIZED] {
        let out = doctor(serve(failing_encrypted(plain)).await).await;
        assert_eq!(out.status.code(), Some(4));
        let report = stdout(&out);
        assert!(report.contains("ok    GET handshake"), "{report}");
        // A plain push refused by a keyed webhook is no Token problem.
        assert!(report.contains("ok    POST in plain mode"), "{report}");
        for mode in ["compat", "safe"] {
            let why = explanation(&report, &format!("POST in {mode} mode"));
            assert!(
                why.starts_with("      HTTP 500 while ")
                    && why.contains("the EncodingAESKey or the AppID given here differs"),
                "{report}"
            );
        }
        assert!(!report.contains("Token given here differs"), "{report}");
        assert!(!report.contains("see its log"), "{report}");
        assert!(
            explanation(&report, "a retry of the same push").contains("first delivery was refused"),
            "{report}"
        );
    }
}

#[tokio::test]
async fn a_keyed_webhook_refusing_plain_pushes_passes() {
    let webhook = wxoa_webhook::Webhook::builder()
        .account(
            wxoa_webhook::Account::new(APP_ID, TOKEN, wxoa_webhook::bots::echo())
                .aes_key(KEY)
                .unwrap(),
        )
        .build()
        .unwrap();
    // Plain pushes refused as CONTRACT §3 has a keyed account refuse them.
    let app = webhook.router().layer(axum::middleware::from_fn(
        |request: Request, next: Next| async move {
            let encrypted = request
                .uri()
                .query()
                .unwrap_or("")
                .contains("encrypt_type=aes");
            if request.method() == Method::POST && !encrypted {
                return (StatusCode::UNAUTHORIZED, "plain push refused").into_response();
            }
            next.run(request).await
        },
    ));
    let out = doctor(serve(app).await).await;
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("all 5 checks passed"), "{report}");
    assert!(
        report.contains(
            "ok    POST in plain mode is refused (the account has an EncodingAESKey)\n      refused with 401"
        ),
        "{report}"
    );

    // Without an EncodingAESKey given, the refusal is explained, not blamed on the Token.
    let url = serve(webhook.router().layer(axum::middleware::from_fn(
        |request: Request, next: Next| async move {
            if request.method() == Method::POST {
                return (StatusCode::UNAUTHORIZED, "plain push refused").into_response();
            }
            next.run(request).await
        },
    )))
    .await;
    let out = tokio::task::spawn_blocking(move || wxoa(&["doctor", &url, "--token", TOKEN], b""))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let report = stdout(&out);
    assert!(
        explanation(&report, "POST in plain mode").contains("the webhook refuses plain pushes"),
        "{report}"
    );
    assert!(!report.contains("Token given here differs"), "{report}");
}
