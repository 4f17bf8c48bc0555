//! Helpers for testing a bot without a socket: build requests signed (and encrypted) exactly as
//! the platform sends them, drive the [`Router`](axum::Router) with `oneshot`, and read the
//! answer back as the platform would.
//!
//! ```
//! # tokio_test();
//! # fn tokio_test() {
//! use tower::ServiceExt;
//! use wxoa_types::inbound::{MessageKind, Text};
//! use wxoa_webhook::testing::{Platform, text_push};
//! use wxoa_webhook::{Account, Bot, Ctx, Mode, Webhook};
//!
//! let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
//! let bot = Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
//!     text.content
//! });
//! let webhook = Webhook::builder()
//!     .account(Account::new("wx0123456789abcdef", "token", bot).aes_key(key).unwrap())
//!     .build()
//!     .unwrap();
//! let platform = Platform::new("wx0123456789abcdef", "token", Some(key)).unwrap();
//! let request = platform.push(Mode::Safe, &text_push("oUser", "hello", 1));
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let response = runtime.block_on(webhook.router().oneshot(request)).unwrap();
//! let body = runtime.block_on(wxoa_webhook::testing::body_bytes(response)).unwrap();
//! let reply = platform.read_reply(Mode::Safe, &body).unwrap().unwrap();
//! assert_eq!(reply.body, wxoa_types::reply::ReplyBody::text("hello"));
//! # }
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request};
use bytes::Bytes;
use http_body_util::BodyExt;
use wxoa_crypto::{CryptoError, MsgCrypt, msg_signature, random_nonce, signature};
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::reply::{NO_REPLY, Reply};
use wxoa_types::xml::write_cdata_element;

use crate::verify::Mode;

/// Plays the platform's side for one account: signs, encrypts, and reads answers.
#[derive(Debug, Clone)]
pub struct Platform {
    token: String,
    crypt: Option<MsgCrypt>,
    path: String,
}

impl Platform {
    /// The platform's view of an account (`aes_key` for compat and safe mode).
    pub fn new(app_id: &str, token: &str, aes_key: Option<&str>) -> Result<Self, CryptoError> {
        let crypt = aes_key
            .map(|key| MsgCrypt::new(token, key, app_id))
            .transpose()?;
        Ok(Self {
            token: token.to_owned(),
            crypt,
            path: "/wechat".to_owned(),
        })
    }

    /// Sends to this path instead of `/wechat`.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The GET handshake with `echostr`.
    pub fn handshake(&self, echostr: &str) -> Request<Body> {
        let (timestamp, nonce) = (now().to_string(), random_nonce());
        let sig = signature(&self.token, &timestamp, &nonce);
        let query = serde_urlencoded::to_string([
            ("signature", sig.as_str()),
            ("echostr", echostr),
            ("timestamp", &timestamp),
            ("nonce", &nonce),
        ])
        .unwrap_or_default();
        request(Method::GET, format!("{}?{query}", self.path), Body::empty())
    }

    /// A push of `xml` in `mode`, stamped now.
    pub fn push(&self, mode: Mode, xml: &str) -> Request<Body> {
        self.push_at(mode, xml, &now().to_string(), &random_nonce())
    }

    /// A push of `xml` in `mode` with this timestamp and nonce.
    pub fn push_at(&self, mode: Mode, xml: &str, timestamp: &str, nonce: &str) -> Request<Body> {
        let (query, body) = self.sign(mode, xml, timestamp, nonce);
        request(
            Method::POST,
            format!("{}?{query}", self.path),
            Body::from(body),
        )
    }

    /// The query string and body of a push, as the platform builds them.
    pub fn sign(&self, mode: Mode, xml: &str, timestamp: &str, nonce: &str) -> (String, String) {
        let sig = signature(&self.token, timestamp, nonce);
        let openid = wxoa_types::xml::parse(xml.as_bytes())
            .ok()
            .and_then(|root| root.child_text("FromUserName").map(str::to_owned))
            .unwrap_or_default();
        let mut pairs = vec![
            ("signature", sig.as_str().to_owned()),
            ("timestamp", timestamp.to_owned()),
            ("nonce", nonce.to_owned()),
            ("openid", openid),
        ];
        let body = match (mode, &self.crypt) {
            (Mode::Plain, _) | (_, None) => xml.to_owned(),
            (_, Some(crypt)) => {
                let encrypt = crypt.encrypt(xml.as_bytes()).unwrap_or_default();
                let msg_sig = msg_signature(&self.token, timestamp, nonce, &encrypt);
                pairs.push(("encrypt_type", "aes".to_owned()));
                pairs.push(("msg_signature", msg_sig.as_str().to_owned()));
                let to = wxoa_types::xml::parse(xml.as_bytes())
                    .ok()
                    .and_then(|root| root.child_text("ToUserName").map(str::to_owned));
                if mode == Mode::Compat {
                    // The plaintext message with its own ciphertext added.
                    let mut element = String::new();
                    write_cdata_element(&mut element, "Encrypt", &encrypt);
                    match xml.rfind("</xml>") {
                        Some(at) => format!("{}{element}{}", &xml[..at], &xml[at..]),
                        None => xml.to_owned(),
                    }
                } else {
                    PushEnvelope::new(to, encrypt).to_xml()
                }
            }
        };
        (serde_urlencoded::to_string(pairs).unwrap_or_default(), body)
    }

    /// Reads an answer as the platform does: `None` for `success` or an empty body; in compat
    /// and safe mode the envelope's signature is verified and it is decrypted.
    pub fn read_reply(&self, mode: Mode, body: &[u8]) -> Result<Option<Reply>, String> {
        if body.is_empty() || body == NO_REPLY.as_bytes() {
            return Ok(None);
        }
        let xml = match (mode, &self.crypt) {
            (Mode::Plain, _) | (_, None) => body.to_vec(),
            (_, Some(crypt)) => {
                let envelope = ReplyEnvelope::from_xml(body).map_err(|e| e.to_string())?;
                crypt.open_reply(&envelope).map_err(|e| e.to_string())?
            }
        };
        Reply::from_xml(&xml).map(Some).map_err(|e| e.to_string())
    }
}

/// Collects a response body.
pub async fn body_bytes(response: axum::response::Response) -> Result<Bytes, axum::Error> {
    Ok(response.into_body().collect().await?.to_bytes())
}

/// A text message from `openid`.
pub fn text_push(openid: &str, content: &str, msg_id: u64) -> String {
    let mut xml = String::from("<xml>");
    write_cdata_element(&mut xml, "ToUserName", "gh_0123456789ab");
    write_cdata_element(&mut xml, "FromUserName", openid);
    xml.push_str(&format!("<CreateTime>{}</CreateTime>", now()));
    write_cdata_element(&mut xml, "MsgType", "text");
    write_cdata_element(&mut xml, "Content", content);
    xml.push_str(&format!("<MsgId>{msg_id}</MsgId></xml>"));
    xml
}

/// An event from `openid`, with an optional `EventKey`.
pub fn event_push(openid: &str, event: &str, event_key: Option<&str>, create_time: i64) -> String {
    let mut xml = String::from("<xml>");
    write_cdata_element(&mut xml, "ToUserName", "gh_0123456789ab");
    write_cdata_element(&mut xml, "FromUserName", openid);
    xml.push_str(&format!("<CreateTime>{create_time}</CreateTime>"));
    write_cdata_element(&mut xml, "MsgType", "event");
    write_cdata_element(&mut xml, "Event", event);
    if let Some(key) = event_key {
        write_cdata_element(&mut xml, "EventKey", key);
    }
    xml.push_str("</xml>");
    xml
}

fn request(method: Method, uri: String, body: Body) -> Request<Body> {
    let mut request = Request::new(body);
    *request.method_mut() = method;
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    request
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
