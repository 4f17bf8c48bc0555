//! The account events of api-reference-2 §12, each fixture in `fixtures/inbound/` parsed with
//! [`Inbound::from_xml`] and checked field by field (their encrypted twins are checked against
//! these plaintexts by wxoa-crypto's fixture test).

use wxoa_types::inbound::{Body, Event, EventKind, MEDIA_UNREACHABLE, UserAuthorizationChange};

use crate::inbound_fixtures::{Header, assert_no_extra, check_header, parse};

const FOLLOWER: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const USER: &str = "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ";

/// An account event: a notification, whose kind is its name and which takes no reply.
fn header(from: &'static str, create_time: i64, event: &'static str) -> Header {
    Header::event(from, create_time, event, event, false)
}

#[test]
fn event_qualification_verify_success() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_qualification_verify_success.xml"
    ));
    check_header(
        &push,
        &header(FOLLOWER, 1_700_000_810, "qualification_verify_success"),
    );
    let Body::Event(Event::QualificationVerifySuccess(until)) = &push.body else {
        panic!("expected qualification_verify_success, got {:?}", push.body);
    };
    assert_eq!(until.expired_time, 1_731_536_000);
    assert_eq!(
        push.as_event().and_then(Event::kind),
        Some(EventKind::QualificationVerifySuccess)
    );
    assert_no_extra(&push);
}

#[test]
fn event_qualification_verify_fail() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_qualification_verify_fail.xml"
    ));
    check_header(
        &push,
        &header(FOLLOWER, 1_700_000_830, "qualification_verify_fail"),
    );
    let Body::Event(Event::QualificationVerifyFail(fail)) = &push.body else {
        panic!("expected qualification_verify_fail, got {:?}", push.body);
    };
    assert_eq!(fail.fail_time, 1_700_000_800);
    assert_eq!(fail.fail_reason.as_deref(), Some("by time"));
    assert_no_extra(&push);
}

#[test]
fn event_naming_verify_success() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_naming_verify_success.xml"
    ));
    check_header(
        &push,
        &header(FOLLOWER, 1_700_000_840, "naming_verify_success"),
    );
    let Body::Event(Event::NamingVerifySuccess(until)) = &push.body else {
        panic!("expected naming_verify_success, got {:?}", push.body);
    };
    assert_eq!(until.expired_time, 1_731_536_000);
    assert_no_extra(&push);
}

#[test]
fn event_naming_verify_fail() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_naming_verify_fail.xml"
    ));
    check_header(
        &push,
        &header(FOLLOWER, 1_700_000_850, "naming_verify_fail"),
    );
    let Body::Event(Event::NamingVerifyFail(fail)) = &push.body else {
        panic!("expected naming_verify_fail, got {:?}", push.body);
    };
    assert_eq!(fail.fail_time, 1_700_000_845);
    assert_eq!(fail.fail_reason.as_deref(), Some("the name is taken"));
    assert_no_extra(&push);
}

#[test]
fn event_annual_renew() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_annual_renew.xml"
    ));
    check_header(&push, &header(FOLLOWER, 1_700_000_860, "annual_renew"));
    let Body::Event(Event::AnnualRenew(due)) = &push.body else {
        panic!("expected annual_renew, got {:?}", push.body);
    };
    assert_eq!(due.expired_time, 1_702_592_000);
    assert_no_extra(&push);
}

#[test]
fn event_verify_expired() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_verify_expired.xml"
    ));
    check_header(&push, &header(FOLLOWER, 1_700_000_870, "verify_expired"));
    let Body::Event(Event::VerifyExpired(expired)) = &push.body else {
        panic!("expected verify_expired, got {:?}", push.body);
    };
    assert_eq!(expired.expired_time, 1_700_000_000);
    assert_no_extra(&push);
}

#[test]
fn event_poi_check_notify() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_poi_check_notify.xml"
    ));
    check_header(&push, &header(FOLLOWER, 1_700_000_820, "poi_check_notify"));
    let Body::Event(Event::PoiCheckNotify(poi)) = &push.body else {
        panic!("expected poi_check_notify, got {:?}", push.body);
    };
    assert_eq!(poi.uniq_id.as_deref(), Some("store_0042"));
    assert_eq!(poi.poi_id.as_deref(), Some("465085932"));
    assert_eq!(&*poi.result, "succ");
    assert!(poi.succeeded());
    // An empty `msg` reads as none.
    assert_eq!(poi.msg, None);
    assert_no_extra(&push);
}

#[test]
fn event_user_authorize_invoice() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_authorize_invoice.xml"
    ));
    check_header(
        &push,
        &header(FOLLOWER, 1_700_000_880, "user_authorize_invoice"),
    );
    let Body::Event(Event::UserAuthorizeInvoice(invoice)) = &push.body else {
        panic!("expected user_authorize_invoice, got {:?}", push.body);
    };
    assert_eq!(invoice.succ_order_id.as_deref(), Some("1202933957956"));
    assert_eq!(invoice.fail_order_id, None);
    assert_eq!(invoice.app_id.as_deref(), Some("wxf2f6a63ad0b5fd1b"));
    assert_eq!(invoice.source.as_deref(), Some("web"));
    assert!(invoice.succeeded());
    assert_eq!(invoice.order_id(), Some("1202933957956"));
    assert_no_extra(&push);
}

#[test]
fn event_wxa_media_check() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_wxa_media_check.xml"
    ));
    check_header(&push, &header(FOLLOWER, 1_700_000_890, "wxa_media_check"));
    let Body::Event(Event::WxaMediaCheck(check)) = &push.body else {
        panic!("expected wxa_media_check, got {:?}", push.body);
    };
    assert_eq!(check.is_risky, Some(false));
    assert_eq!(
        check.extra_info_json.as_deref(),
        Some(r#"{"media_url":"https://example.com/cover.jpg"}"#)
    );
    assert_eq!(check.app_id.as_deref(), Some("wx0123456789abcdef"));
    assert_eq!(
        check.trace_id.as_deref(),
        Some("60ae120f-371d5872-7941a05b")
    );
    assert_eq!(check.status_code, Some(0));
    assert_ne!(check.status_code, Some(MEDIA_UNREACHABLE));
    assert_eq!((check.version, check.result.as_ref()), (None, None));
    assert!(check.detail.is_empty());
    assert_eq!(check.risky(), Some(false));
    assert_no_extra(&push);
}

#[test]
fn event_wxa_media_check_v2() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_wxa_media_check_v2.xml"
    ));
    check_header(&push, &header(FOLLOWER, 1_700_000_895, "wxa_media_check"));
    let Body::Event(Event::WxaMediaCheck(check)) = &push.body else {
        panic!("expected wxa_media_check, got {:?}", push.body);
    };
    assert_eq!(check.version, Some(2));
    assert_eq!(
        (check.errcode, check.errmsg.as_deref()),
        (Some(0), Some("ok"))
    );
    let result = check.result.as_ref().unwrap();
    assert_eq!(
        (result.suggest.as_deref(), result.label),
        (Some("risky"), Some(20_002))
    );
    assert_eq!(check.detail.len(), 1);
    let detail = &check.detail[0];
    assert_eq!(detail.strategy.as_deref(), Some("content_model"));
    assert_eq!(detail.errcode, Some(0));
    assert_eq!(detail.suggest.as_deref(), Some("risky"));
    assert_eq!(detail.label, Some(20_002));
    assert_eq!(detail.prob, Some(90.0));
    assert_eq!(check.is_risky, None);
    assert_eq!(check.risky(), Some(true));
    assert_no_extra(&push);
}

/// The fields every user-authorization event carries.
fn authorization(push: &wxoa_types::inbound::Inbound) -> &UserAuthorizationChange {
    match &push.body {
        Body::Event(
            Event::UserInfoModified(change)
            | Event::UserAuthorizationRevoke(change)
            | Event::UserAuthorizationCancellation(change),
        ) => change,
        other => panic!("expected a user-authorization event, got {other:?}"),
    }
}

#[test]
fn event_user_info_modified() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_info_modified.xml"
    ));
    check_header(&push, &header(USER, 1_700_000_900, "user_info_modified"));
    assert!(matches!(push.body, Body::Event(Event::UserInfoModified(_))));
    let change = authorization(&push);
    assert_eq!(change.openid.as_deref(), Some(USER));
    assert_eq!(change.app_id.as_deref(), Some("wx0123456789abcdef"));
    assert_eq!(change.union_id, None);
    assert_eq!(change.revoked_items(), [301]);
    assert_no_extra(&push);
}

#[test]
fn event_user_authorization_revoke() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_authorization_revoke.xml"
    ));
    check_header(
        &push,
        &header(USER, 1_700_000_910, "user_authorization_revoke"),
    );
    assert!(matches!(
        push.body,
        Body::Event(Event::UserAuthorizationRevoke(_))
    ));
    let change = authorization(&push);
    assert_eq!(change.openid.as_deref(), Some(USER));
    assert_eq!(
        change.union_id.as_deref(),
        Some("ozpaE6Ij3e2oEeVYF0d1rW5qd3Tk")
    );
    assert_eq!(change.revoked_items(), [6, 8, 13]);
    assert_eq!(
        (change.plugin_id.as_ref(), change.open_pid.as_ref()),
        (None, None)
    );
    assert_no_extra(&push);
}

#[test]
fn event_user_authorization_cancellation() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_authorization_cancellation.xml"
    ));
    check_header(
        &push,
        &header(USER, 1_700_000_920, "user_authorization_cancellation"),
    );
    assert!(matches!(
        push.body,
        Body::Event(Event::UserAuthorizationCancellation(_))
    ));
    let change = authorization(&push);
    assert_eq!(change.plugin_id.as_deref(), Some("wx1234567890abcdef"));
    assert_eq!(
        change.open_pid.as_deref(),
        Some("oPlug8uK3pL0dVh-_sQe9WnYc4Tg")
    );
    assert_eq!(change.revoked_items(), [1]);
    assert_no_extra(&push);
}
