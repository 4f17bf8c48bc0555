//! CONTRACT §7 `wxoa user …`, `wxoa tag …`, `wxoa group …`, `wxoa blacklist …` against the
//! sandbox.

use serde_json::{Value, json};
use wxoa_sandbox::Sandbox;

use crate::sandbox_env::Env;
use crate::{stderr, stdout};

#[test]
fn list_all_streams_every_follower_as_jsonl_without_a_progress_bar_off_a_terminal() {
    let env = Env::with(
        Sandbox::builder()
            .followers(2_345)
            .seed(5)
            .user_page_size(1_000),
    );
    let output = env.run(&["user", "list", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // stderr is a pipe here: no progress bar, nothing at all.
    assert_eq!(stderr(&output), "");
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let openids: Vec<String> = lines
        .iter()
        .map(|l| l["openid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(openids, env.followers(2_345));
    // Pages of 1,000: three, then the empty page.
    assert_eq!(env.calls("/cgi-bin/user/get").len(), 4);
    assert!(env.calls("/cgi-bin/user/info/batchget").is_empty());
}

#[test]
fn list_all_details_writes_every_profile_to_a_file() {
    let env = Env::new(250);
    let out = env.dir.path().join("users.jsonl");
    let out_arg = out.display().to_string();
    let output = env.run(&["user", "list", "--all", "--details", "--out", &out_arg]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let text = std::fs::read_to_string(&out).unwrap();
    let users: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(users.len(), 250);
    assert!(
        users
            .iter()
            .all(|u| u["subscribe"] == 1 && u["subscribe_time"].is_i64())
    );
    let first: Vec<&str> = users
        .iter()
        .map(|u| u["openid"].as_str().unwrap())
        .collect();
    assert_eq!(first, env.followers(250));
    let mut sizes: Vec<usize> = env
        .calls("/cgi-bin/user/info/batchget")
        .iter()
        .map(|c| c.body["user_list"].as_array().unwrap().len())
        .collect();
    // The calls run concurrently: they may arrive in any order.
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
}

#[test]
fn list_all_as_csv_has_a_header_and_one_row_per_follower() {
    let env = Env::new(3);
    let plain = env.run(&["user", "list", "--all", "--format", "csv"]);
    let rows: Vec<String> = stdout(&plain).lines().map(str::to_owned).collect();
    assert_eq!(rows[0], "openid");
    assert_eq!(rows[1..], env.followers(3)[..]);
    let detailed = env.run(&["user", "list", "--all", "--details", "--format", "csv"]);
    let text = stdout(&detailed);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "openid,subscribe,language,subscribe_time,unionid,remark,groupid,tagid_list,subscribe_scene,qr_scene,qr_scene_str"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!((row[0], row[1]), (env.followers(1)[0].as_str(), "1"));
    assert_eq!(lines.count(), 2);
}

#[test]
fn list_without_all_prints_one_page() {
    let env = Env::new(3);
    let page = env.json(&["user", "list"]);
    assert_eq!(
        (page["total"].clone(), page["count"].clone()),
        (json!(3), json!(3))
    );
    let next = page["next_openid"].as_str().unwrap().to_owned();
    let rest = env.json(&["user", "list", "--next-openid", &next]);
    assert_eq!(rest["count"], 0);
}

#[test]
fn details_and_out_need_all() {
    let env = Env::new(1);
    let (code, err) = env.fails(&["user", "list", "--details"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_failing_export_exits_1_and_keeps_what_was_written() {
    let env = Env::new(300);
    env.fail_next("/cgi-bin/user/info/batchget", 45009);
    let out = env.dir.path().join("partial.jsonl");
    let out_arg = out.display().to_string();
    let (code, err) = env.fails(&[
        "user",
        "list",
        "--all",
        "--details",
        "--concurrency",
        "1",
        "--out",
        &out_arg,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("45009"), "{err}");
    assert!(out.exists());
}

#[test]
fn info_and_remark() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    env.json(&["user", "remark", &openid, "VIP"]);
    let user = env.json(&["user", "info", &openid, "--lang", "en"]);
    assert_eq!(
        (user["openid"].as_str(), user["remark"].as_str()),
        (Some(openid.as_str()), Some("VIP"))
    );
    assert_eq!(env.calls("/cgi-bin/user/info")[0].query["lang"], "en");
    let (code, err) = env.fails(&["user", "remark", &openid, &"长".repeat(30)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("remark: must be shorter than 30 characters"),
        "{err}"
    );
    let (code, err) = env.fails(&["user", "info", "oNobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("40003"), "{err}");
}

#[test]
fn tags_from_the_command_line_and_a_file() {
    let env = Env::new(130);
    let tag = env.json(&["tag", "create", "广东"]);
    let id = tag["id"].as_u64().unwrap().to_string();
    let openids = env.followers(120);
    let file = env.file("openids.txt", &openids[2..].join("\n"));
    let added = env.json(&["tag", "add", &id, &openids[0], &openids[1], "--from", &file]);
    assert_eq!(added["tagged"], 120);
    let sizes: Vec<usize> = env
        .calls("/cgi-bin/tags/members/batchtagging")
        .iter()
        .map(|c| c.body["openid_list"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    let members = env.json(&["tag", "members", &id]);
    assert_eq!(members.as_array().unwrap().len(), 120);
    let tags = env.json(&["tag", "of", &openids[0]]);
    assert_eq!(tags, json!([id.parse::<u64>().unwrap()]));
    env.json(&["tag", "remove", &id, &openids[0]]);
    env.json(&["tag", "rename", &id, "广东人"]);
    let list = env.json(&["tag", "list"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "广东人" && t["count"] == 119)
    );
    env.json(&["tag", "delete", &id]);
    let (code, err) = env.fails(&["tag", "delete", "2"]);
    assert_eq!(code, 2);
    assert!(err.contains("reserved"), "{err}");
    let (code, err) = env.fails(&["tag", "create", &"标".repeat(11)]);
    assert_eq!(code, 2);
    assert!(err.contains("tag.name: longer than 30 bytes"), "{err}");
}

#[test]
fn groups_and_the_blacklist() {
    let env = Env::new(30);
    let openids = env.followers(25);
    let group = env.json(&["group", "create", "老客户"]);
    let id = group["id"].as_u64().unwrap().to_string();
    let mut args = vec!["group", "move", "--to", id.as_str()];
    args.extend(openids.iter().map(String::as_str));
    assert_eq!(env.json(&args)["moved"], 25);
    assert_eq!(
        env.json(&["group", "of", &openids[0]]),
        json!(id.parse::<u64>().unwrap())
    );
    env.json(&["group", "move", "--to", "0", &openids[0]]);
    assert_eq!(env.calls("/cgi-bin/groups/members/update").len(), 1);
    let mut args = vec!["blacklist", "block"];
    args.extend(openids.iter().map(String::as_str));
    assert_eq!(env.json(&args)["blocked"], 25);
    assert_eq!(env.calls("/cgi-bin/tags/members/batchblacklist").len(), 2);
    let listed = env.json(&["blacklist", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 25);
    env.json(&["blacklist", "unblock", &openids[0]]);
    assert_eq!(
        env.json(&["blacklist", "list"]).as_array().unwrap().len(),
        24
    );
    let (code, _) = env.fails(&["group", "delete", "1"]);
    assert_eq!(code, 2);
}
