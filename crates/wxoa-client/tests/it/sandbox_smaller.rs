//! The smaller areas against the sandbox (api-reference-2 §6–§9, §11): `client.migration()`,
//! `client.autoreply()`, `client.misc().rid()`, `client.marketing()`, `client.ocr()` and
//! `client.img()` — each endpoint, each platform error in its own test, and the refusals made
//! before anything leaves.

use serde_json::json;
use wxoa_client::Upload;
use wxoa_client::api::autoreply::{MatchMode, ReplyMode, ReplyType};
use wxoa_client::api::cv::{IdCardSide, IdCardType, Image};
use wxoa_client::api::marketing::{ActionSetType, UserAction};
use wxoa_client::api::media::MediaContent;
use wxoa_sandbox::{CvRules, Sandbox};

use crate::sandbox_env::{Env, api_code, env, env_with, errcode, fixture, refused};

const OLD: &str = "wx00000000000000aa";

async fn migrated() -> Env {
    env_with(Sandbox::builder().followers(2).seed(3).migrate_from(OLD)).await
}

/// The JPEG of a live QR code of the account, and the URL it encodes.
async fn qr_image(env: &Env) -> (Vec<u8>, String) {
    let code = env.client.qrcodes().permanent("cv").await.unwrap();
    let image = env
        .client
        .qrcodes()
        .image(code.ticket.as_str())
        .await
        .unwrap();
    (image.bytes().await.unwrap().to_vec(), code.url)
}

#[tokio::test]
async fn changeopenid_maps_old_followers_and_reports_strangers() {
    let env = migrated().await;
    let old = env.control().followers_of(OLD, 2, 0).await.unwrap().openids;
    let mut asked = old.clone();
    asked.push("oStranger".to_owned());
    let changes = env
        .client
        .migration()
        .change_openids(OLD, asked.iter().map(String::as_str))
        .await
        .unwrap();
    let new = env.followers(2).await;
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0].new_openid().unwrap().as_str(), new[0]);
    assert_eq!(changes[1].new_openid().unwrap().as_str(), new[1]);
    assert_eq!(changes[2].new_openid(), None);
    assert_eq!(changes[2].err_msg, "ori_openid error");
    assert_eq!(
        serde_json::to_value(&env.last_body("/cgi-bin/changeopenid").await).unwrap()["from_appid"],
        OLD
    );
}

#[tokio::test]
async fn changeopenid_from_an_unknown_account_is_63178() {
    let env = migrated().await;
    let result = env
        .client
        .migration()
        .change_openids("wx000000000000ffff", ["o1"])
        .await;
    assert_eq!(errcode(result), 63178);
}

#[tokio::test]
async fn changeopenid_without_a_migration_is_63183() {
    let env = env(1).await;
    let result = env
        .client
        .migration()
        .change_openids(wxoa_sandbox::DEFAULT_APP_ID, ["o1"])
        .await;
    assert_eq!(errcode(result), 63183);
}

#[tokio::test]
async fn changeopenid_refuses_an_empty_list_before_sending() {
    let env = migrated().await;
    let message = refused(
        env.client
            .migration()
            .change_openids(OLD, Vec::<String>::new())
            .await,
    );
    assert!(message.starts_with("openid_list: "), "{message}");
    assert!(env.calls("/cgi-bin/changeopenid").await.is_empty());
}

#[tokio::test]
async fn changeopenid_refuses_more_than_100_before_sending() {
    let env = migrated().await;
    let many: Vec<String> = (0..101).map(|i| format!("o{i}")).collect();
    let message = refused(env.client.migration().change_openids(OLD, many).await);
    assert!(message.contains("at most 100"), "{message}");
}

#[tokio::test]
async fn the_autoreply_rules_set_in_the_sandbox_are_read_typed() {
    let env = env(0).await;
    let fresh = env.client.autoreply().current().await.unwrap();
    assert_eq!(fresh.is_autoreply_open, Some(false));
    assert!(fresh.keyword_autoreply_info.list.is_empty());
    let rules = fixture("autoreply", "get_current_autoreply_info.response.json");
    env.control().set_autoreply(&rules).await.unwrap();
    let info = env.client.autoreply().current().await.unwrap();
    assert_eq!(info.is_add_friend_reply_open, Some(true));
    assert_eq!(
        info.add_friend_autoreply_info.unwrap().content.as_deref(),
        Some("Thanks!")
    );
    let rule = &info.keyword_autoreply_info.list[0];
    assert_eq!(rule.reply_mode, ReplyMode::ReplyAll);
    assert_eq!(rule.keyword_list_info[0].match_mode, MatchMode::Contain);
    assert_eq!(rule.reply_list_info[0].kind, ReplyType::News);
    assert_eq!(
        rule.reply_list_info[0].news_info.as_ref().unwrap().list[0].show_cover,
        Some(true)
    );
    assert_eq!(rule.create_time, Some(1_423_028_166));
}

#[tokio::test]
async fn rid_get_tells_what_a_failed_call_was() {
    let env = env(0).await;
    let failed = env.client.users().update_remark("nobody", "x").await;
    let Err(wxoa_client::Error::Api { message, .. }) = failed else {
        panic!("expected a platform error, got {failed:?}");
    };
    let rid = message.rsplit(" rid: ").next().unwrap().to_owned();
    let call = env.client.misc().rid(rid.clone()).await.unwrap();
    assert!(call.response_body.contains(&rid), "{call:?}");
    assert!(call.request_body.contains("nobody"));
    assert_eq!(call.invoke_time, env.sandbox.now());
}

#[tokio::test]
async fn rid_get_of_an_unknown_rid_is_76001() {
    let env = env(0).await;
    let result = env.client.misc().rid("00000000-00000000-00000000").await;
    assert_eq!(errcode(result), 76001);
}

#[tokio::test]
async fn rid_get_of_an_expired_rid_is_76004() {
    let env = env(0).await;
    let failed = env.client.users().update_remark("nobody", "x").await;
    let Err(wxoa_client::Error::Api { message, .. }) = failed else {
        panic!("expected a platform error");
    };
    let rid = message.rsplit(" rid: ").next().unwrap().to_owned();
    env.advance(7 * 86_400).await;
    assert_eq!(errcode(env.client.misc().rid(rid).await), 76004);
}

#[tokio::test]
async fn rid_get_refuses_what_is_no_request_id_before_sending() {
    let env = env(0).await;
    let message = refused(env.client.misc().rid("rid: 1234").await);
    assert!(
        message.starts_with("rid: must be a request id"),
        "{message}"
    );
}

#[tokio::test]
async fn marketing_sets_are_made_listed_and_take_conversions() {
    let env = env(1).await;
    let openid = env.followers(1).await.remove(0);
    let marketing = env.client.marketing();
    let id = marketing
        .add_action_set(ActionSetType::Web, "shop")
        .description("the shop")
        .await
        .unwrap();
    let sets = marketing.action_sets().id(id).await.unwrap();
    assert_eq!(sets[0].user_action_set_id, id);
    assert_eq!(sets[0].kind, Some(ActionSetType::Web));
    assert_eq!(sets[0].activate_status, Some(false));
    marketing
        .add_actions([
            UserAction::new(id, "RESERVATION", 1_700_000_000, openid.as_str())
                .click_id("gdt_vid")
                .param("claim_type", 1),
        ])
        .await
        .unwrap();
    assert_eq!(
        marketing.action_sets().await.unwrap()[0].activate_status,
        Some(true)
    );
    let sent = env.last_body("/marketing/user_actions/add").await;
    assert_eq!(
        sent["actions"][0]["user_id"]["wechat_app_id"],
        env.sandbox.app_id()
    );
    assert_eq!(
        env.last_query("/marketing/user_actions/add").await["version"],
        json!("v1.0")
    );
}

#[tokio::test]
async fn marketing_conversions_for_an_unknown_set_are_47003() {
    let env = env(0).await;
    let result = env
        .client
        .marketing()
        .add_actions([UserAction::new(42, "REGISTER", 1_700_000_000, "oUser")])
        .await;
    assert_eq!(errcode(result), 47003);
}

#[tokio::test]
async fn marketing_listing_an_unknown_set_is_47003() {
    let env = env(0).await;
    assert_eq!(
        errcode(env.client.marketing().action_sets().id(7).await),
        47003
    );
}

#[tokio::test]
async fn marketing_refuses_an_app_set_without_its_app_before_sending() {
    let env = env(0).await;
    let message = refused(
        env.client
            .marketing()
            .add_action_set(ActionSetType::Ios, "app")
            .await,
    );
    assert!(message.starts_with("mobile_app_id: "), "{message}");
}

#[tokio::test]
async fn marketing_refuses_no_conversion_before_sending() {
    let env = env(0).await;
    let message = refused(env.client.marketing().add_actions([]).await);
    assert!(message.starts_with("actions: "), "{message}");
}

#[tokio::test]
async fn ocr_reads_every_kind_of_document() {
    let env = env(0).await;
    let (jpeg, _) = qr_image(&env).await;
    let image = || Image::upload(Upload::bytes("doc.jpg", jpeg.clone()));
    let ocr = env.client.ocr();
    let card = ocr.id_card(image()).kind(IdCardType::Scan).await.unwrap();
    match card.side {
        Some(IdCardSide::Front) => assert_eq!(card.id.unwrap().len(), 18),
        Some(IdCardSide::Back) => assert!(card.valid_date.is_some()),
        other => panic!("no side: {other:?}"),
    }
    assert_eq!(
        env.last_query("/cv/ocr/idcard").await["type"],
        json!("scan")
    );
    assert_eq!(
        ocr.bank_card(image())
            .await
            .unwrap()
            .card_number()
            .unwrap()
            .len(),
        16
    );
    let vehicle = ocr.vehicle_license(image()).await.unwrap();
    assert_eq!(vehicle.plate_num, vehicle.plate_num_b);
    assert!(vehicle.img_size.is_some());
    assert!(
        ocr.driving_license(image())
            .await
            .unwrap()
            .car_class
            .is_some()
    );
    let business = ocr.business_license(image()).await.unwrap();
    assert_eq!(business.reg_num.unwrap().len(), 18);
    assert!(!ocr.text(image()).await.unwrap().items.is_empty());
    assert!(ocr.plate_number(image()).await.unwrap().number.is_some());
}

#[tokio::test]
async fn img_qrcode_decodes_the_image_the_sandbox_drew() {
    let env = env(0).await;
    let (jpeg, encoded) = qr_image(&env).await;
    let codes = env
        .client
        .img()
        .qrcode(Image::upload(Upload::bytes("qr.jpg", jpeg)))
        .await
        .unwrap();
    assert_eq!(codes.code_results.len(), 1);
    assert_eq!(codes.code_results[0].data, encoded);
    assert_eq!(codes.code_results[0].type_name, "QR_CODE");
    assert!(codes.code_results[0].pos.is_some());
}

#[tokio::test]
async fn img_superresolution_and_aicrop_compute_on_the_image() {
    let env = env(0).await;
    let (jpeg, _) = qr_image(&env).await;
    let img = env.client.img();
    let doubled = img
        .superresolution(Image::upload(Upload::bytes("qr.jpg", jpeg.clone())))
        .await
        .unwrap();
    let MediaContent::File(download) = env
        .client
        .media()
        .download(doubled.media_id.as_str())
        .await
        .unwrap()
    else {
        panic!("an image is served as a file");
    };
    let file = download.bytes().await.unwrap();
    let crops = img
        .aicrop(Image::upload(Upload::bytes("qr.jpg", jpeg)))
        .ratios([1.0, 2.0])
        .await
        .unwrap();
    assert_eq!(crops.results.len(), 2);
    let size = crops.img_size.unwrap();
    let wide = crops.results[1];
    assert_eq!(wide.crop_right - wide.crop_left, size.w);
    let big = env
        .client
        .img()
        .aicrop(Image::upload(Upload::bytes("big.jpg", file.to_vec())))
        .await
        .unwrap();
    assert_eq!(big.img_size.unwrap().w, size.w * 2);
}

#[tokio::test]
async fn an_image_url_the_platform_cannot_fetch_is_101000() {
    let env = env(0).await;
    let result = env
        .client
        .ocr()
        .text(Image::url("http://127.0.0.1:9/x.jpg"))
        .await;
    assert_eq!(errcode(result), 101000);
}

#[tokio::test]
async fn an_image_of_one_colour_shows_no_certificate_101001() {
    // An 8×8 PNG, every pixel the same grey.
    const BLANK: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x00\x00\x00\x00\xe1\x64\xe1\x57\x00\x00\x00\x0eIDAT\x78\xda\x63\x38\x01\x05\x0c\x94\x31\x00\x08\xb1\x32\x01\xb5\xc0\xab\x65\x00\x00\x00\x00IEND\xae\x42\x60\x82";
    let env = env(0).await;
    let blank = || Image::upload(Upload::bytes("blank.png", BLANK.to_vec()));
    let ocr = env.client.ocr();
    let not_found = wxoa_client::ErrCode::CertificateNotFound;
    assert_eq!(api_code(ocr.id_card(blank()).await), not_found);
    assert_eq!(api_code(ocr.bank_card(blank()).await), not_found);
    assert!(ocr.text(blank()).await.is_ok());
}

#[tokio::test]
async fn data_that_is_no_image_is_101002() {
    let env = env(0).await;
    let result = env
        .client
        .ocr()
        .plate_number(Image::upload(Upload::bytes("x.jpg", b"text".to_vec())))
        .await;
    assert_eq!(errcode(result), 101002);
}

#[tokio::test]
async fn past_the_free_quota_is_101003() {
    let rules = CvRules {
        daily_calls: Some(0),
        ..CvRules::default()
    };
    let env = env_with(Sandbox::builder().cv_rules(rules)).await;
    let (jpeg, _) = qr_image(&env).await;
    let result = env
        .client
        .img()
        .qrcode(Image::upload(Upload::bytes("qr.jpg", jpeg)))
        .await;
    assert_eq!(errcode(result), 101003);
}

#[tokio::test]
async fn an_image_of_2_mb_is_refused_before_sending() {
    let env = env(0).await;
    let big = Upload::bytes("big.jpg", vec![0u8; 2 * 1024 * 1024]);
    let message = refused(env.client.ocr().text(Image::upload(big)).await);
    assert!(
        message.starts_with("img: must be smaller than 2097152 bytes"),
        "{message}"
    );
    assert!(env.calls("/cv/ocr/comm").await.is_empty());
}

#[tokio::test]
async fn more_than_5_crop_ratios_are_refused_before_sending() {
    let env = env(0).await;
    let message = refused(
        env.client
            .img()
            .aicrop(Image::url("http://example.com/a.jpg"))
            .ratios([1.0; 6])
            .await,
    );
    assert!(message.starts_with("ratios: "), "{message}");
}

#[tokio::test]
async fn a_crop_ratio_of_zero_is_refused_before_sending() {
    let env = env(0).await;
    let message = refused(
        env.client
            .img()
            .aicrop(Image::url("http://example.com/a.jpg"))
            .ratios([1.0, 0.0])
            .await,
    );
    assert!(
        message.starts_with("ratios[1]: must be a positive number"),
        "{message}"
    );
}

#[tokio::test]
async fn an_image_url_that_is_not_http_is_refused_before_sending() {
    let env = env(0).await;
    let message = refused(
        env.client
            .ocr()
            .text(Image::url("ftp://example.com/a.jpg"))
            .await,
    );
    assert!(message.starts_with("img_url: "), "{message}");
}
