//! Web OAuth and the JS-SDK of an account authorized to a third-party platform (open-platform
//! §6, §7) against the sandbox in component mode: `component.authorizer(appid)?.oauth()` and
//! `.jssdk()` are the same areas as for an account of its own, going through the component's
//! endpoints and token. Each endpoint and each error case in its own test; the queries are
//! compared with fixtures written from the spec.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use wxoa_client::api::oauth::{OAuthToken, Scope};
use wxoa_client::component::Component;
use wxoa_client::token::{MemoryStore, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Client};
use wxoa_sandbox::{Component as PlatformComponent, Sandbox};

use crate::sandbox_env::{errcode, query_fixture};
use crate::{fast_retry, init_logs};

const COMPONENT: &str = "wxc0c0c0c0c0c0c0c1";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const EXCHANGE: &str = "/sns/oauth2/component/access_token";
const REFRESH: &str = "/sns/oauth2/component/refresh_token";
const CALLBACK: &str = "https://saas.example/oauth/back";

/// The sandbox playing a component and its accounts, and the component's client: the first
/// two simulated accounts authorized it with the permission sets given, a third did not.
struct Fleet {
    sandbox: Sandbox,
    component: Component,
    store: Arc<dyn TokenStore>,
    authorized: Vec<String>,
    stranger: String,
}

async fn fleet(granted: &[u8]) -> Fleet {
    init_logs();
    let sandbox = Sandbox::builder()
        .followers(3)
        .seed(11)
        .component(
            PlatformComponent::new(COMPONENT, SECRET, "componenttoken", "a".repeat(43))
                .authorizers(3),
        )
        .start()
        .await
        .unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let client = Client::builder()
        .account(Account::component(COMPONENT, SECRET))
        .api_bases([sandbox.base_url()])
        .store(Arc::clone(&store))
        .retry(fast_retry())
        .build()
        .unwrap();
    let component = Component::new(client).unwrap();
    crate::deliver_ticket(&sandbox, &component).await;
    let control = sandbox.control();
    let mut accounts = control.simulated_accounts().await.unwrap();
    let stranger = accounts.pop().unwrap();
    for account in &accounts {
        let consent = control
            .authorize(account, granted, None, None)
            .await
            .unwrap();
        component.query_auth(&consent.auth_code).await.unwrap();
    }
    Fleet {
        sandbox,
        component,
        store,
        authorized: accounts,
        stranger,
    }
}

impl Fleet {
    fn authorizer(&self, index: usize) -> Client {
        self.component.authorizer(&self.authorized[index]).unwrap()
    }

    /// A follower of `client`'s account consents on the authorize page: the redirect's query.
    async fn consent(&self, client: &Client, scope: Scope) -> HashMap<String, String> {
        let url = client
            .oauth()
            .authorize_url(CALLBACK, scope)
            .state("s1")
            .to_url()
            .unwrap();
        let response = page(&url).await;
        assert_eq!(response.status(), 302, "{url}");
        let location = response.headers()["location"].to_str().unwrap();
        let location = url::Url::parse(location).unwrap();
        assert_eq!(location.path(), "/oauth/back");
        location.query_pairs().into_owned().collect()
    }

    /// The code a follower's consent (scope `snsapi_base`) hands to the callback.
    async fn code(&self, client: &Client) -> String {
        self.consent(client, Scope::Base)
            .await
            .remove("code")
            .unwrap()
    }

    async fn signed_in(&self, client: &Client, scope: Scope) -> OAuthToken {
        let code = self.consent(client, scope).await.remove("code").unwrap();
        client.oauth().exchange_code(code).await.unwrap()
    }

    /// The errcode of a code exchange sent straight to the sandbox, for `appid`, with
    /// `grant_type`, `component_appid` and, unless `None`, `token` as the component token.
    async fn raw_exchange(
        &self,
        appid: &str,
        grant_type: &str,
        component_appid: &str,
        token: Option<&str>,
    ) -> i64 {
        let mut query = vec![
            ("appid", appid),
            ("code", "c"),
            ("grant_type", grant_type),
            ("component_appid", component_appid),
        ];
        query.extend(token.map(|t| ("component_access_token", t)));
        let answer: Value = reqwest::Client::new()
            .get(format!("{}{EXCHANGE}", self.sandbox.base_url()))
            .query(&query)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["errcode"].as_i64().unwrap_or(0)
    }

    /// The component token, for the requests sent straight to the sandbox.
    async fn component_token(&self) -> String {
        let token = self.component.access_token().await.unwrap();
        token.expose().to_owned()
    }

    async fn last_query(&self, path: &str) -> Value {
        let mut calls = self.sandbox.control().calls(path).await.unwrap();
        Value::Object(calls.pop().expect("a call was made").query)
    }
}

/// The authorize page, without following its redirect.
async fn page(url: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_authorize_url_names_the_component_and_the_redirect_the_account() {
    let fleet = fleet(&[1, 2, 4]).await;
    let shop = fleet.authorizer(0);
    let url = shop
        .oauth()
        .authorize_url(CALLBACK, Scope::UserInfo)
        .state("s1")
        .to_url()
        .unwrap();
    let appid = shop.app_id();
    assert_eq!(
        url,
        format!(
            "{}/connect/oauth2/authorize?appid={appid}\
             &redirect_uri=https%3A%2F%2Fsaas.example%2Foauth%2Fback&response_type=code\
             &scope=snsapi_userinfo&state=s1&component_appid={COMPONENT}#wechat_redirect",
            fleet.sandbox.base_url()
        )
    );
    let query = fleet.consent(&shop, Scope::UserInfo).await;
    assert_eq!(query["state"], "s1");
    assert_eq!(query["appid"], appid.as_str());
    assert!(!query["code"].is_empty());
}

#[tokio::test]
async fn the_code_is_exchanged_through_the_component_with_the_spec_query() {
    let fleet = fleet(&[1, 2, 4]).await;
    let shop = fleet.authorizer(0);
    let token = fleet.signed_in(&shop, Scope::UserInfo).await;
    assert_eq!(token.scope, "snsapi_userinfo");
    assert_eq!(token.expires_in, 7200);
    let expected = query_fixture(
        "oauth",
        "component_access_token",
        &[
            ("AUTHORIZER_APPID", json!(shop.app_id().as_str())),
            ("CODE", json!("***")),
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("COMPONENT_ACCESS_TOKEN", json!("***")),
        ],
    );
    assert_eq!(fleet.last_query(EXCHANGE).await, expected);
    // No AppSecret of the account, and not the account's own endpoint.
    let own = fleet.sandbox.control().calls("/sns/oauth2/access_token");
    assert!(own.await.unwrap().is_empty());
    let shown = format!("{token:?}");
    assert!(!shown.contains(token.access_token.expose()), "{shown}");
    assert!(!shown.contains(token.refresh_token.expose()), "{shown}");
}

#[tokio::test]
async fn userinfo_and_auth_work_with_the_users_token_as_for_an_account_of_its_own() {
    let fleet = fleet(&[1, 2, 4]).await;
    let shop = fleet.authorizer(0);
    let token = fleet.signed_in(&shop, Scope::UserInfo).await;
    let user = shop.oauth().userinfo(&token).await.unwrap();
    assert_eq!(user.openid, token.openid);
    assert!(!user.nickname.is_empty());
    assert!(shop.oauth().check(&token).await.unwrap());
}

#[tokio::test]
async fn the_refresh_goes_through_the_component_with_the_spec_query() {
    let fleet = fleet(&[1, 2, 4]).await;
    let shop = fleet.authorizer(0);
    let token = fleet.signed_in(&shop, Scope::Base).await;
    let fresh = shop
        .oauth()
        .refresh(token.refresh_token.clone())
        .await
        .unwrap();
    assert_eq!(fresh.openid, token.openid);
    assert_ne!(fresh.access_token.expose(), token.access_token.expose());
    assert!(shop.oauth().check(&fresh).await.unwrap());
    let expected = query_fixture(
        "oauth",
        "component_refresh_token",
        &[
            ("AUTHORIZER_APPID", json!(shop.app_id().as_str())),
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("COMPONENT_ACCESS_TOKEN", json!("***")),
            ("REFRESH_TOKEN", json!("***")),
        ],
    );
    assert_eq!(fleet.last_query(REFRESH).await, expected);
}

#[tokio::test]
async fn a_used_code_is_40163() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    let code = fleet.code(&shop).await;
    shop.oauth().exchange_code(code.as_str()).await.unwrap();
    let again = shop.oauth().exchange_code(code.as_str()).await;
    assert_eq!(errcode(again), 40163);
}

#[tokio::test]
async fn a_code_older_than_five_minutes_is_42003() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    let code = fleet.code(&shop).await;
    fleet.sandbox.advance_clock(301);
    assert_eq!(errcode(shop.oauth().exchange_code(code).await), 42003);
}

#[tokio::test]
async fn an_unknown_code_is_40029() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    assert_eq!(errcode(shop.oauth().exchange_code("nope").await), 40029);
}

#[tokio::test]
async fn a_code_of_another_authorizer_is_40029() {
    let fleet = fleet(&[4]).await;
    let (first, second) = (fleet.authorizer(0), fleet.authorizer(1));
    let code = fleet.code(&first).await;
    assert_eq!(errcode(second.oauth().exchange_code(code).await), 40029);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_40030() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    assert_eq!(errcode(shop.oauth().refresh("nope").await), 40030);
}

#[tokio::test]
async fn a_rejected_component_token_is_replaced_once_and_the_code_still_works() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    let code = fleet.code(&shop).await;
    let control = fleet.sandbox.control();
    let tokens_before = control
        .count("/cgi-bin/component/api_component_token")
        .await
        .unwrap();
    control.faults().error(EXCHANGE, 40001, 1).await.unwrap();
    let token = shop.oauth().exchange_code(code).await.unwrap();
    assert_eq!(token.scope, "snsapi_base");
    let tokens_after = control
        .count("/cgi-bin/component/api_component_token")
        .await
        .unwrap();
    assert_eq!(tokens_after, tokens_before + 1, "one new component token");
    assert_eq!(control.count(EXCHANGE).await.unwrap(), 2);
}

const CODE_GRANT: &str = "authorization_code";

#[tokio::test]
async fn a_missing_component_token_is_41001() {
    let fleet = fleet(&[4]).await;
    let appid = fleet.authorized[0].as_str();
    let answer = fleet.raw_exchange(appid, CODE_GRANT, COMPONENT, None).await;
    assert_eq!(answer, 41001);
}

#[tokio::test]
async fn a_malformed_component_token_is_40014() {
    let fleet = fleet(&[4]).await;
    let appid = fleet.authorized[0].as_str();
    let answer = fleet
        .raw_exchange(appid, CODE_GRANT, COMPONENT, Some("not-a-token"))
        .await;
    assert_eq!(answer, 40014);
}

#[tokio::test]
async fn an_unknown_component_token_is_40001() {
    let fleet = fleet(&[4]).await;
    let appid = fleet.authorized[0].as_str();
    // Shaped like the real one, one character changed.
    let mut unknown = fleet.component_token().await;
    let last = if unknown.ends_with('A') { "B" } else { "A" };
    unknown.pop();
    unknown.push_str(last);
    let answer = fleet
        .raw_exchange(appid, CODE_GRANT, COMPONENT, Some(&unknown))
        .await;
    assert_eq!(answer, 40001);
}

#[tokio::test]
async fn an_expired_component_token_is_42001() {
    let fleet = fleet(&[4]).await;
    let appid = fleet.authorized[0].as_str();
    let token = fleet.component_token().await;
    fleet.sandbox.advance_clock(7201);
    let answer = fleet
        .raw_exchange(appid, CODE_GRANT, COMPONENT, Some(&token))
        .await;
    assert_eq!(answer, 42001);
}

#[tokio::test]
async fn an_authorizer_token_in_place_of_the_component_token_is_61014() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    let token = shop.access_token().await.unwrap();
    let answer = fleet
        .raw_exchange(
            shop.app_id().as_str(),
            CODE_GRANT,
            COMPONENT,
            Some(token.expose()),
        )
        .await;
    assert_eq!(answer, 61014);
}

#[tokio::test]
async fn another_component_appid_is_61011() {
    let fleet = fleet(&[4]).await;
    let token = fleet.component_token().await;
    let appid = fleet.authorized[0].as_str();
    let other = "wx9999999999999999";
    let answer = fleet
        .raw_exchange(appid, CODE_GRANT, other, Some(&token))
        .await;
    assert_eq!(answer, 61011);
}

#[tokio::test]
async fn an_account_that_did_not_authorize_the_component_is_61003() {
    let fleet = fleet(&[4]).await;
    let token = fleet.component_token().await;
    let appid = fleet.stranger.as_str();
    let answer = fleet
        .raw_exchange(appid, CODE_GRANT, COMPONENT, Some(&token))
        .await;
    assert_eq!(answer, 61003);
}

#[tokio::test]
async fn a_code_of_an_authorizer_that_revoked_is_61003() {
    let fleet = fleet(&[4]).await;
    let shop = fleet.authorizer(0);
    let code = fleet.code(&shop).await;
    fleet
        .sandbox
        .control()
        .revoke(shop.app_id().as_str())
        .await
        .unwrap();
    assert_eq!(errcode(shop.oauth().exchange_code(code).await), 61003);
}

#[tokio::test]
async fn a_wrong_grant_type_is_40002() {
    let fleet = fleet(&[4]).await;
    let token = fleet.component_token().await;
    let appid = fleet.authorized[0].as_str();
    let answer = fleet
        .raw_exchange(appid, "client_credential", COMPONENT, Some(&token))
        .await;
    assert_eq!(answer, 40002);
}

/// What the authorize page shows for `appid` acting through `component`.
async fn refusal(fleet: &Fleet, appid: &str, component: &str) -> (u16, String) {
    let url = format!(
        "{}/connect/oauth2/authorize?appid={appid}&redirect_uri=https%3A%2F%2Fx.example%2F\
         &response_type=code&scope=snsapi_base&component_appid={component}#wechat_redirect",
        fleet.sandbox.base_url(),
    );
    let response = page(&url).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_page_refuses_an_account_that_did_not_authorize_the_component_10015() {
    let fleet = fleet(&[4]).await;
    let (status, text) = refusal(&fleet, &fleet.stranger, COMPONENT).await;
    assert_eq!(status, 400);
    assert!(text.starts_with("10015"), "{text}");
}

#[tokio::test]
async fn the_page_refuses_another_component_10015() {
    let fleet = fleet(&[4]).await;
    let other = "wx9999999999999999";
    let (status, text) = refusal(&fleet, &fleet.authorized[0], other).await;
    assert_eq!(status, 400);
    assert!(text.starts_with("10015"), "{text}");
}

#[tokio::test]
async fn the_page_refuses_an_authorizer_without_web_authorization_10005() {
    let fleet = fleet(&[1, 2]).await;
    let shop = fleet.authorizer(0);
    let url = shop
        .oauth()
        .authorize_url(CALLBACK, Scope::Base)
        .to_url()
        .unwrap();
    let response = page(&url).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().starts_with("10005"));
}

#[tokio::test]
async fn each_authorizer_signs_pages_with_its_own_tickets_fetched_with_its_token() {
    let fleet = fleet(&[1, 4]).await;
    let (first, second) = (fleet.authorizer(0), fleet.authorizer(1));
    let page_url = "https://saas.example/shop?id=1#top";
    let a = first.jssdk().config(page_url).await.unwrap();
    let b = second.jssdk().config(page_url).await.unwrap();
    assert_eq!(a.app_id, first.app_id().as_str());
    assert_eq!(b.app_id, second.app_id().as_str());
    let (ta, tb) = (
        first.jssdk().jsapi_ticket().await.unwrap(),
        second.jssdk().jsapi_ticket().await.unwrap(),
    );
    assert_ne!(ta.expose(), tb.expose());
    let expected = wxoa_client::api::jssdk::JsSdkConfig::sign(
        &a.app_id,
        ta.expose(),
        page_url,
        a.timestamp,
        &a.nonce_str,
    )
    .unwrap();
    assert_eq!(a.signature, expected.signature);
    // One ticket fetch per authorizer, each with that authorizer's token (refreshed through
    // the component, never with an AppSecret); later pages reuse it.
    first.jssdk().config(page_url).await.unwrap();
    let control = fleet.sandbox.control();
    assert_eq!(control.count("/cgi-bin/ticket/getticket").await.unwrap(), 2);
    assert!(
        control
            .calls("/cgi-bin/stable_token")
            .await
            .unwrap()
            .is_empty()
    );
    // Kept per authorizer of the component in the store, where every instance finds them.
    for (client, ticket) in [(&first, &ta), (&second, &tb)] {
        let key =
            TokenKey::new(client.app_id().as_str(), TokenKind::JsapiTicket).through(COMPONENT);
        let stored = fleet.store.get(&key).await.unwrap().unwrap();
        assert_eq!(stored.expose(), ticket.expose());
    }
    let card = first.jssdk().card_ticket().await.unwrap();
    assert_ne!(card.expose(), ta.expose());
    let card_key =
        TokenKey::new(first.app_id().as_str(), TokenKind::WxCardTicket).through(COMPONENT);
    assert!(fleet.store.get(&card_key).await.unwrap().is_some());
}
