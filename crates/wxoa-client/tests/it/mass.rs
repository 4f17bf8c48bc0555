//! `client.mass()` (api-reference §8) against the stub platform: every audience and message
//! type, the `clientmsgid` that makes a send idempotent, 45065 as a success, and the limits.

#![allow(deprecated)]

use serde_json::{Value, json};
use wxoa_client::api::mass::{ImageSet, MassMessage, SendStatus};

use crate::contract_env::{contract, platform_error, refused_locally, request_fixture};

const SENDALL: &str = "/cgi-bin/message/mass/sendall";
const SEND: &str = "/cgi-bin/message/mass/send";
const PREVIEW: &str = "/cgi-bin/message/mass/preview";
const DELETE: &str = "/cgi-bin/message/mass/delete";
const GET: &str = "/cgi-bin/message/mass/get";
const SPEED_GET: &str = "/cgi-bin/message/mass/speed/get";
const SPEED_SET: &str = "/cgi-bin/message/mass/speed/set";

fn openids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("oUser{i:05}")).collect()
}

#[tokio::test]
async fn to_a_tag_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(SENDALL, "mass", "send").await;
    let sent = env
        .client
        .mass()
        .to_tag(2, MassMessage::mpnews("MEDIA_ID"))
        .with_client_msg_id("send_tag_1")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(SENDALL),
        request_fixture("mass", "sendall", &[("TAG_ID", json!(2))])
    );
    assert_eq!(sent.msg_id.0, 34182);
    assert_eq!(sent.msg_data_id, Some(206_227_730));
    assert_eq!(sent.client_msg_id, "send_tag_1");
    assert!(!sent.already_sent);
}

#[tokio::test]
async fn to_everyone_sends_is_to_all() {
    let env = contract().await;
    env.answer_fixture(SENDALL, "mass", "send_text").await;
    let send = env.client.mass().to_all(MassMessage::text("CONTENT"));
    let id = send.client_msg_id().to_owned();
    let sent = send.await.unwrap();
    assert_eq!(
        env.last_json(SENDALL),
        request_fixture("mass", "sendall_all", &[("CLIENTMSGID", json!(id))])
    );
    assert_eq!(sent.msg_data_id, None);
}

#[tokio::test]
async fn to_a_legacy_group_sends_its_group_id() {
    let env = contract().await;
    env.answer_fixture(SENDALL, "mass", "send_text").await;
    let send = env
        .client
        .mass()
        .to_group(108, MassMessage::voice("MEDIA_ID"));
    let id = send.client_msg_id().to_owned();
    send.await.unwrap();
    assert_eq!(
        env.last_json(SENDALL),
        request_fixture(
            "mass",
            "sendall_group",
            &[("GROUP_ID", json!(108)), ("CLIENTMSGID", json!(id))]
        )
    );
}

#[tokio::test]
async fn to_openids_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(SEND, "mass", "send_text").await;
    env.client
        .mass()
        .to_openids(
            ["OPENID1", "OPENID2"],
            MassMessage::text("hello from wechat"),
        )
        .with_client_msg_id("send_list_1")
        .await
        .unwrap();
    assert_eq!(env.last_json(SEND), request_fixture("mass", "send", &[]));
}

/// Sends `message` to two OpenIDs or to tag 2 and compares the body with `fixture`.
async fn message_body(message: MassMessage, to_tag: bool, fixture: &str, values: &[(&str, Value)]) {
    let env = contract().await;
    env.answer_fixture(SEND, "mass", "send_text").await;
    env.answer_fixture(SENDALL, "mass", "send_text").await;
    let mass = env.client.mass();
    let send = if to_tag {
        mass.to_tag(2, message)
    } else {
        mass.to_openids(["OPENID1", "OPENID2"], message)
    };
    let id = send.client_msg_id().to_owned();
    send.await.unwrap();
    let mut values = values.to_vec();
    values.push(("CLIENTMSGID", json!(id)));
    values.push(("TAG_ID", json!(2)));
    let path = if to_tag { SENDALL } else { SEND };
    assert_eq!(
        env.last_json(path),
        request_fixture("mass", fixture, &values)
    );
}

#[tokio::test]
async fn an_image_message() {
    message_body(MassMessage::image("MEDIA_ID"), false, "send_image", &[]).await;
}

#[tokio::test]
async fn a_message_of_several_images() {
    let images = ImageSet::new(["MEDIA_ID1", "MEDIA_ID2"])
        .recommend("RECOMMEND")
        .open_comments(false);
    message_body(MassMessage::images(images), true, "send_images", &[]).await;
}

#[tokio::test]
async fn a_video_message() {
    message_body(MassMessage::mpvideo("MEDIA_ID"), false, "send_mpvideo", &[]).await;
}

#[tokio::test]
async fn a_card_message() {
    message_body(MassMessage::wxcard("CARD_ID"), true, "send_wxcard", &[]).await;
}

#[tokio::test]
async fn an_article_message_may_ignore_reprints() {
    let env = contract().await;
    env.answer_fixture(SENDALL, "mass", "send").await;
    let message = MassMessage::MpNews {
        media_id: "MEDIA_ID".into(),
        send_ignore_reprint: true,
    };
    env.client.mass().to_all(message).await.unwrap();
    assert_eq!(env.last_json(SENDALL)["send_ignore_reprint"], json!(1));
}

#[tokio::test]
async fn a_generated_clientmsgid_is_unique_and_within_64_bytes() {
    let env = contract().await;
    let a = env.client.mass().to_all(MassMessage::text("a"));
    let b = env.client.mass().to_all(MassMessage::text("a"));
    assert_ne!(a.client_msg_id(), b.client_msg_id());
    assert!(!a.client_msg_id().is_empty() && a.client_msg_id().len() <= 64);
}

#[tokio::test]
async fn a_lost_send_is_retried_with_the_same_clientmsgid() {
    let env = contract().await;
    // Faults apply in the order given: the drop first, then the fixture for every call.
    env.platform
        .control()
        .faults()
        .drop(SENDALL, 1)
        .await
        .unwrap();
    env.answer_fixture(SENDALL, "mass", "send").await;
    let send = env.client.mass().to_tag(2, MassMessage::text("once"));
    let id = send.client_msg_id().to_owned();
    send.await.unwrap();
    let requests = env.platform.requests(SENDALL);
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.json().unwrap()["clientmsgid"], json!(id));
    }
}

#[tokio::test]
async fn a_clientmsgid_already_run_is_the_earlier_send() {
    let env = contract().await;
    env.answer_fixture(SENDALL, "mass", "clientmsgid_exist")
        .await;
    let sent = env
        .client
        .mass()
        .to_all(MassMessage::text("again"))
        .with_client_msg_id("campaign-7")
        .await
        .unwrap();
    assert!(sent.already_sent);
    assert_eq!(sent.msg_id.0, 34182);
    assert_eq!(sent.client_msg_id, "campaign-7");
    assert_eq!(env.calls(SENDALL).await, 1);
}

platform_error!(
    the_same_clientmsgid_within_a_minute_is_45066,
    SENDALL,
    45066,
    |client| client
        .mass()
        .to_all(MassMessage::text("x"))
        .with_client_msg_id("k")
);

platform_error!(
    a_clientmsgid_too_long_for_the_platform_is_45067,
    SEND,
    45067,
    |client| client.mass().to_openids(["a", "b"], MassMessage::text("x"))
);

platform_error!(no_mass_quota_left_is_45028, SENDALL, 45028, |client| client
    .mass()
    .to_all(MassMessage::text("x")));

platform_error!(
    fewer_than_two_openids_for_the_platform_is_40130,
    SEND,
    40130,
    |client| client.mass().to_openids(["a", "b"], MassMessage::text("x"))
);

platform_error!(
    too_many_openids_for_the_platform_is_40032,
    SEND,
    40032,
    |client| client.mass().to_openids(["a", "b"], MassMessage::text("x"))
);

platform_error!(
    no_permission_for_the_message_type_is_48008,
    SENDALL,
    48008,
    |client| client.mass().to_tag(3, MassMessage::wxcard("c"))
);

platform_error!(an_account_with_ads_is_45062, SENDALL, 45062, |client| {
    client.mass().to_all(MassMessage::mpnews("m"))
});

#[tokio::test]
async fn ten_thousand_openids_go_in_one_call() {
    let env = contract().await;
    env.answer_fixture(SEND, "mass", "send_text").await;
    env.client
        .mass()
        .to_openids(openids(10_000), MassMessage::text("x"))
        .await
        .unwrap();
    let body = env.last_json(SEND);
    assert_eq!(body["touser"].as_array().unwrap().len(), 10_000);
}

refused_locally!(
    one_openid_is_refused,
    SEND,
    ("touser", "2..=10000 OpenIDs, got 1"),
    |client| client.mass().to_openids(openids(1), MassMessage::text("x"))
);

refused_locally!(
    more_than_ten_thousand_openids_are_refused,
    SEND,
    ("touser", "2..=10000 OpenIDs, got 10001"),
    |client| client
        .mass()
        .to_openids(openids(10_001), MassMessage::text("x"))
);

refused_locally!(
    an_empty_openid_is_refused,
    SEND,
    ("touser[1]", "must not be empty"),
    |client| client.mass().to_openids(["a", ""], MassMessage::text("x"))
);

refused_locally!(
    a_clientmsgid_over_64_bytes_is_refused,
    SENDALL,
    ("clientmsgid", "at most 64 bytes, got 65"),
    |client| client
        .mass()
        .to_all(MassMessage::text("x"))
        .with_client_msg_id("k".repeat(65))
);

refused_locally!(
    an_empty_clientmsgid_is_refused,
    SENDALL,
    ("clientmsgid", "must not be empty"),
    |client| client
        .mass()
        .to_all(MassMessage::text("x"))
        .with_client_msg_id("")
);

refused_locally!(
    an_empty_text_is_refused,
    SENDALL,
    ("text.content", "must not be empty"),
    |client| client.mass().to_all(MassMessage::text(""))
);

refused_locally!(
    an_article_message_needs_its_media_id,
    SENDALL,
    ("mpnews.media_id", "must not be empty"),
    |client| client.mass().to_all(MassMessage::mpnews(""))
);

refused_locally!(
    a_message_of_images_needs_one,
    SENDALL,
    ("images.media_ids", "at least one"),
    |client| client
        .mass()
        .to_all(MassMessage::images(ImageSet::new(Vec::<String>::new())))
);

refused_locally!(
    a_card_message_needs_its_card_id,
    SENDALL,
    ("wxcard.card_id", "must not be empty"),
    |client| client.mass().to_all(MassMessage::wxcard(""))
);

#[tokio::test]
async fn a_preview_to_an_openid() {
    let env = contract().await;
    env.answer_fixture(PREVIEW, "mass", "preview").await;
    let sent = env
        .client
        .mass()
        .preview_to_openid("OPENID", MassMessage::text("CONTENT"))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(PREVIEW),
        request_fixture("mass", "preview", &[])
    );
    assert_eq!(sent.msg_id.map(|m| m.0), Some(34182));
}

#[tokio::test]
async fn a_preview_to_a_wechat_id() {
    let env = contract().await;
    env.answer_fixture(PREVIEW, "mass", "preview").await;
    env.client
        .mass()
        .preview_to_wxname("WXNAME", MassMessage::mpnews("MEDIA_ID"))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(PREVIEW),
        request_fixture("mass", "preview_wxname", &[])
    );
}

#[tokio::test]
async fn a_preview_is_never_repeated_after_a_lost_answer() {
    let env = contract().await;
    env.platform
        .control()
        .faults()
        .drop(PREVIEW, 1)
        .await
        .unwrap();
    let error = env
        .client
        .mass()
        .preview_to_openid("o", MassMessage::text("x"))
        .await
        .unwrap_err();
    assert!(error.may_have_reached_platform());
    assert_eq!(env.calls(PREVIEW).await, 1);
}

refused_locally!(
    a_preview_needs_a_recipient,
    PREVIEW,
    ("towxname", "must not be empty"),
    |client| client.mass().preview_to_wxname("", MassMessage::text("x"))
);

platform_error!(
    a_preview_to_an_unknown_wechat_id_is_40132,
    PREVIEW,
    40132,
    |client| client
        .mass()
        .preview_to_wxname("nobody", MassMessage::text("x"))
);

platform_error!(
    a_preview_over_the_daily_quota_is_45009,
    PREVIEW,
    45009,
    |client| client.mass().preview_to_openid("o", MassMessage::text("x"))
);

#[tokio::test]
async fn delete_sends_the_spec_body() {
    let env = contract().await;
    env.answer_ok(DELETE).await;
    env.client
        .mass()
        .delete(30124)
        .article_idx(0)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(DELETE),
        request_fixture("mass", "delete", &[("MSG_ID", json!(30124))])
    );
}

#[tokio::test]
async fn delete_one_article_by_url() {
    let env = contract().await;
    env.answer_ok(DELETE).await;
    env.client
        .mass()
        .delete(30124)
        .article_idx(2)
        .url("https://mp.weixin.qq.com/s/x")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(DELETE),
        request_fixture(
            "mass",
            "delete_url",
            &[
                ("MSG_ID", json!(30124)),
                ("URL", json!("https://mp.weixin.qq.com/s/x"))
            ]
        )
    );
}

#[tokio::test]
async fn delete_without_an_article_deletes_them_all() {
    let env = contract().await;
    env.answer_ok(DELETE).await;
    env.client.mass().delete(7).await.unwrap();
    assert_eq!(env.last_json(DELETE), json!({"msg_id": 7}));
}

platform_error!(
    delete_of_a_bad_article_idx_is_40060,
    DELETE,
    40060,
    |client| client.mass().delete(1).article_idx(9)
);

#[tokio::test]
async fn status_sends_the_msg_id_as_text() {
    let env = contract().await;
    env.answer_fixture(GET, "mass", "get").await;
    let status = env.client.mass().status(201_053_012).await.unwrap();
    assert_eq!(
        env.last_json(GET),
        request_fixture("mass", "get", &[("MSG_ID", json!("201053012"))])
    );
    assert_eq!(status.msg_id.0, 201_053_012);
    assert_eq!(status.msg_status, SendStatus::SendSuccess);
}

#[tokio::test]
async fn an_unknown_status_is_kept() {
    let env = contract().await;
    env.answer(GET, json!({"msg_id": "5", "msg_status": "PAUSED"}))
        .await;
    let status = env.client.mass().status(5).await.unwrap();
    assert_eq!(status.msg_status, SendStatus::Unknown("PAUSED".to_owned()));
}

platform_error!(status_of_an_unknown_send_is_40007, GET, 40007, |client| {
    client.mass().status(1)
});

#[tokio::test]
async fn speed_is_read() {
    let env = contract().await;
    env.answer_fixture(SPEED_GET, "mass", "speed_get").await;
    let speed = env.client.mass().speed().await.unwrap();
    assert_eq!((speed.speed, speed.realspeed), (3, 15));
    assert_eq!(
        env.last_json(SPEED_GET),
        request_fixture("mass", "speed_get", &[])
    );
}

#[tokio::test]
async fn speed_is_set() {
    let env = contract().await;
    env.client.mass().set_speed(1).await.unwrap();
    assert_eq!(
        env.last_json(SPEED_SET),
        request_fixture("mass", "speed_set", &[])
    );
    env.client.mass().set_speed(4).await.unwrap();
    env.client.mass().set_speed(0).await.unwrap();
    assert_eq!(env.calls(SPEED_SET).await, 3);
}

refused_locally!(
    a_speed_over_4_is_refused,
    SPEED_SET,
    ("speed", "0..=4, got 5"),
    |client| client.mass().set_speed(5)
);

platform_error!(
    a_speed_out_of_range_for_the_platform_is_45083,
    SPEED_SET,
    45083,
    |client| client.mass().set_speed(4)
);

platform_error!(a_missing_speed_is_45084, SPEED_SET, 45084, |client| client
    .mass()
    .set_speed(2));
