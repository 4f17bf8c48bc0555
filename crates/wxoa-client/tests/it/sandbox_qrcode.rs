//! `client.qrcodes()` against the sandbox (api-reference §11): temporary and permanent codes
//! with numeric and string scenes, the `showqrcode` image, and the platform's errors the
//! sandbox produces (the stub contracts are in `qrcode.rs`).

use wxoa_client::Error;
use wxoa_client::api::qrcode::{PERMANENT_SCENE_MAX, Scene};

use crate::sandbox_env::{Env, env, refused};

/// The image the sandbox holds for `ticket`, read through its control API.
async fn sandbox_image(env: &Env, ticket: &str) -> Vec<u8> {
    env.sandbox.control().qrcode_image(ticket).await.unwrap()
}

#[tokio::test]
async fn a_temporary_code_downloads_as_the_sandboxs_image() {
    let env = env(1).await;
    let code = env
        .client
        .qrcodes()
        .temporary(123)
        .expire_seconds(600)
        .await
        .unwrap();
    assert_eq!(code.expire_seconds, Some(600));
    assert!(!code.url.is_empty());
    let image = env
        .client
        .qrcodes()
        .image(code.ticket.as_str())
        .await
        .unwrap();
    assert_eq!(image.content_type(), Some("image/jpeg"));
    let bytes = image.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xff\xd8"), "a JPEG");
    assert_eq!(bytes.as_ref(), sandbox_image(&env, &code.ticket).await);
}

#[tokio::test]
async fn the_image_url_is_served_by_the_sandbox() {
    let env = env(1).await;
    let code = env.client.qrcodes().temporary("spring-sale").await.unwrap();
    let url = env.client.qrcodes().image_url(&code.ticket);
    let served = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), sandbox_image(&env, &code.ticket).await);
}

#[tokio::test]
async fn a_temporary_code_lives_30_seconds_by_default_then_is_404() {
    let env = env(1).await;
    let code = env.client.qrcodes().temporary(7).await.unwrap();
    assert_eq!(code.expire_seconds, Some(30));
    env.advance(31).await;
    let result = env.client.qrcodes().image(code.ticket.as_str()).await;
    assert!(
        matches!(result, Err(Error::Http { status: 404, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_ticket_is_404() {
    let env = env(1).await;
    let result = env.client.qrcodes().image("no-such-ticket").await;
    assert!(
        matches!(result, Err(Error::Http { status: 404, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_permanent_scene_gives_the_same_ticket_each_time() {
    let env = env(1).await;
    let first = env
        .client
        .qrcodes()
        .permanent(PERMANENT_SCENE_MAX)
        .await
        .unwrap();
    assert_eq!(first.expire_seconds, None);
    let again = env
        .client
        .qrcodes()
        .permanent(PERMANENT_SCENE_MAX)
        .await
        .unwrap();
    assert_eq!(again.ticket, first.ticket);
    let other = env.client.qrcodes().permanent("shop-1").await.unwrap();
    assert_ne!(other.ticket, first.ticket);
    let image = env
        .client
        .qrcodes()
        .image(other.ticket.as_str())
        .await
        .unwrap();
    assert_eq!(
        image.bytes().await.unwrap().as_ref(),
        sandbox_image(&env, &other.ticket).await
    );
}

#[tokio::test]
async fn a_64_character_string_scene_is_accepted_and_65_refused_locally() {
    let env = env(1).await;
    let scene = "s".repeat(64);
    env.client
        .qrcodes()
        .temporary(Scene::Str(scene.clone()))
        .await
        .unwrap();
    let body = env.last_body("/cgi-bin/qrcode/create").await;
    assert_eq!(body["action_info"]["scene"]["scene_str"], scene.as_str());
    assert_eq!(body["action_name"], "QR_STR_SCENE");
    let message = refused(env.client.qrcodes().temporary("s".repeat(65)).await);
    assert!(message.contains("scene_str"), "{message}");
    assert_eq!(env.calls("/cgi-bin/qrcode/create").await.len(), 1);
}

#[tokio::test]
async fn a_permanent_scene_over_100000_is_refused_locally() {
    let env = env(1).await;
    let message = refused(
        env.client
            .qrcodes()
            .permanent(PERMANENT_SCENE_MAX + 1)
            .await,
    );
    assert!(message.contains("scene_id"), "{message}");
    assert!(env.calls("/cgi-bin/qrcode/create").await.is_empty());
}

#[tokio::test]
async fn a_scanned_code_is_known_to_the_sandbox() {
    let env = env(2).await;
    let ids = env.followers(1).await;
    let code = env.client.qrcodes().temporary(42).await.unwrap();
    let live = env.control().qrcodes().await.unwrap();
    assert!(
        live.as_array()
            .unwrap()
            .iter()
            .any(|c| c["ticket"] == code.ticket.as_str()),
        "{live}"
    );
    env.control().scan(&ids[0], &code.ticket).await.unwrap();
}
