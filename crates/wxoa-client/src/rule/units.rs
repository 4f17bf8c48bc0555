//! What the rules' numbers count and name: the unit of a length or a range ([`Unit`]), what
//! holds articles ([`ArticleList`]), what a file is uploaded as ([`UploadKind`]), and how a
//! rule's message writes a range's unit and a list of choices.

use std::fmt;

use crate::api::media::MediaKind;

/// What a length or a range counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// A plain number or count.
    Count,
    /// Bytes of UTF-8 (a CJK character is 3).
    Bytes,
    /// Characters.
    Characters,
    /// Seconds.
    Seconds,
    /// Percent off a price.
    PercentOff,
    /// OpenIDs in a list.
    OpenIds,
    /// Articles in a list.
    Articles,
    /// Card codes in a list.
    Codes,
    /// Users in a list (OpenIDs and WeChat ids).
    Users,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Count => "",
            Unit::Bytes => " bytes",
            Unit::Characters => " characters",
            Unit::Seconds => " seconds",
            Unit::PercentOff => " percent off",
            Unit::OpenIds => " OpenIDs",
            Unit::Articles => " articles",
            Unit::Codes => " codes",
            Unit::Users => " users",
        })
    }
}

/// What holds articles, for [`Rule::ArticleIndex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArticleList {
    /// A draft.
    Draft,
    /// A permanent news material.
    News,
}

impl fmt::Display for ArticleList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArticleList::Draft => "draft",
            ArticleList::News => "news",
        })
    }
}

/// What a file is uploaded as, for the file rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadKind {
    /// Temporary media of this kind (`media/upload`).
    Temporary(MediaKind),
    /// A permanent material of this kind (`material/add_material`).
    Permanent(MediaKind),
    /// An image for an article's content (`media/uploadimg`).
    ArticleImage,
}

impl fmt::Display for UploadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadKind::Temporary(kind) => write!(f, "a temporary {kind}"),
            UploadKind::Permanent(kind) => write!(f, "a permanent {kind}"),
            UploadKind::ArticleImage => f.write_str("an uploadimg image"),
        }
    }
}

/// The unit after a range: a range of seconds up to a whole number of days says the days
/// (`1..=2592000 (30 days)`), any other its unit.
pub(super) struct RangeUnit {
    pub(super) unit: Unit,
    pub(super) max: i64,
}

impl fmt::Display for RangeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAY: i64 = 24 * 60 * 60;
        if self.unit == Unit::Seconds && self.max >= DAY && self.max % DAY == 0 {
            write!(f, " ({} days)", self.max / DAY)
        } else {
            self.unit.fmt(f)
        }
    }
}

/// `a, b or c`.
pub(super) struct Choices<'a>(pub(super) &'a [&'a str]);

impl fmt::Display for Choices<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((last, rest)) = self.0.split_last() else {
            return Ok(());
        };
        if !rest.is_empty() {
            write!(f, "{} or ", rest.join(", "))?;
        }
        f.write_str(last)
    }
}
