//! Temporary media: upload, download, the 3-day lifetime, `uploadimg`, and what followers send.

use reqwest::StatusCode;
use serde_json::json;
use wxoa_sandbox::control::PushOutcome;

use crate::support::{assert_errcode, assert_fixture_shape, env, json_of};

#[tokio::test]
async fn an_upload_has_the_spec_shape_and_downloads_byte_for_byte() {
    let env = env().await;
    let (_, bytes) = crate::support::sample("image");
    let body = env
        .upload(
            "/cgi-bin/media/upload?type=image",
            "photo.png",
            bytes.clone(),
            &[],
        )
        .await;
    assert_fixture_shape(&body, "media", "upload");
    assert_eq!(body["type"], "image");
    let id = body["media_id"].as_str().unwrap();
    assert_eq!(id.len(), 64);
    let response = env
        .http
        .get(env.api(&format!("/cgi-bin/media/get?media_id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename=\"photo.png\"")
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn a_thumb_upload_answers_thumb_media_id() {
    let env = env().await;
    let (name, bytes) = crate::support::sample("thumb");
    let body = env
        .upload("/cgi-bin/media/upload?type=thumb", name, bytes, &[])
        .await;
    assert_fixture_shape(&body, "media", "upload_thumb");
}

#[tokio::test]
async fn a_video_is_fetched_by_its_url() {
    let env = env().await;
    let id = env.temporary("video").await;
    let body = env.get(&format!("/cgi-bin/media/get?media_id={id}")).await;
    assert_fixture_shape(&body, "media", "get_video");
    let video = env
        .http
        .get(body["video_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(video.status(), StatusCode::OK);
    assert_eq!(
        video.bytes().await.unwrap().to_vec(),
        crate::support::sample("video").1
    );
}

#[tokio::test]
async fn temporary_media_expire_after_three_days_40007() {
    let mut env = env().await;
    let id = env.temporary("voice").await;
    env.advance(3 * 86_400).await;
    env.refresh_token().await;
    assert_errcode(
        &env.get(&format!("/cgi-bin/media/get?media_id={id}")).await,
        40007,
    );
}

#[tokio::test]
async fn an_unknown_media_id_is_40007_and_a_missing_one_41006() {
    let env = env().await;
    assert_errcode(&env.get("/cgi-bin/media/get?media_id=nothing").await, 40007);
    assert_errcode(&env.get("/cgi-bin/media/get").await, 41006);
}

#[tokio::test]
async fn an_unknown_type_is_40004() {
    let env = env().await;
    let (name, bytes) = crate::support::sample("image");
    let body = env
        .upload("/cgi-bin/media/upload?type=gif", name, bytes.clone(), &[])
        .await;
    assert_errcode(&body, 40004);
    assert_errcode(
        &env.upload("/cgi-bin/media/upload", name, bytes, &[]).await,
        40004,
    );
}

#[tokio::test]
async fn a_file_of_the_wrong_format_is_40005() {
    let env = env().await;
    let body = env
        .upload(
            "/cgi-bin/media/upload?type=voice",
            "song.flac",
            b"x".to_vec(),
            &[],
        )
        .await;
    assert_errcode(&body, 40005);
    let body = env
        .upload(
            "/cgi-bin/media/upload?type=thumb",
            "thumb.png",
            b"x".to_vec(),
            &[],
        )
        .await;
    assert_errcode(&body, 40005);
}

#[tokio::test]
async fn files_over_their_size_limit_are_refused() {
    let env = env().await;
    let cases = [
        ("image", "a.jpg", 10 * 1024 * 1024, 40009),
        ("voice", "a.mp3", 2 * 1024 * 1024, 40010),
        ("video", "a.mp4", 10 * 1024 * 1024, 40011),
        ("thumb", "a.jpg", 64 * 1024, 40012),
    ];
    for (kind, name, limit, code) in cases {
        let path = format!("/cgi-bin/media/upload?type={kind}");
        let at_limit = env.upload(&path, name, vec![1; limit], &[]).await;
        assert!(at_limit.get("created_at").is_some(), "{kind}: {at_limit}");
        assert_errcode(
            &env.upload(&path, name, vec![1; limit + 1], &[]).await,
            code,
        );
    }
}

#[tokio::test]
async fn an_empty_file_is_44001_and_no_file_41005() {
    let env = env().await;
    let body = env
        .upload("/cgi-bin/media/upload?type=image", "a.jpg", Vec::new(), &[])
        .await;
    assert_errcode(&body, 44001);
    let form = reqwest::multipart::Form::new().text("other", "x");
    let body = json_of(
        env.http
            .post(env.api("/cgi-bin/media/upload?type=image"))
            .multipart(form),
    )
    .await;
    assert_errcode(&body, 41005);
    let body = env
        .post("/cgi-bin/media/upload?type=image", &json!({"media": "x"}))
        .await;
    assert_errcode(&body, 41005);
}

#[tokio::test]
async fn uploadimg_answers_a_url_for_small_jpg_or_png() {
    let env = env().await;
    let body = env
        .upload("/cgi-bin/media/uploadimg", "a.png", vec![1; 1024], &[])
        .await;
    assert_fixture_shape(&body, "media", "uploadimg");
    assert!(
        body["url"]
            .as_str()
            .unwrap()
            .starts_with("http://mmbiz.qpic.cn/")
    );
    assert_errcode(
        &env.upload("/cgi-bin/media/uploadimg", "a.gif", vec![1; 10], &[])
            .await,
        40005,
    );
    let big = vec![1; 1024 * 1024 + 1];
    assert_errcode(
        &env.upload("/cgi-bin/media/uploadimg", "a.jpg", big, &[])
            .await,
        40009,
    );
}

/// `media/get` of an id.
async fn media_get(env: &crate::support::Env, id: &str) -> reqwest::Response {
    env.http
        .get(env.api(&format!("/cgi-bin/media/get?media_id={id}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn media_a_follower_sends_can_be_fetched() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    let result = env.push(&openid, json!({"MsgType": "image"})).await;
    let xml = wxoa_types::xml::parse(result.xml.as_bytes()).unwrap();
    let id = xml.child_text("MediaId").unwrap();
    assert!(xml.child_text("PicUrl").unwrap().starts_with("http://"));
    let response = media_get(&env, id).await;
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let given = env
        .push(
            &openid,
            json!({"MsgType": "voice", "MediaId": "VOICE1", "Format": "amr"}),
        )
        .await;
    assert_eq!(given.outcome, PushOutcome::NoWebhook);
    let response = media_get(&env, "VOICE1").await;
    assert_eq!(response.headers()["content-type"], "audio/amr");
}

#[tokio::test]
async fn a_video_a_follower_sends_carries_a_thumbnail_that_can_be_fetched() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    for msg_type in ["video", "shortvideo"] {
        let result = env.push(&openid, json!({"MsgType": msg_type})).await;
        let xml = wxoa_types::xml::parse(result.xml.as_bytes()).unwrap();
        let video = xml.child_text("MediaId").unwrap();
        let thumb = xml.child_text("ThumbMediaId").unwrap();
        assert_ne!(video, thumb);
        let video: serde_json::Value = media_get(&env, video).await.json().await.unwrap();
        assert!(video["video_url"].is_string(), "{video}");
        let response = media_get(&env, thumb).await;
        assert_eq!(response.headers()["content-type"], "image/jpeg");
    }
    // A thumbnail given is kept.
    let given = env
        .push(
            &openid,
            json!({"MsgType": "video", "MediaId": "V1", "ThumbMediaId": "T1"}),
        )
        .await;
    assert!(
        given
            .xml
            .contains("<ThumbMediaId><![CDATA[T1]]></ThumbMediaId>")
    );
}
