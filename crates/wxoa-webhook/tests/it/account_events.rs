//! The account events of api-reference-2 §12 as the platform pushes them, from the plain
//! fixtures and their sealed twins: each routes by its kind, its handler gets the typed payload,
//! and the push is answered `success` (they are notifications).

use std::sync::Arc;

use wxoa_testkit::fixtures::inbound;
use wxoa_types::inbound::{
    EventKind, InvoiceAuthorization, MediaCheck, PoiCheck, UserAuthorizationChange, VerifyExpiry,
    VerifyFail,
};
use wxoa_webhook::{Account, Bot, Ctx, Mode, Webhook};

use crate::subscribe_events::{Seen, seen_by};
use crate::*;

/// Routes `kind` to a handler of its payload `T` that notes `line(payload)`.
fn note<T: Clone + Send + 'static>(
    bot: Bot,
    seen: &Seen,
    kind: EventKind,
    line: fn(&str, T) -> String,
) -> Bot {
    let seen = Arc::clone(seen);
    bot.on_event(kind, move |ctx: Ctx, payload: T| {
        let seen = Arc::clone(&seen);
        async move {
            let name = ctx.push.event.clone().unwrap_or_default();
            seen.lock().unwrap().push(line(&name, payload));
        }
    })
}

fn bot(seen: &Seen) -> Bot {
    let expiry = |name: &str, e: VerifyExpiry| format!("{name} {}", e.expired_time);
    let fail = |name: &str, f: VerifyFail| format!("{name} {} {:?}", f.fail_time, f.fail_reason);
    let change = |name: &str, c: UserAuthorizationChange| {
        format!("{name} {:?} {:?}", c.openid, c.revoked_items())
    };
    let mut bot = Bot::new();
    for kind in [
        EventKind::QualificationVerifySuccess,
        EventKind::NamingVerifySuccess,
        EventKind::AnnualRenew,
        EventKind::VerifyExpired,
    ] {
        bot = note(bot, seen, kind, expiry);
    }
    for kind in [
        EventKind::QualificationVerifyFail,
        EventKind::NamingVerifyFail,
    ] {
        bot = note(bot, seen, kind, fail);
    }
    for kind in [
        EventKind::UserInfoModified,
        EventKind::UserAuthorizationRevoke,
        EventKind::UserAuthorizationCancellation,
    ] {
        bot = note(bot, seen, kind, change);
    }
    let bot = note(bot, seen, EventKind::PoiCheckNotify, |name, p: PoiCheck| {
        format!("{name} {:?} {}", p.poi_id, p.succeeded())
    });
    let bot = note(
        bot,
        seen,
        EventKind::UserAuthorizeInvoice,
        |name, i: InvoiceAuthorization| format!("{name} {:?} {}", i.order_id(), i.succeeded()),
    );
    note(
        bot,
        seen,
        EventKind::WxaMediaCheck,
        |name, m: MediaCheck| format!("{name} {:?} {:?}", m.version, m.risky()),
    )
}

/// What the handlers saw of fixture `name`, delivered plain and sealed.
async fn seen(name: &str) -> Vec<String> {
    seen_by(name, bot).await
}

#[tokio::test]
async fn every_account_event_routes_by_its_kind_with_its_payload() {
    let expected = [
        (
            "event_qualification_verify_success.xml",
            "qualification_verify_success 1731536000",
        ),
        (
            "event_qualification_verify_fail.xml",
            "qualification_verify_fail 1700000800 Some(\"by time\")",
        ),
        (
            "event_naming_verify_success.xml",
            "naming_verify_success 1731536000",
        ),
        (
            "event_naming_verify_fail.xml",
            "naming_verify_fail 1700000845 Some(\"the name is taken\")",
        ),
        ("event_annual_renew.xml", "annual_renew 1702592000"),
        ("event_verify_expired.xml", "verify_expired 1700000000"),
        (
            "event_poi_check_notify.xml",
            "poi_check_notify Some(\"465085932\") true",
        ),
        (
            "event_user_authorize_invoice.xml",
            "user_authorize_invoice Some(\"1202933957956\") true",
        ),
        (
            "event_wxa_media_check.xml",
            "wxa_media_check None Some(false)",
        ),
        (
            "event_wxa_media_check_v2.xml",
            "wxa_media_check Some(2) Some(true)",
        ),
        (
            "event_user_info_modified.xml",
            "user_info_modified Some(\"oUpF8uK3pL0dVh-_sQe9WnYc4TgZ\") [301]",
        ),
        (
            "event_user_authorization_revoke.xml",
            "user_authorization_revoke Some(\"oUpF8uK3pL0dVh-_sQe9WnYc4TgZ\") [6, 8, 13]",
        ),
        (
            "event_user_authorization_cancellation.xml",
            "user_authorization_cancellation Some(\"oUpF8uK3pL0dVh-_sQe9WnYc4TgZ\") [1]",
        ),
    ];
    for (name, line) in expected {
        assert_eq!(seen(name).await, [line], "{name}");
    }
}

#[tokio::test]
async fn an_account_event_routes_by_its_name_in_any_case() {
    let seen = Seen::default();
    let bot = note(
        Bot::new(),
        &seen,
        EventKind::from("Annual_Renew"),
        |name, e: VerifyExpiry| format!("{name} {}", e.expired_time),
    );
    let webhook = Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, bot).aes_key(KEY).unwrap())
        .replay_window(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let push = platform().push(Mode::Safe, &inbound("event_annual_renew.xml"));
    let (status, body) = send(&webhook.router(), push).await;
    assert_eq!((status, body.as_slice()), (200, b"success".as_slice()));
    assert_eq!(*seen.lock().unwrap(), ["annual_renew 1702592000"]);
}
