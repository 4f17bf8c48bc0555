//! `wxoa demo`: the sandbox and the demo bot, wired, on this machine only (CONTRACT §6).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use wxoa_client::token::MemoryStore;
use wxoa_client::{Account as ClientAccount, Client};
use wxoa_sandbox::{
    DEFAULT_APP_ID, DEFAULT_APP_SECRET, PushMode, Sandbox, Webhook as SandboxWebhook,
};
use wxoa_webhook::bots::{DEMO_MENU, demo};
use wxoa_webhook::deadline::CustomerService;
use wxoa_webhook::{Account, Webhook};

use crate::commands::limits::LimitArgs;
use crate::config::Settings;
use crate::exit::Failure;
use crate::runtime::{block_on, shutdown_signal};

/// Options of `wxoa demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Address of the sandbox and its web console.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Synthetic followers to chat as.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) followers: u32,
    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// The demo account's server configuration: safe mode, to show the whole protocol.
const TOKEN: &str = "wxoademo";
const AES_KEY: &str = "wxoaDemoEncodingAESKey0123456789abcdefghijk";

pub(crate) fn run(settings: &Settings, args: &DemoArgs) -> Result<(), Failure> {
    let listen = args.listen;
    let followers = args.followers;
    let limits = args.limits.resolve(&settings.limits)?;
    block_on(async move {
        let fail =
            |what: &str, e: &dyn std::fmt::Display| Failure::usage(anyhow::anyhow!("{what}: {e}"));

        // The bot's server, on a free loopback port.
        let bot_listener = wxoa_server::bind("127.0.0.1:0")
            .await
            .map_err(|e| fail("cannot listen for the bot", &e))?;
        let bot_addr = bot_listener.local_addr().map_err(Failure::usage)?;

        // The sandbox, pushing to the bot in safe mode.
        let sandbox = Sandbox::builder()
            .listen(listen)
            .followers(followers)
            .limits(limits)
            .webhook(
                SandboxWebhook::new(format!("http://{bot_addr}/wechat"), TOKEN)
                    .aes_key(AES_KEY)
                    .mode(PushMode::Safe),
            )
            .start()
            .await
            .map_err(|e| fail(&format!("cannot start the sandbox on {listen}"), &e))?;
        let base = sandbox.base_url().to_owned();

        // The account's API client talks to the sandbox exactly as it would to the platform.
        let client = Client::builder()
            .account(ClientAccount::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
            .api_bases([base.clone()])
            .store(Arc::new(MemoryStore::new()))
            .build()
            .map_err(Failure::usage)?;
        let menu: serde_json::Value = serde_json::from_str(DEMO_MENU).map_err(Failure::usage)?;
        client
            .post_json("/cgi-bin/menu/create", &menu)
            .await
            .map_err(|e| fail("cannot create the demo menu", &e))?;
        client
            .post_json(
                "/cgi-bin/qrcode/create",
                &json!({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": "wxoa-demo"}}}),
            )
            .await
            .map_err(|e| fail("cannot create the demo QR code", &e))?;

        let account = Account::new(DEFAULT_APP_ID, TOKEN, demo())
            .aes_key(AES_KEY)
            .map_err(Failure::usage)?;
        let webhook = Webhook::builder()
            .account(account)
            .late_reply(Arc::new(CustomerService::new(client)))
            .build()
            .map_err(Failure::usage)?;
        let bot = tokio::spawn(wxoa_server::serve(
            bot_listener,
            webhook.router(),
            limits,
            std::future::pending(),
        ));

        let stop = shutdown_signal()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "wxoa demo: web console at {base}/")?;
        writeln!(
            out,
            "  chat with the demo bot as a follower; the bot answers in safe mode at http://{bot_addr}/wechat\n  \
             API base for your own code: {base} (AppID {DEFAULT_APP_ID}, AppSecret {DEFAULT_APP_SECRET})\n  \
             stop with Ctrl-C"
        )?;
        out.flush()?;
        drop(out);

        stop.await;
        bot.abort();
        sandbox
            .shutdown()
            .await
            .map_err(|e| fail("sandbox shutdown", &e))
    })
}
