//! The extra inbound events of api-reference-2 §12 (verification results, annual review,
//! store review, invoice authorization, media checks, authorization changes) pushed through
//! the control API, plain and encrypted: each arrives at the account's server with the fields
//! of its fixture (`fixtures/inbound/event_<name>.xml`), signed, and its `success` answer
//! ends it (they are notifications).

use std::path::PathBuf;

use serde_json::{Map, Value};
use wxoa_crypto::MsgCrypt;
use wxoa_sandbox::control::PushOutcome;
use wxoa_sandbox::{PushMode, Sandbox, Webhook};
use wxoa_types::xml::{self, Element};

use crate::support::{Answer, Env, Hook, Received, env_with, hook};

const TOKEN: &str = "token";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The flat events of §12 (the media check's second version nests objects and lists; its
/// shape is the webhook's tests').
const EVENTS: &[&str] = &[
    "qualification_verify_success",
    "qualification_verify_fail",
    "naming_verify_success",
    "naming_verify_fail",
    "annual_renew",
    "verify_expired",
    "poi_check_notify",
    "user_authorize_invoice",
    "wxa_media_check",
    "user_info_modified",
    "user_authorization_revoke",
    "user_authorization_cancellation",
];

/// The header every push carries, set by the sandbox.
const HEADER: &[&str] = &["ToUserName", "FromUserName", "CreateTime"];

fn fixture(name: &str) -> Element {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/inbound")
        .join(format!("event_{name}.xml"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    xml::parse(&bytes).unwrap()
}

/// The fields of a push (the header left out), as the control API takes them.
fn fields(event: &Element) -> Map<String, Value> {
    event
        .children
        .iter()
        .filter(|c| !HEADER.contains(&&*c.name))
        .map(|c| (c.name.to_string(), Value::String(c.text.clone())))
        .collect()
}

async fn with_hook(mode: PushMode) -> (Hook, Env) {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let mut webhook = Webhook::new(&hook.url, TOKEN).mode(mode);
    if mode != PushMode::Plain {
        webhook = webhook.aes_key(AES_KEY);
    }
    (
        hook,
        env_with(Sandbox::builder().followers(1).webhook(webhook)).await,
    )
}

/// What the account's server received, decrypted when it came sealed.
fn opened(received: &Received, app_id: &str) -> Element {
    let q = &received.query;
    let plain = if q.get("encrypt_type").map(String::as_str) == Some("aes") {
        MsgCrypt::new(TOKEN, AES_KEY, app_id)
            .unwrap()
            .decrypt_push(
                received.body.as_bytes(),
                &q["msg_signature"],
                &q["timestamp"],
                &q["nonce"],
            )
            .unwrap()
    } else {
        received.body.clone().into_bytes()
    };
    xml::parse(&plain).unwrap()
}

async fn every_event_arrives_with_its_fields(mode: PushMode) {
    let (hook, env) = with_hook(mode).await;
    for (i, name) in EVENTS.iter().enumerate() {
        let event = fixture(name);
        let from = event.child_text("FromUserName").unwrap();
        let result = env.push(from, Value::Object(fields(&event))).await;
        assert_eq!(result.outcome, PushOutcome::NoReply, "{name}: {result:?}");
        let received = hook.wait_for(i + 1).await;
        let pushed = opened(&received[i], env.sandbox.app_id());
        assert_eq!(pushed.child_text("Event"), Some(*name));
        assert_eq!(pushed.child_text("FromUserName"), Some(from));
        for (field, value) in fields(&event) {
            assert_eq!(pushed.child_text(&field), value.as_str(), "{name}: {field}");
        }
    }
}

#[tokio::test]
async fn every_account_event_arrives_in_plain_mode() {
    every_event_arrives_with_its_fields(PushMode::Plain).await;
}

#[tokio::test]
async fn every_account_event_arrives_encrypted_in_safe_mode() {
    every_event_arrives_with_its_fields(PushMode::Safe).await;
}
