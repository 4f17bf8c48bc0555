//! A card to create, as `card/create` takes it: one type per kind of card (`GROUPON`, `CASH`,
//! …), each the object the platform keys by the type's lower-case name, with its rules, and
//! the request that sends it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::CardId;

use super::{BaseInfo, http_url};
use crate::api::support::{awaitable, decode_input, invalid, or_default, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Defines the object of one card type: its `base_info`, its own fields, and the fields this
/// version does not model, which are sent as they are.
macro_rules! card_type {
    ($(#[$meta:meta])* $name:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            /// The fields every card type shares.
            pub base_info: BaseInfo,
            $($(#[$field_meta])* pub $field: $ty,)+
            /// Other fields of the type's object, sent as they are (`advanced_info`, …).
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

card_type! {
    /// `GROUPON`: a group-buying voucher.
    Groupon {
        /// What the voucher gives.
        #[serde(default, deserialize_with = "or_default")]
        deal_detail: String,
    }
}

card_type! {
    /// `CASH`: money off.
    Cash {
        /// The least spend for it to apply, in cents (0: none).
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        least_cost: u64,
        /// How much it takes off, in cents.
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        reduce_cost: u64,
    }
}

card_type! {
    /// `DISCOUNT`: a percentage off.
    Discount {
        /// Percent off (30 = 30 % off).
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        discount: u8,
    }
}

card_type! {
    /// `GIFT`: a gift.
    Gift {
        /// What the gift is.
        #[serde(default, deserialize_with = "or_default")]
        gift: String,
    }
}

card_type! {
    /// `GENERAL_COUPON`: a general coupon.
    GeneralCoupon {
        /// What the coupon gives.
        #[serde(default, deserialize_with = "or_default")]
        default_detail: String,
    }
}

card_type! {
    /// `MEMBER_CARD`: a member card, with points (`bonus`) and a stored balance; its holders
    /// are activated as members (see [`Cards::activate_member`](super::Cards::activate_member)).
    MemberCard {
        /// What members get.
        #[serde(default, deserialize_with = "or_default")]
        prerogative: String,
        /// Whether the card shows points.
        #[serde(default, deserialize_with = "crate::api::support::flag")]
        supply_bonus: bool,
        /// Whether the card shows a stored balance.
        #[serde(default, deserialize_with = "crate::api::support::flag")]
        supply_balance: bool,
        /// Whether holders activate in WeChat by filling in the activation form (one-click
        /// activation, set with [`Cards::set_activation_form`](super::Cards::set_activation_form)).
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::api::support::opt_flag"
        )]
        wx_activate: Option<bool>,
        /// The card's background image (an `uploadimg` URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        background_pic_url: Option<String>,
    }
}

/// A card to create: its type's object, serialised under the type's lower-case name
/// (`"groupon": {"base_info": {…}, "deal_detail": …}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Card {
    /// `GROUPON`: a group-buying voucher.
    Groupon(Groupon),
    /// `CASH`: money off.
    Cash(Cash),
    /// `DISCOUNT`: a percentage off.
    Discount(Discount),
    /// `GIFT`: a gift.
    Gift(Gift),
    /// `GENERAL_COUPON`: a general coupon.
    GeneralCoupon(GeneralCoupon),
    /// `MEMBER_CARD`: a member card.
    MemberCard(MemberCard),
}

/// The card types this module creates, as `card_type` names them.
const CARD_TYPES: [&str; 6] = [
    "GROUPON",
    "CASH",
    "DISCOUNT",
    "GIFT",
    "GENERAL_COUPON",
    "MEMBER_CARD",
];

impl Card {
    /// A `GROUPON` card.
    pub fn groupon(base_info: BaseInfo, deal_detail: impl Into<String>) -> Card {
        Card::Groupon(Groupon {
            base_info,
            deal_detail: deal_detail.into(),
            extra: Map::new(),
        })
    }

    /// A `CASH` card: `reduce_cost` cents off a spend of at least `least_cost` cents.
    #[must_use]
    pub fn cash(base_info: BaseInfo, least_cost: u64, reduce_cost: u64) -> Card {
        Card::Cash(Cash {
            base_info,
            least_cost,
            reduce_cost,
            extra: Map::new(),
        })
    }

    /// A `DISCOUNT` card: `discount` percent off.
    #[must_use]
    pub fn discount(base_info: BaseInfo, discount: u8) -> Card {
        Card::Discount(Discount {
            base_info,
            discount,
            extra: Map::new(),
        })
    }

    /// A `GIFT` card.
    pub fn gift(base_info: BaseInfo, gift: impl Into<String>) -> Card {
        Card::Gift(Gift {
            base_info,
            gift: gift.into(),
            extra: Map::new(),
        })
    }

    /// A `GENERAL_COUPON` card.
    pub fn general_coupon(base_info: BaseInfo, default_detail: impl Into<String>) -> Card {
        Card::GeneralCoupon(GeneralCoupon {
            base_info,
            default_detail: default_detail.into(),
            extra: Map::new(),
        })
    }

    /// A `MEMBER_CARD` card: what members get, and whether it shows points and a balance.
    pub fn member_card(
        base_info: BaseInfo,
        prerogative: impl Into<String>,
        supply_bonus: bool,
        supply_balance: bool,
    ) -> Card {
        Card::MemberCard(MemberCard {
            base_info,
            prerogative: prerogative.into(),
            supply_bonus,
            supply_balance,
            wx_activate: None,
            background_pic_url: None,
            extra: Map::new(),
        })
    }

    /// A card in the platform's JSON shape, the body of `card/create` (`{"card": {"card_type":
    /// "GROUPON", "groupon": {"base_info": {…}, "deal_detail": …}}}`, the outer `card` member
    /// optional), as kept in a file. Members this type does not model are kept and sent as
    /// they are; a member of the wrong type fails naming its path; the rules are checked when
    /// the card is sent.
    ///
    /// ```
    /// use wxoa_client::api::card::Card;
    ///
    /// let json = serde_json::json!({"card": {"card_type": "DISCOUNT", "discount": {
    ///     "base_info": {"logo_url": "http://mmbiz.qpic.cn/x", "brand_name": "Shop", "title": "30% off"},
    ///     "discount": 30}}});
    /// let card = Card::from_json(&json)?;
    /// assert!(matches!(card, Card::Discount(ref d) if d.discount == 30));
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<Card> {
        let card = value.get("card").unwrap_or(value);
        let card_type = card
            .get("card_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key = card_type.to_ascii_lowercase();
        match card.get(&key) {
            Some(object) if CARD_TYPES.contains(&card_type) => {
                // The type's object alone, under its key: the shape of the externally tagged enum.
                let tagged = Value::Object(Map::from_iter([(key, object.clone())]));
                decode_input(&tagged, "card")
            }
            _ => Err(invalid(
                "card.card_type",
                Rule::CardType {
                    choices: &CARD_TYPES,
                    got: card_type.to_owned(),
                },
            )),
        }
    }

    /// Another field of the type's object, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> Card {
        self.extra_mut().insert(key.into(), value);
        self
    }

    /// The `card_type` the platform calls it.
    #[must_use]
    pub fn card_type(&self) -> &'static str {
        match self {
            Card::Groupon(_) => "GROUPON",
            Card::Cash(_) => "CASH",
            Card::Discount(_) => "DISCOUNT",
            Card::Gift(_) => "GIFT",
            Card::GeneralCoupon(_) => "GENERAL_COUPON",
            Card::MemberCard(_) => "MEMBER_CARD",
        }
    }

    /// The fields every card type shares.
    #[must_use]
    pub fn base_info(&self) -> &BaseInfo {
        match self {
            Card::Groupon(card) => &card.base_info,
            Card::Cash(card) => &card.base_info,
            Card::Discount(card) => &card.base_info,
            Card::Gift(card) => &card.base_info,
            Card::GeneralCoupon(card) => &card.base_info,
            Card::MemberCard(card) => &card.base_info,
        }
    }

    fn extra_mut(&mut self) -> &mut Map<String, Value> {
        match self {
            Card::Groupon(card) => &mut card.extra,
            Card::Cash(card) => &mut card.extra,
            Card::Discount(card) => &mut card.extra,
            Card::Gift(card) => &mut card.extra,
            Card::GeneralCoupon(card) => &mut card.extra,
            Card::MemberCard(card) => &mut card.extra,
        }
    }

    /// Checks the type's rules, then its `base_info`'s.
    pub(super) fn validate(&self) -> Result<()> {
        let field = format!("card.{}", self.card_type().to_ascii_lowercase());
        let name = |f: &str| format!("{field}.{f}");
        match self {
            Card::Groupon(card) => require(&name("deal_detail"), &card.deal_detail)?,
            Card::Cash(card) if card.reduce_cost == 0 => {
                return Err(invalid(name("reduce_cost"), Rule::NoCents));
            }
            Card::Discount(card) if !(1..=99).contains(&card.discount) => {
                return Err(invalid(
                    name("discount"),
                    Rule::OutOfRange {
                        min: 1,
                        max: 99,
                        unit: Unit::PercentOff,
                        got: card.discount.into(),
                    },
                ));
            }
            Card::Gift(card) => require(&name("gift"), &card.gift)?,
            Card::GeneralCoupon(card) => require(&name("default_detail"), &card.default_detail)?,
            Card::MemberCard(card) => {
                require(&name("prerogative"), &card.prerogative)?;
                if let Some(url) = &card.background_pic_url {
                    http_url(&name("background_pic_url"), url)?;
                }
            }
            Card::Cash(_) | Card::Discount(_) => {}
        }
        self.base_info().validate(&name("base_info"))
    }
}

/// `POST /card/create`, from [`Cards::create`](super::Cards::create); answers the card's id.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateCard {
    pub(super) client: Client,
    pub(super) card: Card,
}

/// The body of `card/create`: `{"card": {"card_type": "CASH", "cash": {…}}}`.
#[derive(Serialize)]
struct CreateBody<'a> {
    card: TypedCard<'a>,
}

#[derive(Serialize)]
struct TypedCard<'a> {
    card_type: &'static str,
    #[serde(flatten)]
    object: &'a Card,
}

impl CreateCard {
    fn request(&self) -> Result<ApiRequest> {
        self.card.validate()?;
        ApiRequest::post("/card/create").json(&CreateBody {
            card: TypedCard {
                card_type: self.card.card_type(),
                object: &self.card,
            },
        })
    }
}

#[derive(Deserialize)]
struct CardIdAnswer {
    card_id: CardId,
}

awaitable!(CreateCard => CardIdAnswer => CardId, |a: CardIdAnswer| a.card_id);
