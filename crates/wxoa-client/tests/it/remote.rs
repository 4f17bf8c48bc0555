//! Tokens from a central token server (CONTRACT §5).

use wxoa_client::testing::{STUB_APP_ID, STUB_TOKEN_SERVER_AUTH, StubPlatform};
use wxoa_client::token::{RemoteTokenSource, TokenSource};
use wxoa_client::{Account, Client, Error};

use crate::builder_for;

const READ: &str = "/cgi-bin/getcallbackip";

fn remote_client(stub: &StubPlatform, auth: &str) -> Client {
    let source = RemoteTokenSource::new(stub.base_url(), Some(auth.into())).unwrap();
    builder_for(stub, Account::without_secret(STUB_APP_ID))
        .token_source(TokenSource::remote(source))
        .build()
        .unwrap()
}

#[tokio::test]
async fn tokens_come_from_the_server_without_any_secret() {
    let stub = StubPlatform::start().await.unwrap();
    let client = remote_client(&stub, STUB_TOKEN_SERVER_AUTH);
    for _ in 0..3 {
        client.get_json(READ, &[]).await.unwrap();
    }
    assert_eq!(stub.calls("/token"), 1);
    assert_eq!(stub.calls("/cgi-bin/stable_token"), 0);
    assert_eq!(stub.calls("/cgi-bin/token"), 0);
}

#[tokio::test]
async fn a_rejected_token_is_reported_to_the_server() {
    let stub = StubPlatform::start().await.unwrap();
    let client = remote_client(&stub, STUB_TOKEN_SERVER_AUTH);
    let first = client.access_token().await.unwrap();
    stub.revoke_tokens();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.calls("/token/invalidate"), 1);
    assert_eq!(stub.calls("/token"), 1);
    assert_ne!(
        client.access_token().await.unwrap().expose(),
        first.expose()
    );
}

#[tokio::test]
async fn tickets_come_from_the_server_too() {
    let stub = StubPlatform::start().await.unwrap();
    let client = remote_client(&stub, STUB_TOKEN_SERVER_AUTH);
    let jsapi = client.jsapi_ticket().await.unwrap();
    let card = client.wx_card_ticket().await.unwrap();
    assert_ne!(jsapi.expose(), card.expose());
    client.jsapi_ticket().await.unwrap();
    assert_eq!(stub.calls("/ticket/jsapi"), 1);
    assert_eq!(stub.calls("/ticket/wx_card"), 1);
    assert_eq!(stub.calls("/cgi-bin/ticket/getticket"), 0);
}

#[tokio::test]
async fn a_wrong_bearer_token_is_a_typed_error() {
    let stub = StubPlatform::start().await.unwrap();
    let client = remote_client(&stub, "wrong");
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(
        matches!(error, Error::TokenServer { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.advice().unwrap().contains("--token-server-auth"));
    assert_eq!(stub.calls(READ), 0);
}
