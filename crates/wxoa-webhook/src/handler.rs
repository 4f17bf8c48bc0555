//! Handlers are plain async functions of a [`Ctx`] that return anything [`IntoReply`]; a handler
//! that fails gives a [`HandlerError`], which keeps the handler's own error.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use wxoa_types::inbound::{Body, Event, Inbound, Message};
use wxoa_types::reply::{Reply, ReplyBody};

/// What a handler sees: the push, the shared state, and the account it came to.
#[derive(Debug, Clone)]
pub struct Ctx<S = ()> {
    /// The push, typed.
    pub push: Arc<Inbound>,
    /// The state given to the bot.
    pub state: S,
    /// The AppID of the account the push came to.
    pub app_id: Arc<str>,
}

impl<S> Ctx<S> {
    /// The text of a text message.
    pub fn text(&self) -> Option<&str> {
        match &self.push.body {
            Body::Message(Message::Text(text)) => Some(&text.content),
            _ => None,
        }
    }

    /// The message, if the push is one.
    pub fn message(&self) -> Option<&Message> {
        self.push.as_message()
    }

    /// The event, if the push is one.
    pub fn event(&self) -> Option<&Event> {
        self.push.as_event()
    }

    /// The sender's OpenID.
    pub fn openid(&self) -> &str {
        self.push.from_user_name.as_str()
    }
}

/// What a handler decided.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// Nothing to say: the platform gets `success`.
    NoReply,
    /// A passive reply, addressed back to the sender by the framework.
    Reply(ReplyBody),
    /// The handler failed; the request answers 500 and the platform's retry runs it again.
    Failed(HandlerError),
}

/// Why a handler gave no answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HandlerError {
    /// The handler returned this error (shared, so that the outcome can be cloned).
    #[error(transparent)]
    Returned(Arc<dyn std::error::Error + Send + Sync>),
    /// The handler panicked.
    #[error("the handler panicked")]
    Panicked,
    /// The handler's run was polled after it had finished (a bug in the webhook, not in the
    /// handler).
    #[error("the handling was already complete")]
    AlreadyComplete,
}

impl HandlerError {
    /// A handler's own error.
    pub fn returned(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        HandlerError::Returned(Arc::from(error.into()))
    }
}

/// Anything a handler may return.
///
/// - `()` and `None`: no reply (`success`).
/// - `String`, `&'static str`: a text reply.
/// - [`ReplyBody`], [`Reply`]: that reply.
/// - `Result<T, E>`: `T`'s outcome, or a failure (500, the platform retries); `E` is any error
///   (or a `String`), kept as the failure's [`HandlerError::Returned`].
pub trait IntoReply {
    /// The outcome.
    fn into_reply(self) -> Outcome;
}

impl IntoReply for Outcome {
    fn into_reply(self) -> Outcome {
        self
    }
}

impl IntoReply for () {
    fn into_reply(self) -> Outcome {
        Outcome::NoReply
    }
}

impl IntoReply for ReplyBody {
    fn into_reply(self) -> Outcome {
        Outcome::Reply(self)
    }
}

impl IntoReply for Reply {
    fn into_reply(self) -> Outcome {
        Outcome::Reply(self.body)
    }
}

impl IntoReply for String {
    fn into_reply(self) -> Outcome {
        Outcome::Reply(ReplyBody::text(self))
    }
}

impl IntoReply for &'static str {
    fn into_reply(self) -> Outcome {
        Outcome::Reply(ReplyBody::text(self))
    }
}

impl<T: IntoReply> IntoReply for Option<T> {
    fn into_reply(self) -> Outcome {
        self.map_or(Outcome::NoReply, IntoReply::into_reply)
    }
}

impl<T, E> IntoReply for Result<T, E>
where
    T: IntoReply,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn into_reply(self) -> Outcome {
        match self {
            Ok(value) => value.into_reply(),
            Err(error) => Outcome::Failed(HandlerError::returned(error)),
        }
    }
}

/// A handler: implemented for every `async fn(Ctx<S>) -> impl IntoReply`.
pub trait Handler<S>: Send + Sync + 'static {
    /// Runs the handler.
    fn call(&self, ctx: Ctx<S>) -> BoxFuture<'static, Outcome>;
}

impl<S, F, Fut, R> Handler<S> for F
where
    F: Fn(Ctx<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoReply,
{
    fn call(&self, ctx: Ctx<S>) -> BoxFuture<'static, Outcome> {
        let fut = self(ctx);
        Box::pin(async move { fut.await.into_reply() })
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_handlers_error_is_kept_as_its_failure() {
        let failed: Result<(), std::io::Error> = Err(std::io::Error::other("disk full"));
        let Outcome::Failed(error) = failed.into_reply() else {
            panic!("an error is a failure");
        };
        assert_eq!(error.to_string(), "disk full");
        let HandlerError::Returned(kept) = &error else {
            panic!("a returned error is kept as returned: {error:?}");
        };
        assert!(kept.downcast_ref::<std::io::Error>().is_some());

        let failed: Result<&'static str, String> = Err("no stock".to_owned());
        let Outcome::Failed(error) = failed.into_reply() else {
            panic!("an error is a failure");
        };
        assert_eq!(error.to_string(), "no stock");
        assert!(matches!(
            Ok::<_, String>("hi").into_reply(),
            Outcome::Reply(_)
        ));
    }
}
