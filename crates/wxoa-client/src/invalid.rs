//! Why a request cannot be sent as given: [`InvalidRequest`]. A field that breaks one of the
//! platform's rules names it with a [`Rule`](crate::Rule).
//!
//! Every request is checked before it leaves, so that a mistake costs no call (and no quota);
//! what a check finds is one of these values, never a sentence made on the spot.

use std::fmt;
use std::path::PathBuf;

use crate::api::menu::Violation;
use crate::rule::Rule;

/// Why a request cannot be sent as given, in [`Error::InvalidRequest`](crate::Error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidRequest {
    /// A field breaks one of the platform's rules.
    #[error("{field}: {rule}")]
    Field {
        /// The field's path in the request (`tag.name`, `articles[2].title`).
        field: String,
        /// The rule it breaks, with the values that break it.
        rule: Rule,
    },
    /// JSON a user wrote (a file, an argument) does not have the request's shape.
    #[error("{field}: {source}")]
    Input {
        /// The path of the member that does not fit (`card.cash.base_info.sku.quantity`).
        field: String,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },
    /// A URL field that is not an absolute URL.
    #[error("{field}: not an absolute URL: {source}")]
    Url {
        /// The field.
        field: &'static str,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// A menu breaks rules of api-reference §15: every one of them, in document order.
    #[error("the menu breaks {} rule(s):\n{}", violations.len(), Lines(violations))]
    Menu {
        /// The rules broken, each with its field's path.
        violations: Vec<Violation>,
    },
    /// A raw call's path does not start with exactly one `/`.
    #[error("the path must start with one `/`, like /cgi-bin/user/get: {path:?}")]
    PathStart {
        /// The path given (redacted).
        path: String,
    },
    /// A raw call's path holds a character a URL path cannot carry as it is.
    #[error("the path holds a space, a control character or a `#`: {path:?}")]
    PathCharacters {
        /// The path given (redacted).
        path: String,
    },
    /// A raw call passes `access_token` itself.
    #[error("do not pass access_token: the client adds the account's token itself")]
    AccessTokenGiven,
    /// A body that cannot be written as JSON.
    #[error("the body is not JSON: {source}")]
    Body {
        /// Why it cannot.
        #[source]
        source: serde_json::Error,
    },
    /// The HTTP client cannot build the request (a header value it refuses, for one).
    #[error(
        "cannot build the request: {}",
        wxoa_types::secret::error_chain(source)
    )]
    Build {
        /// Why (without the URL).
        #[source]
        source: reqwest::Error,
    },
    /// A file to upload that is not a regular file (a directory, a device).
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// A path to save to that does not end in a file name.
    #[error("{} is no file path", path.display())]
    NoFileName {
        /// The path given.
        path: PathBuf,
    },
    /// A name to save a download under that could reach outside its directory, or is empty.
    #[error("file name: {name:?} is not usable as a file name")]
    UnusableFileName {
        /// The name given.
        name: String,
    },
    /// An upload's content type that is not a MIME type.
    #[error("content type: {content_type:?} is not a MIME type")]
    ContentType {
        /// The content type given.
        content_type: String,
    },
}

/// One item a line.
struct Lines<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for Lines<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_named_before_its_rule() {
        let invalid = InvalidRequest::Field {
            field: "tag.name".to_owned(),
            rule: Rule::Empty,
        };
        assert_eq!(invalid.to_string(), "tag.name: must not be empty");
    }
}
