//! `client.drafts()` and `client.publications()` against the stub platform. These endpoints are
//! not in the spec: the fixtures (`fixtures/api/publish/`) are written from public SDKs.

use serde_json::json;
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::publish::PublishState;

use crate::contract_env::{contract, platform_error, refused_locally, request_fixture};

const DRAFT_ADD: &str = "/cgi-bin/draft/add";
const DRAFT_GET: &str = "/cgi-bin/draft/get";
const DRAFT_DELETE: &str = "/cgi-bin/draft/delete";
const DRAFT_UPDATE: &str = "/cgi-bin/draft/update";
const DRAFT_COUNT: &str = "/cgi-bin/draft/count";
const DRAFT_LIST: &str = "/cgi-bin/draft/batchget";
const SUBMIT: &str = "/cgi-bin/freepublish/submit";
const STATUS: &str = "/cgi-bin/freepublish/get";
const DELETE: &str = "/cgi-bin/freepublish/delete";
const ARTICLE: &str = "/cgi-bin/freepublish/getarticle";
const LIST: &str = "/cgi-bin/freepublish/batchget";

fn article() -> NewsArticle {
    NewsArticle::new("TITLE", "THUMB_MEDIA_ID", "CONTENT")
        .author("AUTHOR")
        .digest("DIGEST")
        .content_source_url("CONTENT_SOURCE_URL")
        .comments(false, false)
}

#[tokio::test]
async fn a_draft_is_added_with_its_crops() {
    let env = contract().await;
    env.answer_fixture(DRAFT_ADD, "publish", "draft_add").await;
    let article = article()
        .field("pic_crop_235_1", json!("X1_Y1_X2_Y2"))
        .field("pic_crop_1_1", json!("X1_Y1_X2_Y2"));
    let media_id = env.client.drafts().add([article]).await.unwrap();
    assert_eq!(media_id.as_str(), "MEDIA_ID");
    assert_eq!(
        env.last_json(DRAFT_ADD),
        request_fixture("publish", "draft_add", &[])
    );
}

#[tokio::test]
async fn a_picture_post_needs_no_cover() {
    let env = contract().await;
    env.answer_fixture(DRAFT_ADD, "publish", "draft_add").await;
    let post = NewsArticle::new("Pictures", "", "text")
        .field("article_type", json!("newspic"))
        .field(
            "image_info",
            json!({"image_list": [{"image_media_id": "IMG"}]}),
        );
    env.client.drafts().add([post]).await.unwrap();
    let body = env.last_json(DRAFT_ADD);
    assert!(body["articles"][0].get("thumb_media_id").is_none());
    assert_eq!(body["articles"][0]["article_type"], "newspic");
}

refused_locally!(
    a_draft_of_9_articles_is_refused,
    DRAFT_ADD,
    ("articles", "1..=8 articles, got 9"),
    |client| client.drafts().add(vec![article(); 9])
);

refused_locally!(
    a_draft_article_needs_a_cover,
    DRAFT_ADD,
    ("articles[0].thumb_media_id", "must not be empty"),
    |client| client.drafts().add([NewsArticle::new("t", "", "c")])
);

platform_error!(
    a_draft_with_a_bad_cover_is_40007,
    DRAFT_ADD,
    40007,
    |client| client.drafts().add([article()])
);

#[tokio::test]
async fn a_draft_is_read() {
    let env = contract().await;
    env.answer_fixture(DRAFT_GET, "publish", "draft_get").await;
    let articles = env.client.drafts().get("MEDIA_ID").await.unwrap();
    assert_eq!(
        env.last_json(DRAFT_GET),
        request_fixture("publish", "draft_get", &[])
    );
    assert_eq!(articles[0].title, "TITLE");
    assert_eq!(articles[0].extra["need_open_comment"], json!(0));
}

platform_error!(an_unknown_draft_is_40007, DRAFT_GET, 40007, |client| client
    .drafts()
    .get("NOPE"));

#[tokio::test]
async fn a_draft_is_deleted() {
    let env = contract().await;
    env.answer_ok(DRAFT_DELETE).await;
    env.client.drafts().delete("MEDIA_ID").await.unwrap();
    assert_eq!(
        env.last_json(DRAFT_DELETE),
        request_fixture("publish", "draft_get", &[])
    );
}

refused_locally!(
    a_draft_deletion_needs_a_media_id,
    DRAFT_DELETE,
    ("media_id", "must not be empty"),
    |client| client.drafts().delete("")
);

#[tokio::test]
async fn a_draft_article_is_updated() {
    let env = contract().await;
    env.answer_ok(DRAFT_UPDATE).await;
    env.client
        .drafts()
        .update("MEDIA_ID", 0, article())
        .await
        .unwrap();
    assert_eq!(
        env.last_json(DRAFT_UPDATE),
        request_fixture("publish", "draft_update", &[])
    );
}

refused_locally!(
    a_draft_update_past_8_articles_is_refused,
    DRAFT_UPDATE,
    ("index", "0..=7"),
    |client| client.drafts().update("M", 8, article())
);

#[tokio::test]
async fn drafts_are_counted() {
    let env = contract().await;
    env.answer_fixture(DRAFT_COUNT, "publish", "draft_count")
        .await;
    assert_eq!(env.client.drafts().count().await.unwrap(), 3);
    assert_eq!(env.last(DRAFT_COUNT).method, "GET");
}

#[tokio::test]
async fn a_page_of_drafts() {
    let env = contract().await;
    env.answer_fixture(DRAFT_LIST, "publish", "draft_batchget")
        .await;
    let page = env.client.drafts().list_page(0, 20).await.unwrap();
    assert_eq!(
        env.last_json(DRAFT_LIST),
        request_fixture("publish", "batchget", &[])
    );
    assert_eq!(page.item[0].media_id.as_ref().unwrap().as_str(), "MEDIA_ID");
    assert_eq!(page.item[0].content.news_item[0].title, "TITLE");
    assert_eq!(page.item[0].update_time, Some(1_700_000_000));
}

#[tokio::test]
async fn a_page_without_content() {
    let env = contract().await;
    env.answer_fixture(DRAFT_LIST, "publish", "draft_batchget")
        .await;
    env.client
        .drafts()
        .list_page(20, 5)
        .no_content(true)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(DRAFT_LIST),
        json!({"offset": 20, "count": 5, "no_content": 1})
    );
}

refused_locally!(
    a_page_of_21_drafts_is_refused,
    DRAFT_LIST,
    ("count", "1..=20, got 21"),
    |client| client.drafts().list_page(0, 21)
);

#[tokio::test]
async fn a_draft_is_submitted() {
    let env = contract().await;
    env.answer_fixture(SUBMIT, "publish", "freepublish_submit")
        .await;
    let submitted = env.client.publications().submit("MEDIA_ID").await.unwrap();
    assert_eq!(
        env.last_json(SUBMIT),
        request_fixture("publish", "freepublish_submit", &[])
    );
    assert_eq!(submitted.publish_id, "100000001");
    assert_eq!(submitted.msg_data_id, Some(2_247_483_899));
}

#[tokio::test]
async fn a_numeric_publish_id_is_kept_as_text() {
    let env = contract().await;
    env.answer(
        SUBMIT,
        json!({"errcode": 0, "errmsg": "ok", "publish_id": 100000001}),
    )
    .await;
    let submitted = env.client.publications().submit("M").await.unwrap();
    assert_eq!(submitted.publish_id, "100000001");
}

platform_error!(publishing_banned_is_53500, SUBMIT, 53500, |client| client
    .publications()
    .submit("M"));

platform_error!(publishing_too_often_is_53501, SUBMIT, 53501, |client| {
    client.publications().submit("M")
});

#[tokio::test]
async fn a_publication_succeeded() {
    let env = contract().await;
    env.answer_fixture(STATUS, "publish", "freepublish_get")
        .await;
    let status = env.client.publications().status("100000001").await.unwrap();
    assert_eq!(
        env.last_json(STATUS),
        request_fixture("publish", "freepublish_get", &[])
    );
    assert_eq!(status.publish_status, PublishState::Success);
    assert_eq!(status.article_id.as_deref(), Some("ARTICLE_ID"));
    let detail = status.article_detail.unwrap();
    assert_eq!((detail.count, detail.item[0].idx), (1, 1));
    assert_eq!(detail.item[0].article_url, "ARTICLE_URL");
}

#[tokio::test]
async fn a_publication_refused_names_its_articles() {
    let env = contract().await;
    env.answer_fixture(STATUS, "publish", "freepublish_get_refused")
        .await;
    let status = env.client.publications().status("100000002").await.unwrap();
    assert_eq!(status.publish_status, PublishState::OriginalFailed);
    assert_eq!(status.fail_idx, [1, 2]);
    assert_eq!(status.article_id, None);
}

#[tokio::test]
async fn an_unknown_publish_state_is_kept() {
    let env = contract().await;
    env.answer(STATUS, json!({"publish_id": "1", "publish_status": 9}))
        .await;
    let status = env.client.publications().status("1").await.unwrap();
    assert_eq!(status.publish_status, PublishState::Unknown(9));
    assert_eq!(status.publish_status.code(), 9);
}

platform_error!(an_invalid_publish_id_is_53502, STATUS, 53502, |client| {
    client.publications().status("nope")
});

refused_locally!(
    a_status_needs_a_publish_id,
    STATUS,
    ("publish_id", "must not be empty"),
    |client| client.publications().status("")
);

#[tokio::test]
async fn a_published_article_is_deleted() {
    let env = contract().await;
    env.answer_ok(DELETE).await;
    env.client
        .publications()
        .delete("ARTICLE_ID")
        .index(1)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(DELETE),
        request_fixture("publish", "freepublish_delete", &[])
    );
}

platform_error!(
    deleting_an_invalid_article_is_53600,
    DELETE,
    53600,
    |client| client.publications().delete("nope")
);

#[tokio::test]
async fn a_published_article_is_read() {
    let env = contract().await;
    env.answer_fixture(ARTICLE, "publish", "freepublish_getarticle")
        .await;
    let articles = env
        .client
        .publications()
        .article("ARTICLE_ID")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(ARTICLE),
        request_fixture("publish", "freepublish_getarticle", &[])
    );
    assert_eq!(articles[0].url, "URL");
    assert_eq!(articles[0].extra["is_deleted"], json!(false));
}

platform_error!(
    reading_an_invalid_article_is_53600,
    ARTICLE,
    53600,
    |client| client.publications().article("nope")
);

#[tokio::test]
async fn a_page_of_published_articles() {
    let env = contract().await;
    env.answer_fixture(LIST, "publish", "freepublish_batchget")
        .await;
    let page = env.client.publications().list_page(0, 20).await.unwrap();
    assert_eq!(
        env.last_json(LIST),
        request_fixture("publish", "batchget", &[])
    );
    assert_eq!(page.item[0].article_id.as_deref(), Some("ARTICLE_ID"));
    assert_eq!(page.total_count, 1);
}

refused_locally!(
    a_page_of_0_published_articles_is_refused,
    LIST,
    ("count", "1..=20, got 0"),
    |client| client.publications().list_page(0, 0)
);
