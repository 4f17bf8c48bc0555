//! The server side of a WeChat Official Account, as an axum [`Router`](axum::Router) you serve
//! or nest in your own app.
//!
//! Every push goes through one pipeline: body limit (64 KiB) → `signature` check (constant
//! time) → replay window → plain, compat or safe mode as the query says (verify
//! `msg_signature`, decrypt, check the AppID) → typed [`Inbound`](wxoa_types::inbound::Inbound)
//! → dedupe of the platform's retries ([`dedup`]) → the [`Bot`]'s handler, within a budget
//! ([`deadline`]) → the reply, encrypted when the push was. Every refusal is a
//! [`Rejection`] with a fixed status, logged with its reason and counted in `/metrics`.
//!
//! An account with an EncodingAESKey refuses plaintext pushes (their signature does not cover
//! the body) unless it [allows them](Account::allow_plain) for the switch-over. Handlers past
//! the budget and their late replies run on after their request; on shutdown,
//! [`Webhook::drain`] waits for them up to a deadline and names what it could not wait for.
//!
//! ```
//! use wxoa_webhook::{Account, Bot, Ctx, Webhook};
//! use wxoa_types::inbound::{EventKind, MessageKind, Text};
//!
//! async fn echo(_: Ctx, text: Text) -> String {
//!     text.content
//! }
//!
//! let bot = Bot::new()
//!     .on_message(MessageKind::Text, echo)
//!     .on_event(EventKind::Subscribe, |_: Ctx| async { "welcome" });
//! let account = Account::new("wx0123456789abcdef", "token", bot)
//!     .aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
//!     .unwrap();
//! let app = Webhook::builder().account(account).build()?.router();
//! # let _: axum::Router = app;
//! # Ok::<(), wxoa_webhook::BuildError>(())
//! ```
//!
//! Module map: [`router`] (routing by typed kind), [`handler`] (handlers, what they take and
//! what they return), [`dedup`]
//! (retries), [`deadline`] (the deadline), [`metrics`], [`rejection`], [`testing`] (signed
//! requests for your own tests). Feature `redis`: `RedisDedup`, dedupe across instances.

mod account;
pub mod bots;
pub mod component;
pub mod deadline;
pub mod dedup;
pub mod handler;
pub mod metrics;
mod pipeline;
pub mod rejection;
pub mod router;
pub mod testing;
mod verify;
mod webhook;

pub use account::Account;
pub use component::{AuthEvents, ComponentAccount};
pub use handler::{Ctx, Handler, HandlerError, IntoReply, Outcome};
pub use rejection::Rejection;
pub use router::{Bot, Dispatch, RouteError};
pub use verify::Mode;
pub use webhook::{BuildError, Webhook, WebhookBuilder};
