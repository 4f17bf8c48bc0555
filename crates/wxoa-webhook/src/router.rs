//! Which handler gets which push: a [`Bot`] is an ordered list of routes by typed kind
//! ([`MessageKind`], [`EventKind`]), the first match wins, then the fallback (or `success` when
//! there is none). A handler receives what its route matched, typed; a route whose handler
//! takes something its kind does not carry is a [`RouteError`], which the webhook's build
//! returns.
//!
//! ```
//! use wxoa_webhook::{Bot, Ctx};
//! use wxoa_types::inbound::{EventKind, Image, MessageKind, Subscribe, Text};
//! use wxoa_types::reply::ReplyBody;
//!
//! async fn echo(_: Ctx, text: Text) -> String {
//!     text.content
//! }
//!
//! let bot = Bot::new()
//!     .on_text_exact("help", |_: Ctx| async { "send me anything" })
//!     .on_message(MessageKind::Text, echo)
//!     .on_message(MessageKind::Image, |_: Ctx, image: Image| async move {
//!         ReplyBody::image(image.media_id.as_str())
//!     })
//!     .on_event(EventKind::Subscribe, |_: Ctx, follow: Subscribe| async move {
//!         match follow.scene() {
//!             Some(scene) => format!("welcome from {scene}"),
//!             None => "welcome".to_owned(),
//!         }
//!     })
//!     .on_click("V1001_TODAY_MUSIC", |_: Ctx| async { "today's music" })
//!     .on_event(EventKind::from("future_account_notice"), |_: Ctx| async {});
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use futures::future::BoxFuture;
use regex::Regex;
use wxoa_types::inbound::{Body, Event, EventKind, Inbound, Message, MessageKind};

use crate::handler::{Ctx, Handler, Outcome};

/// What a route's push is: a message or an event of this kind.
enum Kind {
    Message(MessageKind),
    Event(EventKind),
}

impl Kind {
    /// An unknown kind given a known name is that known kind.
    fn canonical(self) -> Self {
        match self {
            Kind::Message(MessageKind::Unknown(name)) => Kind::Message(MessageKind::from(&*name)),
            Kind::Event(EventKind::Unknown(name)) => Kind::Event(EventKind::from(&*name)),
            known => known,
        }
    }

    /// Known kinds compare as kinds; an unknown one by its name, without regard to case (the
    /// name of what arrived is on the push).
    fn matches(&self, push: &Inbound) -> bool {
        match (self, &push.body) {
            (Kind::Message(MessageKind::Unknown(name)), Body::Unknown) => {
                push.msg_type.eq_ignore_ascii_case(name)
            }
            (Kind::Message(kind), Body::Message(message)) => message.is(kind),
            (Kind::Event(EventKind::Unknown(name)), Body::Event(Event::Unknown)) => push
                .event
                .as_deref()
                .is_some_and(|event| event.eq_ignore_ascii_case(name)),
            (Kind::Event(kind), Body::Event(event)) => event.is(kind),
            _ => false,
        }
    }
}

/// What a route asks of a push of its kind besides the kind.
enum Filter {
    Any,
    TextExact(String),
    TextPrefix(String),
    TextRegex(Regex),
    ClickKey(String),
}

impl Filter {
    fn matches(&self, push: &Inbound) -> bool {
        let text = || match &push.body {
            Body::Message(Message::Text(text)) => Some(text.content.as_str()),
            _ => None,
        };
        match self {
            Filter::Any => true,
            Filter::TextExact(content) => text() == Some(content.as_str()),
            Filter::TextPrefix(prefix) => text().is_some_and(|t| t.starts_with(prefix.as_str())),
            Filter::TextRegex(pattern) => text().is_some_and(|t| pattern.is_match(t)),
            Filter::ClickKey(key) => {
                matches!(&push.body, Body::Event(Event::Click(click)) if click.key == *key)
            }
        }
    }
}

/// A route whose handler takes something its kind does not carry (`MessageKind::Image` with a
/// handler of a `Text`, or any payload for an unknown kind): a mistake in the bot, which
/// [`WebhookBuilder::build`](crate::WebhookBuilder::build) and
/// [`Webhook::add_account`](crate::Webhook::add_account) return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// A route of messages of this kind.
    #[error("a handler that takes {takes} cannot serve `{kind}` messages")]
    Message {
        /// The kind routed.
        kind: MessageKind,
        /// The type the handler takes.
        takes: &'static str,
    },
    /// A route of events of this kind.
    #[error("a handler that takes {takes} cannot serve `{kind}` events")]
    Event {
        /// The kind routed.
        kind: EventKind,
        /// The type the handler takes.
        takes: &'static str,
    },
}

/// A handler with what it takes erased, so that routes of every kind sit in one list.
trait Erased<S>: Send + Sync + 'static {
    fn call(&self, ctx: Ctx<S>) -> Result<BoxFuture<'static, Outcome>, Ctx<S>>;
}

struct Typed<H, T>(H, PhantomData<fn() -> T>);

impl<S, T: 'static, H: Handler<S, T>> Erased<S> for Typed<H, T> {
    fn call(&self, ctx: Ctx<S>) -> Result<BoxFuture<'static, Outcome>, Ctx<S>> {
        self.0.call(ctx)
    }
}

struct Route<S> {
    kind: Kind,
    filter: Filter,
    handler: Box<dyn Erased<S>>,
}

/// The handlers of one account, with their shared state.
pub struct Bot<S = ()> {
    state: S,
    routes: Vec<Route<S>>,
    fallback: Option<Box<dyn Erased<S>>>,
    /// The first route refused, reported by [`Dispatch::check`].
    misroute: Option<RouteError>,
}

impl<S> std::fmt::Debug for Bot<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("routes", &self.routes.len())
            .field("fallback", &self.fallback.is_some())
            .field("misroute", &self.misroute)
            .finish()
    }
}

impl Bot<()> {
    /// A bot without state.
    pub fn new() -> Self {
        Self::with_state(())
    }
}

impl Default for Bot<()> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Bot<S> {
    /// A bot whose handlers all receive a clone of `state` in their [`Ctx`].
    pub fn with_state(state: S) -> Self {
        Self {
            state,
            routes: Vec::new(),
            fallback: None,
            misroute: None,
        }
    }

    fn route<T: 'static, H: Handler<S, T>>(
        mut self,
        kind: Kind,
        filter: Filter,
        handler: H,
    ) -> Self {
        let refused = match &kind {
            Kind::Message(kind) => H::takes_message(kind).map_err(|takes| RouteError::Message {
                kind: kind.clone(),
                takes,
            }),
            Kind::Event(kind) => H::takes_event(kind).map_err(|takes| RouteError::Event {
                kind: kind.clone(),
                takes,
            }),
        };
        if let Err(misroute) = refused {
            self.misroute.get_or_insert(misroute);
            return self;
        }
        self.routes.push(Route {
            kind: kind.canonical(),
            filter,
            handler: Box::new(Typed(handler, PhantomData)),
        });
        self
    }

    /// Normal messages of this kind. The handler takes the [`Ctx`] and, if it wants it, what
    /// the kind carries: [`Text`](wxoa_types::inbound::Text) for
    /// [`MessageKind::Text`], [`Image`](wxoa_types::inbound::Image) for
    /// [`MessageKind::Image`], [`Video`](wxoa_types::inbound::Video) for both video kinds, …
    /// A type this library does not know routes as `MessageKind::Unknown(name)` (or
    /// `MessageKind::from(name)`), with a handler of the [`Ctx`] alone.
    ///
    /// A handler that takes something this kind does not carry (`MessageKind::Image` with a
    /// handler of a `Text`) is a mistake in the bot: the route is refused, and building the
    /// webhook fails with its [`RouteError`].
    pub fn on_message<T: 'static>(self, kind: MessageKind, handler: impl Handler<S, T>) -> Self {
        self.route(Kind::Message(kind), Filter::Any, handler)
    }

    /// Text messages that are exactly `content`; the handler may take the
    /// [`Text`](wxoa_types::inbound::Text).
    pub fn on_text_exact<T: 'static>(self, content: &str, handler: impl Handler<S, T>) -> Self {
        let filter = Filter::TextExact(content.to_owned());
        self.route(Kind::Message(MessageKind::Text), filter, handler)
    }

    /// Text messages that start with `prefix`; the handler may take the
    /// [`Text`](wxoa_types::inbound::Text).
    pub fn on_text_prefix<T: 'static>(self, prefix: &str, handler: impl Handler<S, T>) -> Self {
        let filter = Filter::TextPrefix(prefix.to_owned());
        self.route(Kind::Message(MessageKind::Text), filter, handler)
    }

    /// Text messages matching `pattern`; the handler may take the
    /// [`Text`](wxoa_types::inbound::Text).
    pub fn on_text_regex<T: 'static>(self, pattern: Regex, handler: impl Handler<S, T>) -> Self {
        let filter = Filter::TextRegex(pattern);
        self.route(Kind::Message(MessageKind::Text), filter, handler)
    }

    /// Events of this kind. The handler takes the [`Ctx`] and, if it wants it, what the kind
    /// carries: [`Subscribe`](wxoa_types::inbound::Subscribe) for [`EventKind::Subscribe`],
    /// [`Scan`](wxoa_types::inbound::Scan) for [`EventKind::Scan`],
    /// [`ScanCode`](wxoa_types::inbound::ScanCode) for both `scancode_*` kinds, … An event this
    /// library does not know routes by its name, without regard to case:
    /// `EventKind::from("future_account_notice")` (or `EventKind::Unknown(name)`), with a
    /// handler of the [`Ctx`] alone (its fields are in [`Inbound::extra`]).
    ///
    /// A handler that takes something this kind does not carry (`EventKind::Click` with a
    /// handler of a `Subscribe`, or any payload for `unsubscribe` or an unknown event) is a
    /// mistake in the bot: the route is refused, and building the webhook fails with its
    /// [`RouteError`].
    pub fn on_event<T: 'static>(self, kind: EventKind, handler: impl Handler<S, T>) -> Self {
        self.route(Kind::Event(kind), Filter::Any, handler)
    }

    /// Taps on the `click` menu button whose `key` is `key`; the handler may take the
    /// [`Click`](wxoa_types::inbound::Click).
    pub fn on_click<T: 'static>(self, key: &str, handler: impl Handler<S, T>) -> Self {
        let filter = Filter::ClickKey(key.to_owned());
        self.route(Kind::Event(EventKind::Click), filter, handler)
    }

    /// What runs when no route matches (without one: `success`); it sees the whole push in
    /// [`Ctx::push`].
    pub fn fallback(mut self, handler: impl Handler<S, ()>) -> Self {
        self.fallback = Some(Box::new(Typed(handler, PhantomData)));
        self
    }
}

/// A bot with its state type erased, as an account holds it.
pub trait Dispatch: Send + Sync + 'static {
    /// Runs the handler the push routes to.
    fn dispatch(&self, push: Arc<Inbound>, app_id: Arc<str>) -> BoxFuture<'static, Outcome>;

    /// Whether every route can serve what it routes; the webhook refuses to serve a bot that
    /// cannot (default: it can).
    fn check(&self) -> Result<(), RouteError> {
        Ok(())
    }
}

impl<S: Clone + Send + Sync + 'static> Dispatch for Bot<S> {
    fn dispatch(&self, push: Arc<Inbound>, app_id: Arc<str>) -> BoxFuture<'static, Outcome> {
        let mut ctx = Ctx {
            push,
            state: self.state.clone(),
            app_id,
        };
        for route in &self.routes {
            if !(route.kind.matches(&ctx.push) && route.filter.matches(&ctx.push)) {
                continue;
            }
            match route.handler.call(ctx) {
                Ok(handling) => return handling,
                // Not reached: a route is only added when its handler takes what its kind
                // carries. A route that cannot take the push is passed over like one that
                // does not match.
                Err(back) => ctx = back,
            }
        }
        match &self.fallback {
            Some(fallback) => fallback.call(ctx).unwrap_or_else(|_| Box::pin(no_reply())),
            None => Box::pin(no_reply()),
        }
    }

    fn check(&self) -> Result<(), RouteError> {
        self.misroute.clone().map_or(Ok(()), Err)
    }
}

async fn no_reply() -> Outcome {
    Outcome::NoReply
}
