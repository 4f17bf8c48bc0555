//! CONTRACT §7 `wxoa oauth url` and `wxoa jssdk sign`.

use wxoa_sandbox::DEFAULT_APP_ID;

use crate::sandbox_env::Env;
use crate::{stderr, stdout, wxoa};

#[test]
fn oauth_url_on_the_sandbox_and_on_an_explicit_open_base() {
    let env = Env::new(0);
    let url = env.json(&[
        "oauth",
        "url",
        "--redirect-uri",
        "https://example.com/cb?a=1",
        "--scope",
        "userinfo",
        "--state",
        "s1",
    ]);
    assert_eq!(
        url["url"],
        format!(
            "{}/connect/oauth2/authorize?appid={DEFAULT_APP_ID}&redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fa%3D1\
             &response_type=code&scope=snsapi_userinfo&state=s1#wechat_redirect",
            env.sandbox.base_url()
        )
    );
    let url = env.json(&[
        "--open-base",
        "https://open.weixin.qq.com",
        "oauth",
        "url",
        "--redirect-uri",
        "https://example.com/cb",
    ]);
    let text = url["url"].as_str().unwrap();
    assert!(
        text.starts_with("https://open.weixin.qq.com/connect/oauth2/authorize?appid="),
        "{text}"
    );
    assert!(
        text.ends_with("&scope=snsapi_base#wechat_redirect"),
        "{text}"
    );
    let (code, err) = env.fails(&[
        "oauth",
        "url",
        "--redirect-uri",
        "https://example.com/cb",
        "--state",
        "no spaces",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("state: "), "{err}");
}

#[test]
fn oauth_exchange_and_userinfo_print_no_token() {
    let env = Env::new(2);
    let openid = env.followers(1).remove(0);
    let code = |scope: &str| env.oauth_code(&openid, scope);
    let output = env.run(&["oauth", "exchange", &code("snsapi_base")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed = stdout(&output);
    let token: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        (token["openid"].as_str(), token["scope"].as_str()),
        (Some(openid.as_str()), Some("snsapi_base"))
    );
    assert!(!printed.contains("access_token") && !printed.contains("refresh_token"));
    let user = env.json(&["oauth", "userinfo", &code("snsapi_userinfo")]);
    assert_eq!(user["openid"], openid.as_str());
    let (status, err) = env.fails(&["oauth", "userinfo", &code("snsapi_base")]);
    assert_eq!(status, 1);
    assert!(err.contains("48001"), "{err}");
    let (status, err) = env.fails(&["oauth", "exchange", "nope"]);
    assert_eq!(status, 1);
    assert!(err.contains("40029"), "{err}");
}

/// Platform identifiers may begin with `-` (the sandbox's codes sometimes do): such a value is
/// the argument, not an unknown flag — both as a positional and as an option's value.
#[test]
fn a_value_that_begins_with_a_hyphen_is_a_value() {
    let env = Env::new(0);
    let (status, err) = env.fails(&["oauth", "exchange", "-2Xk8ll2OG2yd4Ya0ml2PFm1I3Xk8lz"]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("40029"), "{err}");
    let out = wxoa(
        &[
            "crypto",
            "sign",
            "--token",
            "pamtest",
            "--timestamp",
            "1409304348",
            "--nonce",
            "-xxxxx",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // sha1 over the sorted "-xxxxx", "1409304348", "pamtest"
    assert_eq!(stdout(&out), "6d0d1d1022bca5d6512b663f010c9ec24dc7bde3\n");
    // Known flags are still flags after a hyphenated value.
    let (status, err) = env.fails(&["oauth", "exchange", "-abc", "--quiet"]);
    assert_eq!(status, 1, "{err}");
}

#[test]
fn jssdk_sign_offline_matches_the_published_vector() {
    let output = wxoa(
        &[
            "--app-id",
            "wx0123456789abcdef",
            "--output",
            "json",
            "jssdk",
            "sign",
            "--url",
            "http://mp.weixin.qq.com?params=value#frag",
            "--ticket",
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
            "--timestamp",
            "1414587457",
            "--nonce",
            "Wm3WZYTPz0wzccnW",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        config["signature"],
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    );
    assert_eq!(config["nonceStr"], "Wm3WZYTPz0wzccnW");
    assert_eq!(config["timestamp"], 1_414_587_457);
    assert_eq!(config["appId"], "wx0123456789abcdef");
}

#[test]
fn jssdk_sign_with_the_accounts_ticket() {
    let env = Env::new(0);
    let config = env.json(&["jssdk", "sign", "--url", "https://example.com/page#x"]);
    assert_eq!(config["url"], "https://example.com/page");
    assert_eq!(config["signature"].as_str().unwrap().len(), 40);
    let tickets = env.calls("/cgi-bin/ticket/getticket");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].query["type"], "jsapi");
    let (code, err) = env.fails(&["jssdk", "sign", "--url", "not a url"]);
    assert_eq!(code, 2);
    assert!(err.contains("url: "), "{err}");
}
