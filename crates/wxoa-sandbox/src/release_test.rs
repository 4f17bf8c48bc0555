//! The 全网发布 release test run against the component's live URLs (spec open-platform.md §9,
//! §11): one of the five test accounts (or the one asked for) is authorized with a fresh
//! `queryauthcode@@@…` code, then the cases run in order — a ticket push; the text
//! `TESTCOMPONENT_MSG_TYPE_TEXT`, answered by the passive text
//! `TESTCOMPONENT_MSG_TYPE_TEXT_callback`; the text `QUERY_AUTH_CODE:<code>`, answered empty
//! within 5 s and followed, within the window, by the customer-service text
//! `<code>_from_api` to its sender (sent with the authorizer's token, so it reaches that
//! account's follower); optionally the legacy location event, answered `LOCATIONfrom_callback`
//! — and the account finally revokes (`unauthorized`). Every push goes through the sandbox's
//! usual paths (event log, push log, inboxes), so the console shows the run. What each case
//! expects is `platform::component::release`.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::event_push::{deliver, push_due_ticket};
use crate::platform::component::OA_FUNC_IDS;
use crate::platform::component::config::Component;
use crate::platform::component::events;
use crate::platform::component::release::{
    CaseReport, LEGACY_EVENT, QUERY_AUTH_PREFIX, TEST_ACCOUNTS, TEST_TEXT, judge_custom,
    judge_empty, judge_event, judge_passive, legacy_event_fields, test_account, text_fields,
};
use crate::push::push;
use crate::shared::Shared;

/// How often the sender's inbox is read while the API case waits for its message.
const POLL: Duration = Duration::from_millis(20);

/// Longest window a run may be given for the API case's customer-service message.
pub(crate) const MAX_WINDOW: Duration = Duration::from_secs(120);

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct ReleaseOptions {
    /// The test account to use (one of the five); `None` picks one at random.
    pub(crate) authorizer: Option<String>,
    /// How long the API case waits for the customer-service message after the push was
    /// answered.
    pub(crate) window: Duration,
    /// Whether the legacy event case runs.
    pub(crate) legacy_event: bool,
}

/// A run's report (`POST /sandbox/component/release-test`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReleaseReport {
    /// Whether every case passed.
    pub(crate) passed: bool,
    pub(crate) authorizer_appid: String,
    pub(crate) original_id: String,
    pub(crate) cases: Vec<CaseReport>,
}

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReleaseRefusal {
    #[error("{0} is not one of the release test's official accounts")]
    NotATestAccount(String),
    #[error("a release test is already running")]
    Running,
}

/// Clears the running flag when the run ends, however it ends.
struct Running<'s>(&'s Shared);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.release_running.store(false, Ordering::Release);
    }
}

/// Runs the release test once (one at a time per sandbox).
pub(crate) async fn run(
    shared: &Shared,
    component: &Component,
    options: &ReleaseOptions,
) -> Result<ReleaseReport, ReleaseRefusal> {
    let app_id = match &options.authorizer {
        Some(app_id) => app_id.clone(),
        None => {
            let pick = rand::random::<usize>() % TEST_ACCOUNTS.len();
            TEST_ACCOUNTS.get(pick).map_or("", |(id, _)| *id).to_owned()
        }
    };
    let config =
        test_account(&app_id).ok_or_else(|| ReleaseRefusal::NotATestAccount(app_id.clone()))?;
    if shared.release_running.swap(true, Ordering::AcqRel) {
        return Err(ReleaseRefusal::Running);
    }
    let _running = Running(shared);
    let mut cases = Vec::new();

    // The platform pushes a ticket when 全网发布 is pressed.
    let ticket = match push_due_ticket(shared, true).await {
        Some(record) => judge_event(&record),
        None => Err("the sandbox plays no component".to_owned()),
    };
    cases.push(CaseReport::of("ticket", ticket));

    // The test account authorizes the component with every set of an official account.
    let now = shared.clock.now();
    let (consent, tester) = {
        let mut state = shared.state();
        let seed = state.accounts.first().map_or(0, |a| a.seed);
        state.add_missing(std::slice::from_ref(&config), 0, seed);
        if state.component.current(&app_id).is_some() {
            // Left authorized by an earlier run that did not finish: start afresh.
            let _ = state.revoke(&app_id, now);
        }
        let consent = state.consent(&app_id, OA_FUNC_IDS, None, &component.rules, now);
        let tester = state
            .account(&app_id)
            .map(|a| a.codec.derived(b"wxoa-sandbox release tester"));
        (consent, tester)
    };
    shared.touch();
    let (Ok(consent), Some(tester)) = (consent, tester) else {
        cases.push(CaseReport::of(
            "authorization",
            Err("the test account could not authorize".to_owned()),
        ));
        return Ok(report(&config.app_id, &config.original_id, cases));
    };
    let event = events::authorization(
        &component.app_id,
        "authorized",
        now,
        &app_id,
        &consent.auth_code,
        now.saturating_add(consent.expires_in),
        &consent.pre_auth_code,
    );
    let authorized = deliver(shared, component, event).await;
    cases.push(CaseReport::of("authorization", judge_event(&authorized)));

    let has_message_url = component.message_url.is_some();
    let no_url = || Err("the component has no message URL".to_owned());
    let passive = if has_message_url {
        let callback = format!("{TEST_TEXT}_callback");
        send(shared, &app_id, &tester, text_fields(TEST_TEXT))
            .await
            .and_then(|record| judge_passive(&record, &callback))
    } else {
        no_url()
    };
    cases.push(CaseReport::of("passive_text", passive));

    let api = if has_message_url {
        api_case(shared, &app_id, &tester, &consent.auth_code, options.window).await
    } else {
        no_url()
    };
    cases.push(CaseReport::of("api_text", api));

    if options.legacy_event {
        let event = if has_message_url {
            let expected = format!("{LEGACY_EVENT}from_callback");
            send(shared, &app_id, &tester, legacy_event_fields())
                .await
                .and_then(|record| judge_passive(&record, &expected))
        } else {
            no_url()
        };
        cases.push(CaseReport::of("event", event));
    }

    // The test account revokes at the end.
    let now = shared.clock.now();
    let revoked = shared.state().revoke(&app_id, now);
    shared.touch();
    let unauthorized = match revoked {
        Ok(()) => {
            let event = events::unauthorized(&component.app_id, now, &app_id);
            judge_event(&deliver(shared, component, event).await)
        }
        Err(refusal) => Err(refusal.to_string()),
    };
    cases.push(CaseReport::of("unauthorization", unauthorized));
    Ok(report(&config.app_id, &config.original_id, cases))
}

fn report(app_id: &str, original_id: &str, cases: Vec<CaseReport>) -> ReleaseReport {
    ReleaseReport {
        passed: cases.iter().all(|c| c.passed),
        authorizer_appid: app_id.to_owned(),
        original_id: original_id.to_owned(),
        cases,
    }
}

/// The tester sends `fields` to the account; the push's record.
async fn send(
    shared: &Shared,
    app_id: &str,
    tester: &str,
    fields: Vec<(String, serde_json::Value)>,
) -> Result<crate::log::PushRecord, String> {
    let outgoing = {
        let now = shared.clock.now();
        let mut state = shared.state();
        let account = state
            .account_mut(app_id)
            .ok_or_else(|| "the test account is gone".to_owned())?;
        account
            .follower_sends(tester, fields, now)
            .map_err(|e| e.to_string())?
    };
    Ok(push(shared, outgoing).await)
}

/// The API case: `QUERY_AUTH_CODE:<code>` answered empty within 5 s, then the text
/// `<code>_from_api` to the tester within `window`.
async fn api_case(
    shared: &Shared,
    app_id: &str,
    tester: &str,
    code: &str,
    window: Duration,
) -> Result<String, String> {
    let text = format!("{QUERY_AUTH_PREFIX}{code}");
    let record = send(shared, app_id, tester, text_fields(&text)).await?;
    let answered_in = judge_empty(&record)?;
    let expected = format!("{code}_from_api");
    let started = Instant::now();
    loop {
        let inbox = shared
            .state()
            .account(app_id)
            .map(|a| a.inbox(tester))
            .unwrap_or_default();
        match judge_custom(&inbox, record.seq, &expected) {
            Some(Ok(())) => {
                return Ok(format!(
                    "answered empty in {answered_in} ms; the customer-service text came {} ms later",
                    started.elapsed().as_millis()
                ));
            }
            Some(Err(reason)) => return Err(reason),
            None if started.elapsed() >= window => {
                return Err(format!(
                    "answered empty in {answered_in} ms, but no customer-service message \
                     (message/custom/send) reached the sender within {} ms",
                    window.as_millis()
                ));
            }
            None => tokio::time::sleep(POLL).await,
        }
    }
}
