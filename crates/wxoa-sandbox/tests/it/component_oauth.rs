//! Web OAuth on behalf of an authorizer (spec open-platform.md §6) straight over HTTP: the
//! authorize page with `component_appid` redirects with `code`, `state` and `appid`; the code
//! is exchanged and refreshed on `/sns/oauth2/component/*` in the spec's shapes, and only
//! there. (The client's tests cover each error code through `oauth()`.)

use reqwest::StatusCode;
use serde_json::Value;

use crate::component::{COMPONENT, Platform};
use crate::support::{assert_errcode, assert_fixture_shape, json_of};

/// The redirect's query of the authorize page for `app_id` through the component.
async fn consent(platform: &Platform, app_id: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = reqwest::Url::parse_with_params(
        &platform.url("/connect/oauth2/authorize"),
        &[
            ("appid", app_id),
            ("redirect_uri", "https://saas.example/back"),
            ("response_type", "code"),
            ("scope", "snsapi_userinfo"),
            ("state", "S1"),
            ("component_appid", COMPONENT),
        ],
    )
    .unwrap();
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    let location = reqwest::Url::parse(location).unwrap();
    location.query_pairs().into_owned().collect()
}

async fn sns(platform: &Platform, path: &str, query: &[(&str, &str)]) -> Value {
    json_of(platform.http.get(platform.url(path)).query(query)).await
}

#[tokio::test]
async fn the_component_flow_has_the_spec_shapes_and_its_codes_stay_on_it() {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, &[1, 4]).await;
    let pairs = consent(&platform, &app_id).await;
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["code", "state", "appid"]);
    assert_eq!(pairs[2].1, app_id);
    let code = pairs[0].1.as_str();
    let token = platform.token().await;
    let exchange = [
        ("appid", app_id.as_str()),
        ("code", code),
        ("grant_type", "authorization_code"),
        ("component_appid", COMPONENT),
        ("component_access_token", token.as_str()),
    ];
    let answer = sns(&platform, "/sns/oauth2/component/access_token", &exchange).await;
    assert_fixture_shape(&answer, "oauth", "component_access_token");
    assert_eq!(answer["scope"], "snsapi_userinfo");
    let refresh = answer["refresh_token"].as_str().unwrap();
    let again = [
        ("appid", app_id.as_str()),
        ("grant_type", "refresh_token"),
        ("component_appid", COMPONENT),
        ("component_access_token", token.as_str()),
        ("refresh_token", refresh),
    ];
    let renewed = sns(&platform, "/sns/oauth2/component/refresh_token", &again).await;
    assert_fixture_shape(&renewed, "oauth", "component_access_token");
    assert_eq!(renewed["openid"], answer["openid"]);
    // The account's own refresh endpoint does not know it.
    let own_refresh = [
        ("appid", app_id.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
    ];
    let refused = sns(&platform, "/sns/oauth2/refresh_token", &own_refresh).await;
    assert_errcode(&refused, 40030);
    let user = [
        ("access_token", renewed["access_token"].as_str().unwrap()),
        ("openid", renewed["openid"].as_str().unwrap()),
    ];
    let profile = sns(&platform, "/sns/userinfo", &user).await;
    assert_fixture_shape(&profile, "oauth", "userinfo");
}
