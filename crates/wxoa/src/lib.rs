//! wxoa: the backend of a WeChat Official Account (微信公众号) in Rust.
//!
//! This crate is the one to depend on; it re-exports the parts:
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`types`] | wxoa-types | ids, error codes, every inbound message and event, passive replies |
//! | [`crypto`] | wxoa-crypto | signatures, WXBizMsgCrypt message encryption, JS-SDK signatures |
//! | `client` | wxoa-client (feature `client`, default) | the API client and its token management |
//! | `webhook` | wxoa-webhook (feature `webhook`, default) | the server framework for pushes |
//! | `sandbox` | wxoa-sandbox (feature `sandbox`) | a faithful local platform for tests and development |
//!
//! Feature `redis` shares tokens and dedupe through Redis.
//!
//! A bot in a few lines:
//!
//! ```no_run
//! use wxoa::prelude::*;
//! use wxoa::types::inbound::Text;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let bot = Bot::new()
//!     .on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
//!         format!("you said: {}", text.content)
//!     })
//!     .on_event(EventKind::Subscribe, |_: Ctx| async { "welcome!" });
//! let account = WebhookAccount::new("wx0123456789abcdef", "token", bot)
//!     .aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")?;
//! let app = Webhook::builder().account(account).build()?.router();
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

pub use wxoa_crypto as crypto;
pub use wxoa_types as types;

#[cfg(feature = "client")]
pub use wxoa_client as client;
#[cfg(feature = "sandbox")]
pub use wxoa_sandbox as sandbox;
#[cfg(feature = "webhook")]
pub use wxoa_webhook as webhook;

/// The names most programs use.
pub mod prelude {
    pub use wxoa_crypto::MsgCrypt;
    pub use wxoa_types::errcode::ErrCode;
    pub use wxoa_types::inbound::{Body, Event, EventKind, Inbound, Message, MessageKind};
    pub use wxoa_types::reply::{Article, Music, Reply, ReplyBody};

    #[cfg(feature = "client")]
    pub use wxoa_client::{Account as ClientAccount, Client, Error as ClientError};
    #[cfg(feature = "webhook")]
    pub use wxoa_webhook::{Account as WebhookAccount, Bot, Ctx, Dispatch, Mode, Webhook};
}
