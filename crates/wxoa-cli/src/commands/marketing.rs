//! `wxoa marketing …`: conversion reporting for ads (user-action sets and conversions).

use clap::{Args, Subcommand, ValueEnum};
use wxoa_client::api::marketing::{ActionSetType, UserAction};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa marketing …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MarketingCommand {
    /// Create a user-action set (a data source for conversions); prints its id.
    AddSet(AddSetArgs),
    /// The account's user-action sets (or one, with --id).
    Sets {
        /// Only this set.
        #[arg(long, value_name = "ID")]
        id: Option<u64>,
    },
    /// Report one conversion of a follower to a set (user_actions/add; never sent twice).
    Report(ReportArgs),
}

/// Where a set's conversions happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SetType {
    /// A web page.
    Web,
    /// An iOS app (needs --mobile-app-id).
    Ios,
    /// An Android app (needs --mobile-app-id).
    Android,
}

/// Options of `wxoa marketing add-set`.
#[derive(Debug, Args)]
pub(crate) struct AddSetArgs {
    /// Where its conversions happen.
    #[arg(long = "type", value_enum)]
    pub(crate) kind: SetType,
    /// Its name.
    #[arg(long)]
    pub(crate) name: String,
    /// What it is for (1 to 128 bytes).
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// The app's id, for an ios or android set.
    #[arg(long, value_name = "ID")]
    pub(crate) mobile_app_id: Option<String>,
}

/// Options of `wxoa marketing report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The set the conversion is reported to.
    #[arg(long, value_name = "ID")]
    pub(crate) set: u64,
    /// What happened: COMPLETE_ORDER, RESERVATION, REGISTER, VIEW_CONTENT, …
    #[arg(long = "type", value_name = "ACTION_TYPE")]
    pub(crate) action_type: String,
    /// When, Unix seconds.
    #[arg(long, value_name = "UNIX")]
    pub(crate) time: i64,
    /// The follower.
    #[arg(long)]
    pub(crate) openid: String,
    /// The ad click it follows (the gdt_vid of the landing page's URL).
    #[arg(long, value_name = "ID")]
    pub(crate) click_id: Option<String>,
    /// The page it happened on.
    #[arg(long)]
    pub(crate) url: Option<String>,
}

pub(crate) fn marketing(settings: &Settings, command: MarketingCommand) -> Result<(), Failure> {
    match command {
        MarketingCommand::AddSet(args) => call(settings, |c| async move {
            let kind = match args.kind {
                SetType::Web => ActionSetType::Web,
                SetType::Ios => ActionSetType::Ios,
                SetType::Android => ActionSetType::Android,
            };
            let mut request = c.marketing().add_action_set(kind, args.name);
            if let Some(description) = args.description {
                request = request.description(description);
            }
            if let Some(app) = args.mobile_app_id {
                request = request.mobile_app_id(app);
            }
            let id = request.await?;
            Ok(serde_json::json!({"user_action_set_id": id}))
        }),
        MarketingCommand::Sets { id } => call(settings, |c| async move {
            let sets = c.marketing().action_sets();
            match id {
                Some(id) => sets.id(id).await,
                None => sets.await,
            }
        }),
        MarketingCommand::Report(args) => call(settings, |c| async move {
            let mut action = UserAction::new(args.set, args.action_type, args.time, args.openid);
            if let Some(click) = args.click_id {
                action = action.click_id(click);
            }
            if let Some(url) = args.url {
                action = action.url(url);
            }
            c.marketing().add_actions([action]).await
        }),
    }
}
