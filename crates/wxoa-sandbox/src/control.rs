//! The typed client of the control API (CONTRACT §4): what a test of code built on the platform
//! uses to make followers act, read what they received, move the clock and script faults —
//! against a sandbox in this process ([`Sandbox::control`](crate::Sandbox::control)) or one in
//! another process ([`Control::new`]). The answers' types are in `control/answers.rs`, the
//! clock's and the faults' handles in `control/clock.rs` and `control/faults.rs`.
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
mod clock;
mod component;
mod decisions;
mod faults;
mod release;
mod scripted;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use answers::{
    Account, Attempt, Call, CallsUsage, CardActivation, CardWhitelist, ClockReading,
    CommentedArticle, FaultOutcome, FollowerSubscriptions, Followers, FormPart, InboxItem,
    ListedAnswer, PushOutcome, PushResult, SetFault, ShownWebhook, SubscriptionConsent,
};
pub use clock::Clock;
pub use component::{
    AuthorizerEntry, Authorizers, ComponentEvent, ComponentState, Consented, Refreshes,
};
pub use faults::Faults;
pub use release::{ReleaseCase, ReleaseReport, ReleaseTestOptions};
pub use scripted::Scripted;

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

    /// `GET /sandbox/qrcode?ticket=T`: the image of a QR code the sandbox issued, as its
    /// `showqrcode` serves it.
    pub async fn qrcode_image(&self, ticket: &str) -> Result<Vec<u8>, ControlError> {
        let query = serde_urlencoded::to_string([("ticket", ticket)]).unwrap_or_default();
        let path = format!("/sandbox/qrcode?{query}");
        let image = self
            .send_for_bytes(reqwest::Method::GET, &path, None)
            .await?;
        Ok(image.to_vec())
    }

    /// `GET /sandbox/followers?limit=N&offset=M`: a page of the default account's followers.
    pub async fn followers(&self, limit: usize, offset: u64) -> Result<Followers, ControlError> {
        self.get(&format!("/sandbox/followers?limit={limit}&offset={offset}"))
            .await
    }

    /// `GET /sandbox/followers?app_id=A&limit=N&offset=M`: a page of the followers of the
    /// account `app_id` (the old account of a migration, say).
    pub async fn followers_of(
        &self,
        app_id: &str,
        limit: usize,
        offset: u64,
    ) -> Result<Followers, ControlError> {
        let query = serde_urlencoded::to_string([("app_id", app_id)]).unwrap_or_default();
        self.get(&format!(
            "/sandbox/followers?{query}&limit={limit}&offset={offset}"
        ))
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

    /// `GET /sandbox/articles/sent`: the default account's articles (sent or published),
    /// newest first, each with `msgid`, `title`, `url`, `sent`, `target_user`, `notified`.
    pub async fn sent_articles(&self) -> Result<Value, ControlError> {
        self.get("/sandbox/articles/sent").await
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

    /// `POST /sandbox/comments`: follower `from` writes `content` under the article at `index`
    /// of the news mass send or free publication that answered `msg_data_id`; the new
    /// comment's `user_comment_id`. Refused (HTTP 404) for an unknown article or OpenID, 409
    /// when the article takes no comments, 403 when only followers may comment and `from` does
    /// not follow, 400 for an empty or too long comment.
    pub async fn comment(
        &self,
        msg_data_id: u64,
        index: u32,
        from: &str,
        content: &str,
    ) -> Result<u64, ControlError> {
        #[derive(serde::Deserialize)]
        struct Written {
            user_comment_id: u64,
        }
        let body = json!({"msg_data_id": msg_data_id, "index": index, "from": from,
                          "content": content});
        let written: Written = self.post("/sandbox/comments", &body).await?;
        Ok(written.user_comment_id)
    }

    /// `POST /sandbox/comments/withdraw`: follower `from` deletes their comment
    /// `user_comment_id` (the account's calls about it then answer 88004).
    pub async fn withdraw_comment(
        &self,
        msg_data_id: u64,
        index: u32,
        from: &str,
        user_comment_id: u64,
    ) -> Result<(), ControlError> {
        let body = json!({"msg_data_id": msg_data_id, "index": index, "from": from,
                          "user_comment_id": user_comment_id});
        self.post::<Value>("/sandbox/comments/withdraw", &body)
            .await
            .map(drop)
    }

    /// `GET /sandbox/articles`: the default account's articles that comments can be about,
    /// newest first, each with whether it takes comments and how many it has.
    pub async fn articles(&self) -> Result<Vec<CommentedArticle>, ControlError> {
        self.get("/sandbox/articles").await
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

    /// How many calls to `path` the log holds (faults and dropped connections included).
    pub async fn count(&self, path: &str) -> Result<usize, ControlError> {
        Ok(self.calls(path).await?.len())
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

    /// Token fetches answered with a token (`stable_token` and `cgi-bin/token` calls answered
    /// without an error; errcodes, drops and error pages of faults excluded), from the calls
    /// log.
    pub async fn token_fetches(&self) -> Result<usize, ControlError> {
        let mut fetches = 0;
        for path in ["/cgi-bin/stable_token", "/cgi-bin/token"] {
            fetches += self
                .calls(path)
                .await?
                .iter()
                .filter(|c| answered(c))
                .count();
        }
        Ok(fetches)
    }

    /// The forced refreshes (`force_refresh: true`) among [`Control::token_fetches`].
    pub async fn forced_token_fetches(&self) -> Result<usize, ControlError> {
        Ok(self.stable_token_fetches().await?.1)
    }

    /// `stable_token` calls answered with a token: (normal, forced).
    pub async fn stable_token_fetches(&self) -> Result<(usize, usize), ControlError> {
        let calls = self.calls("/cgi-bin/stable_token").await?;
        let (forced, normal): (Vec<&Call>, Vec<&Call>) = calls
            .iter()
            .filter(|c| answered(c))
            .partition(|c| c.body.get("force_refresh") == Some(&Value::Bool(true)));
        Ok((normal.len(), forced.len()))
    }

    /// Ticket fetches answered with a ticket (`ticket/getticket`), from the calls log.
    pub async fn ticket_fetches(&self) -> Result<usize, ControlError> {
        let calls = self.calls("/cgi-bin/ticket/getticket").await?;
        Ok(calls.iter().filter(|c| answered(c)).count())
    }

    /// `POST /sandbox/tokens/revoke`: every access token issued so far stops working (40001),
    /// as when another party refreshed the token by force; the number of tokens ended.
    pub async fn revoke_tokens(&self) -> Result<u64, ControlError> {
        self.revoke_tokens_with(&json!({})).await
    }

    /// `POST /sandbox/tokens/revoke` for the account `app_id` only.
    pub async fn revoke_tokens_of(&self, app_id: &str) -> Result<u64, ControlError> {
        self.revoke_tokens_with(&json!({"app_id": app_id})).await
    }

    async fn revoke_tokens_with(&self, body: &Value) -> Result<u64, ControlError> {
        #[derive(serde::Deserialize)]
        struct Revoked {
            revoked: u64,
        }
        let revoked: Revoked = self.post("/sandbox/tokens/revoke", body).await?;
        Ok(revoked.revoked)
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

    /// `GET /sandbox/card-whitelist`: the default account's card test whitelist.
    pub async fn card_whitelist(&self) -> Result<CardWhitelist, ControlError> {
        self.get("/sandbox/card-whitelist").await
    }

    /// `POST /sandbox/card-activation`: follower `from` fills in the activation form of the
    /// member card whose `code` they hold (`fields`: a text, or a list of texts for a check
    /// box, by field name); answers the `activate_ticket` after the
    /// `submit_membercard_user_info` push.
    pub async fn card_activation(
        &self,
        from: &str,
        code: &str,
        fields: Value,
    ) -> Result<CardActivation, ControlError> {
        let body = json!({"from": from, "code": code, "fields": fields});
        self.post("/sandbox/card-activation", &body).await
    }

    /// `GET /sandbox/qrcodes`: the default account's live QR codes, newest first, as the
    /// sandbox shows them.
    pub async fn qrcodes(&self) -> Result<Value, ControlError> {
        self.get("/sandbox/qrcodes").await
    }

    /// `GET /sandbox/autoreply`: the default account's automatic replies, in the shape
    /// `get_current_autoreply_info` answers (both switches 0 and no rule on a fresh account).
    pub async fn autoreply(&self) -> Result<Value, ControlError> {
        self.get("/sandbox/autoreply").await
    }

    /// `PUT /sandbox/autoreply`: sets the default account's automatic replies, as the MP web
    /// console would, in the shape `get_current_autoreply_info` answers (`create_time` of a
    /// keyword rule defaults to now). Refused (400, naming the field) for values the console
    /// does not offer. Answers what was set.
    pub async fn set_autoreply(&self, rules: &Value) -> Result<Value, ControlError> {
        self.send(reqwest::Method::PUT, "/sandbox/autoreply", Some(rules))
            .await
    }

    /// `PUT /sandbox/autoreply?app_id=A`: [`set_autoreply`](Self::set_autoreply) for the
    /// account `app_id`.
    pub async fn set_autoreply_of(
        &self,
        app_id: &str,
        rules: &Value,
    ) -> Result<Value, ControlError> {
        let query = serde_urlencoded::to_string([("app_id", app_id)]).unwrap_or_default();
        self.send(
            reqwest::Method::PUT,
            &format!("/sandbox/autoreply?{query}"),
            Some(rules),
        )
        .await
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
        let bytes = self.send_for_bytes(method, path, body).await?;
        serde_json::from_slice(&bytes).map_err(|source| ControlError::Decode {
            method: name,
            path: path.to_owned(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            source,
        })
    }

    /// Sends a control request and returns the body of a successful answer as it came.
    async fn send_for_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, ControlError> {
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
        Ok(bytes)
    }
}

/// A call answered without an error (by the API, or by a scripted answer without one): not an
/// errcode, a dropped connection or an error page.
fn answered(call: &Call) -> bool {
    call.errcode == Some(0)
}

fn method_name(method: &reqwest::Method) -> &'static str {
    match *method {
        reqwest::Method::POST => "POST",
        reqwest::Method::PUT => "PUT",
        reqwest::Method::DELETE => "DELETE",
        _ => "GET",
    }
}
