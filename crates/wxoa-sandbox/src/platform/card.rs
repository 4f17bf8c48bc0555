//! Cards: what a card must hold, when its codes can be used, the codes followers took and
//! their state, and how a follower takes one.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::lenient_i64;

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
