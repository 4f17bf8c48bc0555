//! Where tokens come from: the platform (`stable_token` or `cgi-bin/token`) or a central token
//! server.

use std::fmt;

use reqwest::header::HeaderValue;
use serde::{Deserialize, Deserializer};
use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use super::{Token, TokenKind};
use crate::error::{ConfigError, Error, Result};
use crate::request::ApiRequest;
use crate::transport::{Target, Transport, decode, parse_base, shown_body};

/// The longest token or ticket accepted (the platform asks to reserve 512 characters).
const MAX_TOKEN_LEN: usize = 4096;
/// The longest lifetime accepted: the platform's is 7200 s.
const MAX_LIFETIME_S: i64 = 7 * 24 * 3600;

/// Where access tokens (and, through them, tickets) come from.
///
/// ```
/// use wxoa_client::token::{RemoteTokenSource, TokenSource};
///
/// let default = TokenSource::stable();
/// let fleet = TokenSource::remote(RemoteTokenSource::new("http://tokens.internal:8700", Some("X".into()))?);
/// # Ok::<(), wxoa_client::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenSource {
    kind: SourceKind,
}

#[derive(Debug, Clone)]
pub(crate) enum SourceKind {
    Stable,
    Classic,
    Remote(RemoteTokenSource),
}

impl Default for TokenSource {
    fn default() -> Self {
        Self::stable()
    }
}

impl TokenSource {
    /// `POST /cgi-bin/stable_token` (normal mode): every caller gets the same token while it is
    /// valid, and fetching does not invalidate tokens held by other parties. The default.
    #[must_use]
    pub fn stable() -> Self {
        Self {
            kind: SourceKind::Stable,
        }
    }

    /// `GET /cgi-bin/token`: each fetch issues a new token and invalidates the previous one five
    /// minutes later, whoever holds it. Every process of the account must then share one store.
    #[must_use]
    pub fn classic() -> Self {
        Self {
            kind: SourceKind::Classic,
        }
    }

    /// A central token server (`wxoa token-server`, CONTRACT §5): the process never talks to the
    /// platform's token endpoints and needs no AppSecret.
    #[must_use]
    pub fn remote(server: RemoteTokenSource) -> Self {
        Self {
            kind: SourceKind::Remote(server),
        }
    }

    /// Whether fetching needs the account's AppSecret.
    #[must_use]
    pub fn needs_secret(&self) -> bool {
        !matches!(self.kind, SourceKind::Remote(_))
    }

    pub(crate) fn kind(&self) -> &SourceKind {
        &self.kind
    }

    /// A name for logs.
    pub(crate) fn name(&self) -> &'static str {
        match self.kind {
            SourceKind::Stable => "stable_token",
            SourceKind::Classic => "cgi-bin/token",
            SourceKind::Remote(_) => "token server",
        }
    }

    /// Whether the source can force a refresh of the access token: `stable_token` can.
    pub(crate) fn can_force(&self) -> bool {
        matches!(self.kind, SourceKind::Stable)
    }

    /// Fetches an access token from the platform (`stable_token` or `cgi-bin/token`);
    /// `force` asks `stable_token` for a forced refresh, which ends the current token at once
    /// (the platform allows 20 a day, at least 30 s apart).
    pub(crate) async fn platform_access_token(
        &self,
        transport: &Transport,
        app_id: &AppId,
        secret: &Secret,
        force: bool,
    ) -> Result<Token> {
        let req = match self.kind {
            SourceKind::Classic => ApiRequest::get("/cgi-bin/token")
                .query("grant_type", "client_credential")
                .query("appid", app_id.as_str())
                .query("secret", secret.expose()),
            // In normal mode stable_token answers the same token to every caller: retrying it
            // is as safe as a read. A forced refresh repeated within 30 s refreshes nothing
            // and answers the token the first one made: safe to retry too.
            _ => ApiRequest::post("/cgi-bin/stable_token")
                .json(&serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": app_id.as_str(),
                    "secret": secret.expose(),
                    "force_refresh": force && self.can_force(),
                }))?
                .idempotent(true),
        }
        .without_token();
        let body = transport.call(Target::Platform, &req, None).await?;
        TokenResponse::decode(req.path(), TokenKind::AccessToken, &body)
    }
}

/// A central token server (CONTRACT §5): `GET /token`, `POST /token/invalidate`,
/// `GET /ticket/jsapi`, `GET /ticket/wx_card`, each with `Authorization: Bearer X` and the
/// AppID as the `appid` query parameter.
#[derive(Clone)]
pub struct RemoteTokenSource {
    base: String,
    authorization: Option<HeaderValue>,
}

impl RemoteTokenSource {
    /// The server at `url` (`http://host:port`, optionally with a path prefix), authenticated
    /// with the Bearer token `auth`.
    pub fn new(url: &str, auth: Option<Secret>) -> Result<Self> {
        let base = parse_base(url, true)?;
        let authorization = auth
            .map(|auth| {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", auth.expose()))
                    .map_err(|_| ConfigError::TokenServerAuth)?;
                value.set_sensitive(true);
                Ok::<_, Error>(value)
            })
            .transpose()?;
        Ok(Self {
            base,
            authorization,
        })
    }

    /// The server's base URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Fetches the current token of `kind`; for an access token that failed (`rejected`), asks
    /// the server to replace it first (`POST /token/invalidate`, which replaces it once however
    /// many callers report it).
    pub(crate) async fn fetch(
        &self,
        transport: &Transport,
        app_id: &AppId,
        kind: TokenKind,
        rejected: Option<&Token>,
    ) -> Result<Token> {
        let req = match (kind.ticket_type(), rejected) {
            (Some(ticket), _) => ApiRequest::get(format!("/ticket/{ticket}")),
            (None, Some(failed)) => ApiRequest::post("/token/invalidate")
                .json(&serde_json::json!({ "access_token": failed.expose() }))?
                .idempotent(true),
            (None, None) => ApiRequest::get("/token"),
        }
        .query("appid", app_id.as_str())
        .without_token();
        let target = Target::Fixed {
            base: &self.base,
            authorization: self.authorization.as_ref(),
        };
        let body = transport.call(target, &req, None).await?;
        TokenResponse::decode(req.path(), kind, &body)
    }
}

impl fmt::Debug for RemoteTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteTokenSource")
            .field("url", &self.base)
            .field("auth", &self.authorization.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The answer of every token and ticket endpoint, the platform's (`expires_in`) and the token
/// server's (`expires_at`).
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    expires_in: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    expires_at: Option<i64>,
}

fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    wxoa_types::i64_from_number_or_string(d).map(Some)
}

impl TokenResponse {
    /// The token of `kind` in `body`, checked: present, bounded, with a sensible lifetime.
    pub(crate) fn decode(path: &str, kind: TokenKind, body: &[u8]) -> Result<Token> {
        let answer: TokenResponse = decode(path, body)?;
        let invalid = |field: &str, what: &str| Error::Decode {
            path: path.to_owned(),
            field: field.to_owned(),
            body: shown_body(body, 4096),
            source: <serde_json::Error as serde::de::Error>::custom(what),
        };
        let (field, value) = match kind {
            TokenKind::AccessToken => ("access_token", answer.access_token),
            _ => ("ticket", answer.ticket),
        };
        let value = value
            .filter(|v| !v.is_empty() && v.len() <= MAX_TOKEN_LEN)
            .ok_or_else(|| invalid(field, "missing, empty or over 4096 bytes"))?;
        let now = super::now_ms();
        let expires_at_ms = match (answer.expires_at, answer.expires_in) {
            (Some(at), _) => u64::try_from(at)
                .ok()
                .map(|at| at.saturating_mul(1000))
                .filter(|&at| at > now && at - now <= MAX_LIFETIME_S as u64 * 1000)
                .ok_or_else(|| invalid("expires_at", "not a time within the next week"))?,
            (None, Some(secs)) if (1..=MAX_LIFETIME_S).contains(&secs) => now + secs as u64 * 1000,
            (None, _) => return Err(invalid("expires_in", "missing or not 1 s to a week")),
        };
        Ok(Token::new(value, now, expires_at_ms))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn platform_answers() {
        let token = TokenResponse::decode(
            "/cgi-bin/stable_token",
            TokenKind::AccessToken,
            br#"{"access_token":"ACCESS","expires_in":7200}"#,
        )
        .unwrap();
        assert_eq!(token.expose(), "ACCESS");
        assert_eq!(token.lifetime_ms(), 7_200_000);
        let ticket = TokenResponse::decode(
            "/cgi-bin/ticket/getticket",
            TokenKind::JsapiTicket,
            br#"{"errcode":0,"errmsg":"ok","ticket":"bxLdik","expires_in":"7200"}"#,
        )
        .unwrap();
        assert_eq!(ticket.expose(), "bxLdik");
    }

    #[test]
    fn token_server_answers() {
        let at = super::super::now_ms() / 1000 + 3600;
        let body = format!(r#"{{"access_token":"T","expires_at":{at}}}"#);
        let token =
            TokenResponse::decode("/token", TokenKind::AccessToken, body.as_bytes()).unwrap();
        assert_eq!(token.expires_at_ms(), at * 1000);
    }

    #[test]
    fn bad_answers_name_the_field_and_hide_the_value() {
        let cases: [(&[u8], &str); 4] = [
            (br#"{"expires_in":7200}"#, "access_token"),
            (br#"{"access_token":"","expires_in":7200}"#, "access_token"),
            (
                br#"{"access_token":"SECRETVALUE","expires_in":0}"#,
                "expires_in",
            ),
            (
                br#"{"access_token":"SECRETVALUE","expires_at":1}"#,
                "expires_at",
            ),
        ];
        for (body, expected) in cases {
            let Err(Error::Decode { field, body, .. }) =
                TokenResponse::decode("/token", TokenKind::AccessToken, body)
            else {
                panic!("expected a decode error");
            };
            assert_eq!(field, expected);
            assert!(!body.contains("SECRETVALUE"), "{body}");
        }
        let Err(Error::Decode { field, .. }) = TokenResponse::decode(
            "/ticket/jsapi",
            TokenKind::JsapiTicket,
            br#"{"access_token":"T","expires_in":7200}"#,
        ) else {
            panic!("expected a decode error");
        };
        assert_eq!(field, "ticket");
    }

    #[test]
    fn remote_source_validates_its_configuration() {
        assert!(RemoteTokenSource::new("ftp://x", None).is_err());
        assert!(RemoteTokenSource::new("http://127.0.0.1:1", Some("a\nb".into())).is_err());
        let source = RemoteTokenSource::new("http://127.0.0.1:1/", Some("X".into())).unwrap();
        assert_eq!(source.url(), "http://127.0.0.1:1");
        assert!(!format!("{source:?}").contains('X'));
    }
}
