//! `wxoa token-server`: the central control server of CONTRACT §5.

use std::time::Duration;

use clap::Args;
use wxoa_client::token::TokenSource;
use wxoa_client::{Account, Client, DEFAULT_API_BASES};
use wxoa_control::ControlServer;

use crate::commands::api::store;
use crate::commands::limits::LimitArgs;
use crate::config::Settings;
use crate::exit::Failure;
use crate::runtime::{block_on, shutdown_signal};

/// What `wxoa token-server --help` says after the options.
const AFTER_HELP: &str = "\
Routes (every one needs Authorization: Bearer X): GET /token[?appid=A], POST /token/invalidate \
{\"access_token\": \"...\"}, GET /ticket/jsapi, GET /ticket/wx_card, GET /healthz, GET /metrics \
(OpenMetrics text: the wxoa_token_* metrics, and the wxoa_client_* metrics of the calls that fetch \
the tokens).

With --component, --app-id and --app-secret are a third-party platform's (as for wxoa component) \
and the server also serves its authorizers: GET /token?appid=AUTHORIZER answers the authorizer's \
token, refreshed through the component with the refresh token kept in --store (give the store \
wxoa component serve writes the tickets and refresh tokens to; with a shared Redis, one refresh \
per authorizer however many instances), POST /token/invalidate?appid=AUTHORIZER replaces it once, \
GET /ticket/jsapi?appid=AUTHORIZER and /ticket/wx_card?appid=AUTHORIZER are its tickets, and \
?appid=COMPONENT (or none) is the component's own token. Callers never hold a refresh token. An \
AppID that has not authorized the component (no refresh token in the store or in the platform's \
authorizer list) is answered 404 {\"error\": \"not_authorized\", \"errcode\": 61003, ...}; \
an AppID the server knows nothing of, 404 {\"error\": \"unknown_appid\", \"errcode\": 40013, ...}.

A reported token is replaced once, however many callers and instances (sharing a file or Redis \
--store) report it: one fetch of the current token and, only if stable_token answers the reported \
value again, one forced refresh (the platform allows 20 a day, 30 s apart); every caller gets the \
platform's current token. A token the platform still answers after that is kept, and reports of \
it fetch nothing for 30 s.

The quota guard allows 20 fetches of a token per hour per process. It never stops serving a token \
that is still valid; a request that needs a fetch it refuses is answered 429 with Retry-After and \
{\"error\": \"token_quota\", \"retry_at\": UNIX_SECONDS, ...}, and /metrics shows \
wxoa_token_quota_refusals_total and wxoa_token_quota_refusing_until_seconds.

Fetches run to completion even when the caller that started them disconnects; the fetch lock of a \
shared store lives 30 s, its holder gives up a fetch before then, and the other instances wait for it \
that long.";

/// Options of `wxoa token-server` (the AppID, AppSecret, API bases and store are global; more
/// accounts come from the `[[accounts]]` of `--config`).
#[derive(Debug, Args)]
#[command(after_long_help = AFTER_HELP)]
pub(crate) struct TokenServerArgs {
    /// Address to listen on, e.g. 0.0.0.0:8300.
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: String,
    /// The Bearer token every caller must present.
    #[arg(
        long,
        value_name = "X",
        env = "WXOA_TOKEN_SERVER_AUTH",
        hide_env_values = true
    )]
    pub(crate) auth_token: String,
    /// Fetch with the classic cgi-bin/token instead of stable_token (each fetch then
    /// invalidates the previous token five minutes later).
    #[arg(long)]
    pub(crate) classic: bool,
    /// --app-id and --app-secret are a third-party platform's: serve its authorizers' tokens
    /// and tickets by their AppIDs too (see below).
    #[arg(long, conflicts_with = "classic")]
    pub(crate) component: bool,
    /// How often every served token is checked and refreshed ahead of expiry, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) refresh_interval: u64,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

pub(crate) fn token_server(settings: &Settings, args: &TokenServerArgs) -> Result<(), Failure> {
    let global = &settings.global;
    let mut accounts = Vec::new();
    if let Some(app_id) = global.app_id.as_deref() {
        let secret = Settings::require(&global.app_secret, "--app-secret", "WXOA_APP_SECRET")?;
        accounts.push(if args.component {
            Account::component(app_id, secret)
        } else {
            Account::new(app_id, secret)
        });
    } else if args.component {
        return Err(Failure::usage(anyhow::anyhow!(
            "--component needs the platform's --app-id and --app-secret"
        )));
    }
    for account in &settings.accounts {
        if accounts
            .iter()
            .any(|a: &Account| a.app_id().as_str() == account.app_id)
        {
            continue;
        }
        let secret = account.app_secret.as_deref().ok_or_else(|| {
            Failure::usage(anyhow::anyhow!(
                "account {} of the config file has no app_secret",
                account.app_id
            ))
        })?;
        accounts.push(Account::new(account.app_id.as_str(), secret));
    }
    if accounts.is_empty() {
        return Err(Failure::usage(anyhow::anyhow!(
            "no account: give --app-id and --app-secret, or [[accounts]] in --config"
        )));
    }
    if args.auth_token.trim().is_empty() {
        return Err(Failure::usage(anyhow::anyhow!(
            "--auth-token must not be empty"
        )));
    }
    let bases: Vec<String> = if global.api_base.is_empty() {
        DEFAULT_API_BASES.iter().map(|b| (*b).to_owned()).collect()
    } else {
        global.api_base.clone()
    };
    let mut builder = Client::builder()
        .api_bases(bases)
        .store(store(global.store.as_deref())?);
    if args.classic {
        builder = builder.token_source(TokenSource::classic());
    }
    for account in accounts {
        builder = builder.account(account);
    }
    let client = builder.build().map_err(Failure::usage)?;
    let listen = args.listen.clone();
    let server = ControlServer::new(client, args.auth_token.as_str());
    let interval = Duration::from_secs(args.refresh_interval.max(1));
    let limits = args.limits.resolve(&settings.limits)?;
    block_on(async move {
        let listener = wxoa_server::bind(&listen)
            .await
            .map_err(|e| Failure::usage(anyhow::anyhow!("cannot listen on {listen}: {e}")))?;
        let local = listener.local_addr().map_err(Failure::usage)?;
        let fresh = server.clone();
        let keeper = tokio::spawn(async move { fresh.keep_fresh(interval).await });
        let stop = shutdown_signal()?;
        eprintln!("wxoa token-server: listening on http://{local}");
        wxoa_server::serve(listener, server.router(), limits, stop).await;
        keeper.abort();
        Ok(())
    })
}
