//! `wxoa autoreply …`: the automatic replies set in the MP web console.

use clap::Subcommand;

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa autoreply …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AutoreplyCommand {
    /// The automatic replies set in the web console: the reply to new followers, the default
    /// reply and the keyword rules, with whether each is on (get_current_autoreply_info).
    Show,
}

pub(crate) fn autoreply(settings: &Settings, command: AutoreplyCommand) -> Result<(), Failure> {
    match command {
        AutoreplyCommand::Show => call(settings, |c| async move { c.autoreply().current().await }),
    }
}
