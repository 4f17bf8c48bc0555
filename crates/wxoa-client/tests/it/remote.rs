//! Tokens from a central token server (CONTRACT §5): the project's own (`wxoa_control`) in this
//! process, fetching from the sandbox.

use wxoa_client::token::{RemoteTokenSource, TokenSource};
use wxoa_client::{Account, Client, Error};
use wxoa_sandbox::{DEFAULT_APP_ID, Sandbox};
use wxoa_testkit::{Served, TOKEN_SERVER_AUTH, token_server};

use crate::{builder_for, client_calls, platform};

const READ: &str = "/cgi-bin/getcallbackip";

fn remote_client(stub: &Sandbox, server: &Served, auth: &str) -> Client {
    let source = RemoteTokenSource::new(server.base_url(), Some(auth.into())).unwrap();
    builder_for(stub, Account::without_secret(DEFAULT_APP_ID))
        .token_source(TokenSource::remote(source))
        .build()
        .unwrap()
}

#[tokio::test]
async fn tokens_come_from_the_server_without_any_secret() {
    let stub = platform().await;
    let server = token_server(&stub).await;
    let client = remote_client(&stub, &server, TOKEN_SERVER_AUTH);
    for _ in 0..3 {
        client.get_json(READ, &[]).await.unwrap();
    }
    assert_eq!(server.calls("/token"), 1);
    assert_eq!(client_calls(&stub, "/cgi-bin/stable_token").await, 0);
    assert_eq!(client_calls(&stub, "/cgi-bin/token").await, 0);
}

#[tokio::test]
async fn a_rejected_token_is_reported_to_the_server() {
    let stub = platform().await;
    let server = token_server(&stub).await;
    let client = remote_client(&stub, &server, TOKEN_SERVER_AUTH);
    let first = client.access_token().await.unwrap();
    stub.control().revoke_tokens().await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(server.calls("/token/invalidate"), 1);
    assert_eq!(server.calls("/token"), 1);
    assert_ne!(
        client.access_token().await.unwrap().expose(),
        first.expose()
    );
}

#[tokio::test]
async fn tickets_come_from_the_server_too() {
    let stub = platform().await;
    let server = token_server(&stub).await;
    let client = remote_client(&stub, &server, TOKEN_SERVER_AUTH);
    let jsapi = client.jsapi_ticket().await.unwrap();
    let card = client.wx_card_ticket().await.unwrap();
    assert_ne!(jsapi.expose(), card.expose());
    client.jsapi_ticket().await.unwrap();
    assert_eq!(server.calls("/ticket/jsapi"), 1);
    assert_eq!(server.calls("/ticket/wx_card"), 1);
    assert_eq!(client_calls(&stub, "/cgi-bin/ticket/getticket").await, 0);
}

#[tokio::test]
async fn a_wrong_bearer_token_is_a_typed_error() {
    let stub = platform().await;
    let server = token_server(&stub).await;
    let client = remote_client(&stub, &server, "wrong");
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(
        matches!(error, Error::TokenServer { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.advice().unwrap().contains("--token-server-auth"));
    assert_eq!(stub.control().count(READ).await.unwrap(), 0);
}
