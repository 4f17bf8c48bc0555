//! Permanent material.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, request};

async fn news(env: &Env) -> (String, String) {
    let thumb = env.permanent("thumb").await;
    let body = request("material", "add_news", &[("THUMB_MEDIA_ID", json!(thumb))]);
    let added = env.post("/cgi-bin/material/add_news", &body).await;
    assert_fixture_shape(&added, "material", "add_news");
    (added["media_id"].as_str().unwrap().to_owned(), thumb)
}

async fn get_material(env: &Env, id: &str) -> Value {
    let body = request("material", "get_material", &[("MEDIA_ID", json!(id))]);
    env.post("/cgi-bin/material/get_material", &body).await
}

#[tokio::test]
async fn an_image_has_a_url_and_other_files_do_not() {
    let env = env().await;
    let (name, bytes) = crate::support::sample("image");
    let image = env
        .upload(
            "/cgi-bin/material/add_material?type=image",
            name,
            bytes.clone(),
            &[],
        )
        .await;
    assert_fixture_shape(&image, "material", "add_material");
    let (name, voice) = crate::support::sample("voice");
    let voice = env
        .upload(
            "/cgi-bin/material/add_material?type=voice",
            name,
            voice,
            &[],
        )
        .await;
    assert_fixture_shape(&voice, "material", "add_material_voice");
    let id = image["media_id"].as_str().unwrap();
    let response = env
        .http
        .post(env.api("/cgi-bin/material/get_material"))
        .json(&json!({"media_id": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.bytes().await.unwrap().to_vec(), bytes);
}

#[tokio::test]
async fn permanent_material_does_not_expire() {
    let mut env = env().await;
    let id = env.permanent("voice").await;
    env.advance(30 * 86_400).await;
    env.refresh_token().await;
    let count = env.get("/cgi-bin/material/get_materialcount").await;
    assert_eq!(count["voice_count"], 1);
    assert_ok(
        &env.post("/cgi-bin/material/del_material", &json!({"media_id": id}))
            .await,
    );
}

#[tokio::test]
async fn a_video_needs_its_description() {
    let env = env().await;
    let (name, bytes) = crate::support::sample("video");
    let body = env
        .upload(
            "/cgi-bin/material/add_material?type=video",
            name,
            bytes,
            &[],
        )
        .await;
    assert_errcode(&body, 47001);
    let id = env.permanent("video").await;
    let video = get_material(&env, &id).await;
    assert_fixture_shape(&video, "material", "get_material_video");
    assert_eq!(video["title"], "T");
    assert_eq!(video["description"], "I");
    let down = env
        .http
        .get(video["down_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        down.bytes().await.unwrap().to_vec(),
        crate::support::sample("video").1
    );
}

#[tokio::test]
async fn news_is_added_read_and_updated() {
    let env = env().await;
    let (id, thumb) = news(&env).await;
    let got = get_material(&env, &id).await;
    assert_fixture_shape(&got, "material", "get_material_news");
    assert_eq!(got["news_item"][0]["title"], "TITLE");
    let update = request(
        "material",
        "update_news",
        &[("MEDIA_ID", json!(id)), ("THUMB_MEDIA_ID", json!(thumb))],
    );
    assert_ok(&env.post("/cgi-bin/material/update_news", &update).await);
    assert_eq!(
        get_material(&env, &id).await["news_item"][0]["title"],
        "NEW TITLE"
    );
    let mut bad = update.clone();
    bad["index"] = json!(1);
    assert_errcode(
        &env.post("/cgi-bin/material/update_news", &bad).await,
        47003,
    );
    bad["media_id"] = json!("nothing");
    assert_errcode(
        &env.post("/cgi-bin/material/update_news", &bad).await,
        40007,
    );
}

#[tokio::test]
async fn news_needs_one_to_eight_articles_with_an_existing_thumbnail() {
    let env = env().await;
    assert_errcode(
        &env.post("/cgi-bin/material/add_news", &json!({"articles": []}))
            .await,
        44003,
    );
    let thumb = env.permanent("thumb").await;
    let body = request("material", "add_news", &[("THUMB_MEDIA_ID", json!(thumb))]);
    let article = body["articles"][0].clone();
    let nine = json!({"articles": vec![article.clone(); 9]});
    assert_errcode(&env.post("/cgi-bin/material/add_news", &nine).await, 45008);
    let eight = json!({"articles": vec![article.clone(); 8]});
    assert!(
        env.post("/cgi-bin/material/add_news", &eight)
            .await
            .get("media_id")
            .is_some()
    );
    let mut unknown = article.clone();
    unknown["thumb_media_id"] = json!("nothing");
    let body = json!({"articles": [unknown]});
    assert_errcode(&env.post("/cgi-bin/material/add_news", &body).await, 40007);
    let mut untitled = article;
    untitled["title"] = json!("");
    let body = json!({"articles": [untitled]});
    assert_errcode(&env.post("/cgi-bin/material/add_news", &body).await, 47003);
}

#[tokio::test]
async fn counts_and_batches_have_the_spec_shapes() {
    let env = env().await;
    env.permanent("image").await;
    env.permanent("image").await;
    news(&env).await;
    let count = env.get("/cgi-bin/material/get_materialcount").await;
    assert_fixture_shape(&count, "material", "get_materialcount");
    assert_eq!(count["image_count"], 2);
    assert_eq!(count["news_count"], 1);
    assert_eq!(count["video_count"], 0);
    let body = request("material", "batchget_material", &[]);
    let images = env.post("/cgi-bin/material/batchget_material", &body).await;
    assert_fixture_shape(&images, "material", "batchget_material");
    assert_eq!(images["total_count"], 2);
    let page = env
        .post(
            "/cgi-bin/material/batchget_material",
            &json!({"type": "image", "offset": 1, "count": 1}),
        )
        .await;
    assert_eq!(page["item_count"], 1);
    let news = env
        .post(
            "/cgi-bin/material/batchget_material",
            &json!({"type": "news", "offset": 0, "count": 20}),
        )
        .await;
    assert_fixture_shape(&news, "material", "batchget_material_news");
}

#[tokio::test]
async fn batchget_checks_its_type_and_count() {
    let env = env().await;
    let body = json!({"type": "thumb", "offset": 0, "count": 20});
    assert_errcode(
        &env.post("/cgi-bin/material/batchget_material", &body).await,
        40004,
    );
    let body = json!({"type": "image", "offset": 0, "count": 21});
    assert_errcode(
        &env.post("/cgi-bin/material/batchget_material", &body).await,
        47003,
    );
}

#[tokio::test]
async fn material_used_by_the_menu_cannot_be_deleted_48005() {
    let env = env().await;
    let id = env.permanent("image").await;
    let menu = json!({"button": [{"type": "media_id", "name": "pic", "media_id": id}]});
    assert_ok(&env.post("/cgi-bin/menu/create", &menu).await);
    let delete = request("material", "del_material", &[("MEDIA_ID", json!(id))]);
    assert_errcode(
        &env.post("/cgi-bin/material/del_material", &delete).await,
        48005,
    );
    env.get("/cgi-bin/menu/delete").await;
    assert_ok(&env.post("/cgi-bin/material/del_material", &delete).await);
    assert_errcode(
        &env.post("/cgi-bin/material/del_material", &delete).await,
        40007,
    );
}
