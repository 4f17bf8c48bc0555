//! Typed errors: platform codes with their meaning, the reported IP of 40164, decode failures
//! with the raw body and the field path, requests refused before they are sent.

use wxoa_client::{ApiRequest, BaseProblem, ConfigError, ErrCode, Error, InvalidRequest};

use crate::builder;

#[tokio::test]
async fn platform_errors_carry_the_code_and_its_meaning() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    let path = "/cgi-bin/message/template/send";
    stub.control().faults().error(path, 45009, 1).await.unwrap();
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
    assert_eq!(stub.control().count(path).await.unwrap(), 1);
}

#[tokio::test]
async fn ip_whitelist_errors_carry_the_reported_ip() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control()
        .faults()
        .refuse_ip("/cgi-bin/user/get", [203, 0, 113, 7].into(), 1)
        .await
        .unwrap();
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
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control()
        .faults()
        .json(
            "/cgi-bin/getcallbackip",
            serde_json::json!({"ip_list": ["101.226.62.77", "not-an-ip"]}),
            u32::MAX,
        )
        .await
        .unwrap();
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
    let stub = crate::platform().await;
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
    assert_eq!(stub.control().token_fetches().await.unwrap(), 0);
}

#[tokio::test]
async fn query_and_body_reach_the_platform_as_given() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    let faults = stub.control().faults();
    let ok = serde_json::json!({"errcode": 0, "errmsg": "ok"});
    faults
        .json("/cgi-bin/user/info", ok.clone(), 1)
        .await
        .unwrap();
    faults.json("/cgi-bin/tags/create", ok, 1).await.unwrap();
    client
        .get_json("/cgi-bin/user/info?lang=zh_CN", &[("openid", "o 1&2")])
        .await
        .unwrap();
    // What the platform received, as it kept it (the access token apart).
    let answer = &stub.requests("/cgi-bin/user/info")[0];
    assert_eq!(answer.query["openid"], "o 1&2");
    assert_eq!(answer.query["lang"], "zh_CN");
    assert!(!answer.query.contains_key("access_token"));
    let body = serde_json::json!({"tag": {"name": "广东"}});
    client
        .post_json("/cgi-bin/tags/create", &body)
        .await
        .unwrap();
    let answer = &stub.requests("/cgi-bin/tags/create")[0];
    assert_eq!(answer.json().unwrap(), body);
    assert_eq!(answer.method, "POST");
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
