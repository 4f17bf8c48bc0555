//! A third-party platform served by the webhook: authorization events on its path, and the
//! pushes of its authorizers on `{path}/{appid}`, verified, decrypted and answered with the
//! component's Token, key and AppID; the release test answered built-in.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use wxoa_types::component::AuthEvent;
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::metrics::AuthEventKind;
use wxoa_webhook::testing::{Platform, event_push, text_push};
use wxoa_webhook::{AuthEvents, Bot, ComponentAccount, Ctx, HandlerError, Mode, Webhook};

use crate::{KEY, send};

const COMPONENT: &str = "wxcomponent0000001";
const COMPONENT_TOKEN: &str = "componenttoken";
const AUTHORIZER: &str = "wxauthorizer000001";

/// Records what the component was told.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<AuthEvent>>>,
    release_replies: Arc<Mutex<Vec<(String, String)>>>,
    fail: bool,
}

impl AuthEvents for Recorder {
    fn receive(&self, event: AuthEvent) -> BoxFuture<'static, Result<(), HandlerError>> {
        let recorder = self.clone();
        Box::pin(async move {
            if recorder.fail {
                return Err(HandlerError::returned("the store is down"));
            }
            recorder.events.lock().unwrap().push(event);
            Ok(())
        })
    }

    fn release_test_reply(
        &self,
        code: String,
        openid: String,
    ) -> BoxFuture<'static, Result<(), HandlerError>> {
        let recorder = self.clone();
        Box::pin(async move {
            recorder
                .release_replies
                .lock()
                .unwrap()
                .push((code, openid));
            Ok(())
        })
    }
}

/// Echoes the text with the AppID the push came for.
fn bot() -> Bot {
    Bot::new().on_message(
        wxoa_types::inbound::MessageKind::Text,
        |ctx: Ctx, text: wxoa_types::inbound::Text| async move {
            format!("{} for {}", text.content, ctx.app_id)
        },
    )
}

fn webhook(recorder: &Recorder, release_test: bool) -> Webhook {
    let component = ComponentAccount::new(COMPONENT, COMPONENT_TOKEN, KEY, bot(), recorder.clone())
        .unwrap()
        .release_test(release_test);
    Webhook::builder().component(component).build().unwrap()
}

/// The platform's side of the component: its Token, key and AppID sign and encrypt every push.
fn platform(path: &str) -> Platform {
    Platform::new(COMPONENT, COMPONENT_TOKEN, Some(KEY))
        .unwrap()
        .path(path)
}

fn ticket_push(ticket: &str) -> String {
    format!(
        "<xml><AppId><![CDATA[{COMPONENT}]]></AppId><CreateTime>1413192605</CreateTime>\
         <InfoType><![CDATA[component_verify_ticket]]></InfoType>\
         <ComponentVerifyTicket><![CDATA[{ticket}]]></ComponentVerifyTicket></xml>"
    )
}

#[tokio::test]
async fn a_ticket_push_is_verified_decrypted_handed_over_and_answered_success() {
    let recorder = Recorder::default();
    let webhook = webhook(&recorder, true);
    let router = webhook.router();
    let request = platform("/component").push(Mode::Safe, &ticket_push("ticket@@@one"));
    let (status, body) = send(&router, request).await;
    assert_eq!((status, body.as_slice()), (200, b"success".as_slice()));
    let events = recorder.events.lock().unwrap().clone();
    let [AuthEvent::VerifyTicket(ticket)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(ticket.ticket.expose(), "ticket@@@one");
    assert_eq!(webhook.metrics().auth_events(AuthEventKind::Ticket), 1);
}

#[tokio::test]
async fn authorization_events_with_a_wrong_signature_or_in_plaintext_are_refused() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, true).router();
    let forged = Platform::new(COMPONENT, "another-token", Some(KEY))
        .unwrap()
        .path("/component")
        .push(Mode::Safe, &ticket_push("ticket@@@forged"));
    assert_eq!(send(&router, forged).await.0, 401);
    let plain = platform("/component").push(Mode::Plain, &ticket_push("ticket@@@plain"));
    assert_eq!(send(&router, plain).await.0, 401);
    assert!(recorder.events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_authorization_event_framed_for_another_appid_is_refused() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, true).router();
    // The right Token and key, but the frame names another AppID.
    let other = Platform::new("wxsomebodyelse0001", COMPONENT_TOKEN, Some(KEY))
        .unwrap()
        .path("/component")
        .push(Mode::Safe, &ticket_push("ticket@@@other"));
    let (status, body) = send(&router, other).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(recorder.events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreadable_authorization_event_is_a_bad_request_naming_the_field() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, true).router();
    let request = platform("/component").push(
        Mode::Safe,
        "<xml><AppId>wxcomponent0000001</AppId><InfoType>component_verify_ticket</InfoType></xml>",
    );
    let (status, body) = send(&router, request).await;
    assert_eq!(status, 400);
    assert!(
        String::from_utf8_lossy(&body).contains("ComponentVerifyTicket"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[tokio::test]
async fn a_failed_handling_answers_500_so_the_platform_retries() {
    let recorder = Recorder {
        fail: true,
        ..Recorder::default()
    };
    let router = webhook(&recorder, true).router();
    let request = platform("/component").push(Mode::Safe, &ticket_push("ticket@@@x"));
    assert_eq!(send(&router, request).await.0, 500);
}

#[tokio::test]
async fn an_authorizers_push_is_handled_and_answered_with_the_components_key_and_appid() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, true).router();
    let platform = platform(&format!("/wechat/{AUTHORIZER}"));
    let request = platform.push(Mode::Safe, &text_push("oFollower", "hello", 7));
    let (status, body) = send(&router, request).await;
    assert_eq!(status, 200);
    // Read back as the platform does: decrypted with the component's key, the frame's AppID
    // checked to be the component's.
    let reply = platform.read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(
        reply.body,
        ReplyBody::text(format!("hello for {AUTHORIZER}"))
    );
    // The same push signed with another Token is refused.
    let forged = Platform::new(COMPONENT, "another-token", Some(KEY))
        .unwrap()
        .path(format!("/wechat/{AUTHORIZER}"))
        .push(Mode::Safe, &text_push("oFollower", "hello", 8));
    assert_eq!(send(&router, forged).await.0, 401);
}

#[tokio::test]
async fn the_release_tests_cases_are_answered_built_in() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, true).router();
    let test_account = wxoa_webhook::component::RELEASE_TEST_ACCOUNTS[0];
    let platform = platform(&format!("/wechat/{test_account}"));

    let passive = platform.push(
        Mode::Safe,
        &text_push("oTester", "TESTCOMPONENT_MSG_TYPE_TEXT", 1),
    );
    let (_, body) = send(&router, passive).await;
    let reply = platform.read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(
        reply.body,
        ReplyBody::text("TESTCOMPONENT_MSG_TYPE_TEXT_callback")
    );

    let api = platform.push(
        Mode::Safe,
        &text_push("oTester", "QUERY_AUTH_CODE:queryauthcode@@@abc", 2),
    );
    let (status, body) = send(&router, api).await;
    assert_eq!((status, body.as_slice()), (200, b"success".as_slice()));
    // The API case runs after the answer.
    for _ in 0..100 {
        if !recorder.release_replies.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        recorder.release_replies.lock().unwrap().as_slice(),
        [("queryauthcode@@@abc".to_owned(), "oTester".to_owned())]
    );

    let event = platform.push(
        Mode::Safe,
        &event_push("oTester", "CLICK", Some("menu-1"), 1),
    );
    let (status, body) = send(&router, event).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let reply = platform.read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(reply.body, ReplyBody::text("CLICKfrom_callback"));
}

#[tokio::test]
async fn with_the_release_test_off_the_bot_sees_its_cases() {
    let recorder = Recorder::default();
    let router = webhook(&recorder, false).router();
    let platform = platform(&format!("/wechat/{AUTHORIZER}"));
    let request = platform.push(
        Mode::Safe,
        &text_push("oTester", "TESTCOMPONENT_MSG_TYPE_TEXT", 1),
    );
    let (_, body) = send(&router, request).await;
    let reply = platform.read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(
        reply.body,
        ReplyBody::text(format!("TESTCOMPONENT_MSG_TYPE_TEXT for {AUTHORIZER}"))
    );
}

#[tokio::test]
async fn without_a_component_an_unknown_appid_on_the_path_is_not_found() {
    let router = crate::webhook(crate::echo()).router();
    let request = platform(&format!("/wechat/{AUTHORIZER}"))
        .push(Mode::Safe, &text_push("oFollower", "hello", 1));
    assert_eq!(send(&router, request).await.0, 404);
}
