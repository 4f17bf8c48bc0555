//! `client.materials()` against the sandbox (api-reference §10): add, get (bytes round-trip,
//! video, news), update, delete, count and batchget, and the platform's errors the sandbox
//! produces (the stub contracts are in `material.rs`).

use futures::TryStreamExt;
use wxoa_client::Upload;
use wxoa_client::api::material::{Material, MaterialType, NewsArticle};
use wxoa_client::api::media::MediaKind;

use crate::sandbox_env::{Env, env, errcode};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0permanent-bytes\xff\xd9";

async fn thumb(env: &Env) -> String {
    let added = env
        .client
        .materials()
        .add(MediaKind::Thumb, Upload::bytes("t.jpg", JPEG))
        .await
        .unwrap();
    added.media_id.as_str().to_owned()
}

#[tokio::test]
async fn an_image_added_is_got_back_as_the_same_bytes() {
    let env = env(1).await;
    let added = env
        .client
        .materials()
        .add(MediaKind::Image, Upload::bytes("banner.jpg", JPEG))
        .await
        .unwrap();
    assert!(added.url.is_some(), "an image answers its URL");
    let Material::File(file) = env
        .client
        .materials()
        .get(added.media_id.as_str())
        .await
        .unwrap()
    else {
        panic!("an image is a file");
    };
    assert_eq!(file.bytes().await.unwrap().as_ref(), JPEG);
}

#[tokio::test]
async fn a_video_is_got_back_with_its_description_and_url() {
    let env = env(1).await;
    let added = env
        .client
        .materials()
        .add_video(Upload::bytes("clip.mp4", &b"mp4"[..]), "Intro", "about us")
        .await
        .unwrap();
    let Material::Video(video) = env
        .client
        .materials()
        .get(added.media_id.as_str())
        .await
        .unwrap()
    else {
        panic!("a video answers its description");
    };
    assert_eq!(
        (video.title.as_str(), video.description.as_str()),
        ("Intro", "about us")
    );
    assert!(video.down_url.contains(added.media_id.as_str()));
}

#[tokio::test]
async fn news_is_added_updated_and_got_back() {
    let env = env(1).await;
    let thumb = thumb(&env).await;
    let material = env.client.materials();
    let id = material
        .add_news([
            NewsArticle::new("One", thumb.as_str(), "<p>1</p>"),
            NewsArticle::new("Two", thumb.as_str(), "<p>2</p>"),
        ])
        .await
        .unwrap();
    material
        .update_news(
            id.as_str(),
            1,
            NewsArticle::new("Deux", thumb.as_str(), "<p>2'</p>"),
        )
        .await
        .unwrap();
    let Material::News(items) = material.get(id.as_str()).await.unwrap() else {
        panic!("news answers its articles");
    };
    let titles: Vec<_> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["One", "Deux"]);
    assert_eq!(items[0].thumb_media_id, thumb);
}

#[tokio::test]
async fn news_with_an_unknown_thumbnail_is_40007() {
    let env = env(1).await;
    let result = env
        .client
        .materials()
        .add_news([NewsArticle::new("T", "nope", "<p>c</p>")])
        .await;
    assert_eq!(errcode(result), 40007);
}

#[tokio::test]
async fn deleted_material_is_40007() {
    let env = env(1).await;
    let id = thumb(&env).await;
    env.client.materials().delete(id.as_str()).await.unwrap();
    assert_eq!(
        errcode(env.client.materials().get(id.as_str()).await),
        40007
    );
    assert_eq!(
        errcode(env.client.materials().delete(id.as_str()).await),
        40007
    );
}

#[tokio::test]
async fn count_counts_each_kind() {
    let env = env(1).await;
    let material = env.client.materials();
    let thumb = thumb(&env).await;
    for name in ["a.jpg", "b.png"] {
        material
            .add(MediaKind::Image, Upload::bytes(name, JPEG))
            .await
            .unwrap();
    }
    material
        .add(MediaKind::Voice, Upload::bytes("v.mp3", &b"ID3"[..]))
        .await
        .unwrap();
    material
        .add_news([NewsArticle::new("T", thumb.as_str(), "<p>c</p>")])
        .await
        .unwrap();
    let count = material.count().await.unwrap();
    assert_eq!(
        (
            count.image_count,
            count.voice_count,
            count.video_count,
            count.news_count
        ),
        (2, 1, 0, 1)
    );
}

#[tokio::test]
async fn batchget_pages_and_the_stream_walks_every_item() {
    let env = env(1).await;
    let material = env.client.materials();
    let mut added = Vec::new();
    for i in 0..23 {
        let image = material
            .add(MediaKind::Image, Upload::bytes(format!("{i}.jpg"), JPEG))
            .await
            .unwrap();
        added.push(image.media_id.as_str().to_owned());
    }
    let page = material
        .list_page(MaterialType::Image, 20, 20)
        .await
        .unwrap();
    assert_eq!((page.total_count, page.item_count), (23, 3));
    assert_eq!(page.item.len(), 3);
    let all: Vec<_> = material
        .list(MaterialType::Image)
        .try_collect()
        .await
        .unwrap();
    let mut listed: Vec<_> = all.iter().map(|i| i.media_id.as_str().to_owned()).collect();
    listed.sort();
    added.sort();
    assert_eq!(listed, added);
}

#[tokio::test]
async fn batchget_lists_news_with_its_content() {
    let env = env(1).await;
    let thumb = thumb(&env).await;
    let material = env.client.materials();
    let id = material
        .add_news([NewsArticle::new("T", thumb.as_str(), "<p>c</p>")])
        .await
        .unwrap();
    let page = material.list_page(MaterialType::News, 0, 20).await.unwrap();
    assert_eq!(page.item.len(), 1);
    assert_eq!(page.item[0].media_id, id);
    let content = page.item[0].content.as_ref().unwrap();
    assert_eq!(content.news_item[0].title, "T");
}
