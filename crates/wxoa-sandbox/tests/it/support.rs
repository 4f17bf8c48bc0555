//! Shared helpers: a sandbox with a token, HTTP over loopback, fixtures and shape checks, and a
//! small webhook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::Value;
use wxoa_sandbox::control::{InboxItem, PushResult};
use wxoa_sandbox::{Control, DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox, SandboxBuilder};

/// A running sandbox, an HTTP client and a fresh access token of the default account.
pub(crate) struct Env {
    pub(crate) sandbox: Sandbox,
    pub(crate) http: reqwest::Client,
    pub(crate) token: String,
}

/// A sandbox with 20 synthetic followers (seed 1).
pub(crate) async fn env() -> Env {
    env_with(Sandbox::builder().followers(20).seed(1)).await
}

pub(crate) async fn env_with(builder: SandboxBuilder) -> Env {
    let sandbox = builder.start().await.expect("sandbox starts");
    let http = client();
    let token = token(&http, &sandbox).await;
    Env {
        sandbox,
        http,
        token,
    }
}

/// A new access token of the default account.
async fn token(http: &reqwest::Client, sandbox: &Sandbox) -> String {
    let url = format!(
        "{}/cgi-bin/token?grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}",
        sandbox.base_url()
    );
    let body = json_of(http.get(url)).await;
    body["access_token"].as_str().expect("a token").to_owned()
}

/// Sends a request and reads its JSON answer, whatever the status.
pub(crate) async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

impl Env {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// `path` with this env's access token appended.
    pub(crate) fn api(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{path}{sep}access_token={}",
            self.sandbox.base_url(),
            self.token
        )
    }

    /// GET an API path with the token; the JSON answer.
    pub(crate) async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.api(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// POST JSON to an API path with the token; the JSON answer.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Value {
        self.post_text(path, &body.to_string()).await
    }

    /// POST a raw body to an API path with the token; the JSON answer.
    pub(crate) async fn post_text(&self, path: &str, body: &str) -> Value {
        let response = self
            .http
            .post(self.api(path))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "POST {path}");
        response.json().await.unwrap()
    }

    /// Uploads `bytes` as the `media` file of a multipart form (with extra text fields).
    pub(crate) async fn upload(
        &self,
        path: &str,
        filename: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> Value {
        let mut form = reqwest::multipart::Form::new().part(
            "media",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned()),
        );
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        json_of(self.http.post(self.api(path)).multipart(form)).await
    }

    /// Uploads a small temporary file of `kind`; its media id.
    pub(crate) async fn temporary(&self, kind: &str) -> String {
        let (name, bytes) = sample(kind);
        let body = self
            .upload(
                &format!("/cgi-bin/media/upload?type={kind}"),
                name,
                bytes,
                &[],
            )
            .await;
        let key = if kind == "thumb" {
            "thumb_media_id"
        } else {
            "media_id"
        };
        body[key]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    /// Adds a small permanent file of `kind`; its media id.
    pub(crate) async fn permanent(&self, kind: &str) -> String {
        let (name, bytes) = sample(kind);
        let description = r#"{"title":"T","introduction":"I"}"#;
        let body = self
            .upload(
                &format!("/cgi-bin/material/add_material?type={kind}"),
                name,
                bytes,
                &[("description", description)],
            )
            .await;
        body["media_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    /// GET on the control API: status and JSON.
    pub(crate) async fn control_get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// POST on the control API: status and JSON.
    pub(crate) async fn control_post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// The typed client of the control API.
    pub(crate) fn control(&self) -> &Control {
        self.sandbox.control()
    }

    /// The first `n` followers' OpenIDs.
    pub(crate) async fn followers(&self, n: usize) -> Vec<String> {
        self.control().followers(n, 0).await.unwrap().openids
    }

    /// A follower sends a message (opens the customer-service window).
    pub(crate) async fn push(&self, from: &str, message: Value) -> PushResult {
        self.control().push(from, message).await.unwrap()
    }

    pub(crate) async fn inbox(&self, openid: &str) -> Vec<InboxItem> {
        self.control().inbox(openid).await.unwrap()
    }

    /// Moves the clock to one minute past the next midnight in Beijing, so a test of daily
    /// limits does not straddle two days. Takes a new token: the old one may have expired.
    pub(crate) async fn advance_to_day_start(&mut self) {
        let now = self.sandbox.now();
        let beijing = now + 8 * 3600;
        let next_day = (beijing.div_euclid(86_400) + 1) * 86_400 - 8 * 3600;
        self.advance(next_day - now + 60).await;
        self.refresh_token().await;
    }

    /// Takes a new access token (after the clock moved past the old one's lifetime).
    pub(crate) async fn refresh_token(&mut self) {
        self.token = token(&self.http, &self.sandbox).await;
    }

    pub(crate) async fn advance(&self, seconds: i64) {
        self.control().clock().advance(seconds).await.unwrap();
    }
}

/// A file name and a few bytes for each kind of media.
pub(crate) fn sample(kind: &str) -> (&'static str, Vec<u8>) {
    match kind {
        "image" => ("photo.png", b"\x89PNG\r\n\x1a\nfake image".to_vec()),
        "voice" => ("voice.amr", b"#!AMR\nfake voice".to_vec()),
        "video" => ("clip.mp4", b"\0\0\0\x18ftypmp42fake video".to_vec()),
        _ => ("thumb.jpg", b"\xff\xd8\xff\xe0fake thumb".to_vec()),
    }
}

/// Reads `fixtures/api/<area>/<name>.json`.
pub(crate) fn fixture(area: &str, name: &str) -> Value {
    wxoa_testkit::fixtures::fixture(area, &format!("{name}.json"))
}

/// A fixture request with its placeholders (string values equal to a key) replaced.
pub(crate) use wxoa_testkit::fixtures::request_fixture as request;

/// Asserts `actual` has the structure of the fixture response `area/name`.
pub(crate) fn assert_fixture_shape(actual: &Value, area: &str, name: &str) {
    let expected = fixture(area, &format!("{name}.response"));
    assert_shape(actual, &expected, name);
}

/// Same fields, same JSON types, recursively; array items are compared with the item at the
/// same index of the expected array, or its first one.
pub(crate) fn assert_shape(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let mut ak: Vec<&String> = a.keys().collect();
            let mut ek: Vec<&String> = e.keys().collect();
            ak.sort();
            ek.sort();
            assert_eq!(ak, ek, "{path}: fields differ in {actual}");
            for (key, value) in e {
                assert_shape(&a[key], value, &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_shape(item, e.get(i).unwrap_or(first), &format!("{path}[{i}]"));
                }
            }
        }
        (Value::Number(a), Value::Number(e)) => {
            assert_eq!(a.is_f64(), e.is_f64(), "{path}: {a} vs {e}");
        }
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => {}
        _ => panic!("{path}: expected the type of {expected}, got {actual}"),
    }
}

/// Asserts a platform error: the errcode and an errmsg ending with ` rid: x-y-z` (the shape of
/// `common/error.json`).
#[track_caller]
pub(crate) fn assert_errcode(body: &Value, code: i64) {
    assert_shape(body, &fixture("common", "error"), "error");
    assert_eq!(body["errcode"], code, "{body}");
    let errmsg = body["errmsg"].as_str().unwrap();
    let rid = errmsg.rsplit(" rid: ").next().unwrap();
    let groups: Vec<&str> = rid.split('-').collect();
    assert!(
        errmsg.contains(" rid: ")
            && groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit())),
        "errmsg without a rid: {errmsg}"
    );
}

/// Asserts `{"errcode":0,"errmsg":"ok"}`.
#[track_caller]
pub(crate) fn assert_ok(body: &Value) {
    assert_eq!(body, &fixture("common", "ok"));
}

/// What a webhook received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The query string exactly as sent.
    pub(crate) raw_query: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) body: String,
}

impl Received {
    /// Names of the query parameters, in order.
    pub(crate) fn query_names(&self) -> Vec<String> {
        self.raw_query
            .split('&')
            .map(|p| p.split('=').next().unwrap_or_default().to_owned())
            .collect()
    }
}

/// How the test webhook answers a delivery (the n-th, 0-based).
pub(crate) enum Answer {
    Body(String),
    Status(u16),
    SleepThen(Duration, String),
}

type Behaviour = dyn Fn(&Received, usize) -> Answer + Send + Sync;

/// A webhook on loopback that records every delivery.
pub(crate) struct Hook {
    pub(crate) url: String,
    pub(crate) received: Arc<Mutex<Vec<Received>>>,
}

impl Hook {
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` deliveries arrived (at most 5 s).
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} deliveries, got {}", self.received().len());
    }
}

/// A webhook that answers `success` to everything, and a sandbox with `followers` followers
/// pushing to it in plain mode.
pub(crate) async fn env_with_quiet_hook(followers: u32) -> (Hook, Env) {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with(
        Sandbox::builder()
            .followers(followers)
            .webhook(wxoa_sandbox::Webhook::new(&hook.url, "token")),
    )
    .await;
    (hook, env)
}

pub(crate) async fn hook(
    behaviour: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static,
) -> Hook {
    #[derive(Clone)]
    struct HookState {
        received: Arc<Mutex<Vec<Received>>>,
        behaviour: Arc<Behaviour>,
    }
    async fn handle(
        State(state): State<HookState>,
        RawQuery(query): RawQuery,
        body: String,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let raw_query = query.unwrap_or_default();
        let parsed: Vec<(String, String)> = serde_urlencoded::from_str(&raw_query).unwrap();
        let received = Received {
            raw_query,
            query: parsed.into_iter().collect(),
            body,
        };
        let n = {
            let mut all = state.received.lock().unwrap();
            all.push(received.clone());
            all.len() - 1
        };
        match (state.behaviour)(&received, n) {
            Answer::Body(body) => body.into_response(),
            Answer::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
            Answer::SleepThen(duration, body) => {
                tokio::time::sleep(duration).await;
                body.into_response()
            }
        }
    }
    let received = Arc::new(Mutex::new(Vec::new()));
    let state = HookState {
        received: Arc::clone(&received),
        behaviour: Arc::new(behaviour),
    };
    let app = axum::Router::new()
        .route("/wechat", post(handle))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Hook {
        url: format!("http://{addr}/wechat"),
        received,
    }
}
