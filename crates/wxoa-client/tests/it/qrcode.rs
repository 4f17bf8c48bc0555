//! `client.qrcodes()` (api-reference §11) against the stub platform: the four kinds of codes,
//! the scene and expiry ranges, the `showqrcode` URL on the mp host and the image download.

use serde_json::json;
use wxoa_client::api::qrcode::Scene;
use wxoa_client::{Account, BaseProblem, Client, ConfigError, Content, Error};
use wxoa_sandbox::control::Scripted;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET};

use crate::contract_env::{
    contract, error, fixture, platform_error, refused_locally, request_fixture,
};

const CREATE: &str = "/cgi-bin/qrcode/create";
const SHOW: &str = "/cgi-bin/showqrcode";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a QR code";

#[tokio::test]
async fn a_temporary_numeric_code() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_temp").await;
    let code = env
        .client
        .qrcodes()
        .temporary(123)
        .expire_seconds(604_800)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("qrcode", "create_temp", &[])
    );
    let expected = fixture("qrcode", "create_temp.response.json");
    assert_eq!(code.ticket, expected["ticket"].as_str().unwrap());
    assert_eq!(code.expire_seconds, Some(60));
    assert_eq!(code.url, "http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI");
}

#[tokio::test]
async fn a_temporary_string_code() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_temp").await;
    env.client
        .qrcodes()
        .temporary("test")
        .expire_seconds(604_800)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("qrcode", "create_temp_str", &[])
    );
}

#[tokio::test]
async fn a_permanent_numeric_code_has_no_expiry() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_limit").await;
    let code = env.client.qrcodes().permanent(123).await.unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("qrcode", "create_limit", &[])
    );
    assert_eq!(code.expire_seconds, None);
    assert!(!code.ticket.is_empty());
}

#[tokio::test]
async fn a_permanent_string_code() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_limit").await;
    env.client.qrcodes().permanent("test").await.unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("qrcode", "create_limit_str", &[])
    );
}

#[tokio::test]
async fn a_temporary_code_without_expiry_leaves_it_to_the_platform() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_temp").await;
    env.client.qrcodes().temporary(Scene::Id(9)).await.unwrap();
    assert_eq!(
        env.last_json(CREATE),
        json!({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": 9}}})
    );
}

#[tokio::test]
async fn the_range_limits_themselves_are_accepted() {
    let env = contract().await;
    env.answer_fixture(CREATE, "qrcode", "create_temp").await;
    let qrcode = env.client.qrcodes();
    qrcode.permanent(100_000).await.unwrap();
    qrcode.permanent(1).await.unwrap();
    qrcode
        .temporary(u32::MAX)
        .expire_seconds(2_592_000)
        .await
        .unwrap();
    qrcode
        .temporary("字".repeat(64))
        .expire_seconds(1)
        .await
        .unwrap();
    assert_eq!(env.calls(CREATE).await, 4);
}

refused_locally!(
    a_temporary_scene_id_is_not_zero,
    CREATE,
    ("action_info.scene.scene_id", "non-zero"),
    |client| client.qrcodes().temporary(0)
);

refused_locally!(
    a_permanent_scene_id_is_at_least_1,
    CREATE,
    ("action_info.scene.scene_id", "1..=100000"),
    |client| client.qrcodes().permanent(0)
);

refused_locally!(
    a_permanent_scene_id_is_at_most_100000,
    CREATE,
    ("action_info.scene.scene_id", "1..=100000, got 100001"),
    |client| client.qrcodes().permanent(100_001)
);

refused_locally!(
    a_scene_str_is_not_empty,
    CREATE,
    ("action_info.scene.scene_str", "must not be empty"),
    |client| client.qrcodes().permanent("")
);

refused_locally!(
    a_scene_str_has_at_most_64_characters,
    CREATE,
    (
        "action_info.scene.scene_str",
        "at most 64 characters, got 65"
    ),
    |client| client.qrcodes().temporary("s".repeat(65))
);

refused_locally!(
    an_expiry_is_at_least_one_second,
    CREATE,
    ("expire_seconds", "1..=2592000"),
    |client| client.qrcodes().temporary(1).expire_seconds(0)
);

refused_locally!(
    an_expiry_is_at_most_30_days,
    CREATE,
    ("expire_seconds", "1..=2592000 (30 days), got 2592001"),
    |client| client.qrcodes().temporary(1).expire_seconds(2_592_001)
);

refused_locally!(
    a_permanent_code_takes_no_expiry,
    CREATE,
    ("expire_seconds", "does not expire"),
    |client| client.qrcodes().permanent(1).expire_seconds(60)
);

platform_error!(permanent_codes_used_up_is_45029, CREATE, 45029, |client| {
    client.qrcodes().permanent(5)
});

platform_error!(invalid_action_info_is_40053, CREATE, 40053, |client| client
    .qrcodes()
    .permanent("x"));

#[test]
fn scenes_are_numeric_for_integers_only() {
    assert_eq!(Scene::parse("42"), Scene::Id(42));
    assert_eq!(Scene::parse("4294967295"), Scene::Id(u32::MAX));
    for text in ["4294967296", "-1", "+1", "007", "1.5", "abc", ""] {
        assert_eq!(Scene::parse(text), Scene::Str(text.to_owned()), "{text}");
    }
}

#[tokio::test]
async fn the_image_url_is_on_the_mp_host_with_the_ticket_encoded() {
    let env = contract().await;
    // A stub (not a platform host) serves showqrcode too: it is the default mp host.
    assert_eq!(env.client.mp_base(), env.platform.base_url());
    assert_eq!(
        env.client.qrcodes().image_url("gQH+47j/oA=="),
        format!(
            "{}/cgi-bin/showqrcode?ticket=gQH%2B47j%2FoA%3D%3D",
            env.platform.base_url()
        )
    );
}

#[test]
fn the_mp_host_follows_the_api_host_rule() {
    let on = |api: &str, mp: Option<&str>| {
        let mut builder = Client::builder()
            .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
            .api_bases([api]);
        if let Some(mp) = mp {
            builder = builder.mp_base(mp);
        }
        let client = builder.build().unwrap();
        (client.mp_base().to_owned(), client.open_base().to_owned())
    };
    assert_eq!(
        on("https://api.weixin.qq.com", None),
        (
            "https://mp.weixin.qq.com".to_owned(),
            "https://open.weixin.qq.com".to_owned()
        )
    );
    assert_eq!(
        on("https://sh.api.weixin.qq.com", None).0,
        "https://mp.weixin.qq.com"
    );
    assert_eq!(
        on("http://127.0.0.1:9000/", None),
        (
            "http://127.0.0.1:9000".to_owned(),
            "http://127.0.0.1:9000".to_owned()
        )
    );
    assert_eq!(
        on("https://api.weixin.qq.com", Some("http://mp.test/")).0,
        "http://mp.test"
    );
    let bad = Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .mp_base("mp.weixin.qq.com")
        .build();
    assert!(matches!(
        bad,
        Err(Error::Config(ConfigError::Base {
            problem: BaseProblem::NotUrl(_),
            ..
        }))
    ));
}

#[tokio::test]
async fn the_image_is_downloaded_exactly_as_served_without_a_token() {
    let env = contract().await;
    env.script(
        SHOW,
        &Scripted::bytes(200, JPEG).header("content-type", "image/jpeg"),
    )
    .await;
    let image = env.client.qrcodes().image("gQH+47j/oA==").await.unwrap();
    assert_eq!(image.content_type(), Some("image/jpeg"));
    assert_eq!(image.bytes().await.unwrap().as_ref(), JPEG);
    let request = env.last(SHOW);
    assert_eq!(request.method, "GET");
    assert_eq!(request.query["ticket"], "gQH+47j/oA==");
    assert_eq!(request.access_token, None);
}

#[tokio::test]
async fn an_unknown_ticket_is_http_404() {
    let env = contract().await;
    env.script(SHOW, &Scripted::bytes(404, b"")).await;
    let error = error(env.client.qrcodes().image("nope").await);
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_json_error_from_showqrcode_is_typed() {
    let env = contract().await;
    env.script(
        SHOW,
        &Scripted::bytes(
            200,
            r#"{"errcode":40001,"errmsg":"invalid credential"}"#.as_bytes(),
        )
        .header("content-type", "text/plain"),
    )
    .await;
    let result = env.client.qrcodes().image("t").await;
    assert_eq!(crate::contract_env::errcode(result), 40001);
}

#[tokio::test]
async fn json_where_the_image_was_expected_is_unexpected_content() {
    let env = contract().await;
    env.script(
        SHOW,
        &Scripted::bytes(200, r#"{"hello":"world"}"#.as_bytes())
            .header("content-type", "application/json"),
    )
    .await;
    let error = error(env.client.qrcodes().image("t").await);
    assert!(
        matches!(
            &error,
            Error::UnexpectedContent {
                expected: Content::File,
                ..
            }
        ),
        "{error:?}"
    );
}

refused_locally!(
    an_image_needs_a_ticket,
    SHOW,
    ("ticket", "must not be empty"),
    |client| client.qrcodes().image("")
);
