//! Handlers are plain async functions of a [`Ctx`] and, when they want it, the typed value their
//! route matched (`async fn(Ctx, Text)`, `async fn(Ctx, Subscribe)`); they return anything
//! [`IntoReply`]; a handler that fails gives a [`HandlerError`], which keeps the handler's own
//! error.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use wxoa_types::inbound::{Body, EventKind, Inbound, MessageKind};
use wxoa_types::reply::{Reply, ReplyBody};

/// What every handler sees: the push, the shared state, and the account it came to. What the
/// route matched (the text, the image, the event) comes as the handler's second argument.
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

/// A handler: implemented for every `async fn(Ctx<S>) -> impl IntoReply` (`T` = `()`) and every
/// `async fn(Ctx<S>, P) -> impl IntoReply` (`T` = `(P,)`), where `P` is what the route's kind
/// carries: [`Text`](wxoa_types::inbound::Text) for text messages,
/// [`Image`](wxoa_types::inbound::Image) for images, [`Subscribe`](wxoa_types::inbound::Subscribe)
/// for `subscribe`, [`Click`](wxoa_types::inbound::Click) for `CLICK`, and so on (the payload of
/// the kind's variant of [`Message`](wxoa_types::inbound::Message) or
/// [`Event`](wxoa_types::inbound::Event)).
pub trait Handler<S, T>: Send + Sync + 'static {
    /// Whether routes of this message kind give the handler what it takes; `Err` names the
    /// type it takes when they do not.
    fn takes_message(kind: &MessageKind) -> Result<(), &'static str>
    where
        Self: Sized;

    /// Whether routes of this event kind give the handler what it takes; `Err` names the type
    /// it takes when they do not.
    fn takes_event(kind: &EventKind) -> Result<(), &'static str>
    where
        Self: Sized;

    /// Runs the handler, or gives `ctx` back when its push does not carry what the handler
    /// takes.
    fn call(&self, ctx: Ctx<S>) -> Result<BoxFuture<'static, Outcome>, Ctx<S>>;
}

impl<S, F, Fut, R> Handler<S, ()> for F
where
    F: Fn(Ctx<S>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoReply,
{
    fn takes_message(_: &MessageKind) -> Result<(), &'static str> {
        Ok(())
    }

    fn takes_event(_: &EventKind) -> Result<(), &'static str> {
        Ok(())
    }

    fn call(&self, ctx: Ctx<S>) -> Result<BoxFuture<'static, Outcome>, Ctx<S>> {
        let fut = self(ctx);
        Ok(Box::pin(async move { fut.await.into_reply() }))
    }
}

impl<S, F, Fut, R, P> Handler<S, (P,)> for F
where
    F: Fn(Ctx<S>, P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoReply,
    P: Clone + Send + 'static,
{
    fn takes_message(kind: &MessageKind) -> Result<(), &'static str> {
        kind.carries::<P>()
            .then_some(())
            .ok_or(std::any::type_name::<P>())
    }

    fn takes_event(kind: &EventKind) -> Result<(), &'static str> {
        kind.carries::<P>()
            .then_some(())
            .ok_or(std::any::type_name::<P>())
    }

    fn call(&self, ctx: Ctx<S>) -> Result<BoxFuture<'static, Outcome>, Ctx<S>> {
        let payload = match &ctx.push.body {
            Body::Message(message) => message.payload::<P>(),
            Body::Event(event) => event.payload::<P>(),
            _ => None,
        };
        let Some(payload) = payload.cloned() else {
            return Err(ctx);
        };
        let fut = self(ctx, payload);
        Ok(Box::pin(async move { fut.await.into_reply() }))
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
