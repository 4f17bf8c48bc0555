//! Members of a member card (`MEMBER_CARD`): activating a holder's code as a member
//! (`card/membercard/activate`), changing their points, balance and custom values
//! (`updateuser`), reading them (`userinfo/get`), and the URL of the card's activation page
//! (`activate/geturl`). Each request value is the body it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{CardId, OpenId};

use super::member_form::FilledForm;
use super::{CUSTOM_VALUE_MAX_BYTES, Cards, RECORD_MAX_BYTES, http_url};
use crate::api::support::{awaitable, invalid, or_default, require, string_enum};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// One of a member card's three custom values (`custom_field_value1` … `3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CustomValue {
    /// `custom_field_value1`.
    First,
    /// `custom_field_value2`.
    Second,
    /// `custom_field_value3`.
    Third,
}

/// Three optional custom values, each at most 12 bytes.
#[derive(Debug, Clone, Default, PartialEq)]
struct CustomValues([Option<String>; 3]);

impl CustomValues {
    fn set(&mut self, which: CustomValue, value: String) {
        let [first, second, third] = &mut self.0;
        let slot = match which {
            CustomValue::First => first,
            CustomValue::Second => second,
            CustomValue::Third => third,
        };
        *slot = Some(value);
    }

    /// The values given, with their field names under `prefix`.
    fn named(&self, prefix: &str) -> impl Iterator<Item = (String, &String)> {
        self.0
            .iter()
            .zip(1..)
            .filter_map(move |(value, n)| value.as_ref().map(|v| (format!("{prefix}{n}"), v)))
    }

    fn validate(&self, prefix: &str) -> Result<()> {
        for (field, value) in self.named(prefix) {
            at_most_bytes(&field, value, CUSTOM_VALUE_MAX_BYTES)?;
        }
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Writes the values given into `map` under their field names.
    fn write(&self, prefix: &str, map: &mut Map<String, Value>) {
        for (field, value) in self.named(prefix) {
            map.insert(field, Value::String(value.clone()));
        }
    }
}

fn at_most_bytes(field: &str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(invalid(
            field,
            Rule::AtMost {
                max: max as u64,
                unit: Unit::Bytes,
                got: value.len() as u64,
            },
        ));
    }
    Ok(())
}

fn not_negative(field: &str, value: Option<i64>) -> Result<()> {
    match value {
        Some(got) if got < 0 => Err(invalid(field, Rule::AtLeast { min: 0, got })),
        _ => Ok(()),
    }
}

/// `POST /card/membercard/activate`, from [`Cards::activate_member`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ActivateMember {
    #[serde(skip)]
    client: Client,
    membership_number: String,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_id: Option<CardId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background_pic_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activate_begin_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    activate_end_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    init_bonus: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    init_bonus_record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    init_balance: Option<i64>,
    #[serde(flatten, serialize_with = "init_values")]
    init_custom: CustomValues,
}

/// Writes the initial custom values as `init_custom_field_value1` … `3`.
fn init_values<S: serde::Serializer>(values: &CustomValues, s: S) -> Result<S::Ok, S::Error> {
    let mut map = Map::new();
    values.write("init_custom_field_value", &mut map);
    map.serialize(s)
}

impl ActivateMember {
    /// The card the code belongs to (required for cards with custom codes).
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    /// The member's own background image (an `uploadimg` URL).
    pub fn background_pic_url(mut self, url: impl Into<String>) -> Self {
        self.background_pic_url = Some(url.into());
        self
    }

    /// When the membership is valid (Unix seconds), if not the card's own period.
    pub fn valid(mut self, begin: i64, end: i64) -> Self {
        self.activate_begin_time = Some(begin);
        self.activate_end_time = Some(end);
        self
    }

    /// The points the member starts with, and the record shown for them (≤ 42 bytes).
    pub fn init_bonus(mut self, points: i64, record: impl Into<String>) -> Self {
        self.init_bonus = Some(points);
        self.init_bonus_record = Some(record.into()).filter(|r| !r.is_empty());
        self
    }

    /// The balance the member starts with, in cents.
    pub fn init_balance(mut self, cents: i64) -> Self {
        self.init_balance = Some(cents);
        self
    }

    /// A custom value the member starts with (≤ 12 bytes: 4 Chinese characters).
    pub fn init_custom_value(mut self, which: CustomValue, value: impl Into<String>) -> Self {
        self.init_custom.set(which, value.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("code", &self.code)?;
        require("membership_number", &self.membership_number)?;
        if let Some(url) = &self.background_pic_url {
            http_url("background_pic_url", url)?;
        }
        if let (Some(begin), Some(end)) = (self.activate_begin_time, self.activate_end_time)
            && end <= begin
        {
            return Err(invalid(
                "activate_end_time",
                Rule::NotAfter {
                    other: "activate_begin_time",
                    begin,
                    end,
                },
            ));
        }
        not_negative("init_bonus", self.init_bonus)?;
        not_negative("init_balance", self.init_balance)?;
        if let Some(record) = &self.init_bonus_record {
            at_most_bytes("init_bonus_record", record, RECORD_MAX_BYTES)?;
        }
        self.init_custom.validate("init_custom_field_value")?;
        ApiRequest::post("/card/membercard/activate").json(self)
    }
}

awaitable!(ActivateMember => crate::api::support::Ack);

/// Which changes of a member's data the platform tells them about (`notify_optional`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notify {
    /// A change of points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notify_bonus: Option<bool>,
    /// A change of balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notify_balance: Option<bool>,
    /// A change of the first custom value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notify_custom_field1: Option<bool>,
    /// A change of the second custom value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notify_custom_field2: Option<bool>,
    /// A change of the third custom value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_notify_custom_field3: Option<bool>,
}

/// `POST /card/membercard/updateuser`, from [`Cards::update_member`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateMember {
    #[serde(skip)]
    client: Client,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_id: Option<CardId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background_pic_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bonus: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_bonus: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_bonus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    balance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    add_balance: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_balance: Option<String>,
    #[serde(flatten, serialize_with = "values")]
    custom: CustomValues,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_optional: Option<Notify>,
}

/// Writes the custom values as `custom_field_value1` … `3`.
fn values<S: serde::Serializer>(values: &CustomValues, s: S) -> Result<S::Ok, S::Error> {
    let mut map = Map::new();
    values.write("custom_field_value", &mut map);
    map.serialize(s)
}

impl UpdateMember {
    /// The card the code belongs to (required for cards with custom codes).
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = Some(card_id.into());
        self
    }

    /// The member's own background image (an `uploadimg` URL).
    pub fn background_pic_url(mut self, url: impl Into<String>) -> Self {
        self.background_pic_url = Some(url.into());
        self
    }

    /// The points shown from now on (a total).
    pub fn bonus(mut self, total: i64) -> Self {
        self.bonus = Some(total);
        self
    }

    /// Points added (or taken away when negative), the change the member is told about; with
    /// [`bonus`](Self::bonus) the total is that value, without it the points move by this.
    pub fn add_bonus(mut self, change: i64) -> Self {
        self.add_bonus = Some(change);
        self
    }

    /// Why the points changed (≤ 42 bytes: 14 Chinese characters).
    pub fn record_bonus(mut self, record: impl Into<String>) -> Self {
        self.record_bonus = Some(record.into());
        self
    }

    /// The balance shown from now on, in cents (a total).
    pub fn balance(mut self, cents: i64) -> Self {
        self.balance = Some(cents);
        self
    }

    /// Cents added to the balance (or taken away when negative); like
    /// [`add_bonus`](Self::add_bonus).
    pub fn add_balance(mut self, cents: i64) -> Self {
        self.add_balance = Some(cents);
        self
    }

    /// Why the balance changed (≤ 42 bytes: 14 Chinese characters).
    pub fn record_balance(mut self, record: impl Into<String>) -> Self {
        self.record_balance = Some(record.into());
        self
    }

    /// A new custom value (≤ 12 bytes: 4 Chinese characters).
    pub fn custom_value(mut self, which: CustomValue, value: impl Into<String>) -> Self {
        self.custom.set(which, value.into());
        self
    }

    /// Which changes the member is told about.
    pub fn notify(mut self, notify: Notify) -> Self {
        self.notify_optional = Some(notify);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("code", &self.code)?;
        let changes_nothing = self.background_pic_url.is_none()
            && self.bonus.is_none()
            && self.add_bonus.is_none()
            && self.balance.is_none()
            && self.add_balance.is_none()
            && self.custom.is_empty();
        if changes_nothing {
            return Err(invalid("code", Rule::NoChange));
        }
        if let Some(url) = &self.background_pic_url {
            http_url("background_pic_url", url)?;
        }
        not_negative("bonus", self.bonus)?;
        not_negative("balance", self.balance)?;
        let records = [
            (
                "record_bonus",
                &self.record_bonus,
                self.bonus.or(self.add_bonus),
                "bonus or add_bonus",
            ),
            (
                "record_balance",
                &self.record_balance,
                self.balance.or(self.add_balance),
                "balance or add_balance",
            ),
        ];
        for (field, record, change, needs) in records {
            if let Some(record) = record {
                if change.is_none() {
                    return Err(invalid(field, Rule::Needs { field: needs }));
                }
                at_most_bytes(field, record, RECORD_MAX_BYTES)?;
            }
        }
        self.custom.validate("custom_field_value")?;
        ApiRequest::post("/card/membercard/updateuser").json(self)
    }
}

/// A member's points and balance after a change, from [`Cards::update_member`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberUpdated {
    /// The points now.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub result_bonus: i64,
    /// The balance now, in cents.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub result_balance: i64,
    /// The member.
    #[serde(default)]
    pub openid: OpenId,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(UpdateMember => MemberUpdated);

string_enum! {
    /// The state of a holder's card (`user_card_status`).
    pub enum UserCardStatus {
        /// Usable.
        Normal = "NORMAL",
        /// Past its period.
        Expire = "EXPIRE",
        /// Being given to a friend.
        Gifting = "GIFTING",
        /// Given to a friend.
        GiftSucc = "GIFT_SUCC",
        /// Not taken by the friend in time.
        GiftTimeout = "GIFT_TIMEOUT",
        /// Deleted by the holder.
        Delete = "DELETE",
        /// Withdrawn by the merchant.
        Unavailable = "UNAVAILABLE",
    }
}

/// A member as `userinfo/get` answers: who they are, their points, balance and form values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberInfo {
    /// The holder.
    #[serde(default)]
    pub openid: OpenId,
    /// Their nickname.
    #[serde(default, deserialize_with = "or_default")]
    pub nickname: String,
    /// The membership number given at activation.
    #[serde(default, deserialize_with = "crate::api::support::text")]
    pub membership_number: String,
    /// Their points.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub bonus: i64,
    /// Their balance, in cents.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub balance: i64,
    /// `MALE`, `FEMALE` or `UNKNOWN`.
    #[serde(default, deserialize_with = "or_default")]
    pub sex: String,
    /// What they filled in on the activation form.
    #[serde(default)]
    pub user_info: FilledForm,
    /// The state of their card.
    #[serde(default = "normal")]
    pub user_card_status: UserCardStatus,
    /// Whether they are activated.
    #[serde(default, deserialize_with = "crate::api::support::flag")]
    pub has_active: bool,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn normal() -> UserCardStatus {
    UserCardStatus::Normal
}

/// `POST /card/membercard/userinfo/get`, from [`Cards::member`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetMember {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    code: String,
}

impl GetMember {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        require("code", &self.code)?;
        Ok(ApiRequest::post("/card/membercard/userinfo/get")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(GetMember => MemberInfo);

/// `POST /card/membercard/activate/geturl`, from [`Cards::activation_url`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ActivationUrl {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
    #[serde(skip_serializing_if = "Option::is_none")]
    outer_str: Option<String>,
}

impl ActivationUrl {
    /// A tag the activation page reports back, to tell channels apart.
    pub fn outer_str(mut self, outer_str: impl Into<String>) -> Self {
        self.outer_str = Some(outer_str.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        Ok(ApiRequest::post("/card/membercard/activate/geturl")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct UrlAnswer {
    #[serde(default)]
    url: String,
}

awaitable!(ActivationUrl => UrlAnswer => String, |a: UrlAnswer| a.url);

impl Cards {
    /// `POST /card/membercard/activate`: makes the holder of a member card's `code` a member
    /// with this membership number. A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.cards().activate_member("110201201245", "M-0001")
    ///     .card_id("CARD_ID")
    ///     .init_bonus(100, "Welcome points")
    ///     .init_balance(0)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn activate_member(
        &self,
        code: impl Into<String>,
        membership_number: impl Into<String>,
    ) -> ActivateMember {
        ActivateMember {
            client: self.client.clone(),
            membership_number: membership_number.into(),
            code: code.into(),
            card_id: None,
            background_pic_url: None,
            activate_begin_time: None,
            activate_end_time: None,
            init_bonus: None,
            init_bonus_record: None,
            init_balance: None,
            init_custom: CustomValues::default(),
        }
    }

    /// `POST /card/membercard/updateuser`: changes a member's points, balance or custom
    /// values; answers the totals. A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let now = client.cards().update_member("110201201245")
    ///     .card_id("CARD_ID")
    ///     .add_bonus(20)
    ///     .record_bonus("Coffee")
    ///     .await?;
    /// println!("{} points", now.result_bonus);
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_member(&self, code: impl Into<String>) -> UpdateMember {
        UpdateMember {
            client: self.client.clone(),
            code: code.into(),
            card_id: None,
            background_pic_url: None,
            bonus: None,
            add_bonus: None,
            record_bonus: None,
            balance: None,
            add_balance: None,
            record_balance: None,
            custom: CustomValues::default(),
            notify_optional: None,
        }
    }

    /// `POST /card/membercard/userinfo/get`: a member's data. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let member = client.cards().member("CARD_ID", "110201201245").await?;
    /// println!("{} has {} points", member.membership_number, member.bonus);
    /// # Ok(())
    /// # }
    /// ```
    pub fn member(&self, card_id: impl Into<CardId>, code: impl Into<String>) -> GetMember {
        GetMember {
            client: self.client.clone(),
            card_id: card_id.into(),
            code: code.into(),
        }
    }

    /// `POST /card/membercard/activate/geturl`: the URL of the member card's activation page.
    /// A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let url = client.cards().activation_url("CARD_ID").outer_str("poster").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn activation_url(&self, card_id: impl Into<CardId>) -> ActivationUrl {
        ActivationUrl {
            client: self.client.clone(),
            card_id: card_id.into(),
            outer_str: None,
        }
    }
}
