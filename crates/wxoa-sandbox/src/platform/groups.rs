//! Legacy groups (api-reference.md §4): an account's groups and the rules of `groups/*` —
//! ids 0 (未分组), 1 (黑名单) and 2 (星标组) are system groups; at most 100 groups; names of
//! at most 30 characters; every user is in one group, the blacklisted in 黑名单.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::state::Account;

/// Most groups, system groups included.
const MAX_GROUPS: usize = 100;
/// Longest group name, characters.
const MAX_NAME_CHARS: usize = 30;
/// Most OpenIDs in one batch move.
const MAX_BATCH: usize = 50;
/// The blacklist group: users enter it through the blacklist API only.
const BLACKLIST_GROUP: u32 = 1;

/// A legacy group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) name: String,
}

/// An account's legacy groups, by id, and the id the next one gets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Groups {
    pub(crate) by_id: BTreeMap<u32, Group>,
    pub(crate) next_id: u32,
}

impl Default for Groups {
    /// A new account's groups: 未分组 (0), 黑名单 (1) and 星标组 (2); the account's own start
    /// at 100.
    fn default() -> Self {
        let by_id = [(0, "未分组"), (1, "黑名单"), (2, "星标组")]
            .into_iter()
            .map(|(id, name)| {
                let group = Group {
                    name: name.to_owned(),
                };
                (id, group)
            })
            .collect();
        Self {
            by_id,
            next_id: 100,
        }
    }
}

impl Groups {
    /// A group users can be moved into: any existing group but the blacklist (40050).
    fn target(&self, id: Option<&Value>) -> Result<u32, ApiError> {
        id.and_then(lenient_i64)
            .and_then(|id| u32::try_from(id).ok())
            .filter(|id| *id != BLACKLIST_GROUP && self.by_id.contains_key(id))
            .ok_or_else(|| ApiError::msg(40050, "invalid group id"))
    }

    /// A group that may be renamed or deleted: not a system group (45016), existing (40050).
    fn custom(&self, id: Option<&Value>) -> Result<u32, ApiError> {
        let id = id
            .and_then(lenient_i64)
            .ok_or_else(|| ApiError::msg(40050, "invalid group id"))?;
        if (0..=2).contains(&id) {
            return Err(ApiError::msg(45016, "system group not allowed to modify"));
        }
        u32::try_from(id)
            .ok()
            .filter(|id| self.by_id.contains_key(id))
            .ok_or_else(|| ApiError::msg(40050, "invalid group id"))
    }

    /// `groups/create`: a valid name, while there are fewer than 100 groups (45018). The new
    /// group's id and name.
    pub(crate) fn create(&mut self, name: Option<String>) -> Result<(u32, String), ApiError> {
        let name = valid_name(name)?;
        if self.by_id.len() >= MAX_GROUPS {
            return Err(ApiError::msg(45018, "too many groups"));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.by_id.insert(id, Group { name: name.clone() });
        Ok((id, name))
    }

    /// `groups/update`: a custom group gets a valid new name.
    pub(crate) fn rename(
        &mut self,
        id: Option<&Value>,
        name: Option<String>,
    ) -> Result<(), ApiError> {
        let id = self.custom(id)?;
        let name = valid_name(name)?;
        if let Some(group) = self.by_id.get_mut(&id) {
            group.name = name;
        }
        Ok(())
    }
}

impl Account {
    /// Every group with its member count: the blacklisted in 黑名单, followers in no other
    /// group in 未分组.
    pub(crate) fn group_counts(&self) -> Vec<(u32, &str, u64)> {
        let mut counts = BTreeMap::<u32, u64>::new();
        for (openid, person) in &self.audience.people {
            if person.groupid != 0 && self.is_following(openid) {
                *counts.entry(person.groupid).or_default() += 1;
            }
        }
        counts.insert(BLACKLIST_GROUP, self.audience.blacklist.len() as u64);
        let elsewhere: u64 = counts.values().sum();
        counts.insert(0, self.audience.followers.total().saturating_sub(elsewhere));
        self.groups
            .by_id
            .iter()
            .map(|(id, g)| (*id, g.name.as_str(), counts.get(id).copied().unwrap_or(0)))
            .collect()
    }

    /// `groups/getid`: the group of a follower (40003 for anyone else).
    pub(crate) fn group_of(&self, openid: &str) -> Result<u32, ApiError> {
        self.check_following(openid)?;
        Ok(if self.audience.blacklist.contains(openid) {
            BLACKLIST_GROUP
        } else {
            self.audience.people.get(openid).map_or(0, |p| p.groupid)
        })
    }

    /// `groups/members/update`: a follower moves into a group they can be moved into.
    pub(crate) fn move_to_group(
        &mut self,
        openid: &str,
        to: Option<&Value>,
    ) -> Result<(), ApiError> {
        self.check_following(openid)?;
        let to = self.groups.target(to)?;
        self.person_mut(openid).groupid = to;
        Ok(())
    }

    /// `groups/members/batchupdate`: 1 to 50 followers move into a group.
    pub(crate) fn move_all_to_group(
        &mut self,
        openids: Option<Vec<String>>,
        to: Option<&Value>,
    ) -> Result<(), ApiError> {
        let openids = self.followers_batch(openids, MAX_BATCH)?;
        let to = self.groups.target(to)?;
        for openid in &openids {
            self.person_mut(openid).groupid = to;
        }
        Ok(())
    }

    /// `groups/delete`: a custom group goes, its members back to 未分组.
    pub(crate) fn delete_group(&mut self, id: Option<&Value>) -> Result<(), ApiError> {
        let id = self.groups.custom(id)?;
        self.groups.by_id.remove(&id);
        for person in self.audience.people.values_mut() {
            if person.groupid == id {
                person.groupid = 0;
            }
        }
        Ok(())
    }
}

/// A group name: present (40051) and at most 30 characters (45017).
fn valid_name(name: Option<String>) -> Result<String, ApiError> {
    let name = name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::msg(40051, "invalid group name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::msg(45017, "group name too long"));
    }
    Ok(name)
}
