//! The draft box and free publications: drafts by media id and what was published from them.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::platform::media::MediaFile;

/// The draft box and what was published from it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PublishBox {
    /// Drafts by media id (`kind` is `draft`, the articles in `articles`).
    pub(crate) drafts: HashMap<String, MediaFile>,
    /// Publications by `publish_id`.
    pub(crate) jobs: BTreeMap<String, Publication>,
}

/// A draft published with `freepublish/submit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Publication {
    /// The published articles' id.
    pub(crate) article_id: String,
    /// The articles as they were in the draft.
    pub(crate) articles: Vec<serde_json::Value>,
    /// Which articles were deleted (`freepublish/delete` with an `index`).
    pub(crate) deleted: Vec<bool>,
    /// When it was published.
    pub(crate) at: i64,
    /// The order of `freepublish/batchget`.
    pub(crate) seq: u64,
}

impl Publication {
    /// Whether every article was deleted.
    pub(crate) fn all_deleted(&self) -> bool {
        self.deleted.iter().all(|d| *d)
    }
}
