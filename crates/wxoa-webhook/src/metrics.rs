//! The webhook's counters and handler latency, in Prometheus text exposition.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Outcomes of `wxoa_webhook_requests_total`, in the order they are stored.
const OUTCOMES: [&str; 11] = [
    "ok",
    "duplicate",
    "bad_signature",
    "bad_request",
    "too_large",
    "replay",
    "handler_error",
    "late",
    // A plaintext push to an account with an EncodingAESKey that does not allow them.
    "plain_refused",
    // The connection closed before the answer; the handler went on in the background.
    "closed",
    // A push that came while the webhook was draining for a shutdown.
    "shutting_down",
];

/// Operations of the dedupe store counted by `wxoa_webhook_dedupe_failures_total`, in the
/// order they are stored.
const DEDUPE_OPS: [&str; 8] = [
    "claim", "wait", "complete", "release", // the outbox's:
    "park", "renew", "finish", "recover",
];

/// Events of `wxoa_webhook_outbox_jobs_total`, in the order they are stored.
const OUTBOX_EVENTS: [&str; 3] = [
    // Taken over from an instance whose lease lapsed, and run again here.
    "recovered",
    // Taken over too many times, past the 48-hour window, or unreadable: not run again.
    "dropped",
    // Left for another instance when a drain deadline passed.
    "handed_over",
];

/// Upper bounds of the handler latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 4.5,
];

/// Counters shared by every request; cheap atomics on the hot path.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [AtomicU64; OUTCOMES.len()],
    handled: AtomicU64,
    duplicates: AtomicU64,
    dedupe_failures: [AtomicU64; DEDUPE_OPS.len()],
    late_delivered: AtomicU64,
    late_failed: AtomicU64,
    late_undelivered: AtomicU64,
    late_pending: AtomicI64,
    outbox_jobs: [AtomicU64; OUTBOX_EVENTS.len()],
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    pub(crate) fn request(&self, outcome: &str) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome)
            && let Some(counter) = self.requests.get(i)
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn handled(&self, took: Duration) {
        self.handled.fetch_add(1, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b)
            && let Some(bucket) = self.latency_buckets.get(i)
        {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn duplicate(&self) {
        self.duplicates.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dedupe_failed(&self, op: &str) {
        if let Some(i) = DEDUPE_OPS.iter().position(|o| *o == op)
            && let Some(counter) = self.dedupe_failures.get(i)
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn late(&self, delivered: bool) {
        if delivered {
            self.late_delivered.fetch_add(1, Ordering::Relaxed);
        } else {
            self.late_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A reply was still not delivered when a drain's deadline passed.
    pub(crate) fn late_undelivered(&self) {
        self.late_undelivered.fetch_add(1, Ordering::Relaxed);
    }

    fn outbox_event(&self, event: &str) {
        if let Some(i) = OUTBOX_EVENTS.iter().position(|e| *e == event)
            && let Some(counter) = self.outbox_jobs.get(i)
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An outbox job was taken over and runs here.
    pub(crate) fn outbox_recovered(&self) {
        self.outbox_event("recovered");
    }

    /// An outbox job was dropped without running again.
    pub(crate) fn outbox_dropped(&self) {
        self.outbox_event("dropped");
    }

    /// An outbox job was left for another instance by a drain.
    pub(crate) fn outbox_handed_over(&self) {
        self.outbox_event("handed_over");
    }

    /// Late work started (`1`) or ended (`-1`).
    pub(crate) fn late_pending(&self, change: i64) {
        self.late_pending.fetch_add(change, Ordering::Relaxed);
    }

    /// How many pushes answered with `outcome`.
    pub fn requests(&self, outcome: &str) -> u64 {
        OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .and_then(|i| self.requests.get(i))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// How many times a handler ran.
    pub fn handled_total(&self) -> u64 {
        self.handled.load(Ordering::Relaxed)
    }

    /// How many retries were answered from a first delivery.
    pub fn duplicates_total(&self) -> u64 {
        self.duplicates.load(Ordering::Relaxed)
    }

    /// How many late replies went out (`delivered`), failed (`failed`), or were still pending
    /// when a drain's deadline passed (`undelivered`).
    pub fn late_replies(&self, result: &str) -> u64 {
        let counter = match result {
            "delivered" => &self.late_delivered,
            "failed" => &self.late_failed,
            "undelivered" => &self.late_undelivered,
            _ => return 0,
        };
        counter.load(Ordering::Relaxed)
    }

    /// How many outbox jobs were `recovered` (taken over from an instance that stopped renewing
    /// their lease, and run here), `dropped` (not run again: taken over too often, past the
    /// 48-hour window, or unreadable) or `handed_over` (left for another instance by a drain).
    pub fn outbox_jobs(&self, event: &str) -> u64 {
        OUTBOX_EVENTS
            .iter()
            .position(|e| *e == event)
            .and_then(|i| self.outbox_jobs.get(i))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// How many pieces of late work are running now: handlers past the budget and their
    /// customer-service replies, handlers whose connection closed.
    pub fn late_pending_now(&self) -> u64 {
        u64::try_from(self.late_pending.load(Ordering::Relaxed)).unwrap_or(0)
    }

    /// How many dedupe store operations failed or were skipped (the store being unavailable),
    /// whatever the operation: each time, the push went on without dedupe.
    pub fn dedupe_failures_total(&self) -> u64 {
        self.dedupe_failures
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP wxoa_webhook_requests_total Pushes received, by outcome.\n");
        out.push_str("# TYPE wxoa_webhook_requests_total counter\n");
        for (outcome, counter) in OUTCOMES.iter().zip(&self.requests) {
            let _ = writeln!(
                out,
                "wxoa_webhook_requests_total{{outcome=\"{outcome}\"}} {}",
                load(counter)
            );
        }
        out.push_str("# HELP wxoa_webhook_handled_total Handler runs.\n");
        out.push_str("# TYPE wxoa_webhook_handled_total counter\n");
        let _ = writeln!(out, "wxoa_webhook_handled_total {}", load(&self.handled));
        out.push_str(
            "# HELP wxoa_webhook_duplicates_total Retries answered from the first delivery.\n",
        );
        out.push_str("# TYPE wxoa_webhook_duplicates_total counter\n");
        let _ = writeln!(
            out,
            "wxoa_webhook_duplicates_total {}",
            load(&self.duplicates)
        );
        out.push_str("# HELP wxoa_webhook_dedupe_failures_total Dedupe store operations that failed or were skipped while the store was unavailable, by operation; the push went on without dedupe.\n");
        out.push_str("# TYPE wxoa_webhook_dedupe_failures_total counter\n");
        for (op, counter) in DEDUPE_OPS.iter().zip(&self.dedupe_failures) {
            let _ = writeln!(
                out,
                "wxoa_webhook_dedupe_failures_total{{op=\"{op}\"}} {}",
                load(counter)
            );
        }
        out.push_str("# HELP wxoa_webhook_late_replies_total Replies that missed the deadline, by delivery through customer-service messages (undelivered: still pending when a shutdown's drain deadline passed).\n");
        out.push_str("# TYPE wxoa_webhook_late_replies_total counter\n");
        let _ = writeln!(
            out,
            "wxoa_webhook_late_replies_total{{result=\"delivered\"}} {}",
            load(&self.late_delivered)
        );
        let _ = writeln!(
            out,
            "wxoa_webhook_late_replies_total{{result=\"failed\"}} {}",
            load(&self.late_failed)
        );
        let _ = writeln!(
            out,
            "wxoa_webhook_late_replies_total{{result=\"undelivered\"}} {}",
            load(&self.late_undelivered)
        );
        out.push_str("# HELP wxoa_webhook_outbox_jobs_total Late work in the store shared by the instances, by event: recovered (taken over from an instance that stopped renewing its lease, and run here), dropped (not run again: taken over too often, past the 48-hour window, or unreadable), handed_over (left for another instance when a drain deadline passed).\n");
        out.push_str("# TYPE wxoa_webhook_outbox_jobs_total counter\n");
        for (event, counter) in OUTBOX_EVENTS.iter().zip(&self.outbox_jobs) {
            let _ = writeln!(
                out,
                "wxoa_webhook_outbox_jobs_total{{event=\"{event}\"}} {}",
                load(counter)
            );
        }
        out.push_str("# HELP wxoa_webhook_late_pending Handlers and late replies running past their request, which a shutdown waits for.\n");
        out.push_str("# TYPE wxoa_webhook_late_pending gauge\n");
        let _ = writeln!(out, "wxoa_webhook_late_pending {}", self.late_pending_now());
        out.push_str("# HELP wxoa_webhook_handler_seconds Handler latency.\n");
        out.push_str("# TYPE wxoa_webhook_handler_seconds histogram\n");
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            cumulative += load(bucket);
            let _ = writeln!(
                out,
                "wxoa_webhook_handler_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = load(&self.latency_count);
        let _ = writeln!(
            out,
            "wxoa_webhook_handler_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = load(&self.latency_sum_micros) as f64 / 1e6;
        let _ = writeln!(out, "wxoa_webhook_handler_seconds_sum {sum}");
        let _ = writeln!(out, "wxoa_webhook_handler_seconds_count {count}");
        out
    }
}
