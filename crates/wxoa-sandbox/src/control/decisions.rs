//! The typed client of the control endpoints that decide what the platform's people would:
//! whether a customer-service agent is bound to a WeChat id and online (`/sandbox/kf-agent`),
//! and the outcome of a card's review (`/sandbox/card-review`).

use serde_json::{Value, json};

use super::{Control, ControlError};

impl Control {
    /// `POST /sandbox/kf-agent`: agent `kf_account` of the default account bound to a WeChat
    /// id or not, online or not (`None` leaves it as it is; agents start bound and online).
    /// Sessions with an unbound agent answer 65402, with an offline one 65415.
    pub async fn kf_agent(
        &self,
        kf_account: &str,
        bound: Option<bool>,
        online: Option<bool>,
    ) -> Result<Value, ControlError> {
        let body = json!({"kf_account": kf_account, "bound": bound, "online": online});
        self.post("/sandbox/kf-agent", &body).await
    }

    /// `POST /sandbox/card-review`: the review of a card of the default account decided —
    /// passed, or refused for `reason` — with
    /// [`CardRules::manual_review`](crate::CardRules::manual_review); the platform pushes
    /// `card_pass_check` or `card_not_pass_check`.
    pub async fn card_review(
        &self,
        card_id: &str,
        pass: bool,
        reason: Option<&str>,
    ) -> Result<Value, ControlError> {
        let body = json!({"card_id": card_id, "pass": pass, "reason": reason});
        self.post("/sandbox/card-review", &body).await
    }
}
