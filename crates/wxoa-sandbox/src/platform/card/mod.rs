//! Cards: an account's cards and the codes followers took, and their rules. This file holds the
//! state (cards, codes, deposited codes, activation forms and what followers filled in, the
//! test whitelist, landing pages), the settings the sources leave open ([`CardRules`]), and
//! reading, listing, restocking and deleting cards. What a card must hold and `card/update`
//! are `check.rs`; creating cards and card QR codes `issue.rs`; codes taken, consumed and
//! renumbered `codes.rs`; deposited codes `deposit.rs`; member cards `member.rs`; the
//! whitelist, landing pages, article HTML and a follower's cards `pages.rs` (see
//! `routes/card/` for the rules and codes in full).

mod check;
mod codes;
mod deposit;
mod issue;
mod member;
mod pages;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::push::Outgoing;
use crate::state::Account;

pub(crate) use check::check_card;
pub(crate) use issue::ReviewRefusal;
pub(crate) use member::{Activation, FormRefusal, Member, MemberChange};
pub(crate) use pages::{LandingPage, LandingRequest, Whitelist};

/// Card rules the platform's sources leave open (api-reference-2 §13 marks them
/// unconfirmed): the sandbox's choices, each a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRules {
    /// Most codes one `card/code/deposit` or `card/code/checkcode` names (default 100).
    pub max_codes_per_call: usize,
    /// The `errcode` of a call naming more (default 40109).
    pub too_many_codes_errcode: i64,
    /// Most users on the test whitelist, OpenIDs and WeChat ids together (default 10).
    pub max_testers: usize,
    /// The `errcode` of a whitelist naming more (default 47003).
    pub too_many_testers_errcode: i64,
    /// Whether a new card, or one whose title or logo changed, waits for its review to be
    /// decided through the control API (`POST /sandbox/card-review`) instead of passing at
    /// once (default: false, it passes at once). Until it passes, only the users on the test
    /// whitelist can take it.
    pub manual_review: bool,
}

impl Default for CardRules {
    fn default() -> Self {
        Self {
            max_codes_per_call: 100,
            too_many_codes_errcode: 40109,
            max_testers: 10,
            too_many_testers_errcode: 47003,
            manual_review: false,
        }
    }
}

/// An account's cards: each as created (the `card` object), by card id; the codes followers
/// took, by code; the codes deposited for custom-code cards, by card id; member cards'
/// activation forms, by card id, and what followers filled in, by `activate_ticket`; the test
/// whitelist; the landing pages made; the cards not approved yet.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Cards {
    #[serde(default)]
    pub(crate) by_id: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) codes: BTreeMap<String, CardCode>,
    #[serde(default)]
    pub(crate) deposited: BTreeMap<String, BTreeSet<String>>,
    #[serde(default)]
    pub(crate) forms: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) activations: BTreeMap<String, Activation>,
    #[serde(default)]
    pub(crate) whitelist: Whitelist,
    #[serde(default)]
    pub(crate) landing_pages: Vec<LandingPage>,
    /// The cards not approved yet: in review, or refused (only the whitelist takes them).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) unapproved: BTreeSet<String>,
}

/// The code of a card a follower took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CardCode {
    pub(crate) card_id: String,
    pub(crate) openid: String,
    pub(crate) status: CardStatus,
    /// When the follower took the card.
    pub(crate) got_at: i64,
    /// What `card/code/decrypt` turns back into this code (the platform hands it to the
    /// card's pages).
    pub(crate) encrypt_code: String,
    /// The holder's membership, for a member card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) member: Option<Member>,
}

/// The state of a card code (`user_card_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum CardStatus {
    Normal,
    Consumed,
    Unavailable,
}

/// The key of a card's type object (`groupon` for GROUPON …).
pub(crate) fn card_kind(card: &Value) -> String {
    card.get("card_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The card's `base_info`, if it has one.
fn base_info(card: &Value) -> Option<&Value> {
    card.get(card_kind(card)).and_then(|b| b.get("base_info"))
}

/// When a code can be used: the card's fixed range, or its term counted from the day it was
/// taken.
pub(crate) fn validity(card: Option<&Value>, got_at: i64) -> (i64, i64) {
    let date = card
        .and_then(base_info)
        .and_then(|b| b.get("date_info"))
        .unwrap_or(&Value::Null);
    let number = |name: &str| date.get(name).and_then(lenient_i64).unwrap_or(0);
    match date.get("type").and_then(Value::as_str) {
        Some("DATE_TYPE_FIX_TERM") => {
            // Saturating: a card kept in a state file written before the terms were bounded
            // may carry any number.
            let days = |name: &str| number(name).saturating_mul(86_400);
            let begin = got_at.saturating_add(days("fixed_begin_term"));
            (begin, begin.saturating_add(days("fixed_term")))
        }
        _ => (number("begin_timestamp"), number("end_timestamp")),
    }
}

/// Most cards a page of `card/batchget` lists.
const MAX_PAGE: i64 = 50;
/// Who card events about the card itself come from.
const CARD_SYSTEM: &str = "mphelper";

impl Cards {
    /// The card with this id (47003 otherwise).
    pub(crate) fn get(&self, id: Option<&str>) -> Result<&Value, ApiError> {
        self.by_id
            .get(id.unwrap_or_default())
            .ok_or_else(|| ApiError::argument("card_id"))
    }

    fn get_mut(&mut self, id: Option<&str>) -> Result<&mut Value, ApiError> {
        self.by_id
            .get_mut(id.unwrap_or_default())
            .ok_or_else(|| ApiError::argument("card_id"))
    }

    /// A page of card ids from `offset`, `count` 1 to 50 (47003).
    pub(crate) fn page(&self, offset: i64, count: Option<i64>) -> Result<Vec<&String>, ApiError> {
        let count = count
            .filter(|c| (1..=MAX_PAGE).contains(c))
            .ok_or_else(|| ApiError::argument("count"))?;
        Ok(self
            .by_id
            .keys()
            .skip(usize::try_from(offset).unwrap_or(0))
            .take(usize::try_from(count).unwrap_or(50))
            .collect())
    }

    /// `modifystock`: the stock moved up and down, never below zero nor by a negative amount.
    pub(crate) fn modify_stock(
        &mut self,
        id: Option<&str>,
        up: i64,
        down: i64,
    ) -> Result<(), ApiError> {
        let card = self.get_mut(id)?;
        let kind = card_kind(card);
        let quantity = card
            .get_mut(&kind)
            .and_then(|b| b.get_mut("base_info"))
            .and_then(|b| b.get_mut("sku"))
            .and_then(|s| s.get_mut("quantity"))
            .ok_or_else(|| ApiError::argument("card_id"))?;
        let now = lenient_i64(quantity).unwrap_or(0);
        let next = now.saturating_add(up).saturating_sub(down);
        if up < 0 || down < 0 || next < 0 {
            return Err(ApiError::argument("reduce_stock_value"));
        }
        *quantity = json!(next);
        Ok(())
    }

    /// Deletes a known card (47003), with its deposited codes and activation form.
    pub(crate) fn delete(&mut self, id: Option<&str>) -> Result<(), ApiError> {
        let id = id.unwrap_or_default();
        self.by_id
            .remove(id)
            .ok_or_else(|| ApiError::argument("card_id"))?;
        self.deposited.remove(id);
        self.forms.remove(id);
        Ok(())
    }
}

impl Account {
    /// A card event from the platform itself (review results), as pushed to the account.
    fn card_system_event(&self, fields: &[(String, Value)], now: i64) -> Outgoing {
        Outgoing::new(
            &self.app_id,
            &self.original_id,
            CARD_SYSTEM,
            now,
            fields,
            || 0,
        )
    }

    /// A card event from the follower `openid`, as pushed to the account.
    fn card_event(&self, openid: &str, fields: &[(String, Value)], now: i64) -> Outgoing {
        Outgoing::new(&self.app_id, &self.original_id, openid, now, fields, || 0)
    }
}

/// The fields of an event push: `MsgType` event, the `Event`, then `rest`.
fn event_fields(event: &str, rest: &[(&str, Value)]) -> Vec<(String, Value)> {
    let mut fields = vec![
        ("MsgType".to_owned(), json!("event")),
        ("Event".to_owned(), json!(event)),
    ];
    fields.extend(rest.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    fields
}

/// 47003 naming the field and why it is refused (`argument invalid! card_id invalid: …`).
fn refused(field: &str, why: &str) -> ApiError {
    ApiError::msg(47003, format!("argument invalid! {field} invalid: {why}"))
}

/// A list of texts in a request (numbers taken as their digits); `None` when it is not one.
fn texts(list: Option<&Value>) -> Option<Vec<String>> {
    list?
        .as_array()?
        .iter()
        .map(|item| match item {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}
