//! Errors: the platform's own error bodies, and the library's failures to start (with what
//! is wrong with its settings).

use axum::response::{IntoResponse, Response};
use rand::Rng;
use wxoa_types::errcode::ErrCode;

use crate::clock::ClockProblem;

/// The `errcode` a response carried, attached to it so the calls log can record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Errcode(pub(crate) i64);

/// The request id an error answer carried and the body it answered, attached to the response
/// so the API layer can keep both for `openapi/rid/get`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answered {
    pub(crate) rid: String,
    pub(crate) body: String,
}

/// A platform error: HTTP 200 with `{"errcode": N, "errmsg": "… rid: …"}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: i64,
    pub(crate) message: String,
    /// Fields some errors carry besides `errcode` and `errmsg` (45065 carries `msg_id`).
    pub(crate) fields: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    /// An error whose message is the code's meaning (wxoa-types' table).
    pub(crate) fn new(code: i64) -> Self {
        Self {
            code,
            message: ErrCode::from_code(code).meaning().to_owned(),
            fields: serde_json::Map::new(),
        }
    }

    /// An error with the platform's own wording.
    pub(crate) fn msg(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: serde_json::Map::new(),
        }
    }

    /// Adds a field to the error body.
    pub(crate) fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.fields.insert(key.to_owned(), value);
        self
    }

    /// 47003 naming the offending field, as the platform does
    /// (`argument invalid! data.keyword1.value invalid`).
    pub(crate) fn argument(field: &str) -> Self {
        Self::msg(47003, format!("argument invalid! {field} invalid"))
    }

    /// The JSON body, its `errmsg` ending with the request id `rid`.
    fn body(&self, rid: &str) -> serde_json::Value {
        let mut body = self.fields.clone();
        body.insert("errcode".into(), self.code.into());
        body.insert(
            "errmsg".into(),
            format!("{} rid: {rid}", self.message).into(),
        );
        serde_json::Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let rid = rid();
        let body = self.body(&rid);
        let answered = Answered {
            rid,
            body: body.to_string(),
        };
        let mut response = axum::Json(body).into_response();
        response.extensions_mut().insert(Errcode(self.code));
        response.extensions_mut().insert(answered);
        response
    }
}

/// What a handler answers: a JSON body or a platform error.
pub(crate) type ApiResult = Result<Response, ApiError>;

/// A successful JSON answer.
pub(crate) fn ok(body: serde_json::Value) -> ApiResult {
    Ok(axum::Json(body).into_response())
}

/// `{"errcode":0,"errmsg":"ok"}`.
pub(crate) fn ok_empty() -> ApiResult {
    ok(serde_json::json!({"errcode": 0, "errmsg": "ok"}))
}

/// A request id in the platform's format: three groups of 8 hex digits.
fn rid() -> String {
    let mut rng = rand::thread_rng();
    format!(
        "{:08x}-{:08x}-{:08x}",
        rng.r#gen::<u32>(),
        rng.r#gen::<u32>(),
        rng.r#gen::<u32>()
    )
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The state file could not be read or written.
    #[error("state file {path}: {source}")]
    StateFile {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a sandbox state.
    #[error("state file {path} is not a sandbox state: {source}")]
    StateFormat {
        /// The file.
        path: String,
        /// Where the JSON went wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The state file was written in a layout this sandbox does not read (by a newer one).
    #[error("state file {path} has version {found}, this sandbox reads versions 1 to {reads}")]
    StateVersion {
        /// The file.
        path: String,
        /// The version the file says it has.
        found: u64,
        /// The newest version this sandbox reads.
        reads: u32,
    },
    /// The state file's clock is not one the sandbox can run with.
    #[error("state file {path}: clock_offset {offset}: {problem}")]
    StateClock {
        /// The file.
        path: String,
        /// The offset the file holds, in seconds.
        offset: i64,
        /// What is wrong with it.
        problem: ClockProblem,
    },
    /// The state could not be written as JSON.
    #[error("cannot serialise the state: {0}")]
    StateEncode(#[source] serde_json::Error),
    /// A setting is malformed (an AppID, an EncodingAESKey, a webhook URL …).
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The HTTP client used for pushes could not be built.
    #[error("cannot build the push client: {0}")]
    Client(#[source] reqwest::Error),
}

/// What is wrong with a sandbox's settings, in [`SandboxError::Config`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An AppID that is not `wx` followed by 16 hex digits.
    #[error("AppID {app_id:?} is not `wx` followed by 16 hex digits")]
    AppId {
        /// The AppID given.
        app_id: String,
    },
    /// An AppSecret that is not 32 hex digits.
    #[error("an AppSecret is 32 hex digits")]
    AppSecret,
    /// A push mode other than `plain`, `compat` or `safe`.
    #[error("mode {mode:?} is not plain, compat or safe")]
    Mode {
        /// The mode given.
        mode: String,
    },
    /// A webhook URL that does not parse.
    #[error("webhook URL {url:?}: {source}")]
    WebhookUrl {
        /// The URL, its password masked.
        url: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// A webhook URL that is not `http` or `https`.
    #[error("webhook URL {url:?} is not http or https")]
    WebhookScheme {
        /// The URL, its password masked.
        url: String,
    },
    /// `--migrate-from` naming the account that took the old one over.
    #[error("--migrate-from {app_id}: an account cannot migrate from itself")]
    MigrateFromItself {
        /// The AppID given.
        app_id: String,
    },
    /// A webhook without a Token.
    #[error("the webhook needs a token")]
    NoToken,
    /// Compat or safe mode without an EncodingAESKey.
    #[error("compat and safe mode need an EncodingAESKey")]
    NoAesKey,
    /// A lifetime of the third-party platform (a code's, a ticket's, the ticket interval)
    /// that is not a positive number of seconds.
    #[error("the third-party platform's lifetimes and ticket interval are positive seconds")]
    ComponentLifetime,
    /// An EncodingAESKey that is not one.
    #[error("{0}")]
    AesKey(#[source] wxoa_crypto::CryptoError),
}
