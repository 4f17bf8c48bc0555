//! `wxoa card …` (CONTRACT §7): upload a logo, create a card from a JSON file in the
//! platform's shape (checked before it is sent), a QR code handing a card out, reading,
//! listing, restocking and deleting cards, and reading, consuming, renumbering, withdrawing and
//! decrypting codes.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use wxoa_client::api::card::Card;
use wxoa_client::{Client, Error, Upload};

use crate::commands::api::{call, failure};
use crate::commands::qrcode::save_image;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa card …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Upload a logo (uploadimg: jpg or png, ≤ 1 MiB); prints the URL for `logo_url`.
    Logo {
        /// The image.
        file: PathBuf,
    },
    /// Create a card from a JSON file: the body of card/create (`{"card": {"card_type": …}}`),
    /// GROUPON, CASH, DISCOUNT, GIFT or GENERAL_COUPON; every rule is checked first.
    Create {
        /// The card (- for stdin).
        file: PathBuf,
    },
    /// A QR code handing out a card (QR_CARD).
    Qrcode(QrcodeArgs),
    /// A card as it stands (card/get).
    Get {
        /// The card.
        card_id: String,
    },
    /// The account's card ids, a page at a time (card/batchget).
    List {
        /// Where the page starts.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// How many ids, 1..=50.
        #[arg(long, default_value_t = 50)]
        count: u32,
        /// Only cards in this status (CARD_STATUS_VERIFY_OK, …); may be repeated.
        #[arg(long)]
        status: Vec<String>,
    },
    /// Add to a card's stock, or take away with a negative number (card/modifystock).
    Stock {
        /// The card.
        card_id: String,
        /// The change, e.g. 100 or -20.
        change: i64,
    },
    /// Delete a card (card/delete); codes already handed out stay usable.
    Delete {
        /// The card.
        card_id: String,
    },
    /// A code: read, consume or decrypt it (card/code/…).
    #[command(subcommand)]
    Code(CodeCommand),
}

/// `wxoa card code …`.
#[derive(Debug, Subcommand)]
pub(crate) enum CodeCommand {
    /// Who holds a code, when it can be used and its status (card/code/get).
    Get {
        /// The code.
        code: String,
        /// The card it belongs to (needed for custom codes).
        #[arg(long)]
        card_id: Option<String>,
    },
    /// Mark a code used, once (card/code/consume); never retried.
    Consume {
        /// The code.
        code: String,
        /// The card it belongs to (needed for custom codes).
        #[arg(long)]
        card_id: Option<String>,
    },
    /// Give a code a new value (card/code/update); never retried.
    Update {
        /// The code.
        code: String,
        /// Its new value.
        new_code: String,
        /// The card it belongs to.
        #[arg(long)]
        card_id: Option<String>,
    },
    /// Withdraw a code so that it can no longer be used (card/code/unavailable); never retried.
    Withdraw {
        /// The code.
        code: String,
        /// The card it belongs to.
        #[arg(long)]
        card_id: Option<String>,
        /// Why (shown to the follower).
        #[arg(long)]
        reason: Option<String>,
    },
    /// The code behind the encrypt_code a card's page receives (card/code/decrypt).
    Decrypt {
        /// The encrypt_code.
        encrypt_code: String,
    },
}

/// Options of `wxoa card qrcode`.
#[derive(Debug, Args)]
pub(crate) struct QrcodeArgs {
    /// The card.
    card_id: String,
    /// How long the code lives, 60..=1800 seconds (default: 365 days).
    #[arg(long, value_name = "SECS")]
    expire: Option<u32>,
    /// The card code to hand out (cards with use_custom_code).
    #[arg(long)]
    code: Option<String>,
    /// Only this follower may take the card.
    #[arg(long)]
    openid: Option<String>,
    /// The code can be scanned once only.
    #[arg(long)]
    unique: bool,
    /// A tag reported back in the user_get_card event.
    #[arg(long)]
    outer_str: Option<String>,
    /// Also save the image here, exactly as showqrcode serves it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(crate) fn card(settings: &Settings, command: CardCommand) -> Result<(), Failure> {
    match command {
        CardCommand::Logo { file } => call(settings, |c| async move {
            let url = c.cards().upload_logo(Upload::path(file)).await?;
            Ok(json!({"logo_url": url}))
        }),
        CardCommand::Create { file } => {
            let text = crate::io::read_file(&file)?;
            let value: Value = serde_json::from_slice(&text).map_err(|e| {
                Failure::usage(anyhow::anyhow!("{} is not JSON: {e}", file.display()))
            })?;
            let card = Card::from_json(&value).map_err(failure)?;
            call(settings, |c| async move {
                let card_id = c.cards().create(card).await?;
                Ok(json!({"card_id": card_id}))
            })
        }
        CardCommand::Qrcode(args) => call(settings, |c| qrcode(c, args)),
        CardCommand::Get { card_id } => call(settings, |c| async move {
            let card = c.cards().get(card_id).await?;
            Ok(json!({"card": card}))
        }),
        CardCommand::List {
            offset,
            count,
            status,
        } => call(settings, |c| async move {
            let request = status
                .into_iter()
                .fold(c.cards().list(offset, count), |r, s| r.status(s));
            Ok(json!(request.await?))
        }),
        CardCommand::Stock { card_id, change } => call(settings, |c| async move {
            c.cards().modify_stock(card_id.as_str(), change).await?;
            Ok(json!({"card_id": card_id, "changed_by": change}))
        }),
        CardCommand::Delete { card_id } => call(settings, |c| async move {
            c.cards().delete(card_id.as_str()).await?;
            Ok(json!({"card_id": card_id, "deleted": true}))
        }),
        CardCommand::Code(command) => code(settings, command),
    }
}

fn code(settings: &Settings, command: CodeCommand) -> Result<(), Failure> {
    match command {
        CodeCommand::Get { code, card_id } => call(settings, |c| async move {
            let mut request = c.cards().code(code);
            if let Some(card_id) = card_id {
                request = request.card_id(card_id);
            }
            Ok(json!(request.await?))
        }),
        CodeCommand::Consume { code, card_id } => call(settings, |c| async move {
            let mut request = c.cards().consume(code);
            if let Some(card_id) = card_id {
                request = request.card_id(card_id);
            }
            Ok(json!(request.await?))
        }),
        CodeCommand::Update {
            code,
            new_code,
            card_id,
        } => call(settings, |c| async move {
            let mut request = c.cards().update_code(code.as_str(), new_code.as_str());
            if let Some(card_id) = card_id {
                request = request.card_id(card_id);
            }
            request.await?;
            Ok(json!({"code": code, "new_code": new_code}))
        }),
        CodeCommand::Withdraw {
            code,
            card_id,
            reason,
        } => call(settings, |c| async move {
            let mut request = c.cards().withdraw_code(code.as_str());
            if let Some(card_id) = card_id {
                request = request.card_id(card_id);
            }
            if let Some(reason) = reason {
                request = request.reason(reason);
            }
            request.await?;
            Ok(json!({"code": code, "withdrawn": true}))
        }),
        CodeCommand::Decrypt { encrypt_code } => call(settings, |c| async move {
            Ok(json!({"code": c.cards().decrypt_code(encrypt_code).await?}))
        }),
    }
}

async fn qrcode(client: Client, args: QrcodeArgs) -> Result<Value, Error> {
    let mut request = client.cards().qrcode(args.card_id);
    if let Some(seconds) = args.expire {
        request = request.expire_seconds(seconds);
    }
    if let Some(code) = args.code {
        request = request.code(code);
    }
    if let Some(openid) = args.openid {
        request = request.openid(openid);
    }
    if let Some(outer_str) = args.outer_str {
        request = request.outer_str(outer_str);
    }
    let qr = request.unique_code(args.unique).await?;
    let mut answer = match serde_json::to_value(&qr) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(out) = &args.out {
        let bytes = save_image(&client, &qr.code.ticket, out).await?;
        answer.insert("out".into(), json!(out));
        answer.insert("bytes".into(), json!(bytes));
    }
    Ok(Value::Object(answer))
}
