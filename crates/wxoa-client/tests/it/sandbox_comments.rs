//! `client.comments()` against the sandbox (api-reference-2 §4): every endpoint on the comments
//! followers write under a published article, each with the body its fixture shows, and each
//! error code the platform answers in its own test.

use futures::TryStreamExt;
use wxoa_client::api::comments::{COMMENTS_PAGE_MAX, CommentFilter};
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::media::MediaKind;
use wxoa_client::{ErrCode, Upload};
use wxoa_sandbox::{CommentRules, Sandbox};

use crate::sandbox_env::{Env, api_code, env, env_with, errcode, refused, request_fixture};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0comment-thumb\xff\xd9";

/// A free publication of articles `(title, comments open)`; its `msg_data_id`.
async fn published(env: &Env, articles: &[(&str, bool)]) -> u64 {
    let thumb = env
        .client
        .materials()
        .add(MediaKind::Thumb, Upload::bytes("t.jpg", JPEG))
        .await
        .unwrap()
        .media_id;
    let articles = articles.iter().map(|(title, open)| {
        NewsArticle::new(*title, thumb.as_str(), "<p>正文</p>").comments(*open, false)
    });
    let draft = env.client.drafts().add(articles).await.unwrap();
    let submitted = env
        .client
        .publications()
        .submit(draft.as_str())
        .await
        .unwrap();
    submitted.msg_data_id.expect("a msg_data_id")
}

/// An open article with one comment by a follower: its `msg_data_id`, the comment's id and
/// the follower.
async fn commented(env: &Env) -> (u64, u64, String) {
    let openid = env.followers(1).await.remove(0);
    let msg_data_id = published(env, &[("文章", true)]).await;
    let id = env
        .control()
        .comment(msg_data_id, 0, &openid, "写得真好")
        .await
        .unwrap();
    (msg_data_id, id, openid)
}

#[tokio::test]
async fn every_endpoint_sends_the_body_its_fixture_shows() {
    let env = env(1).await;
    let (msg_data_id, id, openid) = commented(&env).await;
    let values = [
        ("MSG_DATA_ID", msg_data_id.into()),
        ("INDEX", 0.into()),
        ("USER_COMMENT_ID", id.into()),
    ];
    let comments = env.client.comments();
    comments.close(msg_data_id, 0).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/close").await,
        request_fixture("comment", "close", &values)
    );
    comments.open(msg_data_id, 0).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/open").await,
        request_fixture("comment", "open", &values)
    );
    comments.elect(msg_data_id, 0, id).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/markelect").await,
        request_fixture("comment", "markelect", &values)
    );
    comments
        .reply(msg_data_id, 0, id, "谢谢支持")
        .await
        .unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/reply/add").await,
        request_fixture("comment", "reply_add", &values)
    );
    let page = comments.list(msg_data_id, 0).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/list").await,
        request_fixture("comment", "list", &values)
    );
    assert_eq!(page.total, 1);
    let comment = &page.comment[0];
    assert_eq!(
        (comment.user_comment_id, comment.openid.as_str()),
        (id, openid.as_str())
    );
    assert_eq!(comment.content, "写得真好");
    assert!(comment.is_elected());
    assert_eq!(comment.reply.as_ref().unwrap().content, "谢谢支持");
    // The reply reached the follower.
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox.last().unwrap().kind, "comment_reply");

    comments.unelect(msg_data_id, 0, id).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/unmarkelect").await,
        request_fixture("comment", "unmarkelect", &values)
    );
    comments.delete_reply(msg_data_id, 0, id).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/reply/delete").await,
        request_fixture("comment", "reply_delete", &values)
    );
    let page = comments.list(msg_data_id, 0).await.unwrap();
    assert!(!page.comment[0].is_elected());
    assert_eq!(page.comment[0].reply, None);
    comments.delete(msg_data_id, 0, id).await.unwrap();
    assert_eq!(
        env.last_body("/cgi-bin/comment/delete").await,
        request_fixture("comment", "delete", &values)
    );
    assert_eq!(comments.list(msg_data_id, 0).await.unwrap().total, 0);
}

#[tokio::test]
async fn all_pages_through_every_comment_of_a_kind() {
    let env = env(7).await;
    let followers = env.followers(7).await;
    let msg_data_id = published(&env, &[("一", false), ("二", true)]).await;
    for (i, openid) in followers.iter().enumerate() {
        env.control()
            .comment(msg_data_id, 1, openid, &format!("第{i}条"))
            .await
            .unwrap();
    }
    let comments = env.client.comments();
    for id in [2, 3, 6] {
        comments.elect(msg_data_id, 1, id).await.unwrap();
    }
    let every: Vec<u64> = comments
        .list(msg_data_id, 1)
        .count(2)
        .all()
        .map_ok(|c| c.user_comment_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(every, [1, 2, 3, 4, 5, 6, 7]);
    let lists = env.calls("/cgi-bin/comment/list").await;
    assert_eq!(lists.len(), 4, "7 comments, 2 a page");
    let elected: Vec<u64> = comments
        .list(msg_data_id, 1)
        .kind(CommentFilter::Elected)
        .count(2)
        .all()
        .map_ok(|c| c.user_comment_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(elected, [2, 3, 6]);
    let normal = comments
        .list(msg_data_id, 1)
        .kind(CommentFilter::Normal)
        .begin(1)
        .count(COMMENTS_PAGE_MAX)
        .await
        .unwrap();
    assert_eq!(normal.total, 4);
    assert_eq!(normal.comment.len(), 3);
}

#[tokio::test]
async fn a_page_outside_1_to_49_is_refused_before_sending() {
    let env = env(0).await;
    let comments = env.client.comments();
    for count in [0, 50] {
        let message = refused(comments.list(1, 0).count(count).await);
        assert!(message.contains("count: 1..=49"), "{message}");
    }
    let message = refused(comments.reply(1, 0, 1, "  ").await);
    assert!(message.contains("content"), "{message}");
    assert!(env.calls("/cgi-bin/comment/list").await.is_empty());
}

#[tokio::test]
async fn without_the_comment_privilege_is_88000() {
    let mut rules = CommentRules::default();
    rules.privileged = false;
    let env = env_with(Sandbox::builder().followers(1).comment_rules(rules)).await;
    let msg_data_id = published(&env, &[("文章", true)]).await;
    assert_eq!(
        errcode(env.client.comments().open(msg_data_id, 0).await),
        88000
    );
}

#[tokio::test]
async fn an_unknown_article_is_88001() {
    let env = env(0).await;
    let msg_data_id = published(&env, &[("文章", true)]).await;
    let comments = env.client.comments();
    assert_eq!(errcode(comments.open(msg_data_id + 1, 0).await), 88001);
    assert_eq!(errcode(comments.list(msg_data_id, 1).await), 88001);
}

#[tokio::test]
async fn an_article_limited_for_safety_is_88002() {
    let mut rules = CommentRules::default();
    rules.limited_words = vec!["敏感".to_owned()];
    let env = env_with(Sandbox::builder().followers(1).comment_rules(rules)).await;
    let msg_data_id = published(&env, &[("敏感文章", false), ("文章", false)]).await;
    let comments = env.client.comments();
    assert_eq!(
        api_code(comments.open(msg_data_id, 0).await),
        ErrCode::CommentArticleLimited
    );
    comments.open(msg_data_id, 1).await.unwrap();
    comments.close(msg_data_id, 0).await.unwrap();
}

#[tokio::test]
async fn electing_past_the_cap_is_88003() {
    let mut rules = CommentRules::default();
    rules.elected_max = 1;
    let env = env_with(Sandbox::builder().followers(2).comment_rules(rules)).await;
    let followers = env.followers(2).await;
    let msg_data_id = published(&env, &[("文章", true)]).await;
    for openid in &followers {
        env.control()
            .comment(msg_data_id, 0, openid, "c")
            .await
            .unwrap();
    }
    let comments = env.client.comments();
    comments.elect(msg_data_id, 0, 1).await.unwrap();
    assert_eq!(errcode(comments.elect(msg_data_id, 0, 2).await), 88003);
}

#[tokio::test]
async fn a_comment_its_writer_deleted_is_88004() {
    let env = env(1).await;
    let (msg_data_id, id, openid) = commented(&env).await;
    env.control()
        .withdraw_comment(msg_data_id, 0, &openid, id)
        .await
        .unwrap();
    let comments = env.client.comments();
    assert_eq!(
        errcode(comments.reply(msg_data_id, 0, id, "thanks").await),
        88004
    );
}

#[tokio::test]
async fn a_second_reply_is_88005() {
    let env = env(1).await;
    let (msg_data_id, id, _) = commented(&env).await;
    let comments = env.client.comments();
    comments.reply(msg_data_id, 0, id, "one").await.unwrap();
    assert_eq!(
        errcode(comments.reply(msg_data_id, 0, id, "two").await),
        88005
    );
}

#[tokio::test]
async fn a_reply_too_long_is_88007() {
    let env = env(1).await;
    let (msg_data_id, id, _) = commented(&env).await;
    let long = "长".repeat(601);
    assert_eq!(
        errcode(env.client.comments().reply(msg_data_id, 0, id, long).await),
        88007
    );
}

#[tokio::test]
async fn an_unknown_comment_is_88008() {
    let env = env(1).await;
    let (msg_data_id, id, _) = commented(&env).await;
    let comments = env.client.comments();
    assert_eq!(errcode(comments.elect(msg_data_id, 0, id + 1).await), 88008);
    comments.delete(msg_data_id, 0, id).await.unwrap();
    assert_eq!(errcode(comments.delete(msg_data_id, 0, id).await), 88008);
}

#[tokio::test]
async fn a_page_the_platform_refuses_is_88010() {
    // A sandbox that takes pages of at most 10 plays a platform stricter than the client.
    let mut rules = CommentRules::default();
    rules.page_max = 10;
    let env = env_with(Sandbox::builder().followers(1).comment_rules(rules)).await;
    let msg_data_id = published(&env, &[("文章", true)]).await;
    let comments = env.client.comments();
    assert_eq!(
        errcode(comments.list(msg_data_id, 0).count(11).await),
        88010
    );
    assert!(comments.list(msg_data_id, 0).count(10).await.is_ok());
}
