//! `wxoa shorturl …`: short keys for up to 4 KB of data, and the retired long2short.

use clap::Subcommand;
use serde_json::json;

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa shorturl …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ShorturlCommand {
    /// A 15-character key for up to 4096 bytes of data (shorten/gen).
    Shorten {
        /// The data.
        data: String,
        /// How long the key lives, 1..=2592000 seconds (default: 30 days).
        #[arg(long, value_name = "SECS")]
        expire: Option<u32>,
    },
    /// The data behind a key (shorten/fetch).
    Fetch {
        /// The key.
        short_key: String,
    },
    /// A short URL for a long one (retired by the platform in 2021).
    Long2short {
        /// The long URL.
        long_url: String,
    },
}

pub(crate) fn shorturl(settings: &Settings, command: ShorturlCommand) -> Result<(), Failure> {
    match command {
        ShorturlCommand::Shorten { data, expire } => call(settings, |c| async move {
            let request = c.shorturls().shorten(data);
            let request = match expire {
                Some(seconds) => request.expire_seconds(seconds),
                None => request,
            };
            Ok(json!({"short_key": request.await?}))
        }),
        ShorturlCommand::Fetch { short_key } => {
            call(
                settings,
                |c| async move { c.shorturls().fetch(short_key).await },
            )
        }
        #[allow(deprecated)]
        ShorturlCommand::Long2short { long_url } => call(settings, |c| async move {
            Ok(json!({"short_url": c.shorturls().long2short(long_url).await?}))
        }),
    }
}
