//! CONTRACT §7 `wxoa card …` against the client's stub platform.

use wxoa_client::testing::RawAnswer;

use crate::api::Env;
use crate::{api_fixture, stderr};

const CREATE: &str = "/card/create";
const QRCODE: &str = "/card/qrcode/create";

#[test]
fn a_card_file_is_sent_in_the_platform_shape() {
    let env = Env::new();
    env.stub
        .respond(CREATE, api_fixture("card", "create.response.json"));
    let file = env.home.path().join("card.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&api_fixture("card", "create.request.json")).unwrap(),
    )
    .unwrap();
    let answer = env.json(&["card", "create", file.to_str().unwrap()]);
    assert_eq!(answer["card_id"], "p1Pj9jr90_SQRaVqYI239Ka1erkI");
    assert_eq!(
        env.stub.requests(CREATE).pop().unwrap().json().unwrap(),
        api_fixture("card", "create.request.json")
    );
}

#[test]
fn a_card_breaking_a_rule_is_refused_naming_it() {
    let env = Env::new();
    let mut card = api_fixture("card", "create.request.json");
    card["card"]["groupon"]["base_info"]["color"] = "Color200".into();
    let file = env.home.path().join("card.json");
    std::fs::write(&file, serde_json::to_vec(&card).unwrap()).unwrap();
    let output = env.run(&["card", "create", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("card.groupon.base_info.color: one of Color010"));
    assert_eq!(env.stub.calls(CREATE), 0);
}

#[test]
fn a_card_qrcode_and_its_image() {
    let env = Env::new();
    env.stub
        .respond(QRCODE, api_fixture("card", "qrcode_create.response.json"));
    env.stub.respond_raw(
        "/cgi-bin/showqrcode",
        RawAnswer::new(200, &b"\xff\xd8card"[..]).without_token(),
    );
    let out = env.home.path().join("card.jpg");
    let answer = env.json(&[
        "card",
        "qrcode",
        "CARD_ID",
        "--expire",
        "1800",
        "--outer-str",
        "12b",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        env.stub.requests(QRCODE).pop().unwrap().json().unwrap(),
        api_fixture("card", "qrcode_create.request.json")
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"\xff\xd8card");
    assert_eq!(answer["expire_seconds"], 1800);
}
