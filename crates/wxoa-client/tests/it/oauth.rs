//! `client.oauth()` against the sandbox (api-reference §14): the sandbox also plays the
//! authorize page of open.weixin.qq.com.

use serde_json::json;
use wxoa_client::api::oauth::{OAuthToken, Scope};
use wxoa_client::api::users::Lang;
use wxoa_client::token::{RemoteTokenSource, TokenSource};
use wxoa_client::{Account, Client, ConfigError, Error};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::sandbox_env::{Env, env, errcode, query_fixture, refused};

const ACCESS_TOKEN: &str = "/sns/oauth2/access_token";
const REFRESH: &str = "/sns/oauth2/refresh_token";
const USERINFO: &str = "/sns/userinfo";
const AUTH: &str = "/sns/auth";

/// The code a follower's consent gives.
async fn code(env: &Env, openid: &str, scope: &str) -> String {
    env.control().oauth_code(openid, scope).await.unwrap()
}

async fn signed_in(env: &Env, scope: &str) -> (String, OAuthToken) {
    let openid = env.followers(1).await.remove(0);
    let code = code(env, &openid, scope).await;
    let token = env.client.oauth().exchange_code(code).await.unwrap();
    (openid, token)
}

#[tokio::test]
async fn the_authorize_url_is_served_by_the_open_base_and_redirects_with_a_code() {
    let env = env(2).await;
    let url = env
        .client
        .oauth()
        .authorize_url("https://example.com/callback?from=menu", Scope::UserInfo)
        .state("abc123")
        .to_url()
        .unwrap();
    let base = env.sandbox.base_url();
    assert_eq!(
        url,
        format!(
            "{base}/connect/oauth2/authorize?appid={DEFAULT_APP_ID}\
             &redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%3Ffrom%3Dmenu\
             &response_type=code&scope=snsapi_userinfo&state=abc123#wechat_redirect"
        )
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let location = url::Url::parse(&location).unwrap();
    assert_eq!(location.path(), "/callback");
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["from"], "menu");
    assert_eq!(query["state"], "abc123");
    let token = env
        .client
        .oauth()
        .exchange_code(query["code"].clone())
        .await
        .unwrap();
    assert_eq!(token.scope, "snsapi_userinfo");
}

#[tokio::test]
async fn a_bad_state_or_redirect_is_refused() {
    let env = env(0).await;
    let oauth = env.client.oauth();
    let state = oauth
        .authorize_url("https://example.com/cb", Scope::Base)
        .state("a b")
        .to_url();
    assert!(refused(state).starts_with("state: "));
    let long = oauth
        .authorize_url("https://example.com/cb", Scope::Base)
        .state("a".repeat(129))
        .to_url();
    assert_eq!(refused(long), "state: longer than 128 bytes");
    let relative = oauth.authorize_url("/cb", Scope::Base).to_url();
    assert!(refused(relative).starts_with("redirect_uri: "));
}

#[tokio::test]
async fn a_code_is_exchanged_with_the_spec_query_and_without_the_access_token() {
    let env = env(2).await;
    let openid = env.followers(1).await.remove(0);
    let code = code(&env, &openid, "snsapi_base").await;
    let token = env
        .client
        .oauth()
        .exchange_code(code.as_str())
        .await
        .unwrap();
    assert_eq!(
        (token.openid.as_str(), token.scope.as_str()),
        (openid.as_str(), "snsapi_base")
    );
    assert_eq!(token.expires_in, 7200);
    let expected = query_fixture(
        "oauth",
        "access_token",
        &[
            ("APPID", json!(DEFAULT_APP_ID)),
            ("SECRET", json!("***")),
            // The sandbox's calls log masks the OAuth code as the client does.
            ("CODE", json!("***")),
        ],
    );
    assert_eq!(env.last_query(ACCESS_TOKEN).await, expected);
    assert!(!format!("{token:?}").contains(token.access_token.expose()));
    // The account's own access token was never needed.
    assert!(env.calls("/cgi-bin/stable_token").await.is_empty());
}

#[tokio::test]
async fn an_unknown_code_is_40029_a_used_one_40163_an_old_one_42003() {
    let env = env(2).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(
        errcode(env.client.oauth().exchange_code("nope").await),
        40029
    );
    let used = code(&env, &openid, "snsapi_base").await;
    env.client
        .oauth()
        .exchange_code(used.as_str())
        .await
        .unwrap();
    assert_eq!(
        errcode(env.client.oauth().exchange_code(used.as_str()).await),
        40163
    );
    let old = code(&env, &openid, "snsapi_base").await;
    env.advance(301).await;
    assert_eq!(errcode(env.client.oauth().exchange_code(old).await), 42003);
}

#[tokio::test]
async fn a_code_exchange_is_never_repeated_after_a_dropped_connection() {
    let env = env(2).await;
    let openid = env.followers(1).await.remove(0);
    let code = code(&env, &openid, "snsapi_base").await;
    env.drop_next(ACCESS_TOKEN).await;
    let error = env.client.oauth().exchange_code(code).await.unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(ACCESS_TOKEN).await.len(), 1);
}

#[tokio::test]
async fn without_an_app_secret_the_exchange_is_a_configuration_error() {
    let env = env(0).await;
    let source = RemoteTokenSource::new("http://127.0.0.1:9", None).unwrap();
    let client = Client::builder()
        .account(Account::without_secret(DEFAULT_APP_ID))
        .api_bases([env.sandbox.base_url()])
        .token_source(TokenSource::remote(source))
        .build()
        .unwrap();
    let result = client.oauth().exchange_code("CODE").await;
    assert!(
        matches!(
            result,
            Err(Error::Config(ConfigError::OAuthWithoutSecret { .. }))
        ),
        "{result:?}"
    );
    assert!(env.calls(ACCESS_TOKEN).await.is_empty());
}

#[tokio::test]
async fn a_refresh_sends_the_spec_query_and_gives_a_new_token() {
    let env = env(2).await;
    let (openid, token) = signed_in(&env, "snsapi_userinfo").await;
    let fresh = env
        .client
        .oauth()
        .refresh(token.refresh_token.clone())
        .await
        .unwrap();
    assert_eq!(fresh.openid.as_str(), openid);
    assert_ne!(fresh.access_token.expose(), token.access_token.expose());
    let expected = query_fixture(
        "oauth",
        "refresh_token",
        &[
            ("APPID", json!(DEFAULT_APP_ID)),
            ("REFRESH_TOKEN", json!("***")),
        ],
    );
    assert_eq!(env.last_query(REFRESH).await, expected);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_40030_and_an_old_one_42002() {
    let env = env(2).await;
    assert_eq!(errcode(env.client.oauth().refresh("nope").await), 40030);
    let (_, token) = signed_in(&env, "snsapi_base").await;
    env.advance(30 * 86_400 + 1).await;
    assert_eq!(
        errcode(env.client.oauth().refresh(token.refresh_token).await),
        42002
    );
}

#[tokio::test]
async fn userinfo_sends_the_spec_query() {
    let env = env(2).await;
    let (openid, token) = signed_in(&env, "snsapi_userinfo").await;
    let user = env
        .client
        .oauth()
        .userinfo(&token)
        .lang(Lang::ZhCn)
        .await
        .unwrap();
    assert_eq!(user.openid.as_str(), openid);
    assert!(!user.nickname.is_empty() && user.headimgurl.is_some());
    let expected = query_fixture(
        "oauth",
        "userinfo",
        &[("ACCESS_TOKEN", json!("***")), ("OPENID", json!(openid))],
    );
    assert_eq!(env.last_query(USERINFO).await, expected);
}

#[tokio::test]
async fn userinfo_with_a_base_token_is_48001_and_an_expired_one_42001() {
    let env = env(2).await;
    let (_, base) = signed_in(&env, "snsapi_base").await;
    assert_eq!(errcode(env.client.oauth().userinfo(&base).await), 48001);
    let (_, full) = signed_in(&env, "snsapi_userinfo").await;
    env.advance(7201).await;
    assert_eq!(errcode(env.client.oauth().userinfo(&full).await), 42001);
}

#[tokio::test]
async fn check_says_whether_a_token_works() {
    let env = env(2).await;
    let (openid, token) = signed_in(&env, "snsapi_base").await;
    assert!(env.client.oauth().check(&token).await.unwrap());
    let expected = query_fixture(
        "oauth",
        "auth",
        &[("ACCESS_TOKEN", json!("***")), ("OPENID", json!(openid))],
    );
    assert_eq!(env.last_query(AUTH).await, expected);
    env.advance(7201).await;
    assert!(!env.client.oauth().check(&token).await.unwrap());
}

#[tokio::test]
async fn check_passes_on_errors_that_say_nothing_about_the_token() {
    let env = env(2).await;
    let (_, token) = signed_in(&env, "snsapi_base").await;
    env.fail_next(AUTH, 45009).await;
    assert_eq!(errcode(env.client.oauth().check(&token).await), 45009);
}
