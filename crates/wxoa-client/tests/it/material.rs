//! `client.materials()` (api-reference §10) against the stub platform.

use futures::TryStreamExt;
use serde_json::json;
use wxoa_client::api::material::{Material, MaterialType, NewsArticle};
use wxoa_client::api::media::{MediaKind, MediaLimits};
use wxoa_client::{Error, InvalidRequest, Rule, Upload};
use wxoa_sandbox::control::Scripted;

use crate::contract_env::{
    contract, error, fixture, platform_error, refused_locally, request_fixture,
};

const ADD: &str = "/cgi-bin/material/add_material";
const ADD_NEWS: &str = "/cgi-bin/material/add_news";
const UPDATE_NEWS: &str = "/cgi-bin/material/update_news";
const GET: &str = "/cgi-bin/material/get_material";
const DELETE: &str = "/cgi-bin/material/del_material";
const COUNT: &str = "/cgi-bin/material/get_materialcount";
const LIST: &str = "/cgi-bin/material/batchget_material";

fn article() -> NewsArticle {
    NewsArticle::new("TITLE", "THUMB_MEDIA_ID", "CONTENT")
        .author("AUTHOR")
        .digest("DIGEST")
        .show_cover_pic(true)
        .content_source_url("http://example.com/source")
        .comments(false, false)
}

#[tokio::test]
async fn an_image_answers_its_id_and_url() {
    let env = contract().await;
    env.answer_fixture(ADD, "material", "add_material").await;
    let added = env
        .client
        .materials()
        .add(MediaKind::Image, Upload::bytes("banner.bmp", &b"BM"[..]))
        .await
        .unwrap();
    assert_eq!(added.media_id.as_str(), "MEDIA_ID");
    assert_eq!(
        added.url.as_deref(),
        Some("http://mmbiz.qpic.cn/mmbiz_jpg/xyz/0?wx_fmt=jpeg")
    );
    let request = env.last(ADD);
    assert_eq!(request.query["type"], "image");
    assert_eq!(request.form.len(), 1);
    let media = request.field("media").unwrap();
    assert_eq!(media.file_name.as_deref(), Some("banner.bmp"));
    assert_eq!(media.content_type.as_deref(), Some("image/bmp"));
}

#[tokio::test]
async fn a_voice_answers_its_id_only() {
    let env = contract().await;
    env.answer_fixture(ADD, "material", "add_material_voice")
        .await;
    let added = env
        .client
        .materials()
        .add(MediaKind::Voice, Upload::bytes("a.wma", &b"wma"[..]))
        .await
        .unwrap();
    assert_eq!(added.url, None);
    assert_eq!(env.last(ADD).query["type"], "voice");
}

#[tokio::test]
async fn a_video_goes_with_its_description_field() {
    let env = contract().await;
    env.answer_fixture(ADD, "material", "add_material_voice")
        .await;
    env.client
        .materials()
        .add_video(
            Upload::bytes("clip.mp4", &b"mp4"[..]),
            "TITLE",
            "INTRODUCTION",
        )
        .await
        .unwrap();
    let request = env.last(ADD);
    assert_eq!(request.query["type"], "video");
    let media = request.field("media").unwrap();
    assert_eq!(media.content_type.as_deref(), Some("video/mp4"));
    let description = request.field("description").unwrap();
    assert_eq!(description.file_name, None);
    let description: serde_json::Value = serde_json::from_slice(&description.data).unwrap();
    assert_eq!(
        description,
        fixture("material", "add_material_video.description.json")
    );
}

refused_locally!(
    a_video_without_its_description_is_refused,
    ADD,
    ("description", "use add_video"),
    |client| client
        .materials()
        .add(MediaKind::Video, Upload::bytes("clip.mp4", &b"mp4"[..]))
);

refused_locally!(
    a_video_needs_a_title,
    ADD,
    ("description.title", "must not be empty"),
    |client| client
        .materials()
        .add_video(Upload::bytes("clip.mp4", &b"mp4"[..]), "", "intro")
);

refused_locally!(
    a_permanent_voice_of_another_format_is_refused,
    ADD,
    (
        "media",
        "a permanent voice must be one of mp3, wma, wav, amr"
    ),
    |client| client
        .materials()
        .add(MediaKind::Voice, Upload::bytes("a.ogg", &b"ogg"[..]))
);

refused_locally!(
    a_permanent_image_over_10_mib_is_refused,
    ADD,
    ("media", "a permanent image is at most 10485760 bytes"),
    |client| client.materials().add(
        MediaKind::Image,
        Upload::bytes("a.png", vec![0; 10 * 1024 * 1024 + 1])
    )
);

#[tokio::test]
async fn a_larger_voice_limit_can_be_configured() {
    let env = contract().await;
    env.answer_fixture(ADD, "material", "add_material_voice")
        .await;
    let voice = Upload::bytes("a.mp3", vec![0; 3 * 1024 * 1024]);
    let material = env.client.materials();
    assert!(matches!(
        material.clone().add(MediaKind::Voice, voice.clone()).await,
        Err(Error::InvalidRequest(InvalidRequest::Field {
            rule: Rule::FileSize { .. },
            ..
        }))
    ));
    material
        .with_limits(MediaLimits::PERMANENT.with(MediaKind::Voice, 5 * 1024 * 1024))
        .add(MediaKind::Voice, voice)
        .await
        .unwrap();
    assert_eq!(env.calls(ADD).await, 1);
}

platform_error!(material_over_the_quota_is_45009, ADD, 45009, |client| {
    client
        .materials()
        .add(MediaKind::Image, Upload::bytes("a.png", &b"png"[..]))
});

platform_error!(
    a_material_of_a_bad_type_for_the_platform_is_40005,
    ADD,
    40005,
    |client| client
        .materials()
        .add(MediaKind::Thumb, Upload::bytes("a.jpg", &b"jpg"[..]))
);

#[tokio::test]
async fn add_news_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(ADD_NEWS, "material", "add_news").await;
    let media_id = env.client.materials().add_news([article()]).await.unwrap();
    assert_eq!(media_id.as_str(), "MEDIA_ID");
    assert_eq!(
        env.last_json(ADD_NEWS),
        request_fixture("material", "add_news", &[])
    );
}

refused_locally!(
    add_news_refuses_9_articles,
    ADD_NEWS,
    ("articles", "1..=8 articles, got 9"),
    |client| client.materials().add_news(vec![article(); 9])
);

refused_locally!(
    add_news_refuses_a_content_of_1_mb,
    ADD_NEWS,
    (
        "articles[0].content",
        "under 20000 characters and 1048576 bytes"
    ),
    |client| client
        .materials()
        .add_news([NewsArticle::new("t", "T", "<p>".repeat(400_000))])
);

platform_error!(
    add_news_with_a_bad_cover_is_40007,
    ADD_NEWS,
    40007,
    |client| client.materials().add_news([article()])
);

#[tokio::test]
async fn update_news_sends_the_spec_body() {
    let env = contract().await;
    env.answer_ok(UPDATE_NEWS).await;
    let article = NewsArticle::new("NEW TITLE", "THUMB_MEDIA_ID", "NEW CONTENT")
        .author("AUTHOR")
        .digest("DIGEST")
        .show_cover_pic(true)
        .content_source_url("http://example.com/source");
    env.client
        .materials()
        .update_news("MEDIA_ID", 0, article)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(UPDATE_NEWS),
        request_fixture("material", "update_news", &[])
    );
}

refused_locally!(
    update_news_refuses_an_index_past_8_articles,
    UPDATE_NEWS,
    ("index", "0..=7"),
    |client| client.materials().update_news("M", 8, article())
);

platform_error!(
    update_news_of_an_unknown_material_is_40007,
    UPDATE_NEWS,
    40007,
    |client| client.materials().update_news("M", 0, article())
);

#[tokio::test]
async fn get_of_a_news_answers_its_articles() {
    let env = contract().await;
    env.answer_fixture(GET, "material", "get_material_news")
        .await;
    let material = env.client.materials().get("MEDIA_ID").await.unwrap();
    assert_eq!(
        env.last_json(GET),
        request_fixture("material", "get_material", &[])
    );
    let Material::News(articles) = material else {
        panic!("expected news, got {material:?}");
    };
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].title, "TITLE");
    assert_eq!(articles[0].show_cover_pic, Some(1));
    assert_eq!(articles[0].url, "http://mp.weixin.qq.com/s?...");
}

#[tokio::test]
async fn get_of_a_video_answers_its_url() {
    let env = contract().await;
    env.answer_fixture(GET, "material", "get_material_video")
        .await;
    let material = env.client.materials().get("MEDIA_ID").await.unwrap();
    let Material::Video(video) = material else {
        panic!("expected a video, got {material:?}");
    };
    assert_eq!(
        (video.title.as_str(), video.down_url.as_str()),
        ("TITLE", "http://example.com/video.mp4")
    );
}

#[tokio::test]
async fn get_of_an_image_is_a_file() {
    let env = contract().await;
    env.script(
        GET,
        &Scripted::bytes(200, &b"\x89PNG\r\n\x1a\nimage"[..]).header("content-type", "image/png"),
    )
    .await;
    let material = env.client.materials().get("MEDIA_ID").await.unwrap();
    let Material::File(file) = material else {
        panic!("expected a file, got {material:?}");
    };
    let dir = tempfile::tempdir().unwrap();
    let saved = file.save_in(dir.path(), "MEDIA_ID.png").await.unwrap();
    assert_eq!(saved, dir.path().join("MEDIA_ID.png"));
    assert_eq!(std::fs::read(saved).unwrap(), b"\x89PNG\r\n\x1a\nimage");
}

#[tokio::test]
async fn get_is_retried_as_a_read() {
    let env = contract().await;
    // Faults apply in the order given: the errcode first, then the fixture for every call.
    env.fail_next(GET, -1).await;
    env.answer_fixture(GET, "material", "get_material_video")
        .await;
    env.client.materials().get("MEDIA_ID").await.unwrap();
    assert_eq!(env.calls(GET).await, 2);
}

platform_error!(get_of_an_unknown_material_is_40007, GET, 40007, |client| {
    client.materials().get("NOPE")
});

#[tokio::test]
async fn delete_sends_the_spec_body() {
    let env = contract().await;
    env.answer_ok(DELETE).await;
    env.client.materials().delete("MEDIA_ID").await.unwrap();
    assert_eq!(
        env.last_json(DELETE),
        request_fixture("material", "del_material", &[])
    );
}

platform_error!(
    delete_of_a_material_in_use_is_48005,
    DELETE,
    48005,
    |client| client.materials().delete("IN_USE")
);

refused_locally!(
    delete_needs_a_media_id,
    DELETE,
    ("media_id", "must not be empty"),
    |client| client.materials().delete("")
);

#[tokio::test]
async fn count_reads_every_kind() {
    let env = contract().await;
    env.answer_fixture(COUNT, "material", "get_materialcount")
        .await;
    let count = env.client.materials().count().await.unwrap();
    assert_eq!(
        (
            count.voice_count,
            count.video_count,
            count.image_count,
            count.news_count
        ),
        (1, 2, 3, 4)
    );
    assert_eq!(env.last(COUNT).method, "GET");
}

#[tokio::test]
async fn a_list_page_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(LIST, "material", "batchget_material")
        .await;
    let page = env
        .client
        .materials()
        .list_page(MaterialType::Image, 0, 20)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(LIST),
        request_fixture("material", "batchget_material", &[])
    );
    assert_eq!((page.total_count, page.item_count), (1, 1));
    assert_eq!(page.item[0].name.as_deref(), Some("NAME"));
    assert_eq!(page.item[0].update_time, Some(1_700_000_000));
}

#[tokio::test]
async fn a_news_page_carries_the_articles() {
    let env = contract().await;
    env.answer_fixture(LIST, "material", "batchget_material_news")
        .await;
    let page = env
        .client
        .materials()
        .list_page(MaterialType::News, 0, 1)
        .await
        .unwrap();
    let content = page.item[0].content.as_ref().unwrap();
    assert_eq!(content.news_item[0].thumb_media_id, "THUMB_MEDIA_ID");
    assert_eq!(env.last_json(LIST)["type"], json!("news"));
}

refused_locally!(
    a_page_of_21_is_refused,
    LIST,
    ("count", "1..=20, got 21"),
    |client| client.materials().list_page(MaterialType::Image, 0, 21)
);

refused_locally!(
    a_page_of_0_is_refused,
    LIST,
    ("count", "1..=20, got 0"),
    |client| client.materials().list_page(MaterialType::Voice, 0, 0)
);

platform_error!(a_page_of_a_bad_type_is_40004, LIST, 40004, |client| client
    .materials()
    .list_page(MaterialType::Video, 0, 20));

#[tokio::test]
async fn every_material_is_listed_20_at_a_time_until_the_total() {
    let env = contract().await;
    // The stub answers every call with a full page of 20 out of 45.
    let mut page = fixture("material", "batchget_material.response.json");
    page["total_count"] = json!(45);
    page["item_count"] = json!(20);
    page["item"] = json!(vec![page["item"][0].clone(); 20]);
    env.answer(LIST, page).await;
    let items: Vec<_> = env
        .client
        .materials()
        .list(MaterialType::Image)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 60);
    let bodies: Vec<_> = env
        .platform
        .requests(LIST)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    let offsets: Vec<_> = bodies
        .iter()
        .map(|b| b["offset"].as_u64().unwrap())
        .collect();
    assert_eq!(offsets, [0, 20, 40]);
    assert!(
        bodies
            .iter()
            .all(|b| b["count"] == json!(20) && b["type"] == json!("image"))
    );
}

#[tokio::test]
async fn listing_stops_at_an_empty_page() {
    let env = contract().await;
    env.answer(
        LIST,
        json!({"total_count": 100, "item_count": 0, "item": []}),
    )
    .await;
    let items: Vec<_> = env
        .client
        .materials()
        .list(MaterialType::Voice)
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(env.calls(LIST).await, 1);
}

#[tokio::test]
async fn a_listing_error_ends_the_stream_with_it() {
    let env = contract().await;
    env.fail_next(LIST, 40004).await;
    let result: Result<Vec<_>, _> = env
        .client
        .materials()
        .list(MaterialType::Video)
        .try_collect()
        .await;
    assert!(matches!(error(result), Error::Api { .. }));
}
