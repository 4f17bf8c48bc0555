//! Deposited codes, the test whitelist, landing pages, article HTML, the cards a follower
//! holds, and a card update that goes back to review; each refusal in its own test.

use serde_json::{Value, json};
use wxoa_sandbox::{CardRules, Sandbox};
use wxoa_types::xml;

use crate::card::{base, create, take};
use crate::support::{
    Answer, Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, hook, request,
};

/// A groupon whose codes are the merchant's own: its id.
async fn custom_card(env: &Env) -> Value {
    let mut card = request("card", "create", &[]);
    base(&mut card)["use_custom_code"] = json!(true);
    create(env, &card).await["card_id"].clone()
}

/// A groupon with the platform's codes: its id.
async fn plain_card(env: &Env) -> Value {
    create(env, &request("card", "create", &[])).await["card_id"].clone()
}

fn codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("C{i:05}")).collect()
}

#[tokio::test]
async fn deposited_codes_are_counted_checked_and_handed_out_first() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let id = custom_card(&env).await;
    let first = json!({"card_id": id, "code": ["33333"]});
    assert_eq!(
        env.post("/card/code/deposit", &first).await["succ_code"],
        json!(["33333"])
    );
    let deposit = request("card", "code_deposit", &[("CARD_ID", id.clone())]);
    let mut with_bad = deposit.clone();
    with_bad["code"]
        .as_array_mut()
        .unwrap()
        .push(json!("has space"));
    let done = env.post("/card/code/deposit", &with_bad).await;
    assert_fixture_shape(&done, "card", "code_deposit");
    assert_eq!(done["succ_code"], json!(["11111", "22222"]));
    assert_eq!(done["duplicate_code"], json!(["33333"]));
    assert_eq!(done["fail_code"], json!(["has space"]));

    let count = env
        .post(
            "/card/code/getdepositcount",
            &request("card", "code_getdepositcount", &[("CARD_ID", id.clone())]),
        )
        .await;
    assert_fixture_shape(&count, "card", "code_getdepositcount");
    assert_eq!(count["count"], 3);
    let checked = env
        .post(
            "/card/code/checkcode",
            &request("card", "code_checkcode", &[("CARD_ID", id.clone())]),
        )
        .await;
    assert_fixture_shape(&checked, "card", "code_checkcode");
    assert_eq!(checked["exist_code"], json!(["11111"]));
    assert_eq!(checked["not_exist_code"], json!(["44444"]));

    // A follower who takes the card gets a deposited code, which is no longer deposited.
    let (code, _) = take(&env, &id).await;
    assert_eq!(code, "11111");
    let count = env
        .post("/card/code/getdepositcount", &json!({"card_id": id}))
        .await;
    assert_eq!(count["count"], 2);
    let again = env
        .post(
            "/card/code/deposit",
            &json!({"card_id": id, "code": ["11111"]}),
        )
        .await;
    assert_eq!(
        again["duplicate_code"],
        json!(["11111"]),
        "a held code is a duplicate"
    );
}

#[tokio::test]
async fn codes_obtained_by_deposit_mode_count_as_custom() {
    let env = env().await;
    let mut card = request("card", "create", &[]);
    base(&mut card)["get_custom_code_mode"] = json!("GET_CUSTOM_CODE_MODE_DEPOSIT");
    let id = create(&env, &card).await["card_id"].clone();
    let done = env
        .post(
            "/card/code/deposit",
            &json!({"card_id": id, "code": ["A1"]}),
        )
        .await;
    assert_eq!(done["succ_code"], json!(["A1"]));
}

#[tokio::test]
async fn depositing_for_a_card_without_custom_codes_is_47003() {
    let env = env().await;
    let id = plain_card(&env).await;
    let answer = env
        .post(
            "/card/code/deposit",
            &json!({"card_id": id, "code": ["A1"]}),
        )
        .await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("custom codes"));
}

#[tokio::test]
async fn depositing_for_an_unknown_card_is_47003() {
    let env = env().await;
    let body = json!({"card_id": "pNothing", "code": ["A1"]});
    assert_errcode(&env.post("/card/code/deposit", &body).await, 47003);
}

#[tokio::test]
async fn depositing_more_than_100_codes_is_40109() {
    let env = env().await;
    let id = custom_card(&env).await;
    let body = json!({"card_id": id, "code": codes(101)});
    assert_errcode(&env.post("/card/code/deposit", &body).await, 40109);
    let body = json!({"card_id": id, "code": codes(100)});
    assert_eq!(
        env.post("/card/code/deposit", &body).await["succ_code"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
}

#[tokio::test]
async fn depositing_no_code_is_47003() {
    let env = env().await;
    let id = custom_card(&env).await;
    let body = json!({"card_id": id, "code": []});
    assert_errcode(&env.post("/card/code/deposit", &body).await, 47003);
}

#[tokio::test]
async fn the_deposit_limit_and_its_code_are_settings() {
    let rules = CardRules {
        max_codes_per_call: 2,
        too_many_codes_errcode: 47003,
        ..CardRules::default()
    };
    let env = env_with(Sandbox::builder().card_rules(rules)).await;
    let id = custom_card(&env).await;
    let body = json!({"card_id": id, "code": codes(3)});
    assert_errcode(&env.post("/card/code/deposit", &body).await, 47003);
}

#[tokio::test]
async fn the_deposit_count_of_a_card_without_custom_codes_is_47003() {
    let env = env().await;
    let id = plain_card(&env).await;
    let body = json!({"card_id": id});
    assert_errcode(&env.post("/card/code/getdepositcount", &body).await, 47003);
}

#[tokio::test]
async fn checking_more_than_100_codes_is_40109() {
    let env = env().await;
    let id = custom_card(&env).await;
    let body = json!({"card_id": id, "code": codes(101)});
    assert_errcode(&env.post("/card/code/checkcode", &body).await, 40109);
}

#[tokio::test]
async fn checking_no_code_is_47003() {
    let env = env().await;
    let id = custom_card(&env).await;
    let body = json!({"card_id": id});
    assert_errcode(&env.post("/card/code/checkcode", &body).await, 47003);
}

#[tokio::test]
async fn the_whitelist_is_replaced_each_time() {
    let env = env().await;
    let openids = env.followers(2).await;
    let body = request(
        "card",
        "testwhitelist_set",
        &[("OPENID", json!(openids[0]))],
    );
    let answer = env.post("/card/testwhitelist/set", &body).await;
    assert_fixture_shape(&answer, "card", "testwhitelist_set");
    let shown = env.control().card_whitelist().await.unwrap();
    assert_eq!(shown.openid, vec![openids[0].clone()]);
    assert_eq!(shown.username, vec!["tester42".to_owned()]);
    assert_ok(
        &env.post("/card/testwhitelist/set", &json!({"openid": [openids[1]]}))
            .await,
    );
    let shown = env.control().card_whitelist().await.unwrap();
    assert_eq!(shown.openid, vec![openids[1].clone()]);
    assert!(shown.username.is_empty());
}

#[tokio::test]
async fn a_whitelist_of_more_than_10_users_is_47003() {
    let env = env().await;
    let openids = env.followers(6).await;
    let usernames: Vec<String> = (0..5).map(|i| format!("tester{i}")).collect();
    let body = json!({"openid": openids, "username": usernames});
    let answer = env.post("/card/testwhitelist/set", &body).await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("at most 10"));
}

#[tokio::test]
async fn a_whitelist_naming_an_unknown_openid_is_40003() {
    let env = env().await;
    let body = json!({"openid": ["oNobodyKnowsThisOpenId00000"]});
    assert_errcode(&env.post("/card/testwhitelist/set", &body).await, 40003);
}

#[tokio::test]
async fn a_whitelist_with_an_empty_username_is_47003() {
    let env = env().await;
    let body = json!({"username": ["tester", ""]});
    let answer = env.post("/card/testwhitelist/set", &body).await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("username[1]"));
}

/// The fixture's landing page for a new card, changed by `change`: the answer.
async fn landing_with(env: &Env, change: impl FnOnce(&mut Value)) -> Value {
    let id = plain_card(env).await;
    let mut body = request("card", "landingpage_create", &[("CARD_ID", id)]);
    change(&mut body);
    env.post("/card/landingpage/create", &body).await
}

#[tokio::test]
async fn landing_pages_list_existing_cards() {
    let env = env().await;
    let first = landing_with(&env, |_| {}).await;
    assert_fixture_shape(&first, "card", "landingpage_create");
    assert_eq!(first["page_id"], 1);
    assert!(first["url"].as_str().unwrap().contains("page_id=1"));
    let second = landing_with(&env, |_| {}).await;
    assert_eq!(second["page_id"], 2);
}

#[tokio::test]
async fn a_landing_banner_that_is_not_a_url_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["banner"] = json!("banner.png")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_landing_page_without_a_title_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["page_title"] = json!("")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_landing_page_of_an_unknown_scene_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["scene"] = json!("SCENE_BILLBOARD")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_landing_page_without_cards_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["card_list"] = json!([])).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_landing_page_of_an_unknown_card_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["card_list"][0]["card_id"] = json!("pNothing")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_landing_thumbnail_that_is_not_a_url_is_47003() {
    let env = env().await;
    let answer = landing_with(&env, |b| b["card_list"][0]["thumb_url"] = json!("")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_custom_code_card_needs_deposited_codes_for_a_landing_page() {
    let env = env().await;
    let id = custom_card(&env).await;
    let body = request("card", "landingpage_create", &[("CARD_ID", id.clone())]);
    let answer = env.post("/card/landingpage/create", &body).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("deposited codes")
    );
    env.post(
        "/card/code/deposit",
        &json!({"card_id": id, "code": ["A1"]}),
    )
    .await;
    assert_eq!(
        env.post("/card/landingpage/create", &body).await["errcode"],
        0
    );
}

#[tokio::test]
async fn the_article_html_shows_the_card() {
    let env = env().await;
    let id = plain_card(&env).await;
    let body = request("card", "mpnews_gethtml", &[("CARD_ID", id.clone())]);
    let answer = env.post("/card/mpnews/gethtml", &body).await;
    assert_fixture_shape(&answer, "card", "mpnews_gethtml");
    let html = answer["content"].as_str().unwrap();
    assert!(
        html.starts_with("<iframe") && html.contains(id.as_str().unwrap()),
        "{html}"
    );
}

#[tokio::test]
async fn the_article_html_of_an_unknown_card_is_47003() {
    let env = env().await;
    let body = json!({"card_id": "pNothing"});
    assert_errcode(&env.post("/card/mpnews/gethtml", &body).await, 47003);
}

#[tokio::test]
async fn a_follower_s_usable_cards_are_listed() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (first, second) = (plain_card(&env).await, plain_card(&env).await);
    let (kept, openid) = take(&env, &first).await;
    let (used, _) = take(&env, &second).await;
    let (other, _) = take(&env, &second).await;
    let consumed = env.post("/card/code/consume", &json!({"code": used})).await;
    assert_eq!(consumed["errcode"], 0, "{consumed}");
    let body = request("card", "user_getcardlist", &[("OPENID", json!(openid))]);
    let held = env.post("/card/user/getcardlist", &body).await;
    assert_fixture_shape(&held, "card", "user_getcardlist");
    let mut listed: Vec<String> = held["card_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut expected = vec![kept, other.clone()];
    expected.sort();
    assert_eq!(listed, expected, "the consumed code is not listed");
    let only = env
        .post(
            "/card/user/getcardlist",
            &json!({"openid": openid, "card_id": second}),
        )
        .await;
    assert_eq!(
        only["card_list"],
        json!([{"code": other, "card_id": second}])
    );
}

#[tokio::test]
async fn the_cards_of_an_unknown_openid_are_40003() {
    let env = env().await;
    let body = json!({"openid": "oNobodyKnowsThisOpenId00000", "card_id": ""});
    assert_errcode(&env.post("/card/user/getcardlist", &body).await, 40003);
}

#[tokio::test]
async fn the_cards_of_an_unknown_card_id_are_47003() {
    let env = env().await;
    let openid = env.followers(1).await.remove(0);
    let body = json!({"openid": openid, "card_id": "pNothing"});
    assert_errcode(&env.post("/card/user/getcardlist", &body).await, 47003);
}

#[tokio::test]
async fn a_new_title_sends_the_card_back_to_review() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env =
        env_with(Sandbox::builder().webhook(wxoa_sandbox::Webhook::new(&hook.url, "token"))).await;
    let id = plain_card(&env).await;
    let notice = json!({"card_id": id, "groupon": {"base_info": {"notice": "At the till"}}});
    assert_eq!(env.post("/card/update", &notice).await["send_check"], false);
    let title = json!({"card_id": id, "groupon": {"base_info": {"title": "New deal"}}});
    assert_eq!(env.post("/card/update", &title).await["send_check"], true);
    let reviews = hook
        .wait_for(2)
        .await
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .filter(|e| e.child_text("Event") == Some("card_pass_check"))
        .count();
    assert_eq!(
        reviews, 2,
        "one review at creation, one after the new title"
    );
}
