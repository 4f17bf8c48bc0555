//! Where cards are shown and who holds them: the test whitelist (full replacement, users the
//! account knows), landing pages listing existing cards, the HTML that puts a card in an
//! article, and the codes a follower holds (`card/user/getcardlist`).

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::deposit::uses_custom_code;
use super::{CardRules, CardStatus, Cards, refused, texts};
use crate::error::ApiError;
use crate::platform::people::Who;
use crate::state::Account;

/// The scenes a landing page can be made for.
const SCENES: &[&str] = &[
    "SCENE_NEAR_BY",
    "SCENE_MENU",
    "SCENE_QRCODE",
    "SCENE_ARTICLE",
    "SCENE_H5",
    "SCENE_IVR",
    "SCENE_CARD_CUSTOM_CELL",
];

/// The users who can take cards still in review.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Whitelist {
    pub(crate) openid: Vec<String>,
    pub(crate) username: Vec<String>,
}

/// A landing page made by `card/landingpage/create`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LandingPage {
    pub(crate) page_id: u64,
    pub(crate) url: String,
    pub(crate) page_title: String,
    pub(crate) scene: String,
    pub(crate) card_ids: Vec<String>,
    pub(crate) created_at: i64,
}

/// The body of `card/landingpage/create`, as read.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LandingRequest {
    #[serde(default)]
    banner: Option<String>,
    #[serde(default)]
    page_title: Option<String>,
    #[serde(default)]
    scene: Option<String>,
    #[serde(default)]
    card_list: Option<Vec<Value>>,
}

/// Whether `value` is an `http(s)` URL.
fn is_web_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// The account's `biz` in the platform's page URLs.
fn biz(app_id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(app_id)
}

/// A page of the platform's card pages, with its query.
fn page_url(path: &str, query: &[(&str, &str)]) -> String {
    url::Url::parse_with_params(&format!("https://mp.weixin.qq.com{path}"), query)
        .map(|mut url| {
            url.set_fragment(Some("wechat_redirect"));
            String::from(url)
        })
        .unwrap_or_default()
}

impl Account {
    /// `card/testwhitelist/set`: the whitelist replaced by these OpenIDs (of users the account
    /// knows: 40003 otherwise) and WeChat ids, at most `max_testers` in all (the configured
    /// code beyond; 47003 for an empty entry or a list that is not one).
    pub(crate) fn set_test_whitelist(
        &mut self,
        openid: Option<&Value>,
        username: Option<&Value>,
        rules: &CardRules,
    ) -> Result<(), ApiError> {
        let list = |value: Option<&Value>, field: &str| match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            some => texts(some).ok_or_else(|| ApiError::argument(field)),
        };
        let openids = list(openid, "openid")?;
        let usernames = list(username, "username")?;
        let total = openids.len() + usernames.len();
        if total > rules.max_testers {
            return Err(ApiError::msg(
                rules.too_many_testers_errcode,
                format!(
                    "argument invalid! the whitelist holds at most {} users, got {total}",
                    rules.max_testers
                ),
            ));
        }
        for (field, entries) in [("openid", &openids), ("username", &usernames)] {
            if let Some(i) = entries.iter().position(String::is_empty) {
                return Err(ApiError::argument(&format!("{field}[{i}]")));
            }
        }
        if openids.iter().any(|o| self.who(o) == Who::Unknown) {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        self.cards.whitelist = Whitelist {
            openid: openids,
            username: usernames,
        };
        Ok(())
    }

    /// `card/landingpage/create`: a page of existing cards (47003 naming the field for a
    /// banner or thumbnail that is not an `http(s)` URL, an empty title, an unknown scene, no
    /// card, an unknown card, or a custom-code card without deposited codes); its id and URL.
    pub(crate) fn create_landing_page(
        &mut self,
        request: LandingRequest,
        now: i64,
    ) -> Result<(u64, String), ApiError> {
        if !request.banner.as_deref().is_some_and(is_web_url) {
            return Err(ApiError::argument("banner"));
        }
        let title = request
            .page_title
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::argument("page_title"))?;
        let scene = request
            .scene
            .filter(|s| SCENES.contains(&s.as_str()))
            .ok_or_else(|| ApiError::argument("scene"))?;
        let cards = request
            .card_list
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ApiError::argument("card_list"))?;
        let mut card_ids = Vec::with_capacity(cards.len());
        for (i, item) in cards.iter().enumerate() {
            let field = |name: &str| format!("card_list[{i}].{name}");
            let id = item
                .get("card_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let card = self
                .cards
                .by_id
                .get(id)
                .ok_or_else(|| ApiError::argument(&field("card_id")))?;
            let thumb = item
                .get("thumb_url")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !is_web_url(thumb) {
                return Err(ApiError::argument(&field("thumb_url")));
            }
            let stocked = self.cards.deposited.get(id).is_some_and(|d| !d.is_empty());
            if uses_custom_code(card) && !stocked {
                return Err(refused(
                    &field("card_id"),
                    "a custom-code card needs deposited codes first",
                ));
            }
            card_ids.push(id.to_owned());
        }
        let page_id = self
            .cards
            .landing_pages
            .last()
            .map_or(1, |p| p.page_id.saturating_add(1));
        let url = page_url(
            "/bizmall/cardlandingpage",
            &[
                ("biz", &biz(&self.app_id)),
                ("page_id", &page_id.to_string()),
                ("scene", &scene),
            ],
        );
        self.cards.landing_pages.push(LandingPage {
            page_id,
            url: url.clone(),
            page_title: title,
            scene,
            card_ids,
            created_at: now,
        });
        Ok((page_id, url))
    }

    /// `card/mpnews/gethtml`: the `<iframe>` that shows an existing card in an article.
    pub(crate) fn card_article_html(&self, id: Option<&str>) -> Result<String, ApiError> {
        let id = id.unwrap_or_default();
        self.cards.get(Some(id))?;
        let src = page_url(
            "/bizmall/appmsgcard",
            &[
                ("action", "show"),
                ("biz", &biz(&self.app_id)),
                ("cardid", id),
                ("wechat_card_js", "1"),
            ],
        );
        Ok(format!(
            "<iframe class=\"res_iframe card_iframe js_editor_card\" data-src=\"{}\" \
             frameborder=\"0\" height=\"226\" width=\"600\"></iframe>",
            src.replace('"', "%22")
        ))
    }

    /// `card/user/getcardlist`: the usable codes a follower holds (40003 for an OpenID the
    /// account does not know), of one existing card when `card_id` is given (47003 for an
    /// unknown one).
    pub(crate) fn held_cards(
        &self,
        openid: &str,
        card_id: Option<&str>,
    ) -> Result<Vec<(String, String)>, ApiError> {
        if self.who(openid) == Who::Unknown {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        let only = card_id.filter(|id| !id.is_empty());
        if let Some(id) = only {
            self.cards.get(Some(id))?;
        }
        Ok(self.cards.held_by(openid, only))
    }
}

impl Cards {
    /// The usable codes `openid` holds, of one card when given: (code, card id).
    fn held_by(&self, openid: &str, card_id: Option<&str>) -> Vec<(String, String)> {
        self.codes
            .iter()
            .filter(|(_, c)| c.openid == openid && c.status == CardStatus::Normal)
            .filter(|(_, c)| card_id.is_none_or(|id| c.card_id == id))
            .map(|(code, c)| (code.clone(), c.card_id.clone()))
            .collect()
    }
}
