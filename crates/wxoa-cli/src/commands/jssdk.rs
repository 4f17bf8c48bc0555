//! `wxoa jssdk …` (CONTRACT §7): the `wx.config` values for a page, signed with the account's
//! `jsapi_ticket` (kept in the token store like the access token), or with a ticket given.
//! With `--authorizer`, the account is the authorizer: its ticket, fetched with its token.

use clap::Subcommand;
use wxoa_client::api::jssdk::JsSdkConfig;

use crate::commands::api::{call, output, print};
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa jssdk …`.
#[derive(Debug, Subcommand)]
pub(crate) enum JssdkCommand {
    /// Print appId, timestamp, nonceStr and signature for a page URL (its #fragment is
    /// dropped).
    Sign {
        /// The page's full URL.
        #[arg(long)]
        url: String,
        /// Unix seconds (default: now).
        #[arg(long, value_name = "TS")]
        timestamp: Option<i64>,
        /// The nonce (default: 16 random letters and digits).
        #[arg(long)]
        nonce: Option<String>,
        /// Sign with this jsapi_ticket instead of the account's (no call is made).
        #[arg(long, requires_all = ["timestamp", "nonce"])]
        ticket: Option<String>,
    },
}

pub(crate) fn jssdk(settings: &Settings, command: JssdkCommand) -> Result<(), Failure> {
    let JssdkCommand::Sign {
        url,
        timestamp,
        nonce,
        ticket,
    } = command;
    if let (Some(ticket), Some(timestamp), Some(nonce)) = (ticket, timestamp, &nonce) {
        // wx.config names the account the page is for: an authorizer's own AppID.
        let app_id = match settings.global.authorizer.as_deref() {
            Some(authorizer) => authorizer,
            None => Settings::require(&settings.global.app_id, "--app-id", "WXOA_APP_ID")?,
        };
        let config =
            JsSdkConfig::sign(app_id, &ticket, &url, timestamp, nonce).map_err(Failure::usage)?;
        let answer = serde_json::to_value(config).map_err(Failure::usage)?;
        return print(&answer, output(settings));
    }
    call(settings, |c| async move {
        let mut config = c.jssdk().config(url);
        if let Some(timestamp) = timestamp {
            config = config.timestamp(timestamp);
        }
        if let Some(nonce) = nonce {
            config = config.nonce(nonce);
        }
        config.await
    })
}
