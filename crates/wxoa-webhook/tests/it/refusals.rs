//! Every refusal has its fixed status and its metrics outcome.

use axum::body::Body;
use axum::http::Request;
use wxoa_webhook::Mode;
use wxoa_webhook::testing::text_push;

use crate::*;

fn post(uri: String, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn bad_signature_is_401() {
    let webhook = webhook(echo());
    let router = webhook.router();
    let wrong = Platform::new(APP_ID, "wrongtoken", Some(KEY)).unwrap();
    let (status, _) = send(&router, wrong.push(Mode::Plain, &text_push("o", "x", 1))).await;
    assert_eq!(status, 401);
    let (status, _) = send(&router, post("/wechat".into(), "<xml/>")).await;
    assert_eq!(status, 401, "no signature at all");
    // Right `signature`, wrong `msg_signature`.
    let (query, body) = platform().sign(Mode::Safe, &text_push("o", "x", 2), &now(), "1");
    let query = query.replace("msg_signature=", "msg_signature=0");
    let (status, _) = send(&router, post(format!("/wechat?{query}"), body)).await;
    assert_eq!(status, 401);
    assert_eq!(webhook.metrics().requests(RequestOutcome::BadSignature), 3);
}

#[tokio::test]
async fn stale_timestamp_is_401_unless_the_window_is_off() {
    let router = webhook(echo()).router();
    let old = platform().push_at(Mode::Plain, &text_push("o", "x", 1), "1000000000", "1");
    let (status, body) = send(&router, old).await;
    assert_eq!(status, 401);
    assert!(String::from_utf8_lossy(&body).contains("replay window"));
    let open = Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, echo()))
        .replay_window(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let old = platform().push_at(Mode::Plain, &text_push("o", "x", 1), "1000000000", "1");
    let (status, _) = send(&open.router(), old).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn undecryptable_or_unparseable_bodies_are_400() {
    let webhook = webhook(echo());
    let router = webhook.router();
    // Unparseable plaintext, to an account in plain mode.
    let plain_only = plain_webhook(echo());
    let (query, _) = platform().sign(Mode::Plain, "<xml/>", &now(), "1");
    for body in [
        "not xml",
        "<xml><ToUserName>gh</ToUserName></xml>",
        "<!DOCTYPE x [<!ENTITY e \"e\">]><xml/>",
    ] {
        let (status, _) = send(&plain_only.router(), post(format!("/wechat?{query}"), body)).await;
        assert_eq!(status, 400, "{body}");
    }
    // Garbage ciphertext with a valid msg_signature over it.
    let timestamp = now();
    let encrypt = "AAAAAAAAAAAAAAAAAAAAAA==";
    let sig = wxoa_crypto::signature(TOKEN, &timestamp, "1");
    let msg_sig = wxoa_crypto::msg_signature(TOKEN, &timestamp, "1", encrypt);
    let uri = format!(
        "/wechat?signature={sig}&timestamp={timestamp}&nonce=1&encrypt_type=aes&msg_signature={msg_sig}"
    );
    let (status, body) = send(
        &router,
        post(
            uri,
            format!("<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"),
        ),
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    // An encrypted push to an account without a key.
    let (status, body) = send(
        &plain_only.router(),
        platform().push(Mode::Safe, &text_push("o", "x", 1)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("EncodingAESKey"));
    assert_eq!(webhook.metrics().requests(RequestOutcome::BadRequest), 1);
    assert_eq!(plain_only.metrics().requests(RequestOutcome::BadRequest), 4);
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    // In plain mode, where the body is the message itself.
    let webhook = plain_webhook(echo());
    let router = webhook.router();
    let big = text_push("o", &"x".repeat(70 * 1024), 1);
    let (status, _) = send(&router, platform().push(Mode::Plain, &big)).await;
    assert_eq!(status, 413);
    assert_eq!(webhook.metrics().requests(RequestOutcome::TooLarge), 1);
    let fits = text_push("o", &"x".repeat(60 * 1024), 2);
    let (status, _) = send(&router, platform().push(Mode::Plain, &fits)).await;
    assert_eq!(status, 200);
}

fn now() -> String {
    wxoa_testkit::unix_seconds().to_string()
}

#[tokio::test]
async fn a_repeated_query_parameter_is_refused() {
    let router = webhook(echo()).router();
    let (query, body) = platform().sign(Mode::Plain, &text_push("o", "x", 3), &now(), "1");
    let (status, answer) = send(&router, post(format!("/wechat?{query}&nonce=2"), body)).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&answer).contains("nonce appears twice"));
}

/// A follower message forged in plain mode from the query string of a real safe-mode push
/// (as a proxy's access log keeps it): the signature covers only the Token, timestamp and
/// nonce, so it still verifies.
fn forged_plaintext(safe_query: &str) -> Request<Body> {
    let plain_query: Vec<&str> = safe_query
        .split('&')
        .filter(|pair| !pair.starts_with("encrypt_type=") && !pair.starts_with("msg_signature="))
        .collect();
    post(
        format!("/wechat?{}", plain_query.join("&")),
        text_push("oVictim", "transfer everything", 66),
    )
}

#[tokio::test]
async fn a_plaintext_push_to_an_account_with_a_key_is_refused() {
    let webhook = webhook(echo());
    let router = webhook.router();
    let (safe_query, safe_body) =
        platform().sign(Mode::Safe, &text_push("oVictim", "hi", 65), &now(), "1");
    // The genuine safe-mode push is answered.
    let (status, _) = send(&router, post(format!("/wechat?{safe_query}"), safe_body)).await;
    assert_eq!(status, 200);
    // The forgery from its logged query string is not.
    let (status, body) = send(&router, forged_plaintext(&safe_query)).await;
    assert_eq!(status, 401);
    assert!(
        String::from_utf8_lossy(&body).contains("plaintext push refused"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // `encrypt_type=raw` is plain mode too.
    let (query, body) = platform().sign(Mode::Plain, &text_push("o", "x", 67), &now(), "2");
    let (status, _) = send(
        &router,
        post(format!("/wechat?{query}&encrypt_type=raw"), body),
    )
    .await;
    assert_eq!(status, 401);
    let metrics = webhook.metrics();
    assert_eq!(metrics.requests(RequestOutcome::PlainRefused), 2);
    assert_eq!(
        metrics.handled_total(),
        1,
        "no handler ran for a refused push"
    );
    assert!(
        webhook
            .render_metrics()
            .unwrap()
            .contains("wxoa_webhook_requests_total{outcome=\"plain_refused\"} 2")
    );
    // Compat mode carries the ciphertext: still accepted.
    let (status, body) = send(
        &router,
        platform().push(Mode::Compat, &text_push("o", "compat", 68)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        platform()
            .read_reply(Mode::Compat, &body)
            .unwrap()
            .unwrap()
            .body,
        wxoa_types::reply::ReplyBody::text("compat")
    );
}

#[tokio::test]
async fn allow_plain_takes_plaintext_pushes_during_the_switch_over() {
    let webhook = Webhook::builder()
        .account(
            Account::new(APP_ID, TOKEN, echo())
                .aes_key(KEY)
                .unwrap()
                .allow_plain(true),
        )
        .build()
        .unwrap();
    let (safe_query, _) = platform().sign(Mode::Safe, &text_push("o", "hi", 69), &now(), "1");
    let (status, body) = send(&webhook.router(), forged_plaintext(&safe_query)).await;
    assert_eq!(status, 200);
    assert_eq!(
        platform()
            .read_reply(Mode::Plain, &body)
            .unwrap()
            .unwrap()
            .body,
        wxoa_types::reply::ReplyBody::text("transfer everything")
    );
    assert_eq!(webhook.metrics().requests(RequestOutcome::PlainRefused), 0);
}
