//! Codes a merchant deposits for a custom-code card (`use_custom_code`, or
//! `get_custom_code_mode` `GET_CUSTOM_CODE_MODE_DEPOSIT`): depositing them, counting those left
//! and checking which are deposited. Followers who take such a card get these codes first.

use serde_json::Value;

use super::{CardRules, Cards, base_info, refused, texts};
use crate::error::ApiError;

/// Longest code that can be deposited, in bytes (a sandbox choice: the sources name none).
const MAX_CODE_BYTES: usize = 128;

/// Whether a card's codes are the merchant's own: `use_custom_code` (true or 1), or
/// `get_custom_code_mode` `GET_CUSTOM_CODE_MODE_DEPOSIT`.
pub(crate) fn uses_custom_code(card: &Value) -> bool {
    let Some(base) = base_info(card) else {
        return false;
    };
    let custom = base
        .get("use_custom_code")
        .is_some_and(|v| v == &Value::Bool(true) || v.as_i64() == Some(1));
    let deposit_mode = base.get("get_custom_code_mode").and_then(Value::as_str)
        == Some("GET_CUSTOM_CODE_MODE_DEPOSIT");
    custom || deposit_mode
}

/// What became of each code of a `card/code/deposit`.
#[derive(Debug, Default)]
pub(crate) struct Deposit {
    pub(crate) succ_code: Vec<String>,
    pub(crate) duplicate_code: Vec<String>,
    pub(crate) fail_code: Vec<String>,
}

impl Cards {
    /// A card that uses custom codes (47003 naming `card_id` otherwise).
    fn custom_card<'a>(&self, id: Option<&'a str>) -> Result<&'a str, ApiError> {
        let id = id.unwrap_or_default();
        let card = self.get(Some(id))?;
        if uses_custom_code(card) {
            Ok(id)
        } else {
            Err(refused(
                "card_id",
                "the card does not use custom codes (use_custom_code)",
            ))
        }
    }

    /// The codes of a deposit or a check: 1 to `max_codes_per_call` (47003 for none, the
    /// configured code beyond).
    fn code_list(list: Option<&Value>, rules: &CardRules) -> Result<Vec<String>, ApiError> {
        let codes = texts(list)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| ApiError::argument("code"))?;
        if codes.len() > rules.max_codes_per_call {
            return Err(ApiError::msg(
                rules.too_many_codes_errcode,
                format!(
                    "too many codes: at most {} a call, got {}",
                    rules.max_codes_per_call,
                    codes.len()
                ),
            ));
        }
        Ok(codes)
    }

    /// `card/code/deposit`: each code deposited, or a duplicate (already deposited, already
    /// held by a follower, or named twice), or failed (empty, over 128 bytes, or not printable
    /// ASCII).
    pub(crate) fn deposit(
        &mut self,
        id: Option<&str>,
        list: Option<&Value>,
        rules: &CardRules,
    ) -> Result<Deposit, ApiError> {
        let id = self.custom_card(id)?.to_owned();
        let codes = Self::code_list(list, rules)?;
        let mut answer = Deposit::default();
        let held: Vec<bool> = codes.iter().map(|c| self.codes.contains_key(c)).collect();
        let deposited = self.deposited.entry(id).or_default();
        for (code, held) in codes.into_iter().zip(held) {
            let valid = !code.is_empty()
                && code.len() <= MAX_CODE_BYTES
                && code.bytes().all(|b| b.is_ascii_graphic());
            if !valid {
                answer.fail_code.push(code);
            } else if held || !deposited.insert(code.clone()) {
                answer.duplicate_code.push(code);
            } else {
                answer.succ_code.push(code);
            }
        }
        Ok(answer)
    }

    /// `card/code/getdepositcount`: how many deposited codes the card has left.
    pub(crate) fn deposit_count(&self, id: Option<&str>) -> Result<usize, ApiError> {
        let id = self.custom_card(id)?;
        Ok(self.deposited.get(id).map_or(0, |codes| codes.len()))
    }

    /// `card/code/checkcode`: the codes deposited for the card, and those that are not.
    pub(crate) fn check_codes(
        &self,
        id: Option<&str>,
        list: Option<&Value>,
        rules: &CardRules,
    ) -> Result<(Vec<String>, Vec<String>), ApiError> {
        let id = self.custom_card(id)?;
        let codes = Self::code_list(list, rules)?;
        let deposited = self.deposited.get(id);
        Ok(codes
            .into_iter()
            .partition(|code| deposited.is_some_and(|d| d.contains(code))))
    }
}
