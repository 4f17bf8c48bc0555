//! Inbound pushes: every normal message and event the platform sends to the account's server.
//!
//! [`Inbound::from_xml`] reads the plaintext XML of a push (after decryption, in compat or safe
//! mode) into a typed value. Nothing the platform may add breaks it:
//!
//! - an unknown `MsgType` is [`Body::Unknown`] and an unknown `Event` is [`Event::Unknown`], with
//!   every field kept in [`Inbound::extra`];
//! - fields a known type does not model are kept in [`Inbound::extra`] too;
//! - event names match without regard to case (the original spelling stays in
//!   [`Inbound::event`]); `MsgId` and `MsgID` are both read, as `u64`; CDATA and bare values are
//!   both accepted; a `CreateTime` in milliseconds is read as seconds.
//!
//! ```
//! use wxoa_types::inbound::{Body, Inbound, Message};
//!
//! let xml = "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
//!            <FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime>\
//!            <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
//!            <MsgId>24000000000000001</MsgId></xml>";
//! let push = Inbound::from_xml(xml.as_bytes()).unwrap();
//! match &push.body {
//!     Body::Message(Message::Text(text)) => assert_eq!(text.content, "hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(push.msg_id.map(|id| id.0), Some(24000000000000001));
//! ```

mod account_events;
mod card_events;
mod event;
mod fields;
mod header;
mod kind;
mod message;

pub use account_events::*;
pub use card_events::*;
pub use event::*;
pub use fields::{FromField, Items, Repeated, Word};
pub use message::*;

use serde::Serialize;

use crate::ids::{MsgId, OpenId};
use crate::xml::{Element, Fields, XmlError};

use self::header::{Field, HeaderFields};

/// Why a push could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InboundError {
    /// The body is not acceptable XML.
    #[error("push is not valid XML: {0}")]
    Xml(#[from] XmlError),
    /// A field the message type requires is absent.
    #[error("push is missing the field <{field}>")]
    MissingField {
        /// The XML name of the field.
        field: &'static str,
    },
    /// A field's value does not have the expected form.
    #[error("push field <{field}> has the value {value:?}, expected {expected}")]
    InvalidField {
        /// The XML name of the field.
        field: &'static str,
        /// The value found (at most 64 characters of it).
        value: String,
        /// What was expected.
        expected: Expected,
    },
    /// The document is an encrypted envelope (only `ToUserName` and `Encrypt`): it must be
    /// decrypted first, which means the server is configured for plain mode while the platform
    /// sends in safe mode.
    #[error("push is an encrypted envelope: decrypt it first (the account is in safe mode)")]
    Encrypted,
}

/// The form a push field's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A whole number of any sign.
    Integer,
    /// A whole number of zero or more.
    UnsignedInteger,
    /// Any number.
    Number,
    /// A flag: `0` or `1` (`false` or `true`).
    Flag,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Expected::Integer => "an integer",
            Expected::UnsignedInteger => "an unsigned integer",
            Expected::Number => "a number",
            Expected::Flag => "0 or 1",
        })
    }
}

/// What a push is.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// A normal message from a follower.
    Message(Message),
    /// An event (`MsgType` `event`).
    Event(Event),
    /// A `MsgType` this library does not know; every field is in [`Inbound::extra`].
    Unknown,
}

/// One push, typed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Inbound {
    /// `ToUserName`: the account's original id (`gh_…`).
    pub to_user_name: String,
    /// `FromUserName`: the sender's OpenID.
    pub from_user_name: OpenId,
    /// `CreateTime` in Unix seconds (a millisecond value is divided down).
    pub create_time: i64,
    /// `MsgType` as sent, whitespace trimmed.
    pub msg_type: String,
    /// `Event` as sent (original spelling), for events.
    pub event: Option<String>,
    /// `MsgId`, or `MsgID` on job events.
    pub msg_id: Option<MsgId>,
    /// `MsgDataId`: set when a message was sent from an article.
    pub msg_data_id: Option<String>,
    /// `Idx`: 1-based index of that article in its post.
    pub idx: Option<u32>,
    /// The typed content.
    pub body: Body,
    /// Every field not read into the typed form, in document order. For an unknown type this is
    /// every field other than the header.
    pub extra: Vec<Element>,
}

/// The header fields of a push.
struct Header {
    to_user_name: String,
    from_user_name: String,
    create_time: i64,
    msg_type: String,
    msg_id: Option<u64>,
    msg_data_id: Option<String>,
    idx: Option<u32>,
}

impl Header {
    /// The push: this header, and the typed body read from the fields left in `root` (those
    /// not read into it are kept as `extra`).
    fn with_body(self, mut root: Element) -> Result<Inbound, InboundError> {
        let (body, event) = Inbound::body(&self.msg_type, &mut root)?;
        Ok(Inbound {
            to_user_name: self.to_user_name,
            from_user_name: OpenId(self.from_user_name),
            create_time: if self.create_time > MILLIS_THRESHOLD {
                self.create_time / 1000
            } else {
                self.create_time
            },
            msg_type: self.msg_type,
            event,
            msg_id: self.msg_id.map(MsgId),
            msg_data_id: self.msg_data_id,
            idx: self.idx,
            body,
            extra: root.children,
        })
    }
}

/// A `CreateTime` above this is taken to be in milliseconds (year 5138 in seconds).
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

impl Inbound {
    /// Parses the plaintext XML of a push.
    pub fn from_xml(input: &[u8]) -> Result<Inbound, InboundError> {
        let mut flat = HeaderFields::read(input)?;
        if flat.get(Field::MsgType).is_none() && flat.get(Field::Encrypt).is_some() {
            return Err(InboundError::Encrypted);
        }
        // Errors name the first field that fails, in this order.
        let header = Header {
            to_user_name: flat.text(Field::ToUserName)?,
            from_user_name: flat.word(Field::FromUserName)?,
            create_time: flat.number(Field::CreateTime, Expected::Integer)?,
            msg_type: flat.word(Field::MsgType)?,
            msg_id: match flat.optional_number(Field::MsgId, Expected::UnsignedInteger)? {
                Some(id) => Some(id),
                None => <Option<u64> as FromField>::take(&mut flat.rest, "MsgID")?,
            },
            msg_data_id: flat.optional_text(Field::MsgDataId),
            idx: flat.optional_number(Field::Idx, Expected::UnsignedInteger)?,
        };
        header.with_body(flat.rest)
    }

    /// The typed body of a push of type `msg_type`, taken from the fields left in `root`, and
    /// the event's name as sent.
    fn body(msg_type: &str, root: &mut Element) -> Result<(Body, Option<String>), InboundError> {
        if msg_type.eq_ignore_ascii_case("event") {
            let name = Word::take(root, "Event")?.0;
            let typed = Event::take_from(&name, root)?;
            return Ok((Body::Event(typed), Some(name)));
        }
        let body = match Message::take_from(msg_type, root)? {
            Some(message) => Body::Message(message),
            None => Body::Unknown,
        };
        Ok((body, None))
    }

    /// The name of the type: the `MsgType` of a normal message (`text`, `image`, …), the
    /// canonical `Event` name of an event (`subscribe`, `SCAN`, `CLICK`, …), or `unknown`.
    pub fn kind(&self) -> &'static str {
        match &self.body {
            Body::Message(m) => m.msg_type(),
            Body::Event(e) => e.name().unwrap_or("unknown"),
            Body::Unknown => "unknown",
        }
    }

    /// The event, if this push is one.
    pub fn as_event(&self) -> Option<&Event> {
        match &self.body {
            Body::Event(e) => Some(e),
            _ => None,
        }
    }

    /// The message, if this push is a normal message.
    pub fn as_message(&self) -> Option<&Message> {
        match &self.body {
            Body::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The `EventKey` of an event, as sent.
    pub fn event_key(&self) -> Option<&str> {
        match &self.body {
            Body::Event(Event::Unknown) => self
                .extra
                .iter()
                .find(|e| e.name == "EventKey")
                .map(|e| e.text.as_str()),
            Body::Event(e) => e.event_key(),
            _ => None,
        }
    }

    /// Whether the platform shows a passive reply to this push: normal messages and interactive
    /// events do; job and notification events do not (answer `success`).
    pub fn accepts_reply(&self) -> bool {
        match &self.body {
            Body::Message(_) => true,
            Body::Event(e) => e.accepts_reply(),
            Body::Unknown => false,
        }
    }

    /// The key under which retries of this push are recognised: the `MsgId` of a message, and
    /// for an event `FromUserName` + `CreateTime` + `Event` + `EventKey` (the platform's advice)
    /// plus its `MsgID` when it carries one (template, mass-send and other job events: two jobs
    /// that finish for one follower in the same second are two pushes). It does not include the
    /// AppID; callers that serve several accounts add it.
    ///
    /// The forms are `msg:{MsgId}`, `evt:{FromUserName}:{CreateTime}:{Event}:{EventKey}` and
    /// `evt:{FromUserName}:{CreateTime}:{Event}#{MsgID}:{EventKey}`: the free-form `EventKey`
    /// comes last, so no two pushes share a key.
    pub fn dedupe_key(&self) -> String {
        let mut key = String::with_capacity(64);
        self.write_dedupe_key(&mut key);
        key
    }

    /// Appends [`dedupe_key`](Self::dedupe_key) to `out` (the webhook prefixes the AppID).
    pub fn write_dedupe_key(&self, out: &mut String) {
        use crate::xml::BareValue;
        match (self.msg_id, &self.body) {
            (Some(id), Body::Message(_) | Body::Unknown) => {
                out.push_str("msg:");
                id.0.write_to(out);
            }
            _ => {
                out.push_str("evt:");
                out.push_str(self.from_user_name.as_str());
                out.push(':');
                self.create_time.write_to(out);
                out.push(':');
                out.push_str(self.event.as_deref().unwrap_or(&self.msg_type));
                if let Some(id) = self.msg_id {
                    out.push('#');
                    id.0.write_to(out);
                }
                out.push(':');
                out.push_str(self.event_key().unwrap_or(""));
            }
        }
    }
}

#[derive(Serialize)]
struct Flat<'a, T: Serialize> {
    kind: &'a str,
    to_user_name: &'a str,
    from_user_name: &'a OpenId,
    create_time: i64,
    msg_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_id: Option<MsgId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg_data_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idx: Option<u32>,
    #[serde(flatten)]
    body: &'a T,
    #[serde(skip_serializing_if = "fields_empty")]
    extra: Fields<'a>,
}

fn fields_empty(fields: &Fields<'_>) -> bool {
    fields.0.is_empty()
}

/// Serialises as one flat JSON object: `kind` (see [`Inbound::kind`]), the header fields, the
/// typed fields in snake_case, and `extra` with every field not read into the typed form (for
/// an unknown type, every field but the header).
impl Serialize for Inbound {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn flat<'a, T: Serialize>(this: &'a Inbound, body: &'a T) -> Flat<'a, T> {
            Flat {
                kind: this.kind(),
                to_user_name: &this.to_user_name,
                from_user_name: &this.from_user_name,
                create_time: this.create_time,
                msg_type: &this.msg_type,
                event: this.event.as_deref(),
                msg_id: this.msg_id,
                msg_data_id: this.msg_data_id.as_deref(),
                idx: this.idx,
                body,
                extra: Fields(&this.extra),
            }
        }
        match &self.body {
            Body::Message(m) => flat(self, m).serialize(serializer),
            Body::Event(e) => flat(self, e).serialize(serializer),
            Body::Unknown => flat(self, &()).serialize(serializer),
        }
    }
}
