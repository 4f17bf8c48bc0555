//! `wxoa user migrate`, `autoreply`, `misc rid`, `marketing`, `ocr` and `img` against the
//! sandbox (its scripted answers where the spec's shapes are checked), and `wxoa sandbox --migrate-from` in the sandbox's help.

use serde_json::json;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr, stdout, wxoa};

#[test]
fn the_sandbox_help_documents_migrate_from() {
    let output = wxoa(&["sandbox", "--help"], b"");
    assert!(output.status.success());
    let help = stdout(&output);
    assert!(help.contains("--migrate-from <APPID>"), "{help}");
    assert!(help.contains("changeopenid"), "{help}");
}

#[test]
fn user_migrate_sends_the_openids_in_calls_of_100() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/changeopenid",
        json!({"errcode": 0, "errmsg": "ok", "result_list": [
            {"ori_openid": "o", "new_openid": "n", "err_msg": "ok"}]}),
    );
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("openids.txt");
    let openids: Vec<String> = (0..150).map(|i| format!("o{i}")).collect();
    std::fs::write(&list, openids.join("\n")).unwrap();
    let answer = env.json(&[
        "user",
        "migrate",
        "--from-appid",
        "wxold",
        "--from",
        list.to_str().unwrap(),
    ]);
    assert_eq!(answer.as_array().unwrap().len(), 2, "one result per call");
    let calls = env.sandbox.requests("/cgi-bin/changeopenid");
    assert_eq!(calls.len(), 2);
    let first = calls[0].json().unwrap();
    assert_eq!(first["from_appid"], "wxold");
    assert_eq!(first["openid_list"].as_array().unwrap().len(), 100);
    assert_eq!(
        calls[1].json().unwrap()["openid_list"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
}

#[test]
fn user_migrate_needs_an_openid() {
    let env = Env::new(0);
    let output = env.run(&["user", "migrate", "--from-appid", "wxold"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no OpenID"));
}

#[test]
fn autoreply_show_prints_the_rules() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/get_current_autoreply_info",
        api_fixture("autoreply", "get_current_autoreply_info.response.json"),
    );
    let answer = env.json(&["autoreply", "show"]);
    assert_eq!(
        answer["keyword_autoreply_info"]["list"][0]["rule_name"],
        "autoreply-news"
    );
}

#[test]
fn misc_rid_reads_the_call_and_refuses_what_is_no_rid() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/openapi/rid/get",
        api_fixture("misc", "rid_get.response.json"),
    );
    let answer = env.json(&["misc", "rid", "6437c2ad-4a2a9fd7-2ae2bd4f"]);
    assert_eq!(answer["cost_in_ms"], 30);
    let output = env.run(&["misc", "rid", "nonsense"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("rid: must be a request id"));
}

#[test]
fn marketing_makes_a_set_lists_it_and_reports_a_conversion() {
    let env = Env::new(0);
    for (path, name) in [
        ("/marketing/user_action_sets/add", "user_action_sets_add"),
        ("/marketing/user_action_sets/get", "user_action_sets_get"),
        ("/marketing/user_actions/add", "user_actions_add"),
    ] {
        env.answer(
            path,
            api_fixture("marketing", &format!("{name}.response.json")),
        );
    }
    let made = env.json(&["marketing", "add-set", "--type", "web", "--name", "shop"]);
    assert_eq!(made, json!({"user_action_set_id": 1_109_624_852}));
    let sets = env.json(&["marketing", "sets", "--id", "1109624852"]);
    assert_eq!(sets[0]["name"], "shop");
    env.json(&[
        "marketing",
        "report",
        "--set",
        "1109624852",
        "--type",
        "RESERVATION",
        "--time",
        "1700000000",
        "--openid",
        "oUser",
        "--click-id",
        "gdt_vid",
    ]);
    let sent = env
        .sandbox
        .requests("/marketing/user_actions/add")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent["actions"][0]["trace"]["click_id"], "gdt_vid");
    let output = env.run(&["marketing", "add-set", "--type", "ios", "--name", "app"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("mobile_app_id"));
}

#[test]
fn ocr_uploads_a_file_and_img_names_a_url() {
    let env = Env::new(0);
    env.answer(
        "/cv/ocr/idcard",
        api_fixture("cv", "idcard_front.response.json"),
    );
    env.answer("/cv/img/aicrop", api_fixture("cv", "aicrop.response.json"));
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("id.jpg");
    std::fs::write(&image, [0xFF, 0xD8, 0xFF, 0xE0]).unwrap();
    let card = env.json(&[
        "ocr",
        "idcard",
        "--file",
        image.to_str().unwrap(),
        "--type",
        "scan",
    ]);
    assert_eq!(card["type"], "Front");
    let sent = env.sandbox.requests("/cv/ocr/idcard").pop().unwrap();
    assert_eq!(sent.query["type"], "scan");
    assert_eq!(sent.form[0].name, "img");
    let crops = env.json(&[
        "img",
        "crop",
        "--url",
        "https://example.com/a.jpg",
        "--ratios",
        "1,0.5",
    ]);
    assert_eq!(crops["results"].as_array().unwrap().len(), 2);
    let sent = env.sandbox.requests("/cv/img/aicrop").pop().unwrap();
    assert_eq!(sent.query["ratios"], "1,0.5");
    assert_eq!(sent.query["img_url"], "https://example.com/a.jpg");
    let output = env.run(&["img", "qrcode"]);
    assert_eq!(output.status.code(), Some(2), "an image is required");
}
