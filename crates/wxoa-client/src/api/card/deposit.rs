//! Codes a merchant deposits for a card with custom codes (`use_custom_code`, or
//! `get_custom_code_mode` `GET_CUSTOM_CODE_MODE_DEPOSIT`): depositing them (1 to 100 a call),
//! how many are left, and which of a list are deposited. Each request value is the body it
//! sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::CardId;

use super::{Cards, MAX_CODES_PER_CALL};
use crate::api::support::{awaitable, invalid, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// A list of 1 to 100 codes, none empty.
fn check_codes(codes: &[String]) -> Result<()> {
    if !(1..=MAX_CODES_PER_CALL).contains(&codes.len()) {
        return Err(invalid(
            "code",
            Rule::OutOfRange {
                min: 1,
                max: MAX_CODES_PER_CALL as i64,
                unit: Unit::Codes,
                got: i64::try_from(codes.len()).unwrap_or(i64::MAX),
            },
        ));
    }
    match codes.iter().position(String::is_empty) {
        Some(i) => Err(invalid(format!("code[{i}]"), Rule::Empty)),
        None => Ok(()),
    }
}

/// `POST /card/code/deposit`, from [`Cards::deposit_codes`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DepositCodes {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    code: Vec<String>,
}

impl DepositCodes {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        check_codes(&self.code)?;
        ApiRequest::post("/card/code/deposit").json(self)
    }
}

/// What became of each deposited code, from [`Cards::deposit_codes`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Deposited {
    /// The codes now deposited.
    #[serde(default, deserialize_with = "crate::api::support::or_default")]
    pub succ_code: Vec<String>,
    /// The codes already deposited (or named twice), left as they were.
    #[serde(default, deserialize_with = "crate::api::support::or_default")]
    pub duplicate_code: Vec<String>,
    /// The codes the platform refused.
    #[serde(default, deserialize_with = "crate::api::support::or_default")]
    pub fail_code: Vec<String>,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(DepositCodes => Deposited);

/// `POST /card/code/getdepositcount`, from [`Cards::deposit_count`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DepositCount {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
}

impl DepositCount {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        Ok(ApiRequest::post("/card/code/getdepositcount")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct CountAnswer {
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    count: u64,
}

awaitable!(DepositCount => CountAnswer => u64, |a: CountAnswer| a.count);

/// `POST /card/code/checkcode`, from [`Cards::check_codes`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CheckCodes {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    code: Vec<String>,
}

impl CheckCodes {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        check_codes(&self.code)?;
        Ok(ApiRequest::post("/card/code/checkcode")
            .json(self)?
            .idempotent(true))
    }
}

/// Which codes are deposited, from [`Cards::check_codes`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckedCodes {
    /// The codes deposited for the card.
    #[serde(default, deserialize_with = "crate::api::support::or_default")]
    pub exist_code: Vec<String>,
    /// The codes that are not.
    #[serde(default, deserialize_with = "crate::api::support::or_default")]
    pub not_exist_code: Vec<String>,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(CheckCodes => CheckedCodes);

impl Cards {
    /// `POST /card/code/deposit`: deposits 1 to 100 codes for a card with custom codes. A
    /// send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let done = client.cards().deposit_codes("CARD_ID", ["A001", "A002"]).await?;
    /// println!("{} deposited, {} already were", done.succ_code.len(), done.duplicate_code.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn deposit_codes<I, S>(&self, card_id: impl Into<CardId>, codes: I) -> DepositCodes
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DepositCodes {
            client: self.client.clone(),
            card_id: card_id.into(),
            code: codes.into_iter().map(Into::into).collect(),
        }
    }

    /// `POST /card/code/getdepositcount`: how many deposited codes the card has left. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let left = client.cards().deposit_count("CARD_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn deposit_count(&self, card_id: impl Into<CardId>) -> DepositCount {
        DepositCount {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/code/checkcode`: which of 1 to 100 codes are deposited for the card. A
    /// read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let checked = client.cards().check_codes("CARD_ID", ["A001", "Z999"]).await?;
    /// println!("missing: {:?}", checked.not_exist_code);
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_codes<I, S>(&self, card_id: impl Into<CardId>, codes: I) -> CheckCodes
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CheckCodes {
            client: self.client.clone(),
            card_id: card_id.into(),
            code: codes.into_iter().map(Into::into).collect(),
        }
    }
}
