//! `wxoa group …`: the legacy user groups (分组) — deprecated by the platform in favour of
//! tags (`wxoa tag`), still answered for older integrations.

use clap::{Args, Subcommand};

use crate::commands::api::call;
use crate::commands::user::OpenIds;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa group …`.
#[derive(Debug, Subcommand)]
pub(crate) enum GroupCommand {
    /// Every group with its member count.
    List,
    /// Create a group (a name of at most 30 characters).
    Create {
        /// The name.
        name: String,
    },
    /// Rename a group (not 0, 1 or 2).
    Rename {
        /// The group id.
        id: u32,
        /// The new name.
        name: String,
    },
    /// Delete a group (not 0, 1 or 2); its members move to group 0.
    Delete {
        /// The group id.
        id: u32,
    },
    /// The group of a follower.
    Of {
        /// The follower's OpenID.
        openid: String,
    },
    /// Move followers to a group (any number: sent 50 per call).
    Move(MoveArgs),
}

/// Options of `wxoa group move`.
#[derive(Debug, Args)]
pub(crate) struct MoveArgs {
    /// The group to move them to.
    #[arg(long, value_name = "ID")]
    pub(crate) to: u32,
    #[command(flatten)]
    pub(crate) openids: OpenIds,
}

pub(crate) fn group(settings: &Settings, command: GroupCommand) -> Result<(), Failure> {
    match command {
        GroupCommand::List => call(settings, |c| async move { c.groups().list().await }),
        GroupCommand::Create { name } => {
            call(settings, |c| async move { c.groups().create(name).await })
        }
        GroupCommand::Rename { id, name } => {
            call(
                settings,
                |c| async move { c.groups().update(id, name).await },
            )
        }
        GroupCommand::Delete { id } => {
            call(settings, |c| async move { c.groups().delete(id).await })
        }
        GroupCommand::Of { openid } => {
            call(
                settings,
                |c| async move { c.groups().group_of(openid).await },
            )
        }
        GroupCommand::Move(args) => {
            let mut openids = args.openids.read()?;
            if let [one] = openids.as_mut_slice() {
                let openid = std::mem::take(one);
                return call(settings, |c| async move {
                    c.groups().move_user(openid, args.to).await
                });
            }
            let count = openids.len();
            call(settings, |c| async move {
                c.groups().move_users(openids, args.to).await?;
                Ok(serde_json::json!({"to_groupid": args.to, "moved": count}))
            })
        }
    }
}
