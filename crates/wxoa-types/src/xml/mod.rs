//! The one XML module of wxoa: the platform's XML read into a small [`Element`] tree, and
//! written back.
//!
//! The platform speaks a tiny dialect of XML: one `<xml>` root, child elements whose values are
//! either bare text (numbers) or wrapped in `<![CDATA[...]]>` (strings), a few nested groups
//! (`ScanCodeInfo`, `SendPicsInfo/PicList/item`, `Articles/item`, …) and no attributes.
//!
//! - This file owns the tree ([`Element`], [`Fields`]), the bounds ([`Limits`]), the errors
//!   ([`XmlError`]) and [`parse`]; `read.rs` is the one reader every consumer goes through (the
//!   tree, the push envelope, the typed push), `write.rs` the CDATA and bare-value writer.
//! - `DOCTYPE` (and with it every entity declaration) is refused at once, so XXE and
//!   billion-laughs payloads never get as far as an entity table; only the five predefined
//!   entities and numeric character references are understood.
//! - Input size, nesting depth and element count are bounded ([`Limits`]); the reader never
//!   recurses, so a 20,000-deep document is refused with [`XmlError::TooDeep`] instead of
//!   overflowing a stack.
//! - Whitespace around a CDATA section is not part of the value (`<A>\n <![CDATA[x]]>\n</A>`
//!   reads as `x`), and the CDATA writer splits `]]>` so any string renders to well-formed XML.

mod read;
mod write;

pub(crate) use read::{Sink, read};
pub use write::{
    BareValue, is_xml_char, sanitize, write_bare_element, write_cdata, write_cdata_element,
};

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// Bounds applied while parsing. The defaults fit every push the platform sends with a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting; the root is depth 1.
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_depth: 32,
            max_elements: 10_000,
        }
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`Limits::max_bytes`].
    #[error("XML document is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Elements nest deeper than [`Limits::max_depth`].
    #[error("XML nesting deeper than {limit} levels")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// More than [`Limits::max_elements`] elements.
    #[error("XML document has more than {limit} elements")]
    TooManyElements {
        /// The limit in force.
        limit: usize,
    },
    /// A `<!DOCTYPE …>` declaration: refused because it is how entity attacks (XXE, billion
    /// laughs) begin, and the platform never sends one.
    #[error(
        "XML document type declarations (DOCTYPE) are refused: the platform never sends one, and they carry entity attacks"
    )]
    Doctype,
    /// A reference to an entity other than the five predefined ones.
    #[error(
        "XML entity reference {reference} is not allowed: only the predefined entities and character references are"
    )]
    Entity {
        /// The reference as written (`&name;`, or its first characters when it is not closed).
        reference: String,
    },
    /// The document has no root element.
    #[error("XML document is empty")]
    Empty,
    /// A second top-level element, or text outside the root.
    #[error("XML content after the root element")]
    TrailingContent,
    /// An element or text is not valid UTF-8.
    #[error("XML is not valid UTF-8")]
    Utf8,
    /// The document ended inside an element.
    #[error("XML ended before element <{element}> was closed")]
    Unclosed {
        /// The name of the innermost element still open.
        element: String,
    },
    /// Any other syntax error, with what is wrong and its byte position.
    #[error("malformed XML at byte {position}: {problem}")]
    Syntax {
        /// Byte offset where the reader stopped.
        position: u64,
        /// What the reader found wrong.
        problem: SyntaxProblem,
    },
}

/// What is wrong with the markup at the position of an [`XmlError::Syntax`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxProblem {
    /// An end tag while no element is open.
    #[error("an end tag with no element open")]
    EndTagWithoutElement,
    /// An end tag that names another element than the one open.
    #[error("the end tag does not close <{open}>")]
    MismatchedEndTag {
        /// The element open.
        open: String,
    },
    /// An end tag without its `>`.
    #[error("unclosed end tag")]
    UnclosedEndTag,
    /// A start tag without its `>`.
    #[error("unclosed start tag")]
    UnclosedStartTag,
    /// A quoted attribute value without its closing quote.
    #[error("unclosed attribute value")]
    UnclosedAttributeValue,
    /// A CDATA section without its `]]>`.
    #[error("unclosed CDATA")]
    UnclosedCdata,
    /// A comment without its `-->`.
    #[error("unclosed comment")]
    UnclosedComment,
    /// A processing instruction without its `?>`.
    #[error("unclosed processing instruction")]
    UnclosedProcessingInstruction,
    /// `<!` followed by something else than CDATA, a comment or a DOCTYPE.
    #[error("unknown markup after <!")]
    UnknownMarkup,
}

/// One element: its name, its text (CDATA and text joined, entities resolved) and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// Tag name, as written. The names the platform uses are shared static strings, so
    /// reading a push allocates only for values.
    pub name: Cow<'static, str>,
    /// Text content. Empty for elements that only hold children.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// A leaf element with a text value.
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: Cow::Owned(name.into()),
            text: text.into(),
            children: Vec::new(),
        }
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// Removes and returns the first child with this name.
    pub fn take_child(&mut self, name: &str) -> Option<Element> {
        let at = self.children.iter().position(|c| c.name == name)?;
        Some(self.children.remove(at))
    }

    /// Removes every child with this name, in document order.
    pub fn take_children(&mut self, name: &str) -> Vec<Element> {
        let mut taken = Vec::new();
        let mut kept = Vec::with_capacity(self.children.len());
        for child in self.children.drain(..) {
            if child.name == name {
                taken.push(child);
            } else {
                kept.push(child);
            }
        }
        self.children = kept;
        taken
    }
}

/// Serialises as a JSON object: a leaf is its text, a group is an object of its children, and a
/// name that repeats becomes an array. This is how `wxoa parse` shows raw fields.
impl Serialize for Element {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.children.is_empty() {
            serializer.serialize_str(&self.text)
        } else {
            Fields(&self.children).serialize(serializer)
        }
    }
}

/// A borrowed list of elements, serialised as a JSON object (repeated names become arrays).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(pub &'a [Element]);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut seen: Vec<&str> = Vec::new();
        for (i, child) in self.0.iter().enumerate() {
            if seen.contains(&child.name.as_ref()) {
                continue;
            }
            seen.push(child.name.as_ref());
            let later = self.0.iter().skip(i + 1).any(|c| c.name == child.name);
            if later {
                let all: Vec<&Element> = self.0.iter().filter(|c| c.name == child.name).collect();
                map.serialize_entry(&child.name, &all)?;
            } else {
                map.serialize_entry(&child.name, child)?;
            }
        }
        map.end()
    }
}

/// Parses a document with the default [`Limits`].
pub fn parse(input: &[u8]) -> Result<Element, XmlError> {
    parse_with(input, Limits::default())
}

/// Parses a document, refusing anything outside `limits`.
pub fn parse_with(input: &[u8], limits: Limits) -> Result<Element, XmlError> {
    let mut tree = TreeSink::new();
    read(input, limits, &mut tree)?;
    tree.finish().ok_or(XmlError::Empty)
}

/// Builds the [`Element`] tree from what [`read`] reports.
pub(crate) struct TreeSink {
    open: Vec<Element>,
    root: Option<Element>,
}

impl TreeSink {
    pub(crate) fn new() -> Self {
        Self {
            open: Vec::with_capacity(4),
            root: None,
        }
    }

    /// The root element, once the document is complete.
    pub(crate) fn finish(self) -> Option<Element> {
        self.root
    }
}

impl<'a> Sink<'a> for TreeSink {
    fn start(&mut self, tag: &'a str) {
        if let Some(parent) = self.open.last_mut()
            && parent.children.capacity() == 0
        {
            parent.children.reserve(12);
        }
        self.open.push(Element {
            name: name(tag),
            ..Element::default()
        });
    }

    fn end(&mut self, text: Cow<'a, str>) {
        let Some(mut element) = self.open.pop() else {
            return;
        };
        element.text = text.into_owned();
        match self.open.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
    }
}

/// Element names the platform sends in nearly every push, shared instead of allocated. A
/// `match` on the bytes compiles to a dispatch on length, then one comparison.
fn common_name(bytes: &[u8]) -> Option<&'static str> {
    Some(match bytes {
        b"xml" => "xml",
        b"ToUserName" => "ToUserName",
        b"FromUserName" => "FromUserName",
        b"CreateTime" => "CreateTime",
        b"MsgType" => "MsgType",
        b"Content" => "Content",
        b"MsgId" => "MsgId",
        b"MsgID" => "MsgID",
        b"Event" => "Event",
        b"EventKey" => "EventKey",
        b"Encrypt" => "Encrypt",
        b"Ticket" => "Ticket",
        b"MediaId" => "MediaId",
        b"PicUrl" => "PicUrl",
        b"Format" => "Format",
        b"ThumbMediaId" => "ThumbMediaId",
        b"Location_X" => "Location_X",
        b"Location_Y" => "Location_Y",
        b"Scale" => "Scale",
        b"Label" => "Label",
        b"Title" => "Title",
        b"Description" => "Description",
        b"Url" => "Url",
        b"Status" => "Status",
        b"MsgSignature" => "MsgSignature",
        b"TimeStamp" => "TimeStamp",
        b"Nonce" => "Nonce",
        b"item" => "item",
        b"Count" => "Count",
        b"MenuId" => "MenuId",
        b"Recognition" => "Recognition",
        b"MsgDataId" => "MsgDataId",
        b"Idx" => "Idx",
        b"Latitude" => "Latitude",
        b"Longitude" => "Longitude",
        b"Precision" => "Precision",
        b"ArticleCount" => "ArticleCount",
        b"Articles" => "Articles",
        _ => return None,
    })
}

fn name(tag: &str) -> Cow<'static, str> {
    match common_name(tag.as_bytes()) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(tag.to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Element, XmlError> {
        parse(s.as_bytes())
    }

    #[test]
    fn reads_cdata_and_bare_values() {
        let root = parse_str(
            "<xml><A><![CDATA[hello]]></A>\n  <B>123</B><C/><D>a &amp; b &#x4e2d;</D></xml>",
        )
        .unwrap();
        assert_eq!(root.name, "xml");
        assert_eq!(root.child_text("A"), Some("hello"));
        assert_eq!(root.child_text("B"), Some("123"));
        assert_eq!(root.child_text("C"), Some(""));
        assert_eq!(root.child_text("D"), Some("a & b 中"));
        assert_eq!(root.text, "");
    }

    #[test]
    fn whitespace_around_cdata_is_layout() {
        let root = parse_str("<xml><A>\n   <![CDATA[ x ]]>\n </A><B>  </B></xml>").unwrap();
        assert_eq!(root.child_text("A"), Some(" x "));
        assert_eq!(root.child_text("B"), Some("  "));
    }

    #[test]
    fn split_cdata_joins() {
        let root = parse_str("<xml><A><![CDATA[a]]]]><![CDATA[>b]]></A></xml>").unwrap();
        assert_eq!(root.child_text("A"), Some("a]]>b"));
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>"#;
        assert_eq!(parse_str(xxe), Err(XmlError::Doctype));
        let laughs =
            r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml>&lol2;</xml>"#;
        assert_eq!(parse_str(laughs), Err(XmlError::Doctype));
        assert!(matches!(
            parse_str("<xml><A>&xxe;</A></xml>"),
            Err(XmlError::Entity { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let depth = 20_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert_eq!(parse_str(&doc), Err(XmlError::TooDeep { limit: 32 }));
        let unclosed = "<a>".repeat(depth);
        assert_eq!(parse_str(&unclosed), Err(XmlError::TooDeep { limit: 32 }));
    }

    #[test]
    fn bounds_size_and_count() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert_eq!(
            parse_with(b"<xml><A>1</A></xml>", limits),
            Err(XmlError::TooLarge {
                size: 19,
                limit: 10
            })
        );
        let many = format!("<xml>{}</xml>", "<a/>".repeat(20_000));
        assert_eq!(
            parse_str(&many),
            Err(XmlError::TooManyElements { limit: 10_000 })
        );
    }

    #[test]
    fn malformed_documents_are_typed_errors() {
        assert_eq!(parse_str(""), Err(XmlError::Empty));
        assert_eq!(parse_str("   "), Err(XmlError::Empty));
        assert_eq!(
            parse_str("<xml><A>"),
            Err(XmlError::Unclosed {
                element: "A".to_owned()
            })
        );
        assert_eq!(
            parse_str("<xml><A></B></xml>"),
            Err(XmlError::Syntax {
                position: 8,
                problem: SyntaxProblem::MismatchedEndTag {
                    open: "A".to_owned()
                }
            })
        );
        assert_eq!(parse_str("<a/><b/>"), Err(XmlError::TrailingContent));
        assert_eq!(parse_str("<a></a>junk"), Err(XmlError::TrailingContent));
        assert_eq!(parse(b"<xml>\xff</xml>"), Err(XmlError::Utf8));
        // In a CDATA value too: the document is checked once, as a whole.
        assert_eq!(
            parse(b"<xml><A><![CDATA[\xe4\xbd]]></A></xml>"),
            Err(XmlError::Utf8)
        );
    }

    #[test]
    fn reads_what_the_platform_never_sends_the_same_way() {
        // A declaration, comments, a self-closing tag, attributes, entities, text and CDATA
        // mixed, and nested groups: all in the one pass.
        let root = parse_str(
            "<?xml version=\"1.0\"?>\n<xml a=\"1>\"><!-- c --><A/><B>a &amp; b</B>\
             <C><![CDATA[a]]> <![CDATA[b]]></C><D>x<![CDATA[y]]></D><E>  </E>\
             <Articles><item><Title><![CDATA[t1]]></Title></item>\n<item><Title>t2</Title></item></Articles>\
             <F> <![CDATA[]]> <![CDATA[z]]> </F><G> 1 <H/> 2 </G></xml>\n",
        )
        .unwrap();
        assert_eq!(root.child_text("A"), Some(""));
        assert_eq!(root.child_text("B"), Some("a & b"));
        assert_eq!(root.child_text("C"), Some("a b"));
        assert_eq!(root.child_text("D"), Some("xy"));
        assert_eq!(root.child_text("E"), Some("  "));
        assert_eq!(root.child_text("F"), Some("z"));
        assert_eq!(root.child_text("G"), Some(" 1  2 "));
        let items = &root.child("Articles").unwrap().children;
        assert_eq!(items.len(), 2);
        assert_eq!(items.get(1).unwrap().child_text("Title"), Some("t2"));
        assert_eq!(
            parse_str("<xml><A>1</A >\r\n</xml >")
                .unwrap()
                .child_text("A"),
            Some("1")
        );
        assert!(matches!(
            parse_str("<xml><A>&#0;</A></xml>"),
            Err(XmlError::Entity { .. })
        ));
        assert!(matches!(
            parse_str("<xml><A>a & b</A></xml>"),
            Err(XmlError::Entity { .. })
        ));
        for unclosed in [
            "<xml><![CDATA[a</xml>",
            "<xml><!-- a</xml>",
            "<xml><A",
            "<xml a=\"></xml>",
        ] {
            assert!(
                matches!(parse_str(unclosed), Err(XmlError::Syntax { .. })),
                "{unclosed}"
            );
        }
    }

    #[test]
    fn serialises_fields_as_json() {
        let root =
            parse_str("<xml><A>1</A><G><item><X>a</X></item><item><X>b</X></item></G></xml>")
                .unwrap();
        let json = serde_json::to_value(Fields(&root.children)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"A": "1", "G": {"item": [{"X": "a"}, {"X": "b"}]}})
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
        }
    }
}
