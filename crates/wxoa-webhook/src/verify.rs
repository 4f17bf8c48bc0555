//! The checks of a request before any handler sees it: the GET handshake, the `signature` of
//! every POST, the replay window, and opening the body in plain, compat or safe mode.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::borrow::Cow;

use wxoa_crypto::{CryptoError, MsgCrypt, verify_signature};
use wxoa_types::envelope::PushEnvelope;
use wxoa_types::xml;

use crate::rejection::Rejection;

/// The query string the platform puts on every request to the account's URL. Values borrow
/// from the URI: the platform's parameters are never percent-encoded, so nothing is copied.
#[derive(Debug, Default)]
pub(crate) struct PushQuery<'a> {
    pub(crate) signature: Option<Cow<'a, str>>,
    pub(crate) timestamp: Option<Cow<'a, str>>,
    pub(crate) nonce: Option<Cow<'a, str>>,
    pub(crate) echostr: Option<Cow<'a, str>>,
    pub(crate) encrypt_type: Option<Cow<'a, str>>,
    pub(crate) msg_signature: Option<Cow<'a, str>>,
}

impl<'a> PushQuery<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Result<Self, Rejection> {
        let mut parsed = PushQuery::default();
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match key.as_ref() {
                "signature" => &mut parsed.signature,
                "timestamp" => &mut parsed.timestamp,
                "nonce" => &mut parsed.nonce,
                "echostr" => &mut parsed.echostr,
                "encrypt_type" => &mut parsed.encrypt_type,
                "msg_signature" => &mut parsed.msg_signature,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Rejection::BadRequest(format!(
                    "query parameter {key} appears twice"
                )));
            }
            *slot = Some(value);
        }
        Ok(parsed)
    }
}

/// How the push was sent, which decides how it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// 明文模式: plaintext in, plaintext out.
    Plain,
    /// 兼容模式: plaintext fields plus `Encrypt`; answered encrypted.
    Compat,
    /// 安全模式: only `ToUserName` and `Encrypt`; answered encrypted.
    Safe,
}

impl Mode {
    /// Whether the reply must be the encrypted envelope.
    pub fn encrypted(self) -> bool {
        !matches!(self, Mode::Plain)
    }

    /// A lowercase name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Plain => "plain",
            Mode::Compat => "compat",
            Mode::Safe => "safe",
        }
    }
}

/// Checks the `signature` over (Token, timestamp, nonce) of a request.
pub(crate) fn check_signature(token: &str, query: &PushQuery<'_>) -> Result<(), Rejection> {
    let (Some(signature), Some(timestamp), Some(nonce)) =
        (&query.signature, &query.timestamp, &query.nonce)
    else {
        return Err(Rejection::BadSignature(
            "signature, timestamp and nonce are required in the query".to_owned(),
        ));
    };
    verify_signature(token, timestamp, nonce, signature).map_err(|_| {
        Rejection::BadSignature(
            "signature does not match: the Token differs from the one saved on the platform"
                .to_owned(),
        )
    })
}

/// Refuses a `timestamp` further than `window` from now (`window` zero turns the check off).
pub(crate) fn check_replay(query: &PushQuery<'_>, window: Duration) -> Result<(), Rejection> {
    if window.is_zero() {
        return Ok(());
    }
    let raw = query.timestamp.as_deref().unwrap_or("");
    let timestamp: i64 = raw
        .trim()
        .parse()
        .map_err(|_| Rejection::BadSignature(format!("timestamp {raw:?} is not a number")))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let skew = now.saturating_sub(timestamp).saturating_abs();
    let window_secs = window.as_secs();
    if skew.unsigned_abs() > window_secs {
        return Err(Rejection::Replay {
            timestamp,
            skew,
            window: window_secs,
        });
    }
    Ok(())
}

/// Opens a POST body: plaintext as is, or verified and decrypted in compat and safe mode.
pub(crate) fn open_body(
    crypt: Option<&MsgCrypt>,
    query: &PushQuery<'_>,
    body: &[u8],
) -> Result<(Vec<u8>, Mode), Rejection> {
    let encrypted = match query.encrypt_type.as_deref() {
        None | Some("raw") | Some("") => false,
        Some("aes") => true,
        Some(other) => {
            return Err(Rejection::BadRequest(format!(
                "unknown encrypt_type {other:?} (the platform sends raw or aes)"
            )));
        }
    };
    if !encrypted {
        return Ok((body.to_vec(), Mode::Plain));
    }
    let Some(crypt) = crypt else {
        return Err(Rejection::BadRequest(
            "the push is encrypted (encrypt_type=aes) but no EncodingAESKey is configured for this account"
                .to_owned(),
        ));
    };
    let Some(msg_signature) = query.msg_signature.as_deref() else {
        return Err(Rejection::BadSignature(
            "encrypt_type=aes without msg_signature".to_owned(),
        ));
    };
    let root = xml::parse(body)
        .map_err(|e| Rejection::BadRequest(format!("encrypted push is not valid XML: {e}")))?;
    let mode = if root.child("MsgType").is_some() {
        Mode::Compat
    } else {
        Mode::Safe
    };
    let envelope = PushEnvelope::from_element(root)
        .map_err(|e| Rejection::BadRequest(format!("encrypted push: {e}")))?;
    let timestamp = query.timestamp.as_deref().unwrap_or("");
    let nonce = query.nonce.as_deref().unwrap_or("");
    let plain = crypt
        .decrypt_verified(msg_signature, timestamp, nonce, &envelope.encrypt)
        .map_err(|e| match e {
            CryptoError::ValidateSignature { .. } => Rejection::BadSignature(e.to_string()),
            other => Rejection::BadRequest(other.to_string()),
        })?;
    Ok((plain, mode))
}
