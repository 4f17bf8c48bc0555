//! Cards once created: a QR code that hands one out, a card as it stands, the list of the
//! account's cards, their stock, and deleting one. Each request value is the body it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{CardId, OpenId};

use super::QR_EXPIRE_SECONDS;
use crate::api::qrcode::QrCode;
use crate::api::support::{Ack, awaitable, invalid, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// `POST /card/qrcode/create`, from [`Cards::qrcode`](super::Cards::qrcode).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CardQrCodeRequest {
    #[serde(skip)]
    client: Client,
    action_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_seconds: Option<u32>,
    action_info: CardAction,
}

/// `action_info` of a card QR code: `{"card": {…}}`.
#[derive(Debug, Clone, Serialize)]
struct CardAction {
    card: QrCard,
}

/// The card a QR code hands out. `code` and `openid` are always sent, empty when not given,
/// as the spec's example does.
#[derive(Debug, Clone, Serialize)]
struct QrCard {
    card_id: CardId,
    code: String,
    openid: OpenId,
    is_unique_code: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    outer_str: Option<String>,
}

impl CardQrCodeRequest {
    pub(super) fn new(client: Client, card_id: CardId) -> Self {
        CardQrCodeRequest {
            client,
            action_name: "QR_CARD",
            expire_seconds: None,
            action_info: CardAction {
                card: QrCard {
                    card_id,
                    code: String::new(),
                    openid: OpenId::default(),
                    is_unique_code: false,
                    outer_str: None,
                },
            },
        }
    }

    /// How long the code lives, 60 to 1800 seconds (default: 365 days).
    pub fn expire_seconds(mut self, seconds: u32) -> Self {
        self.expire_seconds = Some(seconds);
        self
    }

    /// The card code to hand out (cards with `use_custom_code`).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.action_info.card.code = code.into();
        self
    }

    /// Only this user may take the card (cards with `bind_openid`).
    pub fn openid(mut self, openid: impl Into<OpenId>) -> Self {
        self.action_info.card.openid = openid.into();
        self
    }

    /// The code can be scanned once only.
    pub fn unique_code(mut self, unique: bool) -> Self {
        self.action_info.card.is_unique_code = unique;
        self
    }

    /// A tag reported back in the `user_get_card` event (`OuterStr`), to tell channels apart.
    pub fn outer_str(mut self, outer_str: impl Into<String>) -> Self {
        self.action_info.card.outer_str = Some(outer_str.into());
        self
    }

    fn validate(&self) -> Result<()> {
        require(
            "action_info.card.card_id",
            self.action_info.card.card_id.as_str(),
        )?;
        match self.expire_seconds {
            Some(seconds) if !QR_EXPIRE_SECONDS.contains(&seconds) => Err(invalid(
                "expire_seconds",
                Rule::OutOfRange {
                    min: (*QR_EXPIRE_SECONDS.start()).into(),
                    max: (*QR_EXPIRE_SECONDS.end()).into(),
                    unit: Unit::Seconds,
                    got: seconds.into(),
                },
            )),
            _ => Ok(()),
        }
    }

    fn request(&self) -> Result<ApiRequest> {
        self.validate()?;
        ApiRequest::post("/card/qrcode/create").json(self)
    }
}

/// A card QR code: a [`QrCode`] and the URL of its image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardQrCode {
    /// The ticket, expiry and URL of the code (`errcode` and `errmsg` in its `extra`).
    #[serde(flatten)]
    pub code: QrCode,
    /// The image's URL on the platform.
    #[serde(default)]
    pub show_qrcode_url: String,
}

awaitable!(CardQrCodeRequest => CardQrCode);

/// A card as `card/get` answers it: its type, and the type's object (`groupon`, `cash`, …)
/// with `base_info` and the type's own fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardDetails {
    /// `GROUPON`, `CASH`, `DISCOUNT`, `GIFT`, `GENERAL_COUPON`, `MEMBER_CARD`, …
    #[serde(default)]
    pub card_type: String,
    /// The type's object under its lower-case name, and anything else the platform sends.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CardDetails {
    /// The type's object: `extra[card_type.to_lowercase()]`.
    #[must_use]
    pub fn body(&self) -> Option<&Value> {
        self.extra.get(&self.card_type.to_ascii_lowercase())
    }

    /// The card's `base_info` (title, stock in `sku.quantity`, `date_info`, `status`, …).
    #[must_use]
    pub fn base_info(&self) -> Option<&Value> {
        self.body().and_then(|body| body.get("base_info"))
    }
}

/// `POST /card/get`, from [`Cards::get`](super::Cards::get).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCard {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) card_id: CardId,
}

impl GetCard {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        Ok(ApiRequest::post("/card/get").json(self)?.idempotent(true))
    }
}

#[derive(Deserialize)]
struct CardAnswer {
    card: CardDetails,
}

awaitable!(GetCard => CardAnswer => CardDetails, |a: CardAnswer| a.card);

/// `POST /card/batchget`, from [`Cards::list`](super::Cards::list)(super::Cards::list).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListCards {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) offset: u32,
    pub(super) count: u32,
    #[serde(rename = "status_list", skip_serializing_if = "Vec::is_empty")]
    pub(super) status: Vec<String>,
}

/// Most card ids a `card/batchget` page holds.
const MAX_LIST: u32 = 50;

impl ListCards {
    /// Only cards in this review status (`CARD_STATUS_NOT_VERIFY`, `CARD_STATUS_VERIFY_FAIL`,
    /// `CARD_STATUS_VERIFY_OK`, `CARD_STATUS_DELETE`, `CARD_STATUS_DISPATCH`); may be given
    /// several times.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status.push(status.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if !(1..=MAX_LIST).contains(&self.count) {
            return Err(invalid(
                "count",
                Rule::OutOfRange {
                    min: 1,
                    max: MAX_LIST.into(),
                    unit: Unit::Count,
                    got: self.count.into(),
                },
            ));
        }
        Ok(ApiRequest::post("/card/batchget")
            .json(self)?
            .idempotent(true))
    }
}

/// A page of card ids, from [`Cards::list`](super::Cards::list).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardIdPage {
    /// The ids on this page.
    #[serde(default)]
    pub card_id_list: Vec<CardId>,
    /// How many cards match in all.
    #[serde(default)]
    pub total_num: u64,
}

awaitable!(ListCards => CardIdPage);

/// `POST /card/modifystock`, from [`Cards::modify_stock`](super::Cards::modify_stock).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ModifyStock {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    #[serde(flatten)]
    change: StockChange,
}

/// A change of stock, under the member that says its direction.
#[derive(Debug, Clone, Copy, Serialize)]
enum StockChange {
    #[serde(rename = "increase_stock_value")]
    Increase(u64),
    #[serde(rename = "reduce_stock_value")]
    Reduce(u64),
}

impl ModifyStock {
    pub(super) fn new(client: Client, card_id: CardId, change: i64) -> Self {
        let change = if change >= 0 {
            StockChange::Increase(change.unsigned_abs())
        } else {
            StockChange::Reduce(change.saturating_neg().unsigned_abs())
        };
        ModifyStock {
            client,
            card_id,
            change,
        }
    }

    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        if matches!(self.change, StockChange::Increase(0)) {
            return Err(invalid("change", Rule::NoStockChange));
        }
        ApiRequest::post("/card/modifystock").json(self)
    }
}

awaitable!(ModifyStock => Ack);

/// `POST /card/delete`, from [`Cards::delete`](super::Cards::delete).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteCard {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) card_id: CardId,
}

impl DeleteCard {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        ApiRequest::post("/card/delete").json(self)
    }
}

awaitable!(DeleteCard => Ack);
