//! `client.drafts()` and `client.publications()` against the sandbox (endpoints not in the spec;
//! the sandbox plays them with the shapes of public SDKs): every endpoint's success path and
//! the errors the sandbox produces (the stub contracts are in `publish.rs`).

use wxoa_client::Upload;
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::media::MediaKind;
use wxoa_client::api::publish::PublishState;

use crate::sandbox_env::{Env, env, errcode};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0draft-thumb\xff\xd9";

async fn thumb(env: &Env) -> String {
    let added = env
        .client
        .materials()
        .add(MediaKind::Thumb, Upload::bytes("t.jpg", JPEG))
        .await
        .unwrap();
    added.media_id.as_str().to_owned()
}

async fn draft(env: &Env, titles: &[&str]) -> (String, String) {
    let thumb = thumb(env).await;
    let articles = titles
        .iter()
        .map(|t| NewsArticle::new(*t, thumb.as_str(), "<p>content</p>").author("A"));
    let id = env.client.drafts().add(articles).await.unwrap();
    (id.as_str().to_owned(), thumb)
}

async fn published(env: &Env, titles: &[&str]) -> String {
    let (id, _) = draft(env, titles).await;
    let submitted = env.client.publications().submit(id.as_str()).await.unwrap();
    let status = env
        .client
        .publications()
        .status(submitted.publish_id.as_str())
        .await
        .unwrap();
    status.article_id.unwrap()
}

#[tokio::test]
async fn a_draft_is_added_read_updated_counted_and_deleted() {
    let env = env(1).await;
    let (id, thumb) = draft(&env, &["One", "Two"]).await;
    let items = env.client.drafts().get(id.as_str()).await.unwrap();
    let titles: Vec<_> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["One", "Two"]);
    assert_eq!(items[0].author, "A");
    env.client
        .drafts()
        .update(
            id.as_str(),
            1,
            NewsArticle::new("Deux", thumb.as_str(), "<p>2</p>"),
        )
        .await
        .unwrap();
    let items = env.client.drafts().get(id.as_str()).await.unwrap();
    assert_eq!(items[1].title, "Deux");
    assert_eq!(env.client.drafts().count().await.unwrap(), 1);
    env.client.drafts().delete(id.as_str()).await.unwrap();
    assert_eq!(env.client.drafts().count().await.unwrap(), 0);
    assert_eq!(errcode(env.client.drafts().get(id.as_str()).await), 40007);
}

#[tokio::test]
async fn a_draft_with_an_unknown_thumbnail_is_40007() {
    let env = env(1).await;
    let result = env
        .client
        .drafts()
        .add([NewsArticle::new("T", "no-such-thumb", "<p>c</p>")])
        .await;
    assert_eq!(errcode(result), 40007);
}

#[tokio::test]
async fn updating_an_article_the_draft_lacks_is_47003() {
    let env = env(1).await;
    let (id, thumb) = draft(&env, &["One"]).await;
    let result = env
        .client
        .drafts()
        .update(
            id.as_str(),
            3,
            NewsArticle::new("x", thumb.as_str(), "<p>x</p>"),
        )
        .await;
    assert_eq!(errcode(result), 47003);
}

#[tokio::test]
async fn draft_pages_list_newest_first_with_or_without_content() {
    let env = env(1).await;
    let (first, _) = draft(&env, &["first"]).await;
    env.advance(5).await;
    let (second, _) = draft(&env, &["second"]).await;
    let page = env.client.drafts().list_page(0, 1).await.unwrap();
    assert_eq!((page.total_count, page.item_count), (2, 1));
    assert_eq!(page.item[0].media_id.as_ref().unwrap().as_str(), second);
    assert_eq!(page.item[0].content.news_item[0].content, "<p>content</p>");
    let page = env
        .client
        .drafts()
        .list_page(1, 20)
        .no_content(true)
        .await
        .unwrap();
    assert_eq!(page.item[0].media_id.as_ref().unwrap().as_str(), first);
    let item = &page.item[0].content.news_item[0];
    assert_eq!((item.title.as_str(), item.content.as_str()), ("first", ""));
    assert_eq!(
        env.last_body("/cgi-bin/draft/batchget").await["no_content"],
        1
    );
}

#[tokio::test]
async fn a_submitted_draft_is_published() {
    let env = env(1).await;
    let (id, _) = draft(&env, &["One", "Two"]).await;
    let submitted = env.client.publications().submit(id.as_str()).await.unwrap();
    assert!(submitted.msg_data_id.is_some());
    let status = env
        .client
        .publications()
        .status(submitted.publish_id.as_str())
        .await
        .unwrap();
    assert_eq!(status.publish_status, PublishState::Success);
    assert_eq!(status.publish_id, submitted.publish_id);
    let detail = status.article_detail.unwrap();
    assert_eq!(detail.count, 2);
    assert_eq!(detail.item[1].idx, 2);
    assert!(detail.item[1].article_url.starts_with("http"));
    assert!(status.fail_idx.is_empty());
}

#[tokio::test]
async fn submitting_an_unknown_draft_is_40007_and_an_unknown_publication_53502() {
    let env = env(1).await;
    assert_eq!(
        errcode(env.client.publications().submit("nope").await),
        40007
    );
    assert_eq!(errcode(env.client.publications().status("99").await), 53502);
}

#[tokio::test]
async fn a_published_article_is_read_then_deleted() {
    let env = env(1).await;
    let article_id = published(&env, &["One", "Two"]).await;
    let items = env
        .client
        .publications()
        .article(article_id.as_str())
        .await
        .unwrap();
    assert_eq!(items[1].title, "Two");
    env.client
        .publications()
        .delete(article_id.as_str())
        .index(2)
        .await
        .unwrap();
    let items = env
        .client
        .publications()
        .article(article_id.as_str())
        .await
        .unwrap();
    assert_eq!(items[1].extra["is_deleted"], true);
    env.client
        .publications()
        .delete(article_id.as_str())
        .await
        .unwrap();
    let gone = env.client.publications().article(article_id.as_str()).await;
    assert_eq!(errcode(gone), 53600);
    let again = env.client.publications().delete(article_id.as_str()).await;
    assert_eq!(errcode(again), 53600);
}

#[tokio::test]
async fn a_publication_whose_articles_are_all_deleted_is_user_deleted() {
    let env = env(1).await;
    let (id, _) = draft(&env, &["One"]).await;
    let submitted = env.client.publications().submit(id.as_str()).await.unwrap();
    let publish_id = submitted.publish_id.as_str();
    let article_id = env
        .client
        .publications()
        .status(publish_id)
        .await
        .unwrap()
        .article_id
        .unwrap();
    env.client
        .publications()
        .delete(article_id.as_str())
        .await
        .unwrap();
    let status = env.client.publications().status(publish_id).await.unwrap();
    assert_eq!(status.publish_status, PublishState::UserDeleted);
}

#[tokio::test]
async fn published_pages_list_live_publications_newest_first() {
    let env = env(1).await;
    let first = published(&env, &["first"]).await;
    let second = published(&env, &["second"]).await;
    let page = env.client.publications().list_page(0, 20).await.unwrap();
    assert_eq!(page.total_count, 2);
    let ids: Vec<_> = page
        .item
        .iter()
        .map(|i| i.article_id.clone().unwrap())
        .collect();
    assert_eq!(ids, [second, first]);
    assert_eq!(page.item[0].content.news_item[0].title, "second");
}
