//! A third-party platform (开放平台 第三方平台, "component") served by the webhook: its
//! authorization-event URL, and the message URL of every account that authorized it
//! (`spec/open-platform.md` §2, §5, §9).
//!
//! - **Authorization events** (`POST /component`, [`WebhookBuilder::component_path`]): signed
//!   with the component's Token, encrypted with its key (the frame carries the component's
//!   AppID), read as a typed [`AuthEvent`] and handed to the component's [`AuthEvents`] (with
//!   feature `client`, `wxoa_client::component::Component` is one: it stores the ticket,
//!   exchanges authorizations and forgets revoked accounts). Answered `success` once handled;
//!   a handler that fails answers 500.
//! - **Messages** (`{path}/{appid}`, so the message URL to configure is
//!   `https://host/wechat/$APPID$`): any AppID not served as an account of its own is an
//!   authorizer of the component. The push is verified and decrypted with the component's
//!   Token and key, checked to carry the component's AppID in its frame, deduplicated and
//!   handled within the deadline exactly as a single account's, by the component's bot (its
//!   [`Ctx::app_id`](crate::Ctx) is the authorizer's), and the reply is encrypted with the
//!   component's key and AppID, as the platform expects. A handler past the budget gets
//!   `success` sent for it, and its reply goes out later as a customer-service message sent
//!   for the authorizer through the component ([`AuthEvents::late_reply`]; with feature
//!   `client`, a `wxoa_client::component::Component` sends it with the authorizer's token).
//!   With a Redis store the late work is parked in the component's outbox, naming the
//!   authorizer, so that another instance finishes it if this one dies.
//! - **The release test** (全网发布): the platform's automated cases are answered before the
//!   bot sees them, unless turned off ([`ComponentAccount::release_test`]): the text
//!   `TESTCOMPONENT_MSG_TYPE_TEXT` gets `TESTCOMPONENT_MSG_TYPE_TEXT_callback`, an event gets
//!   `{Event}from_callback`, and `QUERY_AUTH_CODE:{code}` is answered empty once
//!   [`AuthEvents::release_test_reply`] has exchanged the code and sent `{code}_from_api` to
//!   the sender through the customer-service API — within the deadline like any handler, so a
//!   slow send gets `success` at the budget and is drained on shutdown.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::Response;
use futures::future::BoxFuture;
use wxoa_crypto::{CryptoError, MsgCrypt};
use wxoa_types::component::AuthEvent;
use wxoa_types::inbound::{Inbound, Message};
use wxoa_types::reply::{NO_REPLY, ReplyBody};
use wxoa_types::secret::Secret;

use crate::account::Account;
use crate::deadline::LateReply;
use crate::handler::{HandlerError, Outcome};
use crate::pipeline::read_body;
use crate::rejection::{Rejection, RequestError, UnknownAccount};
use crate::router::Dispatch;
use crate::verify::{PushQuery, check_replay, check_signature, open_body};
use crate::webhook::Webhook;

/// What the component does with its authorization events.
pub trait AuthEvents: Send + Sync + 'static {
    /// Handles one event (store a ticket, exchange an authorization, forget a revoked
    /// account). An error answers the push with 500.
    fn receive(&self, event: AuthEvent) -> BoxFuture<'static, Result<(), HandlerError>>;

    /// The release test's API case: exchange `query_auth_code` (`api_query_auth`) and send the
    /// text `{query_auth_code}_from_api` to `openid` with the authorizer's customer-service
    /// API. The default does nothing but log that it cannot.
    fn release_test_reply(
        &self,
        query_auth_code: String,
        openid: String,
    ) -> BoxFuture<'static, Result<(), HandlerError>> {
        let _ = (query_auth_code, openid);
        Box::pin(async {
            tracing::warn!(
                "the release test's API case needs an AuthEvents that can call the API (feature client)"
            );
            Ok(())
        })
    }

    /// The sender of the authorizers' late replies (a handler past the budget): it sends a
    /// `message/custom/send` body for an authorizer with that authorizer's token. The default
    /// has none (late replies are then logged as undelivered, unless
    /// [`ComponentAccount::late_reply`] gives one).
    fn late_reply(&self) -> Option<Arc<dyn LateReply>> {
        None
    }
}

/// A third-party platform served by the webhook: its AppID, Token and EncodingAESKey, the bot
/// that handles its authorizers' pushes, and what it does with authorization events.
#[derive(Clone)]
pub struct ComponentAccount {
    pub(crate) app_id: Arc<str>,
    pub(crate) token: Secret,
    pub(crate) crypt: MsgCrypt,
    /// The bot pushes go to: the component's own, behind the release test's answers unless
    /// they are turned off.
    pub(crate) bot: Arc<dyn Dispatch>,
    own_bot: Arc<dyn Dispatch>,
    pub(crate) events: Arc<dyn AuthEvents>,
    /// Sends the authorizers' late replies.
    late: Option<Arc<dyn LateReply>>,
}

impl std::fmt::Debug for ComponentAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentAccount")
            .field("app_id", &self.app_id)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl ComponentAccount {
    /// A component with its Token and EncodingAESKey (components use safe mode only), the bot
    /// of its authorizers' pushes, and its authorization-event handler. The release test is
    /// answered built-in.
    pub fn new(
        app_id: impl Into<String>,
        token: impl Into<Secret>,
        encoding_aes_key: &str,
        bot: impl Dispatch,
        events: impl AuthEvents,
    ) -> Result<Self, CryptoError> {
        let app_id: String = app_id.into();
        let token: Secret = token.into();
        let crypt = MsgCrypt::new(token.clone(), encoding_aes_key, app_id.clone())?;
        let late = events.late_reply();
        let events: Arc<dyn AuthEvents> = Arc::new(events);
        let own_bot: Arc<dyn Dispatch> = Arc::new(bot);
        Ok(Self {
            app_id: Arc::from(app_id),
            token,
            crypt,
            bot: Arc::new(ReleaseTest {
                bot: Arc::clone(&own_bot),
                events: Arc::clone(&events),
            }),
            own_bot,
            events,
            late,
        })
    }

    /// Sends the authorizers' late replies through `sender` (default: the one of the
    /// [`AuthEvents`], [`AuthEvents::late_reply`]). `sender` is given each authorizer's AppID.
    pub fn late_reply(mut self, sender: Arc<dyn LateReply>) -> Self {
        self.late = Some(sender);
        self
    }

    /// Whether the release test's cases are answered built-in (default: yes). Turned off, the
    /// bot sees them like any push.
    pub fn release_test(mut self, answered: bool) -> Self {
        self.bot = if answered {
            Arc::new(ReleaseTest {
                bot: Arc::clone(&self.own_bot),
                events: Arc::clone(&self.events),
            })
        } else {
            Arc::clone(&self.own_bot)
        };
        self
    }

    /// The component's AppID.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The account a push to `authorizer`'s message URL is read as: the authorizer's AppID,
    /// the component's Token and crypto, the component's bot.
    pub(crate) fn authorizer(&self, authorizer: &str) -> Account {
        Account {
            app_id: Arc::from(authorizer),
            token: self.token.clone(),
            crypt: Some(self.crypt.clone()),
            original_id: None,
            allow_plain: false,
            bot: Arc::clone(&self.bot),
            late: self.late.clone(),
        }
    }
}

/// Answers the release test's cases before the component's bot.
struct ReleaseTest {
    bot: Arc<dyn Dispatch>,
    events: Arc<dyn AuthEvents>,
}

/// The text of the release test's passive-reply case, and its expected answer's suffix.
const TEST_TEXT: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";
/// The prefix of the release test's API case.
const TEST_QUERY_AUTH: &str = "QUERY_AUTH_CODE:";

impl Dispatch for ReleaseTest {
    fn dispatch(&self, push: Arc<Inbound>, app_id: Arc<str>) -> BoxFuture<'static, Outcome> {
        let text = match push.as_message() {
            Some(Message::Text(text)) => Some(text.content.as_str()),
            _ => None,
        };
        match text {
            Some(TEST_TEXT) => {
                let reply = ReplyBody::text(format!("{TEST_TEXT}_callback"));
                Box::pin(async move { Outcome::Reply(reply) })
            }
            Some(text) if text.starts_with(TEST_QUERY_AUTH) => {
                let code = text
                    .strip_prefix(TEST_QUERY_AUTH)
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                let openid = push.from_user_name.as_str().to_owned();
                let sending = self.events.release_test_reply(code, openid);
                // The API send is the handler's own work, so the deadline covers it as any
                // handler's: an empty answer once it is sent, `success` at the budget if it
                // takes longer, and tracked (drained on shutdown) past its request.
                Box::pin(async move {
                    if let Err(error) = sending.await {
                        tracing::warn!(%error, "the release test's API case failed");
                    }
                    Outcome::NoReply
                })
            }
            _ if is_release_test_account(&app_id) => match push.as_event().and_then(|e| e.name()) {
                Some(event) => {
                    let reply = ReplyBody::text(format!("{event}from_callback"));
                    Box::pin(async move { Outcome::Reply(reply) })
                }
                None => self.bot.dispatch(push, app_id),
            },
            _ => self.bot.dispatch(push, app_id),
        }
    }

    fn check(&self) -> Result<(), crate::RouteError> {
        self.bot.check()
    }
}

/// The official accounts the platform's release test uses (five groups since 2021).
pub const RELEASE_TEST_ACCOUNTS: [&str; 5] = [
    "wx570bc396a51b8ff8",
    "wx9252c5e0bb1836fc",
    "wx8e1097c5bc82cde9",
    "wx14550af28c71a144",
    "wxa35b9c23cfe664eb",
];

fn is_release_test_account(app_id: &str) -> bool {
    RELEASE_TEST_ACCOUNTS.contains(&app_id)
}

impl Webhook {
    /// Handles one authorization-event push.
    async fn auth_event(&self, uri: &Uri, body: Body) -> Result<(), Rejection> {
        let component = self
            .inner
            .accounts
            .component()
            .ok_or(Rejection::UnknownAccount(UnknownAccount::ThisPath))?;
        let settings = &self.inner.settings;
        let body = read_body(body, settings.body_limit).await?;
        let query = PushQuery::parse(uri.query())?;
        check_signature(component.token.expose(), &query)?;
        check_replay(&query, settings.replay_window)?;
        let (plain, _) = open_body(Some(&component.crypt), false, &query, &body)?;
        let event =
            AuthEvent::from_xml(&plain).map_err(|e| Rejection::from(RequestError::AuthEvent(e)))?;
        tracing::info!(component = %component.app_id, info_type = event.info_type(), "authorization event");
        self.inner.metrics.auth_event(event.info_type());
        component.events.receive(event).await?;
        Ok(())
    }
}

/// `POST` on the authorization-event path.
pub(crate) async fn auth_event(State(webhook): State<Webhook>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    match webhook.auth_event(&parts.uri, body).await {
        Ok(()) => {
            let mut response = Response::new(Body::from(NO_REPLY));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        Err(rejection) => webhook.reject(rejection),
    }
}

#[cfg(feature = "client")]
mod client {
    //! A `wxoa_client` component handles the authorization events and the release test's API
    //! case itself.

    use std::sync::Arc;

    use futures::future::BoxFuture;
    use wxoa_client::api::custom::Message;
    use wxoa_client::component::Component;
    use wxoa_types::component::AuthEvent;

    use super::AuthEvents;
    use crate::deadline::LateReply;
    use crate::handler::HandlerError;

    impl AuthEvents for Component {
        fn receive(&self, event: AuthEvent) -> BoxFuture<'static, Result<(), HandlerError>> {
            let component = self.clone();
            Box::pin(async move {
                component
                    .receive(&event)
                    .await
                    .map(drop)
                    .map_err(HandlerError::returned)
            })
        }

        fn release_test_reply(
            &self,
            query_auth_code: String,
            openid: String,
        ) -> BoxFuture<'static, Result<(), HandlerError>> {
            let component = self.clone();
            Box::pin(async move {
                let authorized = component
                    .query_auth(&query_auth_code)
                    .await
                    .map_err(HandlerError::returned)?;
                authorized
                    .client
                    .custom()
                    .send(
                        openid.as_str(),
                        Message::text(format!("{query_auth_code}_from_api")),
                    )
                    .await
                    .map(drop)
                    .map_err(HandlerError::returned)
            })
        }

        fn late_reply(&self) -> Option<Arc<dyn LateReply>> {
            Some(Arc::new(self.clone()))
        }
    }
}
