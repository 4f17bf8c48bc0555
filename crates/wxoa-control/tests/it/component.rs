//! Issue 16, item 5: the token server of a third-party platform serves its authorizers'
//! tokens and tickets by their AppIDs (`?appid=AUTHORIZER`), refreshed through the component
//! with the refresh tokens `wxoa component serve` keeps in the shared store, so that business
//! processes never hold a refresh token — against the sandbox in component mode.

use std::sync::Arc;

use futures::future::join_all;
use serde_json::Value;
use wxoa_client::component::Component;
use wxoa_client::token::{MemoryStore, RedisStore, RemoteTokenSource, TokenSource, TokenStore};
use wxoa_client::{Account, Client, RetryPolicy};
use wxoa_sandbox::{Component as PlatformComponent, Sandbox};

use crate::{AUTH, Running, accepted, http, metrics, report_to, start};

const COMPONENT: &str = "wxc0c0c0c0c0c0c0c2";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const AUTHORIZER_TOKEN: &str = "/cgi-bin/component/api_authorizer_token";

/// The sandbox playing a component with three accounts, the first two of which authorized
/// it (messages, users, web pages); the third did not.
struct Platform {
    sandbox: Sandbox,
    authorized: Vec<String>,
    stranger: String,
}

/// A component's client on `store`, on the sandbox.
fn component_on(sandbox: &Sandbox, store: Arc<dyn TokenStore>) -> Component {
    let client = Client::builder()
        .account(Account::component(COMPONENT, SECRET))
        .api_bases([sandbox.base_url()])
        .store(store)
        .retry(RetryPolicy {
            initial_backoff: std::time::Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    Component::new(client).unwrap()
}

impl Platform {
    /// The platform, and what `wxoa component serve` would have written to `store`: the
    /// ticket it was pushed and the refresh tokens of the exchanged authorizations (no
    /// access token: it went through another store first, so the server starts cold).
    async fn start(store: Arc<dyn TokenStore>) -> Platform {
        let sandbox = Sandbox::builder()
            .followers(2)
            .seed(17)
            .component(
                PlatformComponent::new(COMPONENT, SECRET, "componenttoken", "b".repeat(43))
                    .authorizers(3),
            )
            .start()
            .await
            .unwrap();
        let control = sandbox.control();
        control.push_ticket().await.unwrap();
        let state = control.component().await.unwrap();
        let exchanged = component_on(&sandbox, Arc::new(MemoryStore::new()));
        let serving = component_on(&sandbox, store);
        for component in [&exchanged, &serving] {
            let ticket = state.ticket.clone().unwrap();
            let at = state.ticket_at.unwrap().try_into().unwrap();
            component.store_ticket(ticket.into(), at).await.unwrap();
        }
        let mut accounts = control.simulated_accounts().await.unwrap();
        let stranger = accounts.pop().unwrap();
        for account in &accounts {
            let consent = control.authorize(account, &[1, 2, 4], None, None).await;
            exchanged
                .query_auth(&consent.unwrap().auth_code)
                .await
                .unwrap();
        }
        assert_eq!(serving.recover_refresh_tokens().await.unwrap(), 2);
        Platform {
            sandbox,
            authorized: accounts,
            stranger,
        }
    }

    /// A token server for the component on `store`.
    async fn server(&self, store: Arc<dyn TokenStore>) -> Running {
        start(component_on(&self.sandbox, store).client().clone()).await
    }

    async fn refreshes(&self) -> usize {
        self.sandbox
            .control()
            .count(AUTHORIZER_TOKEN)
            .await
            .unwrap()
    }
}

async fn get(base: &str, path_and_query: impl AsRef<str>) -> (u16, Value) {
    let path_and_query = path_and_query.as_ref();
    let response = http()
        .get(format!("{base}{path_and_query}"))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn an_authorizers_token_and_tickets_are_served_by_its_appid() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let platform = Platform::start(Arc::clone(&store)).await;
    let running = platform.server(store).await;
    let shop = &platform.authorized[0];
    let (status, token) = get(&running.base, &format!("/token?appid={shop}")).await;
    assert_eq!(status, 200, "{token}");
    let value = token["access_token"].as_str().unwrap();
    assert!(accepted(&platform.sandbox, value).await);
    assert!(token["expires_at"].as_u64().unwrap() > 0);
    assert_eq!(platform.refreshes().await, 1);
    for kind in ["jsapi", "wx_card"] {
        let (status, ticket) = get(&running.base, &format!("/ticket/{kind}?appid={shop}")).await;
        assert_eq!(status, 200, "{ticket}");
        assert!(ticket["ticket"].as_str().is_some_and(|t| !t.is_empty()));
    }
    // The second authorizer has a token of its own.
    let other = &platform.authorized[1];
    let (_, second) = get(&running.base, &format!("/token?appid={other}")).await;
    assert_ne!(second["access_token"], token["access_token"]);
    // The component's own token, by its AppID or by default.
    let (status, own) = get(&running.base, &format!("/token?appid={COMPONENT}")).await;
    assert_eq!(status, 200, "{own}");
    assert_ne!(own["access_token"], token["access_token"]);
    assert_eq!(get(&running.base, "/token").await.1, own);
    let text = metrics(&running.base).await;
    assert!(
        text.contains(&format!("wxoa_token_fetches_total{{appid=\"{shop}\"}} 3")),
        "{text}"
    );
}

#[tokio::test]
async fn a_client_with_the_token_server_acts_for_an_authorizer_without_a_refresh_token() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let platform = Platform::start(Arc::clone(&store)).await;
    let running = platform.server(store).await;
    let source = RemoteTokenSource::new(&running.base, Some(AUTH.into())).unwrap();
    let client = Client::builder()
        .account(Account::component_without_secret(COMPONENT))
        .token_source(TokenSource::remote(source))
        .api_bases([platform.sandbox.base_url()])
        .build()
        .unwrap();
    let shop = Component::new(client)
        .unwrap()
        .authorizer(&platform.authorized[0])
        .unwrap();
    shop.get_json("/cgi-bin/getcallbackip", &[]).await.unwrap();
    let config = shop
        .jssdk()
        .config("https://saas.example/page")
        .await
        .unwrap();
    assert_eq!(config.app_id, platform.authorized[0]);
    // Only the server refreshed, once; the business client asked the server for all of it.
    assert_eq!(platform.refreshes().await, 1);
    let calls = platform.sandbox.control();
    assert_eq!(calls.count("/cgi-bin/ticket/getticket").await.unwrap(), 1);
    // Web OAuth on behalf of the authorizer: the component's token comes from the server too.
    let url = shop
        .oauth()
        .authorize_url(
            "https://saas.example/back",
            wxoa_client::api::oauth::Scope::Base,
        )
        .to_url()
        .unwrap();
    let redirect = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(redirect.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let token = shop.oauth().exchange_code(code).await.unwrap();
    assert_eq!(token.scope, "snsapi_base");
}

#[tokio::test]
async fn reports_of_an_authorizers_token_replace_it_once() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let platform = Platform::start(Arc::clone(&store)).await;
    let running = platform.server(store).await;
    let shop = platform.authorized[0].clone();
    let (_, first) = get(&running.base, &format!("/token?appid={shop}")).await;
    let current = first["access_token"].as_str().unwrap().to_owned();
    let before = platform.refreshes().await;
    let url = format!("{}/token/invalidate?appid={shop}", running.base);
    let reports = join_all((0..50).map(|_| report_to(&url, &current))).await;
    let mut answers = Vec::new();
    for answer in reports {
        let body: Value = answer.json().await.unwrap();
        answers.push(body["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        platform.refreshes().await,
        before + 1,
        "one refresh for 50 reports"
    );
    assert!(answers.iter().all(|a| a == &answers[0] && a != &current));
    assert!(accepted(&platform.sandbox, &answers[0]).await);
    // A report of the replaced token fetches nothing more.
    let late: Value = report_to(&url, &current).await.json().await.unwrap();
    assert_eq!(late["access_token"], answers[0].as_str());
    assert_eq!(platform.refreshes().await, before + 1);
}

#[tokio::test]
async fn an_appid_that_never_authorized_is_404_not_authorized_and_forgotten() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let platform = Platform::start(Arc::clone(&store)).await;
    let running = platform.server(store).await;
    let stranger = &platform.stranger;
    for path in ["/token", "/ticket/jsapi"] {
        let (status, body) = get(&running.base, &format!("{path}?appid={stranger}")).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"], "not_authorized");
        assert_eq!(body["errcode"], 61003);
        assert_eq!(body["appid"], stranger.as_str());
    }
    assert_eq!(platform.refreshes().await, 0, "nothing to refresh with");
    let text = metrics(&running.base).await;
    assert!(!text.contains(&format!("wxoa_token_fetches_total{{appid=\"{stranger}\"}}")));
    let (status, body) = get(&running.base, "/token?appid=wx%2F..%2Fx").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_appid")));
    let (status, body) = get(&running.base, "/ticket/jsapi").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("no_ticket")));
}

#[tokio::test]
async fn an_authorizer_that_revoked_is_404_not_authorized_once_its_token_is_reported() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let platform = Platform::start(Arc::clone(&store)).await;
    let running = platform.server(Arc::clone(&store)).await;
    let shop = platform.authorized[0].clone();
    let (_, served) = get(&running.base, &format!("/token?appid={shop}")).await;
    platform.sandbox.control().revoke(&shop).await.unwrap();
    // `component serve` received `unauthorized`: the refresh token is gone from the store.
    component_on(&platform.sandbox, store)
        .revoke(&shop)
        .await
        .unwrap();
    let url = format!("{}/token/invalidate?appid={shop}", running.base);
    let answer = report_to(&url, served["access_token"].as_str().unwrap()).await;
    assert_eq!(answer.status(), 404);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "not_authorized");
    assert_eq!(body["appid"], shop.as_str());
}

#[tokio::test]
async fn two_instances_on_one_redis_refresh_each_authorizer_once() {
    let Some(redis) = wxoa_testkit::Redis::start_private() else {
        return;
    };
    let redis_store = || -> Arc<dyn TokenStore> { Arc::new(RedisStore::new(redis.url()).unwrap()) };
    let platform = Platform::start(redis_store()).await;
    let first = platform.server(redis_store()).await;
    let second = platform.server(redis_store()).await;
    let requests = platform.authorized.iter().flat_map(|appid| {
        [&first, &second]
            .into_iter()
            .cycle()
            .take(100)
            .map(move |running| get(&running.base, format!("/token?appid={appid}")))
            .collect::<Vec<_>>()
    });
    let answers = join_all(requests).await;
    assert_eq!(platform.refreshes().await, 2, "one refresh per authorizer");
    for (appid, chunk) in platform.authorized.iter().zip(answers.chunks(100)) {
        let token = &chunk[0].1["access_token"];
        assert!(
            chunk
                .iter()
                .all(|(status, a)| *status == 200 && &a["access_token"] == token)
        );
        assert!(
            accepted(&platform.sandbox, token.as_str().unwrap()).await,
            "{appid}"
        );
    }
}
