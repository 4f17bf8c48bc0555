//! `wxoa tag …` (CONTRACT §7): tags, their members, and tagging any number of followers.

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::json;
use wxoa_types::ids::OpenId;

use crate::commands::api::call;
use crate::commands::user::OpenIds;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa tag …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TagCommand {
    /// Every tag with its member count.
    List,
    /// Create a tag (a name of at most 30 bytes).
    Create {
        /// The name.
        name: String,
    },
    /// Rename a tag (not 0, 1 or 2).
    Rename {
        /// The tag id.
        id: u32,
        /// The new name.
        name: String,
    },
    /// Delete a tag (not 0, 1 or 2); it is removed from every follower.
    Delete {
        /// The tag id.
        id: u32,
    },
    /// Every member of a tag.
    Members {
        /// The tag id.
        id: u32,
    },
    /// Tag followers (any number: sent 50 per call).
    Add(TaggingArgs),
    /// Untag followers (any number: sent 50 per call).
    Remove(TaggingArgs),
    /// The tags of a follower.
    Of {
        /// The follower's OpenID.
        openid: String,
    },
}

/// Options of `wxoa tag add|remove`.
#[derive(Debug, Args)]
pub(crate) struct TaggingArgs {
    /// The tag id.
    pub(crate) id: u32,
    #[command(flatten)]
    pub(crate) openids: OpenIds,
}

pub(crate) fn tag(settings: &Settings, command: TagCommand) -> Result<(), Failure> {
    match command {
        TagCommand::List => call(settings, |c| async move { c.tags().list().await }),
        TagCommand::Create { name } => {
            call(settings, |c| async move { c.tags().create(name).await })
        }
        TagCommand::Rename { id, name } => {
            call(settings, |c| async move { c.tags().update(id, name).await })
        }
        TagCommand::Delete { id } => call(settings, |c| async move { c.tags().delete(id).await }),
        TagCommand::Members { id } => call(settings, |c| async move {
            c.tags().members(id).try_collect::<Vec<OpenId>>().await
        }),
        TagCommand::Add(args) => {
            let openids = args.openids.read()?;
            let count = openids.len();
            call(settings, |c| async move {
                c.tags().tag(args.id, openids).await?;
                Ok(json!({"tagid": args.id, "tagged": count}))
            })
        }
        TagCommand::Remove(args) => {
            let openids = args.openids.read()?;
            let count = openids.len();
            call(settings, |c| async move {
                c.tags().untag(args.id, openids).await?;
                Ok(json!({"tagid": args.id, "untagged": count}))
            })
        }
        TagCommand::Of { openid } => {
            call(settings, |c| async move { c.tags().tags_of(openid).await })
        }
    }
}
