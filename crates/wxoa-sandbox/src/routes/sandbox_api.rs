//! What the sandbox's own endpoints (the control API, the console's and `/sandbox/oauth/code`)
//! share: their refusal, an HTTP 4xx with `{"error": "…"}`; their JSON answers and bodies; the
//! `limit` and other number parameters; and the account a request is about.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Query;
use crate::state::{Account, State as Platform};

/// The answer to a method an endpoint does not serve.
pub(crate) async fn method_not_allowed() -> ControlError {
    ControlError(StatusCode::METHOD_NOT_ALLOWED, "method not allowed".into())
}

/// A refusal of the control API.
#[derive(Debug)]
pub(crate) struct ControlError(StatusCode, String);

impl ControlError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, message.into())
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self(StatusCode::NOT_FOUND, message.into())
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self(StatusCode::FORBIDDEN, message.into())
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self(StatusCode::CONFLICT, message.into())
    }

    pub(crate) fn gone(message: impl Into<String>) -> Self {
        Self(StatusCode::GONE, message.into())
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({"error": self.1}))).into_response()
    }
}

/// What a sandbox endpoint answers.
pub(crate) type ControlResult = Result<Response, ControlError>;

/// A JSON answer.
pub(crate) fn reply(value: Value) -> ControlResult {
    Ok(axum::Json(value).into_response())
}

/// A JSON body; 400 naming what does not parse.
pub(crate) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(bytes).map_err(|e| ControlError::bad(format!("body: {e}")))
}

/// A non-negative integer parameter of the query, if present.
pub(crate) fn number(query: &Query, key: &str) -> Result<Option<u64>, ControlError> {
    query
        .get(key)
        .map(|v| {
            v.parse()
                .map_err(|_| ControlError::bad(format!("{key} must be a non-negative integer")))
        })
        .transpose()
}

/// The `limit` parameter, if present: how many entries at most.
pub(crate) fn limit(query: &Query) -> Result<Option<usize>, ControlError> {
    Ok(number(query, "limit")?.map(|l| usize::try_from(l).unwrap_or(usize::MAX)))
}

/// The account a control request is about: the one named, else the one that knows `openid`,
/// else the default (first) one.
pub(crate) fn account_index(
    state: &Platform,
    app_id: Option<&str>,
    openid: Option<&str>,
) -> Result<usize, ControlError> {
    state
        .account_about(app_id, openid)
        .ok_or_else(|| ControlError::not_found(format!("no account {}", app_id.unwrap_or(""))))
}

/// The account a control request is about (see [`account_index`]).
pub(crate) fn pick_account<'s>(
    state: &'s Platform,
    app_id: Option<&str>,
    openid: Option<&str>,
) -> Result<&'s Account, ControlError> {
    let index = account_index(state, app_id, openid)?;
    state
        .accounts
        .get(index)
        .ok_or_else(|| ControlError::not_found("no account"))
}

/// The account a control request is about, mutably (see [`account_index`]).
pub(crate) fn pick_account_mut<'s>(
    state: &'s mut Platform,
    app_id: Option<&str>,
) -> Result<&'s mut Account, ControlError> {
    let index = account_index(state, app_id, None)?;
    state
        .accounts
        .get_mut(index)
        .ok_or_else(|| ControlError::not_found("no account"))
}
