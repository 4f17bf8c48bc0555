//! Drafts, free publishing and `openapi/quota/get`. Not in the spec: the shapes checked here
//! are those public SDKs (silenceper/wechat, WxJava) use, written out in the tests.

use serde_json::{Value, json};
use wxoa_sandbox::{Quotas, Sandbox};
use wxoa_types::xml;

use crate::support::{Env, assert_errcode, assert_ok, env, env_with, env_with_quiet_hook};

fn article(env_thumb: &str, title: &str) -> Value {
    json!({"title": title, "thumb_media_id": env_thumb, "content": "<p>content</p>",
           "author": "A", "digest": "D", "show_cover_pic": 1,
           "content_source_url": "", "need_open_comment": 0, "only_fans_can_comment": 0})
}

async fn add_draft(env: &Env, titles: &[&str]) -> String {
    let thumb = env.permanent("thumb").await;
    let articles: Vec<Value> = titles.iter().map(|t| article(&thumb, t)).collect();
    let body = env
        .post("/cgi-bin/draft/add", &json!({"articles": articles}))
        .await;
    body["media_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn submit(env: &Env, media_id: &str) -> Value {
    env.post(
        "/cgi-bin/freepublish/submit",
        &json!({"media_id": media_id}),
    )
    .await
}

#[tokio::test]
async fn a_draft_is_added_read_updated_counted_and_deleted() {
    let env = env().await;
    let id = add_draft(&env, &["One", "Two"]).await;
    let got = env
        .post("/cgi-bin/draft/get", &json!({"media_id": id}))
        .await;
    let items = got["news_item"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["title"], "Two");
    assert_eq!(items[0]["show_cover_pic"], 1);
    assert!(items[0]["url"].as_str().unwrap().starts_with("http"));

    let thumb = items[0]["thumb_media_id"].as_str().unwrap().to_owned();
    let update = json!({"media_id": id, "index": 1, "articles": article(&thumb, "Deux")});
    assert_ok(&env.post("/cgi-bin/draft/update", &update).await);
    let got = env
        .post("/cgi-bin/draft/get", &json!({"media_id": id}))
        .await;
    assert_eq!(got["news_item"][1]["title"], "Deux");

    assert_eq!(env.get("/cgi-bin/draft/count").await["total_count"], 1);
    assert_ok(
        &env.post("/cgi-bin/draft/delete", &json!({"media_id": id}))
            .await,
    );
    assert_eq!(env.get("/cgi-bin/draft/count").await["total_count"], 0);
    let gone = env
        .post("/cgi-bin/draft/get", &json!({"media_id": id}))
        .await;
    assert_errcode(&gone, 40007);
}

#[tokio::test]
async fn draft_articles_are_checked_like_news() {
    let env = env().await;
    let thumb = env.permanent("thumb").await;
    let add = |articles: Vec<Value>| json!({"articles": articles});
    assert_errcode(&env.post("/cgi-bin/draft/add", &add(vec![])).await, 44003);
    let nine = vec![article(&thumb, "t"); 9];
    assert_errcode(&env.post("/cgi-bin/draft/add", &add(nine)).await, 45008);
    let no_thumb = vec![article("nope", "t")];
    assert_errcode(&env.post("/cgi-bin/draft/add", &add(no_thumb)).await, 40007);
    let untitled = vec![article(&thumb, "")];
    assert_errcode(&env.post("/cgi-bin/draft/add", &add(untitled)).await, 47003);
}

#[tokio::test]
async fn an_update_outside_the_draft_is_47003_and_of_an_unknown_draft_40007() {
    let env = env().await;
    let id = add_draft(&env, &["One"]).await;
    let thumb = env.permanent("thumb").await;
    let outside = json!({"media_id": id, "index": 1, "articles": article(&thumb, "x")});
    assert_errcode(&env.post("/cgi-bin/draft/update", &outside).await, 47003);
    let unknown = json!({"media_id": "nope", "index": 0, "articles": article(&thumb, "x")});
    assert_errcode(&env.post("/cgi-bin/draft/update", &unknown).await, 40007);
    let delete = env
        .post("/cgi-bin/draft/delete", &json!({"media_id": "nope"}))
        .await;
    assert_errcode(&delete, 40007);
}

#[tokio::test]
async fn draft_batchget_pages_newest_first_and_can_leave_content_out() {
    let env = env().await;
    let first = add_draft(&env, &["first"]).await;
    env.advance(10).await;
    let second = add_draft(&env, &["second"]).await;
    let page = env
        .post(
            "/cgi-bin/draft/batchget",
            &json!({"offset": 0, "count": 1, "no_content": 0}),
        )
        .await;
    assert_eq!(
        (page["total_count"].clone(), page["item_count"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(page["item"][0]["media_id"], second.as_str());
    let item = &page["item"][0]["content"]["news_item"][0];
    assert_eq!(item["content"], "<p>content</p>");
    let page = env
        .post(
            "/cgi-bin/draft/batchget",
            &json!({"offset": 1, "count": 20, "no_content": 1}),
        )
        .await;
    assert_eq!(page["item"][0]["media_id"], first.as_str());
    let item = &page["item"][0]["content"]["news_item"][0];
    assert_eq!(item["title"], "first");
    assert!(item.get("content").is_none(), "{item}");
    for count in [0, 21] {
        let body = json!({"offset": 0, "count": count, "no_content": 0});
        assert_errcode(&env.post("/cgi-bin/draft/batchget", &body).await, 47003);
    }
}

#[tokio::test]
async fn draft_count_is_get_only() {
    let env = env().await;
    assert_errcode(&env.post("/cgi-bin/draft/count", &json!({})).await, 43001);
}

#[tokio::test]
async fn a_submitted_draft_is_published_and_pushes_publishjobfinish() {
    let (hook, env) = env_with_quiet_hook(1).await;
    let id = add_draft(&env, &["One", "Two"]).await;
    let submitted = submit(&env, &id).await;
    assert_eq!(submitted["errcode"], 0);
    let publish_id = submitted["publish_id"].as_str().unwrap().to_owned();
    assert!(submitted["msg_data_id"].is_u64());

    let status = env
        .post(
            "/cgi-bin/freepublish/get",
            &json!({"publish_id": publish_id}),
        )
        .await;
    assert_eq!(status["publish_status"], 0);
    assert_eq!(status["publish_id"], publish_id.as_str());
    let article_id = status["article_id"].as_str().unwrap().to_owned();
    assert_eq!(status["article_detail"]["count"], 2);
    assert_eq!(status["article_detail"]["item"][1]["idx"], 2);
    assert_eq!(status["fail_idx"], json!([]));

    let received = hook.wait_for(1).await;
    let event = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(event.child_text("Event"), Some("PUBLISHJOBFINISH"));
    let info = event.child("PublishEventInfo").unwrap();
    assert_eq!(info.child_text("publish_id"), Some(publish_id.as_str()));
    assert_eq!(info.child_text("publish_status"), Some("0"));
    assert_eq!(info.child_text("article_id"), Some(article_id.as_str()));
    assert_eq!(
        info.child("article_detail").unwrap().child_text("count"),
        Some("2")
    );
}

#[tokio::test]
async fn submitting_an_unknown_draft_is_40007_and_an_unknown_publish_id_53502() {
    let env = env().await;
    assert_errcode(&submit(&env, "nope").await, 40007);
    let status = env
        .post("/cgi-bin/freepublish/get", &json!({"publish_id": "123"}))
        .await;
    assert_errcode(&status, 53502);
}

async fn publish(env: &Env, titles: &[&str]) -> String {
    let id = add_draft(env, titles).await;
    let publish_id = submit(env, &id).await["publish_id"].clone();
    let status = env
        .post(
            "/cgi-bin/freepublish/get",
            &json!({"publish_id": publish_id}),
        )
        .await;
    status["article_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_published_article_is_read_and_deleted_one_by_one() {
    let env = env().await;
    let article_id = publish(&env, &["One", "Two"]).await;
    let got = env
        .post(
            "/cgi-bin/freepublish/getarticle",
            &json!({"article_id": article_id}),
        )
        .await;
    assert_eq!(got["news_item"][0]["title"], "One");
    assert_eq!(got["news_item"][0]["is_deleted"], false);

    let delete = |index: i64| json!({"article_id": article_id, "index": index});
    assert_errcode(
        &env.post("/cgi-bin/freepublish/delete", &delete(3)).await,
        47003,
    );
    assert_ok(&env.post("/cgi-bin/freepublish/delete", &delete(2)).await);
    let got = env
        .post(
            "/cgi-bin/freepublish/getarticle",
            &json!({"article_id": article_id}),
        )
        .await;
    assert_eq!(got["news_item"][1]["is_deleted"], true);
    assert_ok(&env.post("/cgi-bin/freepublish/delete", &delete(0)).await);
    let gone = env
        .post(
            "/cgi-bin/freepublish/getarticle",
            &json!({"article_id": article_id}),
        )
        .await;
    assert_errcode(&gone, 53600);
    assert_errcode(
        &env.post("/cgi-bin/freepublish/delete", &delete(0)).await,
        53600,
    );
}

#[tokio::test]
async fn published_batchget_lists_live_publications_newest_first() {
    let env = env().await;
    let first = publish(&env, &["first"]).await;
    let second = publish(&env, &["second"]).await;
    let gone = publish(&env, &["gone"]).await;
    let delete = json!({"article_id": gone});
    assert_ok(&env.post("/cgi-bin/freepublish/delete", &delete).await);
    let page = env
        .post(
            "/cgi-bin/freepublish/batchget",
            &json!({"offset": 0, "count": 20, "no_content": 1}),
        )
        .await;
    assert_eq!(page["total_count"], 2);
    let ids: Vec<&str> = page["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["article_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    assert!(
        page["item"][0]["content"]["news_item"][0]
            .get("content")
            .is_none()
    );
}

#[tokio::test]
async fn quota_get_reports_the_days_use_of_an_api() {
    let mut env = env_with(
        Sandbox::builder()
            .followers(3)
            .quotas(Quotas::default().set("/cgi-bin/user/get", 10)),
    )
    .await;
    env.advance_to_day_start().await;
    env.get("/cgi-bin/user/get").await;
    env.get("/cgi-bin/user/get").await;
    let body = env
        .post(
            "/cgi-bin/openapi/quota/get",
            &json!({"cgi_path": "/cgi-bin/user/get"}),
        )
        .await;
    assert_eq!(body["errcode"], 0);
    assert_eq!(
        body["quota"],
        json!({"daily_limit": 10, "used": 2, "remain": 8})
    );
    env.advance_to_day_start().await;
    let body = env
        .post(
            "/cgi-bin/openapi/quota/get",
            &json!({"cgi_path": "/cgi-bin/user/get"}),
        )
        .await;
    assert_eq!(body["quota"]["used"], 0);
}

#[tokio::test]
async fn quota_get_of_an_api_without_a_quota_is_76021() {
    let env = env_with(Sandbox::builder().quotas(Quotas::unlimited())).await;
    let body = env
        .post(
            "/cgi-bin/openapi/quota/get",
            &json!({"cgi_path": "/cgi-bin/user/get"}),
        )
        .await;
    assert_errcode(&body, 76021);
    let missing = env.post("/cgi-bin/openapi/quota/get", &json!({})).await;
    assert_errcode(&missing, 47003);
}
