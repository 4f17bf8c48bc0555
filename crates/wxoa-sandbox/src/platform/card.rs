//! Cards: the codes followers took, their state, and how a follower takes one.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// The code of a card a follower took.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CardCode {
    pub(crate) card_id: String,
    pub(crate) openid: String,
    pub(crate) status: CardStatus,
    /// When the follower took the card.
    pub(crate) got_at: i64,
    /// What `card/code/decrypt` turns back into this code (the platform hands it to the
    /// card's pages).
    pub(crate) encrypt_code: String,
}

/// The state of a card code (`user_card_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum CardStatus {
    Normal,
    Consumed,
    Unavailable,
}

/// A follower takes a card: a new 12-digit code, kept with its `encrypt_code`; the code.
pub(crate) fn give(
    codes: &mut BTreeMap<String, CardCode>,
    card_id: &str,
    openid: &str,
    now: i64,
) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let code = loop {
        let code: String = (0..12)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        if !codes.contains_key(&code) {
            break code;
        }
    };
    let mut secret = [0u8; 48];
    rng.fill(&mut secret[..]);
    codes.insert(
        code.clone(),
        CardCode {
            card_id: card_id.to_owned(),
            openid: openid.to_owned(),
            status: CardStatus::Normal,
            got_at: now,
            encrypt_code: base64::engine::general_purpose::STANDARD.encode(secret),
        },
    );
    code
}
