//! Pushes to the third-party platform's authorization-event URL (spec open-platform.md §2,
//! §11): the ticket every `ticket_interval` virtual seconds (at start, when the clock is moved
//! past the due time, and at once for `api_start_push_ticket`) and the authorization changes,
//! each signed with the component's Token, encrypted with its key, the component's AppID in
//! the frame; the body `<xml><AppId/><Encrypt/></xml>`. Only a plain `success` counts as
//! delivered; anything else is retried up to the push deliveries. Each push is kept in a
//! bounded log (`GET /sandbox/component/events`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use wxoa_crypto::{MsgCrypt, msg_signature, random_nonce, signature};
use wxoa_types::secret::mask_url_password;
use wxoa_types::xml::write_cdata_element;

use crate::log::Attempt;
use crate::platform::component::config::Component;
use crate::platform::component::events::{self, PlatformEvent};
use crate::shared::{Shared, lock};

/// Pushes the event log keeps (the oldest are forgotten first).
const KEPT: usize = 1_000;

/// How often the ticket clock is looked at in real time.
const TICK: Duration = Duration::from_millis(500);

/// A push to the authorization-event URL and what came of it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventRecord {
    pub(crate) id: u64,
    pub(crate) at: i64,
    pub(crate) info_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) authorizer: Option<String>,
    /// The plaintext XML.
    pub(crate) xml: String,
    /// `delivered`, `failed`, or `no_url` (no authorization-event URL configured).
    pub(crate) outcome: &'static str,
    pub(crate) attempts: Vec<Attempt>,
    /// The last answer's body.
    pub(crate) raw: Option<String>,
    pub(crate) error: Option<String>,
}

/// The pushes to the authorization-event URL, oldest first, bounded.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    records: VecDeque<EventRecord>,
    next_id: u64,
}

impl EventLog {
    fn add(&mut self, mut record: EventRecord) -> EventRecord {
        self.next_id += 1;
        record.id = self.next_id;
        if self.records.len() >= KEPT {
            self.records.pop_front();
        }
        self.records.push_back(record.clone());
        record
    }

    /// The pushes after id `after`, of `info_type` when given, oldest first.
    pub(crate) fn list(&self, after: u64, info_type: Option<&str>) -> Vec<EventRecord> {
        self.records
            .iter()
            .filter(|r| r.id > after && info_type.is_none_or(|t| t == r.info_type))
            .cloned()
            .collect()
    }
}

/// Delivers one event to the component's authorization-event URL and logs it.
pub(crate) async fn deliver(
    shared: &Shared,
    component: &Component,
    event: PlatformEvent,
) -> EventRecord {
    let at = shared.clock.now();
    let mut record = EventRecord {
        id: 0,
        at,
        info_type: event.info_type,
        authorizer: event.authorizer.clone(),
        xml: event.xml.clone(),
        outcome: "failed",
        attempts: Vec::new(),
        raw: None,
        error: None,
    };
    match &component.auth_url {
        None => record.outcome = "no_url",
        Some(url) => send_event(shared, component, url, &event, &mut record).await,
    }
    lock(&shared.events).add(record)
}

async fn send_event(
    shared: &Shared,
    component: &Component,
    base: &str,
    event: &PlatformEvent,
    record: &mut EventRecord,
) {
    let sealed = MsgCrypt::new(
        component.token.as_str(),
        &component.aes_key,
        component.app_id.as_str(),
    )
    .and_then(|crypt| crypt.encrypt(event.xml.as_bytes()));
    let encrypt = match sealed {
        Ok(encrypt) => encrypt,
        Err(e) => {
            record.error = Some(format!("encryption: {e}"));
            return;
        }
    };
    let timestamp = record.at.to_string();
    let nonce = random_nonce();
    let token = component.token.as_str();
    let mut url = match url::Url::parse(base) {
        Ok(url) => url,
        Err(e) => {
            record.error = Some(format!("authorization-event URL: {e}"));
            return;
        }
    };
    let shown = mask_url_password(url.as_str()).into_owned();
    url.query_pairs_mut()
        .append_pair("signature", signature(token, &timestamp, &nonce).as_str())
        .append_pair("timestamp", &timestamp)
        .append_pair("nonce", &nonce)
        .append_pair("encrypt_type", "aes")
        .append_pair(
            "msg_signature",
            msg_signature(token, &timestamp, &nonce, &encrypt).as_str(),
        );
    let mut body = String::with_capacity(encrypt.len() + 96);
    body.push_str("<xml>");
    write_cdata_element(&mut body, "AppId", &component.app_id);
    write_cdata_element(&mut body, "Encrypt", &encrypt);
    body.push_str("</xml>");
    for _ in 0..shared.settings.push_deliveries.max(1) {
        let started = Instant::now();
        let mut attempt = Attempt {
            at: shared.clock.now(),
            url: shown.clone(),
            elapsed_ms: 0,
            status: None,
            error: None,
        };
        let answer = crate::push::send(shared, url.clone(), body.clone()).await;
        attempt.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match answer {
            Ok((status, raw)) => {
                attempt.status = Some(status);
                let accepted = status == 200 && raw.trim() == "success";
                if !accepted {
                    attempt.error = Some(if status == 200 {
                        format!("the answer is not `success`: {:?}", cut(&raw))
                    } else {
                        format!("HTTP status {status}")
                    });
                }
                record.raw = Some(raw);
                record.error.clone_from(&attempt.error);
                record.attempts.push(attempt);
                if accepted {
                    record.outcome = "delivered";
                    return;
                }
            }
            Err(reason) => {
                attempt.error = Some(reason.clone());
                record.error = Some(reason);
                record.attempts.push(attempt);
            }
        }
    }
}

fn cut(raw: &str) -> &str {
    let end = raw.char_indices().nth(200).map_or(raw.len(), |(i, _)| i);
    raw.get(..end).unwrap_or(raw)
}

/// Pushes a new ticket when one is due (`force`: at once); the record of the push, if any.
pub(crate) async fn push_due_ticket(shared: &Shared, force: bool) -> Option<EventRecord> {
    let component = shared.settings.component.as_ref()?;
    let now = shared.clock.now();
    let ticket = shared.state().due_ticket(&component.rules, now, force)?;
    shared.touch();
    let event = events::ticket(&component.app_id, ticket.at, &ticket.value);
    Some(deliver(shared, component, event).await)
}

/// Pushes tickets as they fall due on the virtual clock, until shutdown.
pub(crate) async fn ticket_loop(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        push_due_ticket(&shared, false).await;
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
    }
}
