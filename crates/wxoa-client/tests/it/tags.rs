//! `client.tags()` against the sandbox (api-reference §5).

use std::collections::BTreeSet;

use futures::TryStreamExt;
use serde_json::json;
use wxoa_client::api::tags::BATCH_MAX;

use crate::sandbox_env::{Env, env, errcode, refused, request_fixture};

const CREATE: &str = "/cgi-bin/tags/create";
const UPDATE: &str = "/cgi-bin/tags/update";
const DELETE: &str = "/cgi-bin/tags/delete";
const MEMBERS: &str = "/cgi-bin/user/tag/get";
const TAGGING: &str = "/cgi-bin/tags/members/batchtagging";
const UNTAGGING: &str = "/cgi-bin/tags/members/batchuntagging";
const ID_LIST: &str = "/cgi-bin/tags/getidlist";

async fn new_tag(env: &Env, name: &str) -> u32 {
    env.client.tags().create(name).await.unwrap().id
}

#[tokio::test]
async fn create_sends_the_spec_body_and_the_tag_is_listed() {
    let env = env(3).await;
    let tag = env.client.tags().create("广东").await.unwrap();
    assert_eq!(tag.name, "广东");
    assert_eq!(
        env.last_body(CREATE).await,
        request_fixture("tags", "create", &[])
    );
    let tags = env.client.tags().list().await.unwrap();
    let listed = tags.iter().find(|t| t.id == tag.id).unwrap();
    assert_eq!((listed.name.as_str(), listed.count), ("广东", Some(0)));
    assert!(
        tags.iter().any(|t| t.id == 2),
        "the reserved 星标组 is listed"
    );
}

#[tokio::test]
async fn a_name_over_30_bytes_is_refused_before_sending() {
    let env = env(3).await;
    // 10 CJK characters are 30 bytes; 11 are 33.
    new_tag(&env, &"标".repeat(10)).await;
    let message = refused(env.client.tags().create("标".repeat(11)).await);
    assert_eq!(message, "tag.name: longer than 30 bytes");
    assert!(refused(env.client.tags().create("").await).starts_with("tag.name: "));
    assert_eq!(env.calls(CREATE).await.len(), 1);
}

#[tokio::test]
async fn a_duplicate_name_is_45157() {
    let env = env(3).await;
    new_tag(&env, "VIP").await;
    assert_eq!(errcode(env.client.tags().create("VIP").await), 45157);
}

#[tokio::test]
async fn the_101st_tag_is_45056() {
    let env = env(3).await;
    for i in 0..100 {
        new_tag(&env, &format!("t{i}")).await;
    }
    assert_eq!(
        errcode(env.client.tags().create("one too many").await),
        45056
    );
}

#[tokio::test]
async fn update_sends_the_spec_body() {
    let env = env(3).await;
    let id = new_tag(&env, "广东").await;
    env.client.tags().update(id, "广东人").await.unwrap();
    let expected = request_fixture("tags", "update", &[("TAG_ID", json!(id))]);
    assert_eq!(env.last_body(UPDATE).await, expected);
    let tags = env.client.tags().list().await.unwrap();
    assert!(tags.iter().any(|t| t.id == id && t.name == "广东人"));
}

#[tokio::test]
async fn reserved_tags_are_never_changed() {
    let env = env(3).await;
    for id in [0, 1, 2] {
        let message = refused(env.client.tags().update(id, "x").await);
        assert!(message.starts_with("tag.id: tag "), "{message}");
        assert!(refused(env.client.tags().delete(id).await).contains("reserved"));
    }
    assert!(env.calls(UPDATE).await.is_empty() && env.calls(DELETE).await.is_empty());
}

#[tokio::test]
async fn update_of_an_unknown_tag_is_45159() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.tags().update(999, "x").await), 45159);
}

#[tokio::test]
async fn delete_sends_the_spec_body_and_untags_everyone() {
    let env = env(5).await;
    let id = new_tag(&env, "gone").await;
    let openids = env.followers(2).await;
    env.client.tags().tag(id, openids.clone()).await.unwrap();
    env.client.tags().delete(id).await.unwrap();
    let expected = request_fixture("tags", "delete", &[("TAG_ID", json!(id))]);
    assert_eq!(env.last_body(DELETE).await, expected);
    assert!(
        env.client
            .tags()
            .tags_of(openids[0].as_str())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn delete_of_an_unknown_tag_is_45159() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.tags().delete(999).await), 45159);
}

#[tokio::test]
async fn delete_of_a_tag_with_over_100000_fans_is_45057() {
    // Tagging 100,001 followers takes 2,001 calls: the platform's answer is played instead.
    let env = env(3).await;
    let id = new_tag(&env, "big").await;
    env.fail_next(DELETE, 45057).await;
    assert_eq!(errcode(env.client.tags().delete(id).await), 45057);
}

#[tokio::test]
async fn tagging_sends_the_spec_body() {
    let env = env(5).await;
    let id = new_tag(&env, "a").await;
    let openids = env.followers(2).await;
    env.client.tags().tag(id, openids.clone()).await.unwrap();
    let values = [
        ("OPENID1", json!(openids[0])),
        ("OPENID2", json!(openids[1])),
        ("TAG_ID", json!(id)),
    ];
    assert_eq!(
        env.last_body(TAGGING).await,
        request_fixture("tags", "batchtagging", &values)
    );
    env.client.tags().untag(id, openids).await.unwrap();
    assert_eq!(
        env.last_body(UNTAGGING).await,
        request_fixture("tags", "batchuntagging", &values)
    );
}

#[tokio::test]
async fn tagging_250_users_makes_five_calls_of_at_most_50() {
    let env = env(300).await;
    let id = new_tag(&env, "many").await;
    let openids = env.followers(250).await;
    env.client.tags().tag(id, openids.clone()).await.unwrap();
    let sizes: Vec<usize> = env
        .bodies(TAGGING)
        .await
        .iter()
        .map(|b| b["openid_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50; 5]);
    assert!(sizes.iter().all(|n| *n <= BATCH_MAX));
    let members: BTreeSet<String> = env
        .client
        .tags()
        .members(id)
        .map_ok(|o| o.into_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members, openids.iter().cloned().collect());
    env.client
        .tags()
        .untag(id, openids[..120].to_vec())
        .await
        .unwrap();
    let sizes: Vec<usize> = env
        .bodies(UNTAGGING)
        .await
        .iter()
        .map(|b| b["openid_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(
        env.client
            .tags()
            .list()
            .await
            .unwrap()
            .iter()
            .find(|t| t.id == id)
            .unwrap()
            .count,
        Some(130)
    );
}

#[tokio::test]
async fn tagging_nobody_is_refused_before_sending() {
    let env = env(3).await;
    let none: Vec<String> = Vec::new();
    assert!(refused(env.client.tags().tag(100, none).await).starts_with("openid_list: "));
    assert!(env.calls(TAGGING).await.is_empty());
}

#[tokio::test]
async fn tagging_an_unknown_openid_is_40003() {
    let env = env(3).await;
    let id = new_tag(&env, "a").await;
    assert_eq!(errcode(env.client.tags().tag(id, ["oNobody"]).await), 40003);
}

#[tokio::test]
async fn tagging_with_an_unknown_tag_is_45159() {
    let env = env(3).await;
    let openids = env.followers(1).await;
    assert_eq!(errcode(env.client.tags().tag(999, openids).await), 45159);
}

#[tokio::test]
async fn a_21st_tag_on_one_user_is_45059() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    for i in 0..20 {
        let id = new_tag(&env, &format!("t{i}")).await;
        env.client.tags().tag(id, [openid.as_str()]).await.unwrap();
    }
    let id = new_tag(&env, "t20").await;
    assert_eq!(
        errcode(env.client.tags().tag(id, [openid.as_str()]).await),
        45059
    );
}

#[tokio::test]
async fn an_openid_of_another_account_is_49003() {
    // The sandbox answers 40003 for any unknown OpenID: the platform's 49003 is played.
    let env = env(3).await;
    let id = new_tag(&env, "a").await;
    env.fail_next(TAGGING, 49003).await;
    assert_eq!(errcode(env.client.tags().tag(id, ["oOther"]).await), 49003);
}

#[tokio::test]
async fn a_failing_batch_stops_the_rest() {
    let env = env(200).await;
    let id = new_tag(&env, "a").await;
    let mut openids = env.followers(120).await;
    openids[60] = "oNobody".to_owned();
    assert_eq!(errcode(env.client.tags().tag(id, openids).await), 40003);
    // The first batch was applied, the second failed, the third was never sent.
    assert_eq!(env.calls(TAGGING).await.len(), 2);
}

#[tokio::test]
async fn members_page_sends_the_spec_body() {
    let env = env(5).await;
    let id = new_tag(&env, "a").await;
    let openids = env.followers(2).await;
    env.client.tags().tag(id, openids.clone()).await.unwrap();
    let page = env.client.tags().members_page(id).await.unwrap();
    assert_eq!((page.count, page.total), (2, None));
    let expected = request_fixture("tags", "user_tag_get", &[("TAG_ID", json!(id))]);
    assert_eq!(env.last_body(MEMBERS).await, expected);
    let rest = env
        .client
        .tags()
        .members_page(id)
        .next_openid(page.next_openid.clone())
        .await
        .unwrap();
    assert_eq!(rest.count, 0);
}

#[tokio::test]
async fn members_of_an_unknown_tag_is_45159() {
    let env = env(3).await;
    let result: Result<Vec<_>, _> = env.client.tags().members(999).try_collect().await;
    assert_eq!(errcode(result), 45159);
}

#[tokio::test]
async fn tags_of_a_user_sends_the_spec_body() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    let id = new_tag(&env, "a").await;
    env.client.tags().tag(id, [openid.as_str()]).await.unwrap();
    assert_eq!(
        env.client.tags().tags_of(openid.as_str()).await.unwrap(),
        [id]
    );
    let expected = request_fixture("tags", "getidlist", &[("OPENID", json!(openid))]);
    assert_eq!(env.last_body(ID_LIST).await, expected);
}

#[tokio::test]
async fn tags_of_someone_unknown_is_40003() {
    let env = env(3).await;
    assert_eq!(errcode(env.client.tags().tags_of("oNobody").await), 40003);
}
