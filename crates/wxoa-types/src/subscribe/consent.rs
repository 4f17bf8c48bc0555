//! What a follower answered a subscription template's popup or changed it to
//! (`SubscribeStatusString`, api-reference-2 §1.3): `accept` or `reject`.

/// A follower's answer to a subscription template: `accept` or `reject`; another word is
/// kept as written.
///
/// ```
/// use wxoa_types::subscribe::ConsentStatus;
///
/// assert_eq!(ConsentStatus::from("accept"), ConsentStatus::Accept);
/// assert_eq!(ConsentStatus::Reject.as_str(), "reject");
/// let later: ConsentStatus = serde_json::from_str("\"maybe\"").unwrap();
/// assert_eq!(later, ConsentStatus::Unknown("maybe".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConsentStatus {
    /// `accept`: the follower allows the template's messages.
    Accept,
    /// `reject`: the follower refused them.
    Reject,
    /// A word this version does not know, kept as written.
    Unknown(String),
}

impl ConsentStatus {
    /// The answer as the platform writes it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::Unknown(other) => other,
        }
    }
}

impl From<&str> for ConsentStatus {
    fn from(value: &str) -> Self {
        match value {
            "accept" => Self::Accept,
            "reject" => Self::Reject,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

crate::platform_words!(ConsentStatus);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_unknown_ones_are_kept() {
        for status in [
            ConsentStatus::Accept,
            ConsentStatus::Reject,
            ConsentStatus::Unknown("later".into()),
        ] {
            let text = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::from_str::<ConsentStatus>(&text).unwrap(),
                status
            );
        }
        assert!(serde_json::from_str::<ConsentStatus>("1").is_err());
    }
}
