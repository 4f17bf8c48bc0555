//! Making cards and handing them out: `card/create` (a card that passes the rules, reviewed at
//! once, or — with [`CardRules::manual_review`](crate::CardRules::manual_review) — when the
//! control API decides), the end of a review, and card QR codes (`QR_CARD`,
//! `QR_MULTIPLE_CARD`), whose scan gives the card: a card not approved only to the users on the
//! test whitelist.

use serde_json::{Value, json};

use super::{check_card, event_fields};
use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::qrcode::{QrCode, new_ticket, new_url};
use crate::platform::tokens::random_text;
use crate::push::Outgoing;
use crate::state::Account;

/// Why a review cannot be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReviewRefusal {
    /// The account has no such card.
    UnknownCard,
    /// The card is approved: nothing waits for a decision.
    Approved,
}

/// Most cards on one `QR_MULTIPLE_CARD` code.
const MAX_MULTIPLE: usize = 5;
/// The range of a card QR code's `expire_seconds`.
const QR_EXPIRE: std::ops::RangeInclusive<i64> = 60..=1_800;

impl Account {
    /// `card/create`: a card that passes [`check_card`] kept under a new id, and the
    /// `card_pass_check` push when it passes review at once (not `manual_review`; else it
    /// waits in review).
    pub(crate) fn create_card(
        &mut self,
        card: Value,
        now: i64,
        manual_review: bool,
    ) -> Result<(String, Option<Outgoing>), ApiError> {
        check_card(&card)?;
        let card_id = format!("p{}", random_text(27));
        self.cards.by_id.insert(card_id.clone(), card);
        let outgoing = self.reviewed(&card_id, now, manual_review);
        Ok((card_id, outgoing))
    }

    /// Card `card_id` goes to review: with `manual_review` it waits, unapproved; else it
    /// passes at once, and the `card_pass_check` push.
    pub(super) fn reviewed(
        &mut self,
        card_id: &str,
        now: i64,
        manual_review: bool,
    ) -> Option<Outgoing> {
        if manual_review {
            self.cards.unapproved.insert(card_id.to_owned());
            return None;
        }
        let fields = event_fields("card_pass_check", &[("CardId", json!(card_id))]);
        Some(self.card_system_event(&fields, now))
    }

    /// The review of card `card_id` decided: passed (`card_pass_check`; anyone can take it
    /// now) or refused for `reason` (`card_not_pass_check` with `RefuseReason`; it stays
    /// unapproved). The push.
    pub(crate) fn end_review(
        &mut self,
        card_id: &str,
        pass: bool,
        reason: &str,
        now: i64,
    ) -> Result<Outgoing, ReviewRefusal> {
        if !self.cards.by_id.contains_key(card_id) {
            return Err(ReviewRefusal::UnknownCard);
        }
        if !self.cards.unapproved.contains(card_id) {
            return Err(ReviewRefusal::Approved);
        }
        let fields = if pass {
            self.cards.unapproved.remove(card_id);
            event_fields("card_pass_check", &[("CardId", json!(card_id))])
        } else {
            event_fields(
                "card_not_pass_check",
                &[("CardId", json!(card_id)), ("RefuseReason", json!(reason))],
            )
        };
        Ok(self.card_system_event(&fields, now))
    }

    /// Whether follower `openid` can take card `card_id`: an approved card anyone, one not
    /// approved the users on the test whitelist.
    pub(crate) fn can_take_card(&self, card_id: &str, openid: &str) -> bool {
        !self.cards.unapproved.contains(card_id)
            || self.cards.whitelist.openid.iter().any(|o| o == openid)
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
}
