//! What goes on the wire and comes back: the URL of a call (the token last), the API bases
//! checked, the `errcode` probe, errors that keep the status and a redacted body, and decoding
//! that keeps the failing field's path without quoting a secret.

use std::borrow::Cow;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use wxoa_types::errcode::ErrCode;

use super::{MAX_BODY, MAX_ERROR_BODY, Target};
use crate::error::{BaseProblem, ConfigError, Error, Result};
use crate::redact::redact;
use crate::request::ApiRequest;

/// The `Content-Type` of an answer, empty when absent or not text.
pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether an answer may be the platform's JSON: the platform sends its errors from file
/// endpoints as `application/json` or `text/plain`, sometimes with no type at all.
pub(crate) fn is_textual(headers: &HeaderMap) -> bool {
    let content_type = content_type(headers).trim().to_ascii_lowercase();
    content_type.is_empty()
        || content_type.starts_with("application/json")
        || content_type.starts_with("text/")
}

/// A base URL checked and normalised: `http` or `https`, a host, no credentials, query or
/// fragment, no trailing `/` (a path prefix is kept); refused naming it, its password masked.
pub(crate) fn parse_base(
    base: &str,
    token_server: bool,
) -> std::result::Result<String, ConfigError> {
    let refused = |problem| ConfigError::Base {
        base: wxoa_types::secret::mask_url_password(base).into_owned(),
        token_server,
        problem,
    };
    let parsed = url::Url::parse(base.trim()).map_err(|e| refused(BaseProblem::NotUrl(e)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(refused(BaseProblem::Scheme));
    }
    if parsed.host().is_none() {
        return Err(refused(BaseProblem::NoHost));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused(BaseProblem::Credentials));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(refused(BaseProblem::QueryOrFragment));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// `{base}{path}?{query}&access_token={token}`.
pub(crate) fn url(base: &str, req: &ApiRequest, token: Option<&str>) -> String {
    let mut url = String::with_capacity(base.len() + req.path.len() + 256);
    url.push_str(base);
    url.push_str(&req.path);
    if req.query.is_empty() && token.is_none() {
        return url;
    }
    url.push('?');
    let start = url.len();
    let mut query = url::form_urlencoded::Serializer::for_suffix(url, start);
    for (k, v) in &req.query {
        query.append_pair(k, v);
    }
    if let Some(token) = token {
        query.append_pair("access_token", token);
    }
    query.finish()
}

/// The `errcode` and `errmsg` of a JSON object body, when it has an `errcode`.
pub(crate) fn errcode(body: &[u8]) -> Option<(ErrCode, String)> {
    // A large answer (a page of profiles) has no errcode: without the key anywhere, and no
    // escape that could spell it, there is nothing to parse.
    if memchr::memmem::find(body, b"errcode").is_none() && memchr::memchr(b'\\', body).is_none() {
        return None;
    }
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(default)]
        errcode: Option<ErrCode>,
        #[serde(default, borrow)]
        errmsg: Option<Cow<'a, str>>,
    }
    let probe: Probe<'_> = serde_json::from_slice(body).ok()?;
    Some((
        probe.errcode?,
        probe.errmsg.unwrap_or_default().into_owned(),
    ))
}

pub(crate) fn transport_error(
    req: &ApiRequest,
    attempts: u32,
    may_have_reached_platform: bool,
    source: reqwest::Error,
) -> Error {
    Error::Transport {
        path: req.path.clone(),
        attempts,
        may_have_reached_platform,
        source,
    }
}

pub(crate) fn status_error(
    target: Target<'_>,
    req: &ApiRequest,
    status: StatusCode,
    body: &[u8],
) -> Error {
    let body = shown_body(body, MAX_ERROR_BODY);
    match target {
        Target::Platform | Target::Host(_) => Error::Http {
            path: req.path.clone(),
            status: status.as_u16(),
            body,
        },
        Target::Fixed { .. } => Error::TokenServer {
            status: status.as_u16(),
            message: if body.is_empty() {
                status.canonical_reason().unwrap_or("no reason").to_owned()
            } else {
                body
            },
        },
    }
}

/// A body for an error message: lossy UTF-8, redacted, at most `limit` bytes.
pub(crate) fn shown_body(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut shown = redact(&text).into_owned();
    if shown.len() > limit {
        let mut cut = limit;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push('…');
    }
    shown
}

/// Decodes a successful answer, keeping the raw body and the failing field on error.
pub(crate) fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T> {
    decode_borrowed(path, body)
}

/// [`decode`] into a value that may borrow from `body`.
pub(crate) fn decode_borrowed<'a, T: Deserialize<'a>>(path: &str, body: &'a [u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|_| decode_error::<T>(path, body))
}

/// Why `body` is not a `T`: the same decoding again, tracking the path to the failing field.
fn decode_error<'a, T: Deserialize<'a>>(path: &str, body: &'a [u8]) -> Error {
    let failed = |field: String, source: serde_json::Error| Error::Decode {
        path: path.to_owned(),
        field,
        body: shown_body(body, MAX_BODY),
        source,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let field = e.path().to_string();
            let source = e.into_inner();
            // serde_json quotes the offending value ("invalid type: string \"…\""): not for a
            // secret field.
            let source = if is_secret_field(&field) {
                <serde_json::Error as serde::de::Error>::custom(format!(
                    "invalid value at line {} column {} (not shown: the field is secret)",
                    source.line(),
                    source.column()
                ))
            } else {
                source
            };
            failed(field, source)
        }
        Ok(_) => match de.end() {
            Err(e) => failed(".".to_owned(), e),
            // Decoding is deterministic: what failed once fails again.
            Ok(()) => failed(
                ".".to_owned(),
                <serde_json::Error as serde::de::Error>::custom("the answer could not be decoded"),
            ),
        },
    }
}

/// Whether a field path (`a.b[0].access_token`) names a secret anywhere along it.
pub(crate) fn is_secret_field(field: &str) -> bool {
    field
        .split(['.', '['])
        .any(|segment| crate::redact::is_sensitive_key(segment.trim_end_matches(']')))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn url_has_the_token_last_and_encodes_values() {
        let req = ApiRequest::get("/cgi-bin/user/info").query("openid", "o 1&x");
        assert_eq!(
            url("http://h", &req, Some("T/+")),
            "http://h/cgi-bin/user/info?openid=o+1%26x&access_token=T%2F%2B"
        );
        assert_eq!(url("http://h", &ApiRequest::get("/a"), None), "http://h/a");
    }

    #[test]
    fn bases_are_checked_and_normalised() {
        assert_eq!(
            parse_base("https://api.weixin.qq.com/", false).unwrap(),
            "https://api.weixin.qq.com"
        );
        assert_eq!(
            parse_base(" http://127.0.0.1:8080/sandbox/ ", false).unwrap(),
            "http://127.0.0.1:8080/sandbox"
        );
        for (bad, problem) in [
            (
                "api.weixin.qq.com",
                BaseProblem::NotUrl(url::ParseError::RelativeUrlWithoutBase),
            ),
            ("ftp://x", BaseProblem::Scheme),
            ("http://u:p@x", BaseProblem::Credentials),
            ("http://x/?a=1", BaseProblem::QueryOrFragment),
            ("http://x/#f", BaseProblem::QueryOrFragment),
            (
                "",
                BaseProblem::NotUrl(url::ParseError::RelativeUrlWithoutBase),
            ),
        ] {
            match parse_base(bad, false) {
                Err(ConfigError::Base { problem: found, .. }) => {
                    assert_eq!(found, problem, "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        let refused = parse_base("http://u:hunter2@x", true)
            .unwrap_err()
            .to_string();
        assert!(refused.starts_with("token server: "), "{refused}");
        assert!(!refused.contains("hunter2"), "{refused}");
    }

    #[test]
    fn errcode_probe_skips_answers_without_the_key_but_not_escaped_ones() {
        assert_eq!(errcode(br#"{"user_info_list":[{"openid":"o1"}]}"#), None);
        assert_eq!(
            errcode(br#"{"err\u0063ode":40001,"errmsg":"x"}"#)
                .unwrap()
                .0,
            ErrCode::InvalidCredential
        );
        assert_eq!(errcode(br#"{"remark":"errcode"}"#), None);
    }

    #[test]
    fn errcode_probe() {
        assert_eq!(
            errcode(br#"{"errcode":40001,"errmsg":"invalid credential"}"#).unwrap(),
            (ErrCode::InvalidCredential, "invalid credential".to_owned())
        );
        assert_eq!(
            errcode(br#"{"errcode":"-1"}"#).unwrap(),
            (ErrCode::SystemBusy, String::new())
        );
        assert!(errcode(br#"{"ip_list":["1.2.3.4"]}"#).is_none());
        assert!(errcode(b"[1,2]").is_none());
        assert!(errcode(b"<html>").is_none());
        assert!(
            errcode(br#"{"errcode":0,"errmsg":"ok"}"#)
                .unwrap()
                .0
                .is_ok()
        );
    }

    #[test]
    fn decode_keeps_the_field_path_and_the_body() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            ip_list: Vec<std::net::IpAddr>,
        }
        let body = br#"{"ip_list":["1.2.3.4","nope"],"access_token":"T"}"#;
        let Err(Error::Decode {
            path, field, body, ..
        }) = decode::<Answer>("/cgi-bin/getcallbackip", body)
        else {
            panic!("expected a decode error");
        };
        assert_eq!(path, "/cgi-bin/getcallbackip");
        assert_eq!(field, "ip_list[1]");
        assert_eq!(
            body,
            r#"{"ip_list":["1.2.3.4","nope"],"access_token":"***"}"#
        );
        assert!(matches!(
            decode::<serde_json::Value>("/x", b"{} x"),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn decode_errors_never_quote_a_secret_value() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            ticket: u64,
        }
        let Err(Error::Decode { field, source, .. }) =
            decode::<Answer>("/x", br#"{"ticket":"TICKETVALUE"}"#)
        else {
            panic!("expected a decode error");
        };
        assert_eq!(field, "ticket");
        assert!(!format!("{source} {source:?}").contains("TICKETVALUE"));
        assert!(is_secret_field("data[0].refresh_token") && !is_secret_field("ip_list[1]"));
    }

    #[test]
    fn shown_bodies_are_cut_on_char_boundaries() {
        let body = "值".repeat(10);
        let shown = shown_body(body.as_bytes(), 4);
        assert_eq!(shown, "值…");
    }
}
