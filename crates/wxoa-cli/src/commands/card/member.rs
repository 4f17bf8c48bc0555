//! `wxoa card member …`: a member card's activation form, what a follower filled in,
//! activating a holder as a member, changing their points, balance and custom values, reading
//! a member, and the URL of the activation page.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use wxoa_client::api::card::{ActivationForm, CustomValue, Notify};

use super::read_json;
use crate::commands::api::{call, failure};
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa card member …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MemberCommand {
    /// Set a member card's activation form from a JSON file: the body of
    /// card/membercard/activateuserform/set (`required_form` and/or `optional_form` with
    /// `common_field_id_list`, `custom_field_list`, `rich_field_list`; `service_statement`,
    /// `bind_old_card`); a card_id in the file is ignored. Checked first: a part at least, no
    /// field in both, known common fields and choice types, choices with values.
    Form {
        /// The member card.
        card_id: String,
        /// The form (- for stdin).
        file: PathBuf,
    },
    /// What a follower filled in on the activation form, by the activate_ticket their
    /// activation page received (card/membercard/activatetempinfo/get).
    Filled {
        /// The activate_ticket.
        activate_ticket: String,
    },
    /// Make the holder of a member card's code a member (card/membercard/activate); never
    /// retried.
    Activate(ActivateArgs),
    /// Change a member's points, balance or custom values (card/membercard/updateuser);
    /// prints the totals. Never retried.
    Update(UpdateArgs),
    /// A member's data: membership number, points, balance, what they filled in
    /// (card/membercard/userinfo/get).
    Get {
        /// The member card.
        card_id: String,
        /// The member's code.
        code: String,
    },
    /// The URL of a member card's activation page (card/membercard/activate/geturl).
    Url {
        /// The member card.
        card_id: String,
        /// A tag the page reports back, to tell channels apart.
        #[arg(long)]
        outer_str: Option<String>,
    },
}

/// The custom values of a member (each at most 12 bytes: 4 Chinese characters).
#[derive(Debug, Args)]
pub(crate) struct CustomArgs {
    /// The first custom value.
    #[arg(long)]
    custom1: Option<String>,
    /// The second custom value.
    #[arg(long)]
    custom2: Option<String>,
    /// The third custom value.
    #[arg(long)]
    custom3: Option<String>,
}

impl CustomArgs {
    fn given(self) -> impl Iterator<Item = (CustomValue, String)> {
        [
            (CustomValue::First, self.custom1),
            (CustomValue::Second, self.custom2),
            (CustomValue::Third, self.custom3),
        ]
        .into_iter()
        .filter_map(|(which, value)| value.map(|v| (which, v)))
    }
}

/// Options of `wxoa card member activate`.
#[derive(Debug, Args)]
pub(crate) struct ActivateArgs {
    /// The holder's code.
    code: String,
    /// The membership number to give them.
    membership_number: String,
    /// The member card (needed for custom codes).
    #[arg(long)]
    card_id: Option<String>,
    /// Points to start with.
    #[arg(long)]
    bonus: Option<i64>,
    /// The record shown for those points (at most 42 bytes: 14 Chinese characters).
    #[arg(long, requires = "bonus")]
    bonus_record: Option<String>,
    /// Balance to start with, in cents.
    #[arg(long)]
    balance: Option<i64>,
    /// The member's own background image (an uploadimg URL).
    #[arg(long)]
    background: Option<String>,
    /// When the membership starts (Unix seconds); with --end.
    #[arg(long, requires = "end")]
    begin: Option<i64>,
    /// When it ends (Unix seconds); with --begin.
    #[arg(long, requires = "begin")]
    end: Option<i64>,
    #[command(flatten)]
    custom: CustomArgs,
}

/// Options of `wxoa card member update`.
#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// The member's code.
    code: String,
    /// The member card (needed for custom codes).
    #[arg(long)]
    card_id: Option<String>,
    /// The points shown from now on (a total).
    #[arg(long)]
    bonus: Option<i64>,
    /// Points added, or taken away when negative (the change the member is told about).
    #[arg(long, allow_hyphen_values = true)]
    add_bonus: Option<i64>,
    /// Why the points changed (at most 42 bytes).
    #[arg(long)]
    record_bonus: Option<String>,
    /// The balance shown from now on, in cents (a total).
    #[arg(long)]
    balance: Option<i64>,
    /// Cents added to the balance, or taken away when negative.
    #[arg(long, allow_hyphen_values = true)]
    add_balance: Option<i64>,
    /// Why the balance changed (at most 42 bytes).
    #[arg(long)]
    record_balance: Option<String>,
    /// The member's own background image (an uploadimg URL).
    #[arg(long)]
    background: Option<String>,
    /// Tell the member about the change of points.
    #[arg(long)]
    notify_bonus: bool,
    /// Tell the member about the change of balance.
    #[arg(long)]
    notify_balance: bool,
    #[command(flatten)]
    custom: CustomArgs,
}

pub(super) fn member(settings: &Settings, command: MemberCommand) -> Result<(), Failure> {
    match command {
        MemberCommand::Form { card_id, file } => {
            let form = ActivationForm::from_json(&read_json(&file)?).map_err(failure)?;
            call(settings, |c| async move {
                c.cards()
                    .set_activation_form(card_id.as_str(), form)
                    .await?;
                Ok(json!({"card_id": card_id, "form_set": true}))
            })
        }
        MemberCommand::Filled { activate_ticket } => call(settings, |c| async move {
            Ok(json!({"info": c.cards().activation_info(activate_ticket).await?}))
        }),
        MemberCommand::Activate(args) => call(settings, |c| activate(c, args)),
        MemberCommand::Update(args) => call(settings, |c| update(c, args)),
        MemberCommand::Get { card_id, code } => call(settings, |c| async move {
            Ok(json!(c.cards().member(card_id, code).await?))
        }),
        MemberCommand::Url { card_id, outer_str } => call(settings, |c| async move {
            let mut request = c.cards().activation_url(card_id);
            if let Some(outer_str) = outer_str {
                request = request.outer_str(outer_str);
            }
            Ok(json!({"url": request.await?}))
        }),
    }
}

async fn activate(
    client: wxoa_client::Client,
    args: ActivateArgs,
) -> Result<serde_json::Value, wxoa_client::Error> {
    let code = args.code.clone();
    let mut request = client
        .cards()
        .activate_member(args.code, args.membership_number.as_str());
    if let Some(card_id) = args.card_id {
        request = request.card_id(card_id);
    }
    if let Some(bonus) = args.bonus {
        request = request.init_bonus(bonus, args.bonus_record.unwrap_or_default());
    }
    if let Some(balance) = args.balance {
        request = request.init_balance(balance);
    }
    if let Some(url) = args.background {
        request = request.background_pic_url(url);
    }
    if let (Some(begin), Some(end)) = (args.begin, args.end) {
        request = request.valid(begin, end);
    }
    for (which, value) in args.custom.given() {
        request = request.init_custom_value(which, value);
    }
    request.await?;
    Ok(json!({"code": code, "membership_number": args.membership_number, "activated": true}))
}

async fn update(
    client: wxoa_client::Client,
    args: UpdateArgs,
) -> Result<serde_json::Value, wxoa_client::Error> {
    let mut request = client.cards().update_member(args.code);
    if let Some(card_id) = args.card_id {
        request = request.card_id(card_id);
    }
    if let Some(bonus) = args.bonus {
        request = request.bonus(bonus);
    }
    if let Some(change) = args.add_bonus {
        request = request.add_bonus(change);
    }
    if let Some(record) = args.record_bonus {
        request = request.record_bonus(record);
    }
    if let Some(balance) = args.balance {
        request = request.balance(balance);
    }
    if let Some(change) = args.add_balance {
        request = request.add_balance(change);
    }
    if let Some(record) = args.record_balance {
        request = request.record_balance(record);
    }
    if let Some(url) = args.background {
        request = request.background_pic_url(url);
    }
    for (which, value) in args.custom.given() {
        request = request.custom_value(which, value);
    }
    if args.notify_bonus || args.notify_balance {
        let mut notify = Notify::default();
        notify.is_notify_bonus = Some(args.notify_bonus);
        notify.is_notify_balance = Some(args.notify_balance);
        request = request.notify(notify);
    }
    Ok(json!(request.await?))
}
