//! What a card must hold (`card/create`'s rules: a known type with its own fields, a
//! `base_info` within its limits), and `card/update`, which must leave a card that still
//! holds it; a change of the title or the logo sends the card back to review.

use serde_json::{Map, Value};

use super::{Cards, card_kind};
use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::push::Outgoing;
use crate::state::Account;

/// Card types and the field each needs besides `base_info`.
const TYPES: &[(&str, &[&str])] = &[
    ("GROUPON", &["deal_detail"]),
    ("CASH", &["least_cost", "reduce_cost"]),
    ("DISCOUNT", &["discount"]),
    ("GIFT", &["gift"]),
    ("GENERAL_COUPON", &["default_detail"]),
    ("MEMBER_CARD", &["prerogative"]),
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
/// The `base_info` fields whose change sends a card back to review (a sandbox choice: what
/// followers see first).
const REVIEWED: &[&str] = &["title", "logo_url"];

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

impl Cards {
    /// `card/update`: fields of the card's own type object and of its `base_info` replaced
    /// (not `sku`: stock goes through `modifystock`); the card must still pass the rules of
    /// `card/create`. Whether the change sends the card back to review.
    fn update(
        &mut self,
        id: Option<&str>,
        mut changes: Map<String, Value>,
    ) -> Result<bool, ApiError> {
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
        let mut reviewed = false;
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
                reviewed = fields
                    .iter()
                    .any(|(k, v)| REVIEWED.contains(&k.as_str()) && base.get(k) != Some(v));
                base.extend(fields);
            }
        }
        check_card(&updated)?;
        *card = updated;
        Ok(reviewed)
    }
}

impl Account {
    /// `card/update` (see [`Cards::update`]): `send_check`, and when it is true the
    /// `card_pass_check` push of the new review (passed at once, unless `manual_review`).
    pub(crate) fn update_card(
        &mut self,
        id: Option<&str>,
        changes: Map<String, Value>,
        now: i64,
        manual_review: bool,
    ) -> Result<(bool, Option<Outgoing>), ApiError> {
        let reviewed = self.cards.update(id, changes)?;
        let push = if reviewed {
            self.reviewed(id.unwrap_or_default(), now, manual_review)
        } else {
            None
        };
        Ok((reviewed, push))
    }
}
