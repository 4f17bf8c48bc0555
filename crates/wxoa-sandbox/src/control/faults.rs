//! The scripted faults' handle of the control client (`/sandbox/faults`): errcodes, delays,
//! dropped connections and scripted answers for the next calls to a path.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Control, ControlError, Scripted, SetFault};

/// The scripted faults of a sandbox (`/sandbox/faults`): the next calls to a path answer an
/// errcode, wait, lose their connection, or get a scripted answer. `times` is how many calls
/// a fault affects (`u32::MAX`: every call, in practice).
#[derive(Debug, Clone, Copy)]
pub struct Faults<'c>(pub(super) &'c Control);

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

    /// The next `times` token fetches (`stable_token` and `cgi-bin/token` alike) wait `delay`
    /// before being served: a slow token endpoint, to widen races in single-flight tests.
    pub async fn delay_token_fetches(
        &self,
        delay: Duration,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        self.delay("/cgi-bin/stable_token", delay, times).await?;
        self.delay("/cgi-bin/token", delay, times).await
    }

    /// The next `times` calls to `path` lose their connection without an answer.
    pub async fn drop(&self, path: &str, times: u32) -> Result<Vec<SetFault>, ControlError> {
        self.add(&json!({"path": path, "drop": true, "times": times}))
            .await
    }

    /// The next `times` calls to `path` answer HTTP `status` with an empty body.
    pub async fn status(
        &self,
        path: &str,
        status: u16,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        self.answer(path, &Scripted::status(status), times).await
    }

    /// The next `times` calls to `path` answer `body` as JSON (HTTP 200) in place of the API;
    /// a call's access token is still checked first.
    pub async fn json(
        &self,
        path: &str,
        body: Value,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        self.answer(path, &Scripted::json(body), times).await
    }

    /// The next `times` calls to `path` are refused with 40164 as coming from `ip`, outside the
    /// IP whitelist, in the platform's words (`invalid ip … ipv6 ::ffff:…, not in whitelist`):
    /// what a program shows its operator to whitelist. (An `errcode` fault of 40164 words it
    /// without an address.)
    pub async fn refuse_ip(
        &self,
        path: &str,
        ip: std::net::Ipv4Addr,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        let body = json!({
            "errcode": 40164,
            "errmsg": format!("invalid ip {ip} ipv6 ::ffff:{ip}, not in whitelist rid: 5f1d7c2a-0000-0000"),
        });
        self.json(path, body, times).await
    }

    /// The next `times` calls to `path` get `answer` — any status, headers and bytes — in
    /// place of the API. A call carrying an `access_token` has it checked first, as every API
    /// does: a refused token answers its error and the fault waits for the next call.
    pub async fn answer(
        &self,
        path: &str,
        answer: &Scripted,
        times: u32,
    ) -> Result<Vec<SetFault>, ControlError> {
        self.add(&answer.to_fault(path, times)).await
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
