//! `wxoa draft …` and `wxoa publish …` against the sandbox (shapes from public
//! SDKs: `fixtures/api/publish/`).

use serde_json::json;

use crate::sandbox_env::Env;
use crate::{api_fixture, stderr};

#[test]
fn a_draft_from_a_file_is_published_and_followed() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/draft/add",
        api_fixture("publish", "draft_add.response.json"),
    );
    env.answer(
        "/cgi-bin/freepublish/submit",
        api_fixture("publish", "freepublish_submit.response.json"),
    );
    env.answer(
        "/cgi-bin/freepublish/get",
        api_fixture("publish", "freepublish_get.response.json"),
    );
    let file = env.dir.path().join("draft.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&api_fixture("publish", "draft_add.request.json")).unwrap(),
    )
    .unwrap();
    let added = env.json(&["draft", "add", file.to_str().unwrap()]);
    assert_eq!(added, json!({"media_id": "MEDIA_ID"}));
    let sent = env
        .sandbox
        .requests("/cgi-bin/draft/add")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent, api_fixture("publish", "draft_add.request.json"));
    let submitted = env.json(&["publish", "submit", "MEDIA_ID"]);
    assert_eq!(submitted["publish_id"], "100000001");
    let status = env.json(&["publish", "status", "100000001"]);
    assert_eq!(status["publish_status"], json!(0));
    assert_eq!(status["article_id"], "ARTICLE_ID");
}

#[test]
fn a_draft_of_nine_articles_is_refused() {
    let env = Env::new(0);
    let article = api_fixture("publish", "draft_add.request.json")["articles"][0].clone();
    let file = env.dir.path().join("draft.json");
    std::fs::write(&file, serde_json::to_vec(&vec![article; 9]).unwrap()).unwrap();
    let output = env.run(&["draft", "add", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("articles: 1..=8 articles, got 9"));
    assert_eq!(env.calls("/cgi-bin/draft/add").len(), 0);
}

#[test]
fn drafts_are_counted_and_listed() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/draft/count",
        api_fixture("publish", "draft_count.response.json"),
    );
    env.answer(
        "/cgi-bin/draft/batchget",
        api_fixture("publish", "draft_batchget.response.json"),
    );
    assert_eq!(env.json(&["draft", "count"]), json!({"total_count": 3}));
    let page = env.json(&["draft", "list", "--count", "5", "--no-content"]);
    assert_eq!(page["item"][0]["media_id"], "MEDIA_ID");
    let sent = env
        .sandbox
        .requests("/cgi-bin/draft/batchget")
        .pop()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(sent, json!({"offset": 0, "count": 5, "no_content": 1}));
}
