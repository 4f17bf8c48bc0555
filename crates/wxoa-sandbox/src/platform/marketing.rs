//! Marketing conversions (广告转化回传, api-reference-2 §9): the account's user-action sets
//! (data sources) and the conversions reported to them, with the rules of
//! `marketing/user_action_sets/{add,get}` and `marketing/user_actions/add`.
//!
//! The platform's error codes here are unconfirmed: the sandbox answers 47003 naming the
//! field for every refusal (an unknown set, an empty or too long `actions`, a missing field),
//! and the most actions per call is [`MarketingRules::max_actions`]. A set's
//! `activate_status` turns true once a conversion was reported to it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxoa_types::date::Date;

use crate::error::ApiError;
use crate::platform::lenient_i64;

/// The first set id an account gives out.
const FIRST_SET_ID: u64 = 1_109_624_850;
/// Longest description, bytes.
const MAX_DESCRIPTION: usize = 128;
/// The version every marketing path is called with.
pub(crate) const VERSION: &str = "v1.0";

/// The rules of marketing conversions the platform's sources leave open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketingRules {
    /// Most actions one `user_actions/add` takes (unconfirmed; 50, as Tencent Ads).
    pub max_actions: usize,
}

impl Default for MarketingRules {
    fn default() -> Self {
        Self { max_actions: 50 }
    }
}

/// An account's user-action sets, by id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Marketing {
    #[serde(default)]
    pub(crate) sets: BTreeMap<u64, ActionSet>,
}

/// A user-action set: where conversions are reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ActionSet {
    /// `WEB`, `IOS` or `ANDROID`.
    pub(crate) kind: String,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mobile_app_id: Option<String>,
    pub(crate) created_at: i64,
    /// Conversions reported to the set.
    #[serde(default)]
    pub(crate) reported: u64,
}

/// The body of `user_action_sets/add`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewSet {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    mobile_app_id: Option<Value>,
}

/// Refuses a call without `version=v1.0`.
pub(crate) fn check_version(version: Option<&str>) -> Result<(), ApiError> {
    match version {
        Some(VERSION) => Ok(()),
        _ => Err(ApiError::argument("version")),
    }
}

impl Marketing {
    /// `user_action_sets/add`: a `type` of `WEB`, `IOS` or `ANDROID` (the two apps with their
    /// `mobile_app_id`), a `name`, a `description` of at most 128 bytes. The new set's id.
    pub(crate) fn add_set(&mut self, request: NewSet, now: i64) -> Result<u64, ApiError> {
        let kind = request.kind.unwrap_or_default();
        if !matches!(kind.as_str(), "WEB" | "IOS" | "ANDROID") {
            return Err(ApiError::argument("type"));
        }
        let name = request.name.unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ApiError::argument("name"));
        }
        let description = request.description.unwrap_or_default();
        if description.len() > MAX_DESCRIPTION {
            return Err(ApiError::argument("description"));
        }
        let mobile_app_id = request.mobile_app_id.and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if kind != "WEB" && mobile_app_id.is_none() {
            return Err(ApiError::argument("mobile_app_id"));
        }
        let id = self
            .sets
            .keys()
            .next_back()
            .map_or(FIRST_SET_ID, |last| last + 1);
        self.sets.insert(
            id,
            ActionSet {
                kind,
                name,
                description,
                mobile_app_id,
                created_at: now,
                reported: 0,
            },
        );
        Ok(id)
    }

    /// `user_action_sets/get`: the set `id` (47003 when unknown), or every set without one.
    pub(crate) fn sets_json(&self, id: Option<&str>) -> Result<Vec<Value>, ApiError> {
        let shown = |id: u64, set: &ActionSet| {
            let mut item = json!({
                "user_action_set_id": id,
                "type": set.kind,
                "name": set.name,
                "description": set.description,
                "activate_status": set.reported > 0,
                "created_time": beijing_time(set.created_at),
            });
            if let (Some(app), Some(map)) = (&set.mobile_app_id, item.as_object_mut()) {
                map.insert("mobile_app_id".into(), json!(app));
            }
            item
        };
        match id {
            None => Ok(self.sets.iter().map(|(id, set)| shown(*id, set)).collect()),
            Some(text) => {
                let id = text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| ApiError::argument("user_action_set_id"))?;
                let set = self
                    .sets
                    .get(&id)
                    .ok_or_else(|| ApiError::argument("user_action_set_id"))?;
                Ok(vec![shown(id, set)])
            }
        }
    }

    /// `user_actions/add`: 1 to `max_actions` actions, each naming a set of the account, an
    /// `action_type`, an `action_time` and the follower (`user_id.wechat_openid`); all or
    /// nothing. How many were taken.
    pub(crate) fn add_actions(
        &mut self,
        actions: Option<Vec<Value>>,
        rules: &MarketingRules,
    ) -> Result<usize, ApiError> {
        let actions = actions.unwrap_or_default();
        if actions.is_empty() || actions.len() > rules.max_actions {
            return Err(ApiError::argument("actions"));
        }
        let mut sets = Vec::with_capacity(actions.len());
        for (i, action) in actions.iter().enumerate() {
            let at = |field: &str| ApiError::argument(&format!("actions[{i}].{field}"));
            let set = action
                .get("user_action_set_id")
                .and_then(lenient_i64)
                .and_then(|id| u64::try_from(id).ok())
                .filter(|id| self.sets.contains_key(id))
                .ok_or_else(|| at("user_action_set_id"))?;
            let text = |field: &str| {
                action
                    .get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if !text("action_type") {
                return Err(at("action_type"));
            }
            if action.get("action_time").and_then(lenient_i64).is_none() {
                return Err(at("action_time"));
            }
            let openid = action
                .get("user_id")
                .and_then(|u| u.get("wechat_openid"))
                .and_then(Value::as_str);
            if openid.is_none_or(str::is_empty) {
                return Err(at("user_id.wechat_openid"));
            }
            sets.push(set);
        }
        for set in &sets {
            if let Some(set) = self.sets.get_mut(set) {
                set.reported = set.reported.saturating_add(1);
            }
        }
        Ok(sets.len())
    }
}

/// `YYYY-MM-DD HH:MM:SS` in Beijing time.
fn beijing_time(unix: i64) -> String {
    let (year, month, day) = Date::of_unix(unix).ymd();
    let seconds = unix.saturating_add(8 * 3600).rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_beijing() {
        // 2024-01-01 16:00:05 UTC is 2024-01-02 00:00:05 in Beijing.
        assert_eq!(beijing_time(1_704_124_805), "2024-01-02 00:00:05");
    }
}
