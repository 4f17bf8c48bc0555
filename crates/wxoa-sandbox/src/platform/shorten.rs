//! Short links: the long data the account hosted behind each short key, the rules of
//! `shorten/gen` and `shorten/fetch` (at most 4 KB for at most 30 days), and of the deprecated
//! `shorturl`.

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::tokens::random_text;
use crate::state::Account;

/// Longest hosted data, bytes.
const MAX_LONG_DATA: usize = 4096;
/// Longest (and default) lifetime of a short key, seconds.
const MAX_EXPIRE: i64 = 2_592_000;
/// Characters of a short key.
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A hosted short key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShortKey {
    pub(crate) long_data: String,
    pub(crate) create_time: i64,
    pub(crate) expire_seconds: i64,
}

impl ShortKey {
    /// Whether the key still works at `now`.
    fn is_live(&self, now: i64) -> bool {
        now - self.create_time < self.expire_seconds
    }
}

impl Account {
    /// `shorten/gen`: `long_data` present (47003), at most 4,096 bytes (9410010), hosted for
    /// `expire_seconds` (47003 unless positive; at most 2,592,000, the default: 9410011).
    /// Expired keys are forgotten. The new short key.
    pub(crate) fn shorten(
        &mut self,
        long_data: Option<String>,
        expire_seconds: Option<&Value>,
        now: i64,
    ) -> Result<String, ApiError> {
        let data = long_data
            .filter(|d| !d.is_empty())
            .ok_or_else(|| ApiError::argument("long_data"))?;
        if data.len() > MAX_LONG_DATA {
            return Err(ApiError::msg(9_410_010, "long_data is too long"));
        }
        let expire = match expire_seconds {
            None => MAX_EXPIRE,
            Some(value) => lenient_i64(value)
                .filter(|e| *e > 0)
                .ok_or_else(|| ApiError::argument("expire_seconds"))?,
        };
        if expire > MAX_EXPIRE {
            return Err(ApiError::msg(9_410_011, "expire_seconds is too large"));
        }
        self.short_keys.retain(|_, k| k.is_live(now));
        let key = short_key();
        self.short_keys.insert(
            key.clone(),
            ShortKey {
                long_data: data,
                create_time: now,
                expire_seconds: expire,
            },
        );
        Ok(key)
    }

    /// `shorten/fetch`: a live short key (47003 otherwise).
    pub(crate) fn short_key(&self, key: &str, now: i64) -> Result<&ShortKey, ApiError> {
        self.short_keys
            .get(key)
            .filter(|k| k.is_live(now))
            .ok_or_else(|| ApiError::argument("short_key"))
    }
}

/// `shorturl`: action long2short (40035) of an http(s) or weixin `long_url` (40048). The short
/// URL.
pub(crate) fn short_url(action: Option<&str>, long_url: Option<&str>) -> Result<String, ApiError> {
    if action != Some("long2short") {
        return Err(ApiError::msg(
            40035,
            "invalid args: action must be long2short",
        ));
    }
    let valid = long_url
        .and_then(|u| url::Url::parse(u).ok())
        .is_some_and(|u| matches!(u.scheme(), "http" | "https" | "weixin"));
    if !valid {
        return Err(ApiError::msg(40048, "invalid url"));
    }
    Ok(format!("https://w.url.cn/s/{}", random_text(7)))
}

/// 15 characters of base62.
fn short_key() -> String {
    let mut rng = rand::thread_rng();
    (0..15)
        .map(|_| {
            char::from(
                BASE62
                    .get(rng.gen_range(0..BASE62.len()))
                    .copied()
                    .unwrap_or(b'0'),
            )
        })
        .collect()
}
