//! Parametric QR codes and `showqrcode`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env, request};

async fn create(env: &Env, body: &Value) -> Value {
    env.post("/cgi-bin/qrcode/create", body).await
}

fn temp(scene_id: Value, expire: Option<i64>) -> Value {
    let mut body =
        json!({"action_name": "QR_SCENE", "action_info": {"scene": {"scene_id": scene_id}}});
    if let Some(expire) = expire {
        body["expire_seconds"] = json!(expire);
    }
    body
}

#[tokio::test]
async fn the_four_kinds_have_the_spec_shapes() {
    let env = env().await;
    for name in ["create_temp", "create_temp_str"] {
        let code = create(&env, &request("qrcode", name, &[])).await;
        assert_fixture_shape(&code, "qrcode", "create_temp");
        assert_eq!(code["expire_seconds"], 604_800);
        assert!(
            code["url"]
                .as_str()
                .unwrap()
                .starts_with("http://weixin.qq.com/q/")
        );
    }
    for name in ["create_limit", "create_limit_str"] {
        let code = create(&env, &request("qrcode", name, &[])).await;
        assert_fixture_shape(&code, "qrcode", "create_limit");
    }
}

#[tokio::test]
async fn a_temporary_code_lasts_30_seconds_by_default_and_30_days_at_most() {
    let env = env().await;
    assert_eq!(
        create(&env, &temp(json!(1), None)).await["expire_seconds"],
        30
    );
    assert_eq!(
        create(&env, &temp(json!(1), Some(9_999_999))).await["expire_seconds"],
        2_592_000
    );
}

#[tokio::test]
async fn scene_ids_and_strings_are_bounded_40053() {
    let env = env().await;
    assert_errcode(&create(&env, &temp(json!(0), None)).await, 40053);
    let limit = |id: i64| json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": id}}});
    assert_errcode(&create(&env, &limit(0)).await, 40053);
    assert_errcode(&create(&env, &limit(100_001)).await, 40053);
    assert!(create(&env, &limit(100_000)).await.get("ticket").is_some());
    let string = |s: String| json!({"action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": s}}});
    assert_errcode(&create(&env, &string(String::new())).await, 40053);
    assert_errcode(&create(&env, &string("s".repeat(65))).await, 40053);
    assert!(
        create(&env, &string("s".repeat(64)))
            .await
            .get("ticket")
            .is_some()
    );
    let unknown = json!({"action_name": "QR_NOTHING", "action_info": {"scene": {"scene_id": 1}}});
    assert_errcode(&create(&env, &unknown).await, 40053);
}

#[tokio::test]
async fn the_same_permanent_scene_gives_the_same_ticket() {
    let env = env().await;
    let body = request("qrcode", "create_limit", &[]);
    assert_eq!(
        create(&env, &body).await["ticket"],
        create(&env, &body).await["ticket"]
    );
}

#[tokio::test]
async fn showqrcode_serves_a_jpeg_until_the_code_expires() {
    let env = env().await;
    let code = create(&env, &temp(json!(7), Some(60))).await;
    let ticket = code["ticket"].as_str().unwrap();
    let url =
        reqwest::Url::parse_with_params(&env.url("/cgi-bin/showqrcode"), &[("ticket", ticket)])
            .unwrap();
    let response = env.http.get(url.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    env.advance(61).await;
    assert_eq!(
        env.http.get(url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let unknown = env.url("/cgi-bin/showqrcode?ticket=gQnothing");
    assert_eq!(
        env.http.get(unknown).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
