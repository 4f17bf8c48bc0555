//! `client.cards()` updates and member cards against the sandbox's scripted answers: the bodies sent are
//! the request fixtures written from the spec (api-reference-2 §10), the answers are read from
//! the response fixtures, and every rule refuses before anything is sent.

use serde_json::json;
use wxoa_client::api::card::{
    ActivationForm, BaseInfoChanges, CardChanges, CommonField, CustomValue, FormLink, FormPart,
    Notify, RichField, RichFieldType, UserCardStatus,
};

use crate::contract_env::{contract, refused_locally, request_fixture};

const UPDATE: &str = "/card/update";
const FORM: &str = "/card/membercard/activateuserform/set";
const ACTIVATE: &str = "/card/membercard/activate";
const UPDATE_USER: &str = "/card/membercard/updateuser";
const TEMP_INFO: &str = "/card/membercard/activatetempinfo/get";
const USER_INFO: &str = "/card/membercard/userinfo/get";
const GET_URL: &str = "/card/membercard/activate/geturl";
const BG: &str = "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/bg";

#[tokio::test]
async fn an_update_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(UPDATE, "card", "update").await;
    let changes = CardChanges::groupon().base_info(
        BaseInfoChanges::new()
            .description("New terms: one per table.")
            .notice("Show at the till"),
    );
    let updated = env.client.cards().update("CARD_ID", changes).await.unwrap();
    assert!(!updated.send_check);
    assert_eq!(
        env.last_json(UPDATE),
        request_fixture("card", "update", &[])
    );
}

#[tokio::test]
async fn a_member_card_update_from_a_file_round_trips() {
    let env = contract().await;
    env.answer(
        UPDATE,
        json!({"errcode": 0, "errmsg": "ok", "send_check": true}),
    )
    .await;
    let body = request_fixture("card", "update_member_card", &[]);
    let changes = CardChanges::from_json(&body).unwrap();
    let card_id = CardChanges::card_id_of(&body);
    let updated = env.client.cards().update(card_id, changes).await.unwrap();
    assert!(updated.send_check);
    assert_eq!(env.last_json(UPDATE), body);
}

#[test]
fn an_update_file_without_a_known_type_is_refused() {
    let body = json!({"card_id": "p1", "lottery": {"base_info": {}}});
    let message = CardChanges::from_json(&body).unwrap_err().to_string();
    assert!(message.contains("card type: must be groupon"), "{message}");
}

#[test]
fn an_update_file_with_a_wrong_type_names_the_field() {
    let body = json!({"card_id": "p1", "cash": {"base_info": {"can_share": "yes"}}});
    let message = CardChanges::from_json(&body).unwrap_err().to_string();
    assert!(message.contains("cash.base_info.can_share"), "{message}");
}

refused_locally!(
    an_update_that_changes_nothing_is_refused,
    UPDATE,
    ("groupon", "changes nothing"),
    |client| client.cards().update("C", CardChanges::groupon())
);

refused_locally!(
    an_update_of_the_stock_is_refused,
    UPDATE,
    ("cash.base_info.sku", "modifystock"),
    |client| client.cards().update(
        "C",
        CardChanges::cash().base_info(BaseInfoChanges::new().field("sku", json!({"quantity": 1})))
    )
);

refused_locally!(
    an_updated_title_over_9_characters_is_refused,
    UPDATE,
    ("gift.base_info.title", "at most 9 characters"),
    |client| client.cards().update(
        "C",
        CardChanges::gift().base_info(BaseInfoChanges::new().title("一二三四五六七八九十"))
    )
);

refused_locally!(
    an_updated_color_outside_the_palette_is_refused,
    UPDATE,
    ("groupon.base_info.color", "Color010"),
    |client| client.cards().update(
        "C",
        CardChanges::groupon().base_info(BaseInfoChanges::new().color("Color200"))
    )
);

refused_locally!(
    an_update_needs_a_card,
    UPDATE,
    ("card_id", "must not be empty"),
    |client| client.cards().update(
        "",
        CardChanges::member_card().field("prerogative", json!("x"))
    )
);

/// The form of `membercard_activateuserform_set.request.json`.
fn form() -> ActivationForm {
    let required = FormPart::new()
        .can_modify(false)
        .common(CommonField::Mobile)
        .common(CommonField::Name)
        .rich(RichField::new(
            RichFieldType::Radio,
            "Favourite drink",
            ["Tea", "Coffee"],
        ));
    let optional = FormPart::new()
        .common(CommonField::Birthday)
        .custom("Nickname")
        .rich(RichField::new(
            RichFieldType::CheckBox,
            "Hobbies",
            ["Music", "Hiking", "Films"],
        ));
    ActivationForm::new(Some(required), Some(optional))
        .service_statement(FormLink::new("Member terms", "https://example.com/terms"))
}

#[tokio::test]
async fn the_activation_form_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(FORM, "card", "membercard_activateuserform_set")
        .await;
    env.client
        .cards()
        .set_activation_form("CARD_ID", form())
        .await
        .unwrap();
    let sent = env.last_json(FORM);
    assert_eq!(
        sent,
        request_fixture("card", "membercard_activateuserform_set", &[])
    );
    assert_eq!(ActivationForm::from_json(&sent).unwrap(), form());
}

refused_locally!(
    a_form_without_parts_is_refused,
    FORM,
    ("required_form", "needs a required_form or an optional_form"),
    |client| client
        .cards()
        .set_activation_form("C", ActivationForm::new(None, None))
);

refused_locally!(
    a_field_in_both_parts_is_refused,
    FORM,
    ("optional_form", "USER_FORM_INFO_FLAG_MOBILE is in both"),
    |client| client.cards().set_activation_form(
        "C",
        ActivationForm::new(
            Some(FormPart::new().common(CommonField::Mobile)),
            Some(FormPart::new().common(CommonField::Mobile))
        )
    )
);

refused_locally!(
    an_unknown_common_field_is_refused,
    FORM,
    (
        "required_form.common_field_id_list[0]",
        "must be USER_FORM_INFO_FLAG_MOBILE"
    ),
    |client| client.cards().set_activation_form(
        "C",
        ActivationForm::new(
            Some(FormPart::new().common(CommonField::from("SHOE"))),
            None
        )
    )
);

refused_locally!(
    a_choice_without_values_is_refused,
    FORM,
    (
        "optional_form.rich_field_list[0].values",
        "at least one value"
    ),
    |client| client.cards().set_activation_form(
        "C",
        ActivationForm::new(
            None,
            Some(FormPart::new().rich(RichField::new(
                RichFieldType::Select,
                "Size",
                Vec::<String>::new()
            )))
        )
    )
);

refused_locally!(
    a_terms_link_that_is_not_a_url_is_refused,
    FORM,
    ("service_statement.url", "http or https"),
    |client| client.cards().set_activation_form(
        "C",
        form().service_statement(FormLink::new("Terms", "terms.html"))
    )
);

#[tokio::test]
async fn an_activation_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(ACTIVATE, "card", "membercard_activate")
        .await;
    env.client
        .cards()
        .activate_member("CODE", "M-0001")
        .card_id("CARD_ID")
        .background_pic_url(BG)
        .valid(1_700_000_000, 1_710_000_000)
        .init_bonus(100, "Welcome points")
        .init_balance(200)
        .init_custom_value(CustomValue::First, "Gold")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(ACTIVATE),
        request_fixture("card", "membercard_activate", &[])
    );
}

refused_locally!(
    an_activation_needs_a_membership_number,
    ACTIVATE,
    ("membership_number", "must not be empty"),
    |client| client.cards().activate_member("CODE", "")
);

refused_locally!(
    a_custom_value_over_12_bytes_is_refused,
    ACTIVATE,
    ("init_custom_field_value2", "at most 12 bytes, got 15"),
    |client| client
        .cards()
        .activate_member("CODE", "M1")
        .init_custom_value(CustomValue::Second, "金卡会员五")
);

refused_locally!(
    an_activation_ending_before_it_begins_is_refused,
    ACTIVATE,
    ("activate_end_time", "after activate_begin_time"),
    |client| client.cards().activate_member("CODE", "M1").valid(10, 5)
);

refused_locally!(
    negative_starting_points_are_refused,
    ACTIVATE,
    ("init_bonus", "at least 0, got -1"),
    |client| client
        .cards()
        .activate_member("CODE", "M1")
        .init_bonus(-1, "")
);

refused_locally!(
    a_background_that_is_not_a_url_is_refused,
    ACTIVATE,
    ("background_pic_url", "http or https"),
    |client| client
        .cards()
        .activate_member("CODE", "M1")
        .background_pic_url("bg.png")
);

#[tokio::test]
async fn a_member_update_sends_the_spec_body_and_reads_the_totals() {
    let env = contract().await;
    env.answer_fixture(UPDATE_USER, "card", "membercard_updateuser")
        .await;
    let mut notify = Notify::default();
    notify.is_notify_bonus = Some(true);
    notify.is_notify_balance = Some(true);
    let now = env
        .client
        .cards()
        .update_member("CODE")
        .card_id("CARD_ID")
        .add_bonus(20)
        .record_bonus("Coffee")
        .balance(500)
        .add_balance(300)
        .record_balance("Top-up")
        .custom_value(CustomValue::First, "Silver")
        .notify(notify)
        .await
        .unwrap();
    assert_eq!((now.result_bonus, now.result_balance), (120, 500));
    assert_eq!(now.openid.as_str(), "oFS7Fjl0WsZ9AMZqrI80nbIq8xrA");
    assert_eq!(
        env.last_json(UPDATE_USER),
        request_fixture("card", "membercard_updateuser", &[])
    );
}

refused_locally!(
    a_member_update_that_changes_nothing_is_refused,
    UPDATE_USER,
    ("code", "changes nothing"),
    |client| client.cards().update_member("CODE")
);

refused_locally!(
    a_record_without_its_change_is_refused,
    UPDATE_USER,
    ("record_balance", "needs balance or add_balance"),
    |client| client
        .cards()
        .update_member("CODE")
        .add_bonus(1)
        .record_balance("why")
);

refused_locally!(
    a_record_over_42_bytes_is_refused,
    UPDATE_USER,
    ("record_bonus", "at most 42 bytes"),
    |client| client
        .cards()
        .update_member("CODE")
        .add_bonus(1)
        .record_bonus("一二三四五六七八九十一二三四五")
);

refused_locally!(
    a_negative_total_is_refused,
    UPDATE_USER,
    ("balance", "at least 0"),
    |client| client.cards().update_member("CODE").balance(-5)
);

#[tokio::test]
async fn what_a_follower_filled_in_is_read() {
    let env = contract().await;
    env.answer_fixture(TEMP_INFO, "card", "membercard_activatetempinfo_get")
        .await;
    let filled = env
        .client
        .cards()
        .activation_info("ACTIVATE_TICKET")
        .await
        .unwrap();
    assert_eq!(filled.common_field_list[0].value, "13800000000");
    assert_eq!(filled.custom_field_list[0].value_list, ["Music", "Films"]);
    assert_eq!(
        env.last_json(TEMP_INFO),
        request_fixture("card", "membercard_activatetempinfo_get", &[])
    );
}

refused_locally!(
    filled_in_values_need_a_ticket,
    TEMP_INFO,
    ("activate_ticket", "must not be empty"),
    |client| client.cards().activation_info("")
);

#[tokio::test]
async fn a_member_is_read() {
    let env = contract().await;
    env.answer_fixture(USER_INFO, "card", "membercard_userinfo_get")
        .await;
    let member = env.client.cards().member("CARD_ID", "CODE").await.unwrap();
    assert_eq!(member.membership_number, "M-0001");
    assert_eq!((member.bonus, member.balance), (120, 500));
    assert_eq!(member.user_card_status, UserCardStatus::Normal);
    assert!(member.has_active);
    assert_eq!(
        member.user_info.common_field_list[0].name,
        "USER_FORM_INFO_FLAG_MOBILE"
    );
    assert_eq!(
        env.last_json(USER_INFO),
        request_fixture("card", "membercard_userinfo_get", &[])
    );
}

refused_locally!(
    a_member_is_read_by_card_and_code,
    USER_INFO,
    ("card_id", "must not be empty"),
    |client| client.cards().member("", "CODE")
);

#[tokio::test]
async fn the_activation_url_is_read() {
    let env = contract().await;
    env.answer_fixture(GET_URL, "card", "membercard_activate_geturl")
        .await;
    let url = env
        .client
        .cards()
        .activation_url("CARD_ID")
        .outer_str("poster")
        .await
        .unwrap();
    assert!(url.starts_with("https://mp.weixin.qq.com/bizmall/activatemembercard"));
    assert_eq!(
        env.last_json(GET_URL),
        request_fixture("card", "membercard_activate_geturl", &[])
    );
}
