//! `wxoa comment …` against the sandbox: an article published with `wxoa draft` and
//! `wxoa publish`, a follower's comments through the control API, then every subcommand, and
//! the refusals (a page over 49, exit 2; the platform's codes, exit 1).

use serde_json::{Value, json};

use crate::sandbox_env::Env;

/// A publication of one article that takes comments, and two comments on it: its
/// `msg_data_id` (as text, for the command line) and the commenters.
fn commented(env: &Env) -> (String, Vec<String>) {
    let thumb = env.dir.path().join("thumb.jpg");
    std::fs::write(&thumb, b"\xff\xd8\xff\xe0thumb\xff\xd9").unwrap();
    let added = env.json(&[
        "media",
        "upload",
        thumb.to_str().unwrap(),
        "--type",
        "thumb",
        "--permanent",
    ]);
    let article = json!({"title": "留言测试", "thumb_media_id": added["media_id"],
                         "content": "<p>正文</p>", "need_open_comment": 1});
    let file = env.file("draft.json", &json!({"articles": [article]}).to_string());
    let draft = env.json(&["draft", "add", &file]);
    let media_id = draft["media_id"].as_str().unwrap();
    let submitted = env.json(&["publish", "submit", media_id]);
    let msg_data_id = submitted["msg_data_id"].as_u64().unwrap();
    let followers = env.followers(2);
    for (openid, text) in followers.iter().zip(["第一", "第二"]) {
        env.comment(msg_data_id, openid, text);
    }
    (msg_data_id.to_string(), followers)
}

fn ids(listed: &Value) -> Vec<u64> {
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_comment_id"].as_u64().unwrap())
        .collect()
}

#[test]
fn every_subcommand_manages_the_comments_of_an_article() {
    let env = Env::new(2);
    let (id, followers) = commented(&env);
    let page = env.json(&["comment", "list", &id]);
    assert_eq!(page["total"], 2);
    assert_eq!(page["comment"][0]["content"], "第一");
    assert_eq!(
        env.calls("/cgi-bin/comment/list")[0].body,
        json!({"msg_data_id": id.parse::<u64>().unwrap(), "index": 0, "begin": 0,
               "count": 49, "type": 0})
    );
    env.json(&["comment", "elect", &id, "2"]);
    let elected = env.json(&["comment", "list", &id, "--type", "elected", "--all"]);
    assert_eq!(ids(&elected), [2]);
    env.json(&["comment", "reply", &id, "1", "谢谢"]);
    let inbox = env.inbox(&followers[0]);
    assert_eq!(inbox.last().unwrap().kind, "comment_reply");
    let every = env.json(&["comment", "list", &id, "--all", "--count", "1"]);
    assert_eq!(ids(&every), [1, 2]);
    assert_eq!(every[0]["reply"]["content"], "谢谢");
    env.json(&["comment", "unreply", &id, "1"]);
    env.json(&["comment", "unelect", &id, "2"]);
    let normal = env.json(&["comment", "list", &id, "--type", "normal"]);
    assert_eq!(normal["total"], 2);
    assert!(normal["comment"][0].get("reply").is_none());
    env.json(&["comment", "delete", &id, "1", "--index", "0"]);
    let left = env.json(&["comment", "list", &id, "--begin", "0"]);
    assert_eq!(left["total"], 1);
    env.json(&["comment", "close", &id]);
    env.json(&["comment", "open", &id]);
    assert_eq!(env.calls("/cgi-bin/comment/open").len(), 1);
}

#[test]
fn a_page_over_49_exits_2_before_sending() {
    let env = Env::new(0);
    let (code, err) = env.fails(&["comment", "list", "1", "--count", "50"]);
    assert_eq!(code, 2);
    assert!(err.contains("count: 1..=49"), "{err}");
    assert!(env.calls("/cgi-bin/comment/list").is_empty());
}

#[test]
fn an_unknown_article_exits_1_with_88001() {
    let env = Env::new(0);
    let (code, err) = env.fails(&["comment", "open", "12345", "--index", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("88001"), "{err}");
}

#[test]
fn a_second_reply_exits_1_with_88005() {
    let env = Env::new(2);
    let (id, _) = commented(&env);
    env.json(&["comment", "reply", &id, "2", "一"]);
    let (code, err) = env.fails(&["comment", "reply", &id, "2", "二"]);
    assert_eq!(code, 1);
    assert!(err.contains("88005"), "{err}");
}

#[test]
fn the_help_names_every_subcommand() {
    let env = Env::new(0);
    let output = env.run(&["comment", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for sub in [
        "open", "close", "list", "elect", "unelect", "delete", "reply", "unreply",
    ] {
        assert!(help.contains(sub), "{sub} in {help}");
    }
    let output = env.run(&["comment", "list", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--index",
        "--type",
        "--begin",
        "--count",
        "--all",
        "msg_data_id",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}
