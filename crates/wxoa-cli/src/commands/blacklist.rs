//! `wxoa blacklist …`: the blacklist — every blocked follower, and blocking or unblocking any
//! number of followers.

use clap::Subcommand;
use futures::TryStreamExt;
use serde_json::json;
use wxoa_types::ids::OpenId;

use crate::commands::api::call;
use crate::commands::user::OpenIds;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa blacklist …`.
#[derive(Debug, Subcommand)]
pub(crate) enum BlacklistCommand {
    /// Every blacklisted follower.
    List,
    /// Blacklist followers (any number: sent 20 per call).
    Block(OpenIds),
    /// Take followers off the blacklist (any number: sent 20 per call).
    Unblock(OpenIds),
}

pub(crate) fn blacklist(settings: &Settings, command: BlacklistCommand) -> Result<(), Failure> {
    match command {
        BlacklistCommand::List => call(settings, |c| async move {
            c.blacklist()
                .stream_all()
                .try_collect::<Vec<OpenId>>()
                .await
        }),
        BlacklistCommand::Block(openids) => {
            let openids = openids.read()?;
            let count = openids.len();
            call(settings, |c| async move {
                c.blacklist().block(openids).await?;
                Ok(json!({"blocked": count}))
            })
        }
        BlacklistCommand::Unblock(openids) => {
            let openids = openids.read()?;
            let count = openids.len();
            call(settings, |c| async move {
                c.blacklist().unblock(openids).await?;
                Ok(json!({"unblocked": count}))
            })
        }
    }
}
