//! The platform's network as the sandbox plays it: the addresses its API and pushes come from
//! (this machine), and the rules of `callback/check`.

use crate::error::ApiError;

/// Where the sandbox's API and pushes come from: this machine.
pub(crate) const SANDBOX_IPS: [&str; 1] = ["127.0.0.1"];

/// What a `callback/check` answers: which checks ran, and the operator they ran through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallbackCheck {
    pub(crate) dns: bool,
    pub(crate) ping: bool,
    pub(crate) operator: &'static str,
}

/// `callback/check`: `action` all, dns or ping, and `check_operator` CHINANET, UNICOM, CAP or
/// DEFAULT (which checks through UNICOM); 47003 naming the field otherwise.
pub(crate) fn callback_check(
    action: Option<&str>,
    operator: Option<&str>,
) -> Result<CallbackCheck, ApiError> {
    let (dns, ping) = match action.unwrap_or_default() {
        "all" => (true, true),
        "dns" => (true, false),
        "ping" => (false, true),
        _ => return Err(ApiError::argument("action")),
    };
    let operator = match operator.unwrap_or_default() {
        "CHINANET" => "CHINANET",
        "UNICOM" | "DEFAULT" => "UNICOM",
        "CAP" => "CAP",
        _ => return Err(ApiError::argument("check_operator")),
    };
    Ok(CallbackCheck {
        dns,
        ping,
        operator,
    })
}
