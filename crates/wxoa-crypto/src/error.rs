//! The official WXBizMsgCrypt failures, one variant each, and the typed causes they carry.

use wxoa_types::envelope::EnvelopeError;
use wxoa_types::reply::ReplyError;

/// A failure of message security. Each variant is one of the official WXBizMsgCrypt codes
/// (-40001 … -40011, see [`CryptoError::code`]); the message names the likely cause. No secret
/// (Token, EncodingAESKey, plaintext) ever appears in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// -40001: the `signature` or `msg_signature` does not match.
    #[error(
        "{what} does not match (-40001 ValidateSignatureError): the Token differs from the one configured on the platform, or the timestamp, nonce or body were altered"
    )]
    ValidateSignature {
        /// Which signature.
        what: SignatureParam,
    },
    /// -40002: the envelope XML could not be read.
    #[error("envelope XML could not be read (-40002 ParseXmlError): {0}")]
    ParseXml(EnvelopeError),
    /// -40003: a signature could not be computed. SHA-1 cannot fail, so this implementation
    /// never returns it; the variant keeps the codes one to one with the official table.
    #[error("signature could not be computed (-40003 ComputeSignatureError)")]
    ComputeSignature,
    /// -40004: the EncodingAESKey is malformed.
    #[error("EncodingAESKey is invalid (-40004 IllegalAesKey): {reason}")]
    IllegalAesKey {
        /// What is wrong with it (never the key itself).
        reason: AesKeyProblem,
    },
    /// -40005: the AppID inside the decrypted message is not the configured one.
    #[error(
        "decrypted message is for AppID {found:?}, not the configured {expected:?} (-40005 ValidateAppidError): the push belongs to another account, or --app-id is wrong"
    )]
    ValidateAppId {
        /// The configured AppID.
        expected: String,
        /// The AppID found in the message (lossy UTF-8, at most 64 bytes).
        found: String,
    },
    /// -40006: the message could not be encrypted.
    #[error("message could not be encrypted (-40006 EncryptAESError): {reason}")]
    EncryptAes {
        /// Why.
        reason: EncryptProblem,
    },
    /// -40007: the ciphertext could not be decrypted.
    #[error("ciphertext could not be decrypted (-40007 DecryptAESError): {reason}")]
    DecryptAes {
        /// Why, with the likely cause.
        reason: DecryptProblem,
    },
    /// -40008: the decrypted buffer is not a well-framed message.
    #[error("decrypted buffer is malformed (-40008 IllegalBuffer): {reason}")]
    IllegalBuffer {
        /// Why.
        reason: BufferProblem,
    },
    /// -40009: Base64 encoding failed. Encoding cannot fail, so this implementation never
    /// returns it; the variant keeps the codes one to one with the official table.
    #[error("Base64 encoding failed (-40009 EncodeBase64Error)")]
    EncodeBase64,
    /// -40010: the `Encrypt` value is not Base64.
    #[error("Encrypt value is not valid Base64 (-40010 DecodeBase64Error): {reason}")]
    DecodeBase64 {
        /// Why.
        reason: Base64Problem,
    },
    /// -40011: the reply XML could not be generated.
    #[error("reply XML could not be generated (-40011 GenReturnXmlError): {0}")]
    GenReturnXml(ReplyError),
}

/// The signature a [`CryptoError::ValidateSignature`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureParam {
    /// `signature`: over the Token, timestamp and nonce.
    Signature,
    /// `msg_signature`: over the Token, timestamp, nonce and ciphertext.
    MsgSignature,
}

impl std::fmt::Display for SignatureParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureParam::Signature => "signature",
            SignatureParam::MsgSignature => "msg_signature",
        })
    }
}

/// What is wrong with an EncodingAESKey (never the key itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AesKeyProblem {
    /// It is not 43 characters long.
    #[error(
        "EncodingAESKey must be exactly 43 characters, this one has {length}{}",
        if *padded { " (drop the trailing '=')" } else { "" }
    )]
    Length {
        /// Its length in characters.
        length: usize,
        /// Whether it is 44 characters ending in `=`: the key with Base64 padding added.
        padded: bool,
    },
    /// A character outside the Base64 alphabet.
    #[error("EncodingAESKey may hold only letters and digits; character {position} is not one")]
    Character {
        /// Where, counting from 1.
        position: usize,
    },
    /// It does not decode as Base64.
    #[error("EncodingAESKey is not Base64")]
    NotBase64,
}

/// Why a message could not be encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptProblem {
    /// The message's length does not fit the 4-byte length of the frame.
    #[error("message longer than 4 GiB")]
    TooLong,
    /// The padded frame is not a whole number of AES blocks.
    #[error("buffer is not a whole number of blocks")]
    NotWholeBlocks,
}

/// Why a ciphertext could not be decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptProblem {
    /// The ciphertext is empty or not a multiple of the AES block.
    #[error(
        "ciphertext is {length} bytes, not a non-empty multiple of 16: it was truncated or is not a WeChat ciphertext"
    )]
    Length {
        /// Its length in bytes.
        length: usize,
    },
    /// The cipher refused the buffer's length.
    #[error("ciphertext is not a whole number of blocks")]
    NotWholeBlocks,
    /// The decrypted padding is not the scheme's.
    #[error("padding is not PKCS#7 to 32 bytes: the EncodingAESKey is most likely wrong")]
    Padding,
}

/// Why a decrypted buffer is not a well-framed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BufferProblem {
    /// Shorter than the 16-byte random prefix and the 4-byte length.
    #[error("{length} bytes is too short to hold the 20-byte header")]
    TooShort {
        /// The buffer's length without its padding.
        length: usize,
    },
    /// The message's declared length runs past the buffer.
    #[error("declared message length {declared} runs past the {length}-byte buffer")]
    LengthPastEnd {
        /// The length the frame declares.
        declared: usize,
        /// The buffer's length without its padding.
        length: usize,
    },
}

/// Why an `Encrypt` value is not Base64 the scheme can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Problem {
    /// Longer than [`MAX_ENCRYPT_LEN`](crate::MAX_ENCRYPT_LEN).
    #[error("Encrypt is {length} characters, over the limit of {limit}")]
    TooLong {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// `=` padding where none can be.
    #[error("{padding} padding characters after {characters} characters")]
    Padding {
        /// The `=` at the end.
        padding: usize,
        /// The characters before them.
        characters: usize,
    },
    /// A character outside the Base64 alphabet, or bits left over after the last byte.
    #[error("not Base64: a character outside the alphabet, or bits left over at the end")]
    Invalid,
}

impl CryptoError {
    /// The official WXBizMsgCrypt code.
    pub fn code(&self) -> i32 {
        match self {
            CryptoError::ValidateSignature { .. } => -40001,
            CryptoError::ParseXml(_) => -40002,
            CryptoError::ComputeSignature => -40003,
            CryptoError::IllegalAesKey { .. } => -40004,
            CryptoError::ValidateAppId { .. } => -40005,
            CryptoError::EncryptAes { .. } => -40006,
            CryptoError::DecryptAes { .. } => -40007,
            CryptoError::IllegalBuffer { .. } => -40008,
            CryptoError::EncodeBase64 => -40009,
            CryptoError::DecodeBase64 { .. } => -40010,
            CryptoError::GenReturnXml(_) => -40011,
        }
    }

    /// The official name of the code (`ValidateSignatureError`, …).
    pub fn name(&self) -> &'static str {
        match self {
            CryptoError::ValidateSignature { .. } => "ValidateSignatureError",
            CryptoError::ParseXml(_) => "ParseXmlError",
            CryptoError::ComputeSignature => "ComputeSignatureError",
            CryptoError::IllegalAesKey { .. } => "IllegalAesKey",
            CryptoError::ValidateAppId { .. } => "ValidateAppidError",
            CryptoError::EncryptAes { .. } => "EncryptAESError",
            CryptoError::DecryptAes { .. } => "DecryptAESError",
            CryptoError::IllegalBuffer { .. } => "IllegalBuffer",
            CryptoError::EncodeBase64 => "EncodeBase64Error",
            CryptoError::DecodeBase64 { .. } => "DecodeBase64Error",
            CryptoError::GenReturnXml(_) => "GenReturnXmlError",
        }
    }
}

impl From<EnvelopeError> for CryptoError {
    fn from(error: EnvelopeError) -> Self {
        CryptoError::ParseXml(error)
    }
}

impl From<ReplyError> for CryptoError {
    fn from(error: ReplyError) -> Self {
        CryptoError::GenReturnXml(error)
    }
}
