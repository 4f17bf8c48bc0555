//! Tags and legacy groups: their names and members, and the tag ids the platform reserves.

use std::collections::BTreeSet;

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
