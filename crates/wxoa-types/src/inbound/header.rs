//! Reading a push in one pass: the header fields every push carries (`ToUserName`,
//! `FromUserName`, `CreateTime`, `MsgType`, `MsgId`, `MsgDataId`, `Idx`, and the compat-mode
//! `Encrypt`) are taken straight from the document, borrowed, and only the other fields become
//! elements for the typed body.

use std::borrow::Cow;
use std::str::FromStr;

use crate::xml::{self, Element, Limits, Sink, TreeSink};

use super::fields::invalid;
use super::{Expected, InboundError};

/// The header fields read in place, in the order their slots are kept.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    ToUserName,
    FromUserName,
    CreateTime,
    MsgType,
    MsgId,
    MsgDataId,
    Idx,
    Encrypt,
}

const FIELDS: usize = 8;

impl Field {
    fn of(tag: &[u8]) -> Option<Field> {
        Some(match tag {
            b"ToUserName" => Field::ToUserName,
            b"FromUserName" => Field::FromUserName,
            b"CreateTime" => Field::CreateTime,
            b"MsgType" => Field::MsgType,
            b"MsgId" => Field::MsgId,
            b"MsgDataId" => Field::MsgDataId,
            b"Idx" => Field::Idx,
            b"Encrypt" => Field::Encrypt,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Field::ToUserName => "ToUserName",
            Field::FromUserName => "FromUserName",
            Field::CreateTime => "CreateTime",
            Field::MsgType => "MsgType",
            Field::MsgId => "MsgId",
            Field::MsgDataId => "MsgDataId",
            Field::Idx => "Idx",
            Field::Encrypt => "Encrypt",
        }
    }
}

/// A header field's text, and whether the element also held child elements (which are
/// dropped, as the field is read from its text).
type Slot<'a> = Option<(Cow<'a, str>, bool)>;

/// A push read in one pass: the first of each header field, borrowed from the document, and
/// the root element holding every other field in document order.
pub(super) struct HeaderFields<'a> {
    fields: [Slot<'a>; FIELDS],
    pub(super) rest: Element,
}

impl<'a> HeaderFields<'a> {
    /// Reads `input` in one pass.
    pub(super) fn read(input: &'a [u8]) -> Result<HeaderFields<'a>, InboundError> {
        let mut sink = HeaderSink {
            fields: Default::default(),
            tree: TreeSink::new(),
            depth: 0,
            current: None,
        };
        xml::read(input, Limits::default(), &mut sink)?;
        Ok(HeaderFields {
            fields: sink.fields,
            rest: sink.tree.finish().ok_or(xml::XmlError::Empty)?,
        })
    }

    /// Whether the field is present but holds nothing: no child elements, only whitespace.
    fn blank(&self, field: Field) -> bool {
        matches!(self.fields.get(field as usize), Some(Some((text, false))) if text.trim().is_empty())
    }

    /// The field's text as sent, if present.
    pub(super) fn get(&self, field: Field) -> Option<&str> {
        self.fields
            .get(field as usize)?
            .as_ref()
            .map(|(text, _)| text.as_ref())
    }

    /// Takes the field's text out, as sent; absent is an error.
    pub(super) fn text(&mut self, field: Field) -> Result<String, InboundError> {
        self.fields
            .get_mut(field as usize)
            .and_then(Option::take)
            .map(|(text, _)| text.into_owned())
            .ok_or(InboundError::MissingField {
                field: field.name(),
            })
    }

    /// Takes the field's text out, whitespace around it trimmed; absent is an error.
    pub(super) fn word(&mut self, field: Field) -> Result<String, InboundError> {
        let text = self.text(field)?;
        let trimmed = text.trim();
        Ok(if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        })
    }

    /// The field's value as a number; absent is an error.
    pub(super) fn number<T: FromStr>(
        &self,
        field: Field,
        expected: Expected,
    ) -> Result<T, InboundError> {
        let text = self.get(field).ok_or(InboundError::MissingField {
            field: field.name(),
        })?;
        let text = text.trim();
        text.parse()
            .map_err(|_| invalid(field.name(), text, expected))
    }

    /// The field's value as a number; absent or blank is `None`.
    pub(super) fn optional_number<T: FromStr>(
        &self,
        field: Field,
        expected: Expected,
    ) -> Result<Option<T>, InboundError> {
        if self.get(field).is_none() || self.blank(field) {
            return Ok(None);
        }
        self.number(field, expected).map(Some)
    }

    /// Takes the field's text out, as sent; absent or blank is `None`.
    pub(super) fn optional_text(&mut self, field: Field) -> Option<String> {
        if self.blank(field) {
            return None;
        }
        self.text(field).ok()
    }
}

/// Sends header fields to their slots and everything else to the tree.
struct HeaderSink<'a> {
    fields: [Slot<'a>; FIELDS],
    tree: TreeSink,
    depth: usize,
    /// The header field open at depth 2, and whether it has held child elements.
    current: Option<(Field, bool)>,
}

impl<'a> Sink<'a> for HeaderSink<'a> {
    fn start(&mut self, tag: &'a str) {
        self.depth += 1;
        if let Some((_, children)) = &mut self.current {
            // Inside a header field: read from its text, its children are dropped.
            *children = true;
            return;
        }
        if self.depth == 2
            && let Some(field) = Field::of(tag.as_bytes())
            && self.fields.get(field as usize).is_some_and(Option::is_none)
        {
            self.current = Some((field, false));
            return;
        }
        self.tree.start(tag);
    }

    fn end(&mut self, text: Cow<'a, str>) {
        let depth = self.depth;
        self.depth = depth.saturating_sub(1);
        match self.current {
            Some((field, children)) if depth == 2 => {
                self.current = None;
                if let Some(slot) = self.fields.get_mut(field as usize) {
                    *slot = Some((text, children));
                }
            }
            Some(_) => {}
            None => self.tree.end(text),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{Expected, Inbound, InboundError};

    const HEAD: &str = "<ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                        <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>";

    fn push(fields: &str) -> Result<Inbound, InboundError> {
        Inbound::from_xml(format!("<xml>{HEAD}{fields}</xml>").as_bytes())
    }

    #[test]
    fn a_text_message_is_read_in_one_pass() {
        let doc = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[ o1 ]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>5</MsgId><MsgID>6</MsgID></xml>";
        let mut flat = super::HeaderFields::read(doc).unwrap();
        assert_eq!(flat.text(super::Field::ToUserName).unwrap(), "gh_1");
        assert_eq!(flat.word(super::Field::FromUserName).unwrap(), "o1");
        // MsgID is not a slot: with a MsgId present it stays among the other fields.
        let names: Vec<_> = flat.rest.children.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["Content", "MsgID"]);
        let push = Inbound::from_xml(doc).unwrap();
        assert_eq!(push.msg_id.map(|id| id.0), Some(5));
        assert_eq!(push.extra.len(), 1);
    }

    #[test]
    fn a_header_field_is_read_from_its_text_and_the_first_one_counts() {
        let read = Inbound::from_xml(
            b"<xml><ToUserName><A>1</A>gh<![CDATA[_1]]></ToUserName><ToUserName>second</ToUserName>\
              <FromUserName>o1</FromUserName><CreateTime> 7 </CreateTime><MsgType>text</MsgType>\
              <Content>hi</Content><MsgDataId><B/></MsgDataId><Idx> </Idx></xml>",
        )
        .unwrap();
        assert_eq!(read.to_user_name, "gh_1");
        assert_eq!(read.create_time, 7);
        // An element with children is not blank, even without text.
        assert_eq!(read.msg_data_id.as_deref(), Some(""));
        assert_eq!(read.idx, None);
        let names: Vec<_> = read.extra.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["ToUserName"]);
        assert_eq!(
            push("<Content>x</Content><MsgId><A>1</A></MsgId>"),
            Err(InboundError::InvalidField {
                field: "MsgId",
                value: String::new(),
                expected: Expected::UnsignedInteger
            })
        );
        assert_eq!(
            push("<Content>x</Content><MsgId> </MsgId><MsgID>9</MsgID>")
                .unwrap()
                .msg_id
                .map(|id| id.0),
            Some(9)
        );
    }

    #[test]
    fn errors_come_in_the_order_the_fields_are_read() {
        assert_eq!(
            Inbound::from_xml(b"<xml><CreateTime>x</CreateTime></xml>"),
            Err(InboundError::MissingField {
                field: "ToUserName"
            })
        );
        assert_eq!(
            Inbound::from_xml(b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>x</CreateTime></xml>"),
            Err(InboundError::InvalidField { field: "CreateTime", value: "x".into(), expected: Expected::Integer })
        );
        assert_eq!(
            Inbound::from_xml(b"<xml><ToUserName>gh</ToUserName><Encrypt>abc</Encrypt></xml>"),
            Err(InboundError::Encrypted)
        );
    }
}
