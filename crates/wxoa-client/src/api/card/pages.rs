//! Where cards are shown and who holds them: the test whitelist (users who can take cards
//! still in review), a landing page listing cards, the HTML that puts a card in an article,
//! and the cards a follower holds. Each request value is the body it sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{CardId, OpenId};

use super::{Cards, MAX_TESTERS, http_url};
use crate::api::support::{awaitable, invalid, or_default, require, string_enum};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// `POST /card/testwhitelist/set`, from [`Cards::set_test_whitelist`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SetTestWhitelist {
    #[serde(skip)]
    client: Client,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    openid: Vec<OpenId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    username: Vec<String>,
}

impl SetTestWhitelist {
    /// A follower, by OpenID.
    pub fn openid(mut self, openid: impl Into<OpenId>) -> Self {
        self.openid.push(openid.into());
        self
    }

    /// A user, by WeChat id.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username.push(username.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        let total = self.openid.len() + self.username.len();
        if total > MAX_TESTERS {
            return Err(invalid(
                "openid",
                Rule::AtMost {
                    max: MAX_TESTERS as u64,
                    unit: Unit::Users,
                    got: total as u64,
                },
            ));
        }
        if let Some(i) = self.openid.iter().position(|o| o.as_str().is_empty()) {
            return Err(invalid(format!("openid[{i}]"), Rule::Empty));
        }
        if let Some(i) = self.username.iter().position(String::is_empty) {
            return Err(invalid(format!("username[{i}]"), Rule::Empty));
        }
        ApiRequest::post("/card/testwhitelist/set").json(self)
    }
}

awaitable!(SetTestWhitelist => crate::api::support::Ack);

string_enum! {
    /// Where a landing page is put.
    pub enum LandingScene {
        /// Nearby.
        NearBy = "SCENE_NEAR_BY",
        /// A menu of the account.
        Menu = "SCENE_MENU",
        /// A QR code.
        Qrcode = "SCENE_QRCODE",
        /// An article.
        Article = "SCENE_ARTICLE",
        /// A web page.
        H5 = "SCENE_H5",
        /// A phone's voice menu.
        Ivr = "SCENE_IVR",
        /// A custom cell of a card.
        CardCustomCell = "SCENE_CARD_CUSTOM_CELL",
    }
}

/// The scenes, as the platform writes them.
const SCENES: [&str; 7] = [
    "SCENE_NEAR_BY",
    "SCENE_MENU",
    "SCENE_QRCODE",
    "SCENE_ARTICLE",
    "SCENE_H5",
    "SCENE_IVR",
    "SCENE_CARD_CUSTOM_CELL",
];

/// A card on a landing page, with its thumbnail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LandingCard {
    /// The card.
    pub card_id: CardId,
    /// Its thumbnail (an `uploadimg` URL).
    pub thumb_url: String,
}

impl LandingCard {
    /// A card and its thumbnail.
    pub fn new(card_id: impl Into<CardId>, thumb_url: impl Into<String>) -> LandingCard {
        LandingCard {
            card_id: card_id.into(),
            thumb_url: thumb_url.into(),
        }
    }
}

/// `POST /card/landingpage/create`, from [`Cards::create_landing_page`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateLandingPage {
    #[serde(skip)]
    client: Client,
    banner: String,
    page_title: String,
    can_share: bool,
    scene: LandingScene,
    card_list: Vec<LandingCard>,
}

impl CreateLandingPage {
    /// Whether the page can be shared (default: true).
    pub fn can_share(mut self, yes: bool) -> Self {
        self.can_share = yes;
        self
    }

    /// Another card on the page.
    pub fn card(mut self, card: LandingCard) -> Self {
        self.card_list.push(card);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        http_url("banner", &self.banner)?;
        require("page_title", &self.page_title)?;
        if let LandingScene::Unknown(got) = &self.scene {
            return Err(invalid(
                "scene",
                Rule::OneOf {
                    choices: &SCENES,
                    got: got.clone(),
                },
            ));
        }
        if self.card_list.is_empty() {
            return Err(invalid("card_list", Rule::Empty));
        }
        for (i, card) in self.card_list.iter().enumerate() {
            require(&format!("card_list[{i}].card_id"), card.card_id.as_str())?;
            http_url(&format!("card_list[{i}].thumb_url"), &card.thumb_url)?;
        }
        ApiRequest::post("/card/landingpage/create").json(self)
    }
}

/// A landing page, from [`Cards::create_landing_page`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LandingPage {
    /// Where the page is.
    #[serde(default, deserialize_with = "or_default")]
    pub url: String,
    /// Its id.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub page_id: u64,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(CreateLandingPage => LandingPage);

/// `POST /card/mpnews/gethtml`, from [`Cards::article_html`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ArticleHtml {
    #[serde(skip)]
    client: Client,
    card_id: CardId,
}

impl ArticleHtml {
    fn request(&self) -> Result<ApiRequest> {
        require("card_id", self.card_id.as_str())?;
        Ok(ApiRequest::post("/card/mpnews/gethtml")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct ContentAnswer {
    #[serde(default)]
    content: String,
}

awaitable!(ArticleHtml => ContentAnswer => String, |a: ContentAnswer| a.content);

/// `POST /card/user/getcardlist`, from [`Cards::held_by`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct HeldCardsRequest {
    #[serde(skip)]
    client: Client,
    openid: OpenId,
    card_id: CardId,
}

impl HeldCardsRequest {
    /// Only the codes of this card.
    pub fn card_id(mut self, card_id: impl Into<CardId>) -> Self {
        self.card_id = card_id.into();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        Ok(ApiRequest::post("/card/user/getcardlist")
            .json(self)?
            .idempotent(true))
    }
}

/// A card a follower holds, by its code.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeldCard {
    /// The code.
    #[serde(default, deserialize_with = "crate::api::support::text")]
    pub code: String,
    /// The card.
    #[serde(default)]
    pub card_id: CardId,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The cards a follower holds, from [`Cards::held_by`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeldCards {
    /// The codes they hold.
    #[serde(default, deserialize_with = "or_default")]
    pub card_list: Vec<HeldCard>,
    /// Whether one of them can be shared with friends.
    #[serde(default, deserialize_with = "crate::api::support::flag")]
    pub has_share_card: bool,
    /// Fields this version does not know (`errcode` and `errmsg` among them).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(HeldCardsRequest => HeldCards);

impl Cards {
    /// `POST /card/testwhitelist/set`: the users who can take cards still in review, at most
    /// 10 in all (replaces the list). A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.cards().set_test_whitelist().openid("oTester").username("tester42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_test_whitelist(&self) -> SetTestWhitelist {
        SetTestWhitelist {
            client: self.client.clone(),
            openid: Vec::new(),
            username: Vec::new(),
        }
    }

    /// `POST /card/landingpage/create`: a page listing cards (with its first card; add more
    /// with [`CreateLandingPage::card`]); answers its URL and id. Cards with custom codes need
    /// deposited codes first. A send: never replayed.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::card::{LandingCard, LandingScene};
    /// let page = client.cards()
    ///     .create_landing_page(
    ///         "http://mmbiz.qpic.cn/banner",
    ///         "Our cards",
    ///         LandingScene::Menu,
    ///         LandingCard::new("CARD_ID", "http://mmbiz.qpic.cn/thumb"),
    ///     )
    ///     .await?;
    /// println!("{}", page.url);
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_landing_page(
        &self,
        banner: impl Into<String>,
        page_title: impl Into<String>,
        scene: LandingScene,
        card: LandingCard,
    ) -> CreateLandingPage {
        CreateLandingPage {
            client: self.client.clone(),
            banner: banner.into(),
            page_title: page_title.into(),
            can_share: true,
            scene,
            card_list: vec![card],
        }
    }

    /// `POST /card/mpnews/gethtml`: the HTML that puts the card in an article's body. A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let html = client.cards().article_html("CARD_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn article_html(&self, card_id: impl Into<CardId>) -> ArticleHtml {
        ArticleHtml {
            client: self.client.clone(),
            card_id: card_id.into(),
        }
    }

    /// `POST /card/user/getcardlist`: the codes a follower holds (of every card, or of one
    /// with [`HeldCardsRequest::card_id`]). A read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let held = client.cards().held_by("oFollower").await?;
    /// for card in held.card_list {
    ///     println!("{} {}", card.card_id, card.code);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn held_by(&self, openid: impl Into<OpenId>) -> HeldCardsRequest {
        HeldCardsRequest {
            client: self.client.clone(),
            openid: openid.into(),
            card_id: CardId::default(),
        }
    }
}
