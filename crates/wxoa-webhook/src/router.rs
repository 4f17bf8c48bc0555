//! Which handler gets which push: a [`Bot`] is an ordered list of routes, the first match wins,
//! then the fallback (or `success` when there is none).
//!
//! ```
//! use wxoa_webhook::{Bot, Ctx};
//! use wxoa_types::reply::ReplyBody;
//!
//! async fn echo(ctx: Ctx) -> Option<String> {
//!     ctx.text().map(str::to_owned)
//! }
//!
//! let bot = Bot::new()
//!     .text_exact("help", |_ctx: Ctx| async { "send me anything" })
//!     .text(echo)
//!     .event("subscribe", |_ctx: Ctx| async { ReplyBody::text("welcome") })
//!     .event_key_prefix("subscribe", "qrscene_", |ctx: Ctx| async move {
//!         format!("welcome from {}", ctx.push.event_key().unwrap_or_default())
//!     })
//!     .event_key("CLICK", "V1001_TODAY_MUSIC", |_ctx: Ctx| async { "today's music" });
//! ```

use std::sync::Arc;

use futures::future::BoxFuture;
use regex::Regex;
use wxoa_types::inbound::{Body, Inbound};

use crate::handler::{Ctx, Handler, Outcome};

type Predicate = Arc<dyn Fn(&Inbound) -> bool + Send + Sync>;

enum Matcher {
    Message(String),
    Event(String),
    TextExact(String),
    TextPrefix(String),
    TextRegex(Regex),
    EventKey { event: String, key: String },
    EventKeyPrefix { event: String, prefix: String },
    When(Predicate),
}

impl Matcher {
    fn matches(&self, push: &Inbound) -> bool {
        let text = || match &push.body {
            Body::Message(wxoa_types::inbound::Message::Text(t)) => Some(t.content.as_str()),
            _ => None,
        };
        let event_is = |name: &str| {
            push.event
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(name))
        };
        match self {
            Matcher::Message(kind) => {
                !matches!(push.body, Body::Event(_)) && push.msg_type.eq_ignore_ascii_case(kind)
            }
            Matcher::Event(name) => event_is(name),
            Matcher::TextExact(s) => text() == Some(s.as_str()),
            Matcher::TextPrefix(p) => text().is_some_and(|t| t.starts_with(p.as_str())),
            Matcher::TextRegex(re) => text().is_some_and(|t| re.is_match(t)),
            Matcher::EventKey { event, key } => {
                event_is(event) && push.event_key() == Some(key.as_str())
            }
            Matcher::EventKeyPrefix { event, prefix } => {
                event_is(event)
                    && push
                        .event_key()
                        .is_some_and(|k| k.starts_with(prefix.as_str()))
            }
            Matcher::When(predicate) => predicate(push),
        }
    }
}

struct Route<S> {
    matcher: Matcher,
    handler: Arc<dyn Handler<S>>,
}

/// The handlers of one account, with their shared state.
pub struct Bot<S = ()> {
    state: S,
    routes: Vec<Route<S>>,
    fallback: Option<Arc<dyn Handler<S>>>,
}

impl<S> std::fmt::Debug for Bot<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("routes", &self.routes.len())
            .field("fallback", &self.fallback.is_some())
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
        }
    }

    fn route(mut self, matcher: Matcher, handler: impl Handler<S>) -> Self {
        self.routes.push(Route {
            matcher,
            handler: Arc::new(handler),
        });
        self
    }

    /// Normal messages of this `MsgType` (`text`, `image`, `voice`, `location`, …; any case).
    pub fn message(self, msg_type: &str, handler: impl Handler<S>) -> Self {
        self.route(Matcher::Message(msg_type.to_owned()), handler)
    }

    /// Every text message.
    pub fn text(self, handler: impl Handler<S>) -> Self {
        self.message("text", handler)
    }

    /// Text messages that are exactly `content`.
    pub fn text_exact(self, content: &str, handler: impl Handler<S>) -> Self {
        self.route(Matcher::TextExact(content.to_owned()), handler)
    }

    /// Text messages that start with `prefix`.
    pub fn text_prefix(self, prefix: &str, handler: impl Handler<S>) -> Self {
        self.route(Matcher::TextPrefix(prefix.to_owned()), handler)
    }

    /// Text messages matching `pattern`.
    pub fn text_regex(self, pattern: Regex, handler: impl Handler<S>) -> Self {
        self.route(Matcher::TextRegex(pattern), handler)
    }

    /// Events of this name, known or not, compared without regard to case (`subscribe`,
    /// `scan`, `CLICK`, `qualification_verify_success`, …).
    pub fn event(self, name: &str, handler: impl Handler<S>) -> Self {
        self.route(Matcher::Event(name.to_owned()), handler)
    }

    /// Events of this name whose `EventKey` is exactly `key` (a menu button's key, a scene).
    pub fn event_key(self, event: &str, key: &str, handler: impl Handler<S>) -> Self {
        self.route(
            Matcher::EventKey {
                event: event.to_owned(),
                key: key.to_owned(),
            },
            handler,
        )
    }

    /// Events of this name whose `EventKey` starts with `prefix` (`qrscene_` on `subscribe`).
    pub fn event_key_prefix(self, event: &str, prefix: &str, handler: impl Handler<S>) -> Self {
        self.route(
            Matcher::EventKeyPrefix {
                event: event.to_owned(),
                prefix: prefix.to_owned(),
            },
            handler,
        )
    }

    /// Pushes for which `predicate` holds.
    pub fn when(
        self,
        predicate: impl Fn(&Inbound) -> bool + Send + Sync + 'static,
        handler: impl Handler<S>,
    ) -> Self {
        self.route(Matcher::When(Arc::new(predicate)), handler)
    }

    /// What runs when no route matches (without one: `success`).
    pub fn fallback(mut self, handler: impl Handler<S>) -> Self {
        self.fallback = Some(Arc::new(handler));
        self
    }
}

/// A bot with its state type erased, as an account holds it.
pub trait Dispatch: Send + Sync + 'static {
    /// Runs the handler the push routes to.
    fn dispatch(&self, push: Arc<Inbound>, app_id: Arc<str>) -> BoxFuture<'static, Outcome>;
}

impl<S: Clone + Send + Sync + 'static> Dispatch for Bot<S> {
    fn dispatch(&self, push: Arc<Inbound>, app_id: Arc<str>) -> BoxFuture<'static, Outcome> {
        let handler = self
            .routes
            .iter()
            .find(|route| route.matcher.matches(&push))
            .map(|route| &route.handler)
            .or(self.fallback.as_ref());
        match handler {
            Some(handler) => handler.call(Ctx {
                push,
                state: self.state.clone(),
                app_id,
            }),
            None => Box::pin(async { Outcome::NoReply }),
        }
    }
}
