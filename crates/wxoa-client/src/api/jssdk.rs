//! The JS-SDK (api-reference §16): the `jsapi_ticket` and the card `api_ticket`, kept and
//! shared like the access token, and the signatures pages need — `wx.config` for a page URL
//! and the `cardExt` of `wx.addCard`.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let config = client.jssdk().config("https://example.com/page?id=1#top").await?;
//! // → {"appId": "wx…", "timestamp": 1700000000, "nonceStr": "…", "signature": "…"}
//! println!("{}", serde_json::to_string(&config).unwrap_or_default());
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::Serialize;

use crate::api::support::{require, web_url};
use crate::token::Token;
use crate::{Client, Result};

/// Length of the nonces this module makes.
const NONCE_LEN: usize = 16;

/// What `wx.config` needs: `appId`, `timestamp`, `nonceStr` and `signature`, serialised
/// with those names. `url` is the page URL the signature covers (its fragment removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JsSdkConfig {
    /// The AppID.
    pub app_id: String,
    /// Unix seconds.
    pub timestamp: i64,
    /// The nonce.
    pub nonce_str: String,
    /// SHA-1 over `jsapi_ticket`, `noncestr`, `timestamp` and `url`.
    pub signature: String,
    /// The URL signed: the page URL without its fragment.
    pub url: String,
}

impl JsSdkConfig {
    /// Signs `url` with a ticket at hand (no call): the URL's fragment is removed first.
    ///
    /// ```
    /// use wxoa_client::api::jssdk::JsSdkConfig;
    ///
    /// let config = JsSdkConfig::sign(
    ///     "wx0123456789abcdef",
    ///     "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
    ///     "http://mp.weixin.qq.com?params=value#frag",
    ///     1414587457,
    ///     "Wm3WZYTPz0wzccnW",
    /// )?;
    /// assert_eq!(config.signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
    /// assert_eq!(config.url, "http://mp.weixin.qq.com?params=value");
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn sign(
        app_id: &str,
        ticket: &str,
        url: &str,
        timestamp: i64,
        nonce_str: &str,
    ) -> Result<Self> {
        let page = page_url(url)?;
        require("nonceStr", nonce_str)?;
        let stamp = timestamp.to_string();
        let signature = wxoa_crypto::jssdk_signature(ticket, nonce_str, &stamp, page);
        Ok(Self {
            app_id: app_id.to_owned(),
            timestamp,
            nonce_str: nonce_str.to_owned(),
            signature: signature.as_str().to_owned(),
            url: page.to_owned(),
        })
    }
}

/// The page URL a signature covers: an absolute http(s) URL, its fragment removed.
fn page_url(url: &str) -> Result<&str> {
    let page = wxoa_crypto::jssdk_url(url);
    web_url("url", page)?;
    Ok(page)
}

/// What `wx.addCard` needs in `cardExt` for one card: `code`, `openid`, `timestamp`,
/// `nonce_str` and `signature` (the card signature over the card `api_ticket`, the timestamp,
/// the nonce, the card id, the code and the OpenID, sorted as strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CardExt {
    /// The card code (for cards with custom codes), else empty.
    pub code: String,
    /// The only user who may take the card, else empty.
    pub openid: String,
    /// Unix seconds, as a string.
    pub timestamp: String,
    /// The nonce.
    pub nonce_str: String,
    /// The card signature.
    pub signature: String,
}

impl CardExt {
    /// Signs a card with a card `api_ticket` at hand (no call).
    ///
    /// ```
    /// use wxoa_client::api::jssdk::CardExt;
    ///
    /// let ext = CardExt::sign("TICKET", "pCARD", "", "", 1_400_000_000, "nonce")?;
    /// assert_eq!(
    ///     ext.signature,
    ///     wxoa_crypto::card_signature(&["TICKET", "1400000000", "nonce", "pCARD", "", ""]).as_str()
    /// );
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn sign(
        ticket: &str,
        card_id: &str,
        code: &str,
        openid: &str,
        timestamp: i64,
        nonce_str: &str,
    ) -> Result<Self> {
        require("card_id", card_id)?;
        require("nonce_str", nonce_str)?;
        let timestamp = timestamp.to_string();
        let signature =
            wxoa_crypto::card_signature(&[ticket, &timestamp, nonce_str, card_id, code, openid]);
        Ok(Self {
            code: code.to_owned(),
            openid: openid.to_owned(),
            timestamp,
            nonce_str: nonce_str.to_owned(),
            signature: signature.as_str().to_owned(),
        })
    }
}

/// The JS-SDK API: `client.jssdk()`.
#[derive(Debug, Clone)]
pub struct JsSdk {
    client: Client,
}

impl Client {
    /// The JS-SDK API (api-reference §16).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.jssdk().jsapi_ticket().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn jssdk(&self) -> JsSdk {
        JsSdk {
            client: self.clone(),
        }
    }
}

impl JsSdk {
    /// The `jsapi_ticket` (`ticket/getticket?type=jsapi`): from memory, the store, or fetched
    /// once for everyone, like the access token.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.jssdk().jsapi_ticket().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn jsapi_ticket(&self) -> Result<Token> {
        self.client.jsapi_ticket().await
    }

    /// The card `api_ticket` (`ticket/getticket?type=wx_card`), kept like the access token.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.jssdk().card_ticket().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn card_ticket(&self) -> Result<Token> {
        self.client.wx_card_ticket().await
    }

    /// The `wx.config` values for a page: the `jsapi_ticket` of the account, the current time
    /// and a fresh nonce unless given.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let config = client.jssdk().config("https://example.com/page").nonce("abc").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn config(&self, url: impl Into<String>) -> ConfigRequest {
        ConfigRequest {
            client: self.client.clone(),
            url: url.into(),
            timestamp: None,
            nonce: None,
        }
    }

    /// The `cardExt` values for `wx.addCard`, signed with the account's card `api_ticket`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ext = client.jssdk().card_ext("pCARD").openid("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn card_ext(&self, card_id: impl Into<String>) -> CardExtRequest {
        CardExtRequest {
            client: self.client.clone(),
            card_id: card_id.into(),
            code: String::new(),
            openid: String::new(),
            timestamp: None,
            nonce: None,
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn nonce() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(NONCE_LEN)
        .map(char::from)
        .collect()
}

/// The `timestamp` and `nonce` setters of a signing request.
macro_rules! signing_setters {
    ($request:ty) => {
        impl $request {
            /// Signs with this timestamp instead of the current time.
            pub fn timestamp(mut self, timestamp: i64) -> Self {
                self.timestamp = Some(timestamp);
                self
            }

            /// Signs with this nonce instead of a random one.
            pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
                self.nonce = Some(nonce.into());
                self
            }
        }
    };
}

/// The `wx.config` values, from [`JsSdk::config`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ConfigRequest {
    client: Client,
    url: String,
    timestamp: Option<i64>,
    nonce: Option<String>,
}

signing_setters!(ConfigRequest);

impl IntoFuture for ConfigRequest {
    type Output = Result<JsSdkConfig>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<JsSdkConfig>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            // A bad URL fails before a ticket is fetched.
            page_url(&self.url)?;
            let ticket = self.client.jsapi_ticket().await?;
            JsSdkConfig::sign(
                self.client.app_id().as_str(),
                ticket.expose(),
                &self.url,
                self.timestamp.unwrap_or_else(now),
                &self.nonce.unwrap_or_else(nonce),
            )
        })
    }
}

/// The `cardExt` values, from [`JsSdk::card_ext`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CardExtRequest {
    client: Client,
    card_id: String,
    code: String,
    openid: String,
    timestamp: Option<i64>,
    nonce: Option<String>,
}

impl CardExtRequest {
    /// The card code, for cards with custom codes.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// The only user who may take the card.
    pub fn openid(mut self, openid: impl Into<String>) -> Self {
        self.openid = openid.into();
        self
    }
}

signing_setters!(CardExtRequest);

impl IntoFuture for CardExtRequest {
    type Output = Result<CardExt>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<CardExt>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            require("card_id", &self.card_id)?;
            let ticket = self.client.wx_card_ticket().await?;
            CardExt::sign(
                ticket.expose(),
                &self.card_id,
                &self.code,
                &self.openid,
                self.timestamp.unwrap_or_else(now),
                &self.nonce.unwrap_or_else(nonce),
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_published_vector_and_the_fragment() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        let sign = |url| JsSdkConfig::sign("wx1", ticket, url, 1_414_587_457, "Wm3WZYTPz0wzccnW");
        let plain = sign("http://mp.weixin.qq.com?params=value").unwrap();
        assert_eq!(plain.signature, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
        let with_fragment = sign("http://mp.weixin.qq.com?params=value#a=b").unwrap();
        assert_eq!(with_fragment.signature, plain.signature);
        let json = serde_json::to_value(&plain).unwrap();
        assert_eq!(json["appId"], "wx1");
        assert_eq!(json["nonceStr"], "Wm3WZYTPz0wzccnW");
        assert_eq!(json["timestamp"], 1_414_587_457);
        assert!(sign("/relative").is_err());
        assert!(sign("ftp://x/").is_err());
    }

    #[test]
    fn nonces_are_fresh() {
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), NONCE_LEN);
        assert_ne!(a, b);
    }
}
