//! The typed client of the control API (CONTRACT §4): what a test of code built on the platform
//! uses to make followers act, read what they received, move the clock and script faults —
//! against a sandbox in this process ([`Sandbox::control`](crate::Sandbox::control)) or one in
//! another process ([`Control::new`]). The answers' types are in `control/answers.rs`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use serde_json::json;
//! use wxoa_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().followers(3).start().await?;
//! let control = sandbox.control();
//! let openid = control.followers(1, 0).await?.openids.remove(0);
//! let pushed = control.push(&openid, json!({"MsgType": "text", "Content": "hi"})).await?;
//! println!("{} attempt(s), reply {:?}", pushed.attempts, pushed.reply);
//! control.faults().error("/cgi-bin/user/info", 45009, 1).await?;
//! control.clock().advance(7200).await?;
//! # Ok(()) }
//! ```

mod answers;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use answers::{
    Account, Attempt, Call, CallsUsage, ClockReading, FaultOutcome, FollowerSubscriptions,
    Followers, InboxItem, PushOutcome, PushResult, SetFault, ShownWebhook, SubscriptionConsent,
};

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The HTTP client could not be built.
    #[error("cannot build the control client")]
    Client(#[source] reqwest::Error),
    /// The request did not get an answer (connection refused, reset, timed out …).
    #[error("{method} {path}: no answer from the sandbox")]
    Transport {
        /// `GET`, `POST`, …
        method: &'static str,
        /// The control path.
        path: String,
        /// What the HTTP client saw.
        #[source]
        source: reqwest::Error,
    },
    /// The sandbox refused the request (HTTP 4xx with `{"error": …}`).
    #[error("{method} {path}: refused with HTTP {status}: {message}")]
    Refused {
        /// `GET`, `POST`, …
        method: &'static str,
        /// The control path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The sandbox's reason (its `error` field, else the body).
        message: String,
    },
    /// The answer is not the JSON this client expects.
    #[error("{method} {path}: unexpected answer")]
    Decode {
        /// `GET`, `POST`, …
        method: &'static str,
        /// The control path.
        path: String,
        /// The body as received.
        body: String,
        /// Where the JSON went wrong.
        #[source]
        source: serde_json::Error,
    },
}

/// A client of a sandbox's control API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

impl Control {
    /// A client of the sandbox at `base_url` (e.g. `http://127.0.0.1:40123`), which may run in
    /// another process (`wxoa sandbox`). Proxies in the environment are not used: the control
    /// API answers only to its own address.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ControlError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ControlError::Client)?;
        Ok(Self::with_http(base_url, http))
    }

    /// A client of the sandbox at `base_url` that sends through `http`.
    pub fn with_http(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        let base = base_url.into().trim_end_matches('/').to_owned();
        Self { http, base }
    }

    /// The sandbox's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /sandbox/followers?limit=N&offset=M`: a page of the default account's followers.
    pub async fn followers(&self, limit: usize, offset: u64) -> Result<Followers, ControlError> {
        self.get(&format!("/sandbox/followers?limit={limit}&offset={offset}"))
            .await
    }

    /// `GET /sandbox/accounts`: every account the sandbox plays.
    pub async fn accounts(&self) -> Result<Vec<Account>, ControlError> {
        self.get("/sandbox/accounts").await
    }

    /// `POST /sandbox/push`: follower `from` sends `message` (fields named as in the
    /// platform's XML, `MsgType` required) to the account that knows them; the sandbox delivers
    /// it to the webhook as the platform would and answers what came of it.
    pub async fn push(&self, from: &str, message: Value) -> Result<PushResult, ControlError> {
        self.post("/sandbox/push", &json!({"from": from, "message": message}))
            .await
    }

    /// `POST /sandbox/push` to the account `app_id`.
    pub async fn push_to(
        &self,
        app_id: &str,
        from: &str,
        message: Value,
    ) -> Result<PushResult, ControlError> {
        let body = json!({"from": from, "message": message, "app_id": app_id});
        self.post("/sandbox/push", &body).await
    }

    /// `POST /sandbox/push` of a `subscribe_msg_popup_event`: follower `from` answers the
    /// consent sheet of subscription notifications, `accept` or `reject` for each template of
    /// the account named (`PopupScene` 1, a web page). The sandbox records the consents and
    /// pushes the event to the webhook.
    pub async fn consent(
        &self,
        from: &str,
        answers: &[(&str, bool)],
    ) -> Result<PushResult, ControlError> {
        let list: Vec<Value> = answers
            .iter()
            .map(|(id, accept)| {
                let status = if *accept { "accept" } else { "reject" };
                json!({"TemplateId": id, "SubscribeStatusString": status, "PopupScene": 1})
            })
            .collect();
        let event = json!({"MsgType": "event", "Event": "subscribe_msg_popup_event",
                           "SubscribeMsgPopupEvent": {"List": list}});
        self.push(from, event).await
    }

    /// `POST /sandbox/article`: follower `from` reads (`read`, `read_original`), shares or
    /// favourites (`favorite`) the account's article `msgid` (`<msg_data_id>_<index>`), now;
    /// a read from entry `source` (0 a conversation … 7 search), a share to `scene` (1 a
    /// friend, 2 Moments, 3 Weibo, 255 elsewhere). The analytics count it.
    pub async fn article(
        &self,
        from: &str,
        msgid: &str,
        action: &str,
        source: u32,
        scene: u32,
    ) -> Result<Value, ControlError> {
        let body = json!({"from": from, "msgid": msgid, "action": action, "source": source,
                          "scene": scene});
        self.post("/sandbox/article", &body).await
    }

    /// `GET /sandbox/articles`: the default account's articles (sent or published), newest
    /// first, each with `msgid`, `title`, `url`, `sent`, `target_user`, `notified`.
    pub async fn articles(&self) -> Result<Value, ControlError> {
        self.get("/sandbox/articles").await
    }

    /// `POST /sandbox/datacube/{name}`: what the analytics endpoint `name` answers for the
    /// default account, without a token (the console's reads); a refusal is the platform's
    /// error body.
    pub async fn datacube(
        &self,
        name: &str,
        begin: &str,
        end: &str,
    ) -> Result<Value, ControlError> {
        let body = json!({"begin_date": begin, "end_date": end});
        self.post(&format!("/sandbox/datacube/{name}"), &body).await
    }

    /// `GET /sandbox/subscriptions/{openid}`: the account's subscription templates, each with
    /// the follower's consent.
    pub async fn subscriptions(&self, openid: &str) -> Result<FollowerSubscriptions, ControlError> {
        self.get(&format!("/sandbox/subscriptions/{openid}")).await
    }

    /// `POST /sandbox/scan`: follower `from` scans the QR code with this ticket.
    pub async fn scan(&self, from: &str, ticket: &str) -> Result<PushResult, ControlError> {
        self.post("/sandbox/scan", &json!({"from": from, "ticket": ticket}))
            .await
    }

    /// `POST /sandbox/click`: follower `from` taps the menu button at `button` (`[top]` or
    /// `[top, sub]`, 0-based).
    pub async fn click(&self, from: &str, button: &[usize]) -> Result<PushResult, ControlError> {
        self.post("/sandbox/click", &json!({"from": from, "button": button}))
            .await
    }

    /// `GET /sandbox/pushes?from=OPENID`: the pushes of one follower (every push with `None`),
    /// oldest first.
    pub async fn pushes(&self, from: Option<&str>) -> Result<Vec<PushResult>, ControlError> {
        match from {
            Some(from) => self.get(&format!("/sandbox/pushes?from={from}")).await,
            None => self.get("/sandbox/pushes").await,
        }
    }

    /// `GET /sandbox/inbox/{openid}`: what the follower received, oldest first.
    pub async fn inbox(&self, openid: &str) -> Result<Vec<InboxItem>, ControlError> {
        self.get(&format!("/sandbox/inbox/{openid}")).await
    }

    /// `GET /sandbox/calls?path=P`: the calls to one API path, oldest first.
    pub async fn calls(&self, path: &str) -> Result<Vec<Call>, ControlError> {
        let query = serde_urlencoded::to_string([("path", path)]).unwrap_or_default();
        self.get(&format!("/sandbox/calls?{query}")).await
    }

    /// `GET /sandbox/calls`: every call the log keeps, oldest first.
    pub async fn all_calls(&self) -> Result<Vec<Call>, ControlError> {
        self.get("/sandbox/calls").await
    }

    /// `DELETE /sandbox/calls`: empties the calls log.
    pub async fn clear_calls(&self) -> Result<(), ControlError> {
        self.send::<Value>(reqwest::Method::DELETE, "/sandbox/calls", None)
            .await
            .map(drop)
    }

    /// `GET /sandbox/calls/usage`: what the calls log holds against its budget.
    pub async fn calls_usage(&self) -> Result<CallsUsage, ControlError> {
        self.get("/sandbox/calls/usage").await
    }

    /// The virtual clock.
    pub fn clock(&self) -> Clock<'_> {
        Clock(self)
    }

    /// The scripted faults.
    pub fn faults(&self) -> Faults<'_> {
        Faults(self)
    }

    /// `GET /sandbox/webhook`: where pushes go (`None` without a webhook).
    pub async fn webhook(&self) -> Result<Option<ShownWebhook>, ControlError> {
        self.get("/sandbox/webhook").await
    }

    /// `PUT /sandbox/webhook`: pushes go to `url`, signed with `token`, in plain mode.
    pub async fn set_webhook(&self, url: &str, token: &str) -> Result<ShownWebhook, ControlError> {
        let body = json!({"url": url, "token": token});
        self.send(reqwest::Method::PUT, "/sandbox/webhook", Some(&body))
            .await
    }

    /// `DELETE /sandbox/webhook`: pushes stop.
    pub async fn remove_webhook(&self) -> Result<(), ControlError> {
        self.send::<Value>(reqwest::Method::DELETE, "/sandbox/webhook", None)
            .await
            .map(drop)
    }

    /// `POST /sandbox/oauth/code`: the code follower `openid`'s consent to `scope`
    /// (`snsapi_base` or `snsapi_userinfo`) gives the default account.
    pub async fn oauth_code(&self, openid: &str, scope: &str) -> Result<String, ControlError> {
        #[derive(serde::Deserialize)]
        struct Code {
            code: String,
        }
        let body = json!({"openid": openid, "scope": scope});
        let code: Code = self.post("/sandbox/oauth/code", &body).await?;
        Ok(code.code)
    }

    /// `GET /sandbox/cards/{openid}`: the cards the follower holds, as the sandbox shows them.
    pub async fn cards(&self, openid: &str) -> Result<Value, ControlError> {
        self.get(&format!("/sandbox/cards/{openid}")).await
    }

    /// `GET /sandbox/qrcodes`: the default account's live QR codes, newest first, as the
    /// sandbox shows them.
    pub async fn qrcodes(&self) -> Result<Value, ControlError> {
        self.get("/sandbox/qrcodes").await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ControlError> {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ControlError> {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ControlError> {
        let name = method_name(&method);
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |source| ControlError::Transport {
            method: name,
            path: path.to_owned(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let message = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            return Err(ControlError::Refused {
                method: name,
                path: path.to_owned(),
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| ControlError::Decode {
            method: name,
            path: path.to_owned(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            source,
        })
    }
}

fn method_name(method: &reqwest::Method) -> &'static str {
    match *method {
        reqwest::Method::POST => "POST",
        reqwest::Method::PUT => "PUT",
        reqwest::Method::DELETE => "DELETE",
        _ => "GET",
    }
}

/// The virtual clock of a sandbox (`/sandbox/clock`).
#[derive(Debug, Clone, Copy)]
pub struct Clock<'c>(&'c Control);

impl Clock<'_> {
    /// The virtual time and its offset from the real one.
    pub async fn now(&self) -> Result<ClockReading, ControlError> {
        self.0.get("/sandbox/clock").await
    }

    /// Moves the clock forward by `seconds` (tokens expire, quotas reset, windows close).
    pub async fn advance(&self, seconds: i64) -> Result<ClockReading, ControlError> {
        self.0
            .post("/sandbox/clock", &json!({"advance": seconds}))
            .await
    }
}

/// The scripted faults of a sandbox (`/sandbox/faults`): the next calls to a path answer an
/// errcode, wait, or lose their connection.
#[derive(Debug, Clone, Copy)]
pub struct Faults<'c>(&'c Control);

impl Faults<'_> {
    /// The next `times` calls to `path` answer `errcode`.
    pub async fn error(
        &self,
        path: &str,
        errcode: i64,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        self.add(&json!({"path": path, "errcode": errcode, "times": times}))
            .await
    }

    /// The next `times` calls to `path` wait `delay` (whole milliseconds) before being served.
    pub async fn delay(
        &self,
        path: &str,
        delay: Duration,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.add(&json!({"path": path, "delay_ms": delay_ms, "times": times}))
            .await
    }

    /// The next `times` calls to `path` lose their connection without an answer.
    pub async fn drop(&self, path: &str, times: u32) -> Result<Vec<SetFault>, ControlError> {
        self.add(&json!({"path": path, "drop": true, "times": times}))
            .await
    }

    /// Adds a fault written as the contract's JSON (to combine a delay with an errcode, or to
    /// target one listener with `"listener": "api2"`); the faults still pending.
    pub async fn add(&self, fault: &Value) -> Result<Vec<SetFault>, ControlError> {
        self.0.post("/sandbox/faults", fault).await
    }

    /// The faults still pending.
    pub async fn list(&self) -> Result<Vec<SetFault>, ControlError> {
        self.0.get("/sandbox/faults").await
    }

    /// Removes every pending fault.
    pub async fn clear(&self) -> Result<(), ControlError> {
        self.0
            .send::<Value>(reqwest::Method::DELETE, "/sandbox/faults", None)
            .await
            .map(drop)
    }
}
