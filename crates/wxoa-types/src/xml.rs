//! The only place in wxoa that touches an XML library.
//!
//! The platform speaks a tiny dialect of XML: one `<xml>` root, child elements whose values are
//! either bare text (numbers) or wrapped in `<![CDATA[...]]>` (strings), a few nested groups
//! (`ScanCodeInfo`, `SendPicsInfo/PicList/item`, …) and no attributes. This module parses that
//! dialect into a small [`Element`] tree and writes it back, and nothing else:
//!
//! - `DOCTYPE` (and with it every entity declaration) is refused at once, so XXE and
//!   billion-laughs payloads never get as far as an entity table; only the five predefined
//!   entities and numeric character references are understood.
//! - Input size, nesting depth and element count are bounded ([`Limits`]); the parser never
//!   recurses, so a 20,000-deep document is refused with [`XmlError::TooDeep`] instead of
//!   overflowing a stack.
//! - Whitespace around a CDATA section is not part of the value (`<A>\n <![CDATA[x]]>\n</A>`
//!   reads as `x`), and a CDATA writer splits `]]>` so any string renders to well-formed XML.

use quick_xml::Reader;
use std::borrow::Cow;

use quick_xml::events::Event;
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
        "XML entity reference {0} is not allowed: only the predefined entities and character references are"
    )]
    Entity(String),
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
    #[error("XML ended before element <{0}> was closed")]
    Unclosed(String),
    /// Any other syntax error, with the parser's description and byte position.
    #[error("malformed XML at byte {position}: {message}")]
    Syntax {
        /// Byte offset where the parser stopped.
        position: u64,
        /// What the parser found wrong.
        message: String,
    },
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
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    if let Some(root) = parse_flat(input, limits) {
        return Ok(root);
    }
    parse_general(input, limits)
}

/// Whether the one-pass reader and the general parser agree on `input`, where the one-pass
/// reader takes it: the property the fuzz targets check. Not part of the API.
#[doc(hidden)]
pub fn readers_agree(input: &[u8]) -> bool {
    match parse_flat(input, Limits::default()) {
        Some(fast) => parse_general(input, Limits::default()) == Ok(fast),
        None => true,
    }
}

/// The platform's own shape of document, read in one pass without the general parser: elements
/// without attributes whose content is whitespace, plain text without references, adjacent
/// CDATA sections (whitespace around them is layout), or child elements separated by
/// whitespace. Anything else — a declaration, a comment, an entity, a self-closing tag,
/// malformed or over-limit input — returns `None`, and [`parse_general`] reads (or refuses) the
/// document. Where both accept a document they build the same tree (a property test holds them
/// to it).
fn parse_flat(input: &[u8], limits: Limits) -> Option<Element> {
    let mut tree = TreeSink::new();
    scan_flat(input, limits, &mut tree)?;
    tree.finish()
}

/// Where [`scan_flat`] reports what it reads. Returning `None` stops the scan.
pub(crate) trait FlatSink<'a> {
    /// An element starts (its name as written).
    fn start(&mut self, tag: &'a [u8]) -> Option<()>;
    /// The text of the element just started, which has no children.
    fn text(&mut self, text: Cow<'a, str>);
    /// The innermost open element ends.
    fn end(&mut self) -> Option<()>;
}

/// Builds the [`Element`] tree.
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

impl<'a> FlatSink<'a> for TreeSink {
    fn start(&mut self, tag: &'a [u8]) -> Option<()> {
        if let Some(parent) = self.open.last_mut()
            && parent.children.capacity() == 0
        {
            parent.children.reserve(12);
        }
        self.open.push(Element {
            name: name(tag).ok()?,
            ..Element::default()
        });
        Some(())
    }

    fn text(&mut self, text: Cow<'a, str>) {
        if let Some(element) = self.open.last_mut() {
            element.text = text.into_owned();
        }
    }

    fn end(&mut self) -> Option<()> {
        let element = self.open.pop()?;
        match self.open.last_mut() {
            Some(parent) => parent.children.push(element),
            None => self.root = Some(element),
        }
        Some(())
    }
}

/// The one-pass reader of [`parse_flat`], reporting to `sink` instead of building a tree (the
/// webhook reads an envelope's `Encrypt` this way, borrowed from the body). `None` means "not
/// the platform's flat shape": the caller then uses the general parser.
pub(crate) fn scan_flat<'a>(
    input: &'a [u8],
    limits: Limits,
    sink: &mut impl FlatSink<'a>,
) -> Option<()> {
    if input.len() > limits.max_bytes {
        return None;
    }
    // UTF-8 is checked once for the whole document (the platform's are mostly ASCII, which the
    // check takes a word at a time); every value below is cut from it at an ASCII delimiter.
    let document = std::str::from_utf8(input).ok()?;
    // The names of the open elements, for their end tags. The platform nests at most four deep.
    let mut open: [&[u8]; 8] = [b""; 8];
    let mut depth = 0usize;
    let mut count = 0usize;
    let mut at = skip_ws(input, 0);
    loop {
        // At a start tag.
        let (tag, after) = start_tag(input, at)?;
        if depth >= limits.max_depth {
            return None;
        }
        count += 1;
        if count > limits.max_elements {
            return None;
        }
        *open.get_mut(depth)? = tag;
        depth += 1;
        sink.start(tag)?;
        at = after;
        let content = skip_ws(input, at);
        let rest = input.get(content..)?;
        if rest.starts_with(b"<![CDATA[") {
            let (text, end) = cdata_sections(document, content)?;
            sink.text(text);
            at = skip_ws(input, end);
        } else if rest.starts_with(b"</") {
            // Whitespace is the value of a leaf without CDATA.
            sink.text(Cow::Borrowed(document.get(at..content)?));
            at = content;
        } else if rest.first() == Some(&b'<') {
            // A group: its first child comes next.
            at = content;
            continue;
        } else {
            let len = memchr::memchr(b'<', rest)?;
            let raw = document.get(at..content + len)?;
            if raw.as_bytes().contains(&b'&') {
                return None;
            }
            sink.text(Cow::Borrowed(raw));
            at = content + len;
        }
        // At the end tag of the innermost element; then close groups until another child
        // starts.
        loop {
            depth -= 1;
            at = end_tag(input, at, open.get(depth)?)?;
            sink.end()?;
            if depth == 0 {
                // The root: only whitespace may follow.
                return (skip_ws(input, at) == input.len()).then_some(());
            }
            at = skip_ws(input, at);
            let rest = input.get(at..)?;
            if rest.starts_with(b"</") {
                continue;
            } else if rest.first() == Some(&b'<') {
                break;
            } else {
                return None;
            }
        }
    }
}

fn skip_ws(input: &[u8], from: usize) -> usize {
    let rest = input.get(from..).unwrap_or_default();
    from + rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len())
}

/// `<Name>` at `at`: the name's bytes and the position after `>`. Names are ASCII letters,
/// digits and `_-.:`, starting with a letter or `_`.
fn start_tag(input: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = input.get(at..)?;
    if rest.first() != Some(&b'<') {
        return None;
    }
    let len = memchr::memchr(b'>', rest.get(1..)?)?;
    let tag = rest.get(1..=len)?;
    let first = *tag.first()?;
    let valid = (first.is_ascii_alphabetic() || first == b'_')
        && tag.iter().fold(true, |valid, &b| {
            valid & (b.is_ascii_alphanumeric() | matches!(b, b'_' | b'-' | b'.' | b':'))
        });
    valid.then_some((tag, at + len + 2))
}

/// `</Name>` exactly, at `at`: the position after it.
fn end_tag(input: &[u8], at: usize, name: &[u8]) -> Option<usize> {
    let rest = input.get(at..)?;
    let matches = rest.get(..2) == Some(b"</")
        && rest.get(2..2 + name.len()) == Some(name)
        && rest.get(2 + name.len()) == Some(&b'>');
    matches.then_some(at + name.len() + 3)
}

/// Adjacent CDATA sections from `at`, joined: their text (borrowed when there is one section)
/// and the position after the last.
fn cdata_sections(document: &str, mut at: usize) -> Option<(Cow<'_, str>, usize)> {
    const OPEN: &str = "<![CDATA[";
    let mut text: Option<Cow<'_, str>> = None;
    while document.get(at..)?.starts_with(OPEN) {
        let body = document.get(at + OPEN.len()..)?;
        let len = cdata_end(body.as_bytes())?;
        let section = body.get(..len)?;
        text = Some(match text {
            None => Cow::Borrowed(section),
            Some(joined) => Cow::Owned(joined.into_owned() + section),
        });
        at += OPEN.len() + len + 3;
    }
    Some((text.unwrap_or_default(), at))
}

/// Where `]]>` starts. A search for `]` is cheaper than building a substring finder for every
/// value, and values rarely hold a `]`.
fn cdata_end(body: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(b']', body.get(from..)?)?;
        if body.get(at + 1..at + 3) == Some(b"]>") {
            return Some(at);
        }
        from = at + 1;
    }
}

/// The general parser, for any document [`parse_flat`] does not take.
fn parse_general(input: &[u8], limits: Limits) -> Result<Element, XmlError> {
    let mut reader = Reader::from_reader(input);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;

    // `stack` holds the open elements; `Frame` remembers what text handling the element needs.
    let mut stack: Vec<Frame> = Vec::with_capacity(8);
    let mut root: Option<Element> = None;
    let mut count = 0usize;

    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, e))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::TrailingContent);
                }
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                count += 1;
                if count > limits.max_elements {
                    return Err(XmlError::TooManyElements {
                        limit: limits.max_elements,
                    });
                }
                stack.push(Frame::new(name(start.name().as_ref())?));
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return Err(XmlError::TrailingContent);
                }
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                count += 1;
                if count > limits.max_elements {
                    return Err(XmlError::TooManyElements {
                        limit: limits.max_elements,
                    });
                }
                let element = Element {
                    name: name(start.name().as_ref())?,
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.element.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(XmlError::TrailingContent);
                };
                let element = frame.finish();
                match stack.last_mut() {
                    Some(parent) => parent.element.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let raw = text.into_inner();
                let whitespace = raw.iter().all(u8::is_ascii_whitespace);
                match stack.last_mut() {
                    Some(frame) => {
                        let value = unescape(&raw)?;
                        if whitespace {
                            frame.pending_ws.push_str(&value);
                        } else {
                            frame.flush_ws();
                            frame.element.text.push_str(&value);
                        }
                    }
                    None if whitespace => {}
                    None => return Err(XmlError::TrailingContent),
                }
            }
            Event::CData(data) => {
                let Some(frame) = stack.last_mut() else {
                    return Err(XmlError::TrailingContent);
                };
                // Whitespace that only separates the tags from a CDATA section is layout.
                if frame.only_ws_so_far() {
                    frame.pending_ws.clear();
                } else {
                    frame.flush_ws();
                }
                frame.has_cdata = true;
                frame.element.text.push_str(utf8_str(&data)?);
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => {
                if let Some(open) = stack.pop() {
                    return Err(XmlError::Unclosed(open.element.name.into_owned()));
                }
                return root.ok_or(XmlError::Empty);
            }
        }
    }
}

struct Frame {
    element: Element,
    pending_ws: String,
    has_cdata: bool,
}

impl Frame {
    fn new(name: Cow<'static, str>) -> Self {
        Self {
            element: Element {
                name,
                ..Element::default()
            },
            pending_ws: String::new(),
            has_cdata: false,
        }
    }

    fn only_ws_so_far(&self) -> bool {
        self.element.text.is_empty()
    }

    fn flush_ws(&mut self) {
        if !self.pending_ws.is_empty() {
            self.element.text.push_str(&self.pending_ws);
            self.pending_ws.clear();
        }
    }

    fn finish(mut self) -> Element {
        // Trailing whitespace after a CDATA section, or between child elements, is layout; the
        // whitespace of a leaf without CDATA (`<A>  </A>`) is its value.
        if !self.has_cdata && self.element.children.is_empty() {
            self.flush_ws();
        }
        self.element
    }
}

fn syntax(reader: &Reader<&[u8]>, error: quick_xml::Error) -> XmlError {
    if let quick_xml::Error::Escape(e) = &error {
        return XmlError::Entity(e.to_string());
    }
    XmlError::Syntax {
        position: reader.error_position(),
        message: error.to_string(),
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

fn name(bytes: &[u8]) -> Result<Cow<'static, str>, XmlError> {
    if let Some(known) = common_name(bytes) {
        return Ok(Cow::Borrowed(known));
    }
    std::str::from_utf8(bytes)
        .map(|s| Cow::Owned(s.to_owned()))
        .map_err(|_| XmlError::Utf8)
}

fn utf8_str(bytes: &[u8]) -> Result<&str, XmlError> {
    std::str::from_utf8(bytes).map_err(|_| XmlError::Utf8)
}

fn unescape(raw: &[u8]) -> Result<std::borrow::Cow<'_, str>, XmlError> {
    let text = utf8_str(raw)?;
    if !text.contains('&') {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    quick_xml::escape::unescape(text).map_err(|e| match e {
        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name) => {
            XmlError::Entity(format!("&{name};"))
        }
        other => XmlError::Entity(other.to_string()),
    })
}

/// Whether a character may appear in an XML 1.0 document at all (even inside CDATA).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `value` as one or more CDATA sections. `]]>` inside the value is split across two
/// sections, and characters XML 1.0 cannot carry at all (C0 controls other than tab, newline and
/// carriage return; U+FFFE, U+FFFF) are dropped, so the output is always well formed.
pub fn write_cdata(out: &mut String, value: &str) {
    out.push_str("<![CDATA[");
    // One pass decides whether the value needs any care: no `]`, no control character, no
    // U+FFFE/U+FFFF. Most values take this path, Chinese text with full-width punctuation too.
    // A fold without early exit: the compiler turns it into vector code.
    let careful = value.bytes().fold(false, |careful, b| {
        careful | is_refused_control(b) | (b == b']')
    });
    if !careful && !has_noncharacter(value.as_bytes()) {
        out.push_str(value);
        out.push_str("]]>");
        return;
    }
    // Drop what XML cannot carry first: removing a character can join `]]` and `>` into the
    // terminator, so the split must see the final text.
    let cleaned;
    let mut rest = if has_only_xml_chars(value) {
        value
    } else {
        cleaned = sanitize(value);
        cleaned.as_str()
    };
    while let Some(at) = rest.find("]]>") {
        let (head, tail) = rest.split_at(at + 2);
        out.push_str(head);
        out.push_str("]]><![CDATA[");
        rest = tail;
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// Appends `<name><![CDATA[value]]></name>`.
pub fn write_cdata_element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    write_cdata(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `<name>value</name>` for a value that needs no escaping (a number).
pub fn write_bare_element(out: &mut String, name: &str, value: impl BareValue) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    value.write_to(out);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A value written without CDATA: an integer, or text the caller knows needs no escaping.
pub trait BareValue {
    /// Appends the value.
    fn write_to(self, out: &mut String);
}

impl BareValue for &str {
    fn write_to(self, out: &mut String) {
        out.push_str(self);
    }
}

impl BareValue for &String {
    fn write_to(self, out: &mut String) {
        out.push_str(self);
    }
}

macro_rules! bare_unsigned {
    ($($ty:ty),*) => {$(
        impl BareValue for $ty {
            fn write_to(self, out: &mut String) {
                push_integer(out, false, u64::try_from(self).unwrap_or(u64::MAX));
            }
        }
    )*};
}

macro_rules! bare_signed {
    ($($ty:ty),*) => {$(
        impl BareValue for $ty {
            fn write_to(self, out: &mut String) {
                push_integer(out, self < 0, u64::try_from(self.unsigned_abs()).unwrap_or(u64::MAX));
            }
        }
    )*};
}

bare_unsigned!(u32, u64, usize);
bare_signed!(i32, i64);

/// Appends an integer in decimal without going through `fmt` (this sits on the reply path).
fn push_integer(out: &mut String, negative: bool, magnitude: u64) {
    let mut digits = [0u8; 21];
    let mut at = digits.len();
    let mut rest = magnitude;
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            // `rest % 10` is a single digit.
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || at == 1 {
            break;
        }
    }
    if negative {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = b'-';
        }
    }
    // ASCII digits and an optional sign.
    out.push_str(std::str::from_utf8(digits.get(at..).unwrap_or_default()).unwrap_or_default());
}

/// A byte scan for what [`is_xml_char`] refuses: C0 controls other than tab, newline and
/// carriage return (single bytes below 0x20), and U+FFFE/U+FFFF (`EF BF BE`/`EF BF BF`).
fn has_only_xml_chars(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.iter().any(|&b| is_refused_control(b)) && !has_noncharacter(bytes)
}

/// A C0 control other than tab, newline and carriage return: a whole character in UTF-8, and
/// one XML 1.0 cannot carry.
fn is_refused_control(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// Whether valid UTF-8 holds U+FFFE or U+FFFF (`EF BF BE`, `EF BF BF`). `EF` also starts the
/// full-width punctuation of Chinese text (`，` is `EF BC 8C`), so it alone proves nothing.
fn has_noncharacter(bytes: &[u8]) -> bool {
    memchr::memchr_iter(0xEF, bytes).any(|at| {
        bytes.get(at + 1) == Some(&0xBF) && matches!(bytes.get(at + 2), Some(0xBE | 0xBF))
    })
}

/// What [`write_cdata`] keeps of a string: every character XML 1.0 can carry.
pub fn sanitize(value: &str) -> String {
    value.chars().filter(|&c| is_xml_char(c)).collect()
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
            Err(XmlError::Entity(_))
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
            Err(XmlError::Unclosed("A".to_owned()))
        );
        assert!(matches!(
            parse_str("<xml><A></B></xml>"),
            Err(XmlError::Syntax { .. })
        ));
        assert_eq!(parse_str("<a/><b/>"), Err(XmlError::TrailingContent));
        assert_eq!(parse_str("<a></a>junk"), Err(XmlError::TrailingContent));
        assert_eq!(parse(b"<xml>\xff</xml>"), Err(XmlError::Utf8));
        // In a CDATA value of the platform's flat shape, too (the one-pass reader checks the
        // document once and leaves the verdict to the general parser).
        assert_eq!(
            parse(b"<xml><A><![CDATA[\xe4\xbd]]></A></xml>"),
            Err(XmlError::Utf8)
        );
    }

    #[test]
    fn cdata_writer_splits_terminator_and_drops_invalid_chars() {
        let mut out = String::new();
        write_cdata_element(&mut out, "A", "x]]>y\u{1}z");
        assert_eq!(out, "<A><![CDATA[x]]]]><![CDATA[>yz]]></A>");
        let back = parse_str(&format!("<xml>{out}</xml>")).unwrap();
        assert_eq!(back.child_text("A"), Some("x]]>yz"));
    }

    #[test]
    fn full_width_punctuation_is_kept_and_noncharacters_are_dropped() {
        let mut out = String::new();
        write_cdata_element(&mut out, "A", "你好，几点？");
        assert_eq!(out, "<A><![CDATA[你好，几点？]]></A>");
        out.clear();
        write_cdata_element(&mut out, "A", "a\u{FFFE}，b\u{FFFF}");
        assert_eq!(out, "<A><![CDATA[a，b]]></A>");
    }

    #[test]
    fn dropped_characters_cannot_forge_the_terminator() {
        // Found by the envelope fuzzer: `]` + control + `]>` becomes `]]>` once the control
        // character is dropped, which used to close the section early.
        let mut out = String::from("<xml>");
        write_cdata_element(&mut out, "V", "a]\u{16}\u{0}]>b");
        out.push_str("</xml>");
        let root = parse(out.as_bytes()).unwrap();
        assert_eq!(root.child_text("V"), Some("a]]>b"));
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

    #[test]
    fn writes_integers() {
        let mut out = String::new();
        for value in [0i64, 7, -7, 1_348_831_860, i64::MIN, i64::MAX] {
            out.clear();
            value.write_to(&mut out);
            assert_eq!(out, value.to_string());
        }
        out.clear();
        u64::MAX.write_to(&mut out);
        assert_eq!(out, u64::MAX.to_string());
    }

    #[test]
    fn pushes_take_the_one_pass_reader() {
        let push = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n <FromUserName><![CDATA[o1]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><![CDATA[event]]></MsgType><Event> <![CDATA[scancode_push]]> </Event><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo><Empty></Empty><Ws>  </Ws></xml>\n";
        let fast = parse_flat(push.as_bytes(), Limits::default()).unwrap();
        assert_eq!(
            Ok(fast.clone()),
            parse_general(push.as_bytes(), Limits::default())
        );
        assert_eq!(fast.child_text("Event"), Some("scancode_push"));
        assert_eq!(fast.child_text("Ws"), Some("  "));
        let envelope = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt></xml>";
        assert!(parse_flat(envelope.as_bytes(), Limits::default()).is_some());
        // What the one-pass reader leaves to the general one.
        for other in [
            "<?xml version=\"1.0\"?><xml><A>1</A></xml>",
            "<xml><A/></xml>",
            "<xml><A>a &amp; b</A></xml>",
            "<xml><!-- c --><A>1</A></xml>",
            "<xml><A><![CDATA[a]]> <![CDATA[b]]></A></xml>",
            "<xml><A>x<![CDATA[y]]></A></xml>",
            "<xml a=\"1\"><A>1</A></xml>",
            "<xml><A>1</A>text</xml>",
            "<xml><A>1</B></xml>",
            "<xml><A>1</A></xml><x/>",
        ] {
            assert!(
                parse_flat(other.as_bytes(), Limits::default()).is_none(),
                "{other}"
            );
        }
        let deep = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        assert!(parse_flat(push.as_bytes(), deep).is_none());
        assert_eq!(
            parse_with(push.as_bytes(), deep),
            Err(XmlError::TooDeep { limit: 1 })
        );
    }

    /// Documents made of the pieces the two readers might disagree on.
    fn pieces() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just(&b"<xml>"[..]),
            Just(&b"</xml>"[..]),
            Just(&b"<A>"[..]),
            Just(&b"</A>"[..]),
            Just(&b"<B_1>"[..]),
            Just(&b"</B_1>"[..]),
            Just(&b"<A/>"[..]),
            Just(&b"</A >"[..]),
            Just(&b"<![CDATA["[..]),
            Just(&b"]]>"[..]),
            Just(&b"]]"[..]),
            Just(&b"x"[..]),
            Just("中".as_bytes()),
            Just(&b"12"[..]),
            Just(&b" "[..]),
            Just(&b"\n"[..]),
            Just(&b"\r\n"[..]),
            Just(&b"\t"[..]),
            Just(&b"\x0c"[..]),
            Just(&b"&amp;"[..]),
            Just(&b"&"[..]),
            Just(&b">"[..]),
            Just(&b"<"[..]),
            Just(&b"<!-- c -->"[..]),
            Just(&b"<?xml version=\"1.0\"?>"[..]),
            Just(&b"<!DOCTYPE x>"[..]),
            Just(&b"\xff"[..]),
            Just(&b"\0"[..]),
        ];
        let run = |n| proptest::collection::vec(piece.clone(), 0..n).prop_map(|p| p.concat());
        // Mostly inside a well-formed frame, so that the pieces land where values go.
        let value_piece = prop_oneof![
            Just(&b"x"[..]),
            Just("中".as_bytes()),
            Just(&b" "[..]),
            Just(&b"\r\n"[..]),
            Just(&b"\x0c"[..]),
            Just(&b"&amp;"[..]),
            Just(&b"&#x4e2d;"[..]),
            Just(&b"&"[..]),
            Just(&b">"[..]),
            Just(&b"]]>"[..]),
            Just(&b"<![CDATA[x]]>"[..]),
            Just(&b"<![CDATA[]]>"[..]),
            Just(&b"<![CDATA[ a ]]]]><![CDATA[>]]>"[..]),
            Just(&b"<B>1</B>"[..]),
            Just(&b"<!-- c -->"[..]),
        ];
        let value = proptest::collection::vec(value_piece, 0..4).prop_map(|p| p.concat());
        let leaf = (value, run(2))
            .prop_map(|(value, after)| [&b"<A>"[..], &value, b"</A>", &after].concat());
        let framed = (run(2), proptest::collection::vec(leaf, 0..4), run(2)).prop_map(
            |(before, leaves, after)| {
                [
                    before,
                    b"<xml>".to_vec(),
                    leaves.concat(),
                    b"</xml>".to_vec(),
                    after,
                ]
                .concat()
            },
        );
        prop_oneof![run(40), framed]
    }

    /// Well-formed documents in the platform's shape, with random layout.
    fn documents() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let ws = "[ \n\t\r]{0,2}";
        let leaf = (
            "[A-Z][a-z_]{0,3}",
            ws,
            prop_oneof![
                "[a-z0-9 ]{0,6}".prop_map(|t| t),
                "[^\\]]{0,6}".prop_map(|t| format!("<![CDATA[{t}]]>")),
                ("[a-z]{0,3}", "[a-z]{0,3}")
                    .prop_map(|(a, b)| format!("<![CDATA[{a}]]><![CDATA[{b}]]>")),
            ],
            ws,
        )
            .prop_map(|(name, before, value, after)| {
                if value.starts_with("<![CDATA[") {
                    format!("<{name}>{before}{value}{after}</{name}>")
                } else {
                    format!("<{name}>{value}</{name}>")
                }
            });
        let tree = leaf.prop_recursive(3, 24, 4, move |inner| {
            (
                "[A-Z][a-z]{0,3}",
                proptest::collection::vec((inner, ws), 1..5),
            )
                .prop_map(|(name, children)| {
                    let body: String = children.into_iter().map(|(c, w)| c + &w).collect();
                    format!("<{name}>{body}</{name}>")
                })
        });
        (ws, tree, ws).prop_map(|(a, t, b)| format!("{a}<xml>{t}</xml>{b}"))
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_reader_agrees_with_the_general_one(doc in pieces()) {
            if let Some(fast) = parse_flat(&doc, Limits::default()) {
                proptest::prop_assert_eq!(Ok(fast), parse_general(&doc, Limits::default()));
            }
        }

        #[test]
        fn the_one_pass_reader_takes_platform_shaped_documents(doc in documents()) {
            let fast = parse_flat(doc.as_bytes(), Limits::default());
            proptest::prop_assert!(fast.is_some(), "not taken: {doc:?}");
            proptest::prop_assert_eq!(Ok(fast.unwrap_or_default()), parse_general(doc.as_bytes(), Limits::default()));
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn the_byte_scan_agrees_with_the_character_rule(
            s in "[\u{FFFE}\u{FFFF}\u{FFFD}\u{FF0C}\u{FF1F}\u{EFBF}\u{BFBE}a\\]>\t\u{1}\u{1F}你]{0,12}"
        ) {
            proptest::prop_assert_eq!(has_only_xml_chars(&s), s.chars().all(is_xml_char));
        }

        #[test]
        fn cdata_round_trips_any_string(s in ".*") {
            let mut out = String::from("<xml>");
            write_cdata_element(&mut out, "V", &s);
            out.push_str("</xml>");
            let root = parse(out.as_bytes()).unwrap();
            let expected = sanitize(&s);
            // A value made only of whitespace reads back as its text (no CDATA trimming happens
            // because the whitespace is inside the section).
            proptest::prop_assert_eq!(root.child_text("V"), Some(expected.as_str()));
        }
    }
}
