//! A third-party platform's records in the token store: the verify ticket shared by every
//! instance and kept across restarts, never replaced by an older one; refresh tokens dropped on
//! revocation; a component without a ticket failing with a typed error.

use std::sync::Arc;

use wxoa_client::component::{Component, ComponentError};
use wxoa_client::token::{FileStore, RedisStore, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Client, Error};
use wxoa_testkit::Redis;

const COMPONENT: &str = "wxcomponent0000001";

/// A component on `store`, with an API base nothing listens on (these tests call no API).
fn component_on(store: Arc<dyn TokenStore>) -> Component {
    let client = Client::builder()
        .account(Account::component(COMPONENT, "component-secret"))
        .api_bases(["http://127.0.0.1:1"])
        .store(store)
        .build()
        .unwrap();
    Component::new(client).unwrap()
}

#[tokio::test]
async fn a_ticket_stored_by_one_instance_is_read_by_another_through_redis() {
    let Some(redis) = Redis::start() else { return };
    let first = component_on(Arc::new(RedisStore::new(redis.url()).unwrap()));
    let second = component_on(Arc::new(RedisStore::new(redis.url()).unwrap()));
    let pushed = wxoa_testkit::unix_seconds() - 60;
    first
        .store_ticket("ticket@@@newer".into(), pushed)
        .await
        .unwrap();
    let read = second.ticket().await.unwrap().unwrap();
    assert_eq!(read.expose(), "ticket@@@newer");
    assert_eq!(read.fetched_at_ms(), pushed * 1000);
    // Valid twelve hours from its push.
    assert_eq!(read.expires_at_ms(), (pushed + 12 * 3600) * 1000);
    // A push delivered late (an older ticket) does not replace the newer one.
    second
        .store_ticket("ticket@@@older".into(), pushed - 600)
        .await
        .unwrap();
    assert_eq!(
        first.ticket().await.unwrap().unwrap().expose(),
        "ticket@@@newer"
    );
    let key = RedisStore::key(&TokenKey::new(COMPONENT, TokenKind::VerifyTicket));
    assert_eq!(key, format!("wxoa:{{{COMPONENT}}}:component_verify_ticket"));
}

#[tokio::test]
async fn a_ticket_kept_in_a_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let before = component_on(Arc::new(FileStore::new(&path)));
    before
        .store_ticket("ticket@@@kept".into(), wxoa_testkit::unix_seconds())
        .await
        .unwrap();
    drop(before);
    let after = component_on(Arc::new(FileStore::new(&path)));
    assert_eq!(
        after.ticket().await.unwrap().unwrap().expose(),
        "ticket@@@kept"
    );
    // The file never holds the component's AppSecret.
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(!written.contains("component-secret"), "{written}");
}

#[tokio::test]
async fn without_a_ticket_the_component_token_fails_naming_why() {
    let component = component_on(Arc::new(wxoa_client::token::MemoryStore::new()));
    let error = component.access_token().await.unwrap_err();
    assert!(
        matches!(&error, Error::Component(ComponentError::NoVerifyTicket { component }) if component == COMPONENT),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("component_verify_ticket"),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_ticket_is_not_used() {
    let component = component_on(Arc::new(wxoa_client::token::MemoryStore::new()));
    component
        .store_ticket(
            "ticket@@@stale".into(),
            wxoa_testkit::unix_seconds() - 13 * 3600,
        )
        .await
        .unwrap();
    let error = component.access_token().await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Component(ComponentError::VerifyTicketExpired { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_revoked_authorizer_loses_its_refresh_token_and_its_handle() {
    let store: Arc<dyn TokenStore> = Arc::new(wxoa_client::token::MemoryStore::new());
    let component = component_on(Arc::clone(&store));
    let key = TokenKey::new("wxauthorizer000001", TokenKind::RefreshToken).through(COMPONENT);
    let now =
        wxoa_client::token::Token::fresh("refreshtoken@@@x", std::time::Duration::from_secs(3600));
    store.put(&key, &now).await.unwrap();
    let handle = component.authorizer("wxauthorizer000001").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2));
    component.revoke("wxauthorizer000001").await.unwrap();
    let record = store.get(&key).await.unwrap().unwrap();
    assert_eq!(record.expose(), "", "the refresh token is gone");
    assert!(matches!(
        handle.access_token().await.unwrap_err(),
        Error::UnknownAccount { .. }
    ));
}

#[tokio::test]
async fn an_account_of_its_own_cannot_be_taken_as_an_authorizer() {
    let client = Client::builder()
        .account(Account::component(COMPONENT, "component-secret"))
        .account(Account::new("wxown0000000000001", "own-secret"))
        .api_bases(["http://127.0.0.1:1"])
        .build()
        .unwrap();
    let component = Component::new(client).unwrap();
    assert!(matches!(
        component.authorizer("wxown0000000000001").unwrap_err(),
        Error::Component(ComponentError::OtherRole { .. })
    ));
}

#[tokio::test]
async fn records_are_not_tokens_to_obtain() {
    let component = component_on(Arc::new(wxoa_client::token::MemoryStore::new()));
    let token = wxoa_client::token::Token::fresh("x", std::time::Duration::from_secs(60));
    let error = component
        .client()
        .invalidate(TokenKind::RefreshToken, &token)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Component(ComponentError::NotAToken { .. })),
        "{error:?}"
    );
}

/// The fleet's rate counter: two instances count in one window; a FLUSHALL that loses the
/// window's count does not grant the window again — the next count resumes from the highest
/// one the caller was answered.
#[tokio::test]
async fn the_fleets_counter_survives_a_flushall_within_its_window() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let first = RedisStore::new(redis.url()).unwrap();
    let second = RedisStore::new(redis.url()).unwrap();
    let window = wxoa_testkit::unix_seconds();
    assert_eq!(first.tally("c", window, 0).await.unwrap(), 1);
    assert_eq!(second.tally("c", window, 0).await.unwrap(), 2);
    assert_eq!(first.tally("c", window, 1).await.unwrap(), 3);
    // Another window, another count.
    assert_eq!(first.tally("c", window + 1, 0).await.unwrap(), 1);
    redis.flush_all().unwrap();
    assert_eq!(second.tally("c", window, 2).await.unwrap(), 3);
    assert_eq!(first.tally("c", window, 3).await.unwrap(), 4);
    // A seen count below the store's changes nothing.
    assert_eq!(first.tally("c", window, 1).await.unwrap(), 5);
    // The window is forgotten a minute after its first count, the resumed one too.
    let mut connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("wxoa:{{c}}:tally:{window}"))
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!((50_000..=60_000).contains(&ttl), "{ttl}");
    // The memory store counts the same way.
    let memory = wxoa_client::token::MemoryStore::new();
    assert_eq!(memory.tally("c", window, 0).await.unwrap(), 1);
    assert_eq!(memory.tally("c", window, 7).await.unwrap(), 8);
}
