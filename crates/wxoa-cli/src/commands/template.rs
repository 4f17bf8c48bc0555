//! `wxoa template …` (CONTRACT §7): template messages — sends, the account's templates and
//! industries.

use clap::{Args, Subcommand};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa template …`.
#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCommand {
    /// Send a template message to a follower; prints its msgid.
    Send(SendArgs),
    /// The account's templates.
    List,
    /// Add a template of the library by its short id (TM00015); prints its template id.
    Add {
        /// The short id.
        short_id: String,
        /// A keyword to keep (category templates); repeat for more.
        #[arg(long = "keyword", value_name = "NAME")]
        keywords: Vec<String>,
    },
    /// Remove a template from the account.
    Delete {
        /// The template id.
        template_id: String,
    },
    /// The account's industries, or set them with --set.
    Industry {
        /// Set the primary and secondary industry codes (once a month).
        #[arg(long, num_args = 2, value_names = ["PRIMARY", "SECONDARY"])]
        set: Option<Vec<u32>>,
    },
}

/// Options of `wxoa template send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The follower's OpenID.
    pub(crate) openid: String,
    /// The template id.
    pub(crate) template_id: String,
    /// A field of data, NAME=VALUE; repeat for more.
    #[arg(long = "data", value_name = "NAME=VALUE", value_parser = pair)]
    pub(crate) data: Vec<(String, String)>,
    /// The colour of a field, NAME=#RRGGBB; repeat for more.
    #[arg(long = "color", value_name = "NAME=#RRGGBB", value_parser = pair)]
    pub(crate) colors: Vec<(String, String)>,
    /// Where a tap leads.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// Open a page of this linked mini program on a tap (with --pagepath).
    #[arg(long, value_name = "APPID", requires = "pagepath")]
    pub(crate) miniprogram: Option<String>,
    /// The mini program's page.
    #[arg(long, value_name = "PATH", requires = "miniprogram")]
    pub(crate) pagepath: Option<String>,
    /// The idempotency key: the platform sends a message with a key it has seen once only.
    #[arg(long, value_name = "KEY")]
    pub(crate) client_msg_id: Option<String>,
}

/// A `NAME=VALUE` argument.
pub(crate) fn pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

pub(crate) fn template(settings: &Settings, command: TemplateCommand) -> Result<(), Failure> {
    match command {
        TemplateCommand::Send(args) => send(settings, args),
        TemplateCommand::List => call(settings, |c| async move { c.templates().list().await }),
        TemplateCommand::Add { short_id, keywords } => call(settings, |c| async move {
            let id = c.templates().add(short_id).keyword_names(keywords).await?;
            Ok(serde_json::json!({"template_id": id}))
        }),
        TemplateCommand::Delete { template_id } => call(settings, |c| async move {
            c.templates().delete(template_id).await
        }),
        TemplateCommand::Industry { set: None } => {
            call(settings, |c| async move { c.templates().industry().await })
        }
        TemplateCommand::Industry { set: Some(ids) } => {
            let [primary, secondary] = ids[..] else {
                return Err(Failure::usage(anyhow::anyhow!(
                    "--set takes two industry codes"
                )));
            };
            call(settings, |c| async move {
                c.templates().set_industry(primary, secondary).await
            })
        }
    }
}

fn send(settings: &Settings, args: SendArgs) -> Result<(), Failure> {
    if let Some((name, _)) = args
        .colors
        .iter()
        .find(|(n, _)| !args.data.iter().any(|(d, _)| d == n))
    {
        return Err(Failure::usage(anyhow::anyhow!(
            "--color {name}=… names no --data field"
        )));
    }
    call(settings, |c| async move {
        let mut send = c.templates().send(args.openid, args.template_id);
        for (name, value) in args.data {
            send = match args.colors.iter().find(|(n, _)| *n == name) {
                Some((_, color)) => send.colored_field(name, value, color.clone()),
                None => send.field(name, value),
            };
        }
        if let Some(url) = args.url {
            send = send.url(url);
        }
        if let (Some(appid), Some(pagepath)) = (args.miniprogram, args.pagepath) {
            send = send.miniprogram(appid, pagepath);
        }
        if let Some(key) = args.client_msg_id {
            send = send.client_msg_id(key);
        }
        let msgid = send.await?;
        Ok(serde_json::json!({"msgid": msgid}))
    })
}
