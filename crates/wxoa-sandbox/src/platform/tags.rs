//! Tags: an account's tags with their names and members, the ids the platform reserves, the
//! next id it gives out, and the rules of `tags/*` — at most
//! 100 per account and 20 per user, names of at most 30 bytes and unique, ids 0, 1 and 2
//! reserved, batches of at most 50 OpenIDs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::state::Account;

/// Most tags an account may create.
const MAX_TAGS: usize = 100;
/// Most tags one user may carry.
const MAX_TAGS_PER_USER: usize = 20;
/// Longest tag name, bytes.
const MAX_NAME_BYTES: usize = 30;
/// Most OpenIDs in one (un)tagging call.
const MAX_BATCH: usize = 50;
/// A tag with more fans than this cannot be deleted.
const MAX_DELETABLE_FANS: usize = 100_000;

/// A user tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) members: BTreeSet<String>,
}

/// Tag ids the platform reserves (0, 1 and 2); only 2 (星标组) is listed and can hold members.
pub(crate) const RESERVED_TAGS: [u32; 3] = [0, 1, 2];

/// An account's tags, by id, and the id the next one gets.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tags {
    pub(crate) by_id: BTreeMap<u32, Tag>,
    pub(crate) next_id: u32,
}

impl Default for Tags {
    /// A new account's tags: only 星标组 (2); the account's own start at 100.
    fn default() -> Self {
        let star = Tag {
            name: "星标组".to_owned(),
            members: BTreeSet::new(),
        };
        Self {
            by_id: BTreeMap::from([(2, star)]),
            next_id: 100,
        }
    }
}

impl Tags {
    /// A tag id that exists (45159 otherwise).
    pub(crate) fn existing(&self, id: Option<&Value>) -> Result<u32, ApiError> {
        id.and_then(lenient_i64)
            .and_then(|id| u32::try_from(id).ok())
            .filter(|id| self.by_id.contains_key(id))
            .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))
    }

    /// A tag id that may be renamed or deleted: not reserved (45058) and existing (45159).
    fn editable(&self, id: Option<&Value>) -> Result<u32, ApiError> {
        let raw = id.and_then(lenient_i64);
        if raw.is_some_and(|id| RESERVED_TAGS.iter().any(|r| i64::from(*r) == id)) {
            return Err(ApiError::msg(45058, "can't modify sys tag"));
        }
        self.existing(id)
    }

    /// A new tag name: present, at most 30 bytes (45158), not the name of another tag (45157).
    fn valid_name(&self, name: Option<&str>, renaming: Option<u32>) -> Result<String, ApiError> {
        let name = name.unwrap_or_default();
        if name.is_empty() {
            return Err(ApiError::argument("tag.name"));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(ApiError::msg(45158, "tag name too long"));
        }
        let taken = self
            .by_id
            .iter()
            .any(|(id, tag)| tag.name == name && Some(*id) != renaming);
        if taken {
            return Err(ApiError::msg(45157, "invalid tag name"));
        }
        Ok(name.to_owned())
    }

    /// `tags/create`: a valid name, while the account has fewer than 100 tags of its own
    /// (45056). The new tag's id and name.
    pub(crate) fn create(&mut self, name: Option<&str>) -> Result<(u32, String), ApiError> {
        let name = self.valid_name(name, None)?;
        let created = self
            .by_id
            .keys()
            .filter(|id| !RESERVED_TAGS.contains(id))
            .count();
        if created >= MAX_TAGS {
            return Err(ApiError::msg(45056, "too many tags"));
        }
        let id = self.next_id;
        self.next_id += 1;
        let tag = Tag {
            name: name.clone(),
            members: BTreeSet::new(),
        };
        self.by_id.insert(id, tag);
        Ok((id, name))
    }

    /// `tags/update`: an editable tag gets a valid new name.
    pub(crate) fn rename(
        &mut self,
        id: Option<&Value>,
        name: Option<&str>,
    ) -> Result<(), ApiError> {
        let id = self.editable(id)?;
        let name = self.valid_name(name, Some(id))?;
        if let Some(tag) = self.by_id.get_mut(&id) {
            tag.name = name;
        }
        Ok(())
    }

    /// The members of an existing tag (45159).
    pub(crate) fn members(&self, id: Option<&Value>) -> Result<&BTreeSet<String>, ApiError> {
        let id = self.existing(id)?;
        self.by_id
            .get(&id)
            .map(|tag| &tag.members)
            .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))
    }
}

impl Account {
    /// `tags/delete`: an editable tag with at most 100,000 fans (45057), taken off its members.
    pub(crate) fn delete_tag(&mut self, id: Option<&Value>) -> Result<(), ApiError> {
        let id = self.tags.editable(id)?;
        if self
            .tags
            .by_id
            .get(&id)
            .is_some_and(|t| t.members.len() > MAX_DELETABLE_FANS)
        {
            return Err(ApiError::msg(
                45057,
                "can not delete the tag that has too many fans",
            ));
        }
        if let Some(tag) = self.tags.by_id.remove(&id) {
            for openid in tag.members {
                self.person_mut(&openid).tags.retain(|t| *t != id);
            }
        }
        Ok(())
    }

    /// A batch: an existing tag and 1 to 50 OpenIDs of followers.
    fn tag_batch(
        &self,
        id: Option<&Value>,
        openids: Option<Vec<String>>,
    ) -> Result<(u32, Vec<String>), ApiError> {
        let id = self.tags.existing(id)?;
        let openids = self.followers_batch(openids, MAX_BATCH)?;
        Ok((id, openids))
    }

    /// `batchtagging`: the followers get the tag, none of them past 20 tags (45059).
    pub(crate) fn tag_followers(
        &mut self,
        id: Option<&Value>,
        openids: Option<Vec<String>>,
    ) -> Result<(), ApiError> {
        let (id, openids) = self.tag_batch(id, openids)?;
        let over = openids.iter().any(|openid| {
            let tags = self.tags_of(openid);
            !tags.contains(&id) && tags.len() >= MAX_TAGS_PER_USER
        });
        if over {
            return Err(ApiError::msg(45059, "user tag num exceed limit"));
        }
        for openid in openids {
            let person = self.person_mut(&openid);
            if !person.tags.contains(&id) {
                person.tags.push(id);
            }
            if let Some(tag) = self.tags.by_id.get_mut(&id) {
                tag.members.insert(openid);
            }
        }
        Ok(())
    }

    /// `batchuntagging`: the followers lose the tag.
    pub(crate) fn untag_followers(
        &mut self,
        id: Option<&Value>,
        openids: Option<Vec<String>>,
    ) -> Result<(), ApiError> {
        let (id, openids) = self.tag_batch(id, openids)?;
        for openid in openids {
            if let Some(person) = self.audience.people.get_mut(&openid) {
                person.tags.retain(|t| *t != id);
            }
            if let Some(tag) = self.tags.by_id.get_mut(&id) {
                tag.members.remove(&openid);
            }
        }
        Ok(())
    }
}
