//! Reading typed values out of an [`Element`]'s children.
//!
//! Every typed struct of an inbound push takes its fields out of the element (so that whatever
//! is left over is kept as `extra`) through [`FromField`], and is declared once with
//! [`xml_struct!`](crate::xml_struct), which states each field's XML name next to its Rust name.

use crate::xml::Element;

use super::{Expected, InboundError};

/// A value that can be read from one (possibly absent) child element.
pub trait FromField: Sized {
    /// Reads the value of the field `name` from `element` (`None` when the child is absent).
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError>;

    /// Takes the field `name` out of `parent` and reads it. Fields made of repeated children
    /// override this to take every child of that name.
    fn take(parent: &mut Element, name: &'static str) -> Result<Self, InboundError> {
        Self::from_field(name, parent.take_child(name))
    }

    /// Takes the field spelled any of `names` (the first spelling present; the first of all
    /// when none is) out of `parent` and reads it: for fields whose spelling the sources
    /// disagree on (`msg` and `Msg`, `AuthorizeAppId` and `AppId`).
    fn take_spelled(parent: &mut Element, names: &[&'static str]) -> Result<Self, InboundError> {
        let present = names
            .iter()
            .copied()
            .find(|name| parent.child(name).is_some());
        match present.or_else(|| names.first().copied()) {
            Some(name) => Self::take(parent, name),
            None => Self::from_field("", None),
        }
    }
}

fn required(name: &'static str, element: Option<Element>) -> Result<Element, InboundError> {
    element.ok_or(InboundError::MissingField { field: name })
}

pub(super) fn invalid(name: &'static str, value: &str, expected: Expected) -> InboundError {
    InboundError::InvalidField {
        field: name,
        value: value.chars().take(64).collect(),
        expected,
    }
}

impl FromField for String {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        Ok(required(name, element)?.text)
    }
}

impl FromField for Element {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        required(name, element)
    }
}

/// An absent child and an empty one both read as `None`: the platform sends `<EventKey/>` or an
/// empty CDATA for "no value" (a plain follow, for example).
impl<T: FromField> FromField for Option<T> {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        match element {
            Some(e) if e.children.is_empty() && e.text.trim().is_empty() => Ok(None),
            Some(e) => T::from_field(name, Some(e)).map(Some),
            None => Ok(None),
        }
    }
}

macro_rules! number_field {
    ($($ty:ty => $expected:expr),*) => {$(
        impl FromField for $ty {
            fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
                let element = required(name, element)?;
                let text = element.text.trim();
                text.parse().map_err(|_| invalid(name, text, $expected))
            }
        }
    )*};
}

number_field!(
    u64 => Expected::UnsignedInteger,
    i64 => Expected::Integer,
    u32 => Expected::UnsignedInteger,
    i32 => Expected::Integer,
    f64 => Expected::Number
);

/// Flags arrive as `0`/`1` (sometimes `true`/`false`).
impl FromField for bool {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        let element = required(name, element)?;
        match element.text.trim() {
            "1" | "true" | "TRUE" | "True" => Ok(true),
            "0" | "false" | "FALSE" | "False" => Ok(false),
            other => Err(invalid(name, other, Expected::Flag)),
        }
    }
}

/// A string field whose value is an enum-like word: surrounding whitespace is not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Word(pub String);

impl FromField for Word {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        let mut text = required(name, element)?.text;
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            text = trimmed.to_owned();
        }
        Ok(Word(text))
    }
}

impl std::ops::Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Declares a struct read from the children of an element, one line per field:
/// `rust_name: Type = "XmlName"`, or `= "XmlName" | "OtherSpelling"` for a field the sources
/// spell in several ways (the first spelling present is read). It generates the struct, a `take_from` that removes the
/// fields it reads from the element, and a [`FromField`] impl for use as a nested group.
#[macro_export]
#[doc(hidden)]
macro_rules! xml_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $xml:literal $(| $alt:literal)* ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// Reads the fields out of `element`, removing each one it reads.
            pub fn take_from(
                element: &mut $crate::xml::Element,
            ) -> Result<Self, $crate::inbound::InboundError> {
                Ok(Self {
                    $( $field: <$ty as $crate::inbound::FromField>::take_spelled(
                        element,
                        &[$xml $(, $alt)*],
                    )?, )*
                })
            }
        }

        impl $crate::inbound::FromField for $name {
            fn from_field(
                name: &'static str,
                element: Option<$crate::xml::Element>,
            ) -> Result<Self, $crate::inbound::InboundError> {
                let mut element =
                    element.ok_or($crate::inbound::InboundError::MissingField { field: name })?;
                Self::take_from(&mut element)
            }
        }
    };
}

/// A list of `<item>` children of a group, each read as `T` (`PicList`, `ResultList`, …). A
/// single `item` and several read the same way.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct Items<T>(pub Vec<T>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: FromField> FromField for Items<T> {
    fn from_field(_name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        let Some(mut element) = element else {
            return Ok(Self::default());
        };
        element
            .take_children("item")
            .into_iter()
            .map(|item| T::from_field("item", Some(item)))
            .collect::<Result<Vec<_>, _>>()
            .map(Items)
    }
}

impl<T> std::ops::Deref for Items<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

/// Every child with the field's name (repeated without a wrapper element), each read as `T`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct Repeated<T>(pub Vec<T>);

impl<T: FromField> FromField for Repeated<T> {
    fn from_field(name: &'static str, element: Option<Element>) -> Result<Self, InboundError> {
        element
            .map(|e| T::from_field(name, Some(e)))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(Repeated)
    }

    fn take(parent: &mut Element, name: &'static str) -> Result<Self, InboundError> {
        parent
            .take_children(name)
            .into_iter()
            .map(|e| T::from_field(name, Some(e)))
            .collect::<Result<Vec<_>, _>>()
            .map(Repeated)
    }
}

impl<T> std::ops::Deref for Repeated<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}
