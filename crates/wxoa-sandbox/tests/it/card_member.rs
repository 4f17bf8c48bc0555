//! Member cards: the activation form, a follower filling it in, activation, points and
//! balance, a member's data and the activation URL; each refusal in its own test.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::Sandbox;
use wxoa_types::xml;

use crate::card::{create, take};
use crate::support::{
    Env, assert_errcode, assert_fixture_shape, assert_ok, env, env_with, env_with_quiet_hook,
    request,
};

/// A member card from the fixture: its id.
async fn member_card(env: &Env) -> Value {
    let created = create(env, &request("card", "create_member_card", &[])).await;
    assert_eq!(created["errcode"], 0, "{created}");
    created["card_id"].clone()
}

/// The fixture's form set on the card.
async fn with_form(env: &Env, id: &Value) {
    let form = request(
        "card",
        "membercard_activateuserform_set",
        &[("CARD_ID", id.clone())],
    );
    let set = env
        .post("/card/membercard/activateuserform/set", &form)
        .await;
    assert_fixture_shape(&set, "card", "membercard_activateuserform_set");
}

/// A member card with its form, taken by the first follower: card id, code, follower.
async fn held_member_card(env: &Env) -> (Value, String, String) {
    let id = member_card(env).await;
    with_form(env, &id).await;
    let (code, openid) = take(env, &id).await;
    (id, code, openid)
}

/// The follower fills in the form: status and answer of the control call.
async fn fill_in(env: &Env, from: &str, code: &str, fields: Value) -> (StatusCode, Value) {
    env.control_post(
        "/sandbox/card-activation",
        &json!({"from": from, "code": code, "fields": fields}),
    )
    .await
}

fn filled() -> Value {
    json!({"USER_FORM_INFO_FLAG_MOBILE": "13800000000", "USER_FORM_INFO_FLAG_NAME": "Ada",
           "Favourite drink": "Tea", "Hobbies": ["Music", "Films"]})
}

/// The code activated with the fixture's body.
async fn activated(env: &Env) -> (Value, String, String) {
    let (id, code, openid) = held_member_card(env).await;
    let body = request(
        "card",
        "membercard_activate",
        &[("CARD_ID", id.clone()), ("CODE", json!(code))],
    );
    assert_ok(&env.post("/card/membercard/activate", &body).await);
    (id, code, openid)
}

#[tokio::test]
async fn a_member_fills_in_the_form_is_activated_and_earns_points() {
    let (hook, env) = env_with_quiet_hook(1).await;
    let (id, code, openid) = held_member_card(&env).await;
    let activation = env
        .control()
        .card_activation(&openid, &code, filled())
        .await
        .unwrap();
    assert_eq!(activation.card_id, id.as_str().unwrap());
    let ticket = json!(activation.activate_ticket);
    let info = env
        .post(
            "/card/membercard/activatetempinfo/get",
            &request(
                "card",
                "membercard_activatetempinfo_get",
                &[("ACTIVATE_TICKET", ticket)],
            ),
        )
        .await;
    assert_fixture_shape(&info, "card", "membercard_activatetempinfo_get");
    assert!(
        info["info"]["common_field_list"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "USER_FORM_INFO_FLAG_MOBILE", "value": "13800000000"}))
    );

    let values = [("CARD_ID", id.clone()), ("CODE", json!(code))];
    let before = env
        .post(
            "/card/membercard/userinfo/get",
            &request("card", "membercard_userinfo_get", &values),
        )
        .await;
    assert_eq!(before["has_active"], false);
    let body = request("card", "membercard_activate", &values);
    let answer = env.post("/card/membercard/activate", &body).await;
    assert_fixture_shape(&answer, "card", "membercard_activate");
    let member = env
        .post(
            "/card/membercard/userinfo/get",
            &request("card", "membercard_userinfo_get", &values),
        )
        .await;
    assert_fixture_shape(&member, "card", "membercard_userinfo_get");
    assert_eq!(member["has_active"], true);
    assert_eq!(member["membership_number"], "M-0001");
    assert_eq!(member["bonus"], 100);
    assert_eq!(member["balance"], 200);
    assert_eq!(member["openid"], openid.as_str());
    let custom = &member["user_info"]["custom_field_list"];
    assert!(
        custom
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Hobbies" && f["value_list"] == json!(["Music", "Films"])),
        "{member}"
    );

    let change = request("card", "membercard_updateuser", &values);
    let updated = env.post("/card/membercard/updateuser", &change).await;
    assert_fixture_shape(&updated, "card", "membercard_updateuser");
    // add_bonus moves the points; a balance total wins over its add_balance.
    assert_eq!(updated["result_bonus"], 120);
    assert_eq!(updated["result_balance"], 500);
    let pushed = hook
        .wait_for(4)
        .await
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .find(|e| e.child_text("Event") == Some("update_member_card"))
        .expect("an update_member_card push");
    assert_eq!(pushed.child_text("ModifyBonus"), Some("20"));
    assert_eq!(pushed.child_text("ModifyBalance"), Some("300"));
    let submitted = hook
        .received()
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .any(|e| e.child_text("Event") == Some("submit_membercard_user_info"));
    assert!(submitted, "a submit_membercard_user_info push");
}

#[tokio::test]
async fn the_activation_url_names_the_card_and_outer_str() {
    let env = env().await;
    let id = member_card(&env).await;
    let body = request(
        "card",
        "membercard_activate_geturl",
        &[("CARD_ID", id.clone())],
    );
    let answer = env.post("/card/membercard/activate/geturl", &body).await;
    assert_fixture_shape(&answer, "card", "membercard_activate_geturl");
    let url = answer["url"].as_str().unwrap();
    assert!(url.contains(id.as_str().unwrap()) && url.contains("outer_str=poster"));
}

#[tokio::test]
async fn a_member_card_without_prerogative_is_47003() {
    let env = env().await;
    let mut card = request("card", "create_member_card", &[]);
    card["card"]["member_card"]
        .as_object_mut()
        .unwrap()
        .remove("prerogative");
    assert_errcode(&create(&env, &card).await, 47003);
}

#[tokio::test]
async fn a_member_card_update_changes_its_prerogative() {
    let env = env().await;
    let id = member_card(&env).await;
    let body = request("card", "update_member_card", &[("CARD_ID", id.clone())]);
    let answer = env.post("/card/update", &body).await;
    assert_fixture_shape(&answer, "card", "update");
    let card = env.post("/card/get", &json!({"card_id": id})).await;
    assert_eq!(
        card["card"]["member_card"]["prerogative"],
        "15% off every coffee"
    );
}

/// Sets a form: the answer.
async fn set_form(env: &Env, form: &Value) -> Value {
    env.post("/card/membercard/activateuserform/set", form)
        .await
}

/// The fixture's form for a new member card, changed by `change`.
async fn form_with(env: &Env, change: impl FnOnce(&mut Value)) -> Value {
    let id = member_card(env).await;
    let mut form = request(
        "card",
        "membercard_activateuserform_set",
        &[("CARD_ID", id)],
    );
    change(&mut form);
    form
}

#[tokio::test]
async fn a_form_for_a_card_of_another_type_is_47003() {
    let env = env().await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let form = request(
        "card",
        "membercard_activateuserform_set",
        &[("CARD_ID", id)],
    );
    let answer = set_form(&env, &form).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("not a MEMBER_CARD")
    );
}

#[tokio::test]
async fn a_form_for_an_unknown_card_is_47003() {
    let env = env().await;
    let form = request(
        "card",
        "membercard_activateuserform_set",
        &[("CARD_ID", json!("pNothing"))],
    );
    assert_errcode(&set_form(&env, &form).await, 47003);
}

#[tokio::test]
async fn a_form_without_parts_is_47003() {
    let env = env().await;
    let form = form_with(&env, |f| {
        let map = f.as_object_mut().unwrap();
        map.remove("required_form");
        map.remove("optional_form");
    })
    .await;
    assert_errcode(&set_form(&env, &form).await, 47003);
}

#[tokio::test]
async fn a_form_with_an_unknown_common_field_is_47003() {
    let env = env().await;
    let form = form_with(&env, |f| {
        f["required_form"]["common_field_id_list"] = json!(["USER_FORM_INFO_FLAG_SHOE_SIZE"]);
    })
    .await;
    let answer = set_form(&env, &form).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("common_field_id_list[0]")
    );
}

#[tokio::test]
async fn a_choice_field_without_values_is_47003() {
    let env = env().await;
    let form = form_with(&env, |f| {
        f["required_form"]["rich_field_list"][0]["values"] = json!([]);
    })
    .await;
    assert_errcode(&set_form(&env, &form).await, 47003);
}

#[tokio::test]
async fn a_field_in_both_parts_is_47003() {
    let env = env().await;
    let form = form_with(&env, |f| {
        f["optional_form"]["common_field_id_list"] = json!(["USER_FORM_INFO_FLAG_MOBILE"]);
    })
    .await;
    let answer = set_form(&env, &form).await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("in both"));
}

#[tokio::test]
async fn a_form_link_that_is_not_a_url_is_47003() {
    let env = env().await;
    let form = form_with(&env, |f| {
        f["service_statement"]["url"] = json!("terms.html");
    })
    .await;
    assert_errcode(&set_form(&env, &form).await, 47003);
}

#[tokio::test]
async fn an_unknown_activate_ticket_is_47003() {
    let env = env().await;
    let body = json!({"activate_ticket": "no-such-ticket"});
    assert_errcode(
        &env.post("/card/membercard/activatetempinfo/get", &body)
            .await,
        47003,
    );
}

#[tokio::test]
async fn a_form_missing_a_required_field_is_refused_400() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (_, code, openid) = held_member_card(&env).await;
    let (status, answer) = fill_in(
        &env,
        &openid,
        &code,
        json!({"USER_FORM_INFO_FLAG_NAME": "Ada"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"].as_str().unwrap().contains("requires"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_form_with_a_field_it_does_not_ask_for_is_refused_400() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (_, code, openid) = held_member_card(&env).await;
    let mut fields = filled();
    fields["Shoe size"] = json!("42");
    let (status, answer) = fill_in(&env, &openid, &code, fields).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["error"].as_str().unwrap().contains("Shoe size"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_form_for_a_code_the_follower_does_not_hold_is_refused_404() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (_, _, openid) = held_member_card(&env).await;
    let (status, _) = fill_in(&env, &openid, "000000000000", filled()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Activates with the fixture's body changed by `change`: the answer.
async fn activate_with(env: &Env, change: impl FnOnce(&mut Value)) -> Value {
    let (id, code, _) = held_member_card(env).await;
    let mut body = request(
        "card",
        "membercard_activate",
        &[("CARD_ID", id), ("CODE", json!(code))],
    );
    change(&mut body);
    env.post("/card/membercard/activate", &body).await
}

#[tokio::test]
async fn activation_without_a_membership_number_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let answer = activate_with(&env, |b| b["membership_number"] = json!("")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_custom_value_over_12_bytes_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let answer = activate_with(&env, |b| {
        b["init_custom_field_value1"] = json!("金卡会员五")
    })
    .await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("init_custom_field_value1")
    );
}

#[tokio::test]
async fn an_activation_ending_before_it_begins_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let answer = activate_with(&env, |b| b["activate_end_time"] = json!(1_600_000_000)).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_negative_initial_balance_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let answer = activate_with(&env, |b| b["init_balance"] = json!(-1)).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn an_unknown_code_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let answer = activate_with(&env, |b| b["code"] = json!("000000000000")).await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn a_code_activated_twice_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (id, code, _) = activated(&env).await;
    let body = request(
        "card",
        "membercard_activate",
        &[("CARD_ID", id), ("CODE", json!(code))],
    );
    let answer = env.post("/card/membercard/activate", &body).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("already activated")
    );
}

#[tokio::test]
async fn activating_a_code_of_another_card_type_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let (code, _) = take(&env, &id).await;
    let body = request(
        "card",
        "membercard_activate",
        &[("CARD_ID", id), ("CODE", json!(code))],
    );
    let answer = env.post("/card/membercard/activate", &body).await;
    assert_errcode(&answer, 47003);
    assert!(
        answer["errmsg"]
            .as_str()
            .unwrap()
            .contains("not a MEMBER_CARD")
    );
}

#[tokio::test]
async fn updating_a_member_not_activated_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (id, code, _) = held_member_card(&env).await;
    let body = json!({"card_id": id, "code": code, "add_bonus": 5});
    let answer = env.post("/card/membercard/updateuser", &body).await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("not activated"));
}

#[tokio::test]
async fn points_below_zero_are_47003_and_change_nothing() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (id, code, _) = activated(&env).await;
    let body = json!({"card_id": id, "code": code, "add_bonus": 5, "add_balance": -201});
    let answer = env.post("/card/membercard/updateuser", &body).await;
    assert_errcode(&answer, 47003);
    assert!(answer["errmsg"].as_str().unwrap().contains("add_balance"));
    let member = env
        .post(
            "/card/membercard/userinfo/get",
            &json!({"card_id": id, "code": code}),
        )
        .await;
    assert_eq!(
        (member["bonus"].clone(), member["balance"].clone()),
        (json!(100), json!(200))
    );
}

#[tokio::test]
async fn a_record_over_42_bytes_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (id, code, _) = activated(&env).await;
    let body = json!({"card_id": id, "code": code, "add_bonus": 5,
                      "record_bonus": "一二三四五六七八九十一二三四五"});
    assert_errcode(&env.post("/card/membercard/updateuser", &body).await, 47003);
}

#[tokio::test]
async fn member_data_without_a_card_id_is_47003() {
    let env = env_with(Sandbox::builder().followers(1)).await;
    let (_, code, _) = activated(&env).await;
    let body = json!({"code": code});
    assert_errcode(
        &env.post("/card/membercard/userinfo/get", &body).await,
        47003,
    );
}

#[tokio::test]
async fn the_activation_url_of_a_card_of_another_type_is_47003() {
    let env = env().await;
    let id = create(&env, &request("card", "create", &[])).await["card_id"].clone();
    let body = json!({"card_id": id});
    assert_errcode(
        &env.post("/card/membercard/activate/geturl", &body).await,
        47003,
    );
}
