//! The one reader of the platform's XML: a single pass over the document that reports each
//! element to a [`Sink`] as it closes, with its text borrowed from the input where it can be.
//!
//! It reads what the platform sends — elements with CDATA or bare values, nested groups, layout
//! whitespace — and everything else XML allows in such a document: a declaration, processing
//! instructions and comments (skipped), attributes (skipped), self-closing tags, the five
//! predefined entities and character references. A `DOCTYPE` is refused as soon as it starts,
//! so entity declarations never get read; the input's size, depth and element count are bounded
//! by [`Limits`]; nothing recurses.
//!
//! The text of an element is its character data joined: entities resolved, whitespace that only
//! separates the tags from a CDATA section or from child elements dropped as layout, and the
//! whitespace of a leaf without CDATA (`<A>  </A>`) kept as its value.

use std::borrow::Cow;

use super::{Limits, SyntaxProblem, XmlError};

/// Where [`read`] reports what it reads, in document order.
pub(crate) trait Sink<'a> {
    /// An element starts (its name as written).
    fn start(&mut self, name: &'a str);
    /// The innermost open element ends, with its text.
    fn end(&mut self, text: Cow<'a, str>);
}

/// An element still open, and what its text has gathered so far.
struct Open<'a> {
    name: &'a str,
    text: Cow<'a, str>,
    /// Whitespace read since the last text, kept until it is known to be part of the value.
    pending: Cow<'a, str>,
    cdata: bool,
    children: bool,
}

impl<'a> Open<'a> {
    fn new(name: &'a str) -> Self {
        Self {
            name,
            text: Cow::Borrowed(""),
            pending: Cow::Borrowed(""),
            cdata: false,
            children: false,
        }
    }

    fn flush_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        append(&mut self.text, pending);
    }

    /// Character data between markup: whitespace waits in `pending`, anything else joins the
    /// text together with the whitespace before it.
    fn text(&mut self, raw: &'a str) -> Result<(), XmlError> {
        // One pass without early exit, which the compiler turns into vector code.
        let (whitespace, reference) = raw.bytes().fold((true, false), |(ws, amp), b| {
            (ws & b.is_ascii_whitespace(), amp | (b == b'&'))
        });
        if whitespace {
            append(&mut self.pending, Cow::Borrowed(raw));
        } else {
            let value = if reference {
                unescape(raw)?
            } else {
                Cow::Borrowed(raw)
            };
            self.flush_pending();
            append(&mut self.text, value);
        }
        Ok(())
    }

    /// A CDATA section: whitespace that only separates it from the start tag is layout.
    fn cdata(&mut self, data: &'a str) {
        if self.text.is_empty() {
            self.pending = Cow::Borrowed("");
        } else {
            self.flush_pending();
        }
        self.cdata = true;
        append(&mut self.text, Cow::Borrowed(data));
    }

    /// The element's value: trailing whitespace after a CDATA section, or among child elements,
    /// is layout.
    fn finish(mut self) -> Cow<'a, str> {
        if !self.cdata && !self.children {
            self.flush_pending();
        }
        self.text
    }
}

/// Appends `value` to `text`, borrowing while there is only one piece.
fn append<'a>(text: &mut Cow<'a, str>, value: Cow<'a, str>) {
    if text.is_empty() {
        *text = value;
    } else if !value.is_empty() {
        text.to_mut().push_str(&value);
    }
}

/// Reads `input`, reporting every element to `sink`, or names what is wrong with it.
pub(crate) fn read<'a>(
    input: &'a [u8],
    limits: Limits,
    sink: &mut impl Sink<'a>,
) -> Result<(), XmlError> {
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    // UTF-8 is checked once for the whole document (the platform's are mostly ASCII, which the
    // check takes a word at a time); every piece below is cut from it at an ASCII delimiter.
    let document = std::str::from_utf8(input).map_err(|_| XmlError::Utf8)?;
    let mut open: Vec<Open<'a>> = Vec::with_capacity(8);
    let mut count = 0usize;
    let mut closed_root = false;
    // A byte order mark is not part of the document.
    let mut at = if document.starts_with('\u{feff}') {
        3
    } else {
        0
    };
    loop {
        // Character data up to the next markup (in the platform's documents, mostly none).
        let markup = match input.get(at) {
            Some(b'<') => Some(at),
            Some(_) => memchr::memchr(b'<', input.get(at..).unwrap_or_default()).map(|n| at + n),
            None => None,
        };
        let end = markup.unwrap_or(input.len());
        if end > at {
            let raw = document.get(at..end).unwrap_or_default();
            match open.last_mut() {
                Some(element) => element.text(raw)?,
                None if raw.bytes().all(|b| b.is_ascii_whitespace()) => {}
                None => return Err(XmlError::TrailingContent),
            }
        }
        let Some(start) = markup else {
            break;
        };
        let rest = document.get(start..).unwrap_or_default();
        at = match input.get(start + 1) {
            Some(b'/') => {
                let Some(element) = open.pop() else {
                    return Err(syntax(start, SyntaxProblem::EndTagWithoutElement));
                };
                let after = end_tag(input, start, element.name)?;
                sink.end(element.finish());
                closed_root = open.is_empty();
                after
            }
            Some(b'!') => {
                if let Some(body) = rest.strip_prefix("<![CDATA[") {
                    let len = cdata_end(body.as_bytes())
                        .ok_or_else(|| syntax(start, SyntaxProblem::UnclosedCdata))?;
                    let Some(element) = open.last_mut() else {
                        return Err(XmlError::TrailingContent);
                    };
                    element.cdata(body.get(..len).unwrap_or_default());
                    start + "<![CDATA[".len() + len + "]]>".len()
                } else if rest.starts_with("<!--") {
                    let body = rest.as_bytes().get(4..).unwrap_or_default();
                    let len = memchr::memmem::find(body, b"-->")
                        .ok_or_else(|| syntax(start, SyntaxProblem::UnclosedComment))?;
                    start + 4 + len + 3
                } else {
                    let doctype = rest
                        .as_bytes()
                        .get(2..9)
                        .is_some_and(|word| word.eq_ignore_ascii_case(b"DOCTYPE"));
                    return Err(if doctype {
                        XmlError::Doctype
                    } else {
                        syntax(start, SyntaxProblem::UnknownMarkup)
                    });
                }
            }
            Some(b'?') => {
                // It ends at the first `?>`, which may not reuse the `?` that opens it.
                let body = rest.as_bytes().get(1..).unwrap_or_default();
                match memchr::memmem::find(body, b"?>") {
                    Some(len) if len > 0 => start + 1 + len + 2,
                    _ => return Err(syntax(start, SyntaxProblem::UnclosedProcessingInstruction)),
                }
            }
            _ => {
                let (name, empty, after) = start_tag(document, start)?;
                if closed_root {
                    return Err(XmlError::TrailingContent);
                }
                if open.len() >= limits.max_depth {
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
                if let Some(parent) = open.last_mut() {
                    parent.children = true;
                }
                sink.start(name);
                if empty {
                    sink.end(Cow::Borrowed(""));
                    closed_root = open.is_empty();
                } else {
                    open.push(Open::new(name));
                }
                after
            }
        };
    }
    if let Some(element) = open.pop() {
        return Err(XmlError::Unclosed {
            element: element.name.to_owned(),
        });
    }
    if closed_root {
        Ok(())
    } else {
        Err(XmlError::Empty)
    }
}

fn syntax(position: usize, problem: SyntaxProblem) -> XmlError {
    XmlError::Syntax {
        position: position as u64,
        problem,
    }
}

/// The whitespace XML allows inside tags.
fn is_tag_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A start tag at `at`: its name, whether it closes itself (`<A/>`), and the position after
/// `>`. Attributes are skipped (a `>` inside a quoted value does not end the tag); the name is
/// everything up to the first whitespace.
fn start_tag(document: &str, at: usize) -> Result<(&str, bool, usize), XmlError> {
    let tag = document.as_bytes().get(at + 1..).unwrap_or_default();
    // The platform's tags are a bare name: read it, and see the tag close right after it.
    let name_len = tag
        .iter()
        .position(|&b| matches!(b, b'>' | b'/' | b'"' | b'\'') || is_tag_space(b))
        .unwrap_or(tag.len());
    let name = document.get(at + 1..at + 1 + name_len).unwrap_or_default();
    match (tag.get(name_len), tag.get(name_len + 1)) {
        (Some(b'>'), _) => return Ok((name, false, at + name_len + 2)),
        (Some(b'/'), Some(b'>')) => return Ok((name, true, at + name_len + 3)),
        _ => {}
    }
    // Anything else: find the `>` that closes the tag, outside quoted attribute values.
    let mut close = name_len;
    loop {
        // Tags are short: a plain loop beats setting up a vector search.
        let rest = tag.get(close..).unwrap_or_default();
        let Some(len) = rest.iter().position(|&b| matches!(b, b'>' | b'"' | b'\'')) else {
            return Err(syntax(at, SyntaxProblem::UnclosedStartTag));
        };
        close += len;
        match tag.get(close) {
            Some(&quote @ (b'"' | b'\'')) => {
                let value = tag.get(close + 1..).unwrap_or_default();
                let end = memchr::memchr(quote, value)
                    .ok_or_else(|| syntax(at, SyntaxProblem::UnclosedAttributeValue))?;
                close += end + 2;
            }
            _ => break,
        }
    }
    let mut content = document.get(at + 1..at + 1 + close).unwrap_or_default();
    let empty = content.ends_with('/');
    if empty {
        content = content.get(..content.len() - 1).unwrap_or_default();
    }
    let name_len = content
        .bytes()
        .position(is_tag_space)
        .unwrap_or(content.len());
    Ok((
        content.get(..name_len).unwrap_or_default(),
        empty,
        at + close + 2,
    ))
}

/// The end tag of the element `name` at `at` (whitespace before `>` is allowed): the position
/// after `>`. Any other end tag is a syntax error.
fn end_tag(input: &[u8], at: usize, name: &str) -> Result<usize, XmlError> {
    let after_name = at + 2 + name.len();
    if input.get(at + 2..after_name) == Some(name.as_bytes()) {
        let mut i = after_name;
        while input.get(i).copied().is_some_and(is_tag_space) {
            i += 1;
        }
        match input.get(i) {
            Some(b'>') => return Ok(i + 1),
            None => return Err(syntax(at, SyntaxProblem::UnclosedEndTag)),
            Some(_) => {}
        }
    }
    Err(syntax(
        at,
        SyntaxProblem::MismatchedEndTag {
            open: name.to_owned(),
        },
    ))
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

/// Resolves the predefined entities and character references in `raw`; any other reference is
/// refused.
fn unescape(raw: &str) -> Result<Cow<'_, str>, XmlError> {
    let Some(first) = memchr::memchr(b'&', raw.as_bytes()) else {
        return Ok(Cow::Borrowed(raw));
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(raw.get(..first).unwrap_or_default());
    let mut rest = raw.get(first..).unwrap_or_default();
    while let Some(reference) = rest.strip_prefix('&') {
        let Some(len) = memchr::memchr(b';', reference.as_bytes()) else {
            return Err(XmlError::Entity {
                reference: format!("&{}", reference.chars().take(16).collect::<String>()),
            });
        };
        let name = reference.get(..len).unwrap_or_default();
        out.push(resolve(name).ok_or_else(|| XmlError::Entity {
            reference: format!("&{name};"),
        })?);
        rest = reference.get(len + 1..).unwrap_or_default();
        let next = memchr::memchr(b'&', rest.as_bytes()).unwrap_or(rest.len());
        out.push_str(rest.get(..next).unwrap_or_default());
        rest = rest.get(next..).unwrap_or_default();
    }
    Ok(Cow::Owned(out))
}

/// The character a reference's name stands for: a predefined entity, `#123` or `#x7B`.
fn resolve(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let (digits, radix) = match number.strip_prefix('x') {
                Some(hex) => (hex, 16),
                None => (number, 10),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let code = u32::from_str_radix(digits, radix).ok()?;
            if code == 0 {
                return None;
            }
            char::from_u32(code)
        }
    }
}
