//! `client.media()` (api-reference §9, and `uploadnews` / `uploadvideo` of §8) against the
//! stub platform: multipart uploads from a path, bytes and a stream, the local checks of type
//! and size, downloads as files or video URLs, and what is (not) sent again.

use bytes::Bytes;
use serde_json::json;
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::media::{MediaContent, MediaKind, MediaLimits};
use wxoa_client::{Error, FileAction, Upload};
use wxoa_sandbox::control::Scripted;

use crate::contract_env::{
    contract, error, fixture, platform_error, refused_locally, request_fixture,
};

const UPLOAD: &str = "/cgi-bin/media/upload";
const GET: &str = "/cgi-bin/media/get";
const GET_JSSDK: &str = "/cgi-bin/media/get/jssdk";
const UPLOADIMG: &str = "/cgi-bin/media/uploadimg";
const UPLOADNEWS: &str = "/cgi-bin/media/uploadnews";
const UPLOADVIDEO: &str = "/cgi-bin/media/uploadvideo";

const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a photo";

fn chunks(
    parts: &[&'static [u8]],
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let items: Vec<std::io::Result<Bytes>> =
        parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
    futures::stream::iter(items)
}

#[tokio::test]
async fn an_image_from_a_path_goes_as_the_media_field() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    std::fs::write(&path, JPEG).unwrap();
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::path(&path))
        .await
        .unwrap();
    assert_eq!(uploaded.kind, "image");
    assert_eq!(uploaded.media_id.as_str(), "MEDIA_ID_OF_64_CHARACTERS");
    assert_eq!(uploaded.created_at, Some(1_700_000_000));
    let request = env.last(UPLOAD);
    assert_eq!(request.method, "POST");
    assert_eq!(request.query["type"], "image");
    assert!(
        request
            .content_type
            .as_deref()
            .unwrap()
            .starts_with("multipart/form-data")
    );
    assert_eq!(request.form.len(), 1);
    let media = request.field("media").unwrap();
    assert_eq!(media.file_name.as_deref(), Some("photo.jpg"));
    assert_eq!(media.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(media.data.as_ref(), JPEG);
}

#[tokio::test]
async fn a_thumb_from_bytes_answers_its_thumb_media_id() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload_thumb").await;
    let uploaded = env
        .client
        .media()
        .upload(MediaKind::Thumb, Upload::bytes("cover.jpg", JPEG))
        .await
        .unwrap();
    assert_eq!(uploaded.kind, "thumb");
    assert_eq!(
        uploaded.media_id.as_str(),
        "THUMB_MEDIA_ID_OF_64_CHARACTERS"
    );
    assert_eq!(env.last(UPLOAD).query["type"], "thumb");
}

#[tokio::test]
async fn a_voice_from_a_stream_of_the_declared_length() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    let stream = Upload::stream("hello.amr", 12, chunks(&[b"#!AMR\n", b"voice!"]));
    env.client
        .media()
        .upload(MediaKind::Voice, stream)
        .await
        .unwrap();
    let request = env.last(UPLOAD);
    let media = request.field("media").unwrap();
    assert_eq!(media.data.as_ref(), b"#!AMR\nvoice!");
    assert_eq!(media.content_type.as_deref(), Some("audio/amr"));
}

#[tokio::test]
async fn a_stream_longer_than_declared_never_completes_an_upload() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    let stream = Upload::stream("hello.amr", 6, chunks(&[b"#!AMR\n", b"more"]));
    let result = env.client.media().upload(MediaKind::Voice, stream).await;
    assert!(result.is_err(), "{result:?}");
    assert!(
        env.platform
            .requests(UPLOAD)
            .iter()
            .all(|r| r.form.is_empty())
    );
}

#[tokio::test]
async fn a_stream_shorter_than_declared_never_completes_an_upload() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    let stream = Upload::stream("hello.amr", 100, chunks(&[b"#!AMR\n"]));
    let result = env.client.media().upload(MediaKind::Voice, stream).await;
    assert!(result.is_err(), "{result:?}");
    assert!(
        env.platform
            .requests(UPLOAD)
            .iter()
            .all(|r| r.form.is_empty())
    );
}

#[tokio::test]
async fn a_stream_not_yet_read_goes_to_the_failover_host() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .json(UPLOAD, fixture("media", "upload.response.json"), u32::MAX)
        .await
        .unwrap();
    let client = crate::builder(&stub)
        .api_bases([wxoa_testkit::unreachable_base(), stub.base_url().to_owned()])
        .build()
        .unwrap();
    let upload = Upload::stream("hello.amr", 6, chunks(&[b"#!AMR\n"]));
    client
        .media()
        .upload(MediaKind::Voice, upload)
        .await
        .unwrap();
    let request = stub.requests(UPLOAD).pop().unwrap();
    assert_eq!(request.field("media").unwrap().data.as_ref(), b"#!AMR\n");
}

#[tokio::test]
async fn a_path_is_sent_again_after_a_token_error() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    env.client.access_token().await.unwrap();
    env.platform.control().revoke_tokens().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\n").unwrap();
    env.client
        .media()
        .upload(MediaKind::Image, Upload::path(&path))
        .await
        .unwrap();
    let requests = env.platform.requests(UPLOAD);
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].field("media").unwrap().data.as_ref(),
        b"\x89PNG\r\n\x1a\n"
    );
}

#[tokio::test]
async fn a_stream_already_read_is_not_sent_again_after_a_token_error() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    env.client.access_token().await.unwrap();
    env.platform.control().revoke_tokens().await.unwrap();
    let upload = Upload::stream("hello.amr", 6, chunks(&[b"#!AMR\n"]));
    let result = env.client.media().upload(MediaKind::Voice, upload).await;
    assert_eq!(crate::contract_env::errcode(result), 40001);
    assert_eq!(env.calls(UPLOAD).await, 1);
}

#[tokio::test]
async fn an_upload_is_never_repeated_after_a_lost_answer() {
    let env = contract().await;
    env.platform
        .control()
        .faults()
        .drop(UPLOAD, 1)
        .await
        .unwrap();
    let error = error(
        env.client
            .media()
            .upload(MediaKind::Image, Upload::bytes("a.png", &b"png"[..]))
            .await,
    );
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(UPLOAD).await, 1);
}

#[tokio::test]
async fn the_size_limits_themselves_are_accepted() {
    let env = contract().await;
    env.answer_fixture(UPLOAD, "media", "upload").await;
    let thumb = Upload::bytes("t.jpg", vec![0xff; 64 * 1024]);
    env.client
        .media()
        .upload(MediaKind::Thumb, thumb)
        .await
        .unwrap();
    assert_eq!(
        env.last(UPLOAD).field("media").unwrap().data.len(),
        64 * 1024
    );
}

refused_locally!(
    an_image_of_another_format_is_refused,
    UPLOAD,
    (
        "media",
        "a temporary image must be one of png, jpeg, jpg, gif"
    ),
    |client| client
        .media()
        .upload(MediaKind::Image, Upload::bytes("scan.tiff", &b"II*"[..]))
);

refused_locally!(
    a_voice_of_another_format_is_refused,
    UPLOAD,
    ("media", "a temporary voice must be one of amr, mp3"),
    |client| client
        .media()
        .upload(MediaKind::Voice, Upload::bytes("v.wav", &b"RIFF"[..]))
);

refused_locally!(
    a_video_of_another_format_is_refused,
    UPLOAD,
    ("media", "a temporary video must be one of mp4"),
    |client| client
        .media()
        .upload(MediaKind::Video, Upload::bytes("v.mov", &b"moov"[..]))
);

refused_locally!(
    a_thumb_of_another_format_is_refused,
    UPLOAD,
    ("media", "a temporary thumb must be one of jpg, jpeg"),
    |client| client
        .media()
        .upload(MediaKind::Thumb, Upload::bytes("t.png", &b"png"[..]))
);

refused_locally!(
    a_file_without_a_name_is_refused,
    UPLOAD,
    ("media (file name)", "must not be empty"),
    |client| client
        .media()
        .upload(MediaKind::Image, Upload::bytes("", &b"png"[..]))
);

refused_locally!(
    an_empty_file_is_refused,
    UPLOAD,
    ("media", "is empty"),
    |client| client
        .media()
        .upload(MediaKind::Image, Upload::bytes("a.png", Vec::new()))
);

refused_locally!(
    an_image_over_10_mib_is_refused,
    UPLOAD,
    ("media", "a temporary image is at most 10485760 bytes"),
    |client| client.media().upload(
        MediaKind::Image,
        Upload::stream("big.jpg", 10 * 1024 * 1024 + 1, chunks(&[]))
    )
);

refused_locally!(
    a_voice_over_2_mib_is_refused,
    UPLOAD,
    ("media", "a temporary voice is at most 2097152 bytes"),
    |client| client.media().upload(
        MediaKind::Voice,
        Upload::stream("big.mp3", 2 * 1024 * 1024 + 1, chunks(&[]))
    )
);

refused_locally!(
    a_video_over_10_mib_is_refused,
    UPLOAD,
    ("media", "a temporary video is at most 10485760 bytes"),
    |client| client.media().upload(
        MediaKind::Video,
        Upload::stream("big.mp4", 10 * 1024 * 1024 + 1, chunks(&[]))
    )
);

refused_locally!(
    a_thumb_over_64_kib_is_refused,
    UPLOAD,
    ("media", "a temporary thumb is at most 65536 bytes"),
    |client| client.media().upload(
        MediaKind::Thumb,
        Upload::bytes("t.jpg", vec![0; 64 * 1024 + 1])
    )
);

refused_locally!(
    older_limits_can_be_chosen,
    UPLOAD,
    ("media", "a temporary image is at most 1048576 bytes"),
    |client| client
        .media()
        .with_limits(MediaLimits::TEMPORARY_LEGACY)
        .upload(
            MediaKind::Image,
            Upload::bytes("a.jpg", vec![0; 1024 * 1024 + 1])
        )
);

#[tokio::test]
async fn a_missing_file_is_an_io_error_before_sending() {
    let env = contract().await;
    let dir = tempfile::tempdir().unwrap();
    let result = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::path(dir.path().join("gone.jpg")))
        .await;
    assert!(
        matches!(
            error(result),
            Error::Io {
                action: FileAction::Read,
                ..
            }
        ),
        "a missing file is an I/O error"
    );
    assert_eq!(env.calls(UPLOAD).await, 0);
}

macro_rules! upload_error {
    ($name:ident, $code:expr) => {
        platform_error!($name, UPLOAD, $code, |client| client
            .media()
            .upload(MediaKind::Image, Upload::bytes("a.jpg", JPEG)));
    };
}

upload_error!(an_invalid_media_type_is_40004, 40004);
upload_error!(an_invalid_file_type_is_40005, 40005);
upload_error!(an_invalid_file_size_is_40006, 40006);
upload_error!(an_invalid_image_size_is_40009, 40009);
upload_error!(an_invalid_voice_size_is_40010, 40010);
upload_error!(an_invalid_video_size_is_40011, 40011);
upload_error!(an_invalid_thumb_size_is_40012, 40012);
upload_error!(a_media_over_the_limit_is_45001, 45001);
upload_error!(a_missing_file_for_the_platform_is_41005, 41005);
upload_error!(an_empty_file_for_the_platform_is_44001, 44001);

fn image_answer() -> Scripted {
    Scripted::bytes(200, JPEG)
        .header("content-type", "image/jpeg")
        .header(
            "content-disposition",
            "attachment; filename=\"MEDIA_ID.jpg\"",
        )
}

#[tokio::test]
async fn a_download_is_a_file_with_its_name() {
    let env = contract().await;
    env.script(GET, &image_answer()).await;
    let MediaContent::File(file) = env.client.media().download("MEDIA_ID").await.unwrap() else {
        panic!("expected a file");
    };
    assert_eq!(file.content_type(), Some("image/jpeg"));
    assert_eq!(file.file_name().as_deref(), Some("MEDIA_ID.jpg"));
    let mut written = Vec::new();
    assert_eq!(
        file.write_to(&mut written).await.unwrap(),
        JPEG.len() as u64
    );
    assert_eq!(written, JPEG);
    let request = env.last(GET);
    assert_eq!(
        (request.method.as_str(), request.query["media_id"].as_str()),
        ("GET", "MEDIA_ID")
    );
}

#[tokio::test]
async fn a_download_is_saved_in_a_directory_created_for_it() {
    let env = contract().await;
    env.script(GET, &image_answer()).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("media/today");
    let MediaContent::File(file) = env.client.media().download("MEDIA_ID").await.unwrap() else {
        panic!("expected a file");
    };
    let saved = file.save_in(&target, "fallback").await.unwrap();
    assert_eq!(saved, target.join("MEDIA_ID.jpg"));
    assert_eq!(std::fs::read(saved).unwrap(), JPEG);
}

#[tokio::test]
async fn a_video_download_is_its_url() {
    let env = contract().await;
    env.answer_fixture(GET, "media", "get_video").await;
    let content = env.client.media().download("VIDEO_ID").await.unwrap();
    let MediaContent::Video { video_url, .. } = content else {
        panic!("expected a video URL, got {content:?}");
    };
    assert_eq!(video_url, "http://example.com/video.mp4");
}

#[tokio::test]
async fn a_json_error_sent_as_text_is_typed() {
    let env = contract().await;
    env.script(
        GET,
        &Scripted::bytes(
            200,
            r#"{"errcode":40007,"errmsg":"invalid media_id rid: 1-2-3"}"#.as_bytes(),
        )
        .header("content-type", "text/plain"),
    )
    .await;
    let result = env.client.media().download("EXPIRED").await;
    assert_eq!(crate::contract_env::errcode(result), 40007);
}

platform_error!(
    a_download_of_an_invalid_media_id_is_40007,
    GET,
    40007,
    |client| client.media().download("EXPIRED")
);

platform_error!(
    a_download_of_a_media_that_no_longer_exists_is_46001,
    GET,
    46001,
    |client| client.media().download("GONE")
);

#[tokio::test]
async fn a_download_is_retried_as_a_read() {
    let env = contract().await;
    // Faults apply in the order given: the 502 first, then the image for every call.
    env.platform
        .control()
        .faults()
        .status(GET, 502, 1)
        .await
        .unwrap();
    env.script(GET, &image_answer()).await;
    let content = env.client.media().download("MEDIA_ID").await.unwrap();
    assert!(matches!(content, MediaContent::File(_)));
    assert_eq!(env.calls(GET).await, 2);
}

refused_locally!(
    a_download_needs_a_media_id,
    GET,
    ("media_id", "must not be empty"),
    |client| client.media().download("")
);

#[tokio::test]
async fn a_jssdk_voice_is_downloaded_from_its_own_path() {
    let env = contract().await;
    env.script(
        GET_JSSDK,
        &Scripted::bytes(200, &b"speex"[..]).header("content-type", "voice/speex"),
    )
    .await;
    let MediaContent::File(file) = env.client.media().download_jssdk_voice("V").await.unwrap()
    else {
        panic!("expected a file");
    };
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"speex");
}

#[tokio::test]
async fn uploadimg_answers_the_url() {
    let env = contract().await;
    env.answer_fixture(UPLOADIMG, "media", "uploadimg").await;
    let url = env
        .client
        .media()
        .upload_image(Upload::bytes("inline.png", &b"\x89PNG"[..]))
        .await
        .unwrap();
    assert!(url.starts_with("http://mmbiz.qpic.cn/"));
    let request = env.last(UPLOADIMG);
    let media = request.field("media").unwrap();
    assert_eq!(media.file_name.as_deref(), Some("inline.png"));
    assert_eq!(media.content_type.as_deref(), Some("image/png"));
    assert!(request.query.is_empty());
}

#[tokio::test]
async fn uploadimg_takes_1_mib() {
    let env = contract().await;
    env.answer_fixture(UPLOADIMG, "media", "uploadimg").await;
    env.client
        .media()
        .upload_image(Upload::bytes("a.jpg", vec![0; 1024 * 1024]))
        .await
        .unwrap();
    assert_eq!(env.calls(UPLOADIMG).await, 1);
}

refused_locally!(
    uploadimg_refuses_a_gif,
    UPLOADIMG,
    ("media", "an uploadimg image must be one of jpg, jpeg, png"),
    |client| client
        .media()
        .upload_image(Upload::bytes("a.gif", &b"GIF89a"[..]))
);

refused_locally!(
    uploadimg_refuses_more_than_1_mib,
    UPLOADIMG,
    ("media", "an uploadimg image is at most 1048576 bytes"),
    |client| client
        .media()
        .upload_image(Upload::bytes("a.png", vec![0; 1024 * 1024 + 1]))
);

platform_error!(
    uploadimg_of_a_bad_file_for_the_platform_is_40005,
    UPLOADIMG,
    40005,
    |client| client
        .media()
        .upload_image(Upload::bytes("a.png", &b"x"[..]))
);

fn fixture_article() -> NewsArticle {
    NewsArticle::new("Happy Day", "THUMB_MEDIA_ID", "content")
        .author("xxx")
        .content_source_url("www.qq.com")
        .digest("digest")
        .show_cover_pic(true)
        .comments(true, true)
}

#[tokio::test]
async fn uploadnews_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(UPLOADNEWS, "mass", "uploadnews").await;
    let news = env
        .client
        .media()
        .upload_news([fixture_article()])
        .await
        .unwrap();
    assert_eq!(
        env.last_json(UPLOADNEWS),
        request_fixture("mass", "uploadnews", &[])
    );
    assert_eq!(news.kind, "news");
    assert!(
        news.media_id
            .as_str()
            .starts_with("CsEf3ldqkAYJAU6EJeIkStVDSvffUJ54")
    );
    assert_eq!(news.created_at, Some(1_391_857_799));
}

#[tokio::test]
async fn uploadnews_takes_8_articles() {
    let env = contract().await;
    env.answer_fixture(UPLOADNEWS, "mass", "uploadnews").await;
    env.client
        .media()
        .upload_news(vec![fixture_article(); 8])
        .await
        .unwrap();
    let body = env.last_json(UPLOADNEWS);
    assert_eq!(body["articles"].as_array().unwrap().len(), 8);
}

refused_locally!(
    uploadnews_refuses_9_articles,
    UPLOADNEWS,
    ("articles", "1..=8 articles, got 9"),
    |client| client.media().upload_news(vec![fixture_article(); 9])
);

refused_locally!(
    uploadnews_refuses_no_article,
    UPLOADNEWS,
    ("articles", "1..=8 articles, got 0"),
    |client| client.media().upload_news(Vec::new())
);

refused_locally!(
    uploadnews_needs_a_title,
    UPLOADNEWS,
    ("articles[0].title", "must not be empty"),
    |client| client.media().upload_news([NewsArticle::new("", "T", "c")])
);

refused_locally!(
    uploadnews_needs_a_cover,
    UPLOADNEWS,
    ("articles[1].thumb_media_id", "must not be empty"),
    |client| client
        .media()
        .upload_news([fixture_article(), NewsArticle::new("t", "", "c")])
);

refused_locally!(
    uploadnews_refuses_a_content_of_20000_characters,
    UPLOADNEWS,
    ("articles[0].content", "under 20000 characters"),
    |client| client
        .media()
        .upload_news([NewsArticle::new("t", "T", "字".repeat(20_000))])
);

platform_error!(
    uploadnews_with_a_bad_cover_is_40007,
    UPLOADNEWS,
    40007,
    |client| client.media().upload_news([fixture_article()])
);

#[tokio::test]
async fn uploadvideo_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(UPLOADVIDEO, "mass", "uploadvideo").await;
    let video = env
        .client
        .media()
        .upload_video("MEDIA_ID", "TITLE", "Description")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(UPLOADVIDEO),
        request_fixture("mass", "uploadvideo", &[])
    );
    assert_eq!(video.kind, "video");
    assert_eq!(
        video.media_id.as_str(),
        "IhdaAQXuvJtGzwwc0abfXnzeezfO0NgPK6AQYShD8RQYMTtfzbLdBIQkQziv2XJc"
    );
}

refused_locally!(
    uploadvideo_needs_a_media_id,
    UPLOADVIDEO,
    ("media_id", "must not be empty"),
    |client| client.media().upload_video("", "t", "d")
);

platform_error!(
    uploadvideo_of_an_invalid_media_id_is_40007,
    UPLOADVIDEO,
    40007,
    |client| client.media().upload_video("EXPIRED", "t", "d")
);

#[tokio::test]
async fn an_answer_without_a_media_id_is_unexpected() {
    let env = contract().await;
    env.answer(UPLOAD, json!({"type": "image", "created_at": 1}))
        .await;
    let result = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::bytes("a.jpg", JPEG))
        .await;
    assert!(matches!(error(result), Error::UnexpectedContent { .. }));
}

#[tokio::test]
async fn articles_read_from_the_platform_shape_are_sent_as_they_are() {
    let env = contract().await;
    env.answer_fixture(UPLOADNEWS, "mass", "uploadnews").await;
    let body = request_fixture("mass", "uploadnews", &[]);
    let article = NewsArticle::from_json(&body["articles"][0], "articles[0]").unwrap();
    env.client.media().upload_news([article]).await.unwrap();
    assert_eq!(env.last_json(UPLOADNEWS), body);
}

#[tokio::test]
async fn files_get_the_transfer_timeout_instead_of_the_request_timeout() {
    use std::time::Duration;
    let stub = crate::platform().await;
    // Both answers come 400 ms late: past the request timeout, within the transfer timeout.
    let late = |area, name| Scripted::json(fixture(area, name)).after(Duration::from_millis(400));
    let faults = stub.control().faults();
    let upload = late("media", "upload.response.json");
    faults.answer(UPLOAD, &upload, 1).await.unwrap();
    let video = late("mass", "uploadvideo.response.json");
    faults.answer(UPLOADVIDEO, &video, 1).await.unwrap();
    let client = crate::builder(&stub)
        .request_timeout(Duration::from_millis(150))
        .total_timeout(Duration::from_millis(200))
        .transfer_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    client
        .media()
        .upload(MediaKind::Image, Upload::bytes("a.jpg", JPEG))
        .await
        .unwrap();
    let slow_json = client.media().upload_video("M", "t", "d").await;
    assert!(error(slow_json).is_network());
}
