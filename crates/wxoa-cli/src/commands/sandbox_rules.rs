//! `wxoa sandbox`'s flags for the platform's rules where the sources disagree
//! (api-reference-2 "unsure"): analytics (spans, the code of a range ending today, when
//! yesterday's figures are ready, the original article endpoints offline, an unverified
//! account) and subscription notifications (template cap, `msgid` in answers, keyword
//! limits). Each default is the one the sandbox's documentation gives.

use clap::Args;
use wxoa_sandbox::{AccountConfig, AnalyticsRules, SandboxBuilder, SubscribeRules};
use wxoa_types::datacube::Spans;

/// The rules the sources leave open, as flags.
#[derive(Debug, Args)]
#[command(next_help_heading = "Platform rules the sources disagree on")]
pub(crate) struct RuleArgs {
    /// Analytics: days one call of an endpoint covers where it differs from the original
    /// documentation, as NAME=DAYS[,NAME=DAYS…] (e.g. getarticleread=30,getarticleshare=30,
    /// as one page says); more answers 61501.
    #[arg(
        long,
        value_name = "NAME=DAYS,…",
        default_value = "",
        hide_default_value = true
    )]
    pub(crate) analytics_spans: Spans,
    /// Analytics: the errcode of a range that ends today or later or begins after it ends
    /// (undocumented).
    #[arg(long, value_name = "CODE", default_value_t = 61_501)]
    pub(crate) analytics_range_errcode: i64,
    /// Analytics: the hour of the (virtual, Beijing) day from which yesterday's figures are
    /// ready; before it, a range with yesterday in it answers 61503 (the platform says to
    /// query after 08:00). 0: ready at midnight.
    #[arg(long, value_name = "HOUR", default_value_t = 0,
          value_parser = clap::value_parser!(u8).range(0..=23))]
    pub(crate) analytics_ready_hour: u8,
    /// Analytics: the original article endpoints (getarticlesummary, getarticletotal,
    /// getuserread[hour], getusershare[hour]) answer 47009 "this api is offline", as some
    /// clients report live.
    #[arg(long)]
    pub(crate) old_articles_offline: bool,
    /// The account is not verified (微信认证): every analytics endpoint answers it 48001.
    #[arg(long)]
    pub(crate) unverified: bool,
    /// Subscription notifications: most templates an account holds (200012 beyond).
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub(crate) subscribe_max_templates: usize,
    /// Subscription notifications: bizsend answers the msgid of the message (WxJava reads
    /// one; the platform's page shows none).
    #[arg(long)]
    pub(crate) subscribe_msgid: bool,
    /// Subscription notifications: most digits of an `amount` value (one client has 12).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub(crate) subscribe_amount_digits: usize,
    /// Subscription notifications: `time` and `date` values may not be ranges joined by `~`
    /// (only the newer text allows them).
    #[arg(long)]
    pub(crate) subscribe_no_ranges: bool,
}

impl RuleArgs {
    /// The account's configuration with the account-level rules applied.
    pub(crate) fn account(&self, account: AccountConfig) -> AccountConfig {
        if self.unverified {
            account.verified(false)
        } else {
            account
        }
    }

    /// The builder with the analytics and subscription rules set.
    pub(crate) fn apply(&self, builder: SandboxBuilder) -> SandboxBuilder {
        let mut analytics = AnalyticsRules::default();
        analytics.spans = self.analytics_spans.clone();
        analytics.range_errcode = self.analytics_range_errcode;
        analytics.ready_hour = self.analytics_ready_hour;
        analytics.old_articles_offline = self.old_articles_offline;
        let mut subscribe = SubscribeRules::default();
        subscribe.max_templates = self.subscribe_max_templates;
        subscribe.answer_msgid = self.subscribe_msgid;
        subscribe.keyword_limits.amount_digits = self.subscribe_amount_digits;
        subscribe.keyword_limits.ranges = !self.subscribe_no_ranges;
        builder
            .analytics_rules(analytics)
            .subscribe_rules(subscribe)
    }
}
