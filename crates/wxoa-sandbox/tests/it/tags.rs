//! Tags: create, get, update, delete, members, batch (un)tagging, getidlist, and every limit.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, request};

async fn create(env: &Env, name: &str) -> Value {
    env.post("/cgi-bin/tags/create", &json!({"tag": {"name": name}}))
        .await
}

async fn tag_users(env: &Env, tag: &Value, ids: &[String]) -> Value {
    let body = json!({"openid_list": ids, "tagid": tag});
    env.post("/cgi-bin/tags/members/batchtagging", &body).await
}

#[tokio::test]
async fn create_and_get_have_the_spec_shapes() {
    let env = env().await;
    let created = env
        .post("/cgi-bin/tags/create", &request("tags", "create", &[]))
        .await;
    assert_fixture_shape(&created, "tags", "create");
    assert_eq!(created["tag"]["name"], "广东");
    let listed = env.get("/cgi-bin/tags/get").await;
    assert_fixture_shape(&listed, "tags", "get");
    assert_eq!(
        listed["tags"][0],
        json!({"id": 2, "name": "星标组", "count": 0})
    );
    assert_eq!(listed["tags"][1]["id"], created["tag"]["id"]);
}

#[tokio::test]
async fn a_name_over_30_bytes_is_45158() {
    let env = env().await;
    assert!(create(&env, &"a".repeat(30)).await.get("tag").is_some());
    // Ten CJK characters are 30 bytes, eleven are 33.
    assert!(create(&env, &"标".repeat(10)).await.get("tag").is_some());
    assert_errcode(&create(&env, &"签".repeat(11)).await, 45158);
}

#[tokio::test]
async fn a_duplicate_name_is_45157() {
    let env = env().await;
    create(&env, "广东").await;
    assert_errcode(&create(&env, "广东").await, 45157);
    assert_errcode(&create(&env, "星标组").await, 45157);
}

#[tokio::test]
async fn an_empty_name_is_47003() {
    let env = env().await;
    assert_errcode(&create(&env, "").await, 47003);
}

#[tokio::test]
async fn an_account_has_at_most_100_tags() {
    let env = env().await;
    for i in 0..100 {
        assert!(create(&env, &format!("t{i}")).await.get("tag").is_some());
    }
    assert_errcode(&create(&env, "one too many").await, 45056);
}

#[tokio::test]
async fn update_renames_and_checks_the_name() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    create(&env, "北京").await;
    let body = request("tags", "update", &[("TAG_ID", tag.clone())]);
    assert_ok(&env.post("/cgi-bin/tags/update", &body).await);
    assert_eq!(
        env.get("/cgi-bin/tags/get").await["tags"][1]["name"],
        "广东人"
    );
    let same = json!({"tag": {"id": tag, "name": "北京"}});
    assert_errcode(&env.post("/cgi-bin/tags/update", &same).await, 45157);
    let long = json!({"tag": {"id": tag, "name": "x".repeat(31)}});
    assert_errcode(&env.post("/cgi-bin/tags/update", &long).await, 45158);
}

#[tokio::test]
async fn reserved_tags_cannot_be_changed_or_deleted() {
    let env = env().await;
    for id in [0, 1, 2] {
        let update = json!({"tag": {"id": id, "name": "x"}});
        assert_errcode(&env.post("/cgi-bin/tags/update", &update).await, 45058);
        let delete = json!({"tag": {"id": id}});
        assert_errcode(&env.post("/cgi-bin/tags/delete", &delete).await, 45058);
    }
}

#[tokio::test]
async fn an_unknown_tag_id_is_45159() {
    let env = env().await;
    let update = json!({"tag": {"id": 999, "name": "x"}});
    assert_errcode(&env.post("/cgi-bin/tags/update", &update).await, 45159);
    assert_errcode(
        &env.post("/cgi-bin/tags/delete", &json!({"tag": {"id": 999}}))
            .await,
        45159,
    );
    let members = json!({"tagid": 999, "next_openid": ""});
    assert_errcode(&env.post("/cgi-bin/user/tag/get", &members).await, 45159);
    let ids = env.followers(1).await;
    assert_errcode(&tag_users(&env, &json!(999), &ids).await, 45159);
}

#[tokio::test]
async fn delete_removes_the_tag_from_its_members() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let ids = env.followers(2).await;
    assert_ok(&tag_users(&env, &tag, &ids).await);
    let body = request("tags", "delete", &[("TAG_ID", tag.clone())]);
    assert_ok(&env.post("/cgi-bin/tags/delete", &body).await);
    let list = env
        .post("/cgi-bin/tags/getidlist", &json!({"openid": ids[0]}))
        .await;
    assert_eq!(list["tagid_list"], json!([]));
}

#[tokio::test]
async fn members_are_listed_in_pages_with_next_openid() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let ids = env.followers(2).await;
    let body = request(
        "tags",
        "batchtagging",
        &[
            ("OPENID1", json!(ids[0])),
            ("OPENID2", json!(ids[1])),
            ("TAG_ID", tag.clone()),
        ],
    );
    assert_ok(&env.post("/cgi-bin/tags/members/batchtagging", &body).await);
    let page = env
        .post(
            "/cgi-bin/user/tag/get",
            &request("tags", "user_tag_get", &[("TAG_ID", tag.clone())]),
        )
        .await;
    assert_fixture_shape(&page, "tags", "user_tag_get");
    assert_eq!(page["count"], 2);
    let next = page["next_openid"].clone();
    let end = env
        .post(
            "/cgi-bin/user/tag/get",
            &json!({"tagid": tag, "next_openid": next}),
        )
        .await;
    assert_eq!(end["count"], 0);
    let listed = env.get("/cgi-bin/tags/get").await;
    assert_eq!(listed["tags"][1]["count"], 2);
}

#[tokio::test]
async fn getidlist_has_the_spec_shape() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let ids = env.followers(1).await;
    tag_users(&env, &tag, &ids).await;
    tag_users(&env, &json!(2), &ids).await;
    let body = request("tags", "getidlist", &[("OPENID", json!(ids[0]))]);
    let list = env.post("/cgi-bin/tags/getidlist", &body).await;
    assert_fixture_shape(&list, "tags", "getidlist");
    assert_eq!(list["tagid_list"], json!([tag, 2]));
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={}", ids[0]))
        .await;
    assert_eq!(info["tagid_list"], json!([tag, 2]));
}

#[tokio::test]
async fn a_batch_of_more_than_50_is_40032() {
    let env = crate::support::env_with(wxoa_sandbox::Sandbox::builder().followers(51)).await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let ids = env.followers(51).await;
    assert_errcode(&tag_users(&env, &tag, &ids).await, 40032);
    let untag = json!({"openid_list": ids, "tagid": tag});
    assert_errcode(
        &env.post("/cgi-bin/tags/members/batchuntagging", &untag)
            .await,
        40032,
    );
    assert_ok(&tag_users(&env, &tag, &ids[..50]).await);
}

#[tokio::test]
async fn an_empty_batch_is_40031() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    assert_errcode(&tag_users(&env, &tag, &[]).await, 40031);
}

#[tokio::test]
async fn tagging_someone_who_does_not_follow_is_40003_and_changes_nothing() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let mut ids = env.followers(1).await;
    ids.push("oUnknownUnknownUnknownUnknown".to_owned());
    assert_errcode(&tag_users(&env, &tag, &ids).await, 40003);
    let list = env
        .post("/cgi-bin/tags/getidlist", &json!({"openid": ids[0]}))
        .await;
    assert_eq!(list["tagid_list"], json!([]));
}

#[tokio::test]
async fn a_user_carries_at_most_20_tags() {
    let env = env().await;
    let ids = env.followers(1).await;
    for i in 0..20 {
        let tag = create(&env, &format!("t{i}")).await["tag"]["id"].clone();
        assert_ok(&tag_users(&env, &tag, &ids).await);
    }
    let tag = create(&env, "t20").await["tag"]["id"].clone();
    assert_errcode(&tag_users(&env, &tag, &ids).await, 45059);
}

#[tokio::test]
async fn untagging_removes_the_tag() {
    let env = env().await;
    let tag = create(&env, "广东").await["tag"]["id"].clone();
    let ids = env.followers(2).await;
    tag_users(&env, &tag, &ids).await;
    let untag = json!({"openid_list": [ids[0]], "tagid": tag});
    assert_ok(
        &env.post("/cgi-bin/tags/members/batchuntagging", &untag)
            .await,
    );
    let page = env
        .post("/cgi-bin/user/tag/get", &json!({"tagid": tag}))
        .await;
    assert_eq!(page["data"]["openid"], json!([ids[1]]));
}

#[tokio::test]
async fn getidlist_of_someone_not_following_is_40003() {
    let env = env().await;
    let body = json!({"openid": "oUnknownUnknownUnknownUnknown"});
    assert_errcode(&env.post("/cgi-bin/tags/getidlist", &body).await, 40003);
}
