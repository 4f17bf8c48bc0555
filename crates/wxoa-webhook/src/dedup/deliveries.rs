//! How a push goes through the dedupe store: claimed by its first delivery, waited for by a
//! retry, its answer recorded, its key released when the handler fails; a store that fails is
//! gone around (the push is handled without dedupe), logged and counted.

use std::time::Instant;

use tracing::{debug, warn};
use wxoa_types::inbound::Inbound;

use super::{Claim, DedupError, DedupOp};
use crate::account::Account;
use crate::metrics::RequestOutcome;
use crate::pipeline::Answer;
use crate::webhook::Webhook;

/// What the store says about a push this delivery brings.
pub(crate) enum Turn {
    /// This delivery handles the push (`waited`: after waiting for another delivery).
    Handle {
        /// Whether a first delivery was waited for (the clock is then read again).
        waited: bool,
    },
    /// Another delivery answered the push: its answer.
    Answered(Answer),
}

impl Webhook {
    /// Claims the push's key for this delivery, or gets the answer another delivery gave (after
    /// waiting for it when that delivery is still handling the push). `begun` is when the
    /// budget started.
    pub(crate) async fn claim_push(&self, key: &str, begun: Instant) -> Turn {
        let inner = &self.inner;
        match inner.dedup.claim(key, inner.windows).await {
            Ok(Claim::Claimed) => Turn::Handle { waited: false },
            Ok(Claim::Done(answer)) => Turn::Answered(self.duplicate(Answer::from_stored(answer))),
            Ok(Claim::InFlight) => {
                // A retry of a push still being handled: wait for the first delivery's answer.
                // Up to the claim's own lifetime, not only the budget: a retry that came less
                // than the claim margin after the first delivery (its instance died and the
                // connection broke at once) would otherwise give up just before the claim
                // lapses and answer `success` for a push nobody handles. A live first delivery
                // records its answer at its budget, within this wait.
                let left = inner.windows.claim.saturating_sub(begun.elapsed());
                match inner.dedup.wait(key, left).await {
                    Ok(Some(answer)) => {
                        return Turn::Answered(self.duplicate(Answer::from_stored(answer)));
                    }
                    Ok(None) => {
                        // Released by a failed handler, lapsed with an instance that died (or
                        // still running past the budget): try to become the delivery that
                        // handles it.
                        match inner.dedup.claim(key, inner.windows).await {
                            Ok(Claim::Claimed) => {}
                            Ok(Claim::Done(answer)) => {
                                return Turn::Answered(self.duplicate(Answer::from_stored(answer)));
                            }
                            Ok(Claim::InFlight) => {
                                return Turn::Answered(self.duplicate(Answer::Success));
                            }
                            Err(error) => self.dedupe_failed(DedupOp::Claim, &error),
                        }
                    }
                    Err(error) => self.dedupe_failed(DedupOp::Wait, &error),
                }
                Turn::Handle { waited: true }
            }
            Err(error) => {
                self.dedupe_failed(DedupOp::Claim, &error);
                Turn::Handle { waited: false }
            }
        }
    }

    pub(crate) fn duplicate(&self, answer: Answer) -> Answer {
        self.inner.metrics.request(RequestOutcome::Duplicate);
        self.inner.metrics.duplicate();
        tracing::Span::current().record("outcome", "duplicate");
        debug!("retry answered from its first delivery");
        answer
    }

    pub(crate) async fn complete(&self, key: &str, answer: &Answer) {
        let answer = answer.as_stored();
        if let Err(error) = self
            .inner
            .dedup
            .complete(key, answer, self.inner.windows)
            .await
        {
            self.dedupe_failed(DedupOp::Complete, &error);
        }
    }

    /// A dedupe store operation failed: the push goes on without it (handled, or its answer
    /// not recorded for retries). Counted each time; logged each time, except while the store
    /// is known to be unavailable (it logged that once).
    pub(crate) fn dedupe_failed(&self, op: DedupOp, error: &DedupError) {
        self.inner.metrics.dedupe_failed(op);
        if error.is_unavailable() {
            debug!(op = op.as_str(), %error, "dedupe store unavailable; going on without it");
        } else {
            warn!(op = op.as_str(), %error, "dedupe store failed; going on without it (the push is handled, retries may run it again)");
        }
    }
}

/// A push's dedupe key: the AppID, then the push's own key (MsgId, or the event's fields).
pub(crate) fn dedupe_key(account: &Account, push: &Inbound) -> String {
    let mut key = String::with_capacity(96);
    key.push_str(&account.app_id);
    key.push(':');
    push.write_dedupe_key(&mut key);
    key
}
