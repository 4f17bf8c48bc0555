//! The component's credentials: the verify ticket it is pushed, its `component_access_token`,
//! and each authorizer's refresh token and access token — where each is kept and how each is
//! renewed without bursts (the process's and the fleet's pace), without losing a refresh token,
//! and once per fleet. Rebuilding lost refresh tokens is `recovery.rs`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{Semaphore, SemaphorePermit};
use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use super::recovery::recovered;
use super::{Component, ComponentError, ComponentSettings};
use crate::client::Role;
use crate::error::{ConfigError, Error, Result};
use crate::token::{Token, TokenKey, TokenKind, now_ms};
use crate::{ApiRequest, Client};

/// The longest token, ticket or refresh token accepted.
const MAX_VALUE_LEN: usize = 4096;
/// How close to the end of a second a refresh counts in the next one (the fleet's rate bound).
const SECOND_EDGE_MS: u64 = 25;
/// A refresh token has no expiry while the account stays authorized: it is kept for a century.
const RECORD_LIFETIME_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// What the process keeps for a component: its settings, the pace of authorizer refreshes, the
/// last ticket it received (used when the store cannot be read), and when it last asked for a
/// ticket or rebuilt refresh tokens.
#[derive(Debug)]
pub(crate) struct ComponentState {
    pub(super) settings: ComponentSettings,
    refreshes: Semaphore,
    /// When the next refresh may start, in Unix microseconds.
    next_refresh_us: Mutex<u64>,
    last_ticket: Mutex<Option<Token>>,
    push_requested_ms: AtomicU64,
    /// Held while refresh tokens are rebuilt from the authorizer list: one rebuild at a time.
    pub(super) recovery: tokio::sync::Mutex<u64>,
    /// Authorizer tokens this process fetched, and refreshes it held back for the fleet's
    /// rate bound.
    pub(super) refreshed: Counter,
    pub(super) throttled: Counter,
    /// The second of the fleet's refresh counter this process last counted in, and the
    /// highest count the store answered it for that second.
    tallied: Mutex<(u64, u64)>,
    /// Rebuilds of refresh tokens from the authorizer list, whoever asked.
    pub(super) rebuilds: Counter,
}

impl Default for ComponentState {
    fn default() -> Self {
        Self::new(ComponentSettings::default())
    }
}

impl ComponentState {
    pub(crate) fn new(settings: ComponentSettings) -> Self {
        Self {
            settings,
            refreshes: Semaphore::new(settings.refresh_concurrency.max(1)),
            next_refresh_us: Mutex::new(0),
            last_ticket: Mutex::new(None),
            push_requested_ms: AtomicU64::new(0),
            recovery: tokio::sync::Mutex::new(0),
            refreshed: Counter::default(),
            throttled: Counter::default(),
            tallied: Mutex::new((0, 0)),
            rebuilds: Counter::default(),
        }
    }

    /// A permit to refresh an authorizer: at most `refresh_concurrency` at once in the process,
    /// started at most `refreshes_per_second` a second by the process and — through the
    /// store's counter of the second — by every process sharing the store. (The semaphore is
    /// never closed, so the permit is always there.)
    async fn pace(&self, component: &Client) -> Option<SemaphorePermit<'_>> {
        let permit = self.refreshes.acquire().await.ok();
        let interval_us = 1_000_000 / u64::from(self.settings.refreshes_per_second.max(1));
        let wait_us = {
            let mut next = self
                .next_refresh_us
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let now = now_ms().saturating_mul(1000);
            let at = (*next).max(now);
            *next = at.saturating_add(interval_us);
            at - now
        };
        if wait_us > 0 {
            tokio::time::sleep(Duration::from_micros(wait_us)).await;
        }
        self.fleet_slot(component).await;
        permit
    }

    /// Waits for a refresh slot of the current second in the store's counter, shared by every
    /// process of the component: at most `refreshes_per_second` in any second. A store without
    /// counters (or failing) leaves the process's own bound alone in force.
    async fn fleet_slot(&self, component: &Client) {
        let counter = format!("{}:authorizer_refreshes", component.app_id());
        let limit = u64::from(self.settings.refreshes_per_second.max(1));
        loop {
            let mut now = now_ms();
            // A refresh started in the last moments of a second reaches the platform in the
            // next one: it counts there.
            if now % 1000 >= 1000 - SECOND_EDGE_MS {
                tokio::time::sleep(Duration::from_millis(1000 - now % 1000)).await;
                now = now_ms();
            }
            let second = now / 1000;
            // A store that lost the second's count (a flushed Redis) resumes from the highest
            // count this process saw, rather than granting the whole second again.
            let seen = match *self.tallied.lock().unwrap_or_else(|e| e.into_inner()) {
                (counted_in, seen) if counted_in == second => seen,
                _ => 0,
            };
            let answered = component.store().tally(&counter, second, seen).await;
            if let Ok(counted) = answered {
                let mut tallied = self.tallied.lock().unwrap_or_else(|e| e.into_inner());
                if tallied.0 != second {
                    *tallied = (second, 0);
                }
                tallied.1 = tallied.1.max(counted);
            }
            match answered {
                Ok(counted) if counted <= limit => return,
                Ok(_) => {
                    self.throttled.inc();
                    let next_second = 1000 - now % 1000;
                    let spread = crate::token::jitter(Duration::from_millis(50));
                    tokio::time::sleep(Duration::from_millis(next_second) + spread).await;
                }
                Err(error) => {
                    tracing::debug!(component = %component.app_id(), %error, "no fleet-wide refresh counter; the process's own rate bound applies");
                    return;
                }
            }
        }
    }

    /// Whether it is time to ask again (a ticket push, a rebuild), recording that it is asked.
    fn due(&self, last: &AtomicU64) -> bool {
        let now = now_ms();
        let interval = u64::try_from(self.settings.retry_interval.as_millis()).unwrap_or(u64::MAX);
        let previous = last.load(Ordering::Relaxed);
        previous.saturating_add(interval) <= now
            && last
                .compare_exchange(previous, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}

fn ticket_key(component: &AppId) -> TokenKey {
    TokenKey::new(component.clone(), TokenKind::VerifyTicket)
}

pub(super) fn refresh_key(component: &AppId, authorizer: &str) -> TokenKey {
    TokenKey::new(authorizer, TokenKind::RefreshToken).through(component.clone())
}

pub(super) fn access_key(component: &AppId, authorizer: &str) -> TokenKey {
    TokenKey::new(authorizer, TokenKind::AccessToken).through(component.clone())
}

/// A value the platform answered: present, not empty, not absurdly long.
pub(super) fn checked(path: &str, field: &str, value: Option<String>) -> Result<Secret> {
    match value {
        Some(value) if !value.is_empty() && value.len() <= MAX_VALUE_LEN => Ok(Secret::new(value)),
        _ => Err(Error::Decode {
            path: path.to_owned(),
            field: field.to_owned(),
            body: String::new(),
            source: <serde_json::Error as serde::de::Error>::custom(
                "missing, empty or over 4096 bytes",
            ),
        }),
    }
}

/// A token that lives `expires_in` seconds from now (the platform's 7200 when it answers
/// none, bounded to a week).
pub(super) fn token_for(value: Secret, expires_in: u64) -> Token {
    let expires_in = if expires_in == 0 { 7200 } else { expires_in };
    Token::fresh(value, Duration::from_secs(expires_in.min(7 * 24 * 3600)))
}

impl Component {
    /// Stores a `component_verify_ticket` pushed at `create_time` (Unix seconds): in the store,
    /// for every instance, unless a later one is there, and in the process.
    pub async fn store_ticket(&self, ticket: Secret, create_time: u64) -> Result<()> {
        crate::api::support::bytes_between(
            "ComponentVerifyTicket",
            ticket.expose(),
            MAX_VALUE_LEN,
        )?;
        let pushed_ms = create_time.saturating_mul(1000).min(now_ms());
        let lifetime_ms =
            u64::try_from(self.state.settings.ticket_lifetime.as_millis()).unwrap_or(u64::MAX);
        let token = Token::new(ticket, pushed_ms, pushed_ms.saturating_add(lifetime_ms));
        {
            let mut last = self
                .state
                .last_ticket
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if last
                .as_ref()
                .is_none_or(|held| held.fetched_at_ms() <= token.fetched_at_ms())
            {
                *last = Some(token.clone());
            }
        }
        self.client
            .store()
            .put(&ticket_key(self.app_id()), &token)
            .await
            .map_err(|source| ComponentError::Store {
                kind: TokenKind::VerifyTicket,
                source,
            })?;
        tracing::debug!(component = %self.app_id(), "component_verify_ticket stored");
        Ok(())
    }

    /// The latest ticket known: the store's, or this process's when the store cannot be read.
    pub async fn ticket(&self) -> Result<Option<Token>> {
        latest_ticket(&self.client, &self.state).await
    }

    /// `POST /cgi-bin/component/api_start_push_ticket`: asks the platform to push a ticket now
    /// (when none is known, on a cold start). Answers with the platform's message (`ok`, or
    /// `in a normal state` when pushes were already running).
    pub async fn start_push_ticket(&self) -> Result<String> {
        start_push_ticket(&self.client).await
    }

    /// The component token (`component_access_token`).
    pub async fn access_token(&self) -> Result<Token> {
        self.client.access_token().await
    }

    /// Forgets an authorizer that withdrew its authorization: its refresh token is replaced by
    /// an empty record in the store (so no instance refreshes it again) and its handle is
    /// removed from the client.
    pub async fn revoke(&self, authorizer: &str) -> Result<()> {
        let now = now_ms();
        let tombstone = Token::new("", now, now);
        let stored = self
            .client
            .store()
            .put(&refresh_key(self.app_id(), authorizer), &tombstone)
            .await;
        self.client.remove_account(authorizer);
        stored.map_err(|source| {
            ComponentError::Store {
                kind: TokenKind::RefreshToken,
                source,
            }
            .into()
        })
    }
}

async fn latest_ticket(component: &Client, state: &ComponentState) -> Result<Option<Token>> {
    let local = state
        .last_ticket
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let stored = match component.store().get(&ticket_key(component.app_id())).await {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(component = %component.app_id(), %error, "cannot read the verify ticket from the store; using this process's");
            None
        }
    };
    Ok(match (stored, local) {
        (Some(a), Some(b)) if b.fetched_at_ms() > a.fetched_at_ms() => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    })
}

async fn start_push_ticket(component: &Client) -> Result<String> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        errmsg: String,
    }
    let secret = component.app_secret().ok_or_else(|| {
        Error::Config(ConfigError::NoAppSecret {
            app_id: component.app_id().clone(),
        })
    })?;
    let body = json!({
        "component_appid": component.app_id(),
        "component_secret": secret.expose(),
    });
    let request = ApiRequest::post("/cgi-bin/component/api_start_push_ticket")
        .json(&body)?
        .without_token()
        .idempotent(true);
    let answer: Answer = component.execute(request).await?;
    Ok(answer.errmsg)
}

/// Asks for a ticket push unless one was asked within the retry interval (best effort).
async fn request_push(component: &Client, state: &ComponentState) {
    if !state.due(&state.push_requested_ms) {
        return;
    }
    match start_push_ticket(component).await {
        Ok(message) => {
            tracing::info!(component = %component.app_id(), message, "asked the platform to push a component_verify_ticket");
        }
        Err(error) => {
            tracing::warn!(component = %component.app_id(), %error, "asking the platform to push a component_verify_ticket failed");
        }
    }
}

/// Fetches the component token with the latest ticket (`api_component_token`).
pub(crate) async fn fetch_component_token(
    component: &Client,
    state: &ComponentState,
) -> Result<Token> {
    const PATH: &str = "/cgi-bin/component/api_component_token";
    #[derive(Deserialize)]
    struct Answer {
        component_access_token: Option<String>,
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        expires_in: u64,
    }
    let app_id = component.app_id();
    let secret = component.app_secret().ok_or_else(|| {
        Error::Config(ConfigError::NoAppSecret {
            app_id: app_id.clone(),
        })
    })?;
    let now = now_ms();
    let ticket = match latest_ticket(component, state).await? {
        Some(ticket) if ticket.expires_at_ms() > now => ticket,
        Some(ticket) => {
            request_push(component, state).await;
            return Err(ComponentError::VerifyTicketExpired {
                component: app_id.clone(),
                age: Duration::from_millis(now.saturating_sub(ticket.fetched_at_ms())),
            }
            .into());
        }
        None => {
            request_push(component, state).await;
            return Err(ComponentError::NoVerifyTicket {
                component: app_id.clone(),
            }
            .into());
        }
    };
    let body = json!({
        "component_appid": app_id,
        "component_appsecret": secret.expose(),
        "component_verify_ticket": ticket.expose(),
    });
    let request = ApiRequest::post(PATH)
        .json(&body)?
        .without_token()
        .idempotent(true);
    let answer: Answer = match component.execute(request).await {
        Ok(answer) => answer,
        Err(error) => {
            // 61005 expired, 61006 invalid: a new ticket is needed.
            if matches!(error.code().map(|c| c.code()), Some(61005 | 61006)) {
                request_push(component, state).await;
            }
            return Err(error);
        }
    };
    let value = checked(
        PATH,
        "component_access_token",
        answer.component_access_token,
    )?;
    Ok(token_for(value, answer.expires_in))
}

/// The refresh token of `authorizer` in the store: `None` when absent or revoked.
pub(super) async fn stored_refresh_token(component: &Client, authorizer: &str) -> Option<Secret> {
    match component
        .store()
        .get(&refresh_key(component.app_id(), authorizer))
        .await
    {
        Ok(Some(record)) if !record.expose().is_empty() => Some(record.secret().clone()),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(component = %component.app_id(), authorizer, %error, "cannot read a refresh token from the store");
            None
        }
    }
}

/// Writes a refresh token durably; a failure is logged and returned.
pub(super) async fn keep_refresh_token(
    component: &Client,
    authorizer: &str,
    refresh: &Secret,
) -> Result<()> {
    let now = now_ms();
    let record = Token::new(refresh.clone(), now, now.saturating_add(RECORD_LIFETIME_MS));
    component
        .store()
        .put(&refresh_key(component.app_id(), authorizer), &record)
        .await
        .map_err(|source| {
            tracing::error!(component = %component.app_id(), authorizer, error = %source, "cannot write a refresh token to the store");
            ComponentError::Store {
                kind: TokenKind::RefreshToken,
                source,
            }
            .into()
        })
}

/// Puts an authorizer's access token in the store, where its handle finds it.
pub(super) async fn keep_access_token(component: &Client, authorizer: &str, token: &Token) {
    if let Err(error) = component
        .store()
        .put(&access_key(component.app_id(), authorizer), token)
        .await
    {
        tracing::warn!(component = %component.app_id(), authorizer, %error, "cannot write an authorizer token to the store");
    }
}

/// Refreshes an authorizer's access token with its refresh token (`api_authorizer_token`),
/// writing the refresh token the platform answers before anything else.
pub(crate) async fn fetch_authorizer_token(
    authorizer: &Client,
    component: &AppId,
) -> Result<Token> {
    let component = authorizer.for_account(component.as_str())?;
    let Role::Component(state) = component.role() else {
        return Err(ComponentError::NotAComponent {
            app_id: component.app_id().clone(),
        }
        .into());
    };
    let _permit = state.pace(&component).await;
    let appid = authorizer.app_id().as_str();
    let mut refresh = match stored_refresh_token(&component, appid).await {
        Some(refresh) => refresh,
        None => recovered(&component, state, appid, None).await?,
    };
    let mut retried = false;
    loop {
        match exchange_refresh_token(&component, appid, &refresh).await {
            Ok((token, answered)) => {
                state.refreshed.inc();
                if answered.expose() != refresh.expose() {
                    keep_refresh_token(&component, appid, &answered).await?;
                }
                return Ok(token);
            }
            // 61023: the refresh token is stale (rotated by a re-authorization) — another
            // instance may hold the new one, or the authorizer list has it. Once.
            Err(error) if error.code().map(|c| c.code()) == Some(61023) && !retried => {
                retried = true;
                let newer = match stored_refresh_token(&component, appid).await {
                    Some(stored) if stored.expose() != refresh.expose() => Some(stored),
                    _ => recovered(&component, state, appid, Some(&refresh))
                        .await
                        .ok(),
                };
                match newer {
                    Some(newer) if newer.expose() != refresh.expose() => refresh = newer,
                    _ => return Err(error),
                }
            }
            Err(error) => return Err(error),
        }
    }
}

async fn exchange_refresh_token(
    component: &Client,
    authorizer: &str,
    refresh: &Secret,
) -> Result<(Token, Secret)> {
    const PATH: &str = "/cgi-bin/component/api_authorizer_token";
    #[derive(Deserialize)]
    struct Answer {
        authorizer_access_token: Option<String>,
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        expires_in: u64,
        authorizer_refresh_token: Option<String>,
    }
    let body = json!({
        "component_appid": component.app_id(),
        "authorizer_appid": authorizer,
        "authorizer_refresh_token": refresh.expose(),
    });
    let request = ApiRequest::post(PATH).json(&body)?.idempotent(true);
    let answer: Answer = component.execute(request).await?;
    let token = token_for(
        checked(
            PATH,
            "authorizer_access_token",
            answer.authorizer_access_token,
        )?,
        answer.expires_in,
    );
    // The platform normally answers the same refresh token; keep whatever it answers.
    let answered = match answer.authorizer_refresh_token {
        Some(value) if !value.is_empty() => checked(PATH, "authorizer_refresh_token", Some(value))?,
        _ => refresh.clone(),
    };
    Ok((token, answered))
}
