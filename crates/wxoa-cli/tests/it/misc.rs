//! `wxoa misc …` and `wxoa shorturl …` against the sandbox.

use serde_json::json;
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

#[test]
fn the_platform_ips() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/get_api_domain_ip",
        api_fixture("misc", "ip_list.response.json"),
    );
    assert_eq!(env.json(&["misc", "api-ips"]), json!(["101.89.47.18"]));
    assert_eq!(env.json(&["misc", "callback-ips"]), json!(["127.0.0.1"]));
}

#[test]
fn a_callback_check_through_an_operator() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/callback/check",
        api_fixture("misc", "callback_check.response.json"),
    );
    let answer = env.json(&["misc", "check", "--action", "dns", "--operator", "UNICOM"]);
    assert_eq!(answer["dns"][0]["real_operator"], "UNICOM");
    let sent = env
        .sandbox
        .requests("/cgi-bin/callback/check")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent, json!({"action": "dns", "check_operator": "UNICOM"}));
    let output = env.run(&["misc", "check", "--action", "trace"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("action: must be all, dns or ping"));
}

#[test]
fn quotas_are_read_and_cleared() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/openapi/quota/get",
        api_fixture("misc", "quota_get.response.json"),
    );
    let quota = env.json(&["misc", "quota", "/cgi-bin/user/get"]);
    assert_eq!(quota["remain"], json!(499988));
    env.json(&["misc", "clear-quota"]);
    let sent = env
        .sandbox
        .requests("/cgi-bin/clear_quota")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent, json!({"appid": DEFAULT_APP_ID}));
}

#[test]
fn short_keys() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/shorten/gen",
        api_fixture("shorten", "gen.response.json"),
    );
    env.answer(
        "/cgi-bin/shorten/fetch",
        api_fixture("shorten", "fetch.response.json"),
    );
    let key = env.json(&["shorturl", "shorten", "loooooong data", "--expire", "86400"]);
    assert_eq!(key, json!({"short_key": "iTqRJFSEqk9RvPk"}));
    let sent = env
        .sandbox
        .requests("/cgi-bin/shorten/gen")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent, api_fixture("shorten", "gen.request.json"));
    let data = env.json(&["shorturl", "fetch", "iTqRJFSEqk9RvPk"]);
    assert_eq!(data["long_data"], "loooooong data");
    let too_long = "x".repeat(4097);
    let output = env.run(&["shorturl", "shorten", &too_long]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("long_data: at most 4096 bytes"));
}
