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
    assert_eq!(webhook.metrics().requests("bad_signature"), 3);
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
        .build();
    let old = platform().push_at(Mode::Plain, &text_push("o", "x", 1), "1000000000", "1");
    let (status, _) = send(&open.router(), old).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn undecryptable_or_unparseable_bodies_are_400() {
    let webhook = webhook(echo());
    let router = webhook.router();
    let (query, _) = platform().sign(Mode::Plain, "<xml/>", &now(), "1");
    for body in [
        "not xml",
        "<xml><ToUserName>gh</ToUserName></xml>",
        "<!DOCTYPE x [<!ENTITY e \"e\">]><xml/>",
    ] {
        let (status, _) = send(&router, post(format!("/wechat?{query}"), body)).await;
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
    let plain_only = Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, echo()))
        .build();
    let (status, body) = send(
        &plain_only.router(),
        platform().push(Mode::Safe, &text_push("o", "x", 1)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("EncodingAESKey"));
    assert_eq!(webhook.metrics().requests("bad_request"), 4);
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let webhook = webhook(echo());
    let router = webhook.router();
    let big = text_push("o", &"x".repeat(70 * 1024), 1);
    let (status, _) = send(&router, platform().push(Mode::Plain, &big)).await;
    assert_eq!(status, 413);
    assert_eq!(webhook.metrics().requests("too_large"), 1);
    let fits = text_push("o", &"x".repeat(60 * 1024), 2);
    let (status, _) = send(&router, platform().push(Mode::Plain, &fits)).await;
    assert_eq!(status, 200);
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

#[tokio::test]
async fn a_repeated_query_parameter_is_refused() {
    let router = webhook(echo()).router();
    let (query, body) = platform().sign(Mode::Plain, &text_push("o", "x", 3), &now(), "1");
    let (status, answer) = send(&router, post(format!("/wechat?{query}&nonce=2"), body)).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&answer).contains("nonce appears twice"));
}
