//! The third-party platform's APIs (spec open-platform.md §3), each error code in its own
//! test, against fixtures written from the spec; the helpers the other `component_*` tests
//! share: a sandbox playing a component, a receiver of its pushes on any path, decryption
//! with the component's key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{OriginalUri, RawQuery, State};
use serde_json::{Value, json};
use wxoa_crypto::MsgCrypt;
use wxoa_sandbox::{Component, ComponentRules, Sandbox};

use crate::support::{
    assert_errcode, assert_fixture_shape, assert_ok, assert_shape, client, fixture, json_of,
    request,
};

pub(crate) const COMPONENT: &str = "wx1111222233334444";
pub(crate) const SECRET: &str = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
pub(crate) const TOKEN: &str = "componenttoken";
pub(crate) const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// A push received, on whatever path.
#[derive(Debug, Clone)]
pub(crate) struct Got {
    pub(crate) path: String,
    pub(crate) query: HashMap<String, String>,
    pub(crate) body: String,
}

impl Got {
    /// The push verified (`msg_signature` with the component's Token) and decrypted with the
    /// component's key, the frame's AppID checked to be the component's.
    pub(crate) fn open(&self) -> String {
        let crypt = MsgCrypt::new(TOKEN, AES_KEY, COMPONENT).unwrap();
        let plain = crypt
            .decrypt_push(
                self.body.as_bytes(),
                &self.query["msg_signature"],
                &self.query["timestamp"],
                &self.query["nonce"],
            )
            .expect("decrypts with the component's key and AppID");
        String::from_utf8(plain).unwrap()
    }

    /// A field of the decrypted XML.
    pub(crate) fn field(&self, name: &str) -> String {
        let xml = self.open();
        let root = wxoa_types::xml::parse(xml.as_bytes()).unwrap();
        root.child(name).map(|c| c.text.clone()).unwrap_or_default()
    }
}

type Behaviour = dyn Fn(&Got) -> String + Send + Sync;

/// A server recording every request on any path (a browser lands there with GET); it
/// answers what `behaviour` says.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) base: String,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Receiver {
    pub(crate) async fn start(behaviour: impl Fn(&Got) -> String + Send + Sync + 'static) -> Self {
        #[derive(Clone)]
        struct S(Arc<Mutex<Vec<Got>>>, Arc<Behaviour>);
        async fn handle(
            State(S(got, behaviour)): State<S>,
            OriginalUri(uri): OriginalUri,
            RawQuery(query): RawQuery,
            body: String,
        ) -> String {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(&query.unwrap_or_default()).unwrap();
            let received = Got {
                path: uri.path().to_owned(),
                query: pairs.into_iter().collect(),
                body,
            };
            got.lock().unwrap().push(received.clone());
            behaviour(&received)
        }
        let got = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(axum::routing::any(handle))
            .with_state(S(Arc::clone(&got), Arc::new(behaviour)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            got,
        }
    }

    pub(crate) fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The pushes received on `path`.
    pub(crate) fn on(&self, path: &str) -> Vec<Got> {
        self.got().into_iter().filter(|g| g.path == path).collect()
    }

    /// Waits until `n` pushes arrived on `path` (at most 5 s).
    pub(crate) async fn wait_on(&self, path: &str, n: usize) -> Vec<Got> {
        for _ in 0..500 {
            let got = self.on(path);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} pushes on {path}, got {:?}", self.on(path));
    }
}

/// A sandbox playing the component, its pushes going to `receiver`.
pub(crate) struct Platform {
    pub(crate) sandbox: Sandbox,
    pub(crate) http: reqwest::Client,
    pub(crate) receiver: Receiver,
}

pub(crate) fn component(receiver: &Receiver, authorizers: u32) -> Component {
    Component::new(COMPONENT, SECRET, TOKEN, AES_KEY)
        .auth_url(format!("{}/auth", receiver.base))
        .message_url(format!("{}/msg/$APPID$/callback", receiver.base))
        .authorizers(authorizers)
}

impl Platform {
    /// Three simulated accounts with 5 followers each, a receiver answering `success`.
    pub(crate) async fn start() -> Self {
        let receiver = Receiver::start(|_| "success".to_owned()).await;
        let component = component(&receiver, 3);
        Self::with(receiver, component).await
    }

    pub(crate) async fn with(receiver: Receiver, component: Component) -> Self {
        let sandbox = Sandbox::builder()
            .followers(5)
            .seed(3)
            .component(component)
            .start()
            .await
            .unwrap();
        Self {
            sandbox,
            http: client(),
            receiver,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    /// POSTs JSON to a component path with `component_access_token=token` (none when empty).
    pub(crate) async fn call(&self, path: &str, token: &str, body: &Value) -> Value {
        let url = if token.is_empty() {
            self.url(path)
        } else {
            self.url(&format!("{path}?component_access_token={token}"))
        };
        json_of(self.http.post(url).json(body)).await
    }

    /// The latest ticket (waiting for the one pushed at start).
    pub(crate) async fn ticket(&self) -> String {
        for _ in 0..500 {
            if let Some(ticket) = self.sandbox.control().component().await.unwrap().ticket {
                return ticket;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no ticket was pushed")
    }

    /// A component token got with the latest ticket.
    pub(crate) async fn token(&self) -> String {
        let ticket = self.ticket().await;
        let body = self
            .call(
                "/cgi-bin/component/api_component_token",
                "",
                &json!({"component_appid": COMPONENT, "component_appsecret": SECRET,
                        "component_verify_ticket": ticket}),
            )
            .await;
        body["component_access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned()
    }

    /// A new pre-auth code.
    pub(crate) async fn pre_auth_code(&self) -> String {
        let token = self.token().await;
        let body = json!({"component_appid": COMPONENT});
        let answer = self
            .call("/cgi-bin/component/api_create_preauthcode", &token, &body)
            .await;
        answer["pre_auth_code"].as_str().unwrap().to_owned()
    }

    /// The AppID of simulated account `n`.
    pub(crate) async fn authorizer(&self, n: usize) -> String {
        let page = self.sandbox.control().authorizers(0, 100).await.unwrap();
        // The default account comes first; the simulated ones follow.
        page.authorizers[n + 1].app_id.clone()
    }

    /// The original id (`gh_…`) of an account.
    pub(crate) async fn authorizer_original_id(&self, app_id: &str) -> String {
        let accounts = self.sandbox.control().accounts().await.unwrap();
        accounts
            .into_iter()
            .find(|a| a.app_id == app_id)
            .unwrap()
            .original_id
    }

    /// The first follower of an account.
    pub(crate) async fn follower_of(&self, app_id: &str) -> String {
        let url = self.url(&format!("/sandbox/followers?limit=1&app_id={app_id}"));
        let page = json_of(self.http.get(url)).await;
        page["openids"][0].as_str().unwrap().to_owned()
    }

    /// Account `n` authorizes these sets; its code exchanged: (AppID, access, refresh token).
    pub(crate) async fn authorized(&self, n: usize, funcs: &[u8]) -> (String, String, String) {
        let app_id = self.authorizer(n).await;
        let consent = self
            .sandbox
            .control()
            .authorize(&app_id, funcs, None, None)
            .await
            .unwrap();
        let token = self.token().await;
        let body = self
            .call(
                "/cgi-bin/component/api_query_auth",
                &token,
                &json!({"component_appid": COMPONENT, "authorization_code": consent.auth_code}),
            )
            .await;
        let info = &body["authorization_info"];
        (
            app_id,
            info["authorizer_access_token"].as_str().unwrap().to_owned(),
            info["authorizer_refresh_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }
}

async fn token_with(platform: &Platform, body: Value) -> Value {
    platform
        .call("/cgi-bin/component/api_component_token", "", &body)
        .await
}

fn token_request(ticket: &str) -> Value {
    request(
        "component",
        "api_component_token",
        &[
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("COMPONENT_APPSECRET", json!(SECRET)),
            ("TICKET", json!(ticket)),
        ],
    )
}

#[tokio::test]
async fn the_component_token_is_issued_for_a_pushed_ticket() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    assert!(ticket.starts_with("ticket@@@"), "{ticket}");
    let body = token_with(&platform, token_request(&ticket)).await;
    assert_fixture_shape(&body, "component", "api_component_token");
    assert_eq!(body["expires_in"], 7200);
}

#[tokio::test]
async fn a_previous_component_token_works_five_more_minutes() {
    let platform = Platform::start().await;
    let first = platform.token().await;
    let second = platform.token().await;
    assert_ne!(first, second);
    let list = json!({"component_appid": COMPONENT, "offset": 0, "count": 10});
    let path = "/cgi-bin/component/api_get_authorizer_list";
    assert_eq!(platform.call(path, &first, &list).await["total_count"], 0);
    platform.sandbox.advance_clock(301);
    assert_errcode(&platform.call(path, &first, &list).await, 40001);
    assert_eq!(platform.call(path, &second, &list).await["total_count"], 0);
    platform.sandbox.advance_clock(7200);
    assert_errcode(&platform.call(path, &second, &list).await, 42001);
}

#[tokio::test]
async fn an_unknown_ticket_is_61006() {
    let platform = Platform::start().await;
    platform.ticket().await;
    let body = token_with(&platform, token_request("ticket@@@forged")).await;
    assert_errcode(&body, 61006);
}

#[tokio::test]
async fn a_missing_ticket_is_61006() {
    let platform = Platform::start().await;
    let mut body = token_request("");
    body.as_object_mut()
        .unwrap()
        .remove("component_verify_ticket");
    assert_errcode(&token_with(&platform, body).await, 61006);
}

#[tokio::test]
async fn a_ticket_older_than_12_hours_is_61005() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    // Pushes far apart, so the old ticket is still the one in hand after 12 hours.
    let mut rules = ComponentRules::default();
    rules.ticket_interval = 100 * 3600;
    let platform = Platform::with(receiver.clone(), component(&receiver, 0).rules(rules)).await;
    let ticket = platform.ticket().await;
    platform.sandbox.advance_clock(12 * 3600);
    assert_errcode(&token_with(&platform, token_request(&ticket)).await, 61005);
}

#[tokio::test]
async fn a_missing_component_appid_is_41002() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body.as_object_mut().unwrap().remove("component_appid");
    assert_errcode(&token_with(&platform, body).await, 41002);
}

#[tokio::test]
async fn a_malformed_component_appid_is_40013() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body["component_appid"] = json!("wx1");
    assert_errcode(&token_with(&platform, body).await, 40013);
}

#[tokio::test]
async fn another_component_appid_is_61011() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body["component_appid"] = json!("wx9999888877776666");
    assert_errcode(&token_with(&platform, body).await, 61011);
}

#[tokio::test]
async fn a_missing_component_secret_is_41004() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body.as_object_mut().unwrap().remove("component_appsecret");
    assert_errcode(&token_with(&platform, body).await, 41004);
}

#[tokio::test]
async fn a_malformed_component_secret_is_40125() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body["component_appsecret"] = json!("short");
    assert_errcode(&token_with(&platform, body).await, 40125);
}

#[tokio::test]
async fn a_wrong_component_secret_is_40001() {
    let platform = Platform::start().await;
    let ticket = platform.ticket().await;
    let mut body = token_request(&ticket);
    body["component_appsecret"] = json!("d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0");
    assert_errcode(&token_with(&platform, body).await, 40001);
}

#[tokio::test]
async fn component_tokens_beyond_the_daily_cap_are_45009() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    let mut rules = ComponentRules::default();
    rules.component_tokens_per_day = Some(2);
    let platform = Platform::with(receiver.clone(), component(&receiver, 0).rules(rules)).await;
    platform.token().await;
    platform.token().await;
    let ticket = platform.ticket().await;
    assert_errcode(&token_with(&platform, token_request(&ticket)).await, 45009);
}

#[tokio::test]
async fn a_sandbox_without_a_component_answers_61011() {
    let sandbox = Sandbox::start().await.unwrap();
    let body = json_of(
        client()
            .post(format!(
                "{}/cgi-bin/component/api_component_token",
                sandbox.base_url()
            ))
            .json(&token_request("ticket@@@x")),
    )
    .await;
    assert_errcode(&body, 61011);
}

#[tokio::test]
async fn component_paths_take_the_token_under_either_name() {
    let platform = Platform::start().await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT});
    let path = "/cgi-bin/component/api_create_preauthcode";
    let with_old = platform.call(path, &token, &body).await;
    assert_fixture_shape(&with_old, "component", "api_create_preauthcode");
    assert_eq!(with_old["expires_in"], 1800);
    let url = platform.url(&format!("{path}?access_token={token}"));
    let with_new = json_of(platform.http.post(url).json(&body)).await;
    assert_fixture_shape(&with_new, "component", "api_create_preauthcode");
}

#[tokio::test]
async fn a_component_path_without_a_token_is_41001() {
    let platform = Platform::start().await;
    let body = json!({"component_appid": COMPONENT});
    let answer = platform
        .call("/cgi-bin/component/api_create_preauthcode", "", &body)
        .await;
    assert_errcode(&answer, 41001);
}

#[tokio::test]
async fn a_component_path_given_an_authorizer_token_is_61014() {
    let platform = Platform::start().await;
    let (_, access, _) = platform.authorized(0, &[1, 2]).await;
    let body = json!({"component_appid": COMPONENT});
    let answer = platform
        .call("/cgi-bin/component/api_create_preauthcode", &access, &body)
        .await;
    assert_errcode(&answer, 61014);
}

#[tokio::test]
async fn an_account_api_given_the_component_token_is_61015() {
    let platform = Platform::start().await;
    let token = platform.token().await;
    let url = platform.url(&format!("/cgi-bin/user/get?access_token={token}"));
    assert_errcode(&json_of(platform.http.get(url)).await, 61015);
}

#[tokio::test]
async fn a_code_is_exchanged_for_the_authorization() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let consent = platform
        .sandbox
        .control()
        .authorize(&app_id, &[1, 2, 15], None, None)
        .await
        .unwrap();
    let token = platform.token().await;
    let body = platform
        .call(
            "/cgi-bin/component/api_query_auth",
            &token,
            &request(
                "component",
                "api_query_auth",
                &[
                    ("COMPONENT_APPID", json!(COMPONENT)),
                    ("AUTH_CODE", json!(consent.auth_code)),
                ],
            ),
        )
        .await;
    assert_fixture_shape(&body, "component", "api_query_auth");
    let info = &body["authorization_info"];
    assert_eq!(info["authorizer_appid"], app_id.as_str());
    assert!(
        info["authorizer_refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("refreshtoken@@@")
    );
    let ids: Vec<i64> = info["func_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["funcscope_category"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![1, 2, 15]);
}

#[tokio::test]
async fn an_unknown_code_is_61009() {
    let platform = Platform::start().await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorization_code": "queryauthcode@@@nope"});
    let answer = platform
        .call("/cgi-bin/component/api_query_auth", &token, &body)
        .await;
    assert_errcode(&answer, 61009);
}

#[tokio::test]
async fn an_expired_code_is_61010() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(0).await;
    let control = platform.sandbox.control();
    let consent = control.authorize(&app_id, &[1], None, None).await.unwrap();
    assert_eq!(consent.expires_in, 3600);
    platform.sandbox.advance_clock(3600);
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorization_code": consent.auth_code});
    let answer = platform
        .call("/cgi-bin/component/api_query_auth", &token, &body)
        .await;
    assert_errcode(&answer, 61010);
}

#[tokio::test]
async fn a_refresh_gives_a_new_access_token_and_the_same_refresh_token() {
    let platform = Platform::start().await;
    let (app_id, access, refresh) = platform.authorized(0, &[1, 2]).await;
    let token = platform.token().await;
    let body = request(
        "component",
        "api_authorizer_token",
        &[
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("AUTHORIZER_APPID", json!(app_id)),
            ("REFRESH_TOKEN", json!(refresh)),
        ],
    );
    let answer = platform
        .call("/cgi-bin/component/api_authorizer_token", &token, &body)
        .await;
    assert_fixture_shape(&answer, "component", "api_authorizer_token");
    assert_eq!(answer["authorizer_refresh_token"], refresh.as_str());
    assert_ne!(answer["authorizer_access_token"], access.as_str());
}

#[tokio::test]
async fn a_wrong_refresh_token_is_61023() {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, &[1]).await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id,
                      "authorizer_refresh_token": "refreshtoken@@@wrong"});
    let answer = platform
        .call("/cgi-bin/component/api_authorizer_token", &token, &body)
        .await;
    assert_errcode(&answer, 61023);
}

#[tokio::test]
async fn refreshes_beyond_the_daily_cap_are_45009() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    let mut rules = ComponentRules::default();
    rules.refreshes_per_day = Some(1);
    let platform = Platform::with(receiver.clone(), component(&receiver, 1).rules(rules)).await;
    let (app_id, _, refresh) = platform.authorized(0, &[1]).await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id,
                      "authorizer_refresh_token": refresh});
    let path = "/cgi-bin/component/api_authorizer_token";
    assert!(platform.call(path, &token, &body).await["authorizer_access_token"].is_string());
    assert_errcode(&platform.call(path, &token, &body).await, 45009);
}

#[tokio::test]
async fn the_authorizer_info_describes_the_account() {
    let platform = Platform::start().await;
    let (app_id, _, refresh) = platform.authorized(0, &[1, 2]).await;
    let token = platform.token().await;
    let body = request(
        "component",
        "api_get_authorizer_info",
        &[
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("AUTHORIZER_APPID", json!(app_id)),
        ],
    );
    let answer = platform
        .call("/cgi-bin/component/api_get_authorizer_info", &token, &body)
        .await;
    assert_fixture_shape(&answer, "component", "api_get_authorizer_info");
    assert_eq!(
        answer["authorization_info"]["authorizer_refresh_token"],
        refresh.as_str()
    );
    let accounts = platform.sandbox.control().accounts().await.unwrap();
    let account = accounts.iter().find(|a| a.app_id == app_id).unwrap();
    assert_eq!(
        answer["authorizer_info"]["user_name"],
        account.original_id.as_str()
    );
}

#[tokio::test]
async fn the_info_of_an_account_that_did_not_authorize_is_61003() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(1).await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id});
    let answer = platform
        .call("/cgi-bin/component/api_get_authorizer_info", &token, &body)
        .await;
    assert_errcode(&answer, 61003);
}

#[tokio::test]
async fn the_list_shows_refresh_tokens_only_for_exchanged_codes() {
    let platform = Platform::start().await;
    let (first, _, refresh) = platform.authorized(0, &[1]).await;
    let second = platform.authorizer(1).await;
    platform
        .sandbox
        .control()
        .authorize(&second, &[1], None, None)
        .await
        .unwrap();
    let token = platform.token().await;
    let body = request(
        "component",
        "api_get_authorizer_list",
        &[("COMPONENT_APPID", json!(COMPONENT))],
    );
    let answer = platform
        .call("/cgi-bin/component/api_get_authorizer_list", &token, &body)
        .await;
    assert_fixture_shape(&answer, "component", "api_get_authorizer_list");
    assert_eq!(answer["total_count"], 2);
    assert_eq!(answer["list"][0]["authorizer_appid"], first.as_str());
    assert_eq!(answer["list"][0]["refresh_token"], refresh.as_str());
    assert_eq!(answer["list"][1]["authorizer_appid"], second.as_str());
    assert_eq!(answer["list"][1]["refresh_token"], "");
}

#[tokio::test]
async fn a_list_page_over_500_is_47003() {
    let platform = Platform::start().await;
    let token = platform.token().await;
    let body = json!({"component_appid": COMPONENT, "offset": 0, "count": 501});
    let answer = platform
        .call("/cgi-bin/component/api_get_authorizer_list", &token, &body)
        .await;
    assert_errcode(&answer, 47003);
}

#[tokio::test]
async fn options_are_read_and_set_on_both_paths() {
    let platform = Platform::start().await;
    let (app_id, access, _) = platform.authorized(0, &[1, 2, 6]).await;
    let token = platform.token().await;
    let values = [
        ("COMPONENT_APPID", json!(COMPONENT)),
        ("AUTHORIZER_APPID", json!(app_id)),
    ];
    let set = request("component", "api_set_authorizer_option", &values);
    assert_ok(
        &platform
            .call("/cgi-bin/component/api_set_authorizer_option", &token, &set)
            .await,
    );
    let get = request("component", "api_get_authorizer_option", &values);
    let old = platform
        .call("/cgi-bin/component/api_get_authorizer_option", &token, &get)
        .await;
    assert_fixture_shape(&old, "component", "api_get_authorizer_option");
    assert_eq!(old["option_value"], "1");
    // The new paths take the authorizer's token.
    let url = |path: &str| platform.url(&format!("{path}?access_token={access}"));
    let body = json!({"option_name": "location_report", "option_value": 2});
    let set = json_of(
        platform
            .http
            .post(url("/cgi-bin/component/set_authorizer_option"))
            .json(&body),
    )
    .await;
    assert_ok(&set);
    let new = json_of(
        platform
            .http
            .post(url("/cgi-bin/component/get_authorizer_option"))
            .json(&fixture("component", "get_authorizer_option.request")),
    )
    .await;
    assert_fixture_shape(&new, "component", "get_authorizer_option");
    assert_eq!(new["option_value"], "1");
}

async fn option_error(option: Value, funcs: &[u8]) -> Value {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, funcs).await;
    let token = platform.token().await;
    let mut body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id});
    body.as_object_mut()
        .unwrap()
        .extend(option.as_object().unwrap().clone());
    platform
        .call(
            "/cgi-bin/component/api_set_authorizer_option",
            &token,
            &body,
        )
        .await
}

#[tokio::test]
async fn an_unknown_option_is_61012() {
    let body = option_error(json!({"option_name": "nope", "option_value": "1"}), &[1]).await;
    assert_errcode(&body, 61012);
}

#[tokio::test]
async fn a_bad_option_value_is_61013() {
    let body = option_error(
        json!({"option_name": "voice_recognize", "option_value": "7"}),
        &[1],
    )
    .await;
    assert_errcode(&body, 61013);
}

#[tokio::test]
async fn an_option_without_its_permission_set_is_61007() {
    let body = option_error(
        json!({"option_name": "customer_service", "option_value": "1"}),
        &[1],
    )
    .await;
    assert_errcode(&body, 61007);
}

#[tokio::test]
async fn start_push_ticket_pushes_at_once() {
    let platform = Platform::start().await;
    platform.receiver.wait_on("/auth", 1).await;
    let body = request(
        "component",
        "api_start_push_ticket",
        &[
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("COMPONENT_APPSECRET", json!(SECRET)),
        ],
    );
    let answer = platform
        .call("/cgi-bin/component/api_start_push_ticket", "", &body)
        .await;
    assert_ok(&answer);
    let pushes = platform.receiver.wait_on("/auth", 2).await;
    let ticket = pushes[1].field("ComponentVerifyTicket");
    assert_eq!(
        Some(ticket),
        platform.sandbox.control().component().await.unwrap().ticket
    );
}

#[tokio::test]
async fn start_push_ticket_for_another_appid_is_40013() {
    let platform = Platform::start().await;
    let body = json!({"component_appid": "wx9999888877776666", "component_secret": SECRET});
    let answer = platform
        .call("/cgi-bin/component/api_start_push_ticket", "", &body)
        .await;
    assert_errcode(&answer, 40013);
}

#[tokio::test]
async fn clear_quota_restores_the_component_token_quota() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    let mut rules = ComponentRules::default();
    rules.component_tokens_per_day = Some(1);
    let platform = Platform::with(receiver.clone(), component(&receiver, 0).rules(rules)).await;
    let token = platform.token().await;
    let ticket = platform.ticket().await;
    assert_errcode(&token_with(&platform, token_request(&ticket)).await, 45009);
    let body = request(
        "component",
        "clear_quota",
        &[("COMPONENT_APPID", json!(COMPONENT))],
    );
    assert_ok(
        &platform
            .call("/cgi-bin/component/clear_quota", &token, &body)
            .await,
    );
    let again = token_with(&platform, token_request(&ticket)).await;
    assert!(again["component_access_token"].is_string(), "{again}");
}

#[tokio::test]
async fn clear_quota_v2_clears_an_authorizer_without_a_token() {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, &[1]).await;
    let body = request(
        "component",
        "clear_quota_v2",
        &[
            ("COMPONENT_APPID", json!(COMPONENT)),
            ("COMPONENT_APPSECRET", json!(SECRET)),
            ("AUTHORIZER_APPID", json!(app_id)),
        ],
    );
    assert_ok(
        &platform
            .call("/cgi-bin/component/clear_quota/v2", "", &body)
            .await,
    );
}

#[tokio::test]
async fn clear_quota_v2_for_an_account_that_did_not_authorize_is_61003() {
    let platform = Platform::start().await;
    let app_id = platform.authorizer(2).await;
    let body = json!({"component_appid": COMPONENT, "appsecret": SECRET, "appid": app_id});
    let answer = platform
        .call("/cgi-bin/component/clear_quota/v2", "", &body)
        .await;
    assert_errcode(&answer, 61003);
}

#[tokio::test]
async fn clear_quota_beyond_the_monthly_limit_is_48006() {
    let platform = Platform::start().await;
    let body = json!({"component_appid": COMPONENT, "appsecret": SECRET});
    let path = "/cgi-bin/component/clear_quota/v2";
    for _ in 0..10 {
        assert_ok(&platform.call(path, "", &body).await);
    }
    assert_errcode(&platform.call(path, "", &body).await, 48006);
}

#[tokio::test]
async fn simulated_accounts_follow_from_the_seed() {
    let first = Platform::start().await;
    let second = Platform::start().await;
    let a = first.sandbox.control().authorizers(0, 10).await.unwrap();
    let b = second.sandbox.control().authorizers(0, 10).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a.total, 4, "the default account and three simulated ones");
    for entry in &a.authorizers[1..] {
        assert!(entry.app_id.starts_with("wx") && entry.app_id.len() == 18);
        assert!(entry.original_id.starts_with("gh_") && entry.original_id.len() == 15);
        assert!(!entry.authorized);
    }
    let accounts = first.sandbox.control().accounts().await.unwrap();
    assert!(accounts.iter().all(|a| a.followers == 5));
    assert_shape(&json!(a.total), &json!(0), "total");
}
