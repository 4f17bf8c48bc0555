//! SHA-1 signatures: the server `signature`, the `msg_signature` of encrypted messages, and the
//! JS-SDK and card signatures.

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::{CryptoError, SignatureParam};

/// A lowercase hex SHA-1 digest (40 ASCII bytes), kept on the stack.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature([u8; 40]);

impl Signature {
    fn of(parts: &mut [&str]) -> Self {
        // Three or four parts: an insertion sort beats the general sort's set-up by far.
        for i in 1..parts.len() {
            let mut j = i;
            while j > 0 && parts.get(j - 1) > parts.get(j) {
                parts.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut hasher = Sha1::new();
        for part in parts.iter() {
            hasher.update(part.as_bytes());
        }
        Self::from_digest(&hasher.finalize())
    }

    fn from_digest(digest: &[u8]) -> Self {
        fn hex_digit(nibble: u8) -> u8 {
            if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            }
        }
        let mut out = [0u8; 40];
        for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
            if let [high, low] = pair {
                *high = hex_digit(byte >> 4);
                *low = hex_digit(byte & 0x0f);
            }
        }
        Self(out)
    }

    /// The signature as lowercase hex.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Compares with a signature received from outside, in constant time and without regard
    /// to case.
    pub fn matches(&self, received: &str) -> bool {
        let received = received.as_bytes();
        if received.len() != 40 {
            return false;
        }
        // Every byte is compared (no early exit); the differences are folded into one byte,
        // which is compared in constant time.
        let mut difference = 0u8;
        for (ours, theirs) in self.0.iter().zip(received) {
            difference |= ours ^ theirs.to_ascii_lowercase();
        }
        std::hint::black_box(difference).ct_eq(&0).into()
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({})", self.as_str())
    }
}

/// The server `signature`: SHA-1 over the sorted Token, timestamp and nonce.
///
/// ```
/// let sig = wxoa_crypto::signature("pamtest", "1409304348", "xxxxxx");
/// assert_eq!(sig.as_str().len(), 40);
/// ```
pub fn signature(token: &str, timestamp: &str, nonce: &str) -> Signature {
    Signature::of(&mut [token, timestamp, nonce])
}

/// The `msg_signature` of an encrypted message: SHA-1 over the sorted Token, timestamp, nonce
/// and `Encrypt` value.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> Signature {
    Signature::of(&mut [token, timestamp, nonce, encrypt])
}

/// Checks a server `signature` (the GET handshake, and every POST) in constant time.
pub fn verify_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    received: &str,
) -> Result<(), CryptoError> {
    if signature(token, timestamp, nonce).matches(received) {
        Ok(())
    } else {
        Err(CryptoError::ValidateSignature {
            what: SignatureParam::Signature,
        })
    }
}

/// Checks a `msg_signature` in constant time.
pub fn verify_msg_signature(
    token: &str,
    timestamp: &str,
    nonce: &str,
    encrypt: &str,
    received: &str,
) -> Result<(), CryptoError> {
    if msg_signature(token, timestamp, nonce, encrypt).matches(received) {
        Ok(())
    } else {
        Err(CryptoError::ValidateSignature {
            what: SignatureParam::MsgSignature,
        })
    }
}

/// The page URL a JS-SDK signature covers: everything before `#`.
pub fn jssdk_url(url: &str) -> &str {
    url.split_once('#').map_or(url, |(page, _)| page)
}

/// The JS-SDK `wx.config` signature:
/// `sha1("jsapi_ticket=T&noncestr=N&timestamp=TS&url=U")`, with the URL's fragment removed.
///
/// ```
/// let sig = wxoa_crypto::jssdk_signature(
///     "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
///     "Wm3WZYTPz0wzccnW",
///     "1414587457",
///     "http://mp.weixin.qq.com?params=value#fragment",
/// );
/// assert_eq!(sig.as_str(), "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
/// ```
pub fn jssdk_signature(ticket: &str, noncestr: &str, timestamp: &str, url: &str) -> Signature {
    let mut hasher = Sha1::new();
    for part in [
        "jsapi_ticket=",
        ticket,
        "&noncestr=",
        noncestr,
        "&timestamp=",
        timestamp,
        "&url=",
        jssdk_url(url),
    ] {
        hasher.update(part.as_bytes());
    }
    Signature::from_digest(&hasher.finalize())
}

/// The card signature (`cardSign`, `cardExt.signature`): SHA-1 over the values (api_ticket,
/// timestamp, nonce_str, card_id, code, openid, …) sorted as strings and joined with nothing.
pub fn card_signature(values: &[&str]) -> Signature {
    let mut values = values.to_vec();
    Signature::of(&mut values)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn server_signature_vector() {
        // spec/crypto.md §7 vector B: passes with the right nonce, fails with the wrong one.
        let echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        let expected = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96";
        assert_eq!(
            msg_signature("123456", "1411443780", "437374425", echostr).as_str(),
            expected
        );
        assert!(
            verify_msg_signature("123456", "1411443780", "437374425", echostr, expected).is_ok()
        );
        assert_eq!(
            verify_msg_signature("123456", "1411443780", "437374424", echostr, expected),
            Err(CryptoError::ValidateSignature {
                what: SignatureParam::MsgSignature,
            })
        );
    }

    #[test]
    fn plain_signature_is_sha1_of_sorted_parts() {
        // server-access.md §2: sorted = 1409304348, pamtest, xxxxxx.
        let sig = signature("pamtest", "1409304348", "xxxxxx");
        let mut hasher = Sha1::new();
        hasher.update(b"1409304348pamtestxxxxxx");
        assert_eq!(sig.as_str(), hex::encode(hasher.finalize()));
        assert!(
            verify_signature(
                "pamtest",
                "1409304348",
                "xxxxxx",
                &sig.as_str().to_uppercase()
            )
            .is_ok()
        );
        assert!(verify_signature("pamtest", "1409304348", "xxxxxx", "12345").is_err());
        assert!(verify_signature("other", "1409304348", "xxxxxx", sig.as_str()).is_err());
        // One digit off, at either end.
        for at in [0, 39] {
            let mut off = sig.as_str().as_bytes().to_vec();
            let digit = off.get_mut(at).unwrap();
            *digit = if *digit == b'0' { b'1' } else { b'0' };
            let off = String::from_utf8(off).unwrap();
            assert!(verify_signature("pamtest", "1409304348", "xxxxxx", &off).is_err());
        }
    }

    #[test]
    fn official_msg_signature_vectors() {
        let encrypt = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
        assert_eq!(
            msg_signature("pamtest", "1409304348", "xxxxxx", encrypt).as_str(),
            "82c962d39941aa48552f90ef55aa323dc620cc10"
        );
    }

    #[test]
    fn jssdk_vector() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let sig = jssdk_signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value",
        );
        assert_eq!(sig.as_str(), "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
        let with_fragment = jssdk_signature(
            ticket,
            "Wm3WZYTPz0wzccnW",
            "1414587457",
            "http://mp.weixin.qq.com?params=value#x=1",
        );
        assert_eq!(with_fragment, sig);
    }

    #[test]
    fn card_signature_sorts_values() {
        let a = card_signature(&["b", "a", "c"]);
        let b = card_signature(&["c", "b", "a"]);
        assert_eq!(a, b);
        let mut hasher = Sha1::new();
        hasher.update(b"abc");
        assert_eq!(a.as_str(), hex::encode(hasher.finalize()));
    }
}
