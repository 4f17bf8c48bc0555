//! The webhook's metrics: counters by typed outcome, operation and event, the late work in
//! flight and the handler latency, registered into the process's one [`Registry`], and their
//! exposition. The label values are in `labels.rs`.

mod labels;

use std::fmt;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
pub use prometheus_client::registry::Registry;

pub use labels::{AuthEventKind, LateResult, OutboxEvent, RequestOutcome};
use labels::{EventLabel, InfoTypeLabel, OpLabel, OutcomeLabel, ResultLabel};

use crate::dedup::DedupOp;

/// The `Content-Type` of `/metrics`: the OpenMetrics text format, which Prometheus negotiates
/// and reads (a reader of the older Prometheus text format reads it too: it is the same lines
/// with the family's `# TYPE` named without `_total`, and an `# EOF` comment last).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Writes `registry` in the OpenMetrics text format. Writing into a `String` does not fail; an
/// error can only come from a metric's own encoder.
pub(crate) fn render(registry: &Registry) -> Result<String, fmt::Error> {
    let mut out = String::with_capacity(4096);
    prometheus_client::encoding::text::encode(&mut out, registry)?;
    Ok(out)
}

/// Upper bounds of the handler latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 4.5,
];

/// The webhook's metrics, shared by every request. Cheap to clone: clones count into the same
/// metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    requests: Family<OutcomeLabel, Counter>,
    /// The counters of `requests`, one an outcome in the order of [`RequestOutcome::ALL`],
    /// resolved once: a push counts itself with one atomic add, not a lookup in the family.
    request_counters: std::sync::Arc<[Counter]>,
    handled: Counter,
    duplicates: Counter,
    dedupe_failures: Family<OpLabel, Counter>,
    late_replies: Family<ResultLabel, Counter>,
    outbox_jobs: Family<EventLabel, Counter>,
    late_pending: Gauge,
    handler_seconds: Histogram,
    auth_events: Family<InfoTypeLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<OutcomeLabel, Counter>::default();
        // Every label value from the start, so that a rate over a series that has not moved yet
        // reads 0 rather than nothing.
        let request_counters = RequestOutcome::ALL
            .iter()
            .map(|&outcome| requests.get_or_create(&OutcomeLabel { outcome }).clone())
            .collect();
        let metrics = Self {
            requests,
            request_counters,
            handled: Counter::default(),
            duplicates: Counter::default(),
            dedupe_failures: Family::default(),
            late_replies: Family::default(),
            outbox_jobs: Family::default(),
            late_pending: Gauge::default(),
            handler_seconds: Histogram::new(BUCKETS),
            auth_events: Family::default(),
        };
        for op in DedupOp::ALL {
            let _ = metrics.dedupe_failures.get_or_create(&OpLabel { op });
        }
        for result in LateResult::ALL {
            let _ = metrics.late_replies.get_or_create(&ResultLabel { result });
        }
        for event in OutboxEvent::ALL {
            let _ = metrics.outbox_jobs.get_or_create(&EventLabel { event });
        }
        for info_type in AuthEventKind::ALL {
            let _ = metrics
                .auth_events
                .get_or_create(&InfoTypeLabel { info_type });
        }
        metrics
    }
}

impl Metrics {
    /// Adds the webhook's metrics to `registry` (the webhook's builder does it for the
    /// registry `/metrics` serves).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "wxoa_webhook_requests",
            "Pushes received, by outcome",
            self.requests.clone(),
        );
        registry.register("wxoa_webhook_handled", "Handler runs", self.handled.clone());
        registry.register(
            "wxoa_webhook_duplicates",
            "Retries answered from the first delivery",
            self.duplicates.clone(),
        );
        registry.register(
            "wxoa_webhook_dedupe_failures",
            "Dedupe store operations that failed or were skipped while the store was \
             unavailable, by operation; the push went on without dedupe",
            self.dedupe_failures.clone(),
        );
        registry.register(
            "wxoa_webhook_late_replies",
            "Replies that missed the deadline, by delivery through customer-service messages \
             (undelivered: still pending when a shutdown's drain deadline passed)",
            self.late_replies.clone(),
        );
        registry.register(
            "wxoa_webhook_outbox_jobs",
            "Late work in the store shared by the instances, by event: recovered (taken over \
             from an instance that stopped renewing its lease, and run here), dropped (not run \
             again: taken over too often, past the 48-hour window, or unreadable), handed_over \
             (left for another instance when a drain deadline passed)",
            self.outbox_jobs.clone(),
        );
        registry.register(
            "wxoa_webhook_late_pending",
            "Handlers and late replies running past their request, which a shutdown waits for",
            self.late_pending.clone(),
        );
        registry.register(
            "wxoa_webhook_handler_seconds",
            "Handler latency",
            self.handler_seconds.clone(),
        );
        registry.register(
            "wxoa_webhook_auth_events",
            "Authorization events of the third-party platform read, by InfoType",
            self.auth_events.clone(),
        );
    }

    pub(crate) fn auth_event(&self, info_type: &str) {
        let info_type = AuthEventKind::of(info_type);
        self.auth_events
            .get_or_create(&InfoTypeLabel { info_type })
            .inc();
    }

    /// How many authorization events of `kind` were read.
    pub fn auth_events(&self, kind: AuthEventKind) -> u64 {
        self.auth_events
            .get_or_create(&InfoTypeLabel { info_type: kind })
            .get()
    }

    pub(crate) fn request(&self, outcome: RequestOutcome) {
        match RequestOutcome::ALL
            .iter()
            .position(|&o| o == outcome)
            .and_then(|at| self.request_counters.get(at))
        {
            Some(counter) => {
                counter.inc();
            }
            None => {
                self.requests.get_or_create(&OutcomeLabel { outcome }).inc();
            }
        }
    }

    pub(crate) fn handled(&self, took: Duration) {
        self.handled.inc();
        self.handler_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn duplicate(&self) {
        self.duplicates.inc();
    }

    pub(crate) fn dedupe_failed(&self, op: DedupOp) {
        self.dedupe_failures.get_or_create(&OpLabel { op }).inc();
    }

    pub(crate) fn late(&self, result: LateResult) {
        self.late_replies
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    pub(crate) fn outbox(&self, event: OutboxEvent) {
        self.outbox_jobs.get_or_create(&EventLabel { event }).inc();
    }

    /// Late work started (`1`) or ended (`-1`).
    pub(crate) fn add_late_pending(&self, change: i64) {
        self.late_pending.inc_by(change);
    }

    /// How many pushes answered with `outcome`.
    pub fn requests(&self, outcome: RequestOutcome) -> u64 {
        self.requests.get_or_create(&OutcomeLabel { outcome }).get()
    }

    /// How many times a handler ran.
    pub fn handled_total(&self) -> u64 {
        self.handled.get()
    }

    /// How many retries were answered from a first delivery.
    pub fn duplicates_total(&self) -> u64 {
        self.duplicates.get()
    }

    /// How many late replies went out (`Delivered`), failed (`Failed`), or were still pending
    /// when a drain's deadline passed (`Undelivered`).
    pub fn late_replies(&self, result: LateResult) -> u64 {
        self.late_replies
            .get_or_create(&ResultLabel { result })
            .get()
    }

    /// How many outbox jobs were `Recovered` (taken over from an instance that stopped renewing
    /// their lease, and run here), `Dropped` (not run again: taken over too often, past the
    /// 48-hour window, or unreadable) or `HandedOver` (left for another instance by a drain).
    pub fn outbox_jobs(&self, event: OutboxEvent) -> u64 {
        self.outbox_jobs.get_or_create(&EventLabel { event }).get()
    }

    /// How many pieces of late work are running now: handlers past the budget and their
    /// customer-service replies, handlers whose connection closed.
    pub fn late_pending(&self) -> u64 {
        u64::try_from(self.late_pending.get()).unwrap_or(0)
    }

    /// How many dedupe store operations failed or were skipped (the store being unavailable),
    /// whatever the operation: each time, the push went on without dedupe.
    pub fn dedupe_failures_total(&self) -> u64 {
        DedupOp::ALL
            .into_iter()
            .map(|op| self.dedupe_failures.get_or_create(&OpLabel { op }).get())
            .sum()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn exposition(metrics: &Metrics) -> String {
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        render(&registry).unwrap()
    }

    /// The value of the line that starts with `series` and a space.
    fn value(text: &str, series: &str) -> Option<String> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(str::to_owned)
    }

    #[test]
    fn every_label_value_is_exposed_at_zero_from_the_start() {
        let text = exposition(&Metrics::default());
        for outcome in RequestOutcome::ALL {
            let series = format!(
                "wxoa_webhook_requests_total{{outcome=\"{}\"}}",
                outcome.as_str()
            );
            assert_eq!(
                value(&text, &series).as_deref(),
                Some("0"),
                "{series}\n{text}"
            );
        }
        for op in DedupOp::ALL {
            let series = format!(
                "wxoa_webhook_dedupe_failures_total{{op=\"{}\"}}",
                op.as_str()
            );
            assert_eq!(value(&text, &series).as_deref(), Some("0"), "{series}");
        }
        for result in LateResult::ALL {
            let series = format!(
                "wxoa_webhook_late_replies_total{{result=\"{}\"}}",
                result.as_str()
            );
            assert_eq!(value(&text, &series).as_deref(), Some("0"), "{series}");
        }
        for event in OutboxEvent::ALL {
            let series = format!(
                "wxoa_webhook_outbox_jobs_total{{event=\"{}\"}}",
                event.as_str()
            );
            assert_eq!(value(&text, &series).as_deref(), Some("0"), "{series}");
        }
        for series in [
            "wxoa_webhook_handled_total",
            "wxoa_webhook_duplicates_total",
            "wxoa_webhook_late_pending",
            "wxoa_webhook_handler_seconds_count",
            "wxoa_webhook_handler_seconds_bucket{le=\"+Inf\"}",
        ] {
            assert_eq!(value(&text, series).as_deref(), Some("0"), "{series}");
        }
        assert!(
            text.contains("# TYPE wxoa_webhook_requests counter\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE wxoa_webhook_late_pending gauge\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE wxoa_webhook_handler_seconds histogram\n"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn each_count_lands_on_its_own_label() {
        let metrics = Metrics::default();
        metrics.request(RequestOutcome::BadSignature);
        metrics.request(RequestOutcome::BadSignature);
        metrics.request(RequestOutcome::Late);
        metrics.dedupe_failed(DedupOp::Park);
        metrics.late(LateResult::Failed);
        metrics.outbox(OutboxEvent::HandedOver);
        metrics.duplicate();
        assert_eq!(metrics.requests(RequestOutcome::BadSignature), 2);
        assert_eq!(metrics.requests(RequestOutcome::Late), 1);
        assert_eq!(metrics.requests(RequestOutcome::Ok), 0);
        assert_eq!(metrics.dedupe_failures_total(), 1);
        assert_eq!(metrics.late_replies(LateResult::Failed), 1);
        assert_eq!(metrics.late_replies(LateResult::Delivered), 0);
        assert_eq!(metrics.outbox_jobs(OutboxEvent::HandedOver), 1);
        assert_eq!(metrics.duplicates_total(), 1);
        let text = exposition(&metrics);
        for (series, expected) in [
            (
                "wxoa_webhook_requests_total{outcome=\"bad_signature\"}",
                "2",
            ),
            ("wxoa_webhook_requests_total{outcome=\"late\"}", "1"),
            ("wxoa_webhook_requests_total{outcome=\"ok\"}", "0"),
            ("wxoa_webhook_dedupe_failures_total{op=\"park\"}", "1"),
            ("wxoa_webhook_dedupe_failures_total{op=\"claim\"}", "0"),
            ("wxoa_webhook_late_replies_total{result=\"failed\"}", "1"),
            ("wxoa_webhook_outbox_jobs_total{event=\"handed_over\"}", "1"),
            ("wxoa_webhook_duplicates_total", "1"),
        ] {
            assert_eq!(
                value(&text, series).as_deref(),
                Some(expected),
                "{series}\n{text}"
            );
        }
    }

    #[test]
    fn handler_latency_fills_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.handled(Duration::from_micros(300));
        metrics.handled(Duration::from_millis(20));
        metrics.handled(Duration::from_secs(9));
        assert_eq!(metrics.handled_total(), 3);
        let text = exposition(&metrics);
        for (series, expected) in [
            ("wxoa_webhook_handled_total", "3"),
            ("wxoa_webhook_handler_seconds_bucket{le=\"0.0005\"}", "1"),
            ("wxoa_webhook_handler_seconds_bucket{le=\"0.01\"}", "1"),
            ("wxoa_webhook_handler_seconds_bucket{le=\"0.025\"}", "2"),
            ("wxoa_webhook_handler_seconds_bucket{le=\"4.5\"}", "2"),
            ("wxoa_webhook_handler_seconds_bucket{le=\"+Inf\"}", "3"),
            ("wxoa_webhook_handler_seconds_count", "3"),
        ] {
            assert_eq!(
                value(&text, series).as_deref(),
                Some(expected),
                "{series}\n{text}"
            );
        }
        let sum: f64 = value(&text, "wxoa_webhook_handler_seconds_sum")
            .unwrap()
            .parse()
            .unwrap();
        assert!((sum - 9.0203).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn late_pending_goes_up_and_down_and_never_reads_negative() {
        let metrics = Metrics::default();
        metrics.add_late_pending(1);
        metrics.add_late_pending(1);
        metrics.add_late_pending(-1);
        assert_eq!(metrics.late_pending(), 1);
        assert_eq!(
            value(&exposition(&metrics), "wxoa_webhook_late_pending").as_deref(),
            Some("1")
        );
        metrics.add_late_pending(-2);
        assert_eq!(metrics.late_pending(), 0);
    }
}
