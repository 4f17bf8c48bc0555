//! The virtual clock's handle of the control client (`/sandbox/clock`).

use serde_json::json;

use super::{ClockReading, Control, ControlError};

/// The virtual clock of a sandbox (`/sandbox/clock`).
#[derive(Debug, Clone, Copy)]
pub struct Clock<'c>(pub(super) &'c Control);

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
