//! CONTRACT §7 `wxoa card …` against the sandbox.

use serde_json::json;
use wxoa_sandbox::control::Scripted;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

const CREATE: &str = "/card/create";
const QRCODE: &str = "/card/qrcode/create";

#[test]
fn a_card_file_is_sent_in_the_platform_shape() {
    let env = Env::new(0);
    env.answer(CREATE, api_fixture("card", "create.response.json"));
    let file = env.dir.path().join("card.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&api_fixture("card", "create.request.json")).unwrap(),
    )
    .unwrap();
    let answer = env.json(&["card", "create", file.to_str().unwrap()]);
    assert_eq!(answer["card_id"], "p1Pj9jr90_SQRaVqYI239Ka1erkI");
    assert_eq!(
        env.sandbox.requests(CREATE).pop().unwrap().json().unwrap(),
        api_fixture("card", "create.request.json")
    );
}

#[test]
fn a_card_breaking_a_rule_is_refused_naming_it() {
    let env = Env::new(0);
    let mut card = api_fixture("card", "create.request.json");
    card["card"]["groupon"]["base_info"]["color"] = "Color200".into();
    let file = env.dir.path().join("card.json");
    std::fs::write(&file, serde_json::to_vec(&card).unwrap()).unwrap();
    let output = env.run(&["card", "create", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("card.groupon.base_info.color: one of Color010"));
    assert_eq!(env.calls(CREATE).len(), 0);
}

#[test]
fn a_card_qrcode_and_its_image() {
    let env = Env::new(0);
    env.answer(QRCODE, api_fixture("card", "qrcode_create.response.json"));
    env.script(
        "/cgi-bin/showqrcode",
        &Scripted::bytes(200, &b"\xff\xd8card"[..]),
    );
    let out = env.dir.path().join("card.jpg");
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
        env.sandbox.requests(QRCODE).pop().unwrap().json().unwrap(),
        api_fixture("card", "qrcode_create.request.json")
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"\xff\xd8card");
    assert_eq!(answer["expire_seconds"], 1800);
}

#[test]
fn cards_are_read_listed_restocked_and_deleted() {
    let env = Env::new(0);
    env.answer(
        "/card/get",
        json!({"errcode": 0, "errmsg": "ok", "card": {"card_type": "CASH",
               "cash": {"base_info": {"title": "10 off", "sku": {"quantity": 5}}}}}),
    );
    env.answer(
        "/card/batchget",
        json!({"errcode": 0, "errmsg": "ok", "card_id_list": ["pA", "pB"], "total_num": 7}),
    );
    for path in ["/card/modifystock", "/card/delete"] {
        env.answer(path, json!({"errcode": 0, "errmsg": "ok"}));
    }
    let card = env.json(&["card", "get", "pA"]);
    assert_eq!(card["card"]["cash"]["base_info"]["title"], "10 off");
    assert_eq!(
        env.sandbox
            .requests("/card/get")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"card_id": "pA"})
    );

    let page = env.json(&[
        "card",
        "list",
        "--count",
        "2",
        "--status",
        "CARD_STATUS_VERIFY_OK",
    ]);
    assert_eq!(page["card_id_list"], json!(["pA", "pB"]));
    assert_eq!(page["total_num"], 7);
    assert_eq!(
        env.sandbox
            .requests("/card/batchget")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"offset": 0, "count": 2, "status_list": ["CARD_STATUS_VERIFY_OK"]})
    );

    env.json(&["card", "stock", "pA", "-20"]);
    assert_eq!(
        env.sandbox
            .requests("/card/modifystock")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"card_id": "pA", "reduce_stock_value": 20})
    );
    // A change of zero is refused before anything is sent.
    let output = env.run(&["card", "stock", "pA", "0"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(env.calls("/card/modifystock").len(), 1);

    assert_eq!(env.json(&["card", "delete", "pB"])["deleted"], true);
    assert_eq!(env.calls("/card/delete").len(), 1);
}

#[test]
fn codes_are_read_consumed_and_decrypted() {
    let env = Env::new(0);
    env.answer(
        "/card/code/get",
        json!({"errcode": 0, "errmsg": "ok", "openid": "oFollower",
               "card": {"card_id": "pA", "begin_time": 1404205036, "end_time": 1404205036},
               "can_consume": true, "user_card_status": "NORMAL"}),
    );
    env.answer(
        "/card/code/consume",
        json!({"errcode": 0, "errmsg": "ok", "card": {"card_id": "pA"}, "openid": "oFollower"}),
    );
    env.answer(
        "/card/code/decrypt",
        json!({"errcode": 0, "errmsg": "ok", "code": "110201201245"}),
    );
    let info = env.json(&["card", "code", "get", "110201201245", "--card-id", "pA"]);
    assert_eq!(info["user_card_status"], "NORMAL");
    assert_eq!(info["can_consume"], true);
    assert_eq!(
        env.sandbox
            .requests("/card/code/get")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"code": "110201201245", "card_id": "pA"})
    );
    let consumed = env.json(&["card", "code", "consume", "110201201245"]);
    assert_eq!(consumed["openid"], "oFollower");
    for path in ["/card/code/update", "/card/code/unavailable"] {
        env.answer(path, json!({"errcode": 0, "errmsg": "ok"}));
    }
    env.json(&["card", "code", "update", "110201201245", "NEW1"]);
    assert_eq!(
        env.sandbox
            .requests("/card/code/update")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"code": "110201201245", "new_code": "NEW1"})
    );
    env.json(&["card", "code", "withdraw", "NEW1", "--reason", "lost"]);
    assert_eq!(
        env.sandbox
            .requests("/card/code/unavailable")
            .pop()
            .unwrap()
            .json()
            .unwrap(),
        json!({"code": "NEW1", "reason": "lost"})
    );
    let decrypted = env.json(&[
        "card",
        "code",
        "decrypt",
        "XXIzTtMqCxwOaawoE91+VJdsFmv7b8g0VZIZkqf4GWA60Fzpc8ksZ/5ZZ0DVkXdE",
    ]);
    assert_eq!(decrypted["code"], "110201201245");
}
