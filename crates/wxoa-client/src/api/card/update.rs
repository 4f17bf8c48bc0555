//! `card/update`: changes to a card once created, under its type's lower-case name as the
//! platform keys them (`{"card_id", "groupon": {"base_info": {…}, …}}`), checked with the rules
//! of `card/create` for every field given; the answer says whether the card goes back to review.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::CardId;

use super::base_info::{check_code_type, check_color, check_logo, check_text};
use super::{Cards, CodeType, DESCRIPTION_MAX_CHARS, DateInfo, NOTICE_MAX_CHARS, TITLE_MAX_CHARS};
use crate::api::support::{awaitable, decode_input, invalid, require};
use crate::{ApiRequest, Client, Result, Rule};

/// The `base_info` fields a card's update may change; those not set are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BaseInfoChanges {
    /// A new logo (an `uploadimg` URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// A new card name (≤ 9 characters; sends the card back to review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new colour, `Color010` … `Color102`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// What to do at the counter (≤ 16 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The terms of use (≤ 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The merchant's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_phone: Option<String>,
    /// How the code is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_type: Option<CodeType>,
    /// When the card can be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_info: Option<DateInfo>,
    /// How many cards one user may receive.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::api::support::opt_lenient"
    )]
    pub get_limit: Option<u32>,
    /// Whether the card page can be shared.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::api::support::opt_flag"
    )]
    pub can_share: Option<bool>,
    /// Whether the card can be given to a friend.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::api::support::opt_flag"
    )]
    pub can_give_friend: Option<bool>,
    /// Other `base_info` fields, sent as they are (`custom_url`, `location_id_list`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BaseInfoChanges {
    /// No change yet.
    #[must_use]
    pub fn new() -> BaseInfoChanges {
        BaseInfoChanges::default()
    }

    /// A new logo (an `uploadimg` URL).
    #[must_use]
    pub fn logo_url(mut self, url: impl Into<String>) -> BaseInfoChanges {
        self.logo_url = Some(url.into());
        self
    }

    /// A new card name (≤ 9 characters).
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> BaseInfoChanges {
        self.title = Some(title.into());
        self
    }

    /// A new colour, `Color010` … `Color102`.
    #[must_use]
    pub fn color(mut self, color: impl Into<String>) -> BaseInfoChanges {
        self.color = Some(color.into());
        self
    }

    /// What to do at the counter (≤ 16 characters).
    #[must_use]
    pub fn notice(mut self, notice: impl Into<String>) -> BaseInfoChanges {
        self.notice = Some(notice.into());
        self
    }

    /// The terms of use (≤ 1024 characters).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> BaseInfoChanges {
        self.description = Some(description.into());
        self
    }

    /// The merchant's phone number.
    #[must_use]
    pub fn service_phone(mut self, phone: impl Into<String>) -> BaseInfoChanges {
        self.service_phone = Some(phone.into());
        self
    }

    /// How the code is shown.
    #[must_use]
    pub fn code_type(mut self, code_type: CodeType) -> BaseInfoChanges {
        self.code_type = Some(code_type);
        self
    }

    /// When the card can be used.
    #[must_use]
    pub fn date_info(mut self, date_info: DateInfo) -> BaseInfoChanges {
        self.date_info = Some(date_info);
        self
    }

    /// How many cards one user may receive.
    #[must_use]
    pub fn get_limit(mut self, limit: u32) -> BaseInfoChanges {
        self.get_limit = Some(limit);
        self
    }

    /// Whether the card page can be shared.
    #[must_use]
    pub fn can_share(mut self, yes: bool) -> BaseInfoChanges {
        self.can_share = Some(yes);
        self
    }

    /// Whether the card can be given to a friend.
    #[must_use]
    pub fn can_give_friend(mut self, yes: bool) -> BaseInfoChanges {
        self.can_give_friend = Some(yes);
        self
    }

    /// Another `base_info` field, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> BaseInfoChanges {
        self.extra.insert(key.into(), value);
        self
    }

    /// Checks every field given with the rules of `card/create`; `field` names the object.
    fn validate(&self, field: &str) -> Result<()> {
        let name = |f: &str| format!("{field}.{f}");
        if self.extra.contains_key("sku") {
            return Err(invalid(name("sku"), Rule::StockByModifyStock));
        }
        if let Some(logo) = &self.logo_url {
            check_logo(&name("logo_url"), logo)?;
        }
        let texts = [
            ("title", &self.title, TITLE_MAX_CHARS),
            ("notice", &self.notice, NOTICE_MAX_CHARS),
            ("description", &self.description, DESCRIPTION_MAX_CHARS),
        ];
        for (key, value, max) in texts {
            if let Some(value) = value {
                check_text(&name(key), value, max)?;
            }
        }
        if let Some(code_type) = &self.code_type {
            check_code_type(&name("code_type"), code_type)?;
        }
        if let Some(color) = &self.color {
            check_color(&name("color"), color)?;
        }
        match self.date_info {
            Some(date_info) => date_info.validate(&name("date_info")),
            None => Ok(()),
        }
    }
}

/// The changes to one card type's object: its `base_info`, and its own fields (`deal_detail`,
/// `prerogative`, `bonus_rule`, …) sent as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypeChanges {
    /// The `base_info` fields to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_info: Option<BaseInfoChanges>,
    /// The type's own fields to change.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// The changes to a card, under its type (the platform keys them by the type's lower-case
/// name: `"groupon": {…}`); the type must be the card's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CardChanges {
    /// Changes to a `GROUPON` card.
    Groupon(TypeChanges),
    /// Changes to a `CASH` card.
    Cash(TypeChanges),
    /// Changes to a `DISCOUNT` card.
    Discount(TypeChanges),
    /// Changes to a `GIFT` card.
    Gift(TypeChanges),
    /// Changes to a `GENERAL_COUPON` card.
    GeneralCoupon(TypeChanges),
    /// Changes to a `MEMBER_CARD` card.
    MemberCard(TypeChanges),
}

/// The types' keys in an update's body.
const TYPE_KEYS: [&str; 6] = [
    "groupon",
    "cash",
    "discount",
    "gift",
    "general_coupon",
    "member_card",
];

impl CardChanges {
    /// Changes to a `GROUPON` card.
    #[must_use]
    pub fn groupon() -> CardChanges {
        CardChanges::Groupon(TypeChanges::default())
    }

    /// Changes to a `CASH` card.
    #[must_use]
    pub fn cash() -> CardChanges {
        CardChanges::Cash(TypeChanges::default())
    }

    /// Changes to a `DISCOUNT` card.
    #[must_use]
    pub fn discount() -> CardChanges {
        CardChanges::Discount(TypeChanges::default())
    }

    /// Changes to a `GIFT` card.
    #[must_use]
    pub fn gift() -> CardChanges {
        CardChanges::Gift(TypeChanges::default())
    }

    /// Changes to a `GENERAL_COUPON` card.
    #[must_use]
    pub fn general_coupon() -> CardChanges {
        CardChanges::GeneralCoupon(TypeChanges::default())
    }

    /// Changes to a `MEMBER_CARD` card.
    #[must_use]
    pub fn member_card() -> CardChanges {
        CardChanges::MemberCard(TypeChanges::default())
    }

    /// The changes in the platform's JSON shape, the body of `card/update` (`{"card_id": …,
    /// "groupon": {"base_info": {…}}}`; `card_id` is read by [`CardChanges::card_id_of`]). A
    /// member of the wrong type fails naming its path; the rules are checked when it is sent.
    ///
    /// ```
    /// use wxoa_client::api::card::CardChanges;
    ///
    /// let json = serde_json::json!({"card_id": "p1", "cash": {"base_info": {"notice": "Show it"}}});
    /// let changes = CardChanges::from_json(&json)?;
    /// assert!(matches!(changes, CardChanges::Cash(_)));
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value) -> Result<CardChanges> {
        let found: Vec<(&String, &Value)> = value
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.as_str() != "card_id")
            .collect();
        match found.as_slice() {
            [(key, object)] => {
                let body: TypeChanges = match key.as_str() {
                    "groupon" | "cash" | "discount" | "gift" | "general_coupon" | "member_card" => {
                        decode_input(object, key)?
                    }
                    _ => return Err(unknown_type(&found)),
                };
                Ok(match key.as_str() {
                    "groupon" => CardChanges::Groupon(body),
                    "cash" => CardChanges::Cash(body),
                    "discount" => CardChanges::Discount(body),
                    "gift" => CardChanges::Gift(body),
                    "general_coupon" => CardChanges::GeneralCoupon(body),
                    _ => CardChanges::MemberCard(body),
                })
            }
            _ => Err(unknown_type(&found)),
        }
    }

    /// The `card_id` of a `card/update` body, empty when it has none.
    #[must_use]
    pub fn card_id_of(value: &Value) -> CardId {
        CardId::from(
            value
                .get("card_id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }

    /// The `base_info` fields to change.
    #[must_use]
    pub fn base_info(mut self, changes: BaseInfoChanges) -> CardChanges {
        self.body_mut().base_info = Some(changes);
        self
    }

    /// Another field of the type's object, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> CardChanges {
        self.body_mut().fields.insert(key.into(), value);
        self
    }

    /// The key of the type's object.
    #[must_use]
    pub fn key(&self) -> &'static str {
        match self {
            CardChanges::Groupon(_) => "groupon",
            CardChanges::Cash(_) => "cash",
            CardChanges::Discount(_) => "discount",
            CardChanges::Gift(_) => "gift",
            CardChanges::GeneralCoupon(_) => "general_coupon",
            CardChanges::MemberCard(_) => "member_card",
        }
    }

    fn body(&self) -> &TypeChanges {
        match self {
            CardChanges::Groupon(body)
            | CardChanges::Cash(body)
            | CardChanges::Discount(body)
            | CardChanges::Gift(body)
            | CardChanges::GeneralCoupon(body)
            | CardChanges::MemberCard(body) => body,
        }
    }

    fn body_mut(&mut self) -> &mut TypeChanges {
        match self {
            CardChanges::Groupon(body)
            | CardChanges::Cash(body)
            | CardChanges::Discount(body)
            | CardChanges::Gift(body)
            | CardChanges::GeneralCoupon(body)
            | CardChanges::MemberCard(body) => body,
        }
    }

    fn validate(&self) -> Result<()> {
        let key = self.key();
        let body = self.body();
        let base_empty = body
            .base_info
            .as_ref()
            .is_none_or(|b| *b == BaseInfoChanges::default());
        if base_empty && body.fields.is_empty() {
            return Err(invalid(key, Rule::NoChange));
        }
        match &body.base_info {
            Some(base) => base.validate(&format!("{key}.base_info")),
            None => Ok(()),
        }
    }
}

/// A body whose type object is not one key of [`TYPE_KEYS`]: the keys it has.
fn unknown_type(found: &[(&String, &Value)]) -> crate::Error {
    invalid(
        "card type",
        Rule::OneOf {
            choices: &TYPE_KEYS,
            got: found
                .iter()
                .map(|(key, _)| key.as_str())
                .collect::<Vec<_>>()
                .join(","),
        },
    )
}

/// `POST /card/update`, from [`Cards::update`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateCard {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    #[serde(flatten)]
    changes: CardChanges,
}

impl UpdateCard {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        self.changes.validate()?;
        ApiRequest::post("/card/update").json(self)
    }
}

/// What `card/update` answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CardUpdated {
    /// Whether the change sends the card back to review (`card_pass_check` or
    /// `card_not_pass_check` follows).
    #[serde(default, deserialize_with = "crate::api::support::flag")]
    pub send_check: bool,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(UpdateCard => CardUpdated);

impl Cards {
    /// `POST /card/update`: changes fields of a card, under the card's own type; a stock
    /// change goes through [`Cards::modify_stock`]. A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::card::{BaseInfoChanges, CardChanges};
    /// let changes = CardChanges::groupon()
    ///     .base_info(BaseInfoChanges::new().notice("Show at the till"));
    /// let updated = client.cards().update("CARD_ID", changes).await?;
    /// println!("back to review: {}", updated.send_check);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(&self, card_id: impl Into<CardId>, changes: CardChanges) -> UpdateCard {
        UpdateCard {
            client: self.client.clone(),
            card_id: card_id.into(),
            changes,
        }
    }
}
