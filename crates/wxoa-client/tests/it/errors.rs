//! Typed errors: platform codes with their meaning, the reported IP of 40164, decode failures
//! with the raw body and the field path, requests refused before they are sent.

use wxoa_client::testing::{Fault, StubPlatform};
use wxoa_client::{ApiRequest, BaseProblem, ConfigError, ErrCode, Error, InvalidRequest};

use crate::builder;

#[tokio::test]
async fn platform_errors_carry_the_code_and_its_meaning() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    let path = "/cgi-bin/message/template/send";
    stub.fault(path, Fault::ErrCode(45009), 1);
    let error = client
        .post_json(path, &serde_json::json!({"touser": "o"}))
        .await
        .unwrap_err();
    let Error::Api { code, message, .. } = &error else {
        panic!("expected a platform error, got {error:?}");
    };
    assert_eq!(*code, ErrCode::ApiDailyQuotaReached);
    assert!(message.contains("rid:"), "{message}");
    let shown = error.to_string();
    assert!(shown.starts_with("errcode 45009: "), "{shown}");
    assert!(
        shown.contains(code.meaning()) && shown.contains(code.meaning_zh()),
        "{shown}"
    );
    assert!(error.advice().unwrap().contains("later"));
    assert_eq!(stub.calls(path), 1);
}

#[tokio::test]
async fn ip_whitelist_errors_carry_the_reported_ip() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault("/cgi-bin/user/get", Fault::ErrCode(40164), 1);
    let error = client.get_json("/cgi-bin/user/get", &[]).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrCode::IpNotInWhitelist));
    assert_eq!(error.reported_ip(), Some("203.0.113.7"));
    assert!(error.to_string().contains("203.0.113.7"));
}

#[tokio::test]
async fn decode_failures_keep_the_raw_body_and_the_field_path() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct CallbackIps {
        ip_list: Vec<std::net::IpAddr>,
    }
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.respond(
        "/cgi-bin/getcallbackip",
        serde_json::json!({"ip_list": ["101.226.62.77", "not-an-ip"]}),
    );
    let error = client
        .execute::<CallbackIps>(ApiRequest::get("/cgi-bin/getcallbackip"))
        .await
        .unwrap_err();
    let Error::Decode {
        path, field, body, ..
    } = &error
    else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(path, "/cgi-bin/getcallbackip");
    assert_eq!(field, "ip_list[1]");
    assert_eq!(body, r#"{"ip_list":["101.226.62.77","not-an-ip"]}"#);
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn unsafe_requests_are_refused_before_anything_is_sent() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    for path in [
        "https://evil.example/cgi-bin/x",
        "//evil.example/x",
        "cgi-bin/x",
    ] {
        let error = client.get_json(path, &[]).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidRequest(InvalidRequest::PathStart { .. })
            ),
            "{path}: {error:?}"
        );
    }
    let error = client
        .get_json("/cgi-bin/x", &[("access_token", "mine")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidRequest(InvalidRequest::AccessTokenGiven)
        ),
        "{error:?}"
    );
    assert_eq!(stub.token_fetches(), 0);
}

#[tokio::test]
async fn query_and_body_reach_the_platform_as_given() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    let answer = client
        .get_json("/cgi-bin/user/info?lang=zh_CN", &[("openid", "o 1&2")])
        .await
        .unwrap();
    assert_eq!(answer["query"]["openid"], "o 1&2");
    assert_eq!(answer["query"]["lang"], "zh_CN");
    assert!(answer["query"].get("access_token").is_none());
    let body = serde_json::json!({"tag": {"name": "广东"}});
    let answer = client
        .post_json("/cgi-bin/tags/create", &body)
        .await
        .unwrap();
    assert_eq!(answer["body"], body);
    assert_eq!(answer["method"], "POST");
}

#[test]
fn builder_refuses_bad_configuration() {
    let no_account = wxoa_client::Client::builder().build();
    assert!(matches!(
        no_account,
        Err(Error::Config(ConfigError::NoAccount))
    ));
    let no_secret = wxoa_client::Client::builder()
        .account(wxoa_client::Account::without_secret("wx1"))
        .build();
    assert!(matches!(
        no_secret,
        Err(Error::Config(ConfigError::NoAppSecret { .. }))
    ));
    let bad_base = wxoa_client::Client::builder()
        .account(wxoa_client::Account::new("wx1", "s"))
        .api_bases(["ftp://x"])
        .build();
    assert!(matches!(
        bad_base,
        Err(Error::Config(ConfigError::Base {
            problem: BaseProblem::Scheme,
            ..
        }))
    ));
}
