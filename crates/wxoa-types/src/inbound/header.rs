//! Reading a push in one pass: the header fields every push carries (`ToUserName`,
//! `FromUserName`, `CreateTime`, `MsgType`, `MsgId`, `MsgDataId`, `Idx`, and the compat-mode
//! `Encrypt`) are taken straight from the document, borrowed, and only the other fields become
//! elements for the typed body. [`Inbound::from_element`](super::Inbound::from_element) takes
//! the same fields out of a parsed tree; where both read a document they give the same push (a
//! property test holds them to it).

use std::borrow::Cow;
use std::str::FromStr;

use crate::xml::{Element, FlatSink, Limits, TreeSink, scan_flat};

use super::InboundError;
use super::fields::invalid;

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

/// A push read in one pass: the first of each header field, borrowed from the document, and
/// the root element holding every other field in document order.
pub(super) struct OnePass<'a> {
    fields: [Option<Cow<'a, str>>; FIELDS],
    pub(super) rest: Element,
}

impl<'a> OnePass<'a> {
    /// Reads `input` in one pass, or `None` when it is not the platform's flat shape (or a
    /// header field holds elements): the caller then parses it into a tree.
    pub(super) fn read(input: &'a [u8]) -> Option<OnePass<'a>> {
        let mut sink = Sink {
            fields: Default::default(),
            tree: TreeSink::new(),
            depth: 0,
            current: None,
        };
        scan_flat(input, Limits::default(), &mut sink)?;
        Some(OnePass {
            fields: sink.fields,
            rest: sink.tree.finish()?,
        })
    }

    /// The field's text as sent, if present.
    pub(super) fn get(&self, field: Field) -> Option<&str> {
        self.fields.get(field as usize)?.as_deref()
    }

    /// Takes the field's text out, as sent; absent is an error.
    pub(super) fn text(&mut self, field: Field) -> Result<String, InboundError> {
        self.fields
            .get_mut(field as usize)
            .and_then(Option::take)
            .map(Cow::into_owned)
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
        expected: &'static str,
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
        expected: &'static str,
    ) -> Result<Option<T>, InboundError> {
        match self.get(field) {
            Some(text) if !text.trim().is_empty() => self.number(field, expected).map(Some),
            _ => Ok(None),
        }
    }

    /// Takes the field's text out, as sent; absent or blank is `None`.
    pub(super) fn optional_text(&mut self, field: Field) -> Option<String> {
        match self.get(field) {
            Some(text) if !text.trim().is_empty() => self.text(field).ok(),
            _ => None,
        }
    }
}

/// Sends header fields to their slots and everything else to the tree.
struct Sink<'a> {
    fields: [Option<Cow<'a, str>>; FIELDS],
    tree: TreeSink,
    depth: usize,
    /// The header field open at depth 2, and its text.
    current: Option<(Field, Cow<'a, str>)>,
}

impl<'a> FlatSink<'a> for Sink<'a> {
    fn start(&mut self, tag: &'a [u8]) -> Option<()> {
        self.depth += 1;
        if self.current.is_some() {
            // A header field holding elements: the tree reader takes this document.
            return None;
        }
        if self.depth == 2
            && let Some(field) = Field::of(tag)
            && self.fields.get(field as usize)?.is_none()
        {
            self.current = Some((field, Cow::Borrowed("")));
            return Some(());
        }
        self.tree.start(tag)
    }

    fn text(&mut self, text: Cow<'a, str>) {
        match &mut self.current {
            Some((_, slot)) => *slot = text,
            None => self.tree.text(text),
        }
    }

    fn end(&mut self) -> Option<()> {
        self.depth = self.depth.checked_sub(1)?;
        match self.current.take() {
            Some((field, text)) => {
                *self.fields.get_mut(field as usize)? = Some(text);
                Some(())
            }
            None => self.tree.end(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::super::Inbound;
    use crate::xml;

    fn field() -> impl Strategy<Value = String> {
        let names = prop::sample::select(vec![
            "ToUserName",
            "FromUserName",
            "CreateTime",
            "MsgType",
            "MsgId",
            "MsgID",
            "MsgDataId",
            "Idx",
            "Encrypt",
            "Content",
            "Event",
            "EventKey",
            "Other",
        ]);
        let values = prop::sample::select(vec![
            "",
            " ",
            "text",
            " event ",
            "EVENT",
            "image",
            "123",
            " 42 ",
            "1700000000000",
            "-5",
            "abc",
            "subscribe",
            "qrscene_1",
            "<![CDATA[hello world]]>",
            "<![CDATA[ 7 ]]>",
            "<![CDATA[]]>",
            "<A>1</A>",
            "<A>1</A><B>2</B>",
            "a&amp;b",
        ]);
        (names, values).prop_map(|(name, value)| format!("<{name}>{value}</{name}>"))
    }

    proptest! {
        /// The one-pass reading and the tree reading give the same push, or the same error.
        #[test]
        fn one_pass_and_tree_read_the_same(
            mut fields in prop::collection::vec(field(), 0..12),
            header in prop::sample::select(vec![0usize, 3, 6, 12]),
            ws in prop::bool::ANY,
        ) {
            // Most documents get a readable header somewhere, so that bodies are read too.
            let valid = [
                "<ToUserName><![CDATA[gh_1]]></ToUserName>",
                "<FromUserName><![CDATA[o1]]></FromUserName>",
                "<CreateTime>1700000000</CreateTime>",
                "<MsgType><![CDATA[text]]></MsgType>",
            ];
            if header < 12 {
                let at = header.min(fields.len());
                fields.splice(at..at, valid.iter().map(|f| (*f).to_owned()));
            }
            let sep = if ws { "\n  " } else { "" };
            let doc = format!("<xml>{sep}{}{sep}</xml>", fields.join(sep));
            let by_tree = xml::parse(doc.as_bytes())
                .map_err(Into::into)
                .and_then(Inbound::from_element);
            prop_assert_eq!(Inbound::from_xml(doc.as_bytes()), by_tree, "{}", doc);
        }
    }

    #[test]
    fn a_text_message_is_read_in_one_pass() {
        let doc = b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[ o1 ]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>5</MsgId><MsgID>6</MsgID></xml>";
        let mut flat = super::OnePass::read(doc).unwrap();
        assert_eq!(flat.text(super::Field::ToUserName).unwrap(), "gh_1");
        assert_eq!(flat.word(super::Field::FromUserName).unwrap(), "o1");
        // MsgID is not a slot: with a MsgId present it stays among the other fields.
        let names: Vec<_> = flat.rest.children.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["Content", "MsgID"]);
        let push = Inbound::from_xml(doc).unwrap();
        assert_eq!(push.msg_id.map(|id| id.0), Some(5));
        assert_eq!(push.extra.len(), 1);
    }
}
