//! Writing the platform's XML: CDATA sections that any string survives (`]]>` split across two
//! sections, characters XML 1.0 cannot carry dropped) and bare values written without `fmt`.
//! Reading is [`read`](super::read)'s job.

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
    use crate::xml::parse;

    #[test]
    fn cdata_writer_splits_terminator_and_drops_invalid_chars() {
        let mut out = String::new();
        write_cdata_element(&mut out, "A", "x]]>y\u{1}z");
        assert_eq!(out, "<A><![CDATA[x]]]]><![CDATA[>yz]]></A>");
        let back = parse(format!("<xml>{out}</xml>").as_bytes()).unwrap();
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

    proptest::proptest! {
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
