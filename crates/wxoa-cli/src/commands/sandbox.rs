//! `wxoa sandbox`: the local platform of CONTRACT §4.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use wxoa_sandbox::{AccountConfig, PushMode, Sandbox, Webhook};

use crate::commands::limits::LimitArgs;
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
    /// Also play the old account APPID that this account took over (账号迁移): changeopenid
    /// turns its followers' OpenIDs into this account's, for 15 days from the first start.
    /// It has as many synthetic followers as this one (follower k became follower k here, so
    /// the new OpenIDs are the same on every run with the same --seed) and an AppSecret
    /// derived from its AppID.
    #[arg(long, value_name = "APPID")]
    pub(crate) migrate_from: Option<String>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
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
        .limits(args.limits.resolve(&settings.limits)?);
    match (&global.app_id, &global.app_secret) {
        (Some(app_id), Some(secret)) => {
            builder = builder.account(AccountConfig::new(app_id.clone(), secret.clone()));
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
        (None, None) => {}
    }
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
