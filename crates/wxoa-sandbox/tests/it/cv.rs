//! OCR and image processing (api-reference-2 §11): an image uploaded (`img`) or named by
//! `img_url`, each answer in the spec's shape, `img/qrcode` reading back the sandbox's own QR
//! codes, and each refusal.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use wxoa_sandbox::{CvRules, Sandbox};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env, env_with, json_of};

/// A live QR code of the account: its URL (what it encodes), the `showqrcode` URL of its
/// image, and the image (a JPEG).
async fn qr_code(env: &Env) -> (String, String, Vec<u8>) {
    let body = json!({"action_name": "QR_LIMIT_STR_SCENE",
                      "action_info": {"scene": {"scene_str": "cv-test"}}});
    let code = env.post("/cgi-bin/qrcode/create", &body).await;
    let image_url = reqwest::Url::parse_with_params(
        &env.url("/cgi-bin/showqrcode"),
        &[("ticket", code["ticket"].as_str().unwrap())],
    )
    .unwrap()
    .to_string();
    let jpeg = env
        .http
        .get(&image_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    (code["url"].as_str().unwrap().to_owned(), image_url, jpeg)
}

/// Uploads `bytes` as the `img` field to `path` (with `query`, e.g. `type=scan`).
async fn upload(env: &Env, path: &str, bytes: Vec<u8>, query: &str) -> Value {
    let form = Form::new().part("img", Part::bytes(bytes).file_name("image.jpg"));
    let url = format!("{}&{query}", env.api(path));
    json_of(env.http.post(url).multipart(form)).await
}

/// Calls `path` about the image at `img_url`.
async fn by_url(env: &Env, path: &str, img_url: &str) -> Value {
    let url = reqwest::Url::parse_with_params(&env.api(path), &[("img_url", img_url)]).unwrap();
    json_of(env.http.post(url)).await
}

#[tokio::test]
async fn every_ocr_answer_has_the_spec_shape() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    for (path, fixture) in [
        ("/cv/ocr/bankcard", "bankcard"),
        ("/cv/ocr/driving", "driving"),
        ("/cv/ocr/drivinglicense", "drivinglicense"),
        ("/cv/ocr/bizlicense", "bizlicense"),
        ("/cv/ocr/comm", "comm"),
        ("/cv/ocr/platenum", "platenum"),
        ("/cv/img/superresolution", "superresolution"),
        ("/cv/img/aicrop", "aicrop"),
    ] {
        let answer = upload(&env, path, jpeg.clone(), "").await;
        assert_fixture_shape(&answer, "cv", fixture);
    }
    let card = upload(&env, "/cv/ocr/idcard", jpeg, "type=photo").await;
    let side = if card["type"] == "Front" {
        "idcard_front"
    } else {
        "idcard_back"
    };
    assert_fixture_shape(&card, "cv", side);
}

#[tokio::test]
async fn the_same_image_reads_the_same_and_numbers_carry_check_digits() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    let first = upload(&env, "/cv/ocr/bankcard", jpeg.clone(), "").await;
    assert_eq!(upload(&env, "/cv/ocr/bankcard", jpeg, "").await, first);
    let number = first["number"].as_str().unwrap();
    assert_eq!(first["id"], number);
    // Luhn: the digits, doubled every second from the right, add up to a multiple of 10.
    let sum: u32 = number
        .chars()
        .rev()
        .map(|c| c.to_digit(10).unwrap())
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    assert_eq!(sum % 10, 0, "{number}");
}

#[tokio::test]
async fn qrcode_reads_back_a_code_the_sandbox_made_uploaded_or_by_url() {
    let env = env().await;
    let (encoded, image_url, jpeg) = qr_code(&env).await;
    let uploaded = upload(&env, "/cv/img/qrcode", jpeg, "").await;
    assert_fixture_shape(&uploaded, "cv", "qrcode");
    assert_eq!(uploaded["code_results"][0]["data"], encoded);
    assert_eq!(uploaded["code_results"][0]["type_name"], "QR_CODE");
    let fetched = by_url(&env, "/cv/img/qrcode", &image_url).await;
    assert_eq!(fetched["code_results"][0]["data"], encoded);
}

#[tokio::test]
async fn superresolution_keeps_the_image_at_twice_its_size() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    let answer = upload(&env, "/cv/img/superresolution", jpeg.clone(), "").await;
    let media_id = answer["media_id"].as_str().unwrap();
    let doubled = env
        .http
        .get(env.api(&format!("/cgi-bin/media/get?media_id={media_id}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&doubled[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    let sizes = upload(&env, "/cv/img/aicrop", doubled.to_vec(), "").await;
    let original = upload(&env, "/cv/img/aicrop", jpeg, "").await;
    assert_eq!(
        sizes["img_size"]["w"],
        original["img_size"]["w"].as_u64().unwrap() * 2
    );
}

#[tokio::test]
async fn aicrop_answers_one_box_per_ratio() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    let answer = upload(&env, "/cv/img/aicrop", jpeg, "ratios=1,0.5").await;
    assert_eq!(answer["results"].as_array().unwrap().len(), 2);
    let b = &answer["results"][1];
    let width = b["crop_right"].as_u64().unwrap() - b["crop_left"].as_u64().unwrap();
    let height = b["crop_bottom"].as_u64().unwrap() - b["crop_top"].as_u64().unwrap();
    assert_eq!(height, width * 2, "{b}");
}

#[tokio::test]
async fn a_call_without_an_image_is_101000() {
    let env = env().await;
    assert_errcode(
        &json_of(env.http.post(env.api("/cv/ocr/comm"))).await,
        101000,
    );
}

#[tokio::test]
async fn an_img_url_the_sandbox_cannot_read_is_101000() {
    let env = env().await;
    let answer = by_url(&env, "/cv/ocr/comm", "http://127.0.0.1:9/nothing.jpg").await;
    assert_errcode(&answer, 101000);
}

#[tokio::test]
async fn an_expired_qr_code_by_url_is_101000() {
    let env = env().await;
    let answer = by_url(
        &env,
        "/cv/img/qrcode",
        &env.url("/cgi-bin/showqrcode?ticket=gQnone"),
    )
    .await;
    assert_errcode(&answer, 101000);
}

#[tokio::test]
async fn data_that_is_no_image_is_101002() {
    let env = env().await;
    let answer = upload(&env, "/cv/ocr/platenum", b"plain text".to_vec(), "").await;
    assert_errcode(&answer, 101002);
}

#[tokio::test]
async fn an_image_of_2_mb_or_more_is_101002() {
    let env = env().await;
    let answer = upload(&env, "/cv/ocr/platenum", vec![0; 2 * 1024 * 1024], "").await;
    assert_errcode(&answer, 101002);
}

#[tokio::test]
async fn past_the_daily_quota_is_101003_until_the_next_day() {
    let rules = CvRules {
        daily_calls: Some(1),
        ..CvRules::default()
    };
    let mut env = env_with(Sandbox::builder().cv_rules(rules)).await;
    let (_, _, jpeg) = qr_code(&env).await;
    assert_eq!(
        upload(&env, "/cv/ocr/comm", jpeg.clone(), "").await["errcode"],
        0
    );
    assert_errcode(
        &upload(&env, "/cv/ocr/comm", jpeg.clone(), "").await,
        101003,
    );
    // Each path has its own quota; a refused call uses none.
    assert_eq!(
        upload(&env, "/cv/ocr/platenum", jpeg.clone(), "").await["errcode"],
        0
    );
    env.advance_to_day_start().await;
    assert_eq!(upload(&env, "/cv/ocr/comm", jpeg, "").await["errcode"], 0);
}

#[tokio::test]
async fn an_unknown_idcard_type_is_47003() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    assert_errcode(&upload(&env, "/cv/ocr/idcard", jpeg, "type=x").await, 47003);
}

#[tokio::test]
async fn more_than_5_crop_ratios_are_47003() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    assert_errcode(
        &upload(&env, "/cv/img/aicrop", jpeg, "ratios=1,1,1,1,1,1").await,
        47003,
    );
}

#[tokio::test]
async fn a_crop_ratio_that_is_no_positive_number_is_47003() {
    let env = env().await;
    let (_, _, jpeg) = qr_code(&env).await;
    assert_errcode(
        &upload(&env, "/cv/img/aicrop", jpeg, "ratios=-1").await,
        47003,
    );
}
