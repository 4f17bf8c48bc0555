//! Article comments (api-reference-2 §4): followers comment through the control API under the
//! articles of news mass sends and free publications; the account opens, closes, lists,
//! elects, replies and deletes; each error code in its own test.

use serde_json::{Value, json};
use wxoa_sandbox::control::ControlError;
use wxoa_sandbox::{CommentRules, Sandbox};

use crate::support::{
    Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, request,
};

fn article(thumb: &str, title: &str, open: u8, fans_only: u8) -> Value {
    json!({"thumb_media_id": thumb, "title": title, "content": format!("<p>{title}</p>"),
           "author": "编辑部", "digest": title, "need_open_comment": open,
           "only_fans_can_comment": fans_only})
}

/// A news mass send to everyone of articles `(title, need_open_comment, only_fans)`; its
/// `msg_data_id`.
pub(crate) async fn mass_news(env: &Env, articles: &[(&str, u8, u8)]) -> u64 {
    let sent = send_news(env, articles).await;
    sent["msg_data_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{sent}"))
}

/// A news mass send to everyone; the platform's answer (`msg_id`, `msg_data_id`).
async fn send_news(env: &Env, articles: &[(&str, u8, u8)]) -> Value {
    let thumb = env.temporary("thumb").await;
    let list: Vec<Value> = articles
        .iter()
        .map(|(title, open, fans)| article(&thumb, title, *open, *fans))
        .collect();
    let uploaded = env
        .post("/cgi-bin/media/uploadnews", &json!({"articles": list}))
        .await;
    let send = json!({"filter": {"is_to_all": true}, "msgtype": "mpnews",
                      "mpnews": {"media_id": uploaded["media_id"]}, "send_ignore_reprint": 0});
    env.post("/cgi-bin/message/mass/sendall", &send).await
}

/// One open article sent to everyone; its `msg_data_id`.
async fn open_article(env: &Env) -> u64 {
    mass_news(env, &[("第一篇", 1, 0)]).await
}

fn target(msg_data_id: u64, index: u64) -> Value {
    json!({"msg_data_id": msg_data_id, "index": index})
}

fn on(msg_data_id: u64, index: u64, comment: u64) -> Value {
    json!({"msg_data_id": msg_data_id, "index": index, "user_comment_id": comment})
}

async fn list(env: &Env, msg_data_id: u64, kind: u8) -> Value {
    let body = json!({"msg_data_id": msg_data_id, "index": 0, "begin": 0, "count": 49,
                      "type": kind});
    env.post("/cgi-bin/comment/list", &body).await
}

/// The HTTP status of a refused control call.
fn status(result: Result<impl std::fmt::Debug, ControlError>) -> u16 {
    match result {
        Err(ControlError::Refused { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_follower_comments_and_the_account_elects_replies_and_deletes() {
    let env = env().await;
    let ids = env.followers(2).await;
    let msg_data_id = open_article(&env).await;
    let control = env.control();
    let first = control
        .comment(msg_data_id, 0, &ids[0], "写得真好")
        .await
        .unwrap();
    let second = control
        .comment(msg_data_id, 0, &ids[1], "期待下一篇")
        .await
        .unwrap();
    assert_eq!((first, second), (1, 2));

    let listed = list(&env, msg_data_id, 0).await;
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["comment"][0]["openid"], ids[0].as_str());
    assert_eq!(listed["comment"][0]["content"], "写得真好");
    assert_eq!(listed["comment"][0]["comment_type"], 0);

    let values = [
        ("MSG_DATA_ID", json!(msg_data_id)),
        ("INDEX", json!(0)),
        ("USER_COMMENT_ID", json!(first)),
    ];
    let elect = request("comment", "markelect", &values);
    assert_ok(&env.post("/cgi-bin/comment/markelect", &elect).await);
    let reply = request("comment", "reply_add", &values);
    assert_ok(&env.post("/cgi-bin/comment/reply/add", &reply).await);
    let listed = env
        .post(
            "/cgi-bin/comment/list",
            &request("comment", "list", &values),
        )
        .await;
    assert_fixture_shape(&listed, "comment", "list");
    assert_eq!(listed["comment"][0]["comment_type"], 1);
    assert_eq!(listed["comment"][0]["reply"]["content"], "谢谢支持");
    assert!(listed["comment"][1].get("reply").is_none());

    // The reply reaches the commenter's inbox.
    let inbox = env.inbox(&ids[0]).await;
    let item = inbox.last().unwrap();
    assert_eq!(item.kind, "comment_reply");
    assert_eq!(item.message["reply"], "谢谢支持");
    assert_eq!(item.message["comment"], "写得真好");
    assert_eq!(item.message["title"], "第一篇");
    assert_eq!(item.message["msg_data_id"], msg_data_id);

    let unelect = request("comment", "unmarkelect", &values);
    assert_ok(&env.post("/cgi-bin/comment/unmarkelect", &unelect).await);
    let unreply = request("comment", "reply_delete", &values);
    assert_ok(&env.post("/cgi-bin/comment/reply/delete", &unreply).await);
    let listed = list(&env, msg_data_id, 0).await;
    assert_eq!(listed["comment"][0]["comment_type"], 0);
    assert!(listed["comment"][0].get("reply").is_none());
    let delete = request("comment", "delete", &values);
    assert_ok(&env.post("/cgi-bin/comment/delete", &delete).await);
    let listed = list(&env, msg_data_id, 0).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["comment"][0]["user_comment_id"], second);
}

#[tokio::test]
async fn published_articles_take_comments_by_their_msg_data_id_and_index() {
    let env = env().await;
    let ids = env.followers(1).await;
    let thumb = env.permanent("thumb").await;
    let draft = env
        .post(
            "/cgi-bin/draft/add",
            &json!({"articles": [article(&thumb, "一", 0, 0), article(&thumb, "二", 1, 0)]}),
        )
        .await;
    let submitted = env
        .post(
            "/cgi-bin/freepublish/submit",
            &json!({"media_id": draft["media_id"]}),
        )
        .await;
    let msg_data_id = submitted["msg_data_id"].as_u64().unwrap();
    // The first article was published without comments; the second with.
    assert_eq!(
        status(env.control().comment(msg_data_id, 0, &ids[0], "hi").await),
        409
    );
    let id = env
        .control()
        .comment(msg_data_id, 1, &ids[0], "第二篇不错")
        .await
        .unwrap();
    let body = json!({"msg_data_id": msg_data_id, "index": 1, "begin": 0, "count": 10});
    let listed = env.post("/cgi-bin/comment/list", &body).await;
    assert_eq!(listed["comment"][0]["user_comment_id"], id);
    let articles = env.control().articles().await.unwrap();
    let titles: Vec<(&str, u64, &str, bool, u64)> = articles
        .iter()
        .map(|a| {
            (
                a.title.as_str(),
                a.index,
                a.source.as_str(),
                a.open,
                a.comments,
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            ("一", 0, "publish", false, 0),
            ("二", 1, "publish", true, 1)
        ]
    );
}

#[tokio::test]
async fn open_and_close_decide_whether_followers_may_comment() {
    let env = env().await;
    let ids = env.followers(1).await;
    let msg_data_id = mass_news(&env, &[("闭", 0, 0)]).await;
    let control = env.control();
    assert_eq!(
        status(control.comment(msg_data_id, 0, &ids[0], "hi").await),
        409
    );
    let open = request(
        "comment",
        "open",
        &[("MSG_DATA_ID", json!(msg_data_id)), ("INDEX", json!(0))],
    );
    assert_ok(&env.post("/cgi-bin/comment/open", &open).await);
    control
        .comment(msg_data_id, 0, &ids[0], "hi")
        .await
        .unwrap();
    let close = request(
        "comment",
        "close",
        &[("MSG_DATA_ID", json!(msg_data_id)), ("INDEX", json!(0))],
    );
    assert_ok(&env.post("/cgi-bin/comment/close", &close).await);
    assert_eq!(
        status(control.comment(msg_data_id, 0, &ids[0], "again").await),
        409
    );
    // A closed article's comments are still listed.
    assert_eq!(list(&env, msg_data_id, 0).await["total"], 1);
}

#[tokio::test]
async fn comments_list_by_type_and_page_with_begin_and_count() {
    let env = env().await;
    let ids = env.followers(5).await;
    let msg_data_id = open_article(&env).await;
    for (i, openid) in ids.iter().enumerate() {
        let text = format!("comment {i}");
        env.control()
            .comment(msg_data_id, 0, openid, &text)
            .await
            .unwrap();
    }
    for id in [2, 4] {
        let body = on(msg_data_id, 0, id);
        assert_ok(&env.post("/cgi-bin/comment/markelect", &body).await);
    }
    assert_eq!(list(&env, msg_data_id, 0).await["total"], 5);
    let normal = list(&env, msg_data_id, 1).await;
    assert_eq!(normal["total"], 3);
    let elected = list(&env, msg_data_id, 2).await;
    let elected_ids: Vec<u64> = elected["comment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_comment_id"].as_u64().unwrap())
        .collect();
    assert_eq!(elected_ids, [2, 4]);
    let page = json!({"msg_data_id": msg_data_id, "index": 0, "begin": 3, "count": 1, "type": 0});
    let page = env.post("/cgi-bin/comment/list", &page).await;
    assert_eq!(page["total"], 5);
    assert_eq!(page["comment"].as_array().unwrap().len(), 1);
    assert_eq!(page["comment"][0]["content"], "comment 3");
}

#[tokio::test]
async fn without_the_comment_privilege_every_call_is_88000() {
    let mut rules = CommentRules::default();
    rules.privileged = false;
    let env = env_with(Sandbox::builder().followers(2).comment_rules(rules)).await;
    let msg_data_id = open_article(&env).await;
    for path in [
        "open",
        "close",
        "list",
        "markelect",
        "unmarkelect",
        "delete",
        "reply/add",
        "reply/delete",
    ] {
        let body = json!({"msg_data_id": msg_data_id, "index": 0, "user_comment_id": 1,
                          "begin": 0, "count": 10, "content": "x"});
        let answer = env.post(&format!("/cgi-bin/comment/{path}"), &body).await;
        assert_errcode(&answer, 88000);
    }
}

#[tokio::test]
async fn an_unknown_msg_data_id_is_88001() {
    let env = env().await;
    let msg_data_id = open_article(&env).await;
    let answer = env
        .post("/cgi-bin/comment/open", &target(msg_data_id + 1, 0))
        .await;
    assert_errcode(&answer, 88001);
    // A text mass send has no articles.
    let ids = env.followers(2).await;
    let text = json!({"touser": ids, "msgtype": "text", "text": {"content": "hi"}});
    let sent = env.post("/cgi-bin/message/mass/send", &text).await;
    let text_id = sent["msg_id"].as_u64().unwrap() % 1_000_000_000;
    let answer = env.post("/cgi-bin/comment/open", &target(text_id, 0)).await;
    assert_errcode(&answer, 88001);
}

#[tokio::test]
async fn an_index_past_the_articles_is_88001() {
    let env = env().await;
    let msg_data_id = mass_news(&env, &[("a", 1, 0), ("b", 1, 0)]).await;
    assert_ok(
        &env.post("/cgi-bin/comment/open", &target(msg_data_id, 1))
            .await,
    );
    let answer = env
        .post("/cgi-bin/comment/open", &target(msg_data_id, 2))
        .await;
    assert_errcode(&answer, 88001);
    assert!(answer["errmsg"].as_str().unwrap().contains("index 2"));
}

#[tokio::test]
async fn a_deleted_send_is_88001() {
    let env = env().await;
    let sent = send_news(&env, &[("gone", 1, 0)]).await;
    let msg_data_id = sent["msg_data_id"].as_u64().unwrap();
    assert_ok(
        &env.post("/cgi-bin/comment/open", &target(msg_data_id, 0))
            .await,
    );
    let deleted = json!({"msg_id": sent["msg_id"], "article_idx": 0});
    assert_ok(&env.post("/cgi-bin/message/mass/delete", &deleted).await);
    let answer = env
        .post("/cgi-bin/comment/open", &target(msg_data_id, 0))
        .await;
    assert_errcode(&answer, 88001);
    assert!(env.control().articles().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_comment_is_88008() {
    let env = env().await;
    let ids = env.followers(1).await;
    let msg_data_id = open_article(&env).await;
    let answer = env
        .post("/cgi-bin/comment/markelect", &on(msg_data_id, 0, 1))
        .await;
    assert_errcode(&answer, 88008);
    // A comment the account deleted is gone for good.
    env.control()
        .comment(msg_data_id, 0, &ids[0], "bye")
        .await
        .unwrap();
    assert_ok(
        &env.post("/cgi-bin/comment/delete", &on(msg_data_id, 0, 1))
            .await,
    );
    let answer = env
        .post("/cgi-bin/comment/delete", &on(msg_data_id, 0, 1))
        .await;
    assert_errcode(&answer, 88008);
}

#[tokio::test]
async fn a_comment_its_writer_deleted_is_88004() {
    let env = env().await;
    let ids = env.followers(2).await;
    let msg_data_id = open_article(&env).await;
    let control = env.control();
    let id = control
        .comment(msg_data_id, 0, &ids[0], "oops")
        .await
        .unwrap();
    // Only its writer may delete it.
    assert_eq!(
        status(control.withdraw_comment(msg_data_id, 0, &ids[1], id).await),
        403
    );
    control
        .withdraw_comment(msg_data_id, 0, &ids[0], id)
        .await
        .unwrap();
    for path in ["markelect", "reply/add", "delete"] {
        let mut body = on(msg_data_id, 0, id);
        body["content"] = json!("thanks");
        let answer = env.post(&format!("/cgi-bin/comment/{path}"), &body).await;
        assert_errcode(&answer, 88004);
    }
    assert_eq!(list(&env, msg_data_id, 0).await["total"], 0);
}

#[tokio::test]
async fn a_second_reply_is_88005() {
    let env = env().await;
    let ids = env.followers(1).await;
    let msg_data_id = open_article(&env).await;
    let id = env
        .control()
        .comment(msg_data_id, 0, &ids[0], "q")
        .await
        .unwrap();
    let mut body = on(msg_data_id, 0, id);
    body["content"] = json!("first");
    assert_ok(&env.post("/cgi-bin/comment/reply/add", &body).await);
    body["content"] = json!("second");
    let answer = env.post("/cgi-bin/comment/reply/add", &body).await;
    assert_errcode(&answer, 88005);
}

#[tokio::test]
async fn an_empty_or_too_long_reply_is_88007() {
    let mut rules = CommentRules::default();
    rules.reply_max_chars = 5;
    let env = env_with(Sandbox::builder().followers(1).comment_rules(rules)).await;
    let ids = env.followers(1).await;
    let msg_data_id = open_article(&env).await;
    let id = env
        .control()
        .comment(msg_data_id, 0, &ids[0], "q")
        .await
        .unwrap();
    for content in [json!(""), json!("   "), json!("六个字的回复"), Value::Null] {
        let mut body = on(msg_data_id, 0, id);
        body["content"] = content;
        let answer = env.post("/cgi-bin/comment/reply/add", &body).await;
        assert_errcode(&answer, 88007);
    }
    let mut body = on(msg_data_id, 0, id);
    body["content"] = json!("五个字回复");
    assert_ok(&env.post("/cgi-bin/comment/reply/add", &body).await);
}

#[tokio::test]
async fn electing_past_the_cap_is_88003() {
    let mut rules = CommentRules::default();
    rules.elected_max = 1;
    let env = env_with(Sandbox::builder().followers(2).comment_rules(rules)).await;
    let ids = env.followers(2).await;
    let msg_data_id = open_article(&env).await;
    for openid in &ids {
        env.control()
            .comment(msg_data_id, 0, openid, "c")
            .await
            .unwrap();
    }
    let elect = |id| on(msg_data_id, 0, id);
    assert_ok(&env.post("/cgi-bin/comment/markelect", &elect(1)).await);
    // Electing an elected comment again changes nothing.
    assert_ok(&env.post("/cgi-bin/comment/markelect", &elect(1)).await);
    let answer = env.post("/cgi-bin/comment/markelect", &elect(2)).await;
    assert_errcode(&answer, 88003);
    assert_ok(&env.post("/cgi-bin/comment/unmarkelect", &elect(1)).await);
    assert_ok(&env.post("/cgi-bin/comment/markelect", &elect(2)).await);
}

#[tokio::test]
async fn a_count_outside_1_to_49_is_88010() {
    let env = env().await;
    let msg_data_id = open_article(&env).await;
    for count in [json!(0), json!(50), json!(-1), Value::Null] {
        let body = json!({"msg_data_id": msg_data_id, "index": 0, "begin": 0, "count": count});
        let answer = env.post("/cgi-bin/comment/list", &body).await;
        assert_errcode(&answer, 88010);
    }
    let body = json!({"msg_data_id": msg_data_id, "index": 0, "begin": 0, "count": "49"});
    assert_eq!(env.post("/cgi-bin/comment/list", &body).await["errcode"], 0);
}

#[tokio::test]
async fn a_list_type_other_than_0_1_2_is_47003() {
    let env = env().await;
    let msg_data_id = open_article(&env).await;
    let body = json!({"msg_data_id": msg_data_id, "index": 0, "begin": 0, "count": 1, "type": 3});
    assert_errcode(&env.post("/cgi-bin/comment/list", &body).await, 47003);
}

#[tokio::test]
async fn a_negative_begin_is_47003() {
    let env = env().await;
    let msg_data_id = open_article(&env).await;
    let body = json!({"msg_data_id": msg_data_id, "index": 0, "begin": -1, "count": 1});
    assert_errcode(&env.post("/cgi-bin/comment/list", &body).await, 47003);
}

#[tokio::test]
async fn the_first_index_is_a_setting() {
    let mut rules = CommentRules::default();
    rules.first_index = 1;
    let env = env_with(Sandbox::builder().followers(1).comment_rules(rules)).await;
    let ids = env.followers(1).await;
    let msg_data_id = mass_news(&env, &[("a", 1, 0), ("b", 0, 0)]).await;
    env.control()
        .comment(msg_data_id, 1, &ids[0], "on a")
        .await
        .unwrap();
    assert_eq!(
        status(env.control().comment(msg_data_id, 0, &ids[0], "x").await),
        404
    );
    assert_ok(
        &env.post("/cgi-bin/comment/open", &target(msg_data_id, 2))
            .await,
    );
    assert_errcode(
        &env.post("/cgi-bin/comment/open", &target(msg_data_id, 3))
            .await,
        88001,
    );
    // Without an index, the first article is meant.
    let body = json!({"msg_data_id": msg_data_id, "begin": 0, "count": 5});
    assert_eq!(env.post("/cgi-bin/comment/list", &body).await["total"], 1);
}

#[tokio::test]
async fn a_follower_comment_is_refused_with_its_cause() {
    let env = env().await;
    let ids = env.followers(2).await;
    let msg_data_id = mass_news(&env, &[("all", 1, 0), ("fans", 1, 1)]).await;
    let control = env.control();
    // An OpenID the account never saw; a malformed one.
    assert_eq!(
        status(
            control
                .comment(msg_data_id, 0, "oStranger_0000000000000000000", "x")
                .await
        ),
        404
    );
    assert_eq!(
        status(control.comment(msg_data_id, 0, "not an openid", "x").await),
        400
    );
    // An unknown article.
    assert_eq!(
        status(control.comment(msg_data_id + 7, 0, &ids[0], "x").await),
        404
    );
    // Empty, and too long.
    assert_eq!(
        status(control.comment(msg_data_id, 0, &ids[0], "  ").await),
        400
    );
    let long = "长".repeat(601);
    assert_eq!(
        status(control.comment(msg_data_id, 0, &ids[0], &long).await),
        400
    );
    // For followers only: someone who unfollowed may not comment.
    env.push(&ids[1], json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    assert_eq!(
        status(control.comment(msg_data_id, 1, &ids[1], "x").await),
        403
    );
    control.comment(msg_data_id, 0, &ids[1], "x").await.unwrap();
    control.comment(msg_data_id, 1, &ids[0], "x").await.unwrap();
}

#[tokio::test]
async fn the_console_shows_a_follower_the_elected_comments_and_their_own() {
    let env = env().await;
    let ids = env.followers(3).await;
    let msg_data_id = open_article(&env).await;
    for (openid, text) in ids.iter().zip(["mine", "elected", "hidden"]) {
        env.control()
            .comment(msg_data_id, 0, openid, text)
            .await
            .unwrap();
    }
    assert_ok(
        &env.post("/cgi-bin/comment/markelect", &on(msg_data_id, 0, 2))
            .await,
    );
    let path = format!("/sandbox/articles/{msg_data_id}/0?openid={}", ids[0]);
    let (code, article) = env.control_get(&path).await;
    assert_eq!(code, 200, "{article}");
    assert_eq!(article["title"], "第一篇");
    assert_eq!(article["content"], "<p>第一篇</p>");
    let shown: Vec<(&str, bool)> = article["visible_comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["content"].as_str().unwrap(), c["mine"].as_bool().unwrap()))
        .collect();
    assert_eq!(shown, [("mine", true), ("elected", false)]);
    let (code, _) = env
        .control_get(&format!(
            "/sandbox/articles/{msg_data_id}/9?openid={}",
            ids[0]
        ))
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn comments_outlive_a_restart_and_the_news_media() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let env = env_with(Sandbox::builder().followers(1).seed(3).state_file(&path)).await;
    let ids = env.followers(1).await;
    let msg_data_id = open_article(&env).await;
    env.control()
        .comment(msg_data_id, 0, &ids[0], "留下")
        .await
        .unwrap();
    let token = env.token.clone();
    env.sandbox.shutdown().await.unwrap();

    let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
    let env = Env {
        sandbox,
        http: crate::support::client(),
        token,
    };
    // Four days on, the temporary news media is gone; the sent articles are not.
    env.advance(4 * 86_400).await;
    let mut env = env;
    env.refresh_token().await;
    let listed = list(&env, msg_data_id, 0).await;
    assert_eq!(listed["comment"][0]["content"], "留下", "{listed}");
    let articles = env.control().articles().await.unwrap();
    assert_eq!(articles[0].title, "第一篇");
    env.sandbox.shutdown().await.unwrap();
}
