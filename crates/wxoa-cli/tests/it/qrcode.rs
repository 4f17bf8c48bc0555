//! CONTRACT §7 `wxoa qrcode create --scene S [--expire SECS] [--out FILE]` against the
//! sandbox: numeric and string scenes, the image saved exactly as served, the mp host.

use serde_json::json;
use wxoa_sandbox::control::Scripted;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

const CREATE: &str = "/cgi-bin/qrcode/create";
const SHOW: &str = "/cgi-bin/showqrcode";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01 the QR image \xff\xd9";

fn env() -> Env {
    let env = Env::new(0);
    env.answer(CREATE, api_fixture("qrcode", "create_temp.response.json"));
    env.script(
        SHOW,
        &Scripted::bytes(200, JPEG).header("content-type", "image/jpeg"),
    );
    env
}

#[test]
fn a_numeric_scene_with_an_expiry_and_its_image() {
    let env = env();
    let out = env.dir.path().join("code.jpg");
    let answer = env.json(&[
        "qrcode",
        "create",
        "--scene",
        "123",
        "--expire",
        "604800",
        "--out",
        out.to_str().unwrap(),
    ]);
    let sent = env.sandbox.requests(CREATE).pop().unwrap().json().unwrap();
    assert_eq!(sent, api_fixture("qrcode", "create_temp.request.json"));
    assert_eq!(std::fs::read(&out).unwrap(), JPEG);
    let ticket = api_fixture("qrcode", "create_temp.response.json")["ticket"].clone();
    assert_eq!(answer["ticket"], ticket);
    assert_eq!(answer["bytes"], json!(JPEG.len()));
    let shown = env.sandbox.requests(SHOW).pop().unwrap();
    assert_eq!(shown.query["ticket"], ticket.as_str().unwrap());
    assert_eq!(shown.access_token, None);
    assert!(answer["image_url"].as_str().unwrap().starts_with(&format!(
        "{}/cgi-bin/showqrcode?ticket=",
        env.sandbox.base_url()
    )));
}

#[test]
fn a_string_scene_without_expiry_is_permanent() {
    let env = env();
    env.json(&["qrcode", "create", "--scene", "test"]);
    let sent = env.sandbox.requests(CREATE).pop().unwrap().json().unwrap();
    assert_eq!(sent, api_fixture("qrcode", "create_limit_str.request.json"));
    assert_eq!(env.calls(SHOW).len(), 0);
}

#[test]
fn a_scene_out_of_range_sends_nothing() {
    let env = env();
    let output = env.run(&["qrcode", "create", "--scene", "100001"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("scene_id: a permanent code needs 1..=100000"));
    assert_eq!(env.calls(CREATE).len(), 0);
}

#[test]
fn a_platform_error_exits_1_with_the_errcode() {
    let env = Env::new(0);
    env.control(env.sandbox.control().faults().error(CREATE, 45029, 1));
    let output = env.run(&["qrcode", "create", "--scene", "5"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("errcode 45029"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_image_comes_from_the_mp_base_when_given() {
    let env = env();
    let mp = Env::new(0);
    let other: &[u8] = b"\xff\xd8 the mp host's image";
    mp.script(
        SHOW,
        &Scripted::bytes(200, other).header("content-type", "image/jpeg"),
    );
    let out = env.dir.path().join("mp.jpg");
    env.json(&[
        "--mp-base",
        mp.sandbox.base_url(),
        "qrcode",
        "create",
        "--scene",
        "7",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), other);
    assert_eq!(env.calls(SHOW).len(), 0);
}

#[test]
fn an_unknown_ticket_exits_3_and_writes_nothing() {
    let env = Env::new(0);
    env.script(SHOW, &Scripted::bytes(404, b""));
    let out = env.dir.path().join("none.jpg");
    let output = env.run(&["qrcode", "image", "nope", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("404"));
    assert!(!out.exists());
}
