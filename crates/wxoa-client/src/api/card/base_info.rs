//! The `base_info` every card type shares: its fields as the platform writes them (the type
//! is the body), the code type and validity period, and the platform's rules for them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    BRAND_NAME_MAX_CHARS, DESCRIPTION_MAX_CHARS, NOTICE_MAX_CHARS, QUANTITY_MAX, TITLE_MAX_CHARS,
};
use crate::api::support::{invalid, opt_flag, opt_lenient, or_default, require, string_enum};
use crate::{Result, Rule, Unit};

string_enum! {
    /// How the card's code is shown.
    pub enum CodeType {
        /// Text.
        Text = "CODE_TYPE_TEXT",
        /// A barcode with its text.
        Barcode = "CODE_TYPE_BARCODE",
        /// A QR code with its text.
        Qrcode = "CODE_TYPE_QRCODE",
        /// A QR code only.
        OnlyQrcode = "CODE_TYPE_ONLY_QRCODE",
        /// A barcode only.
        OnlyBarcode = "CODE_TYPE_ONLY_BARCODE",
        /// No code.
        None = "CODE_TYPE_NONE",
    }
}

/// When a card can be used: `date_info`, tagged by its `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum DateInfo {
    /// `DATE_TYPE_FIX_TIME_RANGE`: between two instants (Unix seconds).
    #[serde(rename = "DATE_TYPE_FIX_TIME_RANGE")]
    Range {
        /// From.
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        begin_timestamp: i64,
        /// Until.
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        end_timestamp: i64,
    },
    /// `DATE_TYPE_FIX_TERM`: for `fixed_term` days, starting `fixed_begin_term` days after it
    /// is received.
    #[serde(rename = "DATE_TYPE_FIX_TERM")]
    Term {
        /// How many days.
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        fixed_term: u32,
        /// Days from receiving to the first usable day (0: the same day).
        #[serde(default, deserialize_with = "crate::api::support::lenient")]
        fixed_begin_term: u32,
    },
}

impl DateInfo {
    /// Usable between two instants (Unix seconds).
    #[must_use]
    pub fn range(begin_timestamp: i64, end_timestamp: i64) -> DateInfo {
        DateInfo::Range {
            begin_timestamp,
            end_timestamp,
        }
    }

    /// Usable for `days` days, starting `after_days` days after it is received.
    #[must_use]
    pub fn term(days: u32, after_days: u32) -> DateInfo {
        DateInfo::Term {
            fixed_term: days,
            fixed_begin_term: after_days,
        }
    }

    /// Checks the period; `field` names it in errors.
    pub(super) fn validate(self, field: &str) -> Result<()> {
        match self {
            DateInfo::Range {
                begin_timestamp,
                end_timestamp,
            } if end_timestamp <= begin_timestamp => Err(invalid(
                format!("{field}.end_timestamp"),
                Rule::EndNotAfterBegin {
                    begin: begin_timestamp,
                    end: end_timestamp,
                },
            )),
            DateInfo::Term { fixed_term: 0, .. } => {
                Err(invalid(format!("{field}.fixed_term"), Rule::NoDays))
            }
            DateInfo::Range { .. } | DateInfo::Term { .. } => Ok(()),
        }
    }
}

/// The `base_info` every card type shares, as the platform writes it. The constructor takes
/// the card's face; the other fields the platform requires —
/// [`code_type`](BaseInfo::code_type), [`color`](BaseInfo::color),
/// [`notice`](BaseInfo::notice), [`description`](BaseInfo::description),
/// [`quantity`](BaseInfo::quantity) and [`date_info`](BaseInfo::date_info) — are setters, and
/// a card missing one is refused before it is sent, naming it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BaseInfo {
    /// The logo: an `uploadimg` URL.
    #[serde(default, deserialize_with = "or_default")]
    pub logo_url: String,
    /// The merchant's name (≤ 12 characters).
    #[serde(default, deserialize_with = "or_default")]
    pub brand_name: String,
    /// How the code is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_type: Option<CodeType>,
    /// The card's name (≤ 9 characters).
    #[serde(default, deserialize_with = "or_default")]
    pub title: String,
    /// The colour, `Color010` … `Color102`.
    #[serde(default, deserialize_with = "or_default")]
    pub color: String,
    /// What to do at the counter (≤ 16 characters).
    #[serde(default, deserialize_with = "or_default")]
    pub notice: String,
    /// The terms of use (≤ 1024 characters).
    #[serde(default, deserialize_with = "or_default")]
    pub description: String,
    /// How many cards there are (`sku.quantity`, ≤ 100,000,000).
    #[serde(rename = "sku", default, with = "sku")]
    pub quantity: Option<u64>,
    /// When the card can be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_info: Option<DateInfo>,
    /// How many cards one user may receive.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_lenient"
    )]
    pub get_limit: Option<u32>,
    /// Whether the merchant assigns the codes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_flag"
    )]
    pub use_custom_code: Option<bool>,
    /// Whether the card is bound to the receiver's OpenID.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_flag"
    )]
    pub bind_openid: Option<bool>,
    /// Whether the card page can be shared.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_flag"
    )]
    pub can_share: Option<bool>,
    /// Whether the card can be given to a friend.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_flag"
    )]
    pub can_give_friend: Option<bool>,
    /// The merchant's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_phone: Option<String>,
    /// Other `base_info` fields, sent as they are (`location_id_list`, `custom_url`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `sku` is an object holding the quantity: `{"quantity": 500000}`.
mod sku {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Sku {
        #[serde(default, deserialize_with = "crate::api::support::opt_lenient")]
        quantity: Option<u64>,
    }

    #[allow(clippy::ref_option)] // the signature serde's `with` calls
    pub(super) fn serialize<S: Serializer>(
        quantity: &Option<u64>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Sku {
            quantity: *quantity,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Option::<Sku>::deserialize(d).map(|sku| sku.and_then(|sku| sku.quantity))
    }
}

impl BaseInfo {
    /// The card's face: its logo (an `uploadimg` URL), the merchant's name and the card's
    /// name.
    pub fn new(
        logo_url: impl Into<String>,
        brand_name: impl Into<String>,
        title: impl Into<String>,
    ) -> BaseInfo {
        BaseInfo {
            logo_url: logo_url.into(),
            brand_name: brand_name.into(),
            code_type: None,
            title: title.into(),
            color: String::new(),
            notice: String::new(),
            description: String::new(),
            quantity: None,
            date_info: None,
            get_limit: None,
            use_custom_code: None,
            bind_openid: None,
            can_share: None,
            can_give_friend: None,
            service_phone: None,
            extra: Map::new(),
        }
    }

    /// How the code is shown (required).
    #[must_use]
    pub fn code_type(mut self, code_type: CodeType) -> BaseInfo {
        self.code_type = Some(code_type);
        self
    }

    /// The colour, `Color010` … `Color102` (required).
    #[must_use]
    pub fn color(mut self, color: impl Into<String>) -> BaseInfo {
        self.color = color.into();
        self
    }

    /// What to do at the counter (required, ≤ 16 characters).
    #[must_use]
    pub fn notice(mut self, notice: impl Into<String>) -> BaseInfo {
        self.notice = notice.into();
        self
    }

    /// The terms of use (required, ≤ 1024 characters).
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> BaseInfo {
        self.description = description.into();
        self
    }

    /// How many cards there are (required, ≤ 100,000,000).
    #[must_use]
    pub fn quantity(mut self, quantity: u64) -> BaseInfo {
        self.quantity = Some(quantity);
        self
    }

    /// When the card can be used (required).
    #[must_use]
    pub fn date_info(mut self, date_info: DateInfo) -> BaseInfo {
        self.date_info = Some(date_info);
        self
    }

    /// How many cards one user may receive.
    #[must_use]
    pub fn get_limit(mut self, limit: u32) -> BaseInfo {
        self.get_limit = Some(limit);
        self
    }

    /// Whether the merchant assigns the codes.
    #[must_use]
    pub fn use_custom_code(mut self, yes: bool) -> BaseInfo {
        self.use_custom_code = Some(yes);
        self
    }

    /// Whether the card is bound to the receiver's OpenID.
    #[must_use]
    pub fn bind_openid(mut self, yes: bool) -> BaseInfo {
        self.bind_openid = Some(yes);
        self
    }

    /// Whether the card page can be shared.
    #[must_use]
    pub fn can_share(mut self, yes: bool) -> BaseInfo {
        self.can_share = Some(yes);
        self
    }

    /// Whether the card can be given to a friend.
    #[must_use]
    pub fn can_give_friend(mut self, yes: bool) -> BaseInfo {
        self.can_give_friend = Some(yes);
        self
    }

    /// The merchant's phone number.
    #[must_use]
    pub fn service_phone(mut self, phone: impl Into<String>) -> BaseInfo {
        self.service_phone = Some(phone.into());
        self
    }

    /// Another `base_info` field, sent as it is.
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> BaseInfo {
        self.extra.insert(key.into(), value);
        self
    }

    /// Checks the platform's rules; `field` names the object in errors.
    pub(super) fn validate(&self, field: &str) -> Result<()> {
        let name = |f: &str| format!("{field}.{f}");
        check_logo(&name("logo_url"), &self.logo_url)?;
        let texts = [
            ("brand_name", &self.brand_name, BRAND_NAME_MAX_CHARS),
            ("title", &self.title, TITLE_MAX_CHARS),
            ("notice", &self.notice, NOTICE_MAX_CHARS),
            ("description", &self.description, DESCRIPTION_MAX_CHARS),
        ];
        for (key, value, max) in texts {
            check_text(&name(key), value, max)?;
        }
        match &self.code_type {
            None => return Err(invalid(name("code_type"), Rule::Required)),
            Some(code_type) => check_code_type(&name("code_type"), code_type)?,
        }
        check_color(&name("color"), &self.color)?;
        match self.quantity {
            None => return Err(invalid(name("sku.quantity"), Rule::Required)),
            Some(q) if q > QUANTITY_MAX => {
                return Err(invalid(
                    name("sku.quantity"),
                    Rule::AtMost {
                        max: QUANTITY_MAX,
                        unit: Unit::Count,
                        got: q,
                    },
                ));
            }
            Some(_) => {}
        }
        let Some(date_info) = self.date_info else {
            return Err(invalid(name("date_info"), Rule::Required));
        };
        date_info.validate(&name("date_info"))
    }
}

/// A logo must be an `http(s)` URL (an `uploadimg` one on the platform).
pub(super) fn check_logo(field: &str, logo_url: &str) -> Result<()> {
    let scheme_ok = url::Url::parse(logo_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if scheme_ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            Rule::LogoUrl {
                got: logo_url.to_owned(),
            },
        ))
    }
}

/// A text of 1 to `max` characters.
pub(super) fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    require(field, value)?;
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(
            field,
            Rule::AtMost {
                max: max as u64,
                unit: Unit::Characters,
                got: chars as u64,
            },
        ));
    }
    Ok(())
}

/// A code type the platform knows.
pub(super) fn check_code_type(field: &str, code_type: &CodeType) -> Result<()> {
    match code_type {
        CodeType::Unknown(other) => Err(invalid(field, Rule::CodeType { got: other.clone() })),
        _ => Ok(()),
    }
}

/// One of the platform's card colours.
pub(super) fn check_color(field: &str, color: &str) -> Result<()> {
    if is_card_color(color) {
        Ok(())
    } else {
        Err(invalid(
            field,
            Rule::CardColor {
                got: color.to_owned(),
            },
        ))
    }
}

/// Whether `color` is one of the platform's card colours, `Color010` … `Color102`.
fn is_card_color(color: &str) -> bool {
    color
        .strip_prefix("Color")
        .filter(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u16>().ok())
        .is_some_and(|n| (10..=102).contains(&n))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn card_colors_are_color010_to_color102() {
        for ok in ["Color010", "Color050", "Color102"] {
            assert!(is_card_color(ok), "{ok}");
        }
        for bad in [
            "Color009", "Color103", "Color10", "color010", "Color01x", "",
        ] {
            assert!(!is_card_color(bad), "{bad}");
        }
    }

    #[test]
    fn date_info_is_tagged_by_its_type() {
        let range = serde_json::to_value(DateInfo::range(1, 2)).unwrap();
        assert_eq!(
            range,
            serde_json::json!({"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": 1, "end_timestamp": 2})
        );
        let term: DateInfo = serde_json::from_value(
            serde_json::json!({"type": "DATE_TYPE_FIX_TERM", "fixed_term": "30", "fixed_begin_term": 0}),
        )
        .unwrap();
        assert_eq!(term, DateInfo::term(30, 0));
    }
}
