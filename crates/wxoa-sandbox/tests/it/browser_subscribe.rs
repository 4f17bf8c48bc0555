//! The console's consent sheet in a real browser (headless Chromium, as `browser.rs`): the
//! follower opens "Notify me", sees the account's subscription templates as the phone shows
//! them, allows one and turns the other off; the sandbox records both from the popup event the
//! sheet pushes, a `bizsend` of the allowed one appears in the chat as a notification card,
//! and a second send is refused (a one-time consent allows one). Screenshots go to
//! `target/console-consent.png` and `target/console-subscribe.png`.

use std::time::Duration;

use serde_json::json;
use wxoa_types::inbound::{Body, Event, Inbound};
use wxoa_types::subscribe::ConsentStatus;

use crate::browser::{demo_env, open_console, step};
use crate::subscribe::add;
use crate::support::{Env, assert_errcode, assert_ok};
use crate::webdriver::{Driver, Tools, WAIT, target_dir};

/// Waits until the sandbox shows the follower's consent to `id` as `status`.
async fn consent_recorded(env: &Env, openid: &str, id: &str, status: &str) -> Option<u32> {
    let started = std::time::Instant::now();
    loop {
        let shown = env.control().subscriptions(openid).await.unwrap();
        let template = shown
            .templates
            .iter()
            .find(|t| t.template_id == id)
            .unwrap();
        if template.status.as_ref().map(ConsentStatus::as_str) == Some(status) {
            return template.sends_left;
        }
        assert!(
            started.elapsed() < WAIT,
            "the consent to {id} is {:?}, not {status}",
            template.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consent_sheet_records_the_followers_answer_and_the_notification_shows_in_the_chat() {
    let Some(tools) = Tools::find() else {
        return;
    };
    let env = demo_env().await;
    let booking = add(&env, 2010, &[1, 2, 3]).await;
    let bus = add(&env, 1200, &[1, 3]).await;

    let driver = Driver::start(&tools).await.unwrap();
    let browser = driver.session(&tools, 1440, 1000).await.unwrap();
    let b = &browser;
    let openid = open_console(b, &env).await;

    // The sheet lists both templates, ticked, with what the follower said so far. (Without a
    // menu, the phone shows the keyboard bar with its "+".)
    step(b, "the extras", b.click("#plus").await).await;
    step(b, "Notify me", b.click("#open-consent").await).await;
    let row = format!(".consent-row[data-template='{booking}']");
    let text = step(
        b,
        "the booking row",
        b.wait_text(&row, "预约成功通知").await,
    )
    .await;
    assert!(text.contains("one-time · not asked yet"), "{text}");
    let bus_row = format!(".consent-row[data-template='{bus}']");
    let text = step(b, "the bus row", b.wait_text(&bus_row, "乘车提醒").await).await;
    assert!(text.contains("long-term"), "{text}");
    step(
        b,
        "the question",
        b.wait_text(
            ".consent-ask",
            "wants to send you the following notifications",
        )
        .await,
    )
    .await;
    // The follower turns the bus reminders off and allows the booking notice.
    step(
        b,
        "untick the bus",
        b.click(&format!("{bus_row} input")).await,
    )
    .await;
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-consent.png"))
            .await,
    )
    .await;
    step(b, "Allow", b.click("#consent-allow").await).await;
    assert_eq!(
        consent_recorded(&env, &openid, &booking, "accept").await,
        Some(1)
    );
    assert_eq!(consent_recorded(&env, &openid, &bus, "reject").await, None);
    // What the account's server was told: the popup event with both answers.
    let pushes = env.control().pushes(Some(&openid)).await.unwrap();
    let popup = Inbound::from_xml(pushes.last().unwrap().xml.as_bytes()).unwrap();
    let Body::Event(Event::SubscribeMsgPopup(popup)) = popup.body else {
        panic!("expected a subscribe_msg_popup_event, got {:?}", popup.body);
    };
    let answers: Vec<(&str, &str, Option<i64>)> = popup
        .list
        .iter()
        .map(|i| (i.template_id.as_str(), i.status.0.as_str(), i.popup_scene))
        .collect();
    assert_eq!(
        answers,
        [
            (booking.as_str(), "accept", Some(1)),
            (bus.as_str(), "reject", Some(1))
        ]
    );

    // The account sends the booking notice: it shows as the phone draws it.
    let send = json!({"touser": openid, "template_id": booking,
        "page": "https://example.com/bookings/42",
        "data": {"thing1": {"value": "天河店"}, "time2": {"value": "2024年6月11日 18:30"},
                 "number3": {"value": "4"}}});
    assert_ok(&env.post("/cgi-bin/message/subscribe/bizsend", &send).await);
    let card = step(
        b,
        "the notification card",
        b.wait_text(".row.account.kind-subscribe", "预约成功通知")
            .await,
    )
    .await;
    for shown in [
        "门店",
        "天河店",
        "预约时间",
        "2024年6月11日 18:30",
        "人数",
        "subscription notification",
    ] {
        assert!(card.contains(shown), "{shown} in {card}");
    }
    step(
        b,
        "the screenshot",
        b.save_screenshot(&target_dir().join("console-subscribe.png"))
            .await,
    )
    .await;
    // The one-time consent is used up; the bus reminders were turned off.
    assert_errcode(
        &env.post("/cgi-bin/message/subscribe/bizsend", &send).await,
        43101,
    );
    let bus_send = json!({"touser": openid, "template_id": bus,
        "data": {"thing1": {"value": "5路"}, "time3": {"value": "15:01"}}});
    assert_errcode(
        &env.post("/cgi-bin/message/subscribe/bizsend", &bus_send)
            .await,
        43101,
    );

    browser.quit().await.unwrap();
    drop(driver);
}
