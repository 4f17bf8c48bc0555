//! Issue 16, items 4 and 5 from the command line, against the sandbox in component mode:
//! `wxoa component serve` stores the ticket and the authorizations' refresh tokens in a file
//! store; `wxoa token-server --component` on that store serves an authorizer's token and
//! tickets by its AppID; `wxoa oauth …` and `wxoa jssdk …` with `--authorizer` and
//! `--token-server` act for the authorizer without a secret or a refresh token. Both servers
//! run at `-vvv`, and no token, ticket, refresh token or code appears in their logs or in the
//! token server's `/metrics`.

use std::collections::HashMap;

use serde_json::Value;
use wxoa_sandbox::{Component, Sandbox};
use wxoa_testkit::free_port;

use crate::redaction::Logged;
use crate::{stderr, stdout, wxoa};

const COMPONENT: &str = "wxc0c0c0c0c0c0c0c3";
const SECRET: &str = "fedcba9876543210fedcba9876543210";
const TOKEN: &str = "componentTokenOfTheCli";
const AES_KEY: &str = "QwErTyUiOpAsDfGhJkLzXcVbNm0123456789abcdefg";
const BEARER: &str = "component-bearer-5e1";

/// Every string value in the token store's file: the ticket, tokens and refresh tokens.
fn stored_values(path: &std::path::Path) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(s) if key == "value" && s.len() > 8 => out.push(s.clone()),
                        other => walk(other, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    walk(&serde_json::from_str(&text).unwrap(), &mut out);
    out
}

fn json(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_server_serves_an_authorizer_to_oauth_and_jssdk_and_logs_no_secret() {
    let port = free_port();
    let sandbox = Sandbox::builder()
        .followers(2)
        .component(
            Component::new(COMPONENT, SECRET, TOKEN, AES_KEY)
                .auth_url(format!("http://127.0.0.1:{port}/component"))
                .authorizers(2),
        )
        .start()
        .await
        .unwrap();
    let api = sandbox.base_url().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let store = format!("file:{}", path.display());
    let listen = format!("127.0.0.1:{port}");
    let globals = [
        "--app-id",
        COMPONENT,
        "--app-secret",
        SECRET,
        "--api-base",
        api.as_str(),
        "--store",
        store.as_str(),
    ];
    let mut args = vec!["component", "serve", "--listen", listen.as_str()];
    args.extend(["--token", TOKEN, "--aes-key", AES_KEY]);
    args.extend(globals);
    let serve = Logged::start("component serve", &args);
    serve.wait_for("listening on");
    let control = sandbox.control();
    assert_eq!(control.push_ticket().await.unwrap().outcome, "delivered");
    let authorizer = control.simulated_accounts().await.unwrap().remove(0);
    let consent = control.authorize(&authorizer, &[1, 2, 4], None, None).await;
    assert_eq!(consent.unwrap().push.unwrap().outcome, "delivered");

    let mut args = vec!["token-server", "--component", "--listen", "127.0.0.1:0"];
    args.extend(["--auth-token", BEARER]);
    args.extend(globals);
    let server = Logged::start("token-server", &args);
    let line = server.wait_for("wxoa token-server: listening on ");
    let base = line.rsplit(' ').next().unwrap().to_owned();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let get = |path: String| {
        let request = http.get(format!("{base}{path}")).bearer_auth(BEARER);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let token = get(format!("/token?appid={authorizer}")).await;
    let ticket = get(format!("/ticket/jsapi?appid={authorizer}")).await;
    let ticket = ticket["ticket"].as_str().unwrap().to_owned();
    let never = get("/token?appid=wx0000000000000001".to_owned()).await;
    assert_eq!(never["error"], "not_authorized", "{never}");

    // A business process: the component's AppID, the authorizer, the token server; no secret.
    let client = [
        "--app-id",
        COMPONENT,
        "--authorizer",
        authorizer.as_str(),
        "--token-server",
        base.as_str(),
        "--token-server-auth",
        BEARER,
        "--api-base",
        api.as_str(),
        "--store",
        "memory",
        "--output",
        "json",
    ];
    let page = "https://saas.example/shop?id=2";
    let signed = wxoa(
        &[&client[..], &["jssdk", "sign", "--url", page]].concat(),
        b"",
    );
    let signed = json(&signed);
    assert_eq!(signed["appId"], authorizer.as_str());
    let nonce = signed["nonceStr"].as_str().unwrap();
    let stamp = signed["timestamp"].to_string();
    let expected = wxoa_crypto::jssdk_signature(&ticket, nonce, &stamp, page);
    assert_eq!(signed["signature"], expected.as_str());
    let redirect = "https://saas.example/back";
    let url = wxoa(
        &[&client[..], &["oauth", "url", "--redirect-uri", redirect]].concat(),
        b"",
    );
    let url = json(&url)["url"].as_str().unwrap().to_owned();
    assert!(
        url.contains(&format!("&component_appid={COMPONENT}#")),
        "{url}"
    );
    let no_redirect = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = no_redirect.get(&url).send().await.unwrap();
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let query: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(query["appid"], authorizer);
    let code = query["code"].clone();
    let exchanged = wxoa(&[&client[..], &["oauth", "exchange", &code]].concat(), b"");
    let exchanged = json(&exchanged);
    assert_eq!(exchanged["scope"], "snsapi_base");

    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(BEARER)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!("appid=\"{authorizer}\"")),
        "{metrics}"
    );
    let mut secrets = stored_values(&path);
    assert!(
        secrets.iter().any(|s| s.starts_with("refreshtoken@@@")),
        "{secrets:?}"
    );
    secrets.extend([
        token["access_token"].as_str().unwrap().to_owned(),
        ticket,
        code,
        SECRET.to_owned(),
        BEARER.to_owned(),
    ]);
    let logs = [server.stop(), serve.stop()].concat();
    assert!(logs.len() > 10, "the servers logged: {logs:?}");
    for secret in &secrets {
        assert!(
            !metrics.contains(secret.as_str()),
            "/metrics shows a secret"
        );
        let leaked = logs.iter().find(|line| line.contains(secret.as_str()));
        assert!(leaked.is_none(), "a secret in a log line: {leaked:?}");
    }
}
