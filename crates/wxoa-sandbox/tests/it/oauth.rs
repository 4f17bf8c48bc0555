//! Web OAuth: the authorize redirect, codes, tokens, refresh, userinfo and auth.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET};

use crate::support::{Env, assert_errcode, assert_fixture_shape, assert_ok, env, json_of};

/// Follows the authorize page as a follower would; the code and state of the redirect.
async fn authorize(env: &Env, scope: &str, openid: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = reqwest::Url::parse_with_params(
        &env.url("/connect/oauth2/authorize"),
        &[
            ("appid", DEFAULT_APP_ID),
            ("redirect_uri", "https://example.com/back?x=1"),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "STATE123"),
            ("sandbox_openid", openid),
        ],
    )
    .unwrap();
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.host_str(), Some("example.com"));
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs[0], ("x".to_owned(), "1".to_owned()));
    assert_eq!(pairs[1].0, "code");
    assert_eq!(pairs[2], ("state".to_owned(), "STATE123".to_owned()));
    (pairs[1].1.clone(), pairs[2].1.clone())
}

async fn exchange(env: &Env, code: &str) -> Value {
    let url = env.url(&format!(
        "/sns/oauth2/access_token?appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}&code={code}&grant_type=authorization_code"
    ));
    json_of(env.http.get(url)).await
}

async fn sns(env: &Env, path: &str) -> Value {
    json_of(env.http.get(env.url(path))).await
}

#[tokio::test]
async fn the_whole_flow_has_the_spec_shapes() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    let (code, _) = authorize(&env, "snsapi_userinfo", &openid).await;
    let token = exchange(&env, &code).await;
    assert_fixture_shape(&token, "oauth", "access_token");
    assert_eq!(token["openid"], openid.as_str());
    assert_eq!(token["scope"], "snsapi_userinfo");
    let access = token["access_token"].as_str().unwrap();
    let info = sns(
        &env,
        &format!("/sns/userinfo?access_token={access}&openid={openid}&lang=zh_CN"),
    )
    .await;
    assert_fixture_shape(&info, "oauth", "userinfo");
    assert_eq!(info["openid"], openid.as_str());
    assert_ok(
        &sns(
            &env,
            &format!("/sns/auth?access_token={access}&openid={openid}"),
        )
        .await,
    );
}

#[tokio::test]
async fn the_control_api_hands_out_codes_too() {
    let env = env().await;
    let (_, body) = env
        .control_post(
            "/sandbox/oauth/code",
            &json!({"openid": "oVisitor00000000000000000001"}),
        )
        .await;
    let token = exchange(&env, body["code"].as_str().unwrap()).await;
    assert_eq!(token["scope"], "snsapi_base");
    assert_eq!(token["openid"], "oVisitor00000000000000000001");
}

#[tokio::test]
async fn a_code_is_used_once_40163() {
    let env = env().await;
    let (code, _) = authorize(&env, "snsapi_base", "oVisitor00000000000000000001").await;
    assert!(exchange(&env, &code).await.get("access_token").is_some());
    assert_errcode(&exchange(&env, &code).await, 40163);
}

#[tokio::test]
async fn a_code_expires_after_five_minutes_42003() {
    let env = env().await;
    let (code, _) = authorize(&env, "snsapi_base", "oVisitor00000000000000000001").await;
    env.advance(300).await;
    assert_errcode(&exchange(&env, &code).await, 42003);
}

#[tokio::test]
async fn an_unknown_code_is_40029_and_a_missing_one_41008() {
    let env = env().await;
    assert_errcode(&exchange(&env, "nothing").await, 40029);
    let url = format!(
        "/sns/oauth2/access_token?appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}&grant_type=authorization_code"
    );
    assert_errcode(&sns(&env, &url).await, 41008);
}

#[tokio::test]
async fn the_exchange_checks_credentials_and_grant_type() {
    let env = env().await;
    let base = "/sns/oauth2/access_token?code=x";
    let wrong = "f".repeat(32);
    let cases = [
        (
            format!(
                "{base}&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}&grant_type=client_credential"
            ),
            40002,
        ),
        (
            format!("{base}&appid={DEFAULT_APP_ID}&secret={wrong}&grant_type=authorization_code"),
            40001,
        ),
        (
            format!("{base}&appid={DEFAULT_APP_ID}&secret=bad&grant_type=authorization_code"),
            40125,
        ),
        (
            format!(
                "{base}&appid=wxffffffffffffffff&secret={DEFAULT_APP_SECRET}&grant_type=authorization_code"
            ),
            40013,
        ),
        (
            format!("{base}&secret={DEFAULT_APP_SECRET}&grant_type=authorization_code"),
            41002,
        ),
        (
            format!("{base}&appid={DEFAULT_APP_ID}&grant_type=authorization_code"),
            41004,
        ),
    ];
    for (path, code) in cases {
        assert_errcode(&sns(&env, &path).await, code);
    }
}

#[tokio::test]
async fn a_refresh_gives_a_new_access_token_for_30_days() {
    let mut env = env().await;
    let (code, _) = authorize(&env, "snsapi_userinfo", "oVisitor00000000000000000001").await;
    let first = exchange(&env, &code).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let path = format!(
        "/sns/oauth2/refresh_token?appid={DEFAULT_APP_ID}&grant_type=refresh_token&refresh_token={refresh}"
    );
    env.advance(7200).await;
    let second = sns(&env, &path).await;
    assert_fixture_shape(&second, "oauth", "access_token");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["refresh_token"], refresh);
    env.advance(30 * 86_400).await;
    env.refresh_token().await;
    assert_errcode(&sns(&env, &path).await, 42002);
}

#[tokio::test]
async fn refresh_checks_its_token_and_grant_type() {
    let env = env().await;
    let base = format!("/sns/oauth2/refresh_token?appid={DEFAULT_APP_ID}");
    assert_errcode(
        &sns(
            &env,
            &format!("{base}&grant_type=refresh_token&refresh_token=x"),
        )
        .await,
        40030,
    );
    assert_errcode(
        &sns(&env, &format!("{base}&grant_type=refresh_token")).await,
        41003,
    );
    assert_errcode(
        &sns(&env, &format!("{base}&grant_type=code&refresh_token=x")).await,
        40002,
    );
}

#[tokio::test]
async fn userinfo_needs_the_userinfo_scope_48001() {
    let env = env().await;
    let (code, _) = authorize(&env, "snsapi_base", "oVisitor00000000000000000001").await;
    let token = exchange(&env, &code).await;
    let access = token["access_token"].as_str().unwrap();
    let info = sns(
        &env,
        &format!("/sns/userinfo?access_token={access}&openid=oVisitor00000000000000000001"),
    )
    .await;
    assert_errcode(&info, 48001);
    assert_ok(
        &sns(
            &env,
            &format!("/sns/auth?access_token={access}&openid=oVisitor00000000000000000001"),
        )
        .await,
    );
}

#[tokio::test]
async fn oauth_tokens_are_checked_like_access_tokens() {
    let env = env().await;
    let (code, _) = authorize(&env, "snsapi_userinfo", "oVisitor00000000000000000001").await;
    let access = exchange(&env, &code).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = "oVisitor00000000000000000001";
    assert_errcode(
        &sns(
            &env,
            &format!("/sns/auth?access_token={access}&openid=oOther"),
        )
        .await,
        40003,
    );
    assert_errcode(
        &sns(&env, &format!("/sns/auth?access_token=nothing&openid={me}")).await,
        40001,
    );
    assert_errcode(&sns(&env, &format!("/sns/auth?openid={me}")).await, 41001);
    assert_errcode(
        &sns(&env, &format!("/sns/auth?access_token={access}")).await,
        41009,
    );
    env.advance(7200).await;
    assert_errcode(
        &sns(
            &env,
            &format!("/sns/userinfo?access_token={access}&openid={me}"),
        )
        .await,
        42001,
    );
    let on_api = json_of(
        env.http
            .get(env.url(&format!("/cgi-bin/getcallbackip?access_token={access}"))),
    )
    .await;
    assert_errcode(&on_api, 40001);
}

#[tokio::test]
async fn the_authorize_page_refuses_bad_requests() {
    let env = env().await;
    let cases = [
        (
            "redirect_uri=https%3A%2F%2Fa.com&response_type=code&scope=snsapi_base",
            "10012",
        ),
        (
            &*format!("appid={DEFAULT_APP_ID}&response_type=code&scope=snsapi_base"),
            "10011",
        ),
        (
            &*format!("appid={DEFAULT_APP_ID}&redirect_uri=https%3A%2F%2Fa.com&response_type=code"),
            "10010",
        ),
        (
            &*format!(
                "appid={DEFAULT_APP_ID}&redirect_uri=https%3A%2F%2Fa.com&response_type=code&scope=snsapi_all"
            ),
            "10005",
        ),
    ];
    for (query, code) in cases {
        let response = env
            .http
            .get(env.url(&format!("/connect/oauth2/authorize?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().starts_with(code));
    }
}
