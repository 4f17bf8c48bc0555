//! The custom menu: create with every rule, get, delete, conditional menus, trymatch,
//! get_current_selfmenu_info.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, fixture, request};

async fn create(env: &Env, button: Value) -> Value {
    env.post("/cgi-bin/menu/create", &json!({"button": button}))
        .await
}

fn click(name: &str) -> Value {
    json!({"type": "click", "name": name, "key": "K"})
}

fn view(name: &str, url: &str) -> Value {
    json!({"type": "view", "name": name, "url": url})
}

#[tokio::test]
async fn a_menu_is_created_and_read_back_as_the_spec_shows_it() {
    let env = env().await;
    assert_ok(
        &env.post("/cgi-bin/menu/create", &request("menu", "create", &[]))
            .await,
    );
    let menu = env.get("/cgi-bin/menu/get").await;
    assert_fixture_shape(&menu, "menu", "get");
    assert_eq!(
        menu["menu"]["button"],
        fixture("menu", "get.response")["menu"]["button"]
    );
    let current = env.get("/cgi-bin/get_current_selfmenu_info").await;
    assert_eq!(
        current,
        fixture("menu", "get_current_selfmenu_info.response")
    );
}

#[tokio::test]
async fn without_a_menu_get_is_46003_and_selfmenu_is_closed() {
    let env = env().await;
    assert_errcode(&env.get("/cgi-bin/menu/get").await, 46003);
    assert_eq!(
        env.get("/cgi-bin/get_current_selfmenu_info").await,
        json!({"is_menu_open": 0})
    );
}

#[tokio::test]
async fn delete_removes_every_menu() {
    let env = env().await;
    create(&env, json!([click("a")])).await;
    assert_ok(&env.get("/cgi-bin/menu/delete").await);
    assert_errcode(&env.get("/cgi-bin/menu/get").await, 46003);
}

#[tokio::test]
async fn one_to_three_top_level_buttons_40016() {
    let env = env().await;
    assert_errcode(&create(&env, json!([])).await, 40016);
    let four = json!([click("a"), click("b"), click("c"), click("d")]);
    assert_errcode(&create(&env, four).await, 40016);
    assert_errcode(&env.post("/cgi-bin/menu/create", &json!({})).await, 40016);
    assert_ok(&create(&env, json!([click("a"), click("b"), click("c")])).await);
}

#[tokio::test]
async fn an_unknown_top_level_type_is_40017() {
    let env = env().await;
    let bad = json!([{"type": "teleport", "name": "a", "key": "k"}]);
    assert_errcode(&create(&env, bad).await, 40017);
    assert_errcode(&create(&env, json!([{"name": "a"}])).await, 40017);
}

#[tokio::test]
async fn an_empty_sub_menu_without_a_type_is_41007() {
    let env = env().await;
    assert_errcode(
        &create(&env, json!([{"name": "a", "sub_button": []}])).await,
        41007,
    );
}

#[tokio::test]
async fn a_top_level_name_is_1_to_16_bytes_40018() {
    let env = env().await;
    assert_ok(&create(&env, json!([click(&"a".repeat(16))])).await);
    assert_errcode(&create(&env, json!([click(&"a".repeat(17))])).await, 40018);
    assert_errcode(&create(&env, json!([click("")])).await, 40018);
    // Six CJK characters are 18 bytes.
    assert_errcode(&create(&env, json!([click("今日歌曲推荐")])).await, 40018);
}

#[tokio::test]
async fn a_key_is_1_to_128_bytes_40019_and_40026() {
    let env = env().await;
    let long = json!({"type": "click", "name": "a", "key": "k".repeat(129)});
    assert_errcode(&create(&env, json!([long])).await, 40019);
    let missing = json!({"type": "scancode_push", "name": "a"});
    assert_errcode(&create(&env, json!([missing])).await, 40019);
    let sub = json!({"type": "pic_weixin", "name": "a", "key": "k".repeat(129)});
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": [sub]}])).await,
        40026,
    );
    let ok = json!({"type": "click", "name": "a", "key": "k".repeat(128)});
    assert_ok(&create(&env, json!([ok])).await);
}

#[tokio::test]
async fn a_url_is_1_to_1024_bytes_40020_and_40027() {
    let env = env().await;
    let long = format!("http://example.com/{}", "a".repeat(1010));
    assert_errcode(&create(&env, json!([view("a", &long)])).await, 40020);
    let sub = view("a", &long);
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": [sub]}])).await,
        40027,
    );
    assert_errcode(
        &create(&env, json!([{"type": "view", "name": "a"}])).await,
        40020,
    );
}

#[tokio::test]
async fn a_url_must_be_http_or_https_40054_and_40055() {
    let env = env().await;
    assert_errcode(
        &create(&env, json!([view("a", "ftp://example.com/")])).await,
        40054,
    );
    assert_errcode(&create(&env, json!([view("a", "not a url")])).await, 40054);
    let sub = view("a", "javascript:alert(1)");
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": [sub]}])).await,
        40055,
    );
}

#[tokio::test]
async fn one_to_five_sub_buttons_40023() {
    let env = env().await;
    let six: Vec<Value> = (0..6).map(|i| click(&format!("s{i}"))).collect();
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": six}])).await,
        40023,
    );
    let five: Vec<Value> = (0..5).map(|i| click(&format!("s{i}"))).collect();
    assert_ok(&create(&env, json!([{"name": "m", "sub_button": five}])).await);
}

#[tokio::test]
async fn an_unknown_sub_button_type_is_40024() {
    let env = env().await;
    let sub = json!({"type": "teleport", "name": "s", "key": "k"});
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": [sub]}])).await,
        40024,
    );
}

#[tokio::test]
async fn a_sub_button_name_is_1_to_60_bytes_40025() {
    let env = env().await;
    let long = json!([{"name": "m", "sub_button": [click(&"a".repeat(61))]}]);
    assert_errcode(&create(&env, long).await, 40025);
    let ok = json!([{"name": "m", "sub_button": [click(&"a".repeat(60))]}]);
    assert_ok(&create(&env, ok).await);
}

#[tokio::test]
async fn there_is_no_third_level_40022() {
    let env = env().await;
    let deep = json!([{"name": "m", "sub_button": [{"name": "s", "sub_button": [click("x")]}]}]);
    assert_errcode(&create(&env, deep).await, 40022);
}

#[tokio::test]
async fn at_most_three_external_domains_65316() {
    let env = env().await;
    let subs: Vec<Value> = ["a.com", "b.com", "c.com", "d.com"]
        .iter()
        .map(|d| view("v", &format!("https://{d}/")))
        .collect();
    assert_errcode(
        &create(&env, json!([{"name": "m", "sub_button": subs}])).await,
        65316,
    );
    let subs: Vec<Value> = ["a.com", "b.com", "c.com", "mp.weixin.qq.com"]
        .iter()
        .map(|d| view("v", &format!("https://{d}/")))
        .collect();
    assert_ok(&create(&env, json!([{"name": "m", "sub_button": subs}])).await);
}

#[tokio::test]
async fn media_buttons_need_their_ids() {
    let env = env().await;
    assert_errcode(
        &create(&env, json!([{"type": "media_id", "name": "a"}])).await,
        40007,
    );
    assert_errcode(
        &create(&env, json!([{"type": "view_limited", "name": "a"}])).await,
        40007,
    );
    assert_errcode(
        &create(&env, json!([{"type": "article_id", "name": "a"}])).await,
        65308,
    );
    let unknown = json!([{"type": "media_id", "name": "a", "media_id": "MEDIA_ID"}]);
    assert_errcode(&create(&env, unknown).await, 40007);
    let material = env.permanent("image").await;
    let ok = json!([{"type": "media_id", "name": "a", "media_id": material},
                    {"type": "article_view_limited", "name": "b", "article_id": "ARTICLE_ID"}]);
    assert_ok(&create(&env, ok).await);
}

#[tokio::test]
async fn a_miniprogram_button_needs_an_appid_and_a_pagepath() {
    let env = env().await;
    let bad_appid = json!({"type": "miniprogram", "name": "a", "url": "http://mp.weixin.qq.com", "appid": "nope", "pagepath": "p"});
    assert_errcode(&create(&env, json!([bad_appid])).await, 45064);
    let no_path = json!({"type": "miniprogram", "name": "a", "url": "http://mp.weixin.qq.com", "appid": "wx286b93c14bbf93aa"});
    assert_errcode(&create(&env, json!([no_path])).await, 65308);
}

#[tokio::test]
async fn a_conditional_menu_needs_a_default_menu_65303() {
    let env = env().await;
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "t"}}))
        .await["tag"]["id"]
        .to_string();
    let body = request("menu", "addconditional", &[("TAG_ID", json!(tag))]);
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        65303,
    );
}

#[tokio::test]
async fn conditional_menus_are_added_matched_and_deleted() {
    let env = env().await;
    env.post("/cgi-bin/menu/create", &request("menu", "create", &[]))
        .await;
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "vip"}}))
        .await["tag"]["id"]
        .clone();
    let ids = env.followers(2).await;
    env.post(
        "/cgi-bin/tags/members/batchtagging",
        &json!({"openid_list": [ids[0]], "tagid": tag}),
    )
    .await;
    let conditional = json!({"button": [view("vip", "https://vip.example.com/")], "matchrule": {"tag_id": tag.to_string()}});
    let added = env.post("/cgi-bin/menu/addconditional", &conditional).await;
    assert_fixture_shape(&added, "menu", "addconditional");
    let matched = env
        .post(
            "/cgi-bin/menu/trymatch",
            &request("menu", "trymatch", &[("OPENID", json!(ids[0]))]),
        )
        .await;
    assert_fixture_shape(&matched, "menu", "trymatch");
    assert_eq!(matched["button"][0]["name"], "vip");
    let default = env
        .post("/cgi-bin/menu/trymatch", &json!({"user_id": ids[1]}))
        .await;
    assert_eq!(default["button"][0]["name"], "今日歌曲");
    let menu = env.get("/cgi-bin/menu/get").await;
    assert_eq!(
        menu["conditionalmenu"][0]["matchrule"]["tag_id"],
        tag.to_string()
    );
    assert_eq!(
        menu["conditionalmenu"][0]["menuid"].to_string(),
        added["menuid"].as_str().unwrap()
    );
    let delete = request(
        "menu",
        "delconditional",
        &[("MENU_ID", added["menuid"].clone())],
    );
    assert_ok(&env.post("/cgi-bin/menu/delconditional", &delete).await);
    assert_errcode(
        &env.post("/cgi-bin/menu/delconditional", &delete).await,
        65301,
    );
    let after = env
        .post("/cgi-bin/menu/trymatch", &json!({"user_id": ids[0]}))
        .await;
    assert_eq!(after["button"][0]["name"], "今日歌曲");
}

#[tokio::test]
async fn the_full_matchrule_of_the_spec_is_accepted() {
    let env = env().await;
    env.post("/cgi-bin/menu/create", &request("menu", "create", &[]))
        .await;
    let tag = env
        .post("/cgi-bin/tags/create", &json!({"tag": {"name": "t"}}))
        .await["tag"]["id"]
        .to_string();
    let body = request("menu", "addconditional", &[("TAG_ID", json!(tag))]);
    let added = env.post("/cgi-bin/menu/addconditional", &body).await;
    assert!(added["menuid"].is_string(), "{added}");
}

#[tokio::test]
async fn an_empty_matchrule_is_65304() {
    let env = env().await;
    create(&env, json!([click("a")])).await;
    let body = json!({"button": [click("b")], "matchrule": {}});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        65304,
    );
    let body = json!({"button": [click("b")]});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        65304,
    );
}

#[tokio::test]
async fn a_matchrule_with_an_unknown_tag_is_45159() {
    let env = env().await;
    create(&env, json!([click("a")])).await;
    let body = json!({"button": [click("b")], "matchrule": {"tag_id": "999"}});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        45159,
    );
}

#[tokio::test]
async fn a_region_names_its_parents_65310_65311() {
    let env = env().await;
    create(&env, json!([click("a")])).await;
    let body = json!({"button": [click("b")], "matchrule": {"province": "广东"}});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        65310,
    );
    let body = json!({"button": [click("b")], "matchrule": {"country": "中国", "city": "广州"}});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        65311,
    );
}

#[tokio::test]
async fn a_conditional_menu_follows_the_button_rules() {
    let env = env().await;
    create(&env, json!([click("a")])).await;
    let body = json!({"button": [], "matchrule": {"sex": "1"}});
    assert_errcode(
        &env.post("/cgi-bin/menu/addconditional", &body).await,
        40016,
    );
}

#[tokio::test]
async fn trymatch_of_an_unknown_user_is_65302_and_without_a_menu_46003() {
    let env = env().await;
    let ids = env.followers(1).await;
    assert_errcode(
        &env.post("/cgi-bin/menu/trymatch", &json!({"user_id": ids[0]}))
            .await,
        46003,
    );
    create(&env, json!([click("a")])).await;
    let unknown = json!({"user_id": "oUnknownUnknownUnknownUnknown"});
    assert_errcode(&env.post("/cgi-bin/menu/trymatch", &unknown).await, 65302);
}
