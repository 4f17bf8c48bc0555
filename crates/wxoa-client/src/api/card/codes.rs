//! A card's codes: who holds one and its status, consuming, renumbering and withdrawing one,
//! and decrypting the `encrypt_code` a card's page receives. Each request value is the body
//! it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{CardId, OpenId};

use crate::api::support::{Ack, awaitable, require};
use crate::{ApiRequest, Client, Result};

/// Defines a request on one code: the code, and the card it belongs to when given.
macro_rules! code_request {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct $name {
            #[serde(skip)]
            pub(super) client: Client,
            pub(super) code: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub(super) card_id: Option<CardId>,
            $($(#[$field_meta])* pub(super) $field: $ty,)*
        }

        impl $name {
            /// The card the code belongs to (required for cards with custom codes).
            pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
                self.card_id = Some(card_id.into());
                self
            }
        }
    };
}

code_request! {
    /// `POST /card/code/get`, from [`Cards::code`](super::Cards::code).
    GetCode {}
}

impl GetCode {
    fn request(&self) -> Result<ApiRequest> {
        require("code", &self.code)?;
        Ok(ApiRequest::post("/card/code/get")
            .json(self)?
            .idempotent(true))
    }
}

/// The card a code belongs to and when it can be used (Unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CodeCard {
    /// The card.
    #[serde(default)]
    pub card_id: CardId,
    /// First moment the code can be used.
    #[serde(default)]
    pub begin_time: i64,
    /// When it stops being usable.
    #[serde(default)]
    pub end_time: i64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A code's holder and status, from [`Cards::code`](super::Cards::code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CodeInfo {
    /// The card and the code's validity.
    #[serde(default)]
    pub card: CodeCard,
    /// The follower holding the code.
    #[serde(default)]
    pub openid: OpenId,
    /// Whether it can be consumed now.
    #[serde(default)]
    pub can_consume: bool,
    /// `NORMAL`, `CONSUMED`, `EXPIRE`, `GIFTING`, `GIFT_TIMEOUT`, `DELETE`, `UNAVAILABLE`, …
    #[serde(default)]
    pub user_card_status: String,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(GetCode => CodeInfo);

code_request! {
    /// `POST /card/code/consume`, from [`Cards::consume`](super::Cards::consume).
    ConsumeCode {}
}

impl ConsumeCode {
    fn request(&self) -> Result<ApiRequest> {
        require("code", &self.code)?;
        ApiRequest::post("/card/code/consume").json(self)
    }
}

/// Who a consumed code belonged to, from [`Cards::consume`](super::Cards::consume).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Consumed {
    /// The card (`card_id`).
    #[serde(default)]
    pub card: CodeCard,
    /// The follower who held the code.
    #[serde(default)]
    pub openid: OpenId,
}

awaitable!(ConsumeCode => Consumed);

code_request! {
    /// `POST /card/code/update`, from [`Cards::update_code`](super::Cards::update_code).
    UpdateCode {
        new_code: String,
    }
}

impl UpdateCode {
    fn request(&self) -> Result<ApiRequest> {
        require("new_code", &self.new_code)?;
        require("code", &self.code)?;
        ApiRequest::post("/card/code/update").json(self)
    }
}

awaitable!(UpdateCode => Ack);

code_request! {
    /// `POST /card/code/unavailable`, from [`Cards::withdraw_code`](super::Cards::withdraw_code).
    WithdrawCode {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    }
}

impl WithdrawCode {
    /// Why it is withdrawn (shown to the follower).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("code", &self.code)?;
        ApiRequest::post("/card/code/unavailable").json(self)
    }
}

awaitable!(WithdrawCode => Ack);

/// `POST /card/code/decrypt`, from [`Cards::decrypt_code`](super::Cards::decrypt_code).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DecryptCode {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) encrypt_code: String,
}

impl DecryptCode {
    fn request(&self) -> Result<ApiRequest> {
        require("encrypt_code", &self.encrypt_code)?;
        Ok(ApiRequest::post("/card/code/decrypt")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct CodeAnswer {
    code: String,
}

awaitable!(DecryptCode => CodeAnswer => String, |a: CodeAnswer| a.code);
