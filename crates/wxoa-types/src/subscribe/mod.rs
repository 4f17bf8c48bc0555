//! Subscription notifications (订阅通知, api-reference-2 §1.1): the keyword types a template's
//! fields have, and the rule a value of each type must follow. One definition, used by the
//! client before a send leaves and by the sandbox when it plays the platform.
//!
//! A field of `data` is named `<type><n>` (`thing1`, `time2`, `character_string3`): the type
//! is the name without its trailing digits. Lengths count characters (Unicode scalars), as
//! the platform does. What a follower answered a template's popup (`accept`, `reject`) is
//! [`ConsentStatus`] (`consent`).
//!
//! Where the public sources disagree, the limit is a field of [`KeywordLimits`]: the digits of
//! an `amount` (10 per the platform's table, 12 in one client) and whether `time` and `date`
//! take a range joined by `~` (newer text only).
//!
//! ```
//! use wxoa_types::subscribe::{KeywordLimits, check_field};
//!
//! let limits = KeywordLimits::default();
//! assert!(check_field("thing1", "包裹已发货", &limits).is_ok());
//! assert!(check_field("time2", "2019年10月1日 15:01", &limits).is_ok());
//! assert!(check_field("phrase3", "配送中了吗吗", &limits).is_err());
//! ```

/// `Display` and serde for an enum of the platform's words, through its `as_str` and
/// `From<&str>` (which keeps a word it does not know). Used by the client's string enums too.
#[macro_export]
#[doc(hidden)]
macro_rules! platform_words {
    ($name:ty) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    };
}

mod consent;

pub use consent::ConsentStatus;

/// The type of a keyword: what its values may hold (the `rule` of
/// `getpubtemplatekeywords`, the prefix of a `data` field's name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeywordRule {
    /// `thing`: up to 20 characters of any script, digits, letters and symbols.
    Thing,
    /// `number`: up to 32 digits, with a decimal point.
    Number,
    /// `letter`: up to 32 letters.
    Letter,
    /// `symbol`: up to 5 symbols.
    Symbol,
    /// `character_string`: up to 32 digits, letters and symbols.
    CharacterString,
    /// `time`: a 24-hour time, with a date before it or not (`15:01`, `2019年10月1日 15:01`).
    Time,
    /// `date`: a date, with a 24-hour time after it or not.
    Date,
    /// `amount`: a currency symbol and up to 10 digits with decimals, `元` at the end or not.
    Amount,
    /// `phone_number`: up to 17 digits and symbols (`+86-0766-66888866`).
    PhoneNumber,
    /// `car_number`: up to 8 characters, letters and digits, the first and the last may be
    /// Chinese (`粤A8Z888挂`).
    CarNumber,
    /// `name`: up to 10 Chinese characters, or up to 20 letters and symbols.
    Name,
    /// `phrase`: up to 5 Chinese characters (`配送中`).
    Phrase,
    /// `enum`: one of the template's `keywordEnumValueList` values (checked by the platform,
    /// which knows the list).
    Enum,
    /// A type this version does not know, kept as written; its values are not checked here.
    Unknown(String),
}

impl KeywordRule {
    /// The type as the platform writes it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Thing => "thing",
            Self::Number => "number",
            Self::Letter => "letter",
            Self::Symbol => "symbol",
            Self::CharacterString => "character_string",
            Self::Time => "time",
            Self::Date => "date",
            Self::Amount => "amount",
            Self::PhoneNumber => "phone_number",
            Self::CarNumber => "car_number",
            Self::Name => "name",
            Self::Phrase => "phrase",
            Self::Enum => "enum",
            Self::Unknown(other) => other,
        }
    }

    /// The type and number of a `data` field's name: `character_string12` is
    /// (`CharacterString`, 12). `None` when the name does not end in a number or has nothing
    /// before it.
    #[must_use]
    pub fn of_field(name: &str) -> Option<(Self, u32)> {
        let rule = name.trim_end_matches(|c: char| c.is_ascii_digit());
        let number = name.get(rule.len()..)?.parse().ok()?;
        if rule.is_empty() {
            return None;
        }
        Some((Self::from(rule), number))
    }
}

impl From<&str> for KeywordRule {
    fn from(value: &str) -> Self {
        match value {
            "thing" => Self::Thing,
            "number" => Self::Number,
            "letter" => Self::Letter,
            "symbol" => Self::Symbol,
            "character_string" => Self::CharacterString,
            "time" => Self::Time,
            "date" => Self::Date,
            "amount" => Self::Amount,
            "phone_number" => Self::PhoneNumber,
            "car_number" => Self::CarNumber,
            "name" => Self::Name,
            "phrase" => Self::Phrase,
            "enum" => Self::Enum,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

crate::platform_words!(KeywordRule);

/// The limits of keyword values, in characters. The defaults are the platform's table
/// (api-reference-2 §1.1); the fields the sources disagree on can be changed.
///
/// ```
/// use wxoa_types::subscribe::KeywordLimits;
///
/// let mut limits = KeywordLimits::default();
/// limits.amount_digits = 12; // as one client has it
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeywordLimits {
    /// `thing` (20).
    pub thing: usize,
    /// `number` (32).
    pub number: usize,
    /// `letter` (32).
    pub letter: usize,
    /// `symbol` (5).
    pub symbol: usize,
    /// `character_string` (32).
    pub character_string: usize,
    /// Digits of an `amount`, decimals included (10; one client has 12 — unsure).
    pub amount_digits: usize,
    /// `phone_number` (17).
    pub phone_number: usize,
    /// `car_number` (8).
    pub car_number: usize,
    /// `name` with any Chinese character in it (10).
    pub name_cjk: usize,
    /// `name` of letters and symbols only (20).
    pub name_latin: usize,
    /// `phrase` (5).
    pub phrase: usize,
    /// Whether `time` and `date` take a range, two values joined by `~` (newer text: true).
    pub ranges: bool,
}

impl Default for KeywordLimits {
    fn default() -> Self {
        Self {
            thing: 20,
            number: 32,
            letter: 32,
            symbol: 5,
            character_string: 32,
            amount_digits: 10,
            phone_number: 17,
            car_number: 8,
            name_cjk: 10,
            name_latin: 20,
            phrase: 5,
            ranges: true,
        }
    }
}

/// Why a keyword value breaks its type's rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeywordError {
    /// The value is empty.
    #[error("must not be empty")]
    Empty,
    /// The value has more characters than the type allows.
    #[error("longer than {max} characters (a {rule} keyword)")]
    TooLong {
        /// The type.
        rule: KeywordRule,
        /// Its limit.
        max: usize,
    },
    /// The value holds a character the type does not allow.
    #[error("{found:?} is not allowed in a {rule} keyword ({allowed})")]
    Character {
        /// The type.
        rule: KeywordRule,
        /// The first character refused.
        found: char,
        /// What the type allows.
        allowed: &'static str,
    },
    /// The value does not have the type's shape.
    #[error("not {expected} (a {rule} keyword)")]
    Format {
        /// The type.
        rule: KeywordRule,
        /// The shape the type needs.
        expected: &'static str,
    },
}

/// Checks the value of the `data` field `name` against the rule of its type (the name's
/// prefix). A name without a type (`first`, `keyword`) and types this version does not know
/// are checked for emptiness only.
pub fn check_field(name: &str, value: &str, limits: &KeywordLimits) -> Result<(), KeywordError> {
    match KeywordRule::of_field(name) {
        Some((rule, _)) => check_value(&rule, value, limits),
        None if value.is_empty() => Err(KeywordError::Empty),
        None => Ok(()),
    }
}

/// Checks a value against the rule of `rule`.
pub fn check_value(
    rule: &KeywordRule,
    value: &str,
    limits: &KeywordLimits,
) -> Result<(), KeywordError> {
    if value.is_empty() {
        return Err(KeywordError::Empty);
    }
    let count = value.chars().count();
    let too_long = |max: usize| {
        if count > max {
            Err(KeywordError::TooLong {
                rule: rule.clone(),
                max,
            })
        } else {
            Ok(())
        }
    };
    let only = |allowed: &'static str, ok: fn(char) -> bool| match value.chars().find(|&c| !ok(c)) {
        Some(found) => Err(KeywordError::Character {
            rule: rule.clone(),
            found,
            allowed,
        }),
        None => Ok(()),
    };
    let shape = |expected: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(KeywordError::Format {
                rule: rule.clone(),
                expected,
            })
        }
    };
    match rule {
        KeywordRule::Thing => {
            too_long(limits.thing)?;
            only("any text on one line", |c| !c.is_control())
        }
        KeywordRule::Number => {
            too_long(limits.number)?;
            only("digits and a decimal point", |c| {
                c.is_ascii_digit() || c == '.'
            })?;
            shape("a number", is_decimal(value))
        }
        KeywordRule::Letter => {
            too_long(limits.letter)?;
            only("letters", |c| c.is_ascii_alphabetic())
        }
        KeywordRule::Symbol => {
            too_long(limits.symbol)?;
            only("symbols", is_symbol)
        }
        KeywordRule::CharacterString => {
            too_long(limits.character_string)?;
            only("digits, letters and symbols", |c| {
                c.is_ascii_alphanumeric() || is_symbol(c)
            })
        }
        KeywordRule::Time => shape(
            "a 24-hour time, a date before it or not (15:01, 2019年10月1日 15:01)",
            in_range(value, limits.ranges, |v| is_moment(v, false)),
        ),
        KeywordRule::Date => shape(
            "a date, a 24-hour time after it or not (2019年10月1日, 2019-10-01 15:01)",
            in_range(value, limits.ranges, |v| is_moment(v, true)),
        ),
        KeywordRule::Amount => shape(
            "an amount: a currency symbol, digits with decimals, 元 at the end or not",
            is_amount(value, limits.amount_digits),
        ),
        KeywordRule::PhoneNumber => {
            too_long(limits.phone_number)?;
            only("digits and symbols", |c| c.is_ascii_digit() || is_symbol(c))
        }
        KeywordRule::CarNumber => {
            too_long(limits.car_number)?;
            shape(
                "a plate: letters and digits, the first and last may be Chinese",
                is_car_number(value),
            )
        }
        KeywordRule::Name => {
            let latin = value.is_ascii();
            too_long(if latin {
                limits.name_latin
            } else {
                limits.name_cjk
            })?;
            only("letters and symbols", |c| {
                (c.is_alphabetic() || is_symbol(c) || c == ' ') && !c.is_numeric()
            })
        }
        KeywordRule::Phrase => {
            too_long(limits.phrase)?;
            only("Chinese characters", is_cjk)
        }
        KeywordRule::Enum | KeywordRule::Unknown(_) => Ok(()),
    }
}

/// A character that is neither a letter, a digit, a space nor a control character:
/// punctuation and symbols of any script.
fn is_symbol(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control()
}

/// A CJK ideograph (the unified blocks and their extensions, the compatibility block, 〇).
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0x20000..=0x2EBEF | 0x2F800..=0x2FA1F | 0x30000..=0x3134F)
}

/// Digits with at most one decimal point between digits.
fn is_decimal(value: &str) -> bool {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "1"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// A value, or two joined by `~` when ranges are allowed, each as `one` wants.
fn in_range(value: &str, ranges: bool, one: impl Fn(&str) -> bool) -> bool {
    match value.split_once('~') {
        Some((from, to)) if ranges => one(from.trim()) && one(to.trim()),
        Some(_) => false,
        None => one(value.trim()),
    }
}

/// A date and a time: the date alone (`date_first`) or the time alone (otherwise), or a date
/// followed by a time, with spaces between or right after `日`.
fn is_moment(value: &str, date_first: bool) -> bool {
    let split = value
        .split_once(char::is_whitespace)
        .map(|(d, t)| (d, t.trim_start()))
        .or_else(|| {
            value
                .split_once('日')
                .filter(|(_, t)| !t.is_empty())
                .and_then(|(d, t)| Some((value.get(..d.len() + '日'.len_utf8())?, t)))
        });
    match split {
        Some((date, time)) => is_date(date) && is_time(time),
        None if date_first => is_date(value),
        None => is_time(value),
    }
}

/// `H:MM` or `H:MM:SS`, 24-hour.
fn is_time(value: &str) -> bool {
    let mut parts = value.split(':');
    let number = |part: Option<&str>, width: std::ops::RangeInclusive<usize>, max: u32| {
        part.filter(|p| width.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|n| n <= max)
    };
    let hour = number(parts.next(), 1..=2, 23);
    let minute = number(parts.next(), 2..=2, 59);
    let second = parts.next().is_none_or(|s| number(Some(s), 2..=2, 59));
    hour && minute && second && parts.next().is_none()
}

/// `2019年10月1日`, `2019-10-01`, `2019/10/1` or `2019.10.01`: a day that exists.
fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = match value.strip_suffix('日') {
        Some(rest) => rest.split(['年', '月']).collect(),
        None => value.split(['-', '/', '.']).collect(),
    };
    let [year, month, day] = parts[..] else {
        return false;
    };
    let number = |s: &str, width: std::ops::RangeInclusive<usize>| {
        Some(s)
            .filter(|s| width.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
    };
    let (Some(year), Some(month), Some(day)) = (
        number(year, 4..=4),
        number(month, 1..=2),
        number(day, 1..=2),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Currency symbols an amount may start with.
const CURRENCIES: &[char] = &[
    '¥', '￥', '$', '€', '£', '₩', '₹', '₽', '฿', '₫', '₱', '₺', '₴', '₦', '¢',
];

/// A currency symbol or none, digits with decimals or not (`max_digits` digits in all),
/// `元` at the end or not.
fn is_amount(value: &str, max_digits: usize) -> bool {
    let value = value.strip_suffix('元').unwrap_or(value);
    let number = value.strip_prefix(CURRENCIES).unwrap_or(value);
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    is_decimal(number) && digits <= max_digits
}

/// Letters and digits, the first and the last character possibly Chinese.
fn is_car_number(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    let last = chars.len().saturating_sub(1);
    chars
        .iter()
        .enumerate()
        .all(|(i, &c)| c.is_ascii_alphanumeric() || ((i == 0 || i == last) && is_cjk(c)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(name: &str, value: &str) -> bool {
        check_field(name, value, &KeywordLimits::default()).is_ok()
    }

    #[test]
    fn field_names_split_into_type_and_number() {
        assert_eq!(
            KeywordRule::of_field("character_string12"),
            Some((KeywordRule::CharacterString, 12))
        );
        assert_eq!(
            KeywordRule::of_field("thing1"),
            Some((KeywordRule::Thing, 1))
        );
        assert_eq!(KeywordRule::of_field("first"), None);
        assert_eq!(KeywordRule::of_field("12"), None);
        assert_eq!(
            KeywordRule::of_field("brand_new3"),
            Some((KeywordRule::Unknown("brand_new".into()), 3))
        );
    }

    #[test]
    fn the_specs_examples_pass() {
        // api-reference-2 §1.1, the examples of the table.
        assert!(ok("time1", "15:01"));
        assert!(ok("time1", "2019年10月1日 15:01"));
        assert!(ok("date2", "2019年10月1日"));
        assert!(ok("date2", "2019年10月1日 15:01"));
        assert!(ok("phone_number3", "+86-0766-66888866"));
        assert!(ok("car_number4", "粤A8Z888挂"));
        assert!(ok("phrase5", "配送中"));
        assert!(ok("amount6", "¥8.50"));
        assert!(ok("amount6", "8.50元"));
        assert!(ok("thing7", "包裹已发货"));
        assert!(ok("number8", "3.14"));
        assert!(ok("letter9", "ABC"));
        assert!(ok("symbol10", "#%"));
        assert!(ok("character_string11", "SF1234-5678"));
        assert!(ok("name12", "张三"));
        assert!(ok("name12", "John Smith"));
    }

    #[test]
    fn each_type_refuses_what_breaks_its_rule() {
        assert!(!ok("thing1", &"好".repeat(21)));
        assert!(ok("thing1", &"好".repeat(20)));
        assert!(!ok("thing1", "two\nlines"));
        assert!(!ok("number1", "12a"));
        assert!(!ok("number1", "1.2.3"));
        assert!(!ok("number1", ".5"));
        assert!(!ok("number1", &"1".repeat(33)));
        assert!(!ok("letter1", "abc1"));
        assert!(!ok("symbol1", "a!"));
        assert!(!ok("symbol1", "!!!!!!"));
        assert!(!ok("character_string1", "订单1"));
        assert!(!ok("time1", "25:00"));
        assert!(!ok("time1", "2019年10月1日"));
        assert!(!ok("date1", "2019年2月30日"));
        assert!(ok("date1", "2020年2月29日"));
        assert!(!ok("date1", "15:01"));
        assert!(!ok("amount1", "¥12345678901"));
        assert!(ok("amount1", "¥1234567890"));
        assert!(!ok("amount1", "¥¥1"));
        assert!(!ok("phone_number1", "+86 0766"));
        assert!(!ok("phone_number1", &"1".repeat(18)));
        assert!(!ok("car_number1", "粤A8Z888挂9"));
        assert!(!ok("car_number1", "A粤8Z"));
        assert!(!ok("name1", "张三丰张三丰张三丰张三"));
        assert!(!ok("name1", "Agent 007"));
        assert!(ok("name1", &"a".repeat(20)));
        assert!(!ok("name1", &"a".repeat(21)));
        assert!(!ok("phrase1", "配送中ing"));
        assert!(!ok("phrase1", "配送中配送中"));
        assert!(!ok("thing1", ""));
        assert!(!ok("first", ""));
        assert!(ok("first", "anything at all\n"));
    }

    #[test]
    fn ranges_are_a_setting() {
        assert!(ok("time1", "15:01~16:00"));
        assert!(ok("date1", "2019年10月1日 ~ 2019年10月3日"));
        assert!(!ok("date1", "2019年10月1日~"));
        let limits = KeywordLimits {
            ranges: false,
            ..KeywordLimits::default()
        };
        assert!(check_field("time1", "15:01~16:00", &limits).is_err());
    }

    #[test]
    fn amount_digits_are_a_setting() {
        let mut limits = KeywordLimits::default();
        assert!(check_field("amount1", "123456789012", &limits).is_err());
        limits.amount_digits = 12;
        assert!(check_field("amount1", "123456789012", &limits).is_ok());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let limits = KeywordLimits::default();
        let e = check_field("thing1", &"x".repeat(21), &limits).unwrap_err();
        assert_eq!(e.to_string(), "longer than 20 characters (a thing keyword)");
        let e = check_field("letter1", "ab1", &limits).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'1' is not allowed in a letter keyword (letters)"
        );
        let e = check_field("date1", "yesterday", &limits).unwrap_err();
        assert!(e.to_string().starts_with("not a date"), "{e}");
    }
}
