//! `wxoa serve`: the webhook server of CONTRACT §3.

use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use wxoa_webhook::dedup::{DedupStore, RedisDedup};
use wxoa_webhook::deferred::{CustomerService, LateReply};
use wxoa_webhook::{Account, Bot, Webhook, bots};

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
    /// Redis shared by every instance, so a retry is recognised whichever instance gets it.
    #[arg(long, value_name = "URL")]
    pub(crate) redis: Option<String>,
    /// How far a push's timestamp may be from now, in seconds (0 turns the check off).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub(crate) replay_window: u64,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// The bots `wxoa serve` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BotKind {
    /// Echoes text, images and voice; `welcome` on subscribe.
    Echo,
    /// A tour of every reply kind, driven by a menu.
    Demo,
}

fn bot(kind: BotKind) -> Bot {
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
    let mut account = Account::new(app_id.clone(), token, bot(args.bot));
    if let Some(key) = global.aes_key.as_deref() {
        if global.app_id.is_none() {
            return Err(Failure::usage(anyhow::anyhow!(
                "--aes-key needs --app-id: the AppID is checked inside every encrypted push"
            )));
        }
        account = account.aes_key(key).map_err(Failure::usage)?;
    }
    // With an AppSecret (or a token server), replies that miss the 5-second deadline go out as
    // customer-service messages; without, they are logged as undeliverable.
    let late = if global.app_secret.is_some() || global.token_server.is_some() {
        let client = crate::commands::api::client(settings)?;
        Some(Arc::new(CustomerService::new(client)) as Arc<dyn LateReply>)
    } else {
        None
    };
    let listen = args.listen.clone();
    let path = args.path.clone();
    let redis = args.redis.clone();
    let window = Duration::from_secs(args.replay_window);
    let limits = args.limits.resolve(&settings.limits)?;
    block_on(async move {
        let mut builder = Webhook::builder()
            .account(account)
            .path(path.clone())
            .replay_window(window);
        if let Some(late) = late {
            builder = builder.late_reply(late);
        }
        if let Some(url) = redis {
            let store: Arc<dyn DedupStore> = Arc::new(
                RedisDedup::connect(&url)
                    .await
                    .map_err(|e| Failure::usage(anyhow::anyhow!("--redis {url}: {e}")))?,
            );
            builder = builder.dedup(store);
        }
        let webhook = builder.build();
        let listener = wxoa_server::bind(&listen)
            .await
            .map_err(|e| Failure::usage(anyhow::anyhow!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr().map_err(Failure::usage)?;
        let stop = shutdown_signal()?;
        tracing::info!(%local, %app_id, "serving pushes");
        eprintln!("wxoa serve: listening on http://{local}{path}");
        wxoa_server::serve(listener, webhook.router(), limits, stop).await;
        Ok(())
    })
}
