//! The typed client of the third-party platform's control endpoints
//! (`/sandbox/component/…`): an admin consents or revokes, a ticket is pushed at once, and
//! the component's state, its accounts and its pushes are read.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Control, ControlError};
use crate::log::Attempt;

/// The component the sandbox plays (`GET /sandbox/component`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ComponentState {
    /// The component's AppID.
    pub app_id: String,
    /// The authorization-event URL, if configured.
    pub auth_url: Option<String>,
    /// The message URL (with `$APPID$`), if configured.
    pub message_url: Option<String>,
    /// The latest ticket pushed (`ticket@@@…`).
    pub ticket: Option<String>,
    /// When it was pushed (virtual Unix seconds).
    pub ticket_at: Option<i64>,
    /// When the next ticket is due.
    pub next_ticket_at: i64,
    /// How many accounts have authorized the component now.
    pub authorized: u64,
    /// How many official accounts the sandbox plays.
    pub accounts: u64,
}

/// An official account and its authorization (`GET /sandbox/component/authorizers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerEntry {
    /// Its AppID.
    pub app_id: String,
    /// Its original id (`gh_…`).
    pub original_id: String,
    /// Its name.
    pub nick_name: String,
    /// Whether it has authorized the component now.
    pub authorized: bool,
    /// The permission sets granted, when authorized.
    pub func_ids: Option<Vec<u8>>,
    /// When it authorized.
    pub auth_time: Option<i64>,
}

/// A page of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Authorizers {
    /// How many official accounts the sandbox plays.
    pub total: u64,
    /// This page.
    pub authorizers: Vec<AuthorizerEntry>,
}

/// A push to the authorization-event URL (`GET /sandbox/component/events`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ComponentEvent {
    /// Its number in the event log.
    pub id: u64,
    /// When it was pushed (virtual Unix seconds).
    pub at: i64,
    /// `component_verify_ticket`, `authorized`, `updateauthorized` or `unauthorized`.
    pub info_type: String,
    /// The authorizer it is about.
    #[serde(default)]
    pub authorizer: Option<String>,
    /// The plaintext XML.
    pub xml: String,
    /// `delivered`, `failed` or `no_url`.
    pub outcome: String,
    /// Each delivery.
    pub attempts: Vec<Attempt>,
    /// The last answer's body.
    pub raw: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What an admin's consent did (`POST /sandbox/component/authorize`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Consented {
    /// The authorization code (the redirect's `auth_code`, the push's `AuthorizationCode`).
    pub auth_code: String,
    /// Its lifetime, seconds.
    pub expires_in: i64,
    /// The push it caused: `authorized`, `updateauthorized`, or none when nothing changed.
    pub info_type: Option<String>,
    /// `redirect_uri` with `auth_code` and `expires_in`, when a `redirect_uri` was given.
    pub redirect: Option<String>,
    /// The push and what came of it.
    pub push: Option<ComponentEvent>,
}

/// The authorizer tokens the platform issued in a window of virtual time, and the calls made
/// with expired ones (`GET /sandbox/component/refreshes`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Refreshes {
    /// The window, virtual Unix milliseconds.
    pub since_ms: i64,
    /// Its end.
    pub until_ms: i64,
    /// The token lifetime measured against, seconds.
    pub lifetime: i64,
    /// Accounts authorized now.
    pub authorizers: u64,
    /// `api_authorizer_token` refreshes in the window.
    pub refreshes: u64,
    /// Fewest tokens issued to one authorized account in the window.
    pub per_authorizer_min: u64,
    /// Most.
    pub per_authorizer_max: u64,
    /// Tokens whose whole lifetime lies in the window.
    pub tokens: u64,
    /// Fewest tokens issued to the same account during one such token's lifetime (1 and 1:
    /// every token replaced exactly once before it expired).
    pub per_lifetime_min: u64,
    /// Most.
    pub per_lifetime_max: u64,
    /// Tokens replaced more than once before they expired.
    #[serde(default)]
    pub replaced_twice: u64,
    /// Shortest time between two tokens of one account, milliseconds.
    pub gap_min_ms: i64,
    /// Longest.
    pub gap_max_ms: i64,
    /// Tokens that expired before the next one of their account was issued.
    pub lapsed: u64,
    /// The most refreshes in one virtual second.
    pub peak_per_second: u32,
    /// That second.
    pub peak_second: i64,
    /// API calls made with an expired authorizer token since the sandbox started.
    pub expired_calls: u64,
}

impl Refreshes {
    /// Whether the authorizers were kept: every token whose lifetime lies in the window was
    /// replaced exactly once before it expired, none lapsed, and no call used an expired one.
    #[must_use]
    pub fn kept_once_per_lifetime(&self) -> bool {
        self.tokens > 0
            && (self.per_lifetime_min, self.per_lifetime_max) == (1, 1)
            && self.lapsed == 0
            && self.expired_calls == 0
    }
}

/// Pushed by a revocation or a ticket request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Pushed {
    push: Option<ComponentEvent>,
}

impl Control {
    /// `GET /sandbox/component/refreshes`: the authorizer tokens issued between `since_ms`
    /// and `until_ms` (virtual Unix milliseconds; default from the start until now).
    pub async fn component_refreshes(
        &self,
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    ) -> Result<Refreshes, ControlError> {
        let mut query = Vec::new();
        if let Some(since) = since_ms {
            query.push(format!("since_ms={since}"));
        }
        if let Some(until) = until_ms {
            query.push(format!("until_ms={until}"));
        }
        self.get(&format!("/sandbox/component/refreshes?{}", query.join("&")))
            .await
    }

    /// The authorizer tokens issued while `period` passes, from now (two calls of
    /// [`Control::component_refreshes`] around a sleep).
    pub async fn component_refreshes_over(
        &self,
        period: std::time::Duration,
    ) -> Result<Refreshes, ControlError> {
        let since = self.component_refreshes(None, None).await?.until_ms;
        tokio::time::sleep(period).await;
        self.component_refreshes(Some(since), None).await
    }

    /// `GET /sandbox/component`: the component, its latest ticket, how many authorized it.
    pub async fn component(&self) -> Result<ComponentState, ControlError> {
        self.get("/sandbox/component").await
    }

    /// `GET /sandbox/component/authorizers`: a page of the official accounts the sandbox
    /// plays, with their authorization.
    pub async fn authorizers(
        &self,
        offset: u64,
        limit: usize,
    ) -> Result<Authorizers, ControlError> {
        self.get(&format!(
            "/sandbox/component/authorizers?offset={offset}&limit={limit}"
        ))
        .await
    }

    /// The AppIDs of the simulated official accounts that can authorize the component
    /// (`--authorizers N`): every account after the sandbox's own first one, in order.
    pub async fn simulated_accounts(&self) -> Result<Vec<String>, ControlError> {
        let first = self.authorizers(0, 1).await?;
        let total = usize::try_from(first.total).unwrap_or(usize::MAX);
        let mut ids = Vec::with_capacity(total);
        while ids.len() + 1 < total {
            let offset = u64::try_from(ids.len() + 1).unwrap_or(u64::MAX);
            let page = self.authorizers(offset, 200).await?;
            if page.authorizers.is_empty() {
                break;
            }
            ids.extend(page.authorizers.into_iter().map(|a| a.app_id));
        }
        Ok(ids)
    }

    /// `POST /sandbox/component/authorize`: the admin of `authorizer` consents to the
    /// permission sets `func_ids`, through the page of `pre_auth_code` when given; the
    /// authorization change is pushed before the answer.
    pub async fn authorize(
        &self,
        authorizer: &str,
        func_ids: &[u8],
        redirect_uri: Option<&str>,
        pre_auth_code: Option<&str>,
    ) -> Result<Consented, ControlError> {
        let mut body = json!({"authorizer_appid": authorizer, "func_ids": func_ids});
        if let (Some(map), Some(uri)) = (body.as_object_mut(), redirect_uri) {
            map.insert("redirect_uri".into(), Value::from(uri));
        }
        if let (Some(map), Some(code)) = (body.as_object_mut(), pre_auth_code) {
            map.insert("pre_auth_code".into(), Value::from(code));
        }
        self.post("/sandbox/component/authorize", &body).await
    }

    /// `POST /sandbox/component/revoke`: the admin of `authorizer` revokes; `unauthorized`
    /// is pushed before the answer.
    pub async fn revoke(&self, authorizer: &str) -> Result<ComponentEvent, ControlError> {
        let body = json!({"authorizer_appid": authorizer});
        self.pushed("/sandbox/component/revoke", &body).await
    }

    /// `POST /sandbox/component/ticket`: a new ticket pushed at once.
    pub async fn push_ticket(&self) -> Result<ComponentEvent, ControlError> {
        self.pushed("/sandbox/component/ticket", &json!({})).await
    }

    /// `GET /sandbox/component/events?after=ID`: the pushes to the authorization-event URL
    /// after `after`, oldest first.
    pub async fn component_events(&self, after: u64) -> Result<Vec<ComponentEvent>, ControlError> {
        self.get(&format!("/sandbox/component/events?after={after}"))
            .await
    }

    async fn pushed(&self, path: &str, body: &Value) -> Result<ComponentEvent, ControlError> {
        let pushed: Pushed = self.post(path, body).await?;
        pushed.push.ok_or_else(|| ControlError::Refused {
            method: "POST",
            path: path.to_owned(),
            status: 200,
            message: "the sandbox answered without a push".to_owned(),
        })
    }
}
