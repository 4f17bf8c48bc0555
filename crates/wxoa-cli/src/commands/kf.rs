//! `wxoa kf …`: customer-service agent accounts.

use std::path::PathBuf;

use clap::Subcommand;
use wxoa_client::Upload;

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa kf …`.
#[derive(Debug, Subcommand)]
pub(crate) enum KfCommand {
    /// Every agent account.
    List,
    /// The agents online.
    Online,
    /// Add an agent account prefix@account.
    Add {
        /// The account, prefix@account (a prefix of at most 10 letters and digits).
        kf_account: String,
        /// The nickname.
        nickname: String,
    },
    /// Rename an agent account.
    Update {
        /// The account.
        kf_account: String,
        /// The new nickname.
        nickname: String,
    },
    /// Delete an agent account.
    Delete {
        /// The account.
        kf_account: String,
    },
    /// Invite a WeChat user to bind to an agent account.
    Invite {
        /// The account.
        kf_account: String,
        /// The WeChat id invited.
        wechat_id: String,
    },
    /// Set an agent's avatar (a JPG or PNG file).
    Avatar {
        /// The account.
        kf_account: String,
        /// The image.
        file: PathBuf,
    },
}

pub(crate) fn kf(settings: &Settings, command: KfCommand) -> Result<(), Failure> {
    match command {
        KfCommand::List => call(settings, |c| async move { c.custom().accounts().await }),
        KfCommand::Online => call(
            settings,
            |c| async move { c.custom().online_accounts().await },
        ),
        KfCommand::Add {
            kf_account,
            nickname,
        } => call(settings, |c| async move {
            c.custom().add_account(kf_account, nickname).await
        }),
        KfCommand::Update {
            kf_account,
            nickname,
        } => call(settings, |c| async move {
            c.custom().update_account(kf_account, nickname).await
        }),
        KfCommand::Delete { kf_account } => call(settings, |c| async move {
            c.custom().delete_account(kf_account).await
        }),
        KfCommand::Invite {
            kf_account,
            wechat_id,
        } => call(settings, |c| async move {
            c.custom().invite_worker(kf_account, wechat_id).await
        }),
        KfCommand::Avatar { kf_account, file } => call(settings, |c| async move {
            c.custom()
                .upload_avatar(kf_account, Upload::path(file))
                .await
        }),
    }
}
