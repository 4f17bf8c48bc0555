//! Cards (卡券, api-reference §17, minimal but real): upload a logo, create a card of the
//! common types with a typed `base_info`, and a QR code to hand a card out.
//!
//! Checked before anything is sent (the platform's rules as the spec lists them):
//! - `logo_url` an `http(s)` URL (upload the logo with [`Cards::upload_logo`]);
//! - `brand_name` 1 to 12 characters, `title` 1 to 9, `notice` 1 to 16, `description` 1 to
//!   1024;
//! - `color` one of `Color010` … `Color102`;
//! - `sku.quantity` at most 100,000,000;
//! - `date_info` a time range that ends after it begins, or a term of at least one day;
//! - per type: GROUPON needs `deal_detail`, CASH a `reduce_cost` above 0 (cents), DISCOUNT a
//!   `discount` of 1 to 99 (percent off), GIFT `gift`, GENERAL_COUPON `default_detail`;
//! - a card QR code's `expire_seconds` 60 to 1800 (a rule of the platform's card docs, not in
//!   the spec; leave it out for a code valid 365 days).
//!
//! New cards go through review: the `card_pass_check` / `card_not_pass_check` events.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::Upload;
//! use wxoa_client::api::card::{BaseInfo, Card, CodeType, DateInfo};
//!
//! let logo_url = client.card().upload_logo(Upload::path("logo.png")).await?;
//! let base = BaseInfo::new(logo_url, "Shop", "Deal")
//!     .code_type(CodeType::Qrcode)
//!     .color("Color010")
//!     .notice("Show at counter")
//!     .description("Terms…")
//!     .quantity(500_000)
//!     .date_info(DateInfo::range(1_700_000_000, 1_710_000_000));
//! let card_id = client.card().create(Card::groupon(base, "One coffee")).await?;
//! let qr = client.card().qrcode(card_id.as_str()).expire_seconds(1800).await?;
//! println!("{}", qr.show_qrcode_url);
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::ids::{CardId, OpenId};

use crate::api::json_input::Fields;
use crate::api::media::UploadImage;
use crate::api::qrcode::QrCode;
use crate::api::support::{Ack, awaitable, invalid, require, string_enum};
use crate::{ApiRequest, Client, Result, Upload};

/// Longest `brand_name`, in characters.
pub const BRAND_NAME_MAX_CHARS: usize = 12;
/// Longest `title`, in characters.
pub const TITLE_MAX_CHARS: usize = 9;
/// Longest `notice`, in characters.
pub const NOTICE_MAX_CHARS: usize = 16;
/// Longest `description`, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 1024;
/// Largest `sku.quantity`.
pub const QUANTITY_MAX: u64 = 100_000_000;
/// The range of a card QR code's `expire_seconds`.
pub const QR_EXPIRE_SECONDS: std::ops::RangeInclusive<u32> = 60..=1800;

string_enum! {
    /// How the card's code is shown.
    pub enum CodeType {
        /// Text.
        Text = "CODE_TYPE_TEXT",
        /// A barcode with its text.
        Barcode = "CODE_TYPE_BARCODE",
        /// A QR code with its text.
        Qrcode = "CODE_TYPE_QRCODE",
        /// A QR code only.
        OnlyQrcode = "CODE_TYPE_ONLY_QRCODE",
        /// A barcode only.
        OnlyBarcode = "CODE_TYPE_ONLY_BARCODE",
        /// No code.
        None = "CODE_TYPE_NONE",
    }
}

/// When a card can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateInfo {
    /// `DATE_TYPE_FIX_TIME_RANGE`: between two instants (Unix seconds).
    Range {
        /// From.
        begin_timestamp: i64,
        /// Until.
        end_timestamp: i64,
    },
    /// `DATE_TYPE_FIX_TERM`: for `fixed_term` days, starting `fixed_begin_term` days after it
    /// is received.
    Term {
        /// How many days.
        fixed_term: u32,
        /// Days from receiving to the first usable day (0: the same day).
        fixed_begin_term: u32,
    },
}

impl DateInfo {
    /// Usable between two instants (Unix seconds).
    #[must_use]
    pub fn range(begin_timestamp: i64, end_timestamp: i64) -> DateInfo {
        DateInfo::Range {
            begin_timestamp,
            end_timestamp,
        }
    }

    /// Usable for `days` days, starting `after_days` days after it is received.
    #[must_use]
    pub fn term(days: u32, after_days: u32) -> DateInfo {
        DateInfo::Term {
            fixed_term: days,
            fixed_begin_term: after_days,
        }
    }

    fn to_json(self, field: &str) -> Result<Value> {
        match self {
            DateInfo::Range {
                begin_timestamp,
                end_timestamp,
            } => {
                if end_timestamp <= begin_timestamp {
                    return Err(invalid(
                        format!("{field}.end_timestamp"),
                        format!(
                            "must be after begin_timestamp ({begin_timestamp}), got {end_timestamp}"
                        ),
                    ));
                }
                Ok(json!({
                    "type": "DATE_TYPE_FIX_TIME_RANGE",
                    "begin_timestamp": begin_timestamp,
                    "end_timestamp": end_timestamp,
                }))
            }
            DateInfo::Term {
                fixed_term,
                fixed_begin_term,
            } => {
                if fixed_term == 0 {
                    return Err(invalid(
                        format!("{field}.fixed_term"),
                        "at least 1 day, got 0",
                    ));
                }
                Ok(json!({
                    "type": "DATE_TYPE_FIX_TERM",
                    "fixed_term": fixed_term,
                    "fixed_begin_term": fixed_begin_term,
                }))
            }
        }
    }
}

/// The `base_info` every card type shares. The constructor takes the card's face; the other
/// fields the platform requires — [`code_type`](BaseInfo::code_type),
/// [`color`](BaseInfo::color), [`notice`](BaseInfo::notice),
/// [`description`](BaseInfo::description), [`quantity`](BaseInfo::quantity) and
/// [`date_info`](BaseInfo::date_info) — are setters, and a card missing one is refused before
/// it is sent, naming it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BaseInfo {
    /// The logo: an `uploadimg` URL.
    pub logo_url: String,
    /// The merchant's name (≤ 12 characters).
    pub brand_name: String,
    /// The card's name (≤ 9 characters).
    pub title: String,
    /// How the code is shown.
    pub code_type: Option<CodeType>,
    /// The colour, `Color010` … `Color102`.
    pub color: String,
    /// What to do at the counter (≤ 16 characters).
    pub notice: String,
    /// The terms of use (≤ 1024 characters).
    pub description: String,
    /// How many cards there are (`sku.quantity`, ≤ 100,000,000).
    pub quantity: Option<u64>,
    /// When the card can be used.
    pub date_info: Option<DateInfo>,
    /// How many cards one user may receive.
    pub get_limit: Option<u32>,
    /// Whether the merchant assigns the codes.
    pub use_custom_code: Option<bool>,
    /// Whether the card is bound to the receiver's OpenID.
    pub bind_openid: Option<bool>,
    /// Whether the card page can be shared.
    pub can_share: Option<bool>,
    /// Whether the card can be given to a friend.
    pub can_give_friend: Option<bool>,
    /// The merchant's phone number.
    pub service_phone: Option<String>,
    /// Other `base_info` fields, sent as they are (`location_id_list`, `custom_url`, …).
    pub extra: Map<String, Value>,
}

impl BaseInfo {
    /// The card's face: its logo (an `uploadimg` URL), the merchant's name and the card's
    /// name.
    pub fn new(
        logo_url: impl Into<String>,
        brand_name: impl Into<String>,
        title: impl Into<String>,
    ) -> BaseInfo {
        BaseInfo {
            logo_url: logo_url.into(),
            brand_name: brand_name.into(),
            title: title.into(),
            code_type: None,
            color: String::new(),
            notice: String::new(),
            description: String::new(),
            quantity: None,
            date_info: None,
            get_limit: None,
            use_custom_code: None,
            bind_openid: None,
            can_share: None,
            can_give_friend: None,
            service_phone: None,
            extra: Map::new(),
        }
    }

    /// How the code is shown (required).
    #[must_use]
    pub fn code_type(mut self, code_type: CodeType) -> BaseInfo {
        self.code_type = Some(code_type);
        self
    }

    /// The colour, `Color010` … `Color102` (required).
    #[must_use]
    pub fn color(mut self, color: impl Into<String>) -> BaseInfo {
        self.color = color.into();
        self
    }

    /// What to do at the counter (required, ≤ 16 characters).
    #[must_use]
    pub fn notice(mut self, notice: impl Into<String>) -> BaseInfo {
        self.notice = notice.into();
        self
    }

    /// The terms of use (required, ≤ 1024 characters).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> BaseInfo {
        self.description = description.into();
        self
    }

    /// How many cards there are (required, ≤ 100,000,000).
    #[must_use]
    pub fn quantity(mut self, quantity: u64) -> BaseInfo {
        self.quantity = Some(quantity);
        self
    }

    /// When the card can be used (required).
    #[must_use]
    pub fn date_info(mut self, date_info: DateInfo) -> BaseInfo {
        self.date_info = Some(date_info);
        self
    }

    /// How many cards one user may receive.
    #[must_use]
    pub fn get_limit(mut self, limit: u32) -> BaseInfo {
        self.get_limit = Some(limit);
        self
    }

    /// Whether the merchant assigns the codes.
    #[must_use]
    pub fn use_custom_code(mut self, yes: bool) -> BaseInfo {
        self.use_custom_code = Some(yes);
        self
    }

    /// Whether the card is bound to the receiver's OpenID.
    #[must_use]
    pub fn bind_openid(mut self, yes: bool) -> BaseInfo {
        self.bind_openid = Some(yes);
        self
    }

    /// Whether the card page can be shared.
    #[must_use]
    pub fn can_share(mut self, yes: bool) -> BaseInfo {
        self.can_share = Some(yes);
        self
    }

    /// Whether the card can be given to a friend.
    #[must_use]
    pub fn can_give_friend(mut self, yes: bool) -> BaseInfo {
        self.can_give_friend = Some(yes);
        self
    }

    /// The merchant's phone number.
    #[must_use]
    pub fn service_phone(mut self, phone: impl Into<String>) -> BaseInfo {
        self.service_phone = Some(phone.into());
        self
    }

    /// Another `base_info` field, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> BaseInfo {
        self.extra.insert(key.into(), value);
        self
    }

    /// A `base_info` object in the platform's shape; members not modelled are kept.
    fn from_fields(mut fields: Fields) -> Result<BaseInfo> {
        let mut base = BaseInfo::new(
            fields.string("logo_url")?.unwrap_or_default(),
            fields.string("brand_name")?.unwrap_or_default(),
            fields.string("title")?.unwrap_or_default(),
        );
        base.code_type = fields
            .string("code_type")?
            .map(|c| CodeType::from(c.as_str()));
        base.color = fields.string("color")?.unwrap_or_default();
        base.notice = fields.string("notice")?.unwrap_or_default();
        base.description = fields.string("description")?.unwrap_or_default();
        if let Some(mut sku) = fields.object("sku")? {
            base.quantity = sku.uint("quantity")?;
        }
        if let Some(mut date) = fields.object("date_info")? {
            let kind = date.string("type")?.unwrap_or_default();
            base.date_info = Some(match kind.as_str() {
                "DATE_TYPE_FIX_TIME_RANGE" => DateInfo::range(
                    date.int("begin_timestamp")?.unwrap_or(0),
                    date.int("end_timestamp")?.unwrap_or(0),
                ),
                "DATE_TYPE_FIX_TERM" => DateInfo::term(
                    date.uint("fixed_term")?.unwrap_or(0),
                    date.uint("fixed_begin_term")?.unwrap_or(0),
                ),
                other => {
                    return Err(invalid(
                        date.name("type"),
                        format!(
                            "must be DATE_TYPE_FIX_TIME_RANGE or DATE_TYPE_FIX_TERM, got {other:?}"
                        ),
                    ));
                }
            });
        }
        base.get_limit = fields.uint("get_limit")?;
        base.use_custom_code = fields.flag("use_custom_code")?;
        base.bind_openid = fields.flag("bind_openid")?;
        base.can_share = fields.flag("can_share")?;
        base.can_give_friend = fields.flag("can_give_friend")?;
        base.service_phone = fields.string("service_phone")?;
        base.extra = fields.rest();
        Ok(base)
    }

    /// The `base_info` object, checked; `field` names it in errors.
    fn to_json(&self, field: &str) -> Result<Value> {
        let name = |f: &str| format!("{field}.{f}");
        let scheme_ok =
            url::Url::parse(&self.logo_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !scheme_ok {
            return Err(invalid(
                name("logo_url"),
                format!(
                    "must be an http(s) URL (upload the logo with uploadimg), got {:?}",
                    self.logo_url
                ),
            ));
        }
        let texts = [
            ("brand_name", &self.brand_name, BRAND_NAME_MAX_CHARS),
            ("title", &self.title, TITLE_MAX_CHARS),
            ("notice", &self.notice, NOTICE_MAX_CHARS),
            ("description", &self.description, DESCRIPTION_MAX_CHARS),
        ];
        for (key, value, max) in texts {
            require(&name(key), value)?;
            let chars = value.chars().count();
            if chars > max {
                return Err(invalid(
                    name(key),
                    format!("at most {max} characters, got {chars}"),
                ));
            }
        }
        let code_type = match &self.code_type {
            None => return Err(invalid(name("code_type"), "required")),
            Some(CodeType::Unknown(other)) => {
                return Err(invalid(
                    name("code_type"),
                    format!("not a code type of the platform: {other:?}"),
                ));
            }
            Some(code_type) => code_type,
        };
        if !is_card_color(&self.color) {
            return Err(invalid(
                name("color"),
                format!("one of Color010 … Color102, got {:?}", self.color),
            ));
        }
        let quantity = match self.quantity {
            None => return Err(invalid(name("sku.quantity"), "required")),
            Some(q) if q > QUANTITY_MAX => {
                return Err(invalid(
                    name("sku.quantity"),
                    format!("at most {QUANTITY_MAX}, got {q}"),
                ));
            }
            Some(q) => q,
        };
        let Some(date_info) = self.date_info else {
            return Err(invalid(name("date_info"), "required"));
        };
        let mut base = self.extra.clone();
        let fields = [
            ("logo_url", json!(self.logo_url)),
            ("brand_name", json!(self.brand_name)),
            ("code_type", json!(code_type)),
            ("title", json!(self.title)),
            ("color", json!(self.color)),
            ("notice", json!(self.notice)),
            ("description", json!(self.description)),
            ("sku", json!({"quantity": quantity})),
            ("date_info", date_info.to_json(&name("date_info"))?),
        ];
        for (key, value) in fields {
            base.insert(key.to_owned(), value);
        }
        let optional = [
            ("get_limit", self.get_limit.map(|v| json!(v))),
            ("use_custom_code", self.use_custom_code.map(|v| json!(v))),
            ("bind_openid", self.bind_openid.map(|v| json!(v))),
            ("can_share", self.can_share.map(|v| json!(v))),
            ("can_give_friend", self.can_give_friend.map(|v| json!(v))),
            (
                "service_phone",
                self.service_phone.as_ref().map(|v| json!(v)),
            ),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                base.insert(key.to_owned(), value);
            }
        }
        Ok(Value::Object(base))
    }
}

/// Whether `color` is one of the platform's card colours, `Color010` … `Color102`.
fn is_card_color(color: &str) -> bool {
    color
        .strip_prefix("Color")
        .filter(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u16>().ok())
        .is_some_and(|n| (10..=102).contains(&n))
}

/// The fields of one card type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardKind {
    /// `GROUPON`: a group-buying voucher.
    Groupon {
        /// What the voucher gives.
        deal_detail: String,
    },
    /// `CASH`: money off.
    Cash {
        /// The least spend for it to apply, in cents (0: none).
        least_cost: u64,
        /// How much it takes off, in cents.
        reduce_cost: u64,
    },
    /// `DISCOUNT`: a percentage off.
    Discount {
        /// Percent off (30 = 30 % off).
        discount: u8,
    },
    /// `GIFT`: a gift.
    Gift {
        /// What the gift is.
        gift: String,
    },
    /// `GENERAL_COUPON`: a general coupon.
    GeneralCoupon {
        /// What the coupon gives.
        default_detail: String,
    },
}

/// A card to create: its type's fields and its `base_info`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Card {
    /// The shared fields.
    pub base_info: BaseInfo,
    /// The type and its fields.
    pub kind: CardKind,
    /// Other fields of the type's object, sent as they are (`advanced_info`, …).
    pub extra: Map<String, Value>,
}

impl Card {
    /// A `GROUPON` card.
    pub fn groupon(base_info: BaseInfo, deal_detail: impl Into<String>) -> Card {
        Card::new(
            base_info,
            CardKind::Groupon {
                deal_detail: deal_detail.into(),
            },
        )
    }

    /// A `CASH` card: `reduce_cost` cents off a spend of at least `least_cost` cents.
    #[must_use]
    pub fn cash(base_info: BaseInfo, least_cost: u64, reduce_cost: u64) -> Card {
        Card::new(
            base_info,
            CardKind::Cash {
                least_cost,
                reduce_cost,
            },
        )
    }

    /// A `DISCOUNT` card: `discount` percent off.
    #[must_use]
    pub fn discount(base_info: BaseInfo, discount: u8) -> Card {
        Card::new(base_info, CardKind::Discount { discount })
    }

    /// A `GIFT` card.
    pub fn gift(base_info: BaseInfo, gift: impl Into<String>) -> Card {
        Card::new(base_info, CardKind::Gift { gift: gift.into() })
    }

    /// A `GENERAL_COUPON` card.
    pub fn general_coupon(base_info: BaseInfo, default_detail: impl Into<String>) -> Card {
        Card::new(
            base_info,
            CardKind::GeneralCoupon {
                default_detail: default_detail.into(),
            },
        )
    }

    /// A card in the platform's JSON shape, the body of `card/create` (`{"card": {"card_type":
    /// "GROUPON", "groupon": {"base_info": {…}, "deal_detail": …}}}`, the outer `card` member
    /// optional), as kept in a file. Members this type does not model are kept and sent as
    /// they are; the rules are checked when the card is sent.
    ///
    /// ```
    /// use wxoa_client::api::card::{Card, CardKind};
    ///
    /// let json = serde_json::json!({"card": {"card_type": "DISCOUNT", "discount": {
    ///     "base_info": {"logo_url": "http://mmbiz.qpic.cn/x", "brand_name": "Shop", "title": "30% off"},
    ///     "discount": 30}}});
    /// let card = Card::from_json(&json)?;
    /// assert_eq!(card.kind, CardKind::Discount { discount: 30 });
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<Card> {
        let (value, path) = match value.get("card") {
            Some(card) => (card, "card"),
            None => (value, "card"),
        };
        let mut card = Fields::of(value, path)?;
        let card_type = card.string("card_type")?.unwrap_or_default();
        let key = card_type.to_ascii_lowercase();
        let Some(mut object) = card.object(&key)? else {
            return Err(invalid(
                format!("{path}.card_type"),
                format!(
                    "must be GROUPON, CASH, DISCOUNT, GIFT or GENERAL_COUPON with its object, got {card_type:?}"
                ),
            ));
        };
        let text = |fields: &mut Fields, name: &str| -> Result<String> {
            Ok(fields.string(name)?.unwrap_or_default())
        };
        let kind = match card_type.as_str() {
            "GROUPON" => CardKind::Groupon {
                deal_detail: text(&mut object, "deal_detail")?,
            },
            "CASH" => CardKind::Cash {
                least_cost: object.uint("least_cost")?.unwrap_or(0),
                reduce_cost: object.uint("reduce_cost")?.unwrap_or(0),
            },
            "DISCOUNT" => CardKind::Discount {
                discount: object.uint("discount")?.unwrap_or(0),
            },
            "GIFT" => CardKind::Gift {
                gift: text(&mut object, "gift")?,
            },
            "GENERAL_COUPON" => CardKind::GeneralCoupon {
                default_detail: text(&mut object, "default_detail")?,
            },
            other => {
                return Err(invalid(
                    format!("{path}.card_type"),
                    format!(
                        "must be GROUPON, CASH, DISCOUNT, GIFT or GENERAL_COUPON, got {other:?}"
                    ),
                ));
            }
        };
        let base_path = format!("{path}.{key}.base_info");
        let Some(base) = object.object("base_info")? else {
            return Err(invalid(base_path, "required"));
        };
        let base_info = BaseInfo::from_fields(base)?;
        Ok(Card {
            base_info,
            kind,
            extra: object.rest(),
        })
    }

    fn new(base_info: BaseInfo, kind: CardKind) -> Card {
        Card {
            base_info,
            kind,
            extra: Map::new(),
        }
    }

    /// Another field of the type's object, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> Card {
        self.extra.insert(key.into(), value);
        self
    }

    /// The `card_type` the platform calls it.
    #[must_use]
    pub fn card_type(&self) -> &'static str {
        match self.kind {
            CardKind::Groupon { .. } => "GROUPON",
            CardKind::Cash { .. } => "CASH",
            CardKind::Discount { .. } => "DISCOUNT",
            CardKind::Gift { .. } => "GIFT",
            CardKind::GeneralCoupon { .. } => "GENERAL_COUPON",
        }
    }

    /// The body of `card/create`, checked.
    fn to_json(&self) -> Result<Value> {
        let card_type = self.card_type();
        let key = card_type.to_ascii_lowercase();
        let field = format!("card.{key}");
        let mut object = self.extra.clone();
        let detail = |name: &str, text: &String| -> Result<Value> {
            require(&format!("{field}.{name}"), text)?;
            Ok(json!(text))
        };
        match &self.kind {
            CardKind::Groupon { deal_detail } => {
                object.insert("deal_detail".into(), detail("deal_detail", deal_detail)?);
            }
            CardKind::Cash {
                least_cost,
                reduce_cost,
            } => {
                if *reduce_cost == 0 {
                    return Err(invalid(
                        format!("{field}.reduce_cost"),
                        "more than 0 cents, got 0",
                    ));
                }
                object.insert("least_cost".into(), json!(least_cost));
                object.insert("reduce_cost".into(), json!(reduce_cost));
            }
            CardKind::Discount { discount } => {
                if !(1..=99).contains(discount) {
                    return Err(invalid(
                        format!("{field}.discount"),
                        format!("1..=99 percent off, got {discount}"),
                    ));
                }
                object.insert("discount".into(), json!(discount));
            }
            CardKind::Gift { gift } => {
                object.insert("gift".into(), detail("gift", gift)?);
            }
            CardKind::GeneralCoupon { default_detail } => {
                object.insert(
                    "default_detail".into(),
                    detail("default_detail", default_detail)?,
                );
            }
        }
        object.insert(
            "base_info".into(),
            self.base_info.to_json(&format!("{field}.base_info"))?,
        );
        let mut card = Map::new();
        card.insert("card_type".into(), json!(card_type));
        card.insert(key, Value::Object(object));
        Ok(json!({"card": card}))
    }
}

/// The card API: `client.card()`.
#[derive(Debug, Clone)]
pub struct Cards {
    client: Client,
}

impl Client {
    /// The card API (api-reference §17).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let qr = client.card().qrcode("p1Pj9jr90_SQRaVqYI239Ka1erkI").await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn card(&self) -> Cards {
        Cards {
            client: self.clone(),
        }
    }
}

impl Cards {
    /// `POST /cgi-bin/media/uploadimg`: the card's logo (jpg or png, at most 1 MiB); answers
    /// the URL to use as `logo_url`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// let logo_url = client.card().upload_logo(Upload::path("logo.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_logo(&self, file: Upload) -> UploadImage {
        self.client.media().upload_image(file)
    }

    /// `POST /card/create`: a new card (reviewed by the platform before it can be used);
    /// answers its id.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client, base: wxoa_client::api::card::BaseInfo) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::card::Card;
    /// let card_id = client.card().create(Card::cash(base, 10_000, 1_000)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, card: Card) -> CreateCard {
        CreateCard {
            client: self.client.clone(),
            card,
        }
    }

    /// `POST /card/qrcode/create` (`QR_CARD`): a QR code handing out one card.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let qr = client.card().qrcode("CARD_ID").expire_seconds(1800).outer_str("poster").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn qrcode(&self, card_id: impl Into<CardId>) -> CardQrCodeRequest {
        CardQrCodeRequest {
            client: self.client.clone(),
            card_id: card_id.into(),
            expire_seconds: None,
            code: String::new(),
            openid: None,
            is_unique_code: false,
            outer_str: None,
        }
    }

    /// `POST /card/get`: a card as it stands (its type's fields, `base_info` with stock and
    /// status). A read: retried where safe.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let card = client.card().get("CARD_ID").await?;
    /// println!("{} {:?}", card.card_type, card.base_info().and_then(|b| b.get("title")));
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, card_id: impl Into<CardId>) -> GetCard {
        GetCard {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/batchget`: a page of the account's card ids, `count` (1 to 50) from
    /// `offset`, with the total. A read.
    pub fn list(&self, offset: u32, count: u32) -> ListCards {
        ListCards {
            client: self.client.clone(),
            offset,
            count,
            status: Vec::new(),
        }
    }

    /// `POST /card/modifystock`: adds `change` to the card's stock (removes, when negative).
    /// A send: never replayed once it may have reached the platform.
    pub fn modify_stock(&self, card_id: impl Into<CardId>, change: i64) -> ModifyStock {
        ModifyStock {
            client: self.client.clone(),
            card_id: card_id.into(),
            change,
        }
    }

    /// `POST /card/delete`: deletes the card (codes already handed out stay usable).
    pub fn delete(&self, card_id: impl Into<CardId>) -> DeleteCard {
        DeleteCard {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/code/get`: who holds a code, when it can be used and its status. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let code = client.card().code("110201201245").await?;
    /// if code.can_consume {
    ///     client.card().consume("110201201245").await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn code(&self, code: impl Into<String>) -> GetCode {
        GetCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/consume`: marks a code used (at most once; the platform pushes
    /// `user_consume_card`). A send: never replayed.
    pub fn consume(&self, code: impl Into<String>) -> ConsumeCode {
        ConsumeCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/update`: gives a code a new value (a custom code reissued, say). A
    /// send: never replayed.
    pub fn update_code(&self, code: impl Into<String>, new_code: impl Into<String>) -> UpdateCode {
        UpdateCode {
            client: self.client.clone(),
            code: code.into(),
            new_code: new_code.into(),
            card_id: None,
        }
    }

    /// `POST /card/code/unavailable`: withdraws a code so that it can no longer be used. A
    /// send: never replayed.
    pub fn withdraw_code(&self, code: impl Into<String>) -> WithdrawCode {
        WithdrawCode {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
            reason: None,
        }
    }

    /// `POST /card/code/decrypt`: the plain code behind the `encrypt_code` a card's page
    /// receives. A read.
    pub fn decrypt_code(&self, encrypt_code: impl Into<String>) -> DecryptCode {
        DecryptCode {
            client: self.client.clone(),
            encrypt_code: encrypt_code.into(),
        }
    }
}

/// `POST /card/create`, from [`Cards::create`]; answers the card's id.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateCard {
    client: Client,
    card: Card,
}

impl CreateCard {
    fn request(&self) -> Result<ApiRequest> {
        ApiRequest::post("/card/create").json(&self.card.to_json()?)
    }
}

#[derive(Deserialize)]
struct CardIdAnswer {
    card_id: CardId,
}

awaitable!(CreateCard => CardIdAnswer => CardId, |a: CardIdAnswer| a.card_id);

/// `POST /card/qrcode/create`, from [`Cards::qrcode`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CardQrCodeRequest {
    client: Client,
    card_id: CardId,
    expire_seconds: Option<u32>,
    code: String,
    openid: Option<OpenId>,
    is_unique_code: bool,
    outer_str: Option<String>,
}

impl CardQrCodeRequest {
    /// How long the code lives, 60 to 1800 seconds (default: 365 days).
    pub fn expire_seconds(mut self, seconds: u32) -> Self {
        self.expire_seconds = Some(seconds);
        self
    }

    /// The card code to hand out (cards with `use_custom_code`).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// Only this user may take the card (cards with `bind_openid`).
    pub fn openid(mut self, openid: impl Into<OpenId>) -> Self {
        self.openid = Some(openid.into());
        self
    }

    /// The code can be scanned once only.
    pub fn unique_code(mut self, unique: bool) -> Self {
        self.is_unique_code = unique;
        self
    }

    /// A tag reported back in the `user_get_card` event (`OuterStr`), to tell channels apart.
    pub fn outer_str(mut self, outer_str: impl Into<String>) -> Self {
        self.outer_str = Some(outer_str.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("action_info.card.card_id", self.card_id.as_str())?;
        let mut card = Map::new();
        card.insert("card_id".to_owned(), json!(self.card_id));
        card.insert("code".to_owned(), json!(self.code));
        card.insert(
            "openid".to_owned(),
            json!(self.openid.as_ref().map_or("", OpenId::as_str)),
        );
        card.insert("is_unique_code".to_owned(), json!(self.is_unique_code));
        if let Some(outer_str) = &self.outer_str {
            card.insert("outer_str".to_owned(), json!(outer_str));
        }
        let mut body = Map::new();
        body.insert("action_name".to_owned(), json!("QR_CARD"));
        body.insert("action_info".to_owned(), json!({"card": card}));
        if let Some(seconds) = self.expire_seconds {
            if !QR_EXPIRE_SECONDS.contains(&seconds) {
                return Err(invalid(
                    "expire_seconds",
                    format!(
                        "{}..={} seconds, got {seconds}",
                        QR_EXPIRE_SECONDS.start(),
                        QR_EXPIRE_SECONDS.end()
                    ),
                ));
            }
            body.insert("expire_seconds".to_owned(), json!(seconds));
        }
        ApiRequest::post("/card/qrcode/create").json(&body)
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

/// `POST /card/get`, from [`Cards::get`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCard {
    client: Client,
    card_id: CardId,
}

impl GetCard {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        Ok(ApiRequest::post("/card/get")
            .json(&json!({"card_id": self.card_id}))?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct CardAnswer {
    card: CardDetails,
}

awaitable!(GetCard => CardAnswer => CardDetails, |a: CardAnswer| a.card);

/// `POST /card/batchget`, from [`Cards::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListCards {
    client: Client,
    offset: u32,
    count: u32,
    status: Vec<String>,
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
                format!("1..={MAX_LIST}, got {}", self.count),
            ));
        }
        let mut body = Map::new();
        body.insert("offset".to_owned(), json!(self.offset));
        body.insert("count".to_owned(), json!(self.count));
        if !self.status.is_empty() {
            body.insert("status_list".to_owned(), json!(self.status));
        }
        Ok(ApiRequest::post("/card/batchget")
            .json(&body)?
            .idempotent(true))
    }
}

/// A page of card ids, from [`Cards::list`].
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

/// `POST /card/modifystock`, from [`Cards::modify_stock`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ModifyStock {
    client: Client,
    card_id: CardId,
    change: i64,
}

impl ModifyStock {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        if self.change == 0 {
            return Err(invalid("change", "a stock change of 0 changes nothing"));
        }
        let (field, by) = if self.change > 0 {
            ("increase_stock_value", self.change)
        } else {
            ("reduce_stock_value", self.change.saturating_neg())
        };
        ApiRequest::post("/card/modifystock").json(&json!({"card_id": self.card_id, field: by}))
    }
}

awaitable!(ModifyStock => Ack);

/// `POST /card/delete`, from [`Cards::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteCard {
    client: Client,
    card_id: CardId,
}

impl DeleteCard {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        ApiRequest::post("/card/delete").json(&json!({"card_id": self.card_id}))
    }
}

awaitable!(DeleteCard => Ack);

/// The body of the code requests: the code, and the card it belongs to when given.
fn code_body(code: &str, card_id: Option<&CardId>) -> Result<Map<String, Value>> {
    require("code", code)?;
    let mut body = Map::new();
    body.insert("code".to_owned(), json!(code));
    if let Some(card_id) = card_id {
        body.insert("card_id".to_owned(), json!(card_id));
    }
    Ok(body)
}

/// `POST /card/code/get`, from [`Cards::code`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetCode {
    client: Client,
    code: String,
    card_id: Option<CardId>,
}

impl GetCode {
    /// The card the code belongs to (required for cards with custom codes).
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/card/code/get")
            .json(&code_body(&self.code, self.card_id.as_ref())?)?
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

/// A code's holder and status, from [`Cards::code`].
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

/// `POST /card/code/consume`, from [`Cards::consume`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ConsumeCode {
    client: Client,
    code: String,
    card_id: Option<CardId>,
}

impl ConsumeCode {
    /// The card the code belongs to (required for cards with custom codes).
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        ApiRequest::post("/card/code/consume").json(&code_body(&self.code, self.card_id.as_ref())?)
    }
}

/// Who a consumed code belonged to, from [`Cards::consume`].
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

/// `POST /card/code/update`, from [`Cards::update_code`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateCode {
    client: Client,
    code: String,
    new_code: String,
    card_id: Option<CardId>,
}

impl UpdateCode {
    /// The card the code belongs to.
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("new_code", &self.new_code)?;
        let mut body = code_body(&self.code, self.card_id.as_ref())?;
        body.insert("new_code".to_owned(), json!(self.new_code));
        ApiRequest::post("/card/code/update").json(&body)
    }
}

awaitable!(UpdateCode => Ack);

/// `POST /card/code/unavailable`, from [`Cards::withdraw_code`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct WithdrawCode {
    client: Client,
    code: String,
    card_id: Option<CardId>,
    reason: Option<String>,
}

impl WithdrawCode {
    /// The card the code belongs to.
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    /// Why it is withdrawn (shown to the follower).
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        let mut body = code_body(&self.code, self.card_id.as_ref())?;
        if let Some(reason) = &self.reason {
            body.insert("reason".to_owned(), json!(reason));
        }
        ApiRequest::post("/card/code/unavailable").json(&body)
    }
}

awaitable!(WithdrawCode => Ack);

/// `POST /card/code/decrypt`, from [`Cards::decrypt_code`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DecryptCode {
    client: Client,
    encrypt_code: String,
}

impl DecryptCode {
    fn request(&self) -> Result<ApiRequest> {
        require("encrypt_code", &self.encrypt_code)?;
        Ok(ApiRequest::post("/card/code/decrypt")
            .json(&json!({"encrypt_code": self.encrypt_code}))?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct CodeAnswer {
    code: String,
}

awaitable!(DecryptCode => CodeAnswer => String, |a: CodeAnswer| a.code);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_colors_are_color010_to_color102() {
        for ok in ["Color010", "Color050", "Color102"] {
            assert!(is_card_color(ok), "{ok}");
        }
        for bad in [
            "Color009", "Color103", "Color10", "color010", "Color01x", "",
        ] {
            assert!(!is_card_color(bad), "{bad}");
        }
    }
}
