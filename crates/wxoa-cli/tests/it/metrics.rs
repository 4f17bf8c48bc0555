//! CONTRACT §3 and §5: the `/metrics` of a real `wxoa serve` and a real `wxoa token-server`
//! after real traffic from the sandbox — the processes' own metrics and those of the client
//! they call the platform with, in one OpenMetrics exposition that a Prometheus-style reader
//! takes line by line, and no secret anywhere in it.

use std::time::{Duration, Instant};

use serde_json::json;
use wxoa_client::{Account, Client};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};

use crate::http;
use crate::serve::{KEY, TOKEN};
use crate::shutdown::{Serving, follower, push_text, received};
use crate::token_server::TokenServer;

const SEND: &str = "/cgi-bin/message/custom/send";
const BEARER: &str = "cli-bearer";

/// One scrape of `/metrics`.
struct Scrape {
    content_type: String,
    text: String,
}

impl Scrape {
    async fn of(base: &str, bearer: Option<&str>) -> Scrape {
        let mut request = http().get(format!("{base}/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        Scrape { content_type, text }
    }

    /// The value of a series, named with its labels as the exposition writes them.
    fn value(&self, series: &str) -> u64 {
        self.text
            .lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {series} in\n{}", self.text))
            .parse()
            .unwrap()
    }

    fn assert_values(&self, expected: &[(String, u64)]) {
        for (series, value) in expected {
            assert_eq!(self.value(series), *value, "{series} in\n{}", self.text);
        }
    }

    /// Reads the exposition as a Prometheus-style scraper does: comments, then samples of the
    /// families they declare, each `name{labels} value`, and `# EOF` last.
    fn assert_well_formed(&self) {
        assert!(
            self.content_type
                .starts_with("application/openmetrics-text; version=1.0.0"),
            "{}",
            self.content_type
        );
        assert!(self.text.ends_with("# EOF\n"), "{}", self.text);
        let mut families: Vec<&str> = Vec::new();
        for line in self.text.lines() {
            if let Some(declared) = line.strip_prefix("# TYPE ") {
                families.push(declared.split(' ').next().unwrap());
                continue;
            }
            if line.starts_with("# HELP ") || line == "# EOF" {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').unwrap();
            value
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("not a number: {line}"));
            let name = series.split('{').next().unwrap();
            assert!(
                name.starts_with("wxoa_") && families.iter().any(|f| name.starts_with(f)),
                "a sample outside a declared family: {line}"
            );
            if let Some(labels) = series.strip_prefix(name) {
                assert!(
                    labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')),
                    "{line}"
                );
            }
        }
    }

    fn assert_holds_none_of(&self, secrets: &[&str]) {
        for secret in secrets {
            assert!(!secret.is_empty());
            assert!(
                !self.text.contains(secret),
                "a secret ({} bytes) in /metrics:\n{}",
                secret.len(),
                self.text
            );
        }
    }
}

/// The JSON answer of a request to the token server, with its Bearer token.
async fn answer(request: reqwest::RequestBuilder) -> serde_json::Value {
    let response = request.bearer_auth(BEARER).send().await.unwrap();
    response.json().await.unwrap()
}

/// The sandbox's current access token, as any caller of `stable_token` gets it.
async fn current_token(sandbox: &Sandbox) -> String {
    Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([sandbox.base_url()])
        .build()
        .unwrap()
        .access_token()
        .await
        .unwrap()
        .expose()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_exposes_its_late_reply_clients_calls_beside_the_webhooks_metrics() {
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    let serving = Serving::start(&sandbox, &[]);
    let base = serving.url.trim_end_matches("/wechat").to_owned();

    // One answer within the deadline, two past it: their replies go out as customer-service
    // messages, the first one the platform refuses with 45015.
    let pushed = push_text(&sandbox, &openid, "hi").await;
    assert_eq!(pushed.reply_text("Content").unwrap(), "hi", "{pushed:?}");
    sandbox
        .control()
        .faults()
        .error(SEND, 45015, 1)
        .await
        .unwrap();
    let late = tokio::join!(
        push_text(&sandbox, &openid, "sleep 5"),
        push_text(&sandbox, &openid, "sleep 6")
    );
    for pushed in [late.0, late.1] {
        assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    }
    let started = Instant::now();
    while received(&sandbox, &openid).await.len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}\n{}",
            received(&sandbox, &openid).await,
            serving.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The failed one is counted once the customer-service call has come back.
    let started = Instant::now();
    while Scrape::of(&base, None)
        .await
        .value("wxoa_webhook_late_replies_total{result=\"failed\"}")
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            serving.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let scrape = Scrape::of(&base, None).await;
    scrape.assert_well_formed();
    let send = format!("path=\"{SEND}\"");
    scrape.assert_values(&[
        ("wxoa_webhook_requests_total{outcome=\"ok\"}".to_owned(), 1),
        ("wxoa_webhook_requests_total{outcome=\"late\"}".to_owned(), 2),
        ("wxoa_webhook_handled_total".to_owned(), 3),
        ("wxoa_webhook_duplicates_total".to_owned(), 0),
        ("wxoa_webhook_late_replies_total{result=\"delivered\"}".to_owned(), 1),
        ("wxoa_webhook_late_replies_total{result=\"failed\"}".to_owned(), 1),
        ("wxoa_webhook_handler_seconds_count".to_owned(), 3),
        (format!("wxoa_client_calls_total{{{send},result=\"ok\"}}"), 1),
        (format!("wxoa_client_calls_total{{{send},result=\"errcode\"}}"), 1),
        (format!("wxoa_client_errcodes_total{{{send},errcode=\"45015\"}}"), 1),
        (format!("wxoa_client_call_seconds_count{{{send}}}"), 2),
        (
            "wxoa_client_calls_total{path=\"/cgi-bin/stable_token\",result=\"ok\"}".to_owned(),
            1,
        ),
        (
            format!(
                "wxoa_client_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\",result=\"ok\"}}"
            ),
            1,
        ),
    ]);
    let token = current_token(&sandbox).await;
    scrape.assert_holds_none_of(&[DEFAULT_APP_SECRET, KEY, TOKEN, &token]);
}

#[tokio::test]
async fn token_server_exposes_its_fetching_clients_calls_beside_its_own_metrics() {
    let sandbox = Sandbox::start().await.unwrap();
    let server = TokenServer::start_for(
        sandbox.base_url(),
        "memory",
        DEFAULT_APP_ID,
        DEFAULT_APP_SECRET,
    );
    let get = |path: &'static str| answer(http().get(format!("{}{path}", server.base)));
    let token = get("/token").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = get("/ticket/jsapi").await["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    // The platform refuses the card ticket once.
    sandbox
        .control()
        .faults()
        .error("/cgi-bin/ticket/getticket", 45009, 1)
        .await
        .unwrap();
    let refused = get("/ticket/wx_card").await;
    assert_eq!(refused["errcode"], 45009, "{refused}");
    // A report of the current token: stable_token answers it again, then a forced refresh.
    let report = http()
        .post(format!("{}/token/invalidate", server.base))
        .json(&json!({ "access_token": token }));
    let replaced = answer(report).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(replaced, token);

    let scrape = Scrape::of(&server.base, Some(BEARER)).await;
    scrape.assert_well_formed();
    let app = format!("appid=\"{DEFAULT_APP_ID}\"");
    let getticket = "path=\"/cgi-bin/ticket/getticket\"";
    scrape.assert_values(&[
        (format!("wxoa_token_fetches_total{{{app}}}"), 4),
        (format!("wxoa_token_forced_refreshes_total{{{app}}}"), 1),
        (format!("wxoa_token_invalidations_total{{{app}}}"), 1),
        (format!("wxoa_token_errors_total{{{app}}}"), 1),
        (
            format!("wxoa_token_served_total{{{app},kind=\"access_token\"}}"),
            2,
        ),
        (
            format!("wxoa_token_served_total{{{app},kind=\"jsapi\"}}"),
            1,
        ),
        (
            format!("wxoa_token_served_total{{{app},kind=\"wx_card\"}}"),
            0,
        ),
        (
            format!("wxoa_token_quota_refusals_total{{{app},kind=\"access_token\"}}"),
            0,
        ),
        (
            "wxoa_client_calls_total{path=\"/cgi-bin/stable_token\",result=\"ok\"}".to_owned(),
            3,
        ),
        (
            format!("wxoa_client_calls_total{{{getticket},result=\"ok\"}}"),
            1,
        ),
        (
            format!("wxoa_client_calls_total{{{getticket},result=\"errcode\"}}"),
            1,
        ),
        (
            format!("wxoa_client_errcodes_total{{{getticket},errcode=\"45009\"}}"),
            1,
        ),
        (format!("wxoa_client_call_seconds_count{{{getticket}}}"), 2),
        (
            format!("wxoa_client_token_fetches_total{{{app},kind=\"access_token\",result=\"ok\"}}"),
            3,
        ),
        (
            format!("wxoa_client_token_fetches_total{{{app},kind=\"jsapi\",result=\"ok\"}}"),
            1,
        ),
        (
            format!("wxoa_client_token_fetches_total{{{app},kind=\"wx_card\",result=\"failed\"}}"),
            1,
        ),
    ]);
    let left = scrape.value(&format!(
        "wxoa_token_seconds_to_expiry{{{app},kind=\"access_token\"}}"
    ));
    assert!((1..=7200).contains(&left), "{left}");
    scrape.assert_holds_none_of(&[DEFAULT_APP_SECRET, BEARER, &token, &replaced, &ticket]);
}
