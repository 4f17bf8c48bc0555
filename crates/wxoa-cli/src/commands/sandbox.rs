//! `wxoa sandbox`: the local platform of CONTRACT §4.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use wxoa_sandbox::{AccountConfig, Component, ComponentRules, PushMode, Sandbox, Webhook};

use crate::commands::limits::LimitArgs;
use crate::commands::sandbox_rules::RuleArgs;
use crate::config::Settings;
use crate::exit::Failure;
use crate::runtime::{block_on, shutdown_signal};

/// Options of `wxoa sandbox` (the AppID, AppSecret, Token and AES key are global options).
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Address to listen on, e.g. 127.0.0.1:8081 (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: SocketAddr,
    /// Synthetic followers the account starts with.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) followers: u32,
    /// Seed of the synthetic followers: the same seed gives the same OpenIDs and profiles.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) seed: u64,
    /// The account's server: pushes go there, signed with --token. Repeat it for several
    /// instances behind a load balancer: pushes are spread round-robin over the URLs and each
    /// retry goes to the next URL.
    #[arg(long, value_name = "URL")]
    pub(crate) webhook: Vec<String>,
    /// How pushes are protected (default: safe with --aes-key, plain without).
    #[arg(long, value_enum)]
    pub(crate) mode: Option<Mode>,
    /// Keep the state in this file across restarts.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Hold every API answer back this many milliseconds, as a platform across the network
    /// would (concurrent calls wait side by side); 0, the default, answers at once.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub(crate) latency: u64,
    /// Seconds an access token lives — the account's, and the authorizer tokens of
    /// --component-app-id (7,200 on the platform): a shortened "virtual lifetime" lets a
    /// test or benchmark watch many refreshes in minutes.
    #[arg(long, value_name = "SECS", default_value_t = 7_200, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) token_lifetime: u64,
    /// Also play the old account APPID that this account took over (账号迁移): changeopenid
    /// turns its followers' OpenIDs into this account's, for 15 days from the first start.
    /// It has as many synthetic followers as this one (follower k became follower k here, so
    /// the new OpenIDs are the same on every run with the same --seed) and an AppSecret
    /// derived from its AppID.
    #[arg(long, value_name = "APPID")]
    pub(crate) migrate_from: Option<String>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
    #[command(flatten)]
    pub(crate) rules: RuleArgs,
    #[command(flatten)]
    pub(crate) component: ComponentArgs,
}

/// The third-party platform (开放平台 component) the sandbox plays besides the account:
/// given `--component-app-id`, it serves `/cgi-bin/component/…`, pushes tickets to
/// `--component-auth-url`, and plays `--authorizers` official accounts that can authorize it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Third-party platform")]
pub(crate) struct ComponentArgs {
    /// Play a third-party platform with this AppID (needs --component-secret,
    /// --component-token and --component-aes-key).
    #[arg(long, value_name = "ID", env = "WXOA_COMPONENT_APP_ID")]
    pub(crate) component_app_id: Option<String>,
    /// The component's AppSecret (32 hex digits; never printed).
    #[arg(
        long,
        value_name = "S",
        env = "WXOA_COMPONENT_SECRET",
        hide_env_values = true
    )]
    pub(crate) component_secret: Option<String>,
    /// The component's 消息校验 Token: signs every push (tickets, authorization changes, the
    /// authorizers' messages).
    #[arg(
        long,
        value_name = "T",
        env = "WXOA_COMPONENT_TOKEN",
        hide_env_values = true
    )]
    pub(crate) component_token: Option<String>,
    /// The component's EncodingAESKey (43 characters): encrypts every push and reply.
    #[arg(
        long,
        value_name = "K",
        env = "WXOA_COMPONENT_AES_KEY",
        hide_env_values = true
    )]
    pub(crate) component_aes_key: Option<String>,
    /// The authorization-event URL (授权事件接收URL): tickets at start and every
    /// --ticket-interval virtual seconds, and authorized/updateauthorized/unauthorized.
    #[arg(long, value_name = "URL")]
    pub(crate) component_auth_url: Option<String>,
    /// The message URL (消息与事件接收URL) of the authorizers' followers' messages; the literal
    /// `$APPID$` is replaced by the authorizer's AppID.
    #[arg(long, value_name = "URL")]
    pub(crate) component_message_url: Option<String>,
    /// Simulated official accounts that can authorize the component (AppIDs, original ids and
    /// names follow from --seed; each has --followers synthetic followers).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) authorizers: u32,
    /// Start with every simulated account authorized (all official-account permission sets,
    /// refresh tokens issued, nothing pushed).
    #[arg(long)]
    pub(crate) pre_authorized: bool,
    /// Seconds a pre_auth_code lives (the sources say 600 or 1800).
    #[arg(long, value_name = "SECS", default_value_t = 1_800)]
    pub(crate) pre_auth_code_ttl: i64,
    /// Seconds an authorization code lives (the sources say 600 or 3600).
    #[arg(long, value_name = "SECS", default_value_t = 3_600)]
    pub(crate) auth_code_ttl: i64,
    /// Seconds a component_verify_ticket is accepted after its push.
    #[arg(long, value_name = "SECS", default_value_t = 43_200)]
    pub(crate) ticket_validity: i64,
    /// Virtual seconds between two ticket pushes.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub(crate) ticket_interval: i64,
    /// api_component_token calls a day before 45009 (0: no cap; undocumented, 2,000 assumed).
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub(crate) component_tokens_per_day: u32,
    /// api_authorizer_token calls a day per authorizer before 45009 (0: no cap; undocumented).
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub(crate) refreshes_per_day: u32,
    /// The component's IP whitelist (comma-separated): its calls and those made with its
    /// authorizers' tokens from any other address answer 61004 (default: every address).
    #[arg(long, value_name = "IP", value_delimiter = ',')]
    pub(crate) component_ip_whitelist: Vec<std::net::IpAddr>,
}

impl ComponentArgs {
    /// The component to play, if --component-app-id is given; a usage error naming what is
    /// missing otherwise.
    fn resolve(&self) -> Result<Option<Component>, Failure> {
        let Some(app_id) = &self.component_app_id else {
            let given = self.component_auth_url.is_some()
                || self.component_message_url.is_some()
                || self.authorizers > 0
                || self.pre_authorized
                || !self.component_ip_whitelist.is_empty();
            if given {
                return Err(Failure::usage(anyhow::anyhow!(
                    "--component-auth-url, --component-message-url, --authorizers, \
                     --pre-authorized and --component-ip-whitelist need --component-app-id"
                )));
            }
            return Ok(None);
        };
        let need = |value: &Option<String>, flag: &str| {
            value
                .clone()
                .ok_or_else(|| Failure::usage(anyhow::anyhow!("--component-app-id needs {flag}")))
        };
        let cap = |n: u32| (n > 0).then_some(n);
        let mut rules = ComponentRules::default();
        rules.pre_auth_code_ttl = self.pre_auth_code_ttl;
        rules.auth_code_ttl = self.auth_code_ttl;
        rules.ticket_validity = self.ticket_validity;
        rules.ticket_interval = self.ticket_interval;
        rules.component_tokens_per_day = cap(self.component_tokens_per_day);
        rules.refreshes_per_day = cap(self.refreshes_per_day);
        let mut component = Component::new(
            app_id.clone(),
            need(&self.component_secret, "--component-secret")?,
            need(&self.component_token, "--component-token")?,
            need(&self.component_aes_key, "--component-aes-key")?,
        )
        .authorizers(self.authorizers)
        .pre_authorized(self.pre_authorized)
        .rules(rules);
        if let Some(url) = &self.component_auth_url {
            component = component.auth_url(url.clone());
        }
        if let Some(url) = &self.component_message_url {
            component = component.message_url(url.clone());
        }
        if !self.component_ip_whitelist.is_empty() {
            component = component.ip_whitelist(self.component_ip_whitelist.iter().copied());
        }
        Ok(Some(component))
    }
}

/// The push modes of server-access.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Plaintext pushes and replies.
    Plain,
    /// Plaintext plus ciphertext; either kind of reply.
    Compat,
    /// Ciphertext only.
    Safe,
}

pub(crate) fn sandbox(settings: &Settings, args: &SandboxArgs) -> Result<(), Failure> {
    let global = &settings.global;
    let mut builder = Sandbox::builder()
        .listen(args.listen)
        .followers(args.followers)
        .seed(args.seed)
        .latency(std::time::Duration::from_millis(args.latency))
        .token_lifetime(std::time::Duration::from_secs(args.token_lifetime))
        .limits(args.limits.resolve(&settings.limits)?);
    match (&global.app_id, &global.app_secret) {
        (Some(app_id), Some(secret)) => {
            let account = AccountConfig::new(app_id.clone(), secret.clone());
            builder = builder.account(args.rules.account(account));
        }
        (Some(_), None) => {
            return Err(Failure::usage(anyhow::anyhow!(
                "--app-id needs --app-secret (or WXOA_APP_SECRET): the sandbox checks both"
            )));
        }
        (None, Some(_)) => {
            return Err(Failure::usage(anyhow::anyhow!(
                "--app-secret needs --app-id (or WXOA_APP_ID)"
            )));
        }
        (None, None) if args.rules.changes_account() => {
            builder = builder.account(args.rules.account(AccountConfig::default()));
        }
        (None, None) => {}
    }
    builder = args.rules.apply(builder);
    if let Some((first, others)) = args.webhook.split_first() {
        let token = Settings::require(&global.token, "--token", "WXOA_TOKEN")?;
        let mut webhook = others
            .iter()
            .fold(Webhook::new(first.clone(), token), |webhook, url| {
                webhook.with_url(url.clone())
            });
        if let Some(key) = &global.aes_key {
            webhook = webhook.aes_key(key.clone());
        }
        let mode = match (args.mode, &global.aes_key) {
            (Some(Mode::Plain), _) | (None, None) => PushMode::Plain,
            (Some(Mode::Compat), _) => PushMode::Compat,
            (Some(Mode::Safe), _) | (None, Some(_)) => PushMode::Safe,
        };
        builder = builder.webhook(webhook.mode(mode));
    } else if args.mode.is_some() {
        return Err(Failure::usage(anyhow::anyhow!("--mode needs --webhook")));
    }
    if let Some(path) = &args.state {
        builder = builder.state_file(path.clone());
    }
    if let Some(from) = &args.migrate_from {
        builder = builder.migrate_from(from.clone());
    }
    if let Some(component) = args.component.resolve()? {
        builder = builder.component(component);
    }
    block_on(async move {
        let sandbox = builder.start().await.map_err(Failure::usage)?;
        let stop = shutdown_signal()?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", sandbox.base_url())
            .and_then(|()| stdout.flush())
            .context("cannot write to stdout")
            .map_err(Failure::usage)?;
        drop(stdout);
        let _ = writeln!(
            std::io::stderr(),
            "wxoa sandbox: listening on {} as AppID {}; Ctrl-C stops it",
            sandbox.base_url(),
            sandbox.app_id(),
        );
        stop.await;
        sandbox.shutdown().await.map_err(Failure::usage)
    })
}
