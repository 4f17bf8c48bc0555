//! `client.groups()`, the legacy groups, against the sandbox (api-reference §4).

use serde_json::json;
use wxoa_client::api::groups::BATCH_MAX;

use crate::sandbox_env::{Env, env, errcode, refused, request_fixture};

const CREATE: &str = "/cgi-bin/groups/create";
const GET_ID: &str = "/cgi-bin/groups/getid";
const UPDATE: &str = "/cgi-bin/groups/update";
const MOVE: &str = "/cgi-bin/groups/members/update";
const MOVE_MANY: &str = "/cgi-bin/groups/members/batchupdate";
const DELETE: &str = "/cgi-bin/groups/delete";

/// A follower moved into a new group: the OpenID and the group id.
async fn in_new_group(env: &Env) -> (String, u32) {
    let openid = env.followers(1).await.remove(0);
    let id = env.client.groups().create("new").await.unwrap().id;
    env.client
        .groups()
        .move_user(openid.as_str(), id)
        .await
        .unwrap();
    (openid, id)
}

#[tokio::test]
async fn create_sends_the_spec_body_and_the_group_is_listed() {
    let env = env(3).await;
    let group = env.client.groups().create("test").await.unwrap();
    assert_eq!(group.name, "test");
    assert_eq!(
        env.last_body(CREATE).await,
        request_fixture("groups", "create", &[])
    );
    let groups = env.client.groups().list().await.unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g.id == group.id && g.count == Some(0))
    );
    let system: Vec<u32> = groups.iter().map(|g| g.id).filter(|id| *id <= 2).collect();
    assert_eq!(system, [0, 1, 2]);
    assert_eq!(groups.iter().find(|g| g.id == 0).unwrap().count, Some(3));
}

#[tokio::test]
async fn a_name_over_30_characters_is_refused_before_sending() {
    let env = env(3).await;
    env.client.groups().create("组".repeat(30)).await.unwrap();
    let message = refused(env.client.groups().create("组".repeat(31)).await);
    assert_eq!(message, "group.name: longer than 30 characters");
    assert!(refused(env.client.groups().create("").await).starts_with("group.name: "));
    assert_eq!(env.calls(CREATE).await.len(), 1);
}

#[tokio::test]
async fn a_blank_name_is_40051() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.groups().create("   ").await), 40051);
}

#[tokio::test]
async fn the_101st_group_is_45018() {
    let env = env(3).await;
    // Three system groups and 97 of the account's make 100.
    for i in 0..97 {
        env.client.groups().create(format!("g{i}")).await.unwrap();
    }
    assert_eq!(
        errcode(env.client.groups().create("one too many").await),
        45018
    );
}

#[tokio::test]
async fn group_of_a_user_sends_the_spec_body() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(
        env.client.groups().group_of(openid.as_str()).await.unwrap(),
        0
    );
    let expected = request_fixture("groups", "getid", &[("OPENID", json!(openid))]);
    assert_eq!(env.last_body(GET_ID).await, expected);
}

#[tokio::test]
async fn group_of_someone_unknown_is_40003() {
    let env = env(3).await;
    assert_eq!(
        errcode(env.client.groups().group_of("oNobody").await),
        40003
    );
}

#[tokio::test]
async fn update_sends_the_spec_body() {
    let env = env(3).await;
    let id = env.client.groups().create("old").await.unwrap().id;
    env.client.groups().update(id, "new").await.unwrap();
    let expected = request_fixture("groups", "update", &[("GROUP_ID", json!(id))]);
    assert_eq!(env.last_body(UPDATE).await, expected);
    let groups = env.client.groups().list().await.unwrap();
    assert!(groups.iter().any(|g| g.id == id && g.name == "new"));
}

#[tokio::test]
async fn system_groups_are_never_changed() {
    let env = env(3).await;
    for id in [0, 1, 2] {
        assert!(refused(env.client.groups().update(id, "x").await).starts_with("group.id: "));
        assert!(refused(env.client.groups().delete(id).await).contains("system group"));
    }
    assert!(env.calls(UPDATE).await.is_empty() && env.calls(DELETE).await.is_empty());
}

#[tokio::test]
async fn update_of_an_unknown_group_is_40050() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.groups().update(999, "x").await), 40050);
}

#[tokio::test]
async fn moving_a_user_sends_the_spec_body() {
    let env = env(3).await;
    let (openid, id) = in_new_group(&env).await;
    let expected = request_fixture(
        "groups",
        "members_update",
        &[("OPENID", json!(openid)), ("GROUP_ID", json!(id))],
    );
    assert_eq!(env.last_body(MOVE).await, expected);
    assert_eq!(
        env.client.groups().group_of(openid.as_str()).await.unwrap(),
        id
    );
}

#[tokio::test]
async fn moving_into_an_unknown_group_is_40050() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(
        errcode(env.client.groups().move_user(openid.as_str(), 999).await),
        40050
    );
}

#[tokio::test]
async fn moving_many_users_sends_the_spec_body() {
    let env = env(3).await;
    let openids = env.followers(2).await;
    let id = env.client.groups().create("to").await.unwrap().id;
    env.client
        .groups()
        .move_users(openids.clone(), id)
        .await
        .unwrap();
    let expected = request_fixture(
        "groups",
        "members_batchupdate",
        &[
            ("OPENID1", json!(openids[0])),
            ("OPENID2", json!(openids[1])),
            ("GROUP_ID", json!(id)),
        ],
    );
    assert_eq!(env.last_body(MOVE_MANY).await, expected);
}

#[tokio::test]
async fn moving_120_users_makes_three_calls_of_at_most_50() {
    let env = env(150).await;
    let openids = env.followers(120).await;
    let id = env.client.groups().create("to").await.unwrap().id;
    env.client
        .groups()
        .move_users(openids.clone(), id)
        .await
        .unwrap();
    let sizes: Vec<usize> = env
        .bodies(MOVE_MANY)
        .await
        .iter()
        .map(|b| b["openid_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert!(sizes.iter().all(|n| *n <= BATCH_MAX));
    let groups = env.client.groups().list().await.unwrap();
    assert_eq!(groups.iter().find(|g| g.id == id).unwrap().count, Some(120));
}

#[tokio::test]
async fn moving_an_unknown_openid_is_40003() {
    let env = env(3).await;
    let id = env.client.groups().create("to").await.unwrap().id;
    assert_eq!(
        errcode(env.client.groups().move_users(["oNobody"], id).await),
        40003
    );
}

#[tokio::test]
async fn delete_sends_the_spec_body_and_members_fall_back_to_group_0() {
    let env = env(3).await;
    let (openid, id) = in_new_group(&env).await;
    env.client.groups().delete(id).await.unwrap();
    let expected = request_fixture("groups", "delete", &[("GROUP_ID", json!(id))]);
    assert_eq!(env.last_body(DELETE).await, expected);
    assert_eq!(
        env.client.groups().group_of(openid.as_str()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn delete_of_an_unknown_group_is_40050() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.groups().delete(999).await), 40050);
}

#[tokio::test]
async fn a_name_the_platform_refuses_is_45017() {
    // Local validation counts characters as the spec says; the platform's own refusal of a
    // name it finds too long is played.
    let env = env(3).await;
    env.fail_next(CREATE, 45017).await;
    assert_eq!(errcode(env.client.groups().create("名字").await), 45017);
}

#[tokio::test]
async fn a_system_group_the_platform_refuses_is_45016() {
    let env = env(3).await;
    let id = env.client.groups().create("g").await.unwrap().id;
    env.fail_next(UPDATE, 45016).await;
    assert_eq!(errcode(env.client.groups().update(id, "x").await), 45016);
}
