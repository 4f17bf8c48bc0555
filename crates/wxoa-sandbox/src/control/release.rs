//! The typed client of the 全网发布 release test (`POST /sandbox/component/release-test`):
//! what a run is asked to do, and its per-case report.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Control, ControlError};

/// What a release-test run is asked to do (default: a test account picked at random, a
/// 10-second window for the API case's customer-service message, no legacy event case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReleaseTestOptions {
    /// The test account to use: one of the five the platform tests with.
    pub authorizer: Option<String>,
    /// How long the API case waits for `<code>_from_api` after its push was answered (at
    /// most 120 s).
    pub window: Option<Duration>,
    /// Whether the legacy event case (`LOCATIONfrom_callback`) runs.
    pub legacy_event: bool,
}

impl ReleaseTestOptions {
    /// Uses this test account (e.g. `wx570bc396a51b8ff8`).
    pub fn authorizer(mut self, app_id: impl Into<String>) -> Self {
        self.authorizer = Some(app_id.into());
        self
    }

    /// Waits this long for the API case's customer-service message.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = Some(window);
        self
    }

    /// Runs the legacy event case too.
    pub fn legacy_event(mut self, yes: bool) -> Self {
        self.legacy_event = yes;
        self
    }

    fn body(&self) -> Value {
        let mut body = Map::new();
        if let Some(app_id) = &self.authorizer {
            body.insert("authorizer_appid".into(), Value::from(app_id.as_str()));
        }
        if let Some(window) = self.window {
            let ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
            body.insert("window_ms".into(), Value::from(ms));
        }
        body.insert("legacy_event".into(), Value::from(self.legacy_event));
        Value::Object(body)
    }
}

/// One case of a run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ReleaseCase {
    /// `ticket`, `authorization`, `passive_text`, `api_text`, `event` or `unauthorization`.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed, or what passed.
    pub reason: String,
}

/// A run's report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ReleaseReport {
    /// Whether every case passed.
    pub passed: bool,
    /// The test account used.
    pub authorizer_appid: String,
    /// Its original id (`gh_…`), the pushes' `ToUserName`.
    pub original_id: String,
    /// The cases, in the order they ran.
    pub cases: Vec<ReleaseCase>,
}

impl ReleaseReport {
    /// The case called `name`.
    pub fn case(&self, name: &str) -> Option<&ReleaseCase> {
        self.cases.iter().find(|c| c.name == name)
    }

    /// The cases that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ReleaseCase> {
        self.cases.iter().filter(|c| !c.passed)
    }
}

impl Control {
    /// `POST /sandbox/component/release-test`: runs the 全网发布 test against the component's
    /// URLs — a test account authorizes, the ticket, passive-text and API cases run (and the
    /// legacy event case when asked), the account revokes — and answers the report. Refused
    /// (409) while another run is going on.
    pub async fn release_test(
        &self,
        options: &ReleaseTestOptions,
    ) -> Result<ReleaseReport, ControlError> {
        self.post("/sandbox/component/release-test", &options.body())
            .await
    }
}
