//! The codes followers hold: how a follower takes a card (a deposited code for a custom-code
//! card while any is left, else a new 12-digit one), reading a code with its validity and
//! status, decrypting an `encrypt_code`, renumbering, withdrawing and consuming a code.

use base64::Engine;
use serde_json::{Value, json};

use super::deposit::uses_custom_code;
use super::{CardCode, CardStatus, Cards, event_fields, validity};
use crate::error::ApiError;
use crate::push::Outgoing;
use crate::state::Account;

/// Longest `new_code` of `card/code/update`.
const MAX_CODE: usize = 32;

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
    /// A follower takes a card: the first deposited code of a custom-code card while any is
    /// left, else a new 12-digit code; kept with its `encrypt_code`. The code.
    pub(crate) fn give(&mut self, card_id: &str, openid: &str, now: i64) -> String {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let custom = self.by_id.get(card_id).is_some_and(uses_custom_code);
        let deposited = self
            .deposited
            .get_mut(card_id)
            .filter(|_| custom)
            .and_then(|codes| codes.pop_first());
        let code = match deposited {
            Some(code) => code,
            None => loop {
                let code: String = (0..12)
                    .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                    .collect();
                if !self.codes.contains_key(&code) {
                    break code;
                }
            },
        };
        let mut secret = [0u8; 48];
        rng.fill(&mut secret[..]);
        self.codes.insert(
            code.clone(),
            CardCode {
                card_id: card_id.to_owned(),
                openid: openid.to_owned(),
                status: CardStatus::Normal,
                got_at: now,
                encrypt_code: base64::engine::general_purpose::STANDARD.encode(secret),
                member: None,
            },
        );
        code
    }

    /// The code named, of the card named when one is (47003 otherwise).
    pub(super) fn code_mut(
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
        let fields = event_fields(
            "user_consume_card",
            &[
                ("CardId", json!(card_id)),
                ("UserCardCode", json!(code)),
                ("ConsumeSource", json!("FROM_API")),
                ("LocationName", json!("")),
                ("StaffOpenId", json!("")),
            ],
        );
        let outgoing = self.card_event(&openid, &fields, now);
        Ok((card_id, openid, outgoing))
    }
}
