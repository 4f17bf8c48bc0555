#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod errors;
mod fixtures;
mod properties;
mod vectors;

use wxoa_crypto::MsgCrypt;

/// spec/crypto.md §7 vector A (Tencent's official Java sample test).
pub const A_TOKEN: &str = "pamtest";
pub const A_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const A_APPID: &str = "wxb11529c136998cb6";
pub const A_TIMESTAMP: &str = "1409304348";
pub const A_NONCE: &str = "xxxxxx";
pub const A_RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";

pub fn crypt_a() -> MsgCrypt {
    MsgCrypt::new(A_TOKEN, A_KEY, A_APPID).unwrap()
}
