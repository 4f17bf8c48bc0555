//! The token server's metrics: tokens served, failures and reports, counted as they happen, and
//! what the token machinery knows — fetches, forced refreshes, the quota guard, the time left
//! on the tokens served — read at each scrape. All of them go into the process's one registry,
//! beside the metrics of the client that fetches the tokens.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::TypedMetric;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use wxoa_client::Client;
use wxoa_client::token::TokenKind;

/// The kinds of token the server serves, in the order the metrics list them.
pub(crate) const KINDS: [TokenKind; 3] = [
    TokenKind::AccessToken,
    TokenKind::JsapiTicket,
    TokenKind::WxCardTicket,
];

/// The `appid` label under which failures and reports for AppIDs the server has never served
/// are counted.
pub(crate) const OTHER_APPS: &str = "other";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, EncodeLabelSet)]
struct AppLabel {
    appid: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AppKindLabels {
    appid: String,
    kind: TokenKind,
}

fn app(app_id: &str) -> AppLabel {
    AppLabel {
        appid: app_id.to_owned(),
    }
}

fn app_kind(app_id: &str, kind: TokenKind) -> AppKindLabels {
    AppKindLabels {
        appid: app_id.to_owned(),
        kind,
    }
}

/// The counters of the server, and the collector that reads the rest at each scrape.
#[derive(Debug, Clone)]
pub(crate) struct ServerMetrics {
    served: Family<AppKindLabels, Counter>,
    errors: Family<AppLabel, Counter>,
    invalidations: Family<AppLabel, Counter>,
    tokens: Arc<TokenState>,
}

/// What the token machinery knows, read at each scrape.
#[derive(Debug)]
struct TokenState {
    client: Client,
    /// The AppIDs configured when the server started (authorizers are added as served).
    configured: Vec<String>,
    /// When the last token served (or kept fresh) of each account and kind expires, in Unix
    /// seconds; by AppID, then kind, so that the exposition lists them in order.
    expires_at: Mutex<BTreeMap<String, HashMap<TokenKind, u64>>>,
}

impl ServerMetrics {
    /// The metrics of a server for `client`'s accounts, each exposed at 0 from the start.
    pub(crate) fn new(client: Client) -> Self {
        let metrics = Self {
            served: Family::default(),
            errors: Family::default(),
            invalidations: Family::default(),
            tokens: Arc::new(TokenState {
                configured: client
                    .app_ids()
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
                client,
                expires_at: Mutex::default(),
            }),
        };
        for app_id in metrics.tokens.client.app_ids() {
            let app_id = app_id.as_str();
            for kind in KINDS {
                let _ = metrics.served.get_or_create(&app_kind(app_id, kind));
            }
            let _ = metrics.errors.get_or_create(&app(app_id));
            let _ = metrics.invalidations.get_or_create(&app(app_id));
        }
        metrics
    }

    /// Adds the server's metrics to `registry`.
    pub(crate) fn register(&self, registry: &mut Registry) {
        registry.register_collector(Box::new(Arc::clone(&self.tokens)));
        registry.register(
            "wxoa_token_invalidations",
            "Reports of a rejected access token (POST /token/invalidate); each token is replaced \
             once however many report it",
            self.invalidations.clone(),
        );
        registry.register(
            "wxoa_token_served",
            "Tokens and tickets served",
            self.served.clone(),
        );
        registry.register(
            "wxoa_token_errors",
            "Requests that could not be served (appid \"other\": AppIDs never served)",
            self.errors.clone(),
        );
    }

    /// A token of `kind` was served, expiring at `expires_at` (Unix seconds).
    pub(crate) fn served(&self, app_id: &str, kind: TokenKind, expires_at: u64) {
        self.served.get_or_create(&app_kind(app_id, kind)).inc();
        self.kept_fresh(app_id, kind, expires_at);
    }

    /// A token of `kind` was kept fresh, expiring at `expires_at` (Unix seconds).
    pub(crate) fn kept_fresh(&self, app_id: &str, kind: TokenKind, expires_at: u64) {
        self.tokens
            .expires_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(app_id.to_owned())
            .or_default()
            .insert(kind, expires_at);
    }

    /// A request, or keeping a token fresh, failed.
    pub(crate) fn failed(&self, app_id: &str) {
        self.errors.get_or_create(&self.known(app_id)).inc();
    }

    /// A caller reported a rejected access token.
    pub(crate) fn reported(&self, app_id: &str) {
        self.invalidations.get_or_create(&self.known(app_id)).inc();
    }

    /// The label of `app_id` in the failure and report counters: its own for an account the
    /// server was configured with or has served a token of, [`OTHER_APPS`] for any other — so
    /// that callers asking for made-up AppIDs cannot grow the exposition without bound.
    fn known(&self, app_id: &str) -> AppLabel {
        let known = self.tokens.configured.iter().any(|a| a == app_id)
            || self
                .tokens
                .expires_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains_key(app_id);
        app(if known { app_id } else { OTHER_APPS })
    }
}

/// Writes one metric family from values read now.
fn family<L: EncodeLabelSet, M: EncodeMetric + TypedMetric>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    values: impl IntoIterator<Item = (L, M)>,
) -> fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, M::TYPE)?;
    for (labels, value) in values {
        value.encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Collector for TokenState {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> fmt::Result {
        let accounts: Vec<(String, Client)> = self
            .client
            .app_ids()
            .into_iter()
            .filter_map(|app_id| {
                let client = self.client.for_account(app_id.as_str()).ok()?;
                Some((app_id.as_str().to_owned(), client))
            })
            .collect();
        let by_kind: Vec<(AppKindLabels, &Client)> = accounts
            .iter()
            .flat_map(|(app_id, client)| KINDS.map(|kind| (app_kind(app_id, kind), client)))
            .collect();
        family(
            &mut encoder,
            "wxoa_token_fetches",
            "Tokens and tickets fetched from the platform by this process.",
            accounts.iter().map(|(app_id, client)| {
                let fetches: u64 = KINDS.iter().map(|kind| client.token_fetches(*kind)).sum();
                (app(app_id), ConstCounter::new(fetches))
            }),
        )?;
        family(
            &mut encoder,
            "wxoa_token_forced_refreshes",
            "Forced stable_token refreshes among the fetches (the platform allows 20 a day).",
            accounts.iter().map(|(app_id, client)| {
                let forced = client.token_forced_refreshes(TokenKind::AccessToken);
                (app(app_id), ConstCounter::new(forced))
            }),
        )?;
        family(
            &mut encoder,
            "wxoa_token_quota_refusals",
            "Fetches the token quota guard refused.",
            by_kind.iter().map(|(labels, client)| {
                let refusals = client.token_quota_status(labels.kind).refusals;
                (labels.clone(), ConstCounter::new(refusals))
            }),
        )?;
        family(
            &mut encoder,
            "wxoa_token_quota_refusing_until_seconds",
            "Unix time until which the token quota guard refuses to fetch (0 when it does not).",
            by_kind.iter().map(|(labels, client)| {
                let until = client
                    .token_quota_status(labels.kind)
                    .refusing_until
                    .map_or(0, unix_seconds);
                (labels.clone(), ConstGauge::new(until))
            }),
        )?;
        let now = unix_seconds(SystemTime::now());
        let expiring: Vec<(AppKindLabels, u64)> = self
            .expires_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .flat_map(|(app_id, kinds)| {
                KINDS.iter().filter_map(move |kind| {
                    let at = kinds.get(kind)?;
                    Some((app_kind(app_id, *kind), *at))
                })
            })
            .collect();
        family(
            &mut encoder,
            "wxoa_token_seconds_to_expiry",
            "Seconds until the last served token expires.",
            expiring
                .into_iter()
                .map(|(labels, at)| (labels, ConstGauge::new(at.saturating_sub(now)))),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use wxoa_client::Account;

    use super::*;

    const APP: &str = "wx0123456789abcdef";
    const OTHER: &str = "wxfedcba9876543210";
    const SECRET: &str = "the-app-secret";

    fn server_metrics() -> (ServerMetrics, Registry) {
        let client = Client::builder()
            .account(Account::new(APP, SECRET))
            .account(Account::new(OTHER, SECRET))
            .api_bases(["http://127.0.0.1:9"])
            .build()
            .unwrap();
        let metrics = ServerMetrics::new(client);
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        (metrics, registry)
    }

    fn exposition(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
        text
    }

    /// The value of the line that starts with `series` and a space.
    fn value(text: &str, series: &str) -> Option<u64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(|v| v.parse().unwrap())
    }

    #[test]
    fn every_account_is_exposed_at_zero_from_the_start() {
        let (_, registry) = server_metrics();
        let text = exposition(&registry);
        for app_id in [APP, OTHER] {
            let app = format!("appid=\"{app_id}\"");
            let mut series = vec![
                format!("wxoa_token_fetches_total{{{app}}}"),
                format!("wxoa_token_forced_refreshes_total{{{app}}}"),
                format!("wxoa_token_invalidations_total{{{app}}}"),
                format!("wxoa_token_errors_total{{{app}}}"),
            ];
            for kind in ["access_token", "jsapi", "wx_card"] {
                series.push(format!("wxoa_token_served_total{{{app},kind=\"{kind}\"}}"));
                series.push(format!(
                    "wxoa_token_quota_refusals_total{{{app},kind=\"{kind}\"}}"
                ));
                series.push(format!(
                    "wxoa_token_quota_refusing_until_seconds{{{app},kind=\"{kind}\"}}"
                ));
            }
            for series in series {
                assert_eq!(value(&text, &series), Some(0), "{series}\n{text}");
            }
        }
        assert!(
            text.contains("# TYPE wxoa_token_quota_refusing_until_seconds gauge\n"),
            "{text}"
        );
        assert!(
            !text.contains("wxoa_token_seconds_to_expiry{"),
            "no token served yet: {text}"
        );
        assert!(!text.contains(SECRET), "{text}");
    }

    #[test]
    fn failures_for_appids_never_served_share_one_label() {
        let (metrics, registry) = server_metrics();
        for made_up in [
            "wx00000000000000a1",
            "wx00000000000000a2",
            "wx00000000000000a3",
        ] {
            metrics.failed(made_up);
            metrics.reported(made_up);
        }
        let text = exposition(&registry);
        assert!(!text.contains("wx00000000000000a"), "{text}");
        assert_eq!(
            value(
                &text,
                &format!("wxoa_token_errors_total{{appid=\"{OTHER_APPS}\"}}")
            ),
            Some(3),
            "{text}"
        );
        assert_eq!(
            value(
                &text,
                &format!("wxoa_token_invalidations_total{{appid=\"{OTHER_APPS}\"}}")
            ),
            Some(3),
            "{text}"
        );
        // Once served, an authorizer's failures are its own.
        let in_an_hour = unix_seconds(SystemTime::now()) + 3600;
        metrics.served("wx00000000000000a1", TokenKind::AccessToken, in_an_hour);
        metrics.failed("wx00000000000000a1");
        let text = exposition(&registry);
        assert_eq!(
            value(
                &text,
                "wxoa_token_errors_total{appid=\"wx00000000000000a1\"}"
            ),
            Some(1),
            "{text}"
        );
    }

    #[test]
    fn served_failed_and_reported_land_on_their_account_and_kind() {
        let (metrics, registry) = server_metrics();
        let in_an_hour = unix_seconds(SystemTime::now()) + 3600;
        metrics.served(APP, TokenKind::AccessToken, in_an_hour);
        metrics.served(APP, TokenKind::AccessToken, in_an_hour);
        metrics.served(OTHER, TokenKind::WxCardTicket, in_an_hour);
        metrics.failed(APP);
        metrics.reported(OTHER);
        metrics.reported(OTHER);
        let text = exposition(&registry);
        for (series, expected) in [
            (
                format!("wxoa_token_served_total{{appid=\"{APP}\",kind=\"access_token\"}}"),
                2,
            ),
            (
                format!("wxoa_token_served_total{{appid=\"{APP}\",kind=\"wx_card\"}}"),
                0,
            ),
            (
                format!("wxoa_token_served_total{{appid=\"{OTHER}\",kind=\"wx_card\"}}"),
                1,
            ),
            (format!("wxoa_token_errors_total{{appid=\"{APP}\"}}"), 1),
            (format!("wxoa_token_errors_total{{appid=\"{OTHER}\"}}"), 0),
            (
                format!("wxoa_token_invalidations_total{{appid=\"{OTHER}\"}}"),
                2,
            ),
        ] {
            assert_eq!(value(&text, &series), Some(expected), "{series}\n{text}");
        }
        let left = value(
            &text,
            &format!("wxoa_token_seconds_to_expiry{{appid=\"{APP}\",kind=\"access_token\"}}"),
        )
        .unwrap();
        assert!((3598..=3600).contains(&left), "{left}");
        assert!(
            !text.contains(&format!(
                "wxoa_token_seconds_to_expiry{{appid=\"{APP}\",kind=\"jsapi\"}}"
            )),
            "{text}"
        );
    }
}
