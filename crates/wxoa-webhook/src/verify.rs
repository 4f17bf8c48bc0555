//! The checks of a request before any handler sees it: the GET handshake, the `signature` of
//! every POST, the replay window, and opening the body in plain, compat or safe mode.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::borrow::Cow;

use wxoa_crypto::{CryptoError, MsgCrypt, verify_signature};
use wxoa_types::envelope::{EnvelopeError, PushEnvelope};

use crate::rejection::{Rejection, RequestError, SignatureError};

/// The query string the platform puts on every request to the account's URL, decoded as a
/// form (`+` is a space, `%XX` a byte). Values borrow from the URI where they need no decoding,
/// as the platform's never do. This is the one query parser of the webhook.
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
        let raw = query.unwrap_or("");
        let ends = memchr::memchr_iter(b'&', raw.as_bytes()).chain(std::iter::once(raw.len()));
        let mut start = 0;
        for end in ends {
            let piece = raw.get(start..end).unwrap_or("");
            start = end + 1;
            let Some((key, value)) = pair(piece) else {
                continue;
            };
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
                return Err(RequestError::RepeatedParameter {
                    name: key.into_owned(),
                }
                .into());
            }
            *slot = Some(value);
        }
        Ok(parsed)
    }
}

/// One `key=value` of a query string (a piece without `=` is a key with an empty value).
fn pair(raw: &str) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
    if raw.is_empty() {
        return None;
    }
    // `=` is ASCII: both sides of it are on character boundaries.
    let (key, value) = match memchr::memchr(b'=', raw.as_bytes()) {
        Some(at) => (raw.get(..at)?, raw.get(at + 1..)?),
        None => (raw, ""),
    };
    // The platform's pairs need no decoding: one search tells, and both halves are borrowed.
    if memchr::memchr2(b'%', b'+', raw.as_bytes()).is_none() {
        return Some((Cow::Borrowed(key), Cow::Borrowed(value)));
    }
    Some((form_decode(key), form_decode(value)))
}

/// Decodes a query value as a form does: `+` is a space, `%XX` is a byte (a `%` without two hex
/// digits stays as it is), and bytes that are not UTF-8 become U+FFFD.
fn form_decode(raw: &str) -> Cow<'_, str> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        let escaped = match (b, bytes.get(at + 1..at + 3)) {
            (b'%', Some(&[high, low])) => hex(high).zip(hex(low)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match (b, escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                at += 1;
            }
            _ => {
                out.push(b);
                at += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
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
        return Err(SignatureError::Missing.into());
    };
    verify_signature(token, timestamp, nonce, signature)
        .map_err(|_| SignatureError::Mismatch.into())
}

/// Refuses a `timestamp` further than `window` from now (`window` zero turns the check off).
/// Gives the wall clock it read (in seconds), if it read one.
pub(crate) fn check_replay(
    query: &PushQuery<'_>,
    window: Duration,
) -> Result<Option<i64>, Rejection> {
    if window.is_zero() {
        return Ok(None);
    }
    let raw = query.timestamp.as_deref().unwrap_or("");
    let timestamp: i64 = raw
        .trim()
        .parse()
        .map_err(|source| SignatureError::Timestamp {
            timestamp: raw.to_owned(),
            source,
        })?;
    let now = now();
    let skew = now.saturating_sub(timestamp).saturating_abs();
    let window_secs = window.as_secs();
    if skew.unsigned_abs() > window_secs {
        return Err(Rejection::Replay {
            timestamp,
            skew,
            window: window_secs,
        });
    }
    Ok(Some(now))
}

/// The wall clock in whole seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Opens a POST body: plaintext as is, or verified and decrypted in compat and safe mode.
///
/// An account with an EncodingAESKey (`crypt`) takes a plaintext push only when
/// `allow_plain`: the signature of a plaintext push does not cover its body, so it could be
/// forged from any query string the platform once sent, even one of a safe-mode push.
pub(crate) fn open_body(
    crypt: Option<&MsgCrypt>,
    allow_plain: bool,
    query: &PushQuery<'_>,
    body: &[u8],
) -> Result<(Vec<u8>, Mode), Rejection> {
    let encrypted = match query.encrypt_type.as_deref() {
        None | Some("raw") | Some("") => false,
        Some("aes") => true,
        Some(other) => {
            return Err(RequestError::UnknownEncryptType {
                value: other.to_owned(),
            }
            .into());
        }
    };
    if !encrypted {
        if crypt.is_some() && !allow_plain {
            return Err(Rejection::PlainRefused);
        }
        return Ok((body.to_vec(), Mode::Plain));
    }
    let Some(crypt) = crypt else {
        return Err(RequestError::NoAesKey.into());
    };
    let Some(msg_signature) = query.msg_signature.as_deref() else {
        return Err(SignatureError::NoMsgSignature.into());
    };
    let envelope = PushEnvelope::scan(body).map_err(|e| match e {
        EnvelopeError::Xml(e) => RequestError::EnvelopeXml(e),
        other => RequestError::Envelope(other),
    })?;
    let mode = if envelope.compat {
        Mode::Compat
    } else {
        Mode::Safe
    };
    let timestamp = query.timestamp.as_deref().unwrap_or("");
    let nonce = query.nonce.as_deref().unwrap_or("");
    let plain = crypt
        .decrypt_verified(msg_signature, timestamp, nonce, &envelope.encrypt)
        .map_err(|e| match e {
            CryptoError::ValidateSignature { .. } => SignatureError::Envelope(e).into(),
            other => Rejection::from(RequestError::Decrypt(other)),
        })?;
    Ok((plain, mode))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_platform_query_without_copying() {
        let query = PushQuery::parse(Some(
            "signature=abc&timestamp=1409304348&nonce=xxxxxx&openid=o1&encrypt_type=aes&msg_signature=def",
        ))
        .unwrap();
        assert!(matches!(query.signature, Some(Cow::Borrowed("abc"))));
        assert_eq!(query.timestamp.as_deref(), Some("1409304348"));
        assert_eq!(query.encrypt_type.as_deref(), Some("aes"));
        assert_eq!(query.msg_signature.as_deref(), Some("def"));
        assert_eq!(query.echostr, None);
        let encoded = PushQuery::parse(Some("echostr=a%2Bb+c&nonce&&timestamp=")).unwrap();
        assert_eq!(encoded.echostr.as_deref(), Some("a+b c"));
        assert_eq!(encoded.nonce.as_deref(), Some(""));
        assert_eq!(encoded.timestamp.as_deref(), Some(""));
        assert!(PushQuery::parse(Some("nonce=1&nonce=2")).is_err());
        assert!(PushQuery::parse(Some("nonce=1&non%63e=2")).is_err());
    }

    proptest::proptest! {
        /// Decoding follows the form rules, checked against the reference implementation.
        #[test]
        fn decodes_as_a_form_does(raw in "(nonce|non%63e|=|&|\\+|%2B|%|%e4%b8|%zz|%4|a|1|\u{4e2d}){0,12}") {
            let ours: Vec<_> = raw.split('&').filter_map(pair).collect();
            let form: Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
            proptest::prop_assert_eq!(ours, form);
        }
    }
}
