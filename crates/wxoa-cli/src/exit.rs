//! Exit codes of CONTRACT.md §1 and the failure that carries one.

use wxoa_crypto::CryptoError;

/// Success.
pub(crate) const OK: u8 = 0;
/// Usage or configuration error.
pub(crate) const USAGE: u8 = 2;
/// The platform answered with an error.
pub(crate) const PLATFORM: u8 = 1;
/// Network or transport failure after the allowed retries.
pub(crate) const NETWORK: u8 = 3;
/// Signature, decryption or verification failure.
pub(crate) const CRYPTO: u8 = 4;

/// A failure with its exit code; `message` is printed on stderr as is.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) error: anyhow::Error,
}

impl Failure {
    /// Exit 2: a missing option, a malformed key, an unreadable file.
    pub(crate) fn usage(error: impl Into<anyhow::Error>) -> Self {
        Self {
            code: USAGE,
            error: error.into(),
        }
    }

    /// Exit 4: a WXBizMsgCrypt failure, with the likely cause.
    pub(crate) fn crypto(error: CryptoError, hint: Option<String>) -> Self {
        // The error's own text names its code (-400xx) and official name.
        let mut message = error.to_string();
        if let Some(hint) = hint {
            message.push_str("\nlikely cause: ");
            message.push_str(&hint);
        }
        Self {
            code: CRYPTO,
            error: anyhow::Error::msg(message),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Self::usage(error)
    }
}
