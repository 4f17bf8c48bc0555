//! Customer-service agent accounts.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, json_of, request};

const ADD: &str = "/customservice/kfaccount/add";

async fn add(env: &Env, name: &str) -> Value {
    env.post(ADD, &json!({"kf_account": name, "nickname": "客服"}))
        .await
}

#[tokio::test]
async fn agents_are_added_listed_updated_and_deleted() {
    let env = env().await;
    assert_ok(&env.post(ADD, &request("kf", "kfaccount_add", &[])).await);
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert_fixture_shape(&list, "kf", "getkflist");
    assert_eq!(list["kf_list"][0]["kf_nick"], "客服1");
    let online = env.get("/cgi-bin/customservice/getonlinekflist").await;
    assert_fixture_shape(&online, "kf", "getonlinekflist");
    let update = json!({"kf_account": "test1@test", "nickname": "新名字"});
    assert_ok(&env.post("/customservice/kfaccount/update", &update).await);
    assert_eq!(
        env.get("/cgi-bin/customservice/getkflist").await["kf_list"][0]["kf_nick"],
        "新名字"
    );
    let deleted = json_of(
        env.http
            .get(env.api("/customservice/kfaccount/del?kf_account=test1@test")),
    )
    .await;
    assert_ok(&deleted);
    assert_eq!(
        env.get("/cgi-bin/customservice/getkflist").await["kf_list"],
        json!([])
    );
}

#[tokio::test]
async fn delete_also_takes_a_json_body() {
    let env = env().await;
    add(&env, "a@test").await;
    assert_ok(
        &env.post(
            "/customservice/kfaccount/del",
            &json!({"kf_account": "a@test"}),
        )
        .await,
    );
    assert_errcode(
        &env.post(
            "/customservice/kfaccount/del",
            &json!({"kf_account": "a@test"}),
        )
        .await,
        61452,
    );
}

#[tokio::test]
async fn account_names_are_checked() {
    let env = env().await;
    assert_errcode(&env.post(ADD, &json!({"nickname": "x"})).await, 61451);
    assert_errcode(
        &env.post(ADD, &json!({"kf_account": "a@test"})).await,
        61451,
    );
    assert_errcode(&add(&env, "no-at-sign").await, 61452);
    assert_errcode(&add(&env, "abcdefghijk@test").await, 61454);
    assert_errcode(&add(&env, "a_b@test").await, 61455);
    assert_ok(&add(&env, "abcdefghij@test").await);
    assert_errcode(&add(&env, "abcdefghij@test").await, 61453);
}

#[tokio::test]
async fn an_account_has_at_most_10_agents() {
    let env = env().await;
    for i in 0..10 {
        assert_ok(&add(&env, &format!("a{i}@test")).await);
    }
    assert_errcode(&add(&env, "a10@test").await, 61456);
}

#[tokio::test]
async fn unknown_agents_are_61452() {
    let env = env().await;
    let update = json!({"kf_account": "none@test", "nickname": "x"});
    assert_errcode(
        &env.post("/customservice/kfaccount/update", &update).await,
        61452,
    );
    let invite = json!({"kf_account": "none@test", "invite_wx": "wx"});
    assert_errcode(
        &env.post("/customservice/kfaccount/inviteworker", &invite)
            .await,
        61452,
    );
}

#[tokio::test]
async fn an_invitation_waits_for_seven_days() {
    let env = env().await;
    add(&env, "test1@test").await;
    let invite = request("kf", "inviteworker", &[]);
    assert_ok(
        &env.post("/customservice/kfaccount/inviteworker", &invite)
            .await,
    );
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert_fixture_shape(&list, "kf", "getkflist_invited");
    assert_eq!(list["kf_list"][0]["invite_status"], "waiting");
    let no_wx = json!({"kf_account": "test1@test"});
    assert_errcode(
        &env.post("/customservice/kfaccount/inviteworker", &no_wx)
            .await,
        65409,
    );
}

#[tokio::test]
async fn an_avatar_is_a_jpg_or_png() {
    let env = env().await;
    add(&env, "test1@test").await;
    let path = "/customservice/kfaccount/uploadheadimg?kf_account=test1@test";
    assert_ok(&env.upload(path, "me.png", vec![1; 100], &[]).await);
    let list = env.get("/cgi-bin/customservice/getkflist").await;
    assert!(
        list["kf_list"][0]["kf_headimgurl"]
            .as_str()
            .unwrap()
            .starts_with("http://")
    );
    assert_errcode(&env.upload(path, "me.gif", vec![1; 100], &[]).await, 61457);
    let unknown = "/customservice/kfaccount/uploadheadimg?kf_account=none@test";
    assert_errcode(
        &env.upload(unknown, "me.png", vec![1; 100], &[]).await,
        61452,
    );
}
