//! `wxoa sandbox`'s flags for the platform's rules where the sources disagree
//! (api-reference-2 "unsure"): analytics (spans, the code of a range ending today, when
//! yesterday's figures are ready, the original article endpoints offline, an unverified
//! account), an account without the new customer-service system, and subscription
//! notifications (template cap, `msgid` in answers, keyword limits). Each default is the one
//! the sandbox's documentation gives.

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
    /// The account has not enabled the new customer-service system (新版客服): every
    /// kfsession and msgrecord call answers it 65400.
    #[arg(long)]
    pub(crate) no_new_kf: bool,
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
    /// Subscription notifications: bizsend's `page` must be an http(s) URL (41030 otherwise).
    #[arg(long)]
    pub(crate) subscribe_page_web_url: bool,
    /// Subscription notifications: titles (tids) whose templates bizsend refuses with 43107.
    #[arg(long, value_name = "TID,…", value_delimiter = ',')]
    pub(crate) subscribe_send_banned_tids: Vec<u32>,
    /// Subscription notifications: words bizsend refuses in a value with 45168.
    #[arg(long, value_name = "WORD,…", value_delimiter = ',')]
    pub(crate) subscribe_sensitive_words: Vec<String>,
    /// Subscription notifications: the account is banned from templates (addtemplate 200011).
    #[arg(long)]
    pub(crate) subscribe_account_banned: bool,
    /// Subscription notifications: titles (tids) addtemplate refuses with 200013.
    #[arg(long, value_name = "TID,…", value_delimiter = ',')]
    pub(crate) subscribe_add_banned_tids: Vec<u32>,
}

impl RuleArgs {
    /// The account's configuration with the account-level rules applied.
    pub(crate) fn account(&self, mut account: AccountConfig) -> AccountConfig {
        if self.unverified {
            account = account.verified(false);
        }
        if self.no_new_kf {
            account = account.new_kf(false);
        }
        account
    }

    /// Whether any account-level rule is set (the default account then needs configuring).
    pub(crate) fn changes_account(&self) -> bool {
        self.unverified || self.no_new_kf
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
        subscribe.page_web_url = self.subscribe_page_web_url;
        subscribe
            .send_banned_tids
            .clone_from(&self.subscribe_send_banned_tids);
        subscribe
            .sensitive_words
            .clone_from(&self.subscribe_sensitive_words);
        subscribe.account_banned = self.subscribe_account_banned;
        subscribe
            .add_banned_tids
            .clone_from(&self.subscribe_add_banned_tids);
        builder
            .analytics_rules(analytics)
            .subscribe_rules(subscribe)
    }
}
