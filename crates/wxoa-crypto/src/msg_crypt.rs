//! WXBizMsgCrypt: AES-256-CBC encryption of pushes and replies.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use rand::RngCore;
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::reply::Reply;
use wxoa_types::secret::Secret;

use crate::signature::{msg_signature, verify_msg_signature};
use crate::{
    AesKeyProblem, Base64Problem, BufferProblem, CryptoError, DecryptProblem, EncryptProblem,
};

/// Block size of the PKCS#7 padding: 32, not AES's 16. Pads run from 1 to 32 bytes.
pub const PAD_BLOCK: usize = 32;

/// Longest `Encrypt` value accepted (Base64 characters). Pushes are a few KiB; this bounds the
/// work done on hostile input.
pub const MAX_ENCRYPT_LEN: usize = 4 * 1024 * 1024;

/// The random prefix and the length field before the message.
const HEADER: usize = 16 + 4;

// CBC over a borrowed key schedule: copying the schedule (about a kilobyte) for every push
// was measurable.
type Encryptor<'k> = cbc::Encryptor<&'k aes::Aes256>;
type Decryptor<'k> = cbc::Decryptor<&'k aes::Aes256>;

/// The AES key derived from an EncodingAESKey. `Debug` prints `***`.
#[derive(Clone)]
pub struct AesKey {
    cipher: aes::Aes256,
    iv: [u8; 16],
}

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey(***)")
    }
}

impl AesKey {
    /// Derives the key: Base64-decode the 43 characters (plus `=`) into 32 bytes; the IV is the
    /// first 16 of them.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<Self, CryptoError> {
        let length = encoding_aes_key.chars().count();
        if length != 43 {
            return Err(CryptoError::IllegalAesKey {
                reason: AesKeyProblem::Length {
                    length,
                    padded: length == 44 && encoding_aes_key.ends_with('='),
                },
            });
        }
        if let Some(bad) = encoding_aes_key
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || c == '+' || c == '/'))
        {
            return Err(CryptoError::IllegalAesKey {
                reason: AesKeyProblem::Character { position: bad + 1 },
            });
        }
        // 43 characters carry 258 bits: the last character's two low bits are past the key's
        // 256, and in many real EncodingAESKeys they are not zero, which a strict decoder
        // refuses. They carry nothing, so they are cleared before decoding.
        let mut chars = [0u8; 43];
        chars.copy_from_slice(encoding_aes_key.as_bytes());
        if let Some(last) = chars.last_mut() {
            *last = without_trailing_bits(*last);
        }
        let mut key = [0u8; 32];
        base64_simd::STANDARD_NO_PAD
            .decode(&chars, base64_simd::Out::from_slice(&mut key))
            .map_err(|_| CryptoError::IllegalAesKey {
                reason: AesKeyProblem::NotBase64,
            })?;
        Ok(Self::from_bytes(&key))
    }

    fn from_bytes(key: &[u8]) -> Self {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(key.get(..16).unwrap_or(&[0; 16]));
        let cipher = aes::Aes256::new_from_slice(key).unwrap_or_else(|_| {
            // `from_encoding_aes_key` checked the length is exactly 32.
            aes::Aes256::new(&Default::default())
        });
        Self { cipher, iv }
    }
}

/// Message encryption for one account: its Token, EncodingAESKey and AppID.
///
/// ```
/// use wxoa_crypto::MsgCrypt;
///
/// let crypt = MsgCrypt::new("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")?;
/// let envelope = crypt.encrypt_reply("<xml>…</xml>", "1409304348", "xxxxxx")?;
/// let plain = crypt.decrypt_verified(&envelope.msg_signature, "1409304348", "xxxxxx", &envelope.encrypt)?;
/// assert_eq!(plain, "<xml>…</xml>".as_bytes());
/// # Ok::<(), wxoa_crypto::CryptoError>(())
/// ```
#[derive(Clone)]
pub struct MsgCrypt {
    token: Secret,
    key: AesKey,
    app_id: String,
}

impl std::fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("token", &self.token)
            .field("key", &self.key)
            .field("app_id", &self.app_id)
            .finish()
    }
}

/// A decrypted message and the AppID it was framed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The message bytes (UTF-8 XML on the platform).
    pub message: Vec<u8>,
    /// The AppID after the message, as bytes (it is not checked by [`MsgCrypt::open`]).
    pub app_id: Vec<u8>,
}

impl MsgCrypt {
    /// Sets up encryption for an account. Fails with -40004 when the key is malformed.
    pub fn new(
        token: impl Into<Secret>,
        encoding_aes_key: &str,
        app_id: impl Into<String>,
    ) -> Result<Self, CryptoError> {
        Ok(Self {
            token: token.into(),
            key: AesKey::from_encoding_aes_key(encoding_aes_key)?,
            app_id: app_id.into(),
        })
    }

    /// The AppID messages are framed with.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// The Token signatures are computed with.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Encrypts a message with 16 fresh random bytes from the thread's CSPRNG; returns the
    /// Base64 `Encrypt` value.
    pub fn encrypt(&self, message: &[u8]) -> Result<String, CryptoError> {
        let mut random = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        self.encrypt_with_random(&random, message)
    }

    /// Encrypts with given random bytes (for known-answer tests; use [`encrypt`](Self::encrypt)
    /// otherwise).
    pub fn encrypt_with_random(
        &self,
        random: &[u8; 16],
        message: &[u8],
    ) -> Result<String, CryptoError> {
        let mut out = String::with_capacity(encoded_len(message.len(), self.app_id.len()));
        self.encrypt_into(random, message, &mut out)?;
        Ok(out)
    }

    /// Frames, pads and encrypts `message`, appending the Base64 ciphertext to `out`.
    fn encrypt_into(
        &self,
        random: &[u8; 16],
        message: &[u8],
        out: &mut String,
    ) -> Result<(), CryptoError> {
        let length = u32::try_from(message.len()).map_err(|_| CryptoError::EncryptAes {
            reason: EncryptProblem::TooLong,
        })?;
        let framed = HEADER + message.len() + self.app_id.len();
        let pad = PAD_BLOCK - framed % PAD_BLOCK;
        let total = framed + pad;
        let mut buf = Vec::with_capacity(total);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&length.to_be_bytes());
        buf.extend_from_slice(message);
        buf.extend_from_slice(self.app_id.as_bytes());
        // `pad` is 1..=32, so it fits a byte.
        buf.resize(total, pad as u8);
        let encryptor = Encryptor::inner_iv_init(&self.key.cipher, &self.key.iv.into());
        let ciphertext = encryptor
            .encrypt_padded_mut::<NoPadding>(&mut buf, total)
            .map_err(|_| CryptoError::EncryptAes {
                reason: EncryptProblem::NotWholeBlocks,
            })?;
        base64_simd::STANDARD.encode_append(ciphertext, out);
        Ok(())
    }

    /// Decrypts and unframes an `Encrypt` value without checking its AppID.
    pub fn open(&self, encrypt: &str) -> Result<Opened, CryptoError> {
        let (mut buf, message_end) = self.decrypt_buffer(encrypt)?;
        let app_id = buf.get(message_end..).unwrap_or_default().to_vec();
        buf.truncate(message_end);
        buf.drain(..HEADER);
        Ok(Opened {
            message: buf,
            app_id,
        })
    }

    /// Decrypts an `Encrypt` value and checks that it was framed with this account's AppID.
    /// Does not check any signature: use [`decrypt_verified`](Self::decrypt_verified) for
    /// anything received.
    pub fn decrypt(&self, encrypt: &str) -> Result<Vec<u8>, CryptoError> {
        let (mut buf, message_end) = self.decrypt_buffer(encrypt)?;
        let found = buf.get(message_end..).unwrap_or_default();
        if found != self.app_id.as_bytes() {
            return Err(CryptoError::ValidateAppId {
                expected: self.app_id.clone(),
                found: String::from_utf8_lossy(found.get(..64).unwrap_or(found)).into_owned(),
            });
        }
        buf.truncate(message_end);
        buf.drain(..HEADER);
        Ok(buf)
    }

    /// Verifies `msg_signature` over (Token, timestamp, nonce, `encrypt`) and only then
    /// decrypts: the order the official samples use, so unsigned input never reaches AES.
    pub fn decrypt_verified(
        &self,
        received_msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        verify_msg_signature(
            self.token.expose(),
            timestamp,
            nonce,
            encrypt,
            received_msg_signature,
        )?;
        self.decrypt(encrypt)
    }

    /// Opens an encrypted push body (safe or compat mode): reads `Encrypt` from the envelope,
    /// verifies `msg_signature`, decrypts, checks the AppID, and returns the inner XML.
    pub fn decrypt_push(
        &self,
        body: &[u8],
        received_msg_signature: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        let envelope = PushEnvelope::scan(body)?;
        self.decrypt_verified(received_msg_signature, timestamp, nonce, &envelope.encrypt)
    }

    /// Encrypts a reply XML and signs it: the envelope compat and safe mode answer with.
    pub fn encrypt_reply(
        &self,
        reply_xml: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<ReplyEnvelope, CryptoError> {
        let encrypt = self.encrypt(reply_xml.as_bytes())?;
        let signature = msg_signature(self.token.expose(), timestamp, nonce, &encrypt);
        Ok(ReplyEnvelope::new(
            encrypt,
            signature.as_str().to_owned(),
            timestamp,
            nonce,
        ))
    }

    /// Encrypts a reply XML and renders the signed envelope in one pass: the ciphertext is
    /// written straight into the envelope. This is the webhook's hot path; it gives the same
    /// document as [`encrypt_reply`](Self::encrypt_reply) followed by `to_xml`.
    pub fn encrypt_reply_xml(
        &self,
        reply_xml: impl AsRef<[u8]>,
        timestamp: &str,
        nonce: &str,
    ) -> Result<String, CryptoError> {
        let reply_xml = reply_xml.as_ref();
        let mut random = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut random);
        let encoded = encoded_len(reply_xml.len(), self.app_id.len());
        let mut out = String::with_capacity(encoded + 192 + timestamp.len() + nonce.len());
        out.push_str(ReplyEnvelope::HEAD);
        let start = out.len();
        self.encrypt_into(&random, reply_xml, &mut out)?;
        let signature = msg_signature(
            self.token.expose(),
            timestamp,
            nonce,
            out.get(start..).unwrap_or_default(),
        );
        ReplyEnvelope::write_after_encrypt(&mut out, signature.as_str(), timestamp, nonce);
        Ok(out)
    }

    /// Validates, renders, encrypts and signs a [`Reply`].
    pub fn seal_reply(
        &self,
        reply: &Reply,
        timestamp: &str,
        nonce: &str,
    ) -> Result<ReplyEnvelope, CryptoError> {
        let xml = reply.to_xml()?;
        self.encrypt_reply(&xml, timestamp, nonce)
    }

    /// Validates, renders, encrypts and signs a [`Reply`] into the envelope XML.
    pub fn seal_reply_xml(
        &self,
        reply: &Reply,
        timestamp: &str,
        nonce: &str,
    ) -> Result<String, CryptoError> {
        let xml = reply.to_xml()?;
        self.encrypt_reply_xml(&xml, timestamp, nonce)
    }

    /// Verifies and decrypts a reply envelope (what the platform does with an answer).
    pub fn open_reply(&self, envelope: &ReplyEnvelope) -> Result<Vec<u8>, CryptoError> {
        self.decrypt_verified(
            &envelope.msg_signature,
            &envelope.timestamp,
            &envelope.nonce,
            &envelope.encrypt,
        )
    }

    /// Decodes, decrypts and checks the framing; returns the buffer (random prefix, length,
    /// message, AppID) and where the message ends.
    fn decrypt_buffer(&self, encrypt: &str) -> Result<(Vec<u8>, usize), CryptoError> {
        if encrypt.len() > MAX_ENCRYPT_LEN {
            return Err(CryptoError::DecodeBase64 {
                reason: Base64Problem::TooLong {
                    length: encrypt.len(),
                    limit: MAX_ENCRYPT_LEN,
                },
            });
        }
        let mut buf = decode_ciphertext(encrypt.trim_ascii().as_bytes())?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::DecryptAes {
                reason: DecryptProblem::Length { length: buf.len() },
            });
        }
        let decryptor = Decryptor::inner_iv_init(&self.key.cipher, &self.key.iv.into());
        let plain_len = decryptor
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::DecryptAes {
                reason: DecryptProblem::NotWholeBlocks,
            })?
            .len();
        let pad = usize::from(buf.last().copied().unwrap_or(0));
        let padding_ok = (1..=PAD_BLOCK).contains(&pad)
            && pad <= plain_len
            && buf
                .get(plain_len - pad..plain_len)
                .is_some_and(|tail| tail.iter().all(|&b| usize::from(b) == pad));
        if !padding_ok {
            return Err(CryptoError::DecryptAes {
                reason: DecryptProblem::Padding,
            });
        }
        let unpadded = plain_len - pad;
        let Some(length) = buf.get(16..HEADER) else {
            return Err(CryptoError::IllegalBuffer {
                reason: BufferProblem::TooShort { length: unpadded },
            });
        };
        let mut be = [0u8; 4];
        be.copy_from_slice(length);
        let message_len = u32::from_be_bytes(be) as usize;
        let message_end = HEADER.saturating_add(message_len);
        if unpadded < HEADER || message_end > unpadded {
            return Err(CryptoError::IllegalBuffer {
                reason: BufferProblem::LengthPastEnd {
                    declared: message_len,
                    length: unpadded,
                },
            });
        }
        buf.truncate(unpadded);
        Ok((buf, message_end))
    }
}

/// The Base64 character of `c`'s value with its two low bits cleared (`c` is one of the 64).
fn without_trailing_bits(c: u8) -> u8 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    match ALPHABET.iter().position(|&a| a == c) {
        Some(value) => ALPHABET.get(value & !0b11).copied().unwrap_or(c),
        None => c,
    }
}

/// Base64 of a ciphertext: standard, with its padding complete, partial or left out (the
/// platform pads; some senders do not). Decoded with SIMD where the CPU has it.
fn decode_ciphertext(encoded: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let unpadded = encoded
        .strip_suffix(b"==")
        .or_else(|| encoded.strip_suffix(b"="))
        .unwrap_or(encoded);
    let pad = encoded.len() - unpadded.len();
    // Padding completes a last group of two or three characters, and only that.
    let fits = match unpadded.len() % 4 {
        2 => true,
        3 => pad <= 1,
        _ => pad == 0,
    };
    if !fits {
        return Err(CryptoError::DecodeBase64 {
            reason: Base64Problem::Padding {
                padding: pad,
                characters: unpadded.len(),
            },
        });
    }
    base64_simd::STANDARD_NO_PAD
        .decode_to_vec(unpadded)
        .map_err(|_| CryptoError::DecodeBase64 {
            reason: Base64Problem::Invalid,
        })
}

/// Base64 length of the ciphertext of a message of `message` bytes.
fn encoded_len(message: usize, app_id: usize) -> usize {
    let framed = HEADER + message + app_id;
    let total = framed + PAD_BLOCK - framed % PAD_BLOCK;
    total.div_ceil(3) * 4
}

/// A random nonce for a reply envelope: 10 decimal digits, like the platform's.
pub fn random_nonce() -> String {
    let mut rng = rand::thread_rng();
    (0..10)
        .map(|_| char::from(b'0' + (rng.next_u32() % 10) as u8))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod base64_tests {
    use super::*;

    #[test]
    fn padding_may_be_complete_partial_or_absent() {
        for (encoded, decoded) in [
            ("QUJD", &b"ABC"[..]),
            ("QUI=", b"AB"),
            ("QUI", b"AB"),
            ("QQ==", b"A"),
            ("QQ=", b"A"),
            ("QQ", b"A"),
            ("", b""),
        ] {
            assert_eq!(
                decode_ciphertext(encoded.as_bytes()).unwrap(),
                decoded,
                "{encoded}"
            );
        }
        for refused in [
            "QUJD=", "QUJD==", "Q", "Q=", "QQ===", "QUI==", "QR==", "QU=I", "QU I", "QUJ\n",
        ] {
            assert!(
                matches!(
                    decode_ciphertext(refused.as_bytes()),
                    Err(CryptoError::DecodeBase64 { .. })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn key_trailing_bits_are_ignored() {
        assert_eq!(without_trailing_bits(b'H'), b'E');
        assert_eq!(without_trailing_bits(b'/'), b'8');
        assert_eq!(without_trailing_bits(b'A'), b'A');
        let strict =
            AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFE").unwrap();
        let loose =
            AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH").unwrap();
        assert_eq!(strict.iv, loose.iv);
    }

    proptest::proptest! {
        #[test]
        fn canonical_base64_round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let mut padded = String::new();
            base64_simd::STANDARD.encode_append(&bytes, &mut padded);
            proptest::prop_assert_eq!(decode_ciphertext(padded.as_bytes()).ok(), Some(bytes.clone()));
            let unpadded = padded.trim_end_matches('=');
            proptest::prop_assert_eq!(decode_ciphertext(unpadded.as_bytes()).ok(), Some(bytes.clone()));
        }
    }
}
