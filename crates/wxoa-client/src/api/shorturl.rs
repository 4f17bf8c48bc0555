//! Short links (api-reference §12): the deprecated `long2short`, and short keys hosting up to
//! 4 KB of data (`shorten/gen`, `shorten/fetch`).
//!
//! Checked before anything is sent: `long_data` of 1 to 4096 bytes (9410010 beyond),
//! `expire_seconds` of 1 to 2,592,000 (9410011 beyond; the default is the maximum), a long URL
//! that is an `http`, `https` or `weixin` URL.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let key = client.shorturls().shorten(r#"{"campaign":"spring"}"#).expire_seconds(86_400).await?;
//! let data = client.shorturls().fetch(&key).await?;
//! assert_eq!(data.long_data, r#"{"campaign":"spring"}"#);
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::support::{awaitable, invalid, opt_lenient, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most bytes of `long_data`.
pub const LONG_DATA_MAX_BYTES: usize = 4096;
/// Longest (and default) `expire_seconds` of a short key: 30 days.
pub const EXPIRE_MAX: u32 = 2_592_000;

/// The short-link API: `client.shorturls()`.
#[derive(Debug, Clone)]
pub struct ShortUrls {
    client: Client,
}

impl Client {
    /// The short-link API (api-reference §12).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let key = client.shorturls().shorten("some data").await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn shorturls(&self) -> ShortUrls {
        ShortUrls {
            client: self.clone(),
        }
    }
}

impl ShortUrls {
    /// `POST /cgi-bin/shorturl` (`action` `long2short`): a short URL for a long one.
    /// Deprecated by the platform (announced end of life 2021-03-15); kept for accounts that
    /// still have it.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let short = client.shorturls().long2short("https://example.com/a/very/long/path").await?;
    /// # Ok(())
    /// # }
    /// ```
    #[deprecated(note = "the platform retired long2short (2021-03-15); use shorten/fetch")]
    pub fn long2short(&self, long_url: impl Into<String>) -> LongToShort {
        LongToShort {
            client: self.client.clone(),
            action: "long2short",
            long_url: long_url.into(),
        }
    }

    /// `POST /cgi-bin/shorten/gen`: a 15-character key for up to 4 KB of data.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let key = client.shorturls().shorten("data").expire_seconds(3600).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shorten(&self, long_data: impl Into<String>) -> GenShortKey {
        GenShortKey {
            client: self.client.clone(),
            long_data: long_data.into(),
            expire_seconds: None,
        }
    }

    /// `POST /cgi-bin/shorten/fetch`: the data behind a short key.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let data = client.shorturls().fetch("iTqRJFSEqk9RvPk").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn fetch(&self, short_key: impl Into<String>) -> FetchShortKey {
        FetchShortKey {
            client: self.client.clone(),
            short_key: short_key.into(),
        }
    }
}

/// `POST /cgi-bin/shorturl`, from [`ShortUrls::long2short`]; answers the short URL.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct LongToShort {
    #[serde(skip)]
    client: Client,
    action: &'static str,
    long_url: String,
}

impl LongToShort {
    fn request(&self) -> Result<ApiRequest> {
        require("long_url", &self.long_url)?;
        let scheme_ok = url::Url::parse(&self.long_url)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https" | "weixin"));
        if !scheme_ok {
            return Err(invalid(
                "long_url",
                Rule::LongUrl {
                    got: self.long_url.clone(),
                },
            ));
        }
        ApiRequest::post("/cgi-bin/shorturl").json(self)
    }
}

#[derive(Deserialize)]
struct ShortUrlAnswer {
    short_url: String,
}

awaitable!(LongToShort => ShortUrlAnswer => String, |a: ShortUrlAnswer| a.short_url);

/// `POST /cgi-bin/shorten/gen`, from [`ShortUrls::shorten`]; answers the short key.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GenShortKey {
    #[serde(skip)]
    client: Client,
    long_data: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_seconds: Option<u32>,
}

impl GenShortKey {
    /// How long the key lives, 1 to [`EXPIRE_MAX`] seconds (default: the maximum).
    pub fn expire_seconds(mut self, seconds: u32) -> Self {
        self.expire_seconds = Some(seconds);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("long_data", &self.long_data)?;
        if self.long_data.len() > LONG_DATA_MAX_BYTES {
            return Err(invalid(
                "long_data",
                Rule::AtMost {
                    max: LONG_DATA_MAX_BYTES as u64,
                    unit: Unit::Bytes,
                    got: self.long_data.len() as u64,
                },
            ));
        }
        if let Some(seconds) = self.expire_seconds
            && !(1..=EXPIRE_MAX).contains(&seconds)
        {
            return Err(invalid(
                "expire_seconds",
                Rule::OutOfRange {
                    min: 1,
                    max: EXPIRE_MAX.into(),
                    unit: Unit::Seconds,
                    got: seconds.into(),
                },
            ));
        }
        ApiRequest::post("/cgi-bin/shorten/gen").json(self)
    }
}

#[derive(Deserialize)]
struct ShortKeyAnswer {
    short_key: String,
}

awaitable!(GenShortKey => ShortKeyAnswer => String, |a: ShortKeyAnswer| a.short_key);

/// `POST /cgi-bin/shorten/fetch`, from [`ShortUrls::fetch`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct FetchShortKey {
    #[serde(skip)]
    client: Client,
    short_key: String,
}

impl FetchShortKey {
    fn request(&self) -> Result<ApiRequest> {
        require("short_key", &self.short_key)?;
        Ok(ApiRequest::post("/cgi-bin/shorten/fetch")
            .json(self)?
            .idempotent(true))
    }
}

/// The data behind a short key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShortData {
    /// The data.
    #[serde(default)]
    pub long_data: String,
    /// When the key was made (Unix seconds).
    #[serde(default, deserialize_with = "opt_lenient")]
    pub create_time: Option<i64>,
    /// How long the key has left, in seconds.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub expire_seconds: Option<i64>,
    /// Fields this version does not know (`errcode`, `errmsg` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(FetchShortKey => ShortData);
