//! The encrypted envelopes of compat and safe mode: the push the platform sends (`ToUserName` and
//! `Encrypt`, plus the plaintext fields in compat mode) and the reply the server answers
//! (`Encrypt`, `MsgSignature`, `TimeStamp`, `Nonce`). Computing their contents is
//! `wxoa-crypto`'s job; this module only reads and writes the XML. A push envelope is read in
//! one place, [`PushEnvelope::scan`], which borrows its values from the body.

use std::borrow::Cow;

use serde::Serialize;

use crate::xml::{self, Limits, Sink, XmlError, write_bare_element, write_cdata_element};

/// Why an envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The body is not acceptable XML.
    #[error("envelope is not valid XML: {0}")]
    Xml(#[from] XmlError),
    /// There is no `Encrypt` element: the push is a plaintext one (plain mode), or the body
    /// was changed on its way.
    #[error(
        "envelope has no <Encrypt> element: the push is plaintext (is the account in plain mode?)"
    )]
    MissingEncrypt,
    /// A reply envelope lacks one of its fields.
    #[error("reply envelope has no <{element}> element")]
    MissingField {
        /// The XML name of the element.
        element: &'static str,
    },
}

/// An encrypted push as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PushEnvelope {
    /// `ToUserName` (`AppId` on open-platform component pushes), when present.
    pub to_user_name: Option<String>,
    /// The Base64 ciphertext, exactly as in the XML.
    pub encrypt: String,
}

impl PushEnvelope {
    /// An envelope for a safe-mode push.
    pub fn new(to_user_name: Option<String>, encrypt: String) -> Self {
        Self {
            to_user_name,
            encrypt,
        }
    }

    /// Reads the envelope of a compat- or safe-mode push, borrowing from the body where it can:
    /// `ToUserName` (or `AppId`), the ciphertext with the whitespace around it trimmed, and
    /// whether the body carries the plaintext fields of compat mode (a `MsgType`). The first of
    /// each of these among the root's children counts; an element with children counts, with
    /// its text.
    pub fn scan(input: &[u8]) -> Result<EnvelopeView<'_>, EnvelopeError> {
        let mut sink = EnvelopeSink::default();
        xml::read(input, Limits::default(), &mut sink)?;
        let encrypt = sink.encrypt.ok_or(EnvelopeError::MissingEncrypt)?;
        Ok(EnvelopeView {
            to_user_name: sink.to_user_name.or(sink.app_id),
            // Base64 never contains whitespace; a pretty-printed envelope may wrap it in some.
            encrypt: match encrypt {
                Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
                Cow::Owned(text) => Cow::Owned(trim_owned(text)),
            },
            compat: sink.msg_type,
        })
    }

    /// Renders a safe-mode push.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + 96);
        out.push_str("<xml>");
        if let Some(to) = &self.to_user_name {
            write_cdata_element(&mut out, "ToUserName", to);
        }
        write_cdata_element(&mut out, "Encrypt", &self.encrypt);
        out.push_str("</xml>");
        out
    }
}

/// An encrypted reply, as the server answers in compat and safe mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReplyEnvelope {
    /// The Base64 ciphertext of the reply XML.
    pub encrypt: String,
    /// `sha1(sort(token, TimeStamp, Nonce, Encrypt))`.
    pub msg_signature: String,
    /// Unix seconds, as text (written bare).
    pub timestamp: String,
    /// The nonce.
    pub nonce: String,
}

impl ReplyEnvelope {
    /// Assembles an envelope from its parts.
    pub fn new(
        encrypt: String,
        msg_signature: String,
        timestamp: impl Into<String>,
        nonce: impl Into<String>,
    ) -> Self {
        Self {
            encrypt,
            msg_signature,
            timestamp: timestamp.into(),
            nonce: nonce.into(),
        }
    }

    /// Renders the envelope exactly as the official samples do: one element per line,
    /// `TimeStamp` bare (capital S), the others as CDATA.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + 160);
        out.push_str("<xml>\n");
        write_cdata_element(&mut out, "Encrypt", &self.encrypt);
        out.push('\n');
        Self::write_tail(&mut out, &self.msg_signature, &self.timestamp, &self.nonce);
        out
    }

    /// The start of an envelope, up to the inside of the `Encrypt` CDATA section. Append the
    /// Base64 ciphertext (which never contains `]]>`), then [`write_tail`](Self::write_tail).
    /// This lets a sealer write the ciphertext straight into the envelope.
    pub const HEAD: &'static str = "<xml>\n<Encrypt><![CDATA[";

    /// Closes the `Encrypt` element opened by [`HEAD`](Self::HEAD) and writes the rest.
    pub fn write_after_encrypt(
        out: &mut String,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
    ) {
        out.push_str("]]></Encrypt>\n");
        Self::write_tail(out, msg_signature, timestamp, nonce);
    }

    fn write_tail(out: &mut String, msg_signature: &str, timestamp: &str, nonce: &str) {
        write_cdata_element(out, "MsgSignature", msg_signature);
        out.push('\n');
        if !timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit()) {
            write_bare_element(out, "TimeStamp", timestamp);
        } else {
            write_cdata_element(out, "TimeStamp", timestamp);
        }
        out.push('\n');
        write_cdata_element(out, "Nonce", nonce);
        out.push_str("\n</xml>");
    }

    /// Reads a reply envelope (what the platform, or the sandbox, does with the answer).
    pub fn from_xml(input: &[u8]) -> Result<Self, EnvelopeError> {
        let mut root = xml::parse(input)?;
        let mut field = |name: &'static str| {
            root.take_child(name)
                .map(|e| trim_owned(e.text))
                .ok_or(EnvelopeError::MissingField { element: name })
        };
        Ok(Self {
            encrypt: field("Encrypt")?,
            msg_signature: field("MsgSignature")?,
            timestamp: field("TimeStamp")?,
            nonce: field("Nonce")?,
        })
    }
}

/// An encrypted push as [`PushEnvelope::scan`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvelopeView<'a> {
    /// `ToUserName` (or `AppId`), when present.
    pub to_user_name: Option<Cow<'a, str>>,
    /// The Base64 ciphertext.
    pub encrypt: Cow<'a, str>,
    /// The body also carries plaintext fields (`MsgType`): compat mode.
    pub compat: bool,
}

impl EnvelopeView<'_> {
    /// The envelope, owning its values.
    pub fn into_owned(self) -> PushEnvelope {
        PushEnvelope {
            to_user_name: self.to_user_name.map(Cow::into_owned),
            encrypt: self.encrypt.into_owned(),
        }
    }
}

/// The first `Encrypt`, `ToUserName`, `AppId` and `MsgType` among the root's children.
#[derive(Default)]
struct EnvelopeSink<'a> {
    depth: usize,
    /// The field open at depth 2, whose text comes at its end.
    current: Option<Field>,
    encrypt: Option<Cow<'a, str>>,
    to_user_name: Option<Cow<'a, str>>,
    app_id: Option<Cow<'a, str>>,
    msg_type: bool,
}

#[derive(Clone, Copy)]
enum Field {
    Encrypt,
    ToUserName,
    AppId,
}

impl<'a> EnvelopeSink<'a> {
    fn slot(&mut self, field: Field) -> &mut Option<Cow<'a, str>> {
        match field {
            Field::Encrypt => &mut self.encrypt,
            Field::ToUserName => &mut self.to_user_name,
            Field::AppId => &mut self.app_id,
        }
    }
}

impl<'a> Sink<'a> for EnvelopeSink<'a> {
    fn start(&mut self, tag: &'a str) {
        self.depth += 1;
        if self.depth != 2 {
            return;
        }
        let field = match tag {
            "Encrypt" => Field::Encrypt,
            "ToUserName" => Field::ToUserName,
            "AppId" => Field::AppId,
            "MsgType" => {
                self.msg_type = true;
                return;
            }
            _ => return,
        };
        if self.slot(field).is_none() {
            self.current = Some(field);
        }
    }

    fn end(&mut self, text: Cow<'a, str>) {
        if self.depth == 2
            && let Some(field) = self.current.take()
        {
            *self.slot(field) = Some(text);
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

fn trim_owned(value: String) -> String {
    let trimmed = value.trim();
    if trimmed.len() == value.len() {
        value
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scans_without_copying_the_ciphertext() {
        let body = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[ abc= ]]></Encrypt></xml>";
        let view = PushEnvelope::scan(body).unwrap();
        assert!(matches!(view.encrypt, Cow::Borrowed("abc=")));
        assert_eq!(view.to_user_name.as_deref(), Some("gh_1"));
        assert!(!view.compat);
        let compat = b"<xml><AppId>wx1</AppId><MsgType>text</MsgType><Encrypt>abc=</Encrypt></xml>";
        let view = PushEnvelope::scan(compat).unwrap();
        assert!(view.compat);
        assert_eq!(view.to_user_name.as_deref(), Some("wx1"));
        assert_eq!(
            PushEnvelope::scan(b"<xml><ToUserName>gh</ToUserName></xml>"),
            Err(EnvelopeError::MissingEncrypt)
        );
    }

    #[test]
    fn the_first_field_among_the_roots_children_counts() {
        let body = b"<xml><G><Encrypt>inner</Encrypt></G><Encrypt><![CDATA[g]]><![CDATA[h]]><i>1</i></Encrypt>\
                     <Encrypt>second</Encrypt><ToUserName>gh</ToUserName><AppId>wx</AppId></xml>";
        let view = PushEnvelope::scan(body).unwrap();
        assert_eq!(view.encrypt, "gh");
        assert_eq!(view.to_user_name.as_deref(), Some("gh"));
        let view = PushEnvelope::scan(b"<xml><Encrypt/><MsgType><a>1</a></MsgType></xml>").unwrap();
        assert_eq!(view.encrypt, "");
        assert!(view.compat);
        assert!(matches!(
            PushEnvelope::scan(b"<xml><Encrypt>a&amp;b</Encrypt><!-- c --></xml>").unwrap().encrypt,
            Cow::Owned(text) if text == "a&b"
        ));
        assert!(matches!(
            PushEnvelope::scan(b"<xml><Encrypt>a&b</Encrypt></xml>"),
            Err(EnvelopeError::Xml(XmlError::Entity { .. }))
        ));
    }

    #[test]
    fn reads_safe_and_compat_pushes() {
        let safe = PushEnvelope::scan(
            b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\n<Encrypt><![CDATA[abc=]]></Encrypt></xml>",
        )
        .unwrap()
        .into_owned();
        assert_eq!(safe.encrypt, "abc=");
        assert_eq!(safe.to_user_name.as_deref(), Some("gh_0123456789ab"));
        let compat = PushEnvelope::scan(
            b"<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType><Content>x</Content><Encrypt>\n abc=\n</Encrypt></xml>",
        )
        .unwrap();
        assert_eq!(compat.encrypt, "abc=");
        assert_eq!(
            PushEnvelope::scan(b"<xml><ToUserName>gh</ToUserName></xml>"),
            Err(EnvelopeError::MissingEncrypt)
        );
    }

    #[test]
    fn reply_envelope_renders_like_the_official_sample() {
        let envelope = ReplyEnvelope::new("E".into(), "S".into(), "1411525903", "461056294");
        assert_eq!(
            envelope.to_xml(),
            "<xml>\n<Encrypt><![CDATA[E]]></Encrypt>\n<MsgSignature><![CDATA[S]]></MsgSignature>\n\
             <TimeStamp>1411525903</TimeStamp>\n<Nonce><![CDATA[461056294]]></Nonce>\n</xml>"
        );
        assert_eq!(
            ReplyEnvelope::from_xml(envelope.to_xml().as_bytes()).unwrap(),
            envelope
        );
        assert_eq!(
            ReplyEnvelope::from_xml(b"<xml><Encrypt>E</Encrypt></xml>"),
            Err(EnvelopeError::MissingField {
                element: "MsgSignature"
            })
        );
    }
}
