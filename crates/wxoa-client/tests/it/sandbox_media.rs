//! `client.media()` against the sandbox (api-reference §9): uploads and downloads round-trip
//! their bytes, and the platform's errors the sandbox produces (the stub contracts are in
//! `media.rs`).

use wxoa_client::Upload;
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::media::{MediaContent, MediaKind};

use crate::sandbox_env::{env, errcode};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0sandbox-image-bytes\x00\x01\x02\xff\xd9";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nsandbox";

#[tokio::test]
async fn an_uploaded_image_downloads_as_the_same_bytes() {
    let env = env(1).await;
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::bytes("photo.jpg", JPEG))
        .await
        .unwrap();
    assert_eq!(uploaded.kind, "image");
    assert!(uploaded.created_at.is_some());
    let MediaContent::File(file) = env
        .client
        .media()
        .download(uploaded.media_id.as_str())
        .await
        .unwrap()
    else {
        panic!("an image is a file");
    };
    assert_eq!(file.bytes().await.unwrap().as_ref(), JPEG);
}

#[tokio::test]
async fn a_voice_from_a_stream_downloads_as_the_same_bytes() {
    let env = env(1).await;
    let chunks = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"#!AMR\n")),
        Ok(bytes::Bytes::from_static(b"voice!")),
    ]);
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Voice, Upload::stream("hello.amr", 12, chunks))
        .await
        .unwrap();
    let MediaContent::File(file) = env
        .client
        .media()
        .download(uploaded.media_id.as_str())
        .await
        .unwrap()
    else {
        panic!("a voice is a file");
    };
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"#!AMR\nvoice!");
}

#[tokio::test]
async fn a_thumbnail_answers_its_thumb_media_id_and_downloads() {
    let env = env(1).await;
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Thumb, Upload::bytes("t.jpg", JPEG))
        .await
        .unwrap();
    assert_eq!(uploaded.kind, "thumb");
    let content = env
        .client
        .media()
        .download(uploaded.media_id.as_str())
        .await
        .unwrap();
    let MediaContent::File(file) = content else {
        panic!("a thumbnail is a file");
    };
    assert_eq!(file.bytes().await.unwrap().as_ref(), JPEG);
}

#[tokio::test]
async fn a_video_downloads_as_its_url_serving_the_bytes() {
    let env = env(1).await;
    let video = b"\x00\x00\x00\x18ftypmp42sandbox-video";
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Video, Upload::bytes("clip.mp4", &video[..]))
        .await
        .unwrap();
    let content = env
        .client
        .media()
        .download(uploaded.media_id.as_str())
        .await
        .unwrap();
    let MediaContent::Video { video_url, .. } = content else {
        panic!("a video answers its URL");
    };
    let served = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(&video_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), &video[..]);
}

#[tokio::test]
async fn media_is_gone_after_three_days_40007() {
    let env = env(1).await;
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::bytes("a.png", PNG))
        .await
        .unwrap();
    env.advance(3 * 24 * 3600 + 1).await;
    let result = env
        .client
        .media()
        .download(uploaded.media_id.as_str())
        .await;
    assert_eq!(errcode(result), 40007);
}

#[tokio::test]
async fn an_unknown_media_id_is_40007() {
    let env = env(1).await;
    assert_eq!(errcode(env.client.media().download("nope").await), 40007);
}

#[tokio::test]
async fn uploadimg_answers_an_image_url() {
    let env = env(1).await;
    let url = env
        .client
        .media()
        .upload_image(Upload::bytes("inline.png", PNG))
        .await
        .unwrap();
    assert!(url.starts_with("http://mmbiz.qpic.cn/"), "{url}");
    assert_eq!(env.calls("/cgi-bin/media/uploadimg").await.len(), 1);
}

#[tokio::test]
async fn uploadnews_answers_a_news_media_id() {
    let env = env(1).await;
    let thumb = env
        .client
        .media()
        .upload(MediaKind::Thumb, Upload::bytes("t.jpg", JPEG))
        .await
        .unwrap();
    let news = env
        .client
        .media()
        .upload_news([NewsArticle::new("T", thumb.media_id.as_str(), "<p>c</p>")])
        .await
        .unwrap();
    assert_eq!(news.kind, "news");
    assert!(!news.media_id.as_str().is_empty());
}

#[tokio::test]
async fn uploadnews_with_an_unknown_thumbnail_is_40007() {
    let env = env(1).await;
    let result = env
        .client
        .media()
        .upload_news([NewsArticle::new("T", "no-such-thumb", "<p>c</p>")])
        .await;
    assert_eq!(errcode(result), 40007);
}

#[tokio::test]
async fn uploadvideo_turns_a_temporary_video_into_an_mpvideo() {
    let env = env(1).await;
    let uploaded = env
        .client
        .media()
        .upload(
            MediaKind::Video,
            Upload::bytes("clip.mp4", &b"mp4-bytes"[..]),
        )
        .await
        .unwrap();
    let video = env
        .client
        .media()
        .upload_video(uploaded.media_id.as_str(), "title", "about")
        .await
        .unwrap();
    assert!(!video.media_id.as_str().is_empty());
    let unknown = env.client.media().upload_video("nope", "t", "d").await;
    assert_eq!(errcode(unknown), 40007);
}
