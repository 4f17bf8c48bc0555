//! `client.comments()` against the sandbox's scripted answers: the spec's response fixture decodes, and
//! the platform's comment codes come back as typed errors with their meaning.

use wxoa_client::Error;

use crate::sandbox_env::fixture;

#[tokio::test]
async fn the_specs_list_decodes() {
    let stub = crate::platform().await;
    let faults = stub.control().faults();
    faults
        .json(
            "/cgi-bin/comment/list",
            fixture("comment", "list.response.json"),
            u32::MAX,
        )
        .await
        .unwrap();
    faults
        .json(
            "/cgi-bin/comment/open",
            fixture("common", "ok.json"),
            u32::MAX,
        )
        .await
        .unwrap();
    let client = crate::builder(&stub).build().unwrap();
    client.comments().open(1, 0).await.unwrap();
    let page = client.comments().list(1, 0).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.comment.len(), 2);
    let first = &page.comment[0];
    assert_eq!(first.user_comment_id, 1);
    assert_eq!(first.openid.as_str(), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    assert_eq!(first.create_time, 1_700_000_000);
    assert!(first.is_elected());
    let reply = first.reply.as_ref().unwrap();
    assert_eq!(
        (reply.content.as_str(), reply.create_time),
        ("谢谢支持", Some(1_700_000_300))
    );
    assert!(!page.comment[1].is_elected());
    assert_eq!(page.comment[1].reply, None);
}

#[tokio::test]
async fn comment_codes_have_their_meaning() {
    let stub = crate::platform().await;
    let faults = stub.control().faults();
    faults
        .json(
            "/cgi-bin/comment/reply/add",
            serde_json::json!({"errcode": 88005, "errmsg": "already reply rid: 1-2-3"}),
            u32::MAX,
        )
        .await
        .unwrap();
    let client = crate::builder(&stub).build().unwrap();
    let error = client.comments().reply(1, 0, 1, "hi").await.unwrap_err();
    let Error::Api { code, .. } = &error else {
        panic!("expected a platform error, got {error:?}");
    };
    assert_eq!(code.code(), 88005);
    assert!(code.is_known(), "{code:?}");
    assert!(error.to_string().contains("already replied"), "{error}");
}
