//! The subscription-notification events (messages.md §2.5) as the platform pushes them, from
//! the plain fixtures and their sealed twins (`fixtures/inbound/encrypted/`, safe mode, with
//! the query each was sealed with): each routes by its kind, and its handler gets every
//! `<List>` entry typed.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use wxoa_testkit::fixtures::inbound;
use wxoa_types::inbound::{
    EventKind, SubscribeMsgChangeItem, SubscribeMsgList, SubscribeMsgPopupItem,
    SubscribeMsgSentItem,
};
use wxoa_webhook::{Account, Bot, Ctx, Mode, Webhook};

use crate::*;

/// The token the sealed fixtures were signed with (`scripts/seal-fixtures.sh`).
const SEALED_TOKEN: &str = "wxoatoken";

/// The sealed twin of fixture `name` and the query it was sealed with.
fn sealed(name: &str) -> (String, String) {
    let queries = inbound("encrypted/queries.txt");
    let query = queries
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} has no sealed twin"))
        .to_owned();
    (inbound(&format!("encrypted/{name}")), query)
}

/// What the handlers saw, one line per `<List>` entry (per push, for other events).
pub(crate) type Seen = Arc<Mutex<Vec<String>>>;

fn bot(seen: &Seen) -> Bot {
    let (popup, change, sent) = (Arc::clone(seen), Arc::clone(seen), Arc::clone(seen));
    Bot::new()
        .on_event(
            EventKind::SubscribeMsgPopup,
            move |_: Ctx, event: SubscribeMsgList<SubscribeMsgPopupItem>| {
                let seen = Arc::clone(&popup);
                async move {
                    for item in event.list {
                        let line = format!(
                            "popup {} {} {:?}",
                            item.template_id, item.status.0, item.popup_scene
                        );
                        seen.lock().unwrap().push(line);
                    }
                }
            },
        )
        .on_event(
            EventKind::SubscribeMsgChange,
            move |_: Ctx, event: SubscribeMsgList<SubscribeMsgChangeItem>| {
                let seen = Arc::clone(&change);
                async move {
                    for item in event.list {
                        let line = format!("change {} {}", item.template_id, item.status.0);
                        seen.lock().unwrap().push(line);
                    }
                }
            },
        )
        .on_event(
            EventKind::SubscribeMsgSent,
            move |_: Ctx, event: SubscribeMsgList<SubscribeMsgSentItem>| {
                let seen = Arc::clone(&sent);
                async move {
                    for item in event.list {
                        let line = format!(
                            "sent {} {:?} {:?} {:?}",
                            item.template_id, item.msg_id, item.error_code, item.error_status
                        );
                        seen.lock().unwrap().push(line);
                    }
                }
            },
        )
}

/// Every entry the handlers saw for fixture `name`, delivered plain and sealed: both the same.
async fn seen(name: &str) -> Vec<String> {
    seen_by(name, bot).await
}

/// What the handlers of `bot` saw for fixture `name`, delivered plain and sealed: both the
/// same, and both answered `success` (a notification event takes no reply).
pub(crate) async fn seen_by(name: &str, bot: fn(&Seen) -> Bot) -> Vec<String> {
    let plain_seen = Seen::default();
    let plain = Webhook::builder()
        .account(
            Account::new(APP_ID, TOKEN, bot(&plain_seen))
                .aes_key(KEY)
                .unwrap(),
        )
        .replay_window(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let (status, body) = send(&plain.router(), platform().push(Mode::Safe, &inbound(name))).await;
    assert_eq!((status, body.as_slice()), (200, b"success".as_slice()));

    let sealed_seen = Seen::default();
    let webhook = Webhook::builder()
        .account(
            Account::new(APP_ID, SEALED_TOKEN, bot(&sealed_seen))
                .aes_key(KEY)
                .unwrap(),
        )
        .replay_window(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let (body, query) = sealed(name);
    let request = Request::post(format!("/wechat?{query}"))
        .header("content-type", "text/xml")
        .body(Body::from(body))
        .unwrap();
    let (status, answer) = send(&webhook.router(), request).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(
        answer, b"success",
        "{name}: a notification is answered success"
    );
    let plain = plain_seen.lock().unwrap().clone();
    assert_eq!(plain, *sealed_seen.lock().unwrap());
    plain
}

#[tokio::test]
async fn a_popup_event_routes_with_each_template_answered() {
    assert_eq!(
        seen("event_subscribe_msg_popup_event.xml").await,
        [
            "popup VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc accept Some(2)",
            "popup 9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI reject Some(2)",
        ]
    );
}

#[tokio::test]
async fn a_change_event_routes_with_each_template_changed() {
    assert_eq!(
        seen("event_subscribe_msg_change_event.xml").await,
        ["change VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc reject"]
    );
}

#[tokio::test]
async fn a_sent_event_routes_with_each_result() {
    assert_eq!(
        seen("event_subscribe_msg_sent_event.xml").await,
        [
            "sent VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc Some(1700827132819554304) \
             Some(0) Some(\"success\")"
        ]
    );
}
