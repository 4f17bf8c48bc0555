//! The jsapi and wx_card tickets go through the token machinery.

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::token::{FileStore, TokenKind};

use crate::builder;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ticket_requests_fetch_one_ticket() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(50), u32::MAX)
        .await
        .unwrap();
    let client = builder(&stub).build().unwrap();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.jsapi_ticket().await })
        })
        .collect();
    let mut values = std::collections::HashSet::new();
    for call in calls {
        values.insert(call.await.unwrap().unwrap().expose().to_owned());
    }
    assert_eq!(values.len(), 1);
    assert_eq!(stub.control().ticket_fetches().await.unwrap(), 1);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    // A JS-SDK signature with it.
    let ticket = values.into_iter().next().unwrap();
    let signature = wxoa_crypto::jssdk_signature(
        &ticket,
        "Wm3WZYTPz0wzccnW",
        "1414587457",
        "http://mp.weixin.qq.com?params=value",
    );
    assert_eq!(signature.as_str().len(), 40);
}

#[tokio::test]
async fn card_and_jsapi_tickets_are_separate_and_shared_through_the_store() {
    let stub = crate::platform().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let first = builder(&stub)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    let jsapi = first.jsapi_ticket().await.unwrap();
    let card = first.wx_card_ticket().await.unwrap();
    assert_ne!(jsapi.expose(), card.expose());
    assert_eq!(stub.control().ticket_fetches().await.unwrap(), 2);
    let second = builder(&stub)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    assert_eq!(
        second.jsapi_ticket().await.unwrap().expose(),
        jsapi.expose()
    );
    assert_eq!(
        second.wx_card_ticket().await.unwrap().expose(),
        card.expose()
    );
    assert_eq!(stub.control().ticket_fetches().await.unwrap(), 2);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}

#[tokio::test]
async fn an_invalidated_ticket_is_fetched_again_once() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    let ticket = client.jsapi_ticket().await.unwrap();
    let same = serde_json::json!({"errcode": 0, "errmsg": "ok", "ticket": ticket.expose(), "expires_in": 7200});
    let faults = stub.control().faults();
    faults
        .json("/cgi-bin/ticket/getticket", same, u32::MAX)
        .await
        .unwrap();
    // The platform answers the same ticket while it is valid: it comes back reaffirmed, and
    // further reports of it fetch nothing.
    let again = client
        .invalidate(TokenKind::JsapiTicket, &ticket)
        .await
        .unwrap();
    assert_eq!(again.expose(), ticket.expose());
    assert!(again.is_reaffirmed());
    assert_eq!(stub.control().ticket_fetches().await.unwrap(), 2);
    for _ in 0..3 {
        client
            .invalidate(TokenKind::JsapiTicket, &ticket)
            .await
            .unwrap();
    }
    assert_eq!(
        client.jsapi_ticket().await.unwrap().expose(),
        ticket.expose()
    );
    assert_eq!(stub.control().ticket_fetches().await.unwrap(), 2);
}
