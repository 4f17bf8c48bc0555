//! `client.cards()` (api-reference §17) against the stub platform: the logo upload, a card of
//! each common type with its `base_info` checked, and the card QR code.

use serde_json::json;
use wxoa_client::Upload;
use wxoa_client::api::card::{BaseInfo, Card, CodeType, DateInfo};

use crate::contract_env::{contract, platform_error, refused_locally, request_fixture};

const UPLOADIMG: &str = "/cgi-bin/media/uploadimg";
const CREATE: &str = "/card/create";
const QRCODE: &str = "/card/qrcode/create";
const LOGO: &str = "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/0";

/// The `base_info` of `card/create.request.json`.
fn groupon_base() -> BaseInfo {
    BaseInfo::new(LOGO, "Shop", "Deal")
        .code_type(CodeType::Qrcode)
        .color("Color010")
        .notice("Show at counter")
        .description("Terms…")
        .quantity(500_000)
        .date_info(DateInfo::range(1_700_000_000, 1_710_000_000))
        .get_limit(3)
        .use_custom_code(false)
        .bind_openid(false)
        .can_share(true)
        .can_give_friend(true)
}

fn base(title: &str, code_type: CodeType, color: &str) -> BaseInfo {
    BaseInfo::new(LOGO, "Shop", title)
        .code_type(code_type)
        .color(color)
        .notice("Show at counter")
        .description("Terms")
        .quantity(1000)
        .date_info(DateInfo::range(1_700_000_000, 1_710_000_000))
}

#[tokio::test]
async fn the_logo_is_uploaded_with_uploadimg() {
    let env = contract().await;
    env.answer_fixture(UPLOADIMG, "media", "uploadimg").await;
    let url = env
        .client
        .cards()
        .upload_logo(Upload::bytes("logo.png", &b"\x89PNG"[..]))
        .await
        .unwrap();
    assert!(url.starts_with("http://mmbiz.qpic.cn/"));
    assert_eq!(
        env.last(UPLOADIMG)
            .field("media")
            .unwrap()
            .file_name
            .as_deref(),
        Some("logo.png")
    );
}

refused_locally!(
    a_logo_over_1_mib_is_refused,
    UPLOADIMG,
    ("media", "at most 1048576 bytes"),
    |client| client
        .cards()
        .upload_logo(Upload::bytes("logo.jpg", vec![0; 1024 * 1024 + 1]))
);

#[tokio::test]
async fn a_groupon_card_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let card_id = env
        .client
        .cards()
        .create(Card::groupon(groupon_base(), "…"))
        .await
        .unwrap();
    assert_eq!(card_id.as_str(), "p1Pj9jr90_SQRaVqYI239Ka1erkI");
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create", &[])
    );
}

#[tokio::test]
async fn a_cash_card_with_a_term() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = base("10 off", CodeType::Text, "Color020").date_info(DateInfo::term(30, 0));
    env.client
        .cards()
        .create(Card::cash(base, 10_000, 1_000))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create_cash", &[])
    );
}

#[tokio::test]
async fn a_discount_card() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = base("30% off", CodeType::Barcode, "Color030");
    env.client
        .cards()
        .create(Card::discount(base, 30))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create_discount", &[])
    );
}

#[tokio::test]
async fn a_gift_card() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = base("Free mug", CodeType::OnlyQrcode, "Color040");
    env.client
        .cards()
        .create(Card::gift(base, "A mug"))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create_gift", &[])
    );
}

#[tokio::test]
async fn a_general_coupon_at_the_largest_quantity() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = base("Coupon", CodeType::None, "Color102").quantity(100_000_000);
    env.client
        .cards()
        .create(Card::general_coupon(base, "One free refill"))
        .await
        .unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create_general_coupon", &[])
    );
}

#[tokio::test]
async fn other_fields_are_sent_as_they_are() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = groupon_base().field("custom_url", json!("https://example.com"));
    let card = Card::groupon(base, "deal").field("advanced_info", json!({"use_condition": {}}));
    env.client.cards().create(card).await.unwrap();
    let body = env.last_json(CREATE);
    assert_eq!(
        body["card"]["groupon"]["base_info"]["custom_url"],
        "https://example.com"
    );
    assert_eq!(
        body["card"]["groupon"]["advanced_info"],
        json!({"use_condition": {}})
    );
}

refused_locally!(
    a_brand_name_over_12_characters_is_refused,
    CREATE,
    (
        "card.groupon.base_info.brand_name",
        "at most 12 characters, got 13"
    ),
    |client| {
        let mut base = groupon_base();
        base.brand_name = "品".repeat(13);
        client.cards().create(Card::groupon(base, "deal"))
    }
);

refused_locally!(
    a_title_over_9_characters_is_refused,
    CREATE,
    ("card.cash.base_info.title", "at most 9 characters, got 10"),
    |client| client.cards().create(Card::cash(
        base("优惠券优惠券优惠券优", CodeType::Text, "Color010"),
        0,
        100
    ))
);

refused_locally!(
    a_notice_over_16_characters_is_refused,
    CREATE,
    ("card.groupon.base_info.notice", "at most 16 characters"),
    |client| client
        .cards()
        .create(Card::groupon(groupon_base().notice("n".repeat(17)), "deal"))
);

refused_locally!(
    a_description_over_1024_characters_is_refused,
    CREATE,
    (
        "card.groupon.base_info.description",
        "at most 1024 characters"
    ),
    |client| client.cards().create(Card::groupon(
        groupon_base().description("d".repeat(1025)),
        "deal"
    ))
);

refused_locally!(
    a_missing_notice_is_refused,
    CREATE,
    ("card.gift.base_info.notice", "must not be empty"),
    |client| client.cards().create(Card::gift(
        BaseInfo::new(LOGO, "Shop", "Gift")
            .code_type(CodeType::Text)
            .color("Color010")
            .description("d")
            .quantity(1)
            .date_info(DateInfo::term(1, 0)),
        "gift"
    ))
);

refused_locally!(
    a_missing_code_type_is_refused,
    CREATE,
    ("card.groupon.base_info.code_type", "required"),
    |client| {
        let mut base = groupon_base();
        base.code_type = None;
        client.cards().create(Card::groupon(base, "deal"))
    }
);

refused_locally!(
    an_unknown_code_type_is_refused,
    CREATE,
    ("card.groupon.base_info.code_type", "not a code type"),
    |client| client.cards().create(Card::groupon(
        groupon_base().code_type(CodeType::from("CODE_TYPE_SMOKE")),
        "deal"
    ))
);

refused_locally!(
    a_color_outside_the_palette_is_refused,
    CREATE,
    ("card.groupon.base_info.color", "Color010 … Color102"),
    |client| client
        .cards()
        .create(Card::groupon(groupon_base().color("#ff0000"), "deal"))
);

refused_locally!(
    a_quantity_over_100_million_is_refused,
    CREATE,
    ("card.groupon.base_info.sku.quantity", "at most 100000000"),
    |client| client
        .cards()
        .create(Card::groupon(groupon_base().quantity(100_000_001), "deal"))
);

refused_locally!(
    a_missing_quantity_is_refused,
    CREATE,
    ("card.groupon.base_info.sku.quantity", "required"),
    |client| {
        let mut base = groupon_base();
        base.quantity = None;
        client.cards().create(Card::groupon(base, "deal"))
    }
);

refused_locally!(
    a_range_ending_before_it_begins_is_refused,
    CREATE,
    (
        "card.groupon.base_info.date_info.end_timestamp",
        "after begin_timestamp"
    ),
    |client| client.cards().create(Card::groupon(
        groupon_base().date_info(DateInfo::range(10, 10)),
        "deal"
    ))
);

refused_locally!(
    a_term_of_0_days_is_refused,
    CREATE,
    (
        "card.groupon.base_info.date_info.fixed_term",
        "at least 1 day"
    ),
    |client| client.cards().create(Card::groupon(
        groupon_base().date_info(DateInfo::term(0, 0)),
        "deal"
    ))
);

refused_locally!(
    a_logo_that_is_not_a_url_is_refused,
    CREATE,
    ("card.groupon.base_info.logo_url", "http(s) URL"),
    |client| {
        let mut base = groupon_base();
        base.logo_url = "logo.png".to_owned();
        client.cards().create(Card::groupon(base, "deal"))
    }
);

refused_locally!(
    a_groupon_needs_its_deal_detail,
    CREATE,
    ("card.groupon.deal_detail", "must not be empty"),
    |client| client.cards().create(Card::groupon(groupon_base(), ""))
);

refused_locally!(
    a_cash_card_takes_something_off,
    CREATE,
    ("card.cash.reduce_cost", "more than 0 cents"),
    |client| client.cards().create(Card::cash(groupon_base(), 100, 0))
);

refused_locally!(
    a_discount_is_1_to_99_percent,
    CREATE,
    ("card.discount.discount", "1..=99 percent off, got 100"),
    |client| client.cards().create(Card::discount(groupon_base(), 100))
);

refused_locally!(
    a_gift_card_names_its_gift,
    CREATE,
    ("card.gift.gift", "must not be empty"),
    |client| client.cards().create(Card::gift(groupon_base(), ""))
);

refused_locally!(
    a_general_coupon_names_what_it_gives,
    CREATE,
    ("card.general_coupon.default_detail", "must not be empty"),
    |client| client
        .cards()
        .create(Card::general_coupon(groupon_base(), ""))
);

platform_error!(
    a_card_without_permission_is_48001,
    CREATE,
    48001,
    |client| client.cards().create(Card::groupon(groupon_base(), "deal"))
);

platform_error!(
    a_card_with_a_logo_not_from_uploadimg_is_40005,
    CREATE,
    40005,
    |client| client.cards().create(Card::groupon(groupon_base(), "deal"))
);

#[tokio::test]
async fn a_card_qrcode_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(QRCODE, "card", "qrcode_create").await;
    let qr = env
        .client
        .cards()
        .qrcode("CARD_ID")
        .expire_seconds(1800)
        .outer_str("12b")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(QRCODE),
        request_fixture("card", "qrcode_create", &[])
    );
    assert_eq!(qr.code.expire_seconds, Some(1800));
    assert!(
        qr.show_qrcode_url
            .starts_with("https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=")
    );
    assert_eq!(qr.code.url, "http://weixin.qq.com/q/BHWya_zlfioH6fXeL16o");
}

#[tokio::test]
async fn a_card_qrcode_for_one_user_and_code() {
    let env = contract().await;
    env.answer_fixture(QRCODE, "card", "qrcode_create").await;
    env.client
        .cards()
        .qrcode("CARD_ID")
        .code("198374613512")
        .openid("oUser")
        .unique_code(true)
        .await
        .unwrap();
    assert_eq!(
        env.last_json(QRCODE),
        json!({"action_name": "QR_CARD", "action_info": {"card": {
            "card_id": "CARD_ID", "code": "198374613512", "openid": "oUser", "is_unique_code": true
        }}})
    );
}

refused_locally!(
    a_card_qrcode_lives_at_least_60_seconds,
    QRCODE,
    ("expire_seconds", "60..=1800 seconds, got 59"),
    |client| client.cards().qrcode("C").expire_seconds(59)
);

refused_locally!(
    a_card_qrcode_lives_at_most_1800_seconds,
    QRCODE,
    ("expire_seconds", "60..=1800 seconds, got 1801"),
    |client| client.cards().qrcode("C").expire_seconds(1801)
);

refused_locally!(
    a_card_qrcode_needs_a_card,
    QRCODE,
    ("action_info.card.card_id", "must not be empty"),
    |client| client.cards().qrcode("")
);

platform_error!(
    a_card_qrcode_of_an_unknown_card_is_40053,
    QRCODE,
    40053,
    |client| client.cards().qrcode("NOPE")
);

/// A card read from a request fixture is sent back exactly as the fixture.
async fn round_trip(name: &str) {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let body = crate::contract_env::fixture("card", &format!("{name}.request.json"));
    let card = Card::from_json(&body).unwrap();
    env.client.cards().create(card).await.unwrap();
    assert_eq!(env.last_json(CREATE), body, "{name}");
}

#[tokio::test]
async fn a_groupon_card_file_round_trips() {
    round_trip("create").await;
}

#[tokio::test]
async fn a_cash_card_file_round_trips() {
    round_trip("create_cash").await;
}

#[tokio::test]
async fn a_discount_card_file_round_trips() {
    round_trip("create_discount").await;
}

#[tokio::test]
async fn a_gift_card_file_round_trips() {
    round_trip("create_gift").await;
}

#[tokio::test]
async fn a_general_coupon_file_round_trips() {
    round_trip("create_general_coupon").await;
}

#[tokio::test]
async fn a_member_card_file_round_trips() {
    round_trip("create_member_card").await;
}

#[tokio::test]
async fn a_member_card_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(CREATE, "card", "create").await;
    let base = BaseInfo::new(LOGO, "Shop", "Members")
        .code_type(CodeType::Qrcode)
        .color("Color010")
        .notice("Show at counter")
        .description("Terms")
        .quantity(100_000)
        .date_info(DateInfo::term(365, 0));
    let mut card = Card::member_card(base, "10% off every coffee", true, true);
    if let Card::MemberCard(member) = &mut card {
        member.wx_activate = Some(true);
    }
    env.client.cards().create(card).await.unwrap();
    assert_eq!(
        env.last_json(CREATE),
        request_fixture("card", "create_member_card", &[])
    );
}

refused_locally!(
    a_member_card_names_what_members_get,
    CREATE,
    ("card.member_card.prerogative", "must not be empty"),
    |client| client
        .cards()
        .create(Card::member_card(groupon_base(), "", true, false))
);

#[test]
fn a_card_file_of_an_unknown_type_is_refused() {
    let body = json!({"card": {"card_type": "LOTTERY", "lottery": {"base_info": {}}}});
    let message = Card::from_json(&body).unwrap_err().to_string();
    assert!(
        message.contains("card.card_type: must be GROUPON, CASH"),
        "{message}"
    );
}

#[test]
fn a_card_file_with_a_wrong_type_names_the_field() {
    let body = json!({"card_type": "CASH", "cash": {"base_info": {"sku": {"quantity": "many"}}, "reduce_cost": 1}});
    let message = Card::from_json(&body).unwrap_err().to_string();
    assert!(
        message.contains("card.cash.base_info.sku.quantity: must be an integer"),
        "{message}"
    );
}

/// The code requests send the spec's example bodies.
#[tokio::test]
async fn code_requests_send_the_spec_bodies() {
    let env = contract().await;
    let ok = json!({"errcode": 0, "errmsg": "ok"});
    env.answer_fixture("/card/code/consume", "card", "code_consume")
        .await;
    env.answer_fixture("/card/code/decrypt", "card", "code_decrypt")
        .await;
    env.answer("/card/code/update", ok.clone()).await;
    env.answer("/card/code/unavailable", ok).await;
    let cards = env.client.cards();
    cards.consume("CODE").card_id("CARD_ID").await.unwrap();
    cards.decrypt_code("ENCRYPT_CODE").await.unwrap();
    cards
        .update_code("CODE", "NEW_CODE")
        .card_id("CARD_ID")
        .await
        .unwrap();
    cards
        .withdraw_code("CODE")
        .card_id("CARD_ID")
        .reason("the customer asked for a refund")
        .await
        .unwrap();
    for (path, name) in [
        ("/card/code/consume", "code_consume"),
        ("/card/code/decrypt", "code_decrypt"),
        ("/card/code/update", "code_update"),
        ("/card/code/unavailable", "code_unavailable"),
    ] {
        assert_eq!(
            env.last_json(path),
            request_fixture("card", name, &[]),
            "{name}"
        );
    }
}
