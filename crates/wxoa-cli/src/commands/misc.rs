//! `wxoa misc …`: the platform's IPs, a network check of the callback, API quotas, and what
//! the platform knows of a call by its request id.

use clap::Subcommand;
use wxoa_client::api::misc::{CheckAction, Operator};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa misc …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MiscCommand {
    /// The IPs the platform pushes from (getcallbackip).
    CallbackIps,
    /// The IPs behind the API domain (get_api_domain_ip).
    ApiIps,
    /// Have the platform resolve and ping this account's server (callback/check).
    Check {
        /// What to check: all, dns or ping.
        #[arg(long, default_value = "all")]
        action: String,
        /// Through which operator: CHINANET, UNICOM, CAP or DEFAULT.
        #[arg(long, default_value = "DEFAULT")]
        operator: String,
    },
    /// Reset the account's API call counters (10 times a month).
    ClearQuota,
    /// The daily quota of one API path and how much of it is used.
    Quota {
        /// The API path, e.g. /cgi-bin/message/custom/send.
        cgi_path: String,
    },
    /// Start the daily count of one API path again (openapi/quota/clear; 50 times a month).
    ClearApiQuota {
        /// The API path, e.g. /cgi-bin/message/custom/send.
        cgi_path: String,
    },
    /// What the platform knows of the call behind a request id: its time, duration, query,
    /// body and answer (openapi/rid/get; the account's own calls, up to 7 days old).
    Rid {
        /// The request id: the text after "rid:" in an error's errmsg, e.g.
        /// 6437c2ad-4a2a9fd7-2ae2bd4f.
        rid: String,
    },
}

pub(crate) fn misc(settings: &Settings, command: MiscCommand) -> Result<(), Failure> {
    match command {
        MiscCommand::CallbackIps => {
            call(settings, |c| async move { c.misc().callback_ips().await })
        }
        MiscCommand::ApiIps => call(settings, |c| async move { c.misc().api_domain_ips().await }),
        MiscCommand::Check { action, operator } => call(settings, |c| async move {
            c.misc()
                .callback_check()
                .action(CheckAction::from(action.as_str()))
                .operator(Operator::from(operator.as_str()))
                .await
        }),
        MiscCommand::ClearQuota => call(settings, |c| async move { c.misc().clear_quota().await }),
        MiscCommand::Quota { cgi_path } => {
            call(settings, |c| async move { c.misc().quota(cgi_path).await })
        }
        MiscCommand::ClearApiQuota { cgi_path } => call(settings, |c| async move {
            c.misc().clear_api_quota(cgi_path).await
        }),
        MiscCommand::Rid { rid } => call(settings, |c| async move { c.misc().rid(rid).await }),
    }
}
