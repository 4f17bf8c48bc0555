#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod account_events;
mod bots;
mod component;
mod deadline;
mod dedupe;
mod modes;
#[cfg(feature = "redis")]
mod outbox;
#[cfg(feature = "redis")]
mod redis_dedupe;
mod refusals;
mod replies;
mod routing;
mod shutdown;
mod subscribe_events;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;
use wxoa_types::inbound::{MessageKind, Text};
use wxoa_webhook::metrics::{LateResult, OutboxEvent, RequestOutcome};
use wxoa_webhook::testing::{Platform, body_bytes};
use wxoa_webhook::{Account, Bot, Dispatch, Webhook};

pub const APP_ID: &str = "wx0123456789abcdef";
pub const TOKEN: &str = "webhooktoken";
pub const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

pub fn platform() -> Platform {
    Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap()
}

pub fn webhook(bot: impl Dispatch) -> Webhook {
    Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, bot).aes_key(KEY).unwrap())
        .build()
        .unwrap()
}

/// An account in plain mode (no EncodingAESKey): the one kind that takes plaintext pushes
/// without allowing them explicitly.
pub fn plain_webhook(bot: impl Dispatch) -> Webhook {
    Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, bot))
        .build()
        .unwrap()
}

pub fn echo() -> Bot {
    Bot::new().on_message(
        MessageKind::Text,
        |_: wxoa_webhook::Ctx, text: Text| async move { text.content },
    )
}

pub async fn send(router: &Router, request: Request<Body>) -> (u16, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (status, body_bytes(response).await.unwrap().to_vec())
}
