//! Cards: an account's cards and the codes followers took, and their rules — what a card must
//! hold, how one is created, updated, restocked and deleted, card QR codes, when a code can be
//! used, and how a follower takes, consumes or loses one (see `routes/card.rs` for the rules
//! and codes in full).

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::qrcode::{QrCode, new_ticket, new_url};
use crate::platform::tokens::random_text;
use crate::push::Outgoing;
use crate::state::Account;

/// Card types and the field each needs besides `base_info`.
const TYPES: &[(&str, &[&str])] = &[
    ("GROUPON", &["deal_detail"]),
    ("CASH", &["least_cost", "reduce_cost"]),
    ("DISCOUNT", &["discount"]),
    ("GIFT", &["gift"]),
    ("GENERAL_COUPON", &["default_detail"]),
    ("MEMBER_CARD", &[]),
];
const CODE_TYPES: &[&str] = &[
    "CODE_TYPE_TEXT",
    "CODE_TYPE_BARCODE",
    "CODE_TYPE_QRCODE",
    "CODE_TYPE_ONLY_QRCODE",
    "CODE_TYPE_ONLY_BARCODE",
    "CODE_TYPE_NONE",
];
/// The longest `fixed_term` and `fixed_begin_term`, in days.
const MAX_TERM_DAYS: i64 = 36_500;

/// An account's cards: each as created (the `card` object), by card id, and the codes
/// followers took, by code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Cards {
    #[serde(default)]
    pub(crate) by_id: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) codes: BTreeMap<String, CardCode>,
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
}

/// The state of a card code (`user_card_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum CardStatus {
    Normal,
    Consumed,
    Unavailable,
}

/// A follower takes a card: a new 12-digit code, kept with its `encrypt_code`; the code.
pub(crate) fn give(
    codes: &mut BTreeMap<String, CardCode>,
    card_id: &str,
    openid: &str,
    now: i64,
) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let code = loop {
        let code: String = (0..12)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        if !codes.contains_key(&code) {
            break code;
        }
    };
    let mut secret = [0u8; 48];
    rng.fill(&mut secret[..]);
    codes.insert(
        code.clone(),
        CardCode {
            card_id: card_id.to_owned(),
            openid: openid.to_owned(),
            status: CardStatus::Normal,
            got_at: now,
            encrypt_code: base64::engine::general_purpose::STANDARD.encode(secret),
        },
    );
    code
}

/// Checks a `card` object: a known type with its fields, a code type, a valid date range.
pub(crate) fn check_card(card: &Value) -> Result<(), ApiError> {
    let kind = card
        .get("card_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (_, needs) = TYPES
        .iter()
        .find(|(t, _)| *t == kind)
        .ok_or_else(|| ApiError::argument("card.card_type"))?;
    let key = kind.to_ascii_lowercase();
    let body = card
        .get(&key)
        .ok_or_else(|| ApiError::argument(&format!("card.{key}")))?;
    for field in *needs {
        if body.get(field).is_none_or(Value::is_null) {
            return Err(ApiError::argument(&format!("card.{key}.{field}")));
        }
    }
    let base = body
        .get("base_info")
        .ok_or_else(|| ApiError::argument(&format!("card.{key}.base_info")))?;
    let field = |name: &str| format!("card.{key}.base_info.{name}");
    let text = |name: &str| base.get(name).and_then(Value::as_str).unwrap_or_default();
    let bounded = |name: &str, max: usize| {
        let value = text(name);
        if value.is_empty() || value.chars().count() > max {
            Err(ApiError::argument(&field(name)))
        } else {
            Ok(())
        }
    };
    bounded("logo_url", 1024)?;
    bounded("brand_name", 12)?;
    bounded("title", 9)?;
    bounded("notice", 16)?;
    bounded("description", 1024)?;
    if !CODE_TYPES.contains(&text("code_type")) {
        return Err(ApiError::argument(&field("code_type")));
    }
    let color = text("color")
        .strip_prefix("Color")
        .filter(|d| d.len() == 3)
        .and_then(|d| d.parse::<u32>().ok());
    if !color.is_some_and(|c| (10..=102).contains(&c)) {
        return Err(ApiError::argument(&field("color")));
    }
    let quantity = base
        .get("sku")
        .and_then(|s| s.get("quantity"))
        .and_then(lenient_i64);
    if !quantity.is_some_and(|q| (0..=100_000_000).contains(&q)) {
        return Err(ApiError::argument(&field("sku.quantity")));
    }
    let date = base.get("date_info").unwrap_or(&Value::Null);
    let number = |name: &str| date.get(name).and_then(lenient_i64);
    let valid_date = match date.get("type").and_then(Value::as_str) {
        Some("DATE_TYPE_FIX_TIME_RANGE") => {
            matches!((number("begin_timestamp"), number("end_timestamp")), (Some(b), Some(e)) if e > b)
        }
        Some("DATE_TYPE_FIX_TERM") => {
            number("fixed_term").is_some_and(|t| (1..=MAX_TERM_DAYS).contains(&t))
                && number("fixed_begin_term").is_some_and(|t| (0..=MAX_TERM_DAYS).contains(&t))
        }
        _ => false,
    };
    if !valid_date {
        return Err(ApiError::argument(&field("date_info")));
    }
    Ok(())
}

/// The key of a card's type object (`groupon` for GROUPON …).
pub(crate) fn card_kind(card: &Value) -> String {
    card.get("card_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// When a code can be used: the card's fixed range, or its term counted from the day it was
/// taken.
pub(crate) fn validity(card: Option<&Value>, got_at: i64) -> (i64, i64) {
    let date = card
        .and_then(|c| c.get(card_kind(c)))
        .and_then(|b| b.get("base_info"))
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

/// Most cards on one `QR_MULTIPLE_CARD` code.
const MAX_MULTIPLE: usize = 5;
/// The range of a card QR code's `expire_seconds`.
const QR_EXPIRE: std::ops::RangeInclusive<i64> = 60..=1_800;
/// Most cards a page of `card/batchget` lists.
const MAX_PAGE: i64 = 50;
/// Longest `new_code` of `card/code/update`.
const MAX_CODE: usize = 32;
/// Who card events come from.
const CARD_SYSTEM: &str = "mphelper";

/// A code as `card/code/get` shows it.
pub(crate) struct CodeView {
    pub(crate) code: CardCode,
    pub(crate) begin: i64,
    pub(crate) end: i64,
    /// `user_card_status`: the code's status, or `EXPIRE` once its validity ended.
    pub(crate) status: Value,
    pub(crate) can_consume: bool,
}

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

    /// Deletes a known card (47003).
    pub(crate) fn delete(&mut self, id: Option<&str>) -> Result<(), ApiError> {
        self.by_id
            .remove(id.unwrap_or_default())
            .map(|_| ())
            .ok_or_else(|| ApiError::argument("card_id"))
    }

    /// `card/update`: fields of the card's own type object and of its `base_info` replaced
    /// (not `sku`: stock goes through `modifystock`); the card must still pass the rules of
    /// `card/create`.
    pub(crate) fn update(
        &mut self,
        id: Option<&str>,
        mut changes: Map<String, Value>,
    ) -> Result<(), ApiError> {
        let card = self.get_mut(id)?;
        let kind = card_kind(card);
        let Some(Value::Object(body)) = changes.remove(&kind) else {
            return Err(ApiError::argument(&kind));
        };
        if let Some(other) = changes.keys().next() {
            return Err(ApiError::argument(other));
        }
        let mut updated = card.clone();
        let Some(target) = updated.get_mut(&kind).and_then(Value::as_object_mut) else {
            return Err(ApiError::argument("card_id"));
        };
        for (key, value) in body {
            if key != "base_info" {
                target.insert(key, value);
                continue;
            }
            let Value::Object(fields) = value else {
                return Err(ApiError::argument(&format!("{kind}.base_info")));
            };
            if fields.contains_key("sku") {
                return Err(ApiError::argument(&format!("{kind}.base_info.sku")));
            }
            if let Some(Value::Object(base)) = target.get_mut("base_info") {
                base.extend(fields);
            }
        }
        check_card(&updated)?;
        *card = updated;
        Ok(())
    }

    /// The code named, of the card named when one is (47003 otherwise).
    fn code_mut(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
    ) -> Result<&mut CardCode, ApiError> {
        let code = self
            .codes
            .get_mut(code.unwrap_or_default())
            .ok_or_else(|| ApiError::argument("code"))?;
        if card_id.is_some_and(|id| !id.is_empty() && id != code.card_id) {
            return Err(ApiError::argument("card_id"));
        }
        Ok(code)
    }

    /// A code that can still be used (47003 naming the code otherwise).
    fn usable(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
    ) -> Result<&mut CardCode, ApiError> {
        let code = self.code_mut(code, card_id)?;
        if code.status != CardStatus::Normal {
            return Err(ApiError::argument("code"));
        }
        Ok(code)
    }

    /// `card/code/get`: the code, when it can be used, and its status now.
    pub(crate) fn code_view(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
        now: i64,
    ) -> Result<CodeView, ApiError> {
        let code = self.code_mut(code, card_id)?.clone();
        let (begin, end) = validity(self.by_id.get(&code.card_id), code.got_at);
        let status = match code.status {
            CardStatus::Normal if now >= end => json!("EXPIRE"),
            status => json!(status),
        };
        let can_consume = code.status == CardStatus::Normal && (begin..end).contains(&now);
        Ok(CodeView {
            code,
            begin,
            end,
            status,
            can_consume,
        })
    }

    /// `card/code/decrypt`: the code an `encrypt_code` stands for (47003).
    pub(crate) fn decrypt(&self, encrypted: &str) -> Result<String, ApiError> {
        self.codes
            .iter()
            .find(|(_, c)| !encrypted.is_empty() && c.encrypt_code == encrypted)
            .map(|(code, _)| code.clone())
            .ok_or_else(|| ApiError::argument("encrypt_code"))
    }

    /// `card/code/update`: a usable code gets a `new_code` of 1 to 32 characters no other code
    /// has (47003).
    pub(crate) fn change_code(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
        new_code: Option<&str>,
    ) -> Result<(), ApiError> {
        let new_code = new_code
            .filter(|c| !c.is_empty() && c.len() <= MAX_CODE)
            .ok_or_else(|| ApiError::argument("new_code"))?;
        if self.codes.contains_key(new_code) {
            return Err(ApiError::argument("new_code"));
        }
        self.usable(code, card_id)?;
        if let Some(taken) = self.codes.remove(code.unwrap_or_default()) {
            self.codes.insert(new_code.to_owned(), taken);
        }
        Ok(())
    }

    /// `card/code/unavailable`: a usable code can no longer be used.
    pub(crate) fn make_unavailable(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
    ) -> Result<(), ApiError> {
        self.usable(code, card_id)?.status = CardStatus::Unavailable;
        Ok(())
    }
}

impl Account {
    /// `card/create`: a card that passes [`check_card`] kept under a new id, and the
    /// `card_pass_check` push (a card passes review at once).
    pub(crate) fn create_card(
        &mut self,
        card: Value,
        now: i64,
    ) -> Result<(String, Outgoing), ApiError> {
        check_card(&card)?;
        let card_id = format!("p{}", random_text(27));
        self.cards.by_id.insert(card_id.clone(), card);
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("card_pass_check")),
            ("CardId".to_owned(), json!(card_id)),
        ];
        let outgoing = Outgoing::new(
            &self.app_id,
            &self.original_id,
            CARD_SYSTEM,
            now,
            &fields,
            || 0,
        );
        Ok((card_id, outgoing))
    }

    /// `card/qrcode/create`: a QR code of one card (`QR_CARD`, with its `outer_str`) or of 1
    /// to 5 (`QR_MULTIPLE_CARD`), all existing, expiring after 60 to 1,800 seconds when
    /// `expire_seconds` is given (47003 naming the field otherwise). The code kept, and its
    /// `expire_seconds` (0 when it does not expire).
    pub(crate) fn card_qrcode(
        &mut self,
        action_name: Option<String>,
        expire_seconds: Option<&Value>,
        info: &Value,
        now: i64,
    ) -> Result<(QrCode, i64), ApiError> {
        let (cards, outer) = match action_name.as_deref() {
            Some("QR_CARD") => {
                let card = info.get("card").unwrap_or(&Value::Null);
                let id = card
                    .get("card_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let outer = card
                    .get("outer_str")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (vec![id.to_owned()], outer)
            }
            Some("QR_MULTIPLE_CARD") => {
                let list = info
                    .get("multiple_card")
                    .and_then(|m| m.get("card_list"))
                    .and_then(Value::as_array)
                    .filter(|l| (1..=MAX_MULTIPLE).contains(&l.len()))
                    .ok_or_else(|| ApiError::argument("action_info.multiple_card.card_list"))?;
                let ids = list
                    .iter()
                    .map(|c| {
                        c.get("card_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect();
                (ids, None)
            }
            _ => return Err(ApiError::argument("action_name")),
        };
        // Absent (or 0 and below, as before the range was checked): the code does not expire.
        let expire = expire_seconds.and_then(lenient_i64).filter(|e| *e > 0);
        if expire.is_some_and(|e| !QR_EXPIRE.contains(&e)) {
            return Err(ApiError::argument("expire_seconds"));
        }
        if let Some(missing) = cards.iter().find(|c| !self.cards.by_id.contains_key(*c)) {
            return Err(ApiError::argument(&format!("card_id {missing}")));
        }
        let code = QrCode {
            ticket: new_ticket(),
            action_name: action_name.unwrap_or_default(),
            scene_id: None,
            scene_str: None,
            expires_at: expire.map(|e| now.saturating_add(e)),
            url: new_url(),
            created_at: now,
            cards,
            outer_str: outer,
        };
        self.qrcodes.insert(code.ticket.clone(), code.clone());
        Ok((code, expire.unwrap_or(0)))
    }

    /// `card/code/consume`: a usable code is used up, once; the card id, the follower, and
    /// the `user_consume_card` push.
    pub(crate) fn consume_code(
        &mut self,
        code: Option<&str>,
        card_id: Option<&str>,
        now: i64,
    ) -> Result<(String, String, Outgoing), ApiError> {
        let taken = self.cards.usable(code, card_id)?;
        taken.status = CardStatus::Consumed;
        let (card_id, openid) = (taken.card_id.clone(), taken.openid.clone());
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("user_consume_card")),
            ("CardId".to_owned(), json!(card_id)),
            ("UserCardCode".to_owned(), json!(code)),
            ("ConsumeSource".to_owned(), json!("FROM_API")),
            ("LocationName".to_owned(), json!("")),
            ("StaffOpenId".to_owned(), json!("")),
        ];
        let outgoing = Outgoing::new(&self.app_id, &self.original_id, &openid, now, &fields, || 0);
        Ok((card_id, openid, outgoing))
    }
}
