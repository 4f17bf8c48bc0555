//! CONTRACT §7 `wxoa mass …` against the sandbox.

use serde_json::json;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

const SENDALL: &str = "/cgi-bin/message/mass/sendall";
const SEND: &str = "/cgi-bin/message/mass/send";

#[test]
fn send_to_a_tag_with_a_key() {
    let env = Env::new(0);
    env.answer(SENDALL, api_fixture("mass", "send.response.json"));
    let answer = env.json(&[
        "mass",
        "send",
        "--tag",
        "2",
        "--mpnews",
        "MEDIA_ID",
        "--clientmsgid",
        "send_tag_1",
    ]);
    let mut expected = api_fixture("mass", "sendall.request.json");
    expected["filter"]["tag_id"] = json!(2);
    assert_eq!(
        env.sandbox.requests(SENDALL).pop().unwrap().json().unwrap(),
        expected
    );
    assert_eq!(answer["msg_id"], json!(34182));
    assert_eq!(answer["client_msg_id"], "send_tag_1");
    assert_eq!(answer["already_sent"], json!(false));
}

#[test]
fn send_to_openids_generates_a_key() {
    let env = Env::new(0);
    env.answer(SEND, api_fixture("mass", "send_text.response.json"));
    let answer = env.json(&[
        "mass", "send", "--to", "OPENID1", "--to", "OPENID2", "--text", "hi",
    ]);
    let body = env.sandbox.requests(SEND).pop().unwrap().json().unwrap();
    assert_eq!(body["touser"], json!(["OPENID1", "OPENID2"]));
    assert_eq!(body["clientmsgid"], answer["client_msg_id"]);
    assert!(!answer["client_msg_id"].as_str().unwrap().is_empty());
}

#[test]
fn a_send_already_run_is_a_success() {
    let env = Env::new(0);
    env.answer(
        SENDALL,
        api_fixture("mass", "clientmsgid_exist.response.json"),
    );
    let answer = env.json(&["mass", "send", "--all", "--text", "x", "--clientmsgid", "k"]);
    assert_eq!(answer["already_sent"], json!(true));
    assert_eq!(answer["msg_id"], json!(34182));
}

#[test]
fn one_openid_is_refused_before_sending() {
    let env = Env::new(0);
    let output = env.run(&["mass", "send", "--to", "OPENID1", "--text", "hi"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("touser: 2..=10000 OpenIDs, got 1"));
    assert_eq!(env.calls(SEND).len(), 0);
}

#[test]
fn a_send_needs_exactly_one_audience_and_one_message() {
    let env = Env::new(0);
    for args in [
        &["mass", "send", "--text", "x"][..],
        &["mass", "send", "--all", "--tag", "2", "--text", "x"],
        &["mass", "send", "--all"],
        &["mass", "send", "--all", "--text", "x", "--voice", "M"],
    ] {
        let output = env.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(env.calls(SENDALL).len(), 0);
}

#[test]
fn an_unclear_failure_names_the_key_to_send_again() {
    let env = Env::new(0);
    env.control(env.sandbox.control().faults().drop(SENDALL, u32::MAX));
    let output = env.run(&[
        "mass",
        "send",
        "--all",
        "--text",
        "x",
        "--clientmsgid",
        "campaign-9",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--clientmsgid campaign-9"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn speed_is_read_and_set_within_0_to_4() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/message/mass/speed/get",
        api_fixture("mass", "speed_get.response.json"),
    );
    let answer = env.json(&["mass", "speed"]);
    assert_eq!(
        (answer["speed"].clone(), answer["realspeed"].clone()),
        (json!(3), json!(15))
    );
    env.json(&["mass", "speed", "--set", "1"]);
    let set = env
        .sandbox
        .requests("/cgi-bin/message/mass/speed/set")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(set, api_fixture("mass", "speed_set.request.json"));
    let output = env.run(&["mass", "speed", "--set", "5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("speed: 0..=4, got 5"));
}

#[test]
fn status_of_a_send() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/message/mass/get",
        api_fixture("mass", "get.response.json"),
    );
    let answer = env.json(&["mass", "status", "201053012"]);
    assert_eq!(answer["msg_status"], "SEND_SUCCESS");
}
