//! `wxoa card code …`: read, consume, renumber, withdraw and decrypt the codes followers hold,
//! and deposit, count and check the codes of a card with custom codes.

use clap::Subcommand;
use serde_json::json;

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

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
    /// Deposit codes for a card with custom codes (card/code/deposit; use_custom_code or
    /// GET_CUSTOM_CODE_MODE_DEPOSIT), 1 to 100 a call; prints which were deposited, were
    /// already, or failed. Never retried.
    Deposit {
        /// The card.
        card_id: String,
        /// The codes (1 to 100).
        #[arg(required = true, num_args = 1..)]
        codes: Vec<String>,
    },
    /// How many deposited codes a card has left (card/code/getdepositcount).
    DepositCount {
        /// The card.
        card_id: String,
    },
    /// Which of 1 to 100 codes are deposited for a card (card/code/checkcode).
    Check {
        /// The card.
        card_id: String,
        /// The codes (1 to 100).
        #[arg(required = true, num_args = 1..)]
        codes: Vec<String>,
    },
}

pub(super) fn code(settings: &Settings, command: CodeCommand) -> Result<(), Failure> {
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
        CodeCommand::Deposit { card_id, codes } => call(settings, |c| async move {
            Ok(json!(c.cards().deposit_codes(card_id, codes).await?))
        }),
        CodeCommand::DepositCount { card_id } => call(settings, |c| async move {
            let count = c.cards().deposit_count(card_id.as_str()).await?;
            Ok(json!({"card_id": card_id, "count": count}))
        }),
        CodeCommand::Check { card_id, codes } => call(settings, |c| async move {
            Ok(json!(c.cards().check_codes(card_id, codes).await?))
        }),
    }
}
