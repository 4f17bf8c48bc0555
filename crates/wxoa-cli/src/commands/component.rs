//! `wxoa component …`: a third-party platform (开放平台 第三方平台) whose AppID and AppSecret
//! are `--app-id` and `--app-secret` — its webhook server, the authorization page's URL, its
//! authorizers and their tokens. Any API command acts for one of its authorizers with
//! `--authorizer APPID`.

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use wxoa_client::component::{AuthType, ComponentSettings};
use wxoa_webhook::ComponentAccount;
use wxoa_webhook::metrics::Registry;

use crate::commands::api::{component as component_of, component_with, failure, output, print};
use crate::commands::serve::{ServeArgs, Served, bot, run};
use crate::config::Settings;
use crate::exit::Failure;
use crate::runtime::block_on;

/// `wxoa component …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ComponentCommand {
    /// Serve the component's pushes: its authorization events on --component-path (the
    /// ticket stored in --store for every instance, authorizations exchanged, revocations
    /// applied) and its authorizers' messages on {path}/{appid} — configure the message URL
    /// as https://HOST{path}/$APPID$ — verified and answered with --token and --aes-key (the
    /// component's), by the --bot; the release test (全网发布) answered built-in.
    Serve(ComponentServeArgs),
    /// A pre-authorization code and the authorization page's URL for an account's
    /// administrator.
    AuthorizeUrl(AuthorizeUrlArgs),
    /// Every account that authorized the component (paged for you), as JSONL or CSV.
    Authorizers {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Jsonl)]
        format: ListFormat,
    },
    /// An authorizer's access token (refreshed through the component when due), with its
    /// expiry.
    Token {
        /// The authorizer's AppID.
        authorizer: String,
    },
    /// Ask the platform to push a component_verify_ticket now (api_start_push_ticket).
    StartPushTicket,
    /// Rebuild refresh tokens missing from --store from the platform's authorizer list.
    Recover,
}

/// Options of `wxoa component serve`.
#[derive(Debug, Args)]
pub(crate) struct ComponentServeArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// The path of the authorization-event URL (授权事件接收URL).
    #[arg(long, default_value = "/component")]
    component_path: String,
    /// Let the bot see the release test's pushes instead of answering them built-in.
    #[arg(long)]
    no_release_test: bool,
    /// Do not run the keeper, which refreshes every authorizer's token ahead of its expiry
    /// whether or not it is used (tokens are then refreshed when a call needs one).
    #[arg(long)]
    no_keeper: bool,
    /// Most authorizer token refreshes per second, by this instance and by every instance
    /// sharing --store together (a counter in the store).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    refreshes_per_second: u32,
    /// Most authorizer token refreshes running at once in this instance.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..))]
    refresh_concurrency: u64,
    /// Refresh an authorizer's token this many seconds before it stops being usable (at most
    /// an eighth of its life), plus a spread of its own of up to --refresh-spread seconds (at
    /// most a tenth of its life).
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    refresh_ahead: u64,
    /// See --refresh-ahead.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    refresh_spread: u64,
    /// How long a token fetch lock in --store lives should its holder die (a killed
    /// instance): the others wait that long before refreshing the tokens it was refreshing.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    store_lock: u64,
}

/// Options of `wxoa component authorize-url`.
#[derive(Debug, Args)]
pub(crate) struct AuthorizeUrlArgs {
    /// Where the administrator is sent back with auth_code (on the authorization domain).
    #[arg(long, value_name = "URL")]
    redirect_uri: String,
    /// The page opened inside WeChat instead of the computer's (a QR code to scan).
    #[arg(long)]
    mobile: bool,
    /// Which accounts the page lists.
    #[arg(long, value_enum, default_value_t = AuthTypeArg::Both)]
    auth_type: AuthTypeArg,
    /// Only this account's administrator may authorize.
    #[arg(long, value_name = "APPID")]
    biz_appid: Option<String>,
}

/// `--auth-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuthTypeArg {
    /// Official accounts only.
    OfficialAccounts,
    /// Mini programs only.
    MiniPrograms,
    /// Both.
    Both,
}

/// `--format` of `wxoa component authorizers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

pub(crate) fn component(settings: &Settings, command: ComponentCommand) -> Result<(), Failure> {
    match command {
        ComponentCommand::Serve(args) => serve(settings, &args),
        ComponentCommand::AuthorizeUrl(args) => authorize_url(settings, &args),
        ComponentCommand::Authorizers { format } => authorizers(settings, format),
        ComponentCommand::Token { authorizer } => {
            let output = output(settings);
            block_on(async move {
                let client = component_of(settings)?
                    .authorizer(&authorizer)
                    .map_err(failure)?;
                let token = client.access_token().await.map_err(failure)?;
                let expires_at = token.expires_at_ms() / 1000;
                print(
                    &json!({"authorizer_appid": authorizer, "access_token": token.expose(), "expires_at": expires_at}),
                    output,
                )
            })
        }
        ComponentCommand::StartPushTicket => {
            let output = output(settings);
            block_on(async move {
                let message = component_of(settings)?
                    .start_push_ticket()
                    .await
                    .map_err(failure)?;
                print(&json!({"errmsg": message}), output)
            })
        }
        ComponentCommand::Recover => {
            let output = output(settings);
            block_on(async move {
                let written = component_of(settings)?
                    .recover_refresh_tokens()
                    .await
                    .map_err(failure)?;
                print(&json!({"written": written}), output)
            })
        }
    }
}

fn serve(settings: &Settings, args: &ComponentServeArgs) -> Result<(), Failure> {
    let global = &settings.global;
    let token = Settings::require(&global.token, "--token", "WXOA_TOKEN")?;
    let key = Settings::require(&global.aes_key, "--aes-key", "WXOA_AES_KEY")?;
    let mut pace = ComponentSettings::default();
    pace.refreshes_per_second = args.refreshes_per_second;
    pace.refresh_concurrency = usize::try_from(args.refresh_concurrency).unwrap_or(usize::MAX);
    pace.refresh_ahead = Duration::from_secs(args.refresh_ahead);
    pace.refresh_spread = Duration::from_secs(args.refresh_spread);
    let component = component_with(settings, pace, Some(Duration::from_secs(args.store_lock)))?;
    let mut registry = Registry::default();
    component.client().metrics().register(&mut registry);
    let keeper = (!args.no_keeper).then(|| component.keeper());
    if let Some(keeper) = &keeper {
        keeper.register(&mut registry);
    }
    let app_id = component.app_id().to_string();
    let served = ComponentAccount::new(app_id, token, key, bot(args.serve.bot), component)
        .map_err(Failure::usage)?
        .release_test(!args.no_release_test);
    run(
        settings,
        &args.serve,
        Served::Component(served, args.component_path.clone(), keeper),
        None,
        registry,
    )
}

fn authorize_url(settings: &Settings, args: &AuthorizeUrlArgs) -> Result<(), Failure> {
    let output = output(settings);
    block_on(async move {
        let component = component_of(settings)?;
        let code = component.pre_auth_code().await.map_err(failure)?;
        let mut url = component
            .authorization_url(code.code.clone(), args.redirect_uri.clone())
            .auth_type(match args.auth_type {
                AuthTypeArg::OfficialAccounts => AuthType::OfficialAccounts,
                AuthTypeArg::MiniPrograms => AuthType::MiniPrograms,
                AuthTypeArg::Both => AuthType::Both,
            });
        if let Some(biz) = &args.biz_appid {
            url = url.biz_appid(biz.clone());
        }
        let url = if args.mobile { url.mobile() } else { url.pc() }.map_err(failure)?;
        print(&json!({"url": url, "expires_in": code.expires_in}), output)
    })
}

fn authorizers(settings: &Settings, format: ListFormat) -> Result<(), Failure> {
    block_on(async move {
        let all = component_of(settings)?
            .authorizers()
            .await
            .map_err(failure)?;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        if format == ListFormat::Csv {
            writeln!(out, "authorizer_appid,auth_time")?;
        }
        // The refresh tokens are credentials: never printed.
        for entry in all {
            match format {
                ListFormat::Jsonl => writeln!(
                    out,
                    "{}",
                    json!({"authorizer_appid": entry.authorizer_appid, "auth_time": entry.auth_time})
                )?,
                ListFormat::Csv => writeln!(out, "{},{}", entry.authorizer_appid, entry.auth_time)?,
            }
        }
        Ok(())
    })
}
