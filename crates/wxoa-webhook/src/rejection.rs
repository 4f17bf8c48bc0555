//! Every refusal of a request is a [`Rejection`] with a fixed HTTP status and a metrics outcome;
//! each names its cause with a typed error ([`SignatureError`], [`RequestError`],
//! [`UnknownAccount`], [`HandlerError`]) that keeps the error it came from.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use wxoa_crypto::CryptoError;
use wxoa_types::envelope::EnvelopeError;
use wxoa_types::inbound::InboundError;
use wxoa_types::xml::XmlError;

use crate::handler::HandlerError;
use crate::metrics::RequestOutcome;

/// Why a request to the push endpoint was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// `signature` (or `msg_signature`) missing or wrong: 401.
    #[error("bad signature: {0}")]
    BadSignature(#[from] SignatureError),
    /// The `timestamp` is outside the replay window: 401.
    #[error(
        "timestamp {timestamp} is {skew} s away from now, outside the replay window of {window} s"
    )]
    Replay {
        /// The request's timestamp.
        timestamp: i64,
        /// Its distance from now, in seconds.
        skew: i64,
        /// The window in force.
        window: u64,
    },
    /// A plaintext push (no `encrypt_type=aes`) to an account with an EncodingAESKey that does
    /// not [allow](crate::Account::allow_plain) them: 401. Its signature covers only the Token,
    /// timestamp and nonce, so it could have been forged from any logged query string.
    #[error(
        "plaintext push refused: the account has an EncodingAESKey, and a plaintext push is signed over the Token, timestamp and nonce only, so it could be forged from any logged query string; set the platform to compat or safe mode, or allow plaintext pushes while switching over (Account::allow_plain, wxoa serve --allow-plain)"
    )]
    PlainRefused,
    /// The webhook is draining for a shutdown and takes no more pushes: 503, so that the
    /// platform's retry goes to an instance that is still serving.
    #[error("the webhook is shutting down and takes no more pushes")]
    ShuttingDown,
    /// Undecryptable or unparseable body, or a request the account is not set up for: 400.
    #[error("bad request: {0}")]
    BadRequest(#[from] RequestError),
    /// Body over the limit: 413.
    #[error("body of {size} bytes is over the limit of {limit}")]
    TooLarge {
        /// Bytes received (at least).
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// No account answers on this path or for this `ToUserName`: 404.
    #[error("no account for {0}")]
    UnknownAccount(#[from] UnknownAccount),
    /// The handler failed: 500, so that the platform's retry runs it again.
    #[error("handler failed: {0}")]
    HandlerFailed(#[from] HandlerError),
}

/// Why a request's signature was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The query lacks `signature`, `timestamp` or `nonce`.
    #[error("signature, timestamp and nonce are required in the query")]
    Missing,
    /// The `signature` is not the one the account's Token gives.
    #[error("signature does not match: the Token differs from the one saved on the platform")]
    Mismatch,
    /// Several accounts share the path and none of their Tokens signs the request.
    #[error("no account's Token signs this request")]
    NoAccount,
    /// The `timestamp` is not a number.
    #[error("timestamp {timestamp:?} is not a number")]
    Timestamp {
        /// The `timestamp` as received.
        timestamp: String,
        /// Why it does not parse.
        #[source]
        source: std::num::ParseIntError,
    },
    /// An encrypted push (`encrypt_type=aes`) without `msg_signature`.
    #[error("encrypt_type=aes without msg_signature")]
    NoMsgSignature,
    /// The `msg_signature` does not cover the encrypted body.
    #[error("{0}")]
    Envelope(#[source] CryptoError),
}

/// Why a request could not be read or is not one the account is set up for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A query parameter the webhook reads appears more than once.
    #[error("query parameter {name} appears twice")]
    RepeatedParameter {
        /// The parameter's name.
        name: String,
    },
    /// A GET (the platform's handshake) without `echostr`.
    #[error("GET without echostr")]
    NoEchostr,
    /// An `encrypt_type` other than `raw` or `aes`.
    #[error("unknown encrypt_type {value:?} (the platform sends raw or aes)")]
    UnknownEncryptType {
        /// The `encrypt_type` as received.
        value: String,
    },
    /// An encrypted push to an account without an EncodingAESKey.
    #[error(
        "the push is encrypted (encrypt_type=aes) but no EncodingAESKey is configured for this account"
    )]
    NoAesKey,
    /// The encrypted push's body is not valid XML.
    #[error("encrypted push is not valid XML: {0}")]
    EnvelopeXml(#[source] XmlError),
    /// The encrypted push's envelope is unusable (no `Encrypt`, for one).
    #[error("encrypted push: {0}")]
    Envelope(#[source] EnvelopeError),
    /// The encrypted push does not decrypt, or is for another AppID.
    #[error("{0}")]
    Decrypt(#[source] CryptoError),
    /// The (decrypted) push is not one the webhook can read.
    #[error("push cannot be read: {0}")]
    Push(#[source] InboundError),
    /// The (decrypted) authorization event of a component is not one the webhook can read.
    #[error("{0}")]
    AuthEvent(#[source] wxoa_types::component::AuthEventError),
    /// The body could not be received.
    #[error("body could not be read: {0}")]
    Body(#[source] axum::BoxError),
}

/// Which account a request named that the webhook does not serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnknownAccount {
    /// The AppID on the path (`{path}/{appid}`).
    #[error("AppID {app_id}")]
    AppId {
        /// The AppID as given.
        app_id: String,
    },
    /// The path with no AppID on it, and no account served.
    #[error("this path")]
    ThisPath,
}

impl Rejection {
    /// The HTTP status this rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::BadSignature(_) | Rejection::Replay { .. } | Rejection::PlainRefused => {
                StatusCode::UNAUTHORIZED
            }
            Rejection::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            Rejection::BadRequest(_) => StatusCode::BAD_REQUEST,
            Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::UnknownAccount(_) => StatusCode::NOT_FOUND,
            Rejection::HandlerFailed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `outcome` label of `wxoa_webhook_requests_total`.
    pub fn outcome(&self) -> RequestOutcome {
        match self {
            Rejection::BadSignature(_) => RequestOutcome::BadSignature,
            Rejection::Replay { .. } => RequestOutcome::Replay,
            Rejection::PlainRefused => RequestOutcome::PlainRefused,
            Rejection::ShuttingDown => RequestOutcome::ShuttingDown,
            Rejection::BadRequest(_) | Rejection::UnknownAccount(_) => RequestOutcome::BadRequest,
            Rejection::TooLarge { .. } => RequestOutcome::TooLarge,
            Rejection::HandlerFailed(_) => RequestOutcome::HandlerError,
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::error::Error as _;

    use wxoa_types::inbound::Inbound;

    use super::*;

    #[test]
    fn a_refusal_keeps_what_caused_it() {
        let unreadable = Inbound::from_xml(b"<xml><MsgType>").unwrap_err();
        let shown = format!("push cannot be read: {unreadable}");
        let rejection = Rejection::from(RequestError::Push(unreadable));
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
        assert_eq!(rejection.outcome(), RequestOutcome::BadRequest);
        assert_eq!(rejection.to_string(), format!("bad request: {shown}"));
        let request = rejection.source().unwrap();
        assert!(request.is::<RequestError>());
        assert!(request.source().unwrap().is::<InboundError>());
    }

    #[test]
    fn each_refusal_keeps_its_status_and_outcome() {
        let cases = [
            (
                Rejection::from(SignatureError::Mismatch),
                401,
                RequestOutcome::BadSignature,
            ),
            (
                Rejection::from(RequestError::NoEchostr),
                400,
                RequestOutcome::BadRequest,
            ),
            (
                Rejection::from(UnknownAccount::ThisPath),
                404,
                RequestOutcome::BadRequest,
            ),
            (
                Rejection::from(HandlerError::Panicked),
                500,
                RequestOutcome::HandlerError,
            ),
        ];
        for (rejection, status, outcome) in cases {
            assert_eq!(rejection.status().as_u16(), status, "{rejection}");
            assert_eq!(rejection.outcome(), outcome, "{rejection}");
        }
    }
}
