//! Short keys: the long data the account hosted behind each.

use serde::{Deserialize, Serialize};

/// A hosted short key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShortKey {
    pub(crate) long_data: String,
    pub(crate) create_time: i64,
    pub(crate) expire_seconds: i64,
}
