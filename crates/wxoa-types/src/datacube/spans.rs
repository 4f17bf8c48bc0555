//! How many days one call of each analytics endpoint may cover, as a table that can be
//! changed: api-reference-2 §3.2 has two columns, the original documentation's ("old") and the
//! current pages' ("new"), and where they differ no source settles it. The default is the old
//! column ([`Endpoint::max_days`]); [`Spans::current`] is the new one where it states a span;
//! [`Spans::set`] changes one endpoint. The client splits long ranges by a table and the
//! sandbox refuses by one, so both can be told what a given platform does.
//!
//! ```
//! use wxoa_types::datacube::{Endpoint, Spans};
//!
//! let read = Endpoint::from_name("getarticleread").unwrap();
//! assert_eq!(Spans::default().max_days(&read), 1);
//! // One page of the platform's documentation says 30.
//! let spans: Spans = "getarticleread=30,getarticleshare=30".parse().unwrap();
//! assert_eq!(spans.max_days(&read), 30);
//! assert!("getnothing=3".parse::<Spans>().is_err());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::{ENDPOINTS, Endpoint, split};
use crate::date::Date;

/// Why a span setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpanError {
    /// No analytics endpoint has this name.
    #[error("no analytics endpoint is called {name:?}")]
    UnknownEndpoint {
        /// The name given.
        name: String,
    },
    /// A span covers at least one day.
    #[error("the span of {name} must be 1 day or more, got {days:?}")]
    Days {
        /// The endpoint.
        name: String,
        /// What was given for its span.
        days: String,
    },
    /// A setting is `name=days`.
    #[error("a span setting is NAME=DAYS (getarticleread=30), got {given:?}")]
    Shape {
        /// The setting given.
        given: String,
    },
}

/// The most days one call of each endpoint covers: the original documentation's unless set
/// otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    /// The endpoints whose span is not the default, by name.
    changed: BTreeMap<&'static str, u32>,
}

impl Spans {
    /// The original documentation's spans ("old" column of §3.2), the default.
    #[must_use]
    pub fn old() -> Self {
        Self::default()
    }

    /// The current pages' spans where they state one ("new" column): the week and month
    /// message endpoints must cover one day, the week and month distributions 15 days.
    ///
    /// ```
    /// use wxoa_types::datacube::{Endpoint, Spans};
    ///
    /// let week = Endpoint::from_name("getupstreammsgweek").unwrap();
    /// assert_eq!((Spans::old().max_days(&week), Spans::current().max_days(&week)), (30, 1));
    /// ```
    #[must_use]
    pub fn current() -> Self {
        let mut spans = Self::default();
        for (name, days) in [
            ("getupstreammsgweek", 1),
            ("getupstreammsgmonth", 1),
            ("getupstreammsgdistweek", 15),
            ("getupstreammsgdistmonth", 15),
        ] {
            if let Some(endpoint) = Endpoint::from_name(name) {
                spans.changed.insert(endpoint.name, days);
            }
        }
        spans
    }

    /// The same table with endpoint `name`'s span set to `days`.
    ///
    /// ```
    /// use wxoa_types::datacube::{Endpoint, Spans};
    ///
    /// let spans = Spans::old().set("getuserread", 1).unwrap();
    /// assert_eq!(spans.max_days(&Endpoint::from_name("getuserread").unwrap()), 1);
    /// assert!(Spans::old().set("getuserread", 0).is_err());
    /// ```
    pub fn set(mut self, name: &str, days: u32) -> Result<Self, SpanError> {
        let endpoint = Endpoint::from_name(name).ok_or_else(|| SpanError::UnknownEndpoint {
            name: name.to_owned(),
        })?;
        if days == 0 {
            return Err(SpanError::Days {
                name: endpoint.name.to_owned(),
                days: days.to_string(),
            });
        }
        if days == endpoint.max_days {
            self.changed.remove(endpoint.name);
        } else {
            self.changed.insert(endpoint.name, days);
        }
        Ok(self)
    }

    /// The most days, both ends included, one call of `endpoint` covers.
    #[must_use]
    pub fn max_days(&self, endpoint: &Endpoint) -> u32 {
        self.changed
            .get(endpoint.name)
            .copied()
            .unwrap_or(endpoint.max_days)
    }

    /// The ranges one call each of `endpoint` that cover `begin..=end` in order, each at most
    /// [`max_days`](Self::max_days) long (none when `end` is before `begin`).
    #[must_use]
    pub fn chunks(&self, endpoint: &Endpoint, begin: Date, end: Date) -> Vec<(Date, Date)> {
        split(begin, end, self.max_days(endpoint))
    }

    /// The endpoints whose span differs from the original documentation's, with it.
    pub fn changed(&self) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        self.changed.iter().map(|(name, days)| (*name, *days))
    }
}

/// Reads `NAME=DAYS[,NAME=DAYS…]` (an empty text is the default table).
impl FromStr for Spans {
    type Err = SpanError;

    fn from_str(text: &str) -> Result<Self, SpanError> {
        let mut spans = Self::default();
        for setting in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, days) = setting.split_once('=').ok_or_else(|| SpanError::Shape {
                given: setting.to_owned(),
            })?;
            let (name, days) = (name.trim(), days.trim());
            let parsed = days.parse::<u32>().map_err(|_| SpanError::Days {
                name: name.to_owned(),
                days: days.to_owned(),
            });
            // An unknown name is the clearer error when both are wrong.
            if Endpoint::from_name(name).is_none() {
                return Err(SpanError::UnknownEndpoint {
                    name: name.to_owned(),
                });
            }
            spans = spans.set(name, parsed?)?;
        }
        Ok(spans)
    }
}

/// Writes the changed spans as `NAME=DAYS,…` (empty for the default table), as read back by
/// [`FromStr`].
impl fmt::Display for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for endpoint in ENDPOINTS {
            if let Some(days) = self.changed.get(endpoint.name) {
                if !first {
                    f.write_str(",")?;
                }
                write!(f, "{}={days}", endpoint.name)?;
                first = false;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn endpoint(name: &str) -> Endpoint {
        Endpoint::from_name(name).unwrap()
    }

    #[test]
    fn the_default_is_the_old_column() {
        let spans = Spans::default();
        for e in ENDPOINTS {
            assert_eq!(spans.max_days(e), e.max_days, "{}", e.name);
        }
        assert_eq!(spans.to_string(), "");
        assert_eq!(spans, Spans::old());
    }

    #[test]
    fn settings_are_read_written_and_refused_with_their_cause() {
        let spans: Spans = " getarticleread = 30 , getusershare=1".parse().unwrap();
        assert_eq!(spans.max_days(&endpoint("getarticleread")), 30);
        assert_eq!(spans.max_days(&endpoint("getusershare")), 1);
        assert_eq!(spans.to_string(), "getusershare=1,getarticleread=30");
        assert_eq!(spans.to_string().parse::<Spans>().unwrap(), spans);
        assert!(matches!(
            "getnothing=2".parse::<Spans>(),
            Err(SpanError::UnknownEndpoint { name }) if name == "getnothing"
        ));
        assert!(matches!(
            "getuserread=0".parse::<Spans>(),
            Err(SpanError::Days { .. })
        ));
        assert!(matches!(
            "getuserread=x".parse::<Spans>(),
            Err(SpanError::Days { days, .. }) if days == "x"
        ));
        assert!(matches!(
            "getuserread".parse::<Spans>(),
            Err(SpanError::Shape { .. })
        ));
        // Setting the default span back forgets the change.
        let back = spans.set("getarticleread", 1).unwrap();
        assert_eq!(back.to_string(), "getusershare=1");
    }

    #[test]
    fn chunks_follow_the_table() {
        let begin: Date = "2026-02-01".parse().unwrap();
        let end = begin.add_days(29);
        let read = endpoint("getarticleread");
        assert_eq!(Spans::old().chunks(&read, begin, end).len(), 30);
        let wide = Spans::old().set("getarticleread", 30).unwrap();
        assert_eq!(wide.chunks(&read, begin, end), vec![(begin, end)]);
        let week = endpoint("getupstreammsgdistweek");
        assert_eq!(Spans::current().chunks(&week, begin, end).len(), 2);
    }
}
