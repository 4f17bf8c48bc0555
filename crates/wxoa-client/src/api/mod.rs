//! The platform's API, one module per area, each reached from the [`Client`]:
//! `client.users()`, `client.tags()`, `client.menus()`, …
//!
//! Conventions every area follows:
//!
//! - An area handle owns a clone of the client (`Client` is a cheap `Clone`), so nothing
//!   borrows: `let users = client.users();`.
//! - A handle is named for what it holds: a plural noun for a collection of things
//!   (`users()`, `tags()`, `cards()`, `menus()`, `templates()`, `materials()`, `drafts()`,
//!   `publications()`, `qrcodes()`, `shorturls()`, `groups()`, `subscriptions()`,
//!   `comments()`), the area's own name for a
//!   service that holds none (`media()`, `mass()`, `custom()`, `oauth()`, `jssdk()`, `misc()`,
//!   `blacklist()`, `migration()`, `autoreply()`, `marketing()`, `ocr()`, `img()`).
//! - A request value is the body it sends: it derives `Serialize` (the client handle skipped,
//!   optional fields left out when unset) and checks its rules in one place before it is sent.
//!   JSON a user wrote (a card or an article kept in a file) is decoded with serde, and a
//!   member of the wrong type fails naming its path.
//! - Each endpoint is a request value: required parameters in its constructor method,
//!   optional ones as chained setters, and awaitable directly through [`IntoFuture`]
//!   (`client.users().info(openid).lang(Lang::En).await?`). The endpoint's path sits next to
//!   its request type.
//! - Requests are validated before they leave ([`Error::InvalidRequest`](crate::Error)
//!   naming the field and the rule); responses are lenient (unknown fields kept in an `extra`
//!   map, numbers that arrive as strings accepted).
//! - Reads are idempotent (retried where safe); anything that sends to followers or changes
//!   state is not, unless the platform makes it idempotent (a mass send with its
//!   `clientmsgid`).
//!
//! [`IntoFuture`]: std::future::IntoFuture

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use crate::{ApiRequest, Client, Result};

/// Runs a request and decodes its answer: the body of every endpoint's `IntoFuture`.
pub(crate) fn call<T: DeserializeOwned + Send + 'static>(
    client: Client,
    request: Result<ApiRequest>,
) -> BoxFuture<'static, Result<T>> {
    Box::pin(async move { client.execute(request?).await })
}

pub(crate) mod adaptive;
pub(crate) mod paging;
pub(crate) mod support;

pub use paging::{OpenIdList, OpenIdPage};
pub use support::Ack;

// Areas: each line registers one file of this directory.
pub mod autoreply;
pub mod blacklist;
pub mod card;
pub mod comments;
pub mod custom;
pub mod cv;
pub mod groups;
pub mod jssdk;
pub mod marketing;
pub mod mass;
pub mod material;
pub mod media;
pub mod menu;
pub mod migration;
pub mod misc;
pub mod oauth;
pub mod publish;
pub mod qrcode;
pub mod shorturl;
pub mod stats;
pub mod subscribe;
pub mod tags;
pub mod template;
pub mod users;
