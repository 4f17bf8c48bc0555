//! `wxoa menu …` (CONTRACT §7): `menu apply FILE` checks a menu in the platform's JSON shape
//! against every rule of api-reference §15 and sends nothing unless all hold (exit 2, every
//! violation named with its path); the menu is the default one, or a conditional one when it
//! has a `matchrule`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use wxoa_client::api::menu::Menu;

use crate::commands::api::{call, output, print};
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa menu …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MenuCommand {
    /// Check a menu file and send it: the default menu, or a conditional one with `matchrule`.
    Apply(ApplyArgs),
    /// The default menu and the conditional menus.
    Get,
    /// Delete the default menu and every conditional menu.
    Delete,
    /// The menu in effect, including one set on the web console.
    Current,
    /// The buttons a follower (OpenID or WeChat id) sees.
    TryMatch {
        /// The OpenID or WeChat id.
        user: String,
    },
    /// Delete a conditional menu.
    DeleteConditional {
        /// Its menuid.
        menuid: String,
    },
}

/// Options of `wxoa menu apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The menu, `{"button": [...]}` plus `matchrule` for a conditional menu (- for stdin).
    pub(crate) file: PathBuf,
    /// Only check the menu; send nothing.
    #[arg(long)]
    pub(crate) check: bool,
}

pub(crate) fn menu(settings: &Settings, command: MenuCommand) -> Result<(), Failure> {
    match command {
        MenuCommand::Apply(args) => apply(settings, &args),
        MenuCommand::Get => call(settings, |c| async move { c.menus().get().await }),
        MenuCommand::Delete => call(settings, |c| async move { c.menus().delete().await }),
        MenuCommand::Current => call(settings, |c| async move { c.menus().current().await }),
        MenuCommand::TryMatch { user } => {
            call(settings, |c| async move { c.menus().try_match(user).await })
        }
        MenuCommand::DeleteConditional { menuid } => call(settings, |c| async move {
            c.menus().delete_conditional(menuid).await
        }),
    }
}

fn apply(settings: &Settings, args: &ApplyArgs) -> Result<(), Failure> {
    let menu = read_menu(&args.file)?;
    let shown = args.file.display();
    let violations = menu.validate();
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
        return Err(Failure::usage(anyhow::anyhow!(
            "{shown} breaks {} rule(s) of the menu; nothing was sent:\n{}",
            list.len(),
            list.join("\n")
        )));
    }
    if args.check {
        // A check needs no account: nothing is sent.
        let answer = json!({"file": shown.to_string(), "valid": true});
        return print(&answer, output(settings));
    }
    if menu.matchrule.is_some() {
        call(settings, |c| async move {
            let menuid = c.menus().add_conditional(menu).await?;
            Ok(json!({"menuid": menuid}))
        })
    } else {
        call(settings, |c| async move { c.menus().create(menu).await })
    }
}

/// The menu of FILE (or stdin), bounded in size.
fn read_menu(path: &Path) -> Result<Menu, Failure> {
    let text = crate::io::read_file(path)?;
    serde_json::from_slice(&text).map_err(|e| {
        Failure::usage(anyhow::anyhow!(
            "{} is not a menu in the platform's JSON shape: {e}",
            path.display()
        ))
    })
}
