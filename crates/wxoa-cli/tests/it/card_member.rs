//! CONTRACT §7 `wxoa card update|whitelist|landing-page|html|held`, `wxoa card code
//! deposit|deposit-count|check` and `wxoa card member …` against the sandbox:
//! each sends the spec's body (the request fixtures), and a rule broken is exit 2 with nothing
//! sent.

use serde_json::json;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr, stdout, wxoa};

/// Answers `path` with the response fixture `name`.
fn answer(env: &Env, path: &str, name: &str) {
    env.answer(path, api_fixture("card", &format!("{name}.response.json")));
}

/// The JSON body of the last request of `path`.
fn sent(env: &Env, path: &str) -> serde_json::Value {
    env.sandbox.requests(path).pop().unwrap().json().unwrap()
}

/// The request fixture `name`.
fn spec(name: &str) -> serde_json::Value {
    api_fixture("card", &format!("{name}.request.json"))
}

/// Writes the request fixture `name` to a file: its path.
fn file(env: &Env, name: &str) -> String {
    let path = env.dir.path().join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec(&spec(name)).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_card_is_updated_from_a_file() {
    let env = Env::new(0);
    answer(&env, "/card/update", "update");
    let answer = env.json(&["card", "update", &file(&env, "update_member_card")]);
    assert_eq!(answer["send_check"], false);
    assert_eq!(answer["card_id"], "CARD_ID");
    assert_eq!(sent(&env, "/card/update"), spec("update_member_card"));
}

#[test]
fn an_update_of_the_stock_is_refused_before_it_is_sent() {
    let env = Env::new(0);
    let path = env.dir.path().join("stock.json");
    let body = json!({"card_id": "p1", "cash": {"base_info": {"sku": {"quantity": 1}}}});
    std::fs::write(&path, serde_json::to_vec(&body).unwrap()).unwrap();
    let output = env.run(&["card", "update", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cash.base_info.sku"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.calls("/card/update").len(), 0);
}

#[test]
fn codes_are_deposited_counted_and_checked() {
    let env = Env::new(0);
    answer(&env, "/card/code/deposit", "code_deposit");
    answer(&env, "/card/code/getdepositcount", "code_getdepositcount");
    answer(&env, "/card/code/checkcode", "code_checkcode");
    let done = env.json(&[
        "card", "code", "deposit", "CARD_ID", "11111", "22222", "33333",
    ]);
    assert_eq!(done["duplicate_code"], json!(["33333"]));
    assert_eq!(sent(&env, "/card/code/deposit"), spec("code_deposit"));
    let count = env.json(&["card", "code", "deposit-count", "CARD_ID"]);
    assert_eq!(count["count"], 123);
    assert_eq!(
        sent(&env, "/card/code/getdepositcount"),
        spec("code_getdepositcount")
    );
    let checked = env.json(&["card", "code", "check", "CARD_ID", "11111", "44444"]);
    assert_eq!(checked["not_exist_code"], json!(["44444"]));
    assert_eq!(sent(&env, "/card/code/checkcode"), spec("code_checkcode"));
}

#[test]
fn more_than_100_codes_are_refused_before_they_are_sent() {
    let env = Env::new(0);
    let codes: Vec<String> = (0..101).map(|i| format!("C{i}")).collect();
    let mut args = vec!["card", "code", "deposit", "CARD_ID"];
    args.extend(codes.iter().map(String::as_str));
    let output = env.run(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        // The CLI masks the value after `code: ` (an OAuth code is a secret): the rule shows
        // from "codes" on.
        stderr(&output).contains("codes, got 101"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.calls("/card/code/deposit").len(), 0);
}

#[test]
fn the_whitelist_landing_page_html_and_held_cards() {
    let env = Env::new(0);
    answer(&env, "/card/testwhitelist/set", "testwhitelist_set");
    answer(&env, "/card/landingpage/create", "landingpage_create");
    answer(&env, "/card/mpnews/gethtml", "mpnews_gethtml");
    answer(&env, "/card/user/getcardlist", "user_getcardlist");
    env.json(&[
        "card",
        "whitelist",
        "--openid",
        "OPENID",
        "--username",
        "tester42",
    ]);
    assert_eq!(
        sent(&env, "/card/testwhitelist/set"),
        spec("testwhitelist_set")
    );
    let page = env.json(&[
        "card",
        "landing-page",
        "--banner",
        "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/banner",
        "--title",
        "Our cards",
        "--scene",
        "SCENE_MENU",
        "--card",
        "CARD_ID=http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/thumb",
    ]);
    assert_eq!(page["page_id"], 1);
    assert_eq!(
        sent(&env, "/card/landingpage/create"),
        spec("landingpage_create")
    );
    let html = env.json(&["card", "html", "CARD_ID"]);
    assert!(html["content"].as_str().unwrap().starts_with("<iframe"));
    assert_eq!(sent(&env, "/card/mpnews/gethtml"), spec("mpnews_gethtml"));
    let held = env.json(&["card", "held", "OPENID"]);
    assert_eq!(held["card_list"][0]["code"], "110201201245");
    assert_eq!(
        sent(&env, "/card/user/getcardlist"),
        spec("user_getcardlist")
    );
}

#[test]
fn a_landing_card_without_its_thumbnail_is_a_usage_error() {
    let env = Env::new(0);
    let output = env.run(&[
        "card",
        "landing-page",
        "--banner",
        "http://a/b",
        "--title",
        "T",
        "--scene",
        "SCENE_MENU",
        "--card",
        "CARD_ID",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("CARD_ID=THUMB_URL"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_whitelist_of_11_users_is_refused_before_it_is_sent() {
    let env = Env::new(0);
    let names: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let mut args = vec!["card", "whitelist"];
    for name in &names {
        args.extend(["--username", name.as_str()]);
    }
    let output = env.run(&args);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(env.calls("/card/testwhitelist/set").len(), 0);
}

#[test]
fn member_cards_from_the_form_to_the_member() {
    let env = Env::new(0);
    for (path, name) in [
        (
            "/card/membercard/activateuserform/set",
            "membercard_activateuserform_set",
        ),
        (
            "/card/membercard/activatetempinfo/get",
            "membercard_activatetempinfo_get",
        ),
        ("/card/membercard/activate", "membercard_activate"),
        ("/card/membercard/updateuser", "membercard_updateuser"),
        ("/card/membercard/userinfo/get", "membercard_userinfo_get"),
        (
            "/card/membercard/activate/geturl",
            "membercard_activate_geturl",
        ),
    ] {
        answer(&env, path, name);
    }
    let form = file(&env, "membercard_activateuserform_set");
    env.json(&["card", "member", "form", "CARD_ID", &form]);
    assert_eq!(
        sent(&env, "/card/membercard/activateuserform/set"),
        spec("membercard_activateuserform_set")
    );
    let filled = env.json(&["card", "member", "filled", "ACTIVATE_TICKET"]);
    assert_eq!(
        filled["info"]["common_field_list"][0]["value"],
        "13800000000"
    );
    env.json(&[
        "card",
        "member",
        "activate",
        "CODE",
        "M-0001",
        "--card-id",
        "CARD_ID",
        "--background",
        "http://mmbiz.qpic.cn/mmbiz/iaL1LJM1mF9aRKPZ/bg",
        "--begin",
        "1700000000",
        "--end",
        "1710000000",
        "--bonus",
        "100",
        "--bonus-record",
        "Welcome points",
        "--balance",
        "200",
        "--custom1",
        "Gold",
    ]);
    assert_eq!(
        sent(&env, "/card/membercard/activate"),
        spec("membercard_activate")
    );
    let now = env.json(&[
        "card",
        "member",
        "update",
        "CODE",
        "--card-id",
        "CARD_ID",
        "--add-bonus",
        "20",
        "--record-bonus",
        "Coffee",
        "--balance",
        "500",
        "--add-balance",
        "300",
        "--record-balance",
        "Top-up",
        "--custom1",
        "Silver",
        "--notify-bonus",
        "--notify-balance",
    ]);
    assert_eq!(now["result_bonus"], 120);
    assert_eq!(
        sent(&env, "/card/membercard/updateuser"),
        spec("membercard_updateuser")
    );
    let member = env.json(&["card", "member", "get", "CARD_ID", "CODE"]);
    assert_eq!(member["membership_number"], "M-0001");
    let url = env.json(&["card", "member", "url", "CARD_ID", "--outer-str", "poster"]);
    assert!(url["url"].as_str().unwrap().contains("activatemembercard"));
    assert_eq!(
        sent(&env, "/card/membercard/activate/geturl"),
        spec("membercard_activate_geturl")
    );
}

#[test]
fn a_custom_value_over_12_bytes_is_refused_before_it_is_sent() {
    let env = Env::new(0);
    let output = env.run(&[
        "card",
        "member",
        "activate",
        "CODE",
        "M1",
        "--custom1",
        "金卡会员五",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("init_custom_field_value1"),
        "{}",
        stderr(&output)
    );
    assert_eq!(env.calls("/card/membercard/activate").len(), 0);
}

#[test]
fn every_new_card_command_has_help() {
    for args in [
        &["card", "update", "--help"][..],
        &["card", "whitelist", "--help"],
        &["card", "landing-page", "--help"],
        &["card", "html", "--help"],
        &["card", "held", "--help"],
        &["card", "code", "deposit", "--help"],
        &["card", "code", "deposit-count", "--help"],
        &["card", "code", "check", "--help"],
        &["card", "member", "--help"],
        &["card", "member", "form", "--help"],
        &["card", "member", "filled", "--help"],
        &["card", "member", "activate", "--help"],
        &["card", "member", "update", "--help"],
        &["card", "member", "get", "--help"],
        &["card", "member", "url", "--help"],
    ] {
        let output = wxoa(args, b"");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(stdout(&output).contains("Usage: wxoa card"), "{args:?}");
    }
}
