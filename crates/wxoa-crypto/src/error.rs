//! The official WXBizMsgCrypt failures, one variant each.

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
        /// `signature` or `msg_signature`.
        what: &'static str,
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
        reason: String,
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
        reason: &'static str,
    },
    /// -40007: the ciphertext could not be decrypted.
    #[error("ciphertext could not be decrypted (-40007 DecryptAESError): {reason}")]
    DecryptAes {
        /// Why, with the likely cause.
        reason: String,
    },
    /// -40008: the decrypted buffer is not a well-framed message.
    #[error("decrypted buffer is malformed (-40008 IllegalBuffer): {reason}")]
    IllegalBuffer {
        /// Why.
        reason: String,
    },
    /// -40009: Base64 encoding failed. Encoding cannot fail, so this implementation never
    /// returns it; the variant keeps the codes one to one with the official table.
    #[error("Base64 encoding failed (-40009 EncodeBase64Error)")]
    EncodeBase64,
    /// -40010: the `Encrypt` value is not Base64.
    #[error("Encrypt value is not valid Base64 (-40010 DecodeBase64Error): {reason}")]
    DecodeBase64 {
        /// Why.
        reason: String,
    },
    /// -40011: the reply XML could not be generated.
    #[error("reply XML could not be generated (-40011 GenReturnXmlError): {0}")]
    GenReturnXml(ReplyError),
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
