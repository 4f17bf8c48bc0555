//! Tags and legacy groups: an account's tags and groups with their names and members, the
//! ids the platform reserves, and the next ids it gives out.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A user tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) members: BTreeSet<String>,
}

/// Tag ids the platform reserves (0, 1 and 2); only 2 (星标组) is listed and can hold members.
pub(crate) const RESERVED_TAGS: [u32; 3] = [0, 1, 2];

/// A legacy group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub(crate) name: String,
}

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
