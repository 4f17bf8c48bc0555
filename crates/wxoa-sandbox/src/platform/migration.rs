//! Account migration (账号迁移, api-reference-2 §6): the relation between an account and the
//! old account it took over (`wxoa sandbox --migrate-from APPID`), and the rules of
//! `changeopenid`, which turns OpenIDs of the old account into OpenIDs of the new one.
//!
//! The migration moved every follower of the old account: follower number `k` of the old
//! account is follower number `k` of the new one, and someone who followed the old account
//! later (through the control API) gets an OpenID of the new account derived from the two
//! AppIDs and their old OpenID — the same every time — and follows the new account from the
//! first time it is asked for. What the sources leave open is [`MigrationRules`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::people::FollowScene;
use crate::state::{Account, State};

/// The rules of `changeopenid` the platform's sources leave open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationRules {
    /// Most OpenIDs one call takes (100).
    pub max_openids: usize,
    /// The code answered beyond [`max_openids`](Self::max_openids) (unconfirmed; 40032).
    pub over_limit_errcode: i64,
    /// How long after the migration `changeopenid` works, seconds (15 days).
    pub window_seconds: i64,
}

impl Default for MigrationRules {
    fn default() -> Self {
        Self {
            max_openids: 100,
            over_limit_errcode: 40032,
            window_seconds: 15 * 86_400,
        }
    }
}

/// The old account an account took over, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Migration {
    /// The old account's AppID.
    pub(crate) from_app_id: String,
    /// When the migration passed review, Unix seconds: `changeopenid` works for
    /// [`MigrationRules::window_seconds`] from then.
    pub(crate) since: i64,
}

impl State {
    /// Records that the account `to` took over the account `from` at `now`, unless it already
    /// did (a state file keeps the first date).
    pub(crate) fn link_migration(&mut self, to: &str, from: &str, now: i64) {
        if let Some(account) = self.account_mut(to)
            && account
                .migration
                .as_ref()
                .is_none_or(|m| m.from_app_id != from)
        {
            account.migration = Some(Migration {
                from_app_id: from.to_owned(),
                since: now,
            });
        }
    }

    /// `changeopenid` by the account at `index`: 63178 when `from_appid` (an AppID or an
    /// original id `gh_…`) names no account, 63183 when it is not the account this one took
    /// over or the window is over, 63182 for an empty list, the configured code (40032) for a
    /// list too long. One result per OpenID, in order: the new OpenID, or `ori_openid error`
    /// for someone who does not follow the old account.
    pub(crate) fn change_openids(
        &mut self,
        index: usize,
        from_appid: Option<&str>,
        openids: Option<Vec<String>>,
        rules: &MigrationRules,
        now: i64,
    ) -> Result<Vec<Value>, ApiError> {
        let from = from_appid.unwrap_or_default();
        let old = self
            .accounts
            .iter()
            .position(|a| !from.is_empty() && (a.app_id == from || a.original_id == from))
            .ok_or_else(|| ApiError::msg(63178, "invalid from_appid"))?;
        let (old_app_id, new_app_id) = match (self.accounts.get(old), self.accounts.get(index)) {
            (Some(old), Some(new)) => (old.app_id.clone(), new.app_id.clone()),
            _ => return Err(ApiError::msg(63178, "invalid from_appid")),
        };
        let linked = self
            .accounts
            .get(index)
            .and_then(|a| a.migration.as_ref())
            .is_some_and(|m| {
                m.from_app_id == old_app_id && now.saturating_sub(m.since) < rules.window_seconds
            });
        if !linked || old == index {
            return Err(ApiError::msg(63183, "no migration relation"));
        }
        let openids = openids.unwrap_or_default();
        if openids.is_empty() {
            return Err(ApiError::msg(63182, "openid_list is empty"));
        }
        if openids.len() > rules.max_openids {
            return Err(ApiError::msg(
                rules.over_limit_errcode,
                format!("openid_list holds more than {} openids", rules.max_openids),
            ));
        }
        let mut results = Vec::with_capacity(openids.len());
        for openid in openids {
            let moved = self.accounts.get(old).and_then(|a| moved_as(a, &openid));
            let result = match (moved, self.accounts.get_mut(index)) {
                (Some(moved), Some(new)) => {
                    let new_openid = new.migrated_openid(moved, &old_app_id, &new_app_id, now);
                    json!({"ori_openid": openid, "new_openid": new_openid, "err_msg": "ok"})
                }
                _ => json!({"ori_openid": openid, "err_msg": "ori_openid error"}),
            };
            results.push(result);
        }
        Ok(results)
    }
}

/// How a follower of the old account was moved: as a synthetic follower (by number) or as
/// someone who followed later (by OpenID).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Moved {
    Synthetic(u32),
    Late(String),
}

/// How `openid` was moved from the account `old`, if it follows it.
fn moved_as(old: &Account, openid: &str) -> Option<Moved> {
    if !old.is_following(openid) {
        return None;
    }
    Some(match old.index_of(openid) {
        Some(number) => Moved::Synthetic(number),
        None => Moved::Late(openid.to_owned()),
    })
}

impl Account {
    /// The OpenID a moved follower has in this (the new) account; one who followed the old
    /// account late follows this one from now on, if they do not already.
    fn migrated_openid(
        &mut self,
        moved: Moved,
        old_app_id: &str,
        new_app_id: &str,
        now: i64,
    ) -> String {
        match moved {
            Moved::Synthetic(number) => {
                let mut openid = String::new();
                self.codec.encode_into(number, &mut openid);
                openid
            }
            Moved::Late(old_openid) => {
                let key =
                    format!("wxoa-sandbox migration\n{old_app_id}\n{new_app_id}\n{old_openid}");
                let openid = self.codec.derived(key.as_bytes());
                if !matches!(self.who(&openid), crate::platform::people::Who::Known) {
                    self.follow(&openid, now, FollowScene::other());
                }
                openid
            }
        }
    }
}
