//! Mass sends: the sends of an account, their `clientmsgid`s, the send speed and the daily
//! count of subscription accounts.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Mass sends of one account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MassState {
    pub(crate) jobs: BTreeMap<u64, MassJob>,
    /// `clientmsgid` → (msg_id, when it was last used).
    pub(crate) client_ids: HashMap<String, (u64, i64)>,
    pub(crate) speed: u8,
    /// Sends counted against a daily limit (subscription accounts): the day and how many.
    pub(crate) day: i64,
    pub(crate) today: u32,
}

impl Default for MassState {
    fn default() -> Self {
        Self {
            jobs: BTreeMap::new(),
            client_ids: HashMap::new(),
            speed: 3,
            day: 0,
            today: 0,
        }
    }
}

/// One mass send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MassJob {
    pub(crate) at: i64,
    /// Position in the account's conversations (see [`Account::next_seq`]).
    #[serde(default)]
    pub(crate) seq: u64,
    pub(crate) msgtype: String,
    /// The message as sent (msgtype and payload).
    pub(crate) message: serde_json::Value,
    /// Sent to every follower (delivered to inboxes when they are read).
    pub(crate) to_all: bool,
    pub(crate) deleted: bool,
    /// Articles of an mpnews send (for `article_idx` of `delete`).
    pub(crate) articles: usize,
}
