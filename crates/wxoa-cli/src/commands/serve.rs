//! `wxoa serve`: the webhook server of CONTRACT §3.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use wxoa_client::component::Keeper;
use wxoa_webhook::deadline::{CustomerService, LateReply};
use wxoa_webhook::dedup::{DedupStore, RedisDedup};
use wxoa_webhook::metrics::Registry;
use wxoa_webhook::{Account, Bot, ComponentAccount, Webhook, bots};

use crate::commands::limits::LimitArgs;
use crate::config::Settings;
use crate::exit::Failure;
use crate::runtime::{block_on, shutdown_signal};

/// Options of `wxoa serve` (the Token, AES key, AppID, AppSecret and API bases are global).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: String,
    /// Path of the push endpoint; `{path}/{appid}` routes by AppID too.
    #[arg(long, default_value = "/wechat")]
    pub(crate) path: String,
    /// Which bot answers.
    #[arg(long, value_enum, default_value_t = BotKind::Echo)]
    pub(crate) bot: BotKind,
    /// Redis shared by every instance (`redis://[:PASSWORD@]HOST:PORT[/DB]`), so that a retry
    /// is recognised whichever instance gets it.
    ///
    /// Every Redis operation gives up after 250 ms. While Redis is down, stalled or
    /// unreachable, pushes are answered without dedupe (logged once, counted in /metrics as
    /// wxoa_webhook_dedupe_failures_total) and Redis is tried again every half second; dedupe
    /// across instances resumes as soon as it answers. The same holds at start-up: a malformed
    /// URL is an error (exit 2), but a Redis that does not answer yet is logged and the server
    /// starts, without dedupe until Redis answers.
    ///
    /// A push answered `success` while its handler still runs (past the budget, or its
    /// connection closed) is kept in Redis until its late reply has gone out; if this instance
    /// dies first, another instance sharing the Redis runs the handler again and sends the
    /// reply (needs --app-secret). Without --redis, late replies live only in this process.
    #[arg(long, value_name = "URL")]
    pub(crate) redis: Option<String>,
    /// How far a push's timestamp may be from now, in seconds (0 turns the check off).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub(crate) replay_window: u64,
    /// Take plaintext pushes although --aes-key is given, only while switching the platform
    /// from plain to compat or safe mode: a plaintext push is signed over the Token, timestamp
    /// and nonce only, so anyone holding one logged query string could forge one. Without it,
    /// they are refused with 401. Config key: allow_plain.
    #[arg(long)]
    pub(crate) allow_plain: bool,
    /// On SIGTERM or Ctrl-C, how long to wait for handlers and late replies still running,
    /// in seconds from the signal, before exiting; a reply not delivered by then is logged
    /// with its push (with --redis, it is left in Redis for another instance to send). Keep
    /// the process manager's kill timeout above it. Config key:
    /// drain_timeout. [default: 30]
    #[arg(long, value_name = "SECS")]
    pub(crate) drain_timeout: Option<u64>,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// How long a stop waits by default: a handler may run up to 30 s (the echo bot's longest
/// `sleep`), and its reply must still go out.
const DRAIN_TIMEOUT_SECS: u64 = 30;

/// The bots `wxoa serve` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BotKind {
    /// Echoes text, images and voice; `welcome` on subscribe.
    Echo,
    /// A tour of every reply kind, driven by a menu.
    Demo,
}

pub(crate) fn bot(kind: BotKind) -> Bot {
    match kind {
        BotKind::Echo => bots::echo(),
        BotKind::Demo => bots::demo(),
    }
}

pub(crate) fn serve(settings: &Settings, args: &ServeArgs) -> Result<(), Failure> {
    let global = &settings.global;
    let token = Settings::require(&global.token, "--token", "WXOA_TOKEN")?;
    // Plain mode needs no AppID; it still names the account in logs and dedupe keys.
    let app_id = global
        .app_id
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let mut account = Account::new(app_id, token, bot(args.bot));
    if let Some(key) = global.aes_key.as_deref() {
        if global.app_id.is_none() {
            return Err(Failure::usage(anyhow::anyhow!(
                "--aes-key needs --app-id: the AppID is checked inside every encrypted push"
            )));
        }
        account = account.aes_key(key).map_err(Failure::usage)?;
    }
    account = account.allow_plain(args.allow_plain || settings.allow_plain == Some(true));
    // The process's one registry: /metrics serves the webhook's metrics and its client's.
    let mut registry = Registry::default();
    // With an AppSecret (or a token server), replies that miss the 5-second deadline go out as
    // customer-service messages; without, they are logged as undeliverable.
    let late = if global.app_secret.is_some() || global.token_server.is_some() {
        let client = crate::commands::api::client(settings)?;
        client.metrics().register(&mut registry);
        Some(Arc::new(CustomerService::new(client)) as Arc<dyn LateReply>)
    } else {
        None
    };
    run(settings, args, Served::Account(account), late, registry)
}

/// What a webhook server serves: an account of its own, or a third-party platform and its
/// authorizers (`wxoa component serve`).
pub(crate) enum Served {
    Account(Account),
    /// The component, the path of its authorization events, and the keeper of its
    /// authorizers' tokens to run beside the server (none with --no-keeper).
    Component(ComponentAccount, String, Option<Keeper>),
}

/// Serves until SIGTERM or Ctrl-C, then drains.
pub(crate) fn run(
    settings: &Settings,
    args: &ServeArgs,
    served: Served,
    late: Option<Arc<dyn LateReply>>,
    registry: Registry,
) -> Result<(), Failure> {
    let drain_timeout = Duration::from_secs(
        args.drain_timeout
            .or(settings.drain_timeout)
            .unwrap_or(DRAIN_TIMEOUT_SECS),
    );
    let name = match &served {
        Served::Account(account) => account.app_id().to_owned(),
        Served::Component(component, _, _) => component.app_id().to_owned(),
    };
    let keeper = match &served {
        Served::Component(_, _, keeper) => keeper.clone(),
        Served::Account(_) => None,
    };
    let listen = args.listen.clone();
    let path = args.path.clone();
    let redis = args.redis.clone();
    let window = Duration::from_secs(args.replay_window);
    let limits = args.limits.resolve(&settings.limits)?;
    block_on(async move {
        let mut builder = Webhook::builder()
            .registry(registry)
            .path(path.clone())
            .replay_window(window);
        builder = match served {
            Served::Account(account) => builder.account(account),
            Served::Component(component, path, _) => {
                builder.component(component).component_path(path)
            }
        };
        if let Some(late) = late {
            builder = builder.late_reply(late);
        }
        if let Some(url) = redis {
            // The error names the URL with its password masked.
            let store = RedisDedup::new(&url).map_err(|e| Failure::usage(anyhow::anyhow!(e)))?;
            // A Redis that does not answer yet is what a running server fails open on too: the
            // server starts, and dedupe across instances begins when Redis answers.
            if let Err(error) = store.check().await {
                tracing::warn!(redis = %store.url(), %error, "Redis does not answer at start-up: serving without dedupe across instances until it does");
            }
            builder = builder.dedup(Arc::new(store) as Arc<dyn DedupStore>);
        }
        let webhook = builder.build().map_err(Failure::usage)?;
        let listener = wxoa_server::bind(&listen)
            .await
            .map_err(|e| Failure::usage(anyhow::anyhow!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr().map_err(Failure::usage)?;
        let signal = shutdown_signal()?;
        // The drain deadline counts from the signal, so that the whole stop takes at most
        // --drain-timeout however long the requests in progress take to finish.
        let signalled = Arc::new(OnceLock::new());
        let stop = {
            let signalled = signalled.clone();
            async move {
                signal.await;
                let _ = signalled.set(Instant::now());
            }
        };
        tracing::info!(%local, app_id = %name, "serving pushes");
        eprintln!("wxoa serve: listening on http://{local}{path}");
        // The keeper refreshes the authorizers' tokens while the server runs.
        let keeping = keeper.map(|keeper| tokio::spawn(async move { keeper.run().await }));
        wxoa_server::serve(listener, webhook.router(), limits, stop).await;
        if let Some(keeping) = keeping {
            keeping.abort();
        }
        let left = signalled.get().map_or(drain_timeout, |at| {
            drain_timeout.saturating_sub(at.elapsed())
        });
        let drained = webhook.drain(left).await;
        if !drained.undelivered.is_empty() {
            eprintln!(
                "wxoa serve: stopped with {} late replies not delivered within --drain-timeout (each is logged with its push)",
                drained.undelivered.len()
            );
        }
        if !drained.handed_over.is_empty() {
            eprintln!(
                "wxoa serve: stopped with {} late replies left in the Redis outbox: another instance sends them",
                drained.handed_over.len()
            );
        }
        Ok(())
    })
}
