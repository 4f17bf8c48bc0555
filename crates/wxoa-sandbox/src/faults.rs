//! Scripted failures: the next K calls to a path answer an errcode, wait, or lose their
//! connection (`POST /sandbox/faults`, `DELETE /sandbox/faults`).

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultOutcome {
    /// Answer `{"errcode": N, …}` without running the API.
    Errcode(i64),
    /// Close the connection without answering.
    Drop,
    /// Run the API normally (after the delay, if any).
    Pass,
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Fault {
    pub(crate) path: String,
    /// Only calls received by this listener (`api`, `api2`); any listener when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) listener: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) delay_ms: Option<u64>,
    pub(crate) outcome: FaultOutcome,
    /// Calls still to be affected.
    pub(crate) times: u32,
}

/// The body of `POST /sandbox/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultRequest {
    path: String,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    drop: bool,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    listener: Option<String>,
}

impl FaultRequest {
    /// Checks the request: a path, one outcome at most, and something to do.
    pub(crate) fn into_fault(self) -> Result<Fault, String> {
        if !self.path.starts_with('/') {
            return Err(format!("path {:?} must start with /", self.path));
        }
        let outcome = match (self.errcode, self.drop) {
            (Some(_), true) => {
                return Err(
                    "a fault either answers an errcode or drops the connection, not both"
                        .to_owned(),
                );
            }
            (Some(code), false) => FaultOutcome::Errcode(code),
            (None, true) => FaultOutcome::Drop,
            (None, false) => FaultOutcome::Pass,
        };
        if outcome == FaultOutcome::Pass && self.delay_ms.is_none() {
            return Err("a fault needs errcode, delay_ms or drop".to_owned());
        }
        if self.delay_ms.is_some_and(|d| d > 600_000) {
            return Err("delay_ms is at most 600000".to_owned());
        }
        let times = self.times.unwrap_or(1);
        if times == 0 {
            return Err("times must be at least 1".to_owned());
        }
        Ok(Fault {
            path: self.path,
            listener: self.listener,
            delay_ms: self.delay_ms,
            outcome,
            times,
        })
    }
}

/// The faults still to apply, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pending: VecDeque<Fault>,
}

/// What to do to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) delay: Option<Duration>,
    pub(crate) outcome: FaultOutcome,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.pending.push_back(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.pending.iter().cloned().collect()
    }

    /// Takes one use of the first fault matching a call, if any.
    pub(crate) fn take(&mut self, path: &str, listener: &str) -> Option<Applied> {
        let at = self
            .pending
            .iter()
            .position(|f| f.path == path && f.listener.as_deref().is_none_or(|l| l == listener))?;
        let fault = self.pending.get_mut(at)?;
        let applied = Applied {
            delay: fault.delay_ms.map(Duration::from_millis),
            outcome: fault.outcome,
        };
        fault.times -= 1;
        if fault.times == 0 {
            self.pending.remove(at);
        }
        Some(applied)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<Fault, String> {
        serde_json::from_str::<FaultRequest>(json)
            .unwrap()
            .into_fault()
    }

    #[test]
    fn faults_apply_the_given_number_of_times_in_order() {
        let mut faults = Faults::default();
        faults.add(request(r#"{"path":"/a","errcode":-1,"times":2}"#).unwrap());
        faults.add(request(r#"{"path":"/a","drop":true}"#).unwrap());
        let errcode = Some(Applied {
            delay: None,
            outcome: FaultOutcome::Errcode(-1),
        });
        assert_eq!(faults.take("/a", "api"), errcode);
        assert_eq!(faults.take("/b", "api"), None);
        assert_eq!(faults.take("/a", "api"), errcode);
        assert_eq!(
            faults.take("/a", "api").unwrap().outcome,
            FaultOutcome::Drop
        );
        assert_eq!(faults.take("/a", "api"), None);
    }

    #[test]
    fn a_fault_can_target_one_listener() {
        let mut faults = Faults::default();
        faults.add(request(r#"{"path":"/a","delay_ms":10,"listener":"api"}"#).unwrap());
        assert_eq!(faults.take("/a", "api2"), None);
        let applied = faults.take("/a", "api").unwrap();
        assert_eq!(applied.delay, Some(Duration::from_millis(10)));
        assert_eq!(applied.outcome, FaultOutcome::Pass);
    }

    #[test]
    fn malformed_requests_are_refused() {
        assert!(request(r#"{"path":"/a"}"#).is_err());
        assert!(request(r#"{"path":"a","drop":true}"#).is_err());
        assert!(request(r#"{"path":"/a","drop":true,"errcode":1}"#).is_err());
        assert!(request(r#"{"path":"/a","drop":true,"times":0}"#).is_err());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"path":"/a","dorp":true}"#).is_err());
    }
}
