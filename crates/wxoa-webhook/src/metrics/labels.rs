//! The label values of the webhook's metrics — a push's outcome, a dedupe store operation, a
//! late reply's result, an outbox event, an authorization event's kind — each a closed set with
//! one spelling, shared by the metrics and the logs, and the label sets the families use.

use std::fmt::{self, Write as _};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

use crate::dedup::DedupOp;

/// Writes a label value from its one spelling, the one logs use too.
macro_rules! label_value {
    ($($kind:ty),* $(,)?) => {$(
        impl EncodeLabelValue for $kind {
            fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
                encoder.write_str(self.as_str())
            }
        }
    )*};
}

/// The `outcome` of a push, the label of `wxoa_webhook_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestOutcome {
    /// Answered within the deadline.
    Ok,
    /// A retry answered from its first delivery.
    Duplicate,
    /// The signature did not match.
    BadSignature,
    /// The request could not be read, or names no account of this webhook.
    BadRequest,
    /// The body was larger than the limit.
    TooLarge,
    /// The timestamp was outside the replay window.
    Replay,
    /// The handler failed.
    HandlerError,
    /// The handler missed the deadline: `success` was answered, the reply goes out late.
    Late,
    /// A plaintext push to an account with an EncodingAESKey that does not allow them.
    PlainRefused,
    /// The connection closed before the answer; the handler went on in the background.
    Closed,
    /// A push that came while the webhook was draining for a shutdown.
    ShuttingDown,
}

impl RequestOutcome {
    /// Every outcome, each exposed from the start (at 0).
    pub const ALL: [RequestOutcome; 11] = [
        RequestOutcome::Ok,
        RequestOutcome::Duplicate,
        RequestOutcome::BadSignature,
        RequestOutcome::BadRequest,
        RequestOutcome::TooLarge,
        RequestOutcome::Replay,
        RequestOutcome::HandlerError,
        RequestOutcome::Late,
        RequestOutcome::PlainRefused,
        RequestOutcome::Closed,
        RequestOutcome::ShuttingDown,
    ];

    /// The label value, also used in logs: `ok`, `bad_signature`, ….
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Ok => "ok",
            RequestOutcome::Duplicate => "duplicate",
            RequestOutcome::BadSignature => "bad_signature",
            RequestOutcome::BadRequest => "bad_request",
            RequestOutcome::TooLarge => "too_large",
            RequestOutcome::Replay => "replay",
            RequestOutcome::HandlerError => "handler_error",
            RequestOutcome::Late => "late",
            RequestOutcome::PlainRefused => "plain_refused",
            RequestOutcome::Closed => "closed",
            RequestOutcome::ShuttingDown => "shutting_down",
        }
    }
}

impl DedupOp {
    /// Every operation the pushes' path may fail in, each exposed from the start (at 0) as
    /// the `op` label of `wxoa_webhook_dedupe_failures_total` (`check`, the start-up probe,
    /// shows once it fails).
    pub const ALL: [DedupOp; 8] = [
        DedupOp::Claim,
        DedupOp::Wait,
        DedupOp::Complete,
        DedupOp::Release,
        DedupOp::Park,
        DedupOp::Renew,
        DedupOp::Finish,
        DedupOp::Recover,
    ];
}

/// What became of a reply that missed the deadline, the `result` label of
/// `wxoa_webhook_late_replies_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LateResult {
    /// Sent as a customer-service message.
    Delivered,
    /// Sending it failed.
    Failed,
    /// Still pending when a shutdown's drain deadline passed.
    Undelivered,
}

impl LateResult {
    /// Every result, each exposed from the start (at 0).
    pub const ALL: [LateResult; 3] = [
        LateResult::Delivered,
        LateResult::Failed,
        LateResult::Undelivered,
    ];

    /// The label value: `delivered`, `failed`, `undelivered`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LateResult::Delivered => "delivered",
            LateResult::Failed => "failed",
            LateResult::Undelivered => "undelivered",
        }
    }
}

/// What happened to late work in the store shared by the instances, the `event` label of
/// `wxoa_webhook_outbox_jobs_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutboxEvent {
    /// Taken over from an instance whose lease lapsed, and run again here.
    Recovered,
    /// Taken over too many times, past the 48-hour window, or unreadable: not run again.
    Dropped,
    /// Left for another instance when a drain deadline passed.
    HandedOver,
}

impl OutboxEvent {
    /// Every event, each exposed from the start (at 0).
    pub const ALL: [OutboxEvent; 3] = [
        OutboxEvent::Recovered,
        OutboxEvent::Dropped,
        OutboxEvent::HandedOver,
    ];

    /// The label value: `recovered`, `dropped`, `handed_over`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxEvent::Recovered => "recovered",
            OutboxEvent::Dropped => "dropped",
            OutboxEvent::HandedOver => "handed_over",
        }
    }
}

/// The `info_type` of a component's authorization event, the label of
/// `wxoa_webhook_auth_events_total` (a bounded set: every other `InfoType` is `other`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthEventKind {
    /// `component_verify_ticket`.
    Ticket,
    /// `authorized`.
    Authorized,
    /// `updateauthorized`.
    UpdateAuthorized,
    /// `unauthorized`.
    Unauthorized,
    /// Any other `InfoType`.
    Other,
}

impl AuthEventKind {
    /// Every kind, each exposed from the start (at 0).
    pub const ALL: [AuthEventKind; 5] = [
        AuthEventKind::Ticket,
        AuthEventKind::Authorized,
        AuthEventKind::UpdateAuthorized,
        AuthEventKind::Unauthorized,
        AuthEventKind::Other,
    ];

    /// The kind of an `InfoType`.
    #[must_use]
    pub fn of(info_type: &str) -> Self {
        match info_type {
            "component_verify_ticket" => AuthEventKind::Ticket,
            "authorized" => AuthEventKind::Authorized,
            "updateauthorized" => AuthEventKind::UpdateAuthorized,
            "unauthorized" => AuthEventKind::Unauthorized,
            _ => AuthEventKind::Other,
        }
    }

    /// The label value: the `InfoType`, or `other`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthEventKind::Ticket => "component_verify_ticket",
            AuthEventKind::Authorized => "authorized",
            AuthEventKind::UpdateAuthorized => "updateauthorized",
            AuthEventKind::Unauthorized => "unauthorized",
            AuthEventKind::Other => "other",
        }
    }
}

label_value!(
    RequestOutcome,
    DedupOp,
    LateResult,
    OutboxEvent,
    AuthEventKind
);

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct InfoTypeLabel {
    pub(super) info_type: AuthEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OutcomeLabel {
    pub(super) outcome: RequestOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OpLabel {
    pub(super) op: DedupOp,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct ResultLabel {
    pub(super) result: LateResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct EventLabel {
    pub(super) event: OutboxEvent,
}
