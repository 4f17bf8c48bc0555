//! The platform's codes in analytics rows (api-reference-2 §3.3) as enums: where followers
//! came from, where readers came from, where shares went, what followers sent, how much they
//! sent, whether a publication was notified. Each keeps a code it does not know in `Unknown`,
//! reads the code as a number or a numeric string, and writes it back as the number.
//!
//! ```
//! use wxoa_types::datacube::{MsgType, ShareScene};
//!
//! let scene: ShareScene = serde_json::from_str("\"2\"").unwrap();
//! assert_eq!(scene, ShareScene::Moments);
//! assert_eq!(serde_json::to_string(&ShareScene::Other).unwrap(), "255");
//! assert_eq!(MsgType::from_code(5), MsgType::Unknown(5));
//! ```

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// Reads a code: a JSON number or a string holding one.
struct CodeVisitor;

impl Visitor<'_> for CodeVisitor {
    type Value = u32;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a code: an unsigned integer or a string holding one")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u32, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// Defines code enums: each variant with its code, plus `Unknown(u32)`, the conversions, and
/// serde as the number.
macro_rules! codes {
    ($(
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    )+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A code this version does not know, kept as sent.
            Unknown(u32),
        }

        impl $name {
            /// The value of `code` (`Unknown` for a code this version does not know).
            #[must_use]
            pub const fn from_code(code: u32) -> Self {
                match code {
                    $( $code => Self::$variant, )+
                    other => Self::Unknown(other),
                }
            }

            /// The code as the platform writes it.
            #[must_use]
            pub const fn code(self) -> u32 {
                match self {
                    $( Self::$variant => $code, )+
                    Self::Unknown(code) => code,
                }
            }

            /// Every known value, in the order of the specification.
            pub const KNOWN: &'static [Self] = &[$( Self::$variant, )+];
        }

        /// Code 0, what an absent field counted as.
        impl Default for $name {
            fn default() -> Self {
                Self::from_code(0)
            }
        }

        impl From<u32> for $name {
            fn from(code: u32) -> Self {
                Self::from_code(code)
            }
        }

        impl From<$name> for u32 {
            fn from(value: $name) -> u32 {
                value.code()
            }
        }

        /// Writes the code.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u32(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(CodeVisitor).map(Self::from_code)
            }
        }
    )+};
}

codes! {
    /// Where followers came from (`user_source` of `getusersummary`).
    pub enum FollowSource {
        /// 0: every other channel, combined.
        Other = 0,
        /// 1: the account found by search.
        Search = 1,
        /// 17: a business card shared.
        BusinessCard = 17,
        /// 30: a QR code scanned.
        QrCode = 30,
        /// 35: search by number (older lists).
        SearchByNumber = 35,
        /// 39: search for official accounts (older lists).
        SearchAccounts = 39,
        /// 43: the menu at the top right of an article (older lists).
        ArticleMenu = 43,
        /// 51: following after a payment (older lists).
        AfterPayment = 51,
        /// 57: the account's name inside an article.
        ArticleAccountName = 57,
        /// 75: an ad in an article (older lists).
        ArticleAd = 75,
        /// 78: an ad in Moments (older lists).
        MomentsAd = 78,
        /// 100: WeChat ads.
        Ads = 100,
        /// 149: a mini program.
        MiniProgram = 149,
        /// 161: someone else's repost.
        Repost = 161,
        /// 176: an album page (older lists).
        Album = 176,
        /// 200: Channels (视频号).
        Channels = 200,
        /// 201: a live stream.
        Live = 201,
    }

    /// Where readers came from (`user_source` of `getuserread` and `getuserreadhour`).
    pub enum ReadSource {
        /// 0: a conversation (会话).
        Conversation = 0,
        /// 1: a friend's forward.
        Friend = 1,
        /// 2: Moments.
        Moments = 2,
        /// 3: Tencent Weibo.
        TencentWeibo = 3,
        /// 4: the account's history page.
        History = 4,
        /// 5: elsewhere.
        Other = 5,
        /// 6: Top Stories (看一看).
        TopStories = 6,
        /// 7: WeChat search (搜一搜).
        Search = 7,
        /// 99999999: every entry, summed.
        All = 99_999_999,
    }

    /// Where shares went (`share_scene` of `getusershare` and `getusersharehour`).
    pub enum ShareScene {
        /// 1: forwarded to a friend.
        Friend = 1,
        /// 2: Moments.
        Moments = 2,
        /// 3: Tencent Weibo.
        TencentWeibo = 3,
        /// 255: elsewhere.
        Other = 255,
    }

    /// What followers sent (`msg_type` of `getupstreammsg*`).
    pub enum MsgType {
        /// 1: text.
        Text = 1,
        /// 2: an image.
        Image = 2,
        /// 3: voice.
        Voice = 3,
        /// 4: a video.
        Video = 4,
        /// 6: a third-party app's message (a link).
        Link = 6,
    }

    /// How many messages a follower sent that day (`count_interval` of `getupstreammsgdist*`).
    pub enum CountInterval {
        /// 0: none.
        Zero = 0,
        /// 1: one to five.
        OneToFive = 1,
        /// 2: six to ten.
        SixToTen = 2,
        /// 3: more than ten.
        MoreThanTen = 3,
    }

    /// Whether followers were notified of a publication (`publish_type` of
    /// `getarticletotaldetail`).
    pub enum PublishType {
        /// 0: published with a notification.
        Notified = 0,
        /// 1: published without one.
        Silent = 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips() {
        for &v in FollowSource::KNOWN {
            assert_eq!(FollowSource::from_code(v.code()), v);
        }
        for &v in ReadSource::KNOWN {
            assert_eq!(ReadSource::from(u32::from(v)), v);
        }
        assert_eq!(ShareScene::KNOWN.len(), 4);
        assert_eq!(MsgType::KNOWN.len(), 5);
        assert_eq!(CountInterval::KNOWN.len(), 4);
        assert_eq!(PublishType::KNOWN.len(), 2);
    }

    #[test]
    fn codes_are_read_as_numbers_or_strings_and_unknown_ones_kept() {
        let read = |text: &str| serde_json::from_str::<ReadSource>(text);
        assert_eq!(read("99999999").unwrap(), ReadSource::All);
        assert_eq!(read("\" 6 \"").unwrap(), ReadSource::TopStories);
        assert_eq!(read("8").unwrap(), ReadSource::Unknown(8));
        assert!(read("-1").is_err());
        assert!(read("\"many\"").is_err());
        assert!(read("4294967296").is_err());
        assert!(read("1.5").is_err());
        let unknown = FollowSource::from_code(999);
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "999");
        assert_eq!(unknown.to_string(), "999");
        assert_eq!(FollowSource::default(), FollowSource::Other);
        assert_eq!(ShareScene::default(), ShareScene::Unknown(0));
    }
}
