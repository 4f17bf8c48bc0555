//! Every refusal of a request is a [`Rejection`] with a fixed HTTP status and a metrics outcome.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a request to the push endpoint was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// `signature` (or `msg_signature`) missing or wrong: 401.
    #[error("bad signature: {0}")]
    BadSignature(String),
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
    BadRequest(String),
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
    UnknownAccount(String),
    /// The handler failed: 500, so that the platform's retry runs it again.
    #[error("handler failed: {0}")]
    HandlerFailed(String),
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
    pub fn outcome(&self) -> &'static str {
        match self {
            Rejection::BadSignature(_) => "bad_signature",
            Rejection::Replay { .. } => "replay",
            Rejection::PlainRefused => "plain_refused",
            Rejection::ShuttingDown => "shutting_down",
            Rejection::BadRequest(_) | Rejection::UnknownAccount(_) => "bad_request",
            Rejection::TooLarge { .. } => "too_large",
            Rejection::HandlerFailed(_) => "handler_error",
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        (self.status(), self.to_string()).into_response()
    }
}
