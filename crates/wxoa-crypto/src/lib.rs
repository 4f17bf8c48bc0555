//! Message security of the WeChat Official Account platform: pure, synchronous and fuzzable.
//!
//! - [`signature`] / [`verify_signature`]: the server `signature` over Token, timestamp and
//!   nonce (the GET handshake and every push), compared in constant time.
//! - [`MsgCrypt`]: the WXBizMsgCrypt scheme of compat and safe mode — AES-256-CBC with the IV
//!   taken from the key, a 16-byte random prefix, a 4-byte big-endian length, the AppID suffix
//!   and PKCS#7 padding to **32-byte** blocks — and the `msg_signature` over the ciphertext.
//!   Received input is always verified before it is decrypted.
//! - [`jssdk_signature`] and [`card_signature`]: the JS-SDK and card signatures.
//! - [`CryptoError`]: one variant per official WXBizMsgCrypt code (-40001 … -40011).
//!
//! ```
//! use wxoa_crypto::MsgCrypt;
//!
//! let crypt = MsgCrypt::new("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")?;
//! let encrypt = crypt.encrypt_with_random(b"aaaabbbbccccdddd", "我是中文abcd123".as_bytes())?;
//! assert_eq!(encrypt, "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==");
//! assert_eq!(crypt.decrypt(&encrypt)?, "我是中文abcd123".as_bytes());
//! # Ok::<(), wxoa_crypto::CryptoError>(())
//! ```

mod error;
mod msg_crypt;
mod signature;

pub use error::{
    AesKeyProblem, Base64Problem, BufferProblem, CryptoError, DecryptProblem, EncryptProblem,
    SignatureParam,
};
pub use msg_crypt::{AesKey, MAX_ENCRYPT_LEN, MsgCrypt, Opened, PAD_BLOCK, random_nonce};
pub use signature::{
    Signature, card_signature, jssdk_signature, jssdk_url, msg_signature, signature,
    verify_msg_signature, verify_signature,
};
