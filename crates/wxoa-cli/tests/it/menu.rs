//! CONTRACT §7 `wxoa menu …` against the sandbox: `menu apply FILE` checks every rule before
//! anything is sent.

use serde_json::json;

use crate::sandbox_env::Env;

const SPEC_MENU: &str = include_str!("../../../../fixtures/api/menu/create.request.json");

#[test]
fn apply_sends_a_valid_menu_and_get_reads_it_back() {
    let env = Env::new(1);
    let file = env.file("menu.json", SPEC_MENU);
    env.json(&["menu", "apply", &file]);
    let sent = &env.calls("/cgi-bin/menu/create")[0].body;
    assert_eq!(
        *sent,
        serde_json::from_str::<serde_json::Value>(SPEC_MENU).unwrap()
    );
    let menus = env.json(&["menu", "get"]);
    assert_eq!(menus["menu"]["button"][0]["name"], "今日歌曲");
    let current = env.json(&["menu", "current"]);
    assert_eq!(current["is_menu_open"], 1);
    let openid = env.followers(1).remove(0);
    let buttons = env.json(&["menu", "try-match", &openid]);
    assert_eq!(buttons.as_array().unwrap().len(), 3);
    env.json(&["menu", "delete"]);
    let (code, err) = env.fails(&["menu", "get"]);
    assert_eq!(code, 1);
    assert!(err.contains("46003"), "{err}");
}

#[test]
fn apply_reports_every_violation_with_its_path_exits_2_and_sends_nothing() {
    let env = Env::new(1);
    let menu = json!({"button": [
        {"type": "click", "name": "一二三四五六", "key": "K"},
        {"name": "菜单", "sub_button": [
            {"type": "click", "name": "a", "key": "K"},
            {"type": "click", "name": "b", "key": "K"},
            {"type": "click", "name": "c", "key": "K"},
            {"type": "click", "name": "d", "key": "k".repeat(129)},
            {"type": "view", "name": "e"},
        ]},
    ]});
    let file = env.file("bad.json", &menu.to_string());
    let (code, err) = env.fails(&["menu", "apply", &file]);
    assert_eq!(code, 2);
    assert!(err.contains("breaks 3 rule(s)"), "{err}");
    for violation in [
        "button[0].name: longer than 16 bytes",
        "button[1].sub_button[3].key: longer than 128 bytes",
        "button[1].sub_button[4].url: must not be empty",
    ] {
        assert!(err.contains(violation), "{violation} not in {err}");
    }
    assert!(env.calls("/cgi-bin/menu/create").is_empty());
    assert!(
        env.calls("/cgi-bin/stable_token").is_empty(),
        "not even a token was fetched"
    );
}

#[test]
fn apply_of_a_file_that_is_not_a_menu_exits_2() {
    let env = Env::new(0);
    let file = env.file("menu.json", r#"{"button": "nope"}"#);
    let (code, err) = env.fails(&["menu", "apply", &file]);
    assert_eq!(code, 2);
    assert!(err.contains("not a menu"), "{err}");
    let (code, _) = env.fails(&["menu", "apply", "/no/such/menu.json"]);
    assert_eq!(code, 2);
}

#[test]
fn apply_check_only_validates() {
    let env = Env::new(0);
    let file = env.file("menu.json", SPEC_MENU);
    assert_eq!(
        env.json(&["menu", "apply", "--check", &file])["valid"],
        true
    );
    assert!(env.calls("/cgi-bin/menu/create").is_empty());
}

#[test]
fn a_menu_with_a_matchrule_becomes_a_conditional_menu() {
    let env = Env::new(1);
    env.json(&["menu", "apply", &env.file("menu.json", SPEC_MENU)]);
    let tag = env.json(&["tag", "create", "VIP"]);
    let menu = json!({"button": [{"type": "click", "name": "VIP", "key": "VIP"}],
                      "matchrule": {"tag_id": tag["id"].to_string()}});
    let added = env.json(&["menu", "apply", &env.file("vip.json", &menu.to_string())]);
    let menuid = added["menuid"].as_str().unwrap().to_owned();
    assert_eq!(env.calls("/cgi-bin/menu/addconditional").len(), 1);
    env.json(&["menu", "delete-conditional", &menuid]);
    let (code, err) = env.fails(&["menu", "delete-conditional", &menuid]);
    assert_eq!(code, 1);
    assert!(err.contains("65301"), "{err}");
}
