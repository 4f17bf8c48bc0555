//! A third-party platform's client against the sandbox playing the open platform: a caller
//! outside the component's IP whitelist is refused with 61004, surfaced as a typed API error
//! naming the address to whitelist, while the accounts' own calls are not concerned; refresh
//! tokens lost with the whole Redis (FLUSHALL) are rebuilt from `api_get_authorizer_list`,
//! and an authorizer's API call still works.

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::component::Component;
use wxoa_client::token::TokenStore;
use wxoa_client::{Account, Client, Error};
use wxoa_sandbox::{Component as PlatformComponent, DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};
use wxoa_types::errcode::ErrCode;

const COMPONENT: &str = "wxc2c2c2c2c2c2c2c2";
const SECRET: &str = "2123456789abcdef0123456789abcdef";
const TOKEN: &str = "componenttoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The component's client on `store`, its ticket the one the sandbox pushed at start.
async fn component_of(sandbox: &Sandbox, store: Arc<dyn TokenStore>) -> Component {
    let client = Client::builder()
        .account(Account::component(COMPONENT, SECRET))
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([sandbox.base_url()])
        .store(store)
        .build()
        .unwrap();
    let component = Component::new(client).unwrap();
    for _ in 0..500 {
        let state = sandbox.control().component().await.unwrap();
        if let (Some(ticket), Some(at)) = (state.ticket, state.ticket_at) {
            let at = u64::try_from(at).unwrap();
            component.store_ticket(ticket.into(), at).await.unwrap();
            return component;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the sandbox pushed no ticket");
}

#[tokio::test]
async fn a_caller_outside_the_components_whitelist_gets_61004_naming_its_ip() {
    let whitelisted = "203.0.113.9".parse().unwrap();
    let sandbox = Sandbox::builder()
        .component(
            PlatformComponent::new(COMPONENT, SECRET, TOKEN, AES_KEY)
                .authorizers(1)
                .ip_whitelist([whitelisted]),
        )
        .start()
        .await
        .unwrap();
    let store = Arc::new(wxoa_client::token::MemoryStore::new());
    let component = component_of(&sandbox, store).await;
    let error = component.access_token().await.unwrap_err();
    let Error::Api {
        code, reported_ip, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*code, ErrCode::ComponentIpNotWhitelisted);
    assert_eq!(reported_ip.as_deref(), Some("127.0.0.1"));
    assert!(
        error.to_string().contains("reported caller IP 127.0.0.1"),
        "{error}"
    );
    let advice = error.advice().unwrap();
    assert!(
        advice.contains("add 127.0.0.1") && advice.contains("白名单IP地址列表"),
        "{advice}"
    );
    // The account's own calls (its AppSecret token) are not the component's: not refused.
    let own = component.client().for_account(DEFAULT_APP_ID).unwrap();
    own.access_token().await.unwrap();
    assert_eq!(
        sandbox
            .control()
            .calls("/cgi-bin/component/api_component_token")
            .await
            .unwrap()
            .len(),
        1,
        "61004 is not retried"
    );
}

#[tokio::test]
async fn refresh_tokens_lost_by_flushall_are_rebuilt_from_the_authorizer_list() {
    let Some(redis) = wxoa_testkit::Redis::start_private() else {
        return;
    };
    let sandbox = Sandbox::builder()
        .followers(2)
        .component(PlatformComponent::new(COMPONENT, SECRET, TOKEN, AES_KEY).authorizers(1))
        .start()
        .await
        .unwrap();
    let control = sandbox.control();
    let store = || -> Arc<dyn TokenStore> {
        Arc::new(wxoa_client::token::RedisStore::new(redis.url()).unwrap())
    };
    let component = component_of(&sandbox, store()).await;
    let account = control.authorizers(0, 10).await.unwrap().authorizers[1]
        .app_id
        .clone();
    let consented = control
        .authorize(&account, &[1, 2], None, None)
        .await
        .unwrap();
    component.query_auth(&consented.auth_code).await.unwrap();
    let followers = |component: &Component| {
        let authorizer = component.authorizer(&account).unwrap();
        async move { authorizer.users().list().await.unwrap().total }
    };
    let before = followers(&component).await;

    // The Redis is emptied (tickets, tokens, refresh tokens) and the instance restarts; the
    // next ticket push arrives as usual.
    redis.flush_all().unwrap();
    drop(component);
    control.clear_calls().await.unwrap();
    let restarted = component_of(&sandbox, store()).await;
    assert_eq!(followers(&restarted).await, before);
    // Rebuilt from the list, then refreshed with it: no re-authorization.
    assert_eq!(
        control
            .count("/cgi-bin/component/api_get_authorizer_list")
            .await
            .unwrap(),
        1
    );
    let refreshes = control
        .calls("/cgi-bin/component/api_authorizer_token")
        .await
        .unwrap();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0].errcode, Some(0));
}
