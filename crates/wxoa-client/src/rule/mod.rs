//! The catalogue of the platform's rules a request's field can break ([`Rule`]), each with the
//! values that break it. What its lengths and ranges count ([`Unit`]) and the other values its
//! messages name are in `units.rs`.

mod units;

pub use units::{ArticleList, Unit, UploadKind};
use units::{Choices, RangeUnit};

/// A rule of the platform that a field breaks, with the values that break it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rule {
    /// The field is empty.
    #[error("must not be empty")]
    Empty,
    /// The field is absent.
    #[error("required")]
    Required,
    /// The field is longer than the platform takes.
    #[error("longer than {max}{unit}")]
    LongerThan {
        /// The longest accepted.
        max: usize,
        /// What is counted.
        unit: Unit,
    },
    /// The field must be shorter than `max`.
    #[error("must be shorter than {max}{unit}")]
    NotShorterThan {
        /// The first length refused.
        max: usize,
        /// What is counted.
        unit: Unit,
    },
    /// The field is longer, or larger, than the platform takes.
    #[error("at most {max}{unit}, got {got}")]
    AtMost {
        /// The most accepted.
        max: u64,
        /// What is counted.
        unit: Unit,
        /// What the field has.
        got: u64,
    },
    /// A number, or a count, outside the range the platform takes.
    #[error("{min}..={max}{}, got {got}", RangeUnit { unit: *unit, max: *max })]
    OutOfRange {
        /// The least accepted.
        min: i64,
        /// The most accepted.
        max: i64,
        /// What is counted.
        unit: Unit,
        /// What the field has.
        got: i64,
    },
    /// An article's index past the articles a draft or a news can hold.
    #[error(
        "0..={} (a {list} has at most {articles} articles), got {got}",
        articles.saturating_sub(1)
    )]
    ArticleIndex {
        /// What holds the articles.
        list: ArticleList,
        /// How many it can hold.
        articles: usize,
        /// The index given.
        got: u32,
    },
    /// A value that is none of those the platform knows.
    #[error("must be {}, not {got:?}", Choices(choices))]
    OneOf {
        /// The values the platform knows.
        choices: &'static [&'static str],
        /// The value given.
        got: String,
    },
    /// A URL that is not `http` or `https`.
    #[error("must be an http or https URL")]
    HttpUrl,
    /// A URL with a fragment (`#…`) where the platform appends its own query.
    #[error("must not have a fragment (#…)")]
    Fragment,
    /// A text that may hold only ASCII letters and digits.
    #[error("holds only letters and digits [a-zA-Z0-9]")]
    LettersAndDigits,
    /// A list of OpenIDs that names nobody.
    #[error("must name at least one OpenID")]
    NoOpenId,
    /// A period whose end is not after its beginning.
    #[error("must be after begin_timestamp ({begin}), got {end}")]
    EndNotAfterBegin {
        /// The beginning (Unix seconds).
        begin: i64,
        /// The end given.
        end: i64,
    },
    /// A span whose end is not after its start (`starttime`/`endtime` of a record query).
    #[error("must be after starttime ({start}), got {end}")]
    EndNotAfterStart {
        /// The start (Unix seconds).
        start: i64,
        /// The end given.
        end: i64,
    },
    /// A number below the least the platform takes.
    #[error("at least {min}, got {got}")]
    AtLeast {
        /// The least accepted.
        min: i64,
        /// What the field has.
        got: i64,
    },
    /// A fixed term of 0 days.
    #[error("at least 1 day, got 0")]
    NoDays,
    /// A cash card that takes 0 cents off.
    #[error("more than 0 cents, got 0")]
    NoCents,
    /// A card's logo that is not an uploaded image's URL.
    #[error("must be an http(s) URL (upload the logo with uploadimg), got {got:?}")]
    LogoUrl {
        /// The value given.
        got: String,
    },
    /// A card code type the platform does not know.
    #[error("not a code type of the platform: {got:?}")]
    CodeType {
        /// The value given.
        got: String,
    },
    /// A card colour outside the platform's palette.
    #[error("one of Color010 … Color102, got {got:?}")]
    CardColor {
        /// The value given.
        got: String,
    },
    /// A card's JSON whose `card_type` is unknown or lacks the object of its type.
    #[error("must be {} with its object, got {got:?}", Choices(choices))]
    CardType {
        /// The card types.
        choices: &'static [&'static str],
        /// The `card_type` given.
        got: String,
    },
    /// A stock change of 0.
    #[error("a stock change of 0 changes nothing")]
    NoStockChange,
    /// A customer-service account that is not `prefix@account`.
    #[error("must be prefix@account (the account's WeChat id)")]
    AgentAccount,
    /// A customer-service account whose prefix is too long.
    #[error("the prefix is longer than {max} characters")]
    AgentPrefixLength {
        /// The longest prefix accepted.
        max: usize,
    },
    /// A customer-service account whose prefix holds other characters than letters and
    /// digits.
    #[error("the prefix holds only letters and digits")]
    AgentPrefixCharacters,
    /// An agent's avatar that is not a JPEG or PNG file.
    #[error("an agent's avatar is a .jpg or .png image, not {name:?}")]
    AvatarFormat {
        /// The file's name.
        name: String,
    },
    /// A customer-service news message with other than one article.
    #[error("a customer-service news message has exactly 1 article, not {got}")]
    OneArticle {
        /// The articles given.
        got: usize,
    },
    /// A message menu without a choice.
    #[error("needs at least one choice")]
    NoChoice,
    /// One of the system groups, which cannot be changed.
    #[error("group {id} is a system group (0, 1 and 2 cannot be changed)")]
    SystemGroup {
        /// The group's id.
        id: u32,
    },
    /// One of the platform's reserved tags, which cannot be changed.
    #[error("tag {id} is reserved by the platform (0, 1 and 2 cannot be changed)")]
    ReservedTag {
        /// The tag's id.
        id: u32,
    },
    /// A mass image message without an image.
    #[error("must name at least one image")]
    NoImage,
    /// A permanent video added without its title and introduction.
    #[error("a video needs its title and introduction: use add_video")]
    VideoDescription,
    /// An article's content over the platform's limits.
    #[error(
        "under {max_chars} characters and {max_bytes} bytes, got {chars} characters in {bytes} bytes"
    )]
    ContentLength {
        /// The characters accepted (exclusive).
        max_chars: usize,
        /// The bytes accepted (exclusive).
        max_bytes: usize,
        /// The characters given.
        chars: usize,
        /// The bytes given.
        bytes: usize,
    },
    /// A file of a format the upload does not take (by its extension).
    #[error(
        "{upload} must be one of {} (by its file name), got {name:?}",
        formats.join(", ")
    )]
    FileFormat {
        /// What is uploaded.
        upload: UploadKind,
        /// The extensions taken.
        formats: &'static [&'static str],
        /// The file's name.
        name: String,
    },
    /// An empty file.
    #[error("{name:?} is empty")]
    EmptyFile {
        /// The file's name.
        name: String,
    },
    /// A file larger than the upload takes.
    #[error("{upload} is at most {max} bytes, {name:?} has {len}")]
    FileSize {
        /// What is uploaded.
        upload: UploadKind,
        /// The largest accepted.
        max: u64,
        /// The file's name.
        name: String,
        /// Its size.
        len: u64,
    },
    /// A default menu given a `matchrule`.
    #[error("a default menu has no matchrule; add a conditional menu with add_conditional")]
    DefaultMenuRule,
    /// A conditional menu without a `matchrule`.
    #[error("a conditional menu needs a matchrule; a default menu goes through create")]
    ConditionalMenuRule,
    /// A path that is not an API path.
    #[error("must be an API path such as /cgi-bin/message/custom/send, not {got:?}")]
    ApiPath {
        /// The value given.
        got: String,
    },
    /// A permanent QR code given an expiry.
    #[error("a permanent code does not expire: leave it out")]
    PermanentExpiry,
    /// A permanent QR code's scene id outside `1..=max`.
    #[error("a permanent code needs 1..={max}, got {got}")]
    PermanentSceneId {
        /// The largest scene id.
        max: u32,
        /// The id given.
        got: u32,
    },
    /// A temporary QR code's scene id of 0.
    #[error("a temporary code needs a non-zero 32-bit integer, got 0")]
    TemporarySceneId,
    /// A URL to shorten that is not `http`, `https` or `weixin`.
    #[error("must be an http, https or weixin URL, not {got:?}")]
    LongUrl {
        /// The value given.
        got: String,
    },
    /// An industry code of 0.
    #[error("industry codes start at 1")]
    IndustryCode,
    /// A template data field without a name.
    #[error("a field name must not be empty")]
    DataName,
    /// A colour that is not `#RRGGBB`.
    #[error("must be #RRGGBB (six hex digits)")]
    HexColor,
    /// A menu with no button, or more than the platform shows.
    #[error("{count} buttons; a menu has 1 to {max}")]
    ButtonCount {
        /// The buttons given.
        count: usize,
        /// The most a menu has.
        max: usize,
    },
    /// A button with more sub-buttons than the platform shows.
    #[error("{count} sub-buttons; at most {max}")]
    SubButtonCount {
        /// The sub-buttons given.
        count: usize,
        /// The most a button has.
        max: usize,
    },
    /// A button with sub-buttons that has a type as well.
    #[error("a button with sub_button has no type")]
    ParentType,
    /// A sub-button with sub-buttons of its own.
    #[error("a menu has two levels at most")]
    MenuDepth,
    /// Links to more external domains than a menu may hold.
    #[error(
        "links point to {} external domains ({}); at most {max}",
        domains.len(),
        domains.join(", ")
    )]
    ExternalDomains {
        /// The domains, sorted.
        domains: Vec<String>,
        /// The most a menu may link to.
        max: usize,
    },
    /// A button with neither a type nor sub-buttons.
    #[error("missing: a button needs a type or 1 to {max_sub_buttons} sub-buttons")]
    ButtonKind {
        /// The most sub-buttons a button has.
        max_sub_buttons: usize,
    },
    /// A button type the platform does not know.
    #[error("unknown button type {got:?}")]
    ButtonType {
        /// The type given.
        got: String,
    },
    /// A `matchrule` that matches on nothing.
    #[error("needs at least one rule")]
    NoMatchRule,
    /// A tag or group id that is not a number.
    #[error("must be a tag id (digits)")]
    TagId,
    /// A `sex` rule other than 1 or 2.
    #[error("must be 1 (male) or 2 (female)")]
    Sex,
    /// A `client_platform_type` rule other than 1, 2 or 3.
    #[error("must be 1 (iOS), 2 (Android) or 3 (other)")]
    ClientPlatform,
    /// A rule that needs another one beside it (a province needs its country).
    #[error("needs {field}")]
    Needs {
        /// The field it needs.
        field: &'static str,
    },
    /// A category id of the subscription template library of 0.
    #[error("category ids start at 1")]
    CategoryId,
    /// A title id of the subscription template library of 0.
    #[error("title ids start at 1")]
    TitleId,
    /// A keyword id of a library title of 0.
    #[error("keyword ids start at 1")]
    KeywordId,
    /// A template made of too few or too many of its title's keywords.
    #[error("must name {min} to {max} keywords, got {got}")]
    KeywordCount {
        /// The fewest accepted.
        min: usize,
        /// The most accepted.
        max: usize,
        /// The keywords given.
        got: usize,
    },
    /// An id a list names more than once.
    #[error("{id} is named twice")]
    NamedTwice {
        /// The id.
        id: u32,
    },
    /// A notification without any `data` field.
    #[error("must hold the template's fields")]
    NoData,
    /// A subscription notification's value that breaks its keyword type's rule.
    #[error(transparent)]
    Keyword(wxoa_types::subscribe::KeywordError),
    /// A query parameter that must be a number.
    #[error("not a number")]
    NotANumber,
    /// A request id that is not one (three groups of 8 hex digits, as after `rid:` in an
    /// `errmsg`).
    #[error("must be a request id such as 6437c2ad-4a2a9fd7-2ae2bd4f, not {got:?}")]
    RequestId {
        /// The value given.
        got: String,
    },
    /// A crop ratio that is not a positive number (width / height).
    #[error("must be a positive number (width / height), got {got}")]
    CropRatio {
        /// The value given, as written.
        got: String,
    },
    /// An image for OCR or image processing that is too large.
    #[error("must be smaller than {max} bytes, {name:?} has {len}")]
    ImageSize {
        /// The first size refused.
        max: u64,
        /// The file's name.
        name: String,
        /// Its size.
        len: u64,
    },
    /// A change that names no field.
    #[error("changes nothing: name at least one field")]
    NoChange,
    /// A card's stock changed through `card/update` instead of `card/modifystock`.
    #[error("the stock changes through modifystock, not card/update")]
    StockByModifyStock,
    /// A moment that must come after another one.
    #[error("must be after {other} ({begin}), got {end}")]
    NotAfter {
        /// The field it must follow.
        other: &'static str,
        /// That field's value (Unix seconds).
        begin: i64,
        /// The value given.
        end: i64,
    },
    /// A member-card activation form with neither a required nor an optional part.
    #[error("needs a required_form or an optional_form")]
    NoForm,
    /// A field of a member card's activation form named in both of its parts.
    #[error("{field} is in both required_form and optional_form")]
    RequiredAndOptional {
        /// The field.
        field: String,
    },
    /// A radio, select or check-box field of a form without values to choose from.
    #[error("needs at least one value to choose from")]
    NoValues,
    /// A range of days whose end comes before its beginning.
    #[error("must not be before begin_date ({begin}), got {end}")]
    EndBeforeBegin {
        /// The first day.
        begin: wxoa_types::date::Date,
        /// The last day given.
        end: wxoa_types::date::Date,
    },
    /// A day before the first one the platform has analytics for.
    #[error("the platform has no data before {earliest}, got {got}")]
    BeforeEarliest {
        /// The first day with data.
        earliest: wxoa_types::date::Date,
        /// The day given.
        got: wxoa_types::date::Date,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::media::MediaKind;

    #[test]
    fn rules_name_their_limits_and_what_broke_them() {
        let cases = [
            (
                Rule::LongerThan {
                    max: 30,
                    unit: Unit::Bytes,
                },
                "longer than 30 bytes",
            ),
            (
                Rule::AtMost {
                    max: 100_000_000,
                    unit: Unit::Count,
                    got: 100_000_001,
                },
                "at most 100000000, got 100000001",
            ),
            (
                Rule::OutOfRange {
                    min: 1,
                    max: 2_592_000,
                    unit: Unit::Seconds,
                    got: 0,
                },
                "1..=2592000 (30 days), got 0",
            ),
            (
                Rule::OutOfRange {
                    min: 60,
                    max: 1800,
                    unit: Unit::Seconds,
                    got: 10,
                },
                "60..=1800 seconds, got 10",
            ),
            (
                Rule::ArticleIndex {
                    list: ArticleList::Draft,
                    articles: 8,
                    got: 8,
                },
                "0..=7 (a draft has at most 8 articles), got 8",
            ),
            (
                Rule::OneOf {
                    choices: &["all", "dns", "ping"],
                    got: "x".to_owned(),
                },
                "must be all, dns or ping, not \"x\"",
            ),
            (
                Rule::FileFormat {
                    upload: UploadKind::Temporary(MediaKind::Thumb),
                    formats: &["jpg", "jpeg"],
                    name: "a.png".to_owned(),
                },
                "a temporary thumb must be one of jpg, jpeg (by its file name), got \"a.png\"",
            ),
        ];
        for (rule, shown) in cases {
            assert_eq!(rule.to_string(), shown);
        }
    }
}
