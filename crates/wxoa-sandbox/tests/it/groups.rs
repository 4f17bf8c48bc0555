//! Legacy groups.

use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, request};

async fn create(env: &Env, name: &str) -> Value {
    env.post("/cgi-bin/groups/create", &json!({"group": {"name": name}}))
        .await
}

#[tokio::test]
async fn create_and_get_have_the_spec_shapes() {
    let env = env().await;
    let created = env
        .post("/cgi-bin/groups/create", &request("groups", "create", &[]))
        .await;
    assert_fixture_shape(&created, "groups", "create");
    let listed = env.get("/cgi-bin/groups/get").await;
    assert_fixture_shape(&listed, "groups", "get");
    let groups = listed["groups"].as_array().unwrap();
    assert_eq!(groups[0], json!({"id": 0, "name": "未分组", "count": 20}));
    assert_eq!(groups[1]["name"], "黑名单");
    assert_eq!(groups[2]["name"], "星标组");
    assert_eq!(groups[3]["id"], created["group"]["id"]);
}

#[tokio::test]
async fn members_move_between_groups() {
    let env = env().await;
    let group = create(&env, "test").await["group"]["id"].clone();
    let ids = env.followers(3).await;
    let one = request(
        "groups",
        "members_update",
        &[("OPENID", json!(ids[0])), ("GROUP_ID", group.clone())],
    );
    assert_ok(&env.post("/cgi-bin/groups/members/update", &one).await);
    let many = request(
        "groups",
        "members_batchupdate",
        &[
            ("OPENID1", json!(ids[1])),
            ("OPENID2", json!(ids[2])),
            ("GROUP_ID", group.clone()),
        ],
    );
    assert_ok(&env.post("/cgi-bin/groups/members/batchupdate", &many).await);
    let id = env
        .post(
            "/cgi-bin/groups/getid",
            &request("groups", "getid", &[("OPENID", json!(ids[0]))]),
        )
        .await;
    assert_fixture_shape(&id, "groups", "getid");
    assert_eq!(id["groupid"], group);
    let listed = env.get("/cgi-bin/groups/get").await;
    assert_eq!(listed["groups"][0]["count"], 17);
    assert_eq!(listed["groups"][3]["count"], 3);
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={}", ids[0]))
        .await;
    assert_eq!(info["groupid"], group);
}

#[tokio::test]
async fn update_and_delete_apply_to_custom_groups() {
    let env = env().await;
    let group = create(&env, "test").await["group"]["id"].clone();
    let ids = env.followers(1).await;
    env.post(
        "/cgi-bin/groups/members/update",
        &json!({"openid": ids[0], "to_groupid": group}),
    )
    .await;
    let update = request("groups", "update", &[("GROUP_ID", group.clone())]);
    assert_ok(&env.post("/cgi-bin/groups/update", &update).await);
    assert_eq!(
        env.get("/cgi-bin/groups/get").await["groups"][3]["name"],
        "new"
    );
    let delete = request("groups", "delete", &[("GROUP_ID", group.clone())]);
    assert_ok(&env.post("/cgi-bin/groups/delete", &delete).await);
    let id = env
        .post("/cgi-bin/groups/getid", &json!({"openid": ids[0]}))
        .await;
    assert_eq!(
        id["groupid"], 0,
        "members of a deleted group return to group 0"
    );
}

#[tokio::test]
async fn system_groups_cannot_be_changed_45016() {
    let env = env().await;
    for id in [0, 1, 2] {
        let update = json!({"group": {"id": id, "name": "x"}});
        assert_errcode(&env.post("/cgi-bin/groups/update", &update).await, 45016);
        assert_errcode(
            &env.post("/cgi-bin/groups/delete", &json!({"group": {"id": id}}))
                .await,
            45016,
        );
    }
}

#[tokio::test]
async fn an_unknown_group_is_40050() {
    let env = env().await;
    let ids = env.followers(1).await;
    let moving = json!({"openid": ids[0], "to_groupid": 999});
    assert_errcode(
        &env.post("/cgi-bin/groups/members/update", &moving).await,
        40050,
    );
    let update = json!({"group": {"id": 999, "name": "x"}});
    assert_errcode(&env.post("/cgi-bin/groups/update", &update).await, 40050);
}

#[tokio::test]
async fn a_name_over_30_characters_is_45017_and_an_empty_one_40051() {
    let env = env().await;
    assert!(create(&env, &"组".repeat(30)).await.get("group").is_some());
    assert_errcode(&create(&env, &"组".repeat(31)).await, 45017);
    assert_errcode(&create(&env, "").await, 40051);
}

#[tokio::test]
async fn there_are_at_most_100_groups() {
    let env = env().await;
    for i in 0..97 {
        assert!(create(&env, &format!("g{i}")).await.get("group").is_some());
    }
    assert_errcode(&create(&env, "one too many").await, 45018);
}

#[tokio::test]
async fn a_batch_move_of_more_than_50_is_40032() {
    let env = crate::support::env_with(wxoa_sandbox::Sandbox::builder().followers(51)).await;
    let ids = env.followers(51).await;
    let body = json!({"openid_list": ids, "to_groupid": 2});
    assert_errcode(
        &env.post("/cgi-bin/groups/members/batchupdate", &body).await,
        40032,
    );
}

#[tokio::test]
async fn moving_someone_not_following_is_40003() {
    let env = env().await;
    let body = json!({"openid": "oUnknownUnknownUnknownUnknown", "to_groupid": 2});
    assert_errcode(
        &env.post("/cgi-bin/groups/members/update", &body).await,
        40003,
    );
}
