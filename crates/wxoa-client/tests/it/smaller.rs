//! The smaller areas against the sandbox's scripted answers: what the client sends is compared whole with
//! the request fixtures written from the spec (`fixtures/api/{migration,misc,marketing,cv}`),
//! and the response fixtures decode into the typed answers.

use serde_json::{Value, json};
use wxoa_client::Upload;
use wxoa_client::api::autoreply::ReplyType;
use wxoa_client::api::cv::{IdCardSide, Image};
use wxoa_client::api::marketing::{ActionSetType, UserAction};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::contract_env::{contract, platform_error, request_fixture};
use crate::sandbox_env::query_fixture;

const CHANGE: &str = "/cgi-bin/changeopenid";
const RID: &str = "/cgi-bin/openapi/rid/get";
const ADD_SET: &str = "/marketing/user_action_sets/add";
const GET_SETS: &str = "/marketing/user_action_sets/get";
const ADD_ACTIONS: &str = "/marketing/user_actions/add";

#[tokio::test]
async fn changeopenid_sends_the_spec_body_and_reads_each_result() {
    let env = contract().await;
    env.answer_fixture(CHANGE, "migration", "changeopenid")
        .await;
    let changes = env
        .client
        .migration()
        .change_openids("wxold", ["o1", "o2"])
        .await
        .unwrap();
    let expected = request_fixture(
        "migration",
        "changeopenid",
        &[
            ("FROM_APPID", json!("wxold")),
            ("OPENID1", json!("o1")),
            ("OPENID2", json!("o2")),
        ],
    );
    assert_eq!(env.last_json(CHANGE), expected);
    assert_eq!(
        changes[0].new_openid().unwrap().as_str(),
        "o2FwqwI9xCsVadFah_HtpPfaR-X4"
    );
    assert_eq!(changes[1].new_openid(), None);
    assert_eq!(changes[1].err_msg, "ori_openid error");
}

platform_error!(changeopenid_reports_63183, CHANGE, 63183, |client| client
    .migration()
    .change_openids("wxold", ["o1"]));

#[tokio::test]
async fn the_autoreply_example_decodes() {
    let env = contract().await;
    env.answer_fixture(
        "/cgi-bin/get_current_autoreply_info",
        "autoreply",
        "get_current_autoreply_info",
    )
    .await;
    let info = env.client.autoreply().current().await.unwrap();
    assert_eq!(info.is_autoreply_open, Some(true));
    let replies = &info.keyword_autoreply_info.list[0].reply_list_info;
    assert_eq!(replies[1].kind, ReplyType::Voice);
    assert_eq!(
        env.last("/cgi-bin/get_current_autoreply_info").method,
        "GET"
    );
}

#[tokio::test]
async fn rid_get_sends_the_spec_body_and_reads_the_call() {
    let env = contract().await;
    env.answer_fixture(RID, "misc", "rid_get").await;
    let call = env
        .client
        .misc()
        .rid("6437c2ad-4a2a9fd7-2ae2bd4f")
        .await
        .unwrap();
    assert_eq!(
        env.last_json(RID),
        request_fixture(
            "misc",
            "rid_get",
            &[("RID", json!("6437c2ad-4a2a9fd7-2ae2bd4f"))]
        )
    );
    assert_eq!(call.invoke_time, 1_635_156_704);
    assert_eq!(call.cost_in_ms, 30);
    assert!(call.response_body.contains("45009"));
}

platform_error!(rid_get_reports_76003, RID, 76003, |client| client
    .misc()
    .rid("6437c2ad-4a2a9fd7-2ae2bd4f"));

#[tokio::test]
async fn marketing_sends_the_spec_bodies_with_the_version() {
    let env = contract().await;
    env.answer_fixture(ADD_SET, "marketing", "user_action_sets_add")
        .await;
    env.answer_fixture(GET_SETS, "marketing", "user_action_sets_get")
        .await;
    env.answer_fixture(ADD_ACTIONS, "marketing", "user_actions_add")
        .await;
    let marketing = env.client.marketing();
    let id = marketing
        .add_action_set(ActionSetType::Web, "shop")
        .description("the shop")
        .await
        .unwrap();
    assert_eq!(id, 1_109_624_852);
    assert_eq!(
        env.last_json(ADD_SET),
        request_fixture(
            "marketing",
            "user_action_sets_add",
            &[("NAME", json!("shop")), ("DESCRIPTION", json!("the shop"))]
        )
    );
    assert_eq!(env.last(ADD_SET).query["version"], "v1.0");
    let sets = marketing.action_sets().id(id).await.unwrap();
    let query: Value = serde_json::to_value(&env.last(GET_SETS).query).unwrap();
    assert_eq!(
        query,
        query_fixture(
            "marketing",
            "user_action_sets_get",
            &[("SET_ID", json!(id.to_string()))]
        )
    );
    assert_eq!(sets[0].activate_status, Some(true));
    assert_eq!(sets[0].created_time.as_deref(), Some("2024-01-02 00:00:05"));
    marketing
        .add_actions([UserAction::new(id, "RESERVATION", 1_700_000_000, "OPENID")
            .url("http://example.com/shop")
            .click_id("gdt_vid")
            .param("source", "Biz")
            .param("claim_type", 1)])
        .await
        .unwrap();
    assert_eq!(
        env.last_json(ADD_ACTIONS),
        request_fixture(
            "marketing",
            "user_actions_add",
            &[
                ("SET_ID", json!(id)),
                ("APPID", json!(DEFAULT_APP_ID)),
                ("OPENID", json!("OPENID"))
            ]
        )
    );
}

platform_error!(marketing_reports_47003, ADD_ACTIONS, 47003, |client| client
    .marketing()
    .add_actions([UserAction::new(1, "REGISTER", 1, "o1")]));

#[tokio::test]
async fn an_image_is_uploaded_as_img_or_named_as_img_url() {
    let env = contract().await;
    env.answer_fixture("/cv/ocr/platenum", "cv", "platenum")
        .await;
    let plate = env
        .client
        .ocr()
        .plate_number(Image::upload(Upload::bytes("car.jpg", vec![1, 2, 3])))
        .await
        .unwrap();
    assert_eq!(plate.number.as_deref(), Some("粤A00000"));
    let request = env.last("/cv/ocr/platenum");
    assert_eq!(request.form[0].name, "img");
    assert_eq!(request.form[0].data.as_ref(), [1, 2, 3]);
    env.client
        .ocr()
        .plate_number(Image::url("https://example.com/car.jpg"))
        .await
        .unwrap();
    let request = env.last("/cv/ocr/platenum");
    assert_eq!(request.query["img_url"], "https://example.com/car.jpg");
    assert!(request.body.is_empty());
}

/// Answers `path` with the fixture `cv/<name>` and calls it about an image URL.
macro_rules! decodes {
    ($test:ident, $path:literal, $name:literal, |$ocr:ident, $image:ident| $call:expr, |$answer:ident| $check:expr) => {
        #[tokio::test]
        async fn $test() {
            let env = contract().await;
            env.answer_fixture($path, "cv", $name).await;
            let $ocr = env.client.clone();
            let $image = Image::url("https://example.com/i.jpg");
            let $answer = $call.await.unwrap();
            $check;
        }
    };
}

decodes!(
    idcard_front_decodes,
    "/cv/ocr/idcard",
    "idcard_front",
    |c, i| c.ocr().id_card(i),
    |a| {
        assert_eq!(a.side, Some(IdCardSide::Front));
        assert_eq!(a.id.as_deref(), Some("11010519491231002X"))
    }
);
decodes!(
    idcard_back_decodes,
    "/cv/ocr/idcard",
    "idcard_back",
    |c, i| c.ocr().id_card(i),
    |a| {
        assert_eq!(a.side, Some(IdCardSide::Back));
        assert!(a.valid_date.is_some())
    }
);
decodes!(
    bankcard_decodes,
    "/cv/ocr/bankcard",
    "bankcard",
    |c, i| c.ocr().bank_card(i),
    |a| assert_eq!(a.card_number(), Some("6222000000000000"))
);
decodes!(
    vehicle_license_decodes,
    "/cv/ocr/driving",
    "driving",
    |c, i| c.ocr().vehicle_license(i),
    |a| {
        assert_eq!(a.plate_num.as_deref(), Some("粤B12345"));
        assert_eq!(a.card_position_front.unwrap().pos.right_top.x, 300)
    }
);
decodes!(
    driving_license_decodes,
    "/cv/ocr/drivinglicense",
    "drivinglicense",
    |c, i| c.ocr().driving_license(i),
    |a| assert_eq!(a.car_class.as_deref(), Some("C1"))
);
decodes!(
    business_license_decodes,
    "/cv/ocr/bizlicense",
    "bizlicense",
    |c, i| c.ocr().business_license(i),
    |a| {
        assert_eq!(a.valid_period.as_deref(), Some("长期"));
        assert_eq!(a.img_size.unwrap().w, 640)
    }
);
decodes!(
    text_decodes,
    "/cv/ocr/comm",
    "comm",
    |c, i| c.ocr().text(i),
    |a| {
        assert_eq!(a.items[0].text, "欢迎关注");
        assert_eq!(a.items[0].pos.left_bottom.y, 200)
    }
);
decodes!(
    qrcode_decodes,
    "/cv/img/qrcode",
    "qrcode",
    |c, i| c.img().qrcode(i),
    |a| assert_eq!(a.code_results[0].data, "http://weixin.qq.com/q/TICKET")
);
decodes!(
    superresolution_decodes,
    "/cv/img/superresolution",
    "superresolution",
    |c, i| c.img().superresolution(i),
    |a| assert_eq!(a.media_id.as_str(), "MEDIA_ID")
);
decodes!(
    aicrop_decodes,
    "/cv/img/aicrop",
    "aicrop",
    |c, i| c.img().aicrop(i).ratios([1.0, 2.7]),
    |a| assert_eq!(a.results[1].crop_right, 991)
);

platform_error!(ocr_reports_101003, "/cv/ocr/comm", 101003, |client| client
    .ocr()
    .text(Image::url("https://example.com/i.jpg")));
