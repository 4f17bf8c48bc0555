//! The custom menu (自定义菜单, api-reference §15): the default menu, conditional menus, which
//! menu a user sees, and the menu as configured on the web console.
//!
//! A menu is checked against every rule of §15 before anything is sent, and
//! [`Menu::validate`] reports **every** violation with its JSON path
//! (`button[1].sub_button[3].key: longer than 128 bytes`), so a menu file can be fixed in one go.
//!
//! ```no_run
//! use wxoa_client::api::menu::{Button, Menu};
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let menu = Menu::new(vec![
//!     Button::click("今日歌曲", "V1001_TODAY_MUSIC"),
//!     Button::parent("菜单", vec![Button::view("搜索", "https://www.soso.com/")]),
//! ]);
//! assert!(menu.validate().is_empty());
//! client.menus().create(menu).await?;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::support::{
    Ack, awaitable, invalid, lenient, opt_lenient, opt_text, parameterless_get, require,
    string_enum,
};
use crate::{ApiRequest, Client, Error, Result};

/// Most top-level buttons.
pub const MAX_BUTTONS: usize = 3;
/// Most sub-buttons under one button.
pub const MAX_SUB_BUTTONS: usize = 5;
/// Longest name of a top-level button, in bytes.
pub const NAME_MAX_BYTES: usize = 16;
/// Longest name of a sub-button, in bytes.
pub const SUB_NAME_MAX_BYTES: usize = 60;
/// Longest `key`, in bytes.
pub const KEY_MAX_BYTES: usize = 128;
/// Longest `url`, in bytes.
pub const URL_MAX_BYTES: usize = 1024;
/// Most external domains (outside qq.com) the links of a menu may point to.
pub const MAX_DOMAINS: usize = 3;

string_enum! {
    /// What a button does.
    pub enum ButtonType {
        /// Pushes a `CLICK` event with the button's `key`.
        Click = "click",
        /// Opens the button's `url`.
        View = "view",
        /// Opens the scanner and pushes the result.
        ScancodePush = "scancode_push",
        /// Opens the scanner, pushes the result and shows "receiving…".
        ScancodeWaitmsg = "scancode_waitmsg",
        /// Takes a photo and sends it.
        PicSysphoto = "pic_sysphoto",
        /// Takes a photo or picks one from the album.
        PicPhotoOrAlbum = "pic_photo_or_album",
        /// Picks a photo from the WeChat album.
        PicWeixin = "pic_weixin",
        /// Sends the user's location.
        LocationSelect = "location_select",
        /// Sends the permanent material `media_id`.
        MediaId = "media_id",
        /// Opens the permanent news material `media_id`.
        ViewLimited = "view_limited",
        /// Sends the published article `article_id`.
        ArticleId = "article_id",
        /// Opens the published article `article_id`.
        ArticleViewLimited = "article_view_limited",
        /// Opens a page of a linked mini program (`url` on clients without mini programs).
        Miniprogram = "miniprogram",
    }
}

impl ButtonType {
    /// Whether the type carries a `key` and pushes an event with it.
    #[must_use]
    pub fn takes_key(&self) -> bool {
        matches!(
            self,
            Self::Click
                | Self::ScancodePush
                | Self::ScancodeWaitmsg
                | Self::PicSysphoto
                | Self::PicPhotoOrAlbum
                | Self::PicWeixin
                | Self::LocationSelect
        )
    }
}

/// A button: a leaf with a `type` and what that type needs, or a parent with 1 to 5
/// `sub_button`s and no type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Button {
    /// What the button does (`None` for a parent).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ButtonType>,
    /// The label.
    #[serde(default)]
    pub name: String,
    /// The event key (click, scancode_*, pic_*, location_select).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The link (view; the fallback of miniprogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The permanent material (media_id, view_limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// The published article (article_id, article_view_limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// The mini program (miniprogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The mini program's page (miniprogram).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagepath: Option<String>,
    /// The sub-buttons of a parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_button: Vec<Button>,
    /// Fields this version does not know; sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Button {
    fn leaf(kind: ButtonType, name: impl Into<String>) -> Self {
        Self {
            kind: Some(kind),
            name: name.into(),
            ..Self::default()
        }
    }

    /// A `click` button.
    pub fn click(name: impl Into<String>, key: impl Into<String>) -> Self {
        Self::with_key(ButtonType::Click, name, key)
    }

    /// A button of a type that carries a `key`: click, scancode_push, scancode_waitmsg,
    /// pic_sysphoto, pic_photo_or_album, pic_weixin, location_select.
    pub fn with_key(kind: ButtonType, name: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            ..Self::leaf(kind, name)
        }
    }

    /// A `view` button opening `url`.
    pub fn view(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            ..Self::leaf(ButtonType::View, name)
        }
    }

    /// A `miniprogram` button opening `pagepath` of the mini program `appid`, or `url` on
    /// clients without mini programs.
    pub fn miniprogram(
        name: impl Into<String>,
        appid: impl Into<String>,
        pagepath: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            appid: Some(appid.into()),
            pagepath: Some(pagepath.into()),
            url: Some(url.into()),
            ..Self::leaf(ButtonType::Miniprogram, name)
        }
    }

    /// A `media_id` (send the material) or `view_limited` (open the news material) button.
    pub fn with_media(
        kind: ButtonType,
        name: impl Into<String>,
        media_id: impl Into<String>,
    ) -> Self {
        Self {
            media_id: Some(media_id.into()),
            ..Self::leaf(kind, name)
        }
    }

    /// An `article_id` (send) or `article_view_limited` (open) button of a published article.
    pub fn with_article(
        kind: ButtonType,
        name: impl Into<String>,
        article_id: impl Into<String>,
    ) -> Self {
        Self {
            article_id: Some(article_id.into()),
            ..Self::leaf(kind, name)
        }
    }

    /// A parent button opening its sub-buttons.
    pub fn parent(name: impl Into<String>, sub_button: Vec<Button>) -> Self {
        Self {
            name: name.into(),
            sub_button,
            ..Self::default()
        }
    }
}

/// Who sees a conditional menu; every field set must match. Values are strings on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchRule {
    /// A tag id.
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub tag_id: Option<String>,
    /// The legacy name of `tag_id`.
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub group_id: Option<String>,
    /// 1 male, 2 female.
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub sex: Option<String>,
    /// 1 iOS, 2 Android, 3 other.
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_platform_type: Option<String>,
    /// The country, in Chinese (`中国`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The province (needs `country`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// The city (needs `province`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The client's language (`zh_CN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Fields this version does not know; sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MatchRule {
    /// A rule matching the users with a tag.
    pub fn tag(tag_id: u32) -> Self {
        Self::default().tag_id(tag_id)
    }

    /// Matches the users with this tag.
    #[must_use]
    pub fn tag_id(mut self, tag_id: u32) -> Self {
        self.tag_id = Some(tag_id.to_string());
        self
    }

    /// Matches by sex: 1 male, 2 female.
    #[must_use]
    pub fn sex(mut self, sex: u8) -> Self {
        self.sex = Some(sex.to_string());
        self
    }

    /// Matches by client: 1 iOS, 2 Android, 3 other.
    #[must_use]
    pub fn client_platform_type(mut self, platform: u8) -> Self {
        self.client_platform_type = Some(platform.to_string());
        self
    }

    /// Matches by region: a country, and optionally a province in it and a city in that
    /// (Chinese names, `中国`, `广东`, `广州`).
    #[must_use]
    pub fn region(
        mut self,
        country: impl Into<String>,
        province: Option<String>,
        city: Option<String>,
    ) -> Self {
        self.country = Some(country.into());
        self.province = province;
        self.city = city;
        self
    }

    /// Matches by the client's language (`zh_CN`).
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
}

/// A menu: its buttons and, for a conditional menu, its rule. `menu/get` adds its `menuid`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Menu {
    /// 1 to 3 buttons.
    #[serde(default)]
    pub button: Vec<Button>,
    /// Who sees it (conditional menus only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matchrule: Option<MatchRule>,
    /// The id the platform gave it (answers only; never sent).
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub menuid: Option<String>,
    /// Fields this version does not know (never sent).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A rule of api-reference §15 that a menu breaks: where, and which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path of the field, e.g. `button[1].sub_button[3].key`.
    pub path: String,
    /// The rule, e.g. `longer than 128 bytes`.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.rule)
    }
}

impl Menu {
    /// A default menu with these buttons.
    pub fn new(button: Vec<Button>) -> Self {
        Self {
            button,
            ..Self::default()
        }
    }

    /// A conditional menu with these buttons, for the users `matchrule` matches.
    pub fn conditional(button: Vec<Button>, matchrule: MatchRule) -> Self {
        Self {
            button,
            matchrule: Some(matchrule),
            ..Self::default()
        }
    }

    /// Every rule of api-reference §15 the menu breaks, in document order; empty when it
    /// may be sent.
    ///
    /// ```
    /// use wxoa_client::api::menu::{Button, Menu};
    ///
    /// let menu = Menu::new(vec![Button::parent(
    ///     "菜单",
    ///     vec![Button::click("ok", "K"), Button::click("", &"k".repeat(129))],
    /// )]);
    /// let found: Vec<String> = menu.validate().iter().map(ToString::to_string).collect();
    /// assert_eq!(found, [
    ///     "button[0].sub_button[1].name: must not be empty",
    ///     "button[0].sub_button[1].key: longer than 128 bytes",
    /// ]);
    /// ```
    #[must_use]
    pub fn validate(&self) -> Vec<Violation> {
        let mut check = Check::default();
        let count = self.button.len();
        if !(1..=MAX_BUTTONS).contains(&count) {
            check.fail(
                "button",
                format!("{count} buttons; a menu has 1 to {MAX_BUTTONS}"),
            );
        }
        for (i, button) in self.button.iter().enumerate() {
            let path = format!("button[{i}]");
            check.name(&path, &button.name, NAME_MAX_BYTES);
            if button.sub_button.is_empty() {
                check.leaf(&path, button);
                continue;
            }
            if button.kind.is_some() {
                check.fail(
                    format!("{path}.type"),
                    "a button with sub_button has no type",
                );
            }
            let subs = button.sub_button.len();
            if subs > MAX_SUB_BUTTONS {
                check.fail(
                    format!("{path}.sub_button"),
                    format!("{subs} sub-buttons; at most {MAX_SUB_BUTTONS}"),
                );
            }
            for (j, sub) in button.sub_button.iter().enumerate() {
                let path = format!("{path}.sub_button[{j}]");
                check.name(&path, &sub.name, SUB_NAME_MAX_BYTES);
                if sub.sub_button.is_empty() {
                    check.leaf(&path, sub);
                } else {
                    check.fail(
                        format!("{path}.sub_button"),
                        "a menu has two levels at most",
                    );
                }
            }
        }
        if check.domains.len() > MAX_DOMAINS {
            let domains: Vec<&str> = check.domains.iter().map(String::as_str).collect();
            let rule = format!(
                "links point to {} external domains ({}); at most {MAX_DOMAINS}",
                domains.len(),
                domains.join(", ")
            );
            check.fail("button", rule);
        }
        if let Some(rule) = &self.matchrule {
            check.matchrule(rule);
        }
        check.found
    }

    /// [`validate`](Self::validate) as one error listing every violation.
    fn checked(&self) -> Result<()> {
        let found = self.validate();
        if found.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = found.iter().map(ToString::to_string).collect();
        Err(Error::InvalidRequest(format!(
            "the menu breaks {} rule(s):\n{}",
            list.len(),
            list.join("\n")
        )))
    }

    /// The body of `menu/create` or `menu/addconditional`: the buttons and the rule only.
    fn body(&self) -> Value {
        let mut body = json!({"button": self.button});
        if let (Some(rule), Some(map)) = (&self.matchrule, body.as_object_mut()) {
            map.insert("matchrule".into(), json!(rule));
        }
        body
    }
}

/// Collects violations.
#[derive(Default)]
struct Check {
    found: Vec<Violation>,
    domains: BTreeSet<String>,
}

fn present(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|v| !v.is_empty())
}

impl Check {
    fn fail(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.found.push(Violation {
            path: path.into(),
            rule: rule.into(),
        });
    }

    fn name(&mut self, path: &str, name: &str, max: usize) {
        self.bytes(&format!("{path}.name"), Some(name), max);
    }

    /// A field that must be present with 1 to `max` bytes.
    fn bytes(&mut self, path: &str, value: Option<&str>, max: usize) {
        match value.filter(|v| !v.is_empty()) {
            None => self.fail(path, "must not be empty"),
            Some(v) if v.len() > max => self.fail(path, format!("longer than {max} bytes")),
            Some(_) => {}
        }
    }

    fn leaf(&mut self, path: &str, button: &Button) {
        let Some(kind) = &button.kind else {
            self.fail(
                format!("{path}.type"),
                format!("missing: a button needs a type or 1 to {MAX_SUB_BUTTONS} sub-buttons"),
            );
            return;
        };
        if let ButtonType::Unknown(other) = kind {
            self.fail(
                format!("{path}.type"),
                format!("unknown button type {other:?}"),
            );
            return;
        }
        if kind.takes_key() {
            self.bytes(&format!("{path}.key"), button.key.as_deref(), KEY_MAX_BYTES);
        }
        match kind {
            ButtonType::View => self.url(path, button),
            ButtonType::Miniprogram => {
                for (field, value) in [("appid", &button.appid), ("pagepath", &button.pagepath)] {
                    if present(value.as_ref()).is_none() {
                        self.fail(format!("{path}.{field}"), "must not be empty");
                    }
                }
                self.url(path, button);
            }
            ButtonType::MediaId | ButtonType::ViewLimited
                if present(button.media_id.as_ref()).is_none() =>
            {
                self.fail(format!("{path}.media_id"), "must not be empty");
            }
            ButtonType::ArticleId | ButtonType::ArticleViewLimited
                if present(button.article_id.as_ref()).is_none() =>
            {
                self.fail(format!("{path}.article_id"), "must not be empty");
            }
            _ => {}
        }
    }

    fn url(&mut self, path: &str, button: &Button) {
        let path = format!("{path}.url");
        let Some(url) = present(button.url.as_ref()) else {
            self.fail(path, "must not be empty");
            return;
        };
        if url.len() > URL_MAX_BYTES {
            self.fail(path, format!("longer than {URL_MAX_BYTES} bytes"));
            return;
        }
        let host = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        match host {
            None => self.fail(path, "not an http or https URL"),
            Some(host) => {
                if !(host == "qq.com" || host.ends_with(".qq.com")) {
                    self.domains.insert(host);
                }
            }
        }
    }

    fn matchrule(&mut self, rule: &MatchRule) {
        let set = |v: &Option<String>| present(v.as_ref()).is_some();
        let any = [
            &rule.tag_id,
            &rule.group_id,
            &rule.sex,
            &rule.client_platform_type,
            &rule.country,
            &rule.province,
            &rule.city,
            &rule.language,
        ]
        .into_iter()
        .any(set);
        if !any {
            self.fail("matchrule", "needs at least one rule");
        }
        for (field, value) in [("tag_id", &rule.tag_id), ("group_id", &rule.group_id)] {
            if let Some(v) = present(value.as_ref())
                && !v.bytes().all(|b| b.is_ascii_digit())
            {
                self.fail(format!("matchrule.{field}"), "must be a tag id (digits)");
            }
        }
        if let Some(sex) = present(rule.sex.as_ref())
            && !matches!(sex, "1" | "2")
        {
            self.fail("matchrule.sex", "must be 1 (male) or 2 (female)");
        }
        if let Some(platform) = present(rule.client_platform_type.as_ref())
            && !matches!(platform, "1" | "2" | "3")
        {
            self.fail(
                "matchrule.client_platform_type",
                "must be 1 (iOS), 2 (Android) or 3 (other)",
            );
        }
        if set(&rule.province) && !set(&rule.country) {
            self.fail("matchrule.province", "needs matchrule.country");
        }
        if set(&rule.city) && !set(&rule.province) {
            self.fail("matchrule.city", "needs matchrule.province");
        }
    }
}

/// The menus of the account (`menu/get`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Menus {
    /// The default menu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu: Option<Menu>,
    /// The conditional menus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditionalmenu: Vec<Menu>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The menu as in effect, including one configured on the web console
/// (`get_current_selfmenu_info`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SelfMenuInfo {
    /// 1 when the menu is on.
    #[serde(default, deserialize_with = "lenient")]
    pub is_menu_open: i64,
    /// The menu (absent when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selfmenu_info: Option<SelfMenu>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The buttons of a [`SelfMenuInfo`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SelfMenu {
    /// The buttons.
    #[serde(default)]
    pub button: Vec<SelfMenuButton>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A button as `get_current_selfmenu_info` shows it: sub-buttons wrapped in `{"list": […]}`,
/// and the web console's types (`text`, `img`, `voice`, `video`, `news`) with a `value` or
/// `news_info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SelfMenuButton {
    /// The type: an API type, or `text`, `img`, `voice`, `video`, `news` from the console.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The label.
    #[serde(default)]
    pub name: String,
    /// The event key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The text, media id or video URL of a console button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The articles of a `news` button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news_info: Option<Listed<NewsItem>>,
    /// The sub-buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_button: Option<Listed<SelfMenuButton>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"list": […]}`: how `get_current_selfmenu_info` wraps sub-buttons and articles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Listed<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub list: Vec<T>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            extra: Map::new(),
        }
    }
}

/// An article of a console `news` button.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsItem {
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// 1 when the cover is shown in the text.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub show_cover: Option<i64>,
    /// The cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    /// The article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_url: Option<String>,
    /// "Read more".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The menu API: `client.menus()`.
#[derive(Debug, Clone)]
pub struct MenuApi {
    client: Client,
}

impl Client {
    /// The custom-menu API (api-reference §15).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menus = client.menus().get().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn menus(&self) -> MenuApi {
        MenuApi {
            client: self.clone(),
        }
    }
}

impl MenuApi {
    /// `POST /cgi-bin/menu/create`: replaces the default menu. The menu is validated first
    /// (every violation in one [`Error::InvalidRequest`]); a conditional menu goes through
    /// [`add_conditional`](Self::add_conditional).
    ///
    /// ```no_run
    /// use wxoa_client::api::menu::{Button, Menu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().create(Menu::new(vec![Button::click("Hi", "HI")])).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, menu: Menu) -> CreateMenu {
        CreateMenu {
            client: self.client.clone(),
            menu,
        }
    }

    /// `GET /cgi-bin/menu/get`: the default menu and the conditional menus (46003 when there
    /// is no menu).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menus = client.menus().get().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self) -> GetMenu {
        GetMenu {
            client: self.client.clone(),
        }
    }

    /// `GET /cgi-bin/menu/delete`: deletes the default menu and every conditional menu.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().delete().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self) -> DeleteMenu {
        DeleteMenu {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/menu/addconditional`: adds a conditional menu (it needs a `matchrule`);
    /// the answer is its `menuid`.
    ///
    /// ```no_run
    /// use wxoa_client::api::menu::{Button, MatchRule, Menu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menu = Menu::conditional(vec![Button::click("VIP", "VIP")], MatchRule::tag(134));
    /// let menuid = client.menus().add_conditional(menu).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_conditional(&self, menu: Menu) -> AddConditional {
        AddConditional {
            client: self.client.clone(),
            menu,
        }
    }

    /// `POST /cgi-bin/menu/delconditional`: deletes a conditional menu.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.menus().delete_conditional("208379533").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_conditional(&self, menuid: impl Into<String>) -> DeleteConditional {
        DeleteConditional {
            client: self.client.clone(),
            menuid: menuid.into(),
        }
    }

    /// `POST /cgi-bin/menu/trymatch`: the buttons a user (OpenID or WeChat id) would see.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let buttons = client.menus().try_match("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_match(&self, user_id: impl Into<String>) -> TryMatch {
        TryMatch {
            client: self.client.clone(),
            user_id: user_id.into(),
        }
    }

    /// `GET /cgi-bin/get_current_selfmenu_info`: the menu in effect, set by the API or on the
    /// web console, in its own shape.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let info = client.menus().current().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn current(&self) -> CurrentMenu {
        CurrentMenu {
            client: self.client.clone(),
        }
    }
}

/// `POST /cgi-bin/menu/create`, from [`MenuApi::create`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateMenu {
    client: Client,
    menu: Menu,
}

impl CreateMenu {
    fn request(&self) -> Result<ApiRequest> {
        if self.menu.matchrule.is_some() {
            return Err(invalid(
                "matchrule",
                "a default menu has no matchrule; add a conditional menu with add_conditional",
            ));
        }
        self.menu.checked()?;
        ApiRequest::post("/cgi-bin/menu/create").json(&self.menu.body())
    }
}

awaitable!(CreateMenu => Ack);

parameterless_get!(
    /// `GET /cgi-bin/menu/get`, from [`MenuApi::get`].
    GetMenu, "/cgi-bin/menu/get" => Menus
);

/// `GET /cgi-bin/menu/delete`, from [`MenuApi::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMenu {
    client: Client,
}

impl DeleteMenu {
    fn request(&self) -> Result<ApiRequest> {
        // A GET that changes state: never replayed.
        Ok(ApiRequest::get("/cgi-bin/menu/delete").idempotent(false))
    }
}

awaitable!(DeleteMenu => Ack);

/// `POST /cgi-bin/menu/addconditional`, from [`MenuApi::add_conditional`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddConditional {
    client: Client,
    menu: Menu,
}

impl AddConditional {
    fn request(&self) -> Result<ApiRequest> {
        if self.menu.matchrule.is_none() {
            return Err(invalid(
                "matchrule",
                "a conditional menu needs a matchrule; a default menu goes through create",
            ));
        }
        self.menu.checked()?;
        ApiRequest::post("/cgi-bin/menu/addconditional").json(&self.menu.body())
    }
}

#[derive(Deserialize)]
struct MenuIdAnswer {
    #[serde(deserialize_with = "crate::api::support::text")]
    menuid: String,
}

awaitable!(AddConditional => MenuIdAnswer => String, |a: MenuIdAnswer| a.menuid);

/// `POST /cgi-bin/menu/delconditional`, from [`MenuApi::delete_conditional`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteConditional {
    client: Client,
    menuid: String,
}

impl DeleteConditional {
    fn request(&self) -> Result<ApiRequest> {
        require("menuid", &self.menuid)?;
        ApiRequest::post("/cgi-bin/menu/delconditional").json(&json!({"menuid": self.menuid}))
    }
}

awaitable!(DeleteConditional => Ack);

/// `POST /cgi-bin/menu/trymatch`, from [`MenuApi::try_match`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct TryMatch {
    client: Client,
    user_id: String,
}

impl TryMatch {
    fn request(&self) -> Result<ApiRequest> {
        require("user_id", &self.user_id)?;
        Ok(ApiRequest::post("/cgi-bin/menu/trymatch")
            .json(&json!({"user_id": self.user_id}))?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct ButtonsAnswer {
    #[serde(default)]
    button: Vec<Button>,
}

awaitable!(TryMatch => ButtonsAnswer => Vec<Button>, |a: ButtonsAnswer| a.button);

parameterless_get!(
    /// `GET /cgi-bin/get_current_selfmenu_info`, from [`MenuApi::current`].
    CurrentMenu, "/cgi-bin/get_current_selfmenu_info" => SelfMenuInfo
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn found(menu: &Menu) -> Vec<String> {
        menu.validate().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_violation_is_reported_with_its_path() {
        let long_key = "k".repeat(129);
        let menu: Menu = serde_json::from_value(json!({"button": [
            {"type": "click", "name": "一二三四五六", "key": "K"},
            {"name": "菜单", "type": "click", "sub_button": [
                {"type": "view", "name": "a", "url": "ftp://x"},
                {"type": "click", "name": "b"},
                {"type": "click", "name": "c", "key": "K"},
                {"type": "click", "name": "d", "key": long_key},
                {"type": "nope", "name": "e"},
                {"type": "media_id", "name": "f"},
            ]},
            {"name": "x", "sub_button": [{"name": "y", "sub_button": [{"type": "click", "name": "z", "key": "K"}]}]},
            {"name": "", "type": "miniprogram", "url": "https://a.example"},
        ], "matchrule": {"sex": "3", "city": "广州"}}))
        .unwrap();
        assert_eq!(
            found(&menu),
            [
                "button: 4 buttons; a menu has 1 to 3",
                "button[0].name: longer than 16 bytes",
                "button[1].type: a button with sub_button has no type",
                "button[1].sub_button: 6 sub-buttons; at most 5",
                "button[1].sub_button[0].url: not an http or https URL",
                "button[1].sub_button[1].key: must not be empty",
                "button[1].sub_button[3].key: longer than 128 bytes",
                "button[1].sub_button[4].type: unknown button type \"nope\"",
                "button[1].sub_button[5].media_id: must not be empty",
                "button[2].sub_button[0].sub_button: a menu has two levels at most",
                "button[3].name: must not be empty",
                "button[3].appid: must not be empty",
                "button[3].pagepath: must not be empty",
                "matchrule.sex: must be 1 (male) or 2 (female)",
                "matchrule.city: needs matchrule.province",
            ]
        );
    }

    #[test]
    fn names_are_counted_in_bytes() {
        // 5 CJK characters are 15 bytes: allowed at the top; 6 are 18.
        let ok = Menu::new(vec![Button::click("一二三四五", "K")]);
        assert!(ok.validate().is_empty());
        let sub = Menu::new(vec![Button::parent(
            "p",
            vec![
                Button::click("字".repeat(20), "K"),
                Button::click("字".repeat(21), "K"),
            ],
        )]);
        assert_eq!(
            found(&sub),
            ["button[0].sub_button[1].name: longer than 60 bytes"]
        );
    }

    #[test]
    fn at_most_three_external_domains() {
        let view = |i: usize, host: &str| Button::view(format!("v{i}"), format!("https://{host}/"));
        let menu = Menu::new(vec![
            Button::parent(
                "a",
                vec![
                    view(0, "a.example"),
                    view(1, "b.example"),
                    view(2, "mp.weixin.qq.com"),
                ],
            ),
            Button::parent("b", vec![view(3, "c.example"), view(4, "d.example")]),
        ]);
        assert_eq!(
            found(&menu),
            [
                "button: links point to 4 external domains (a.example, b.example, c.example, d.example); at most 3"
            ]
        );
    }

    #[test]
    fn an_empty_matchrule_is_refused() {
        let menu = Menu::conditional(vec![Button::click("a", "K")], MatchRule::default());
        assert_eq!(found(&menu), ["matchrule: needs at least one rule"]);
        let bad_tag = Menu::conditional(
            vec![Button::click("a", "K")],
            MatchRule {
                tag_id: Some("x".into()),
                province: Some("广东".into()),
                ..MatchRule::default()
            },
        );
        assert_eq!(
            found(&bad_tag),
            [
                "matchrule.tag_id: must be a tag id (digits)",
                "matchrule.province: needs matchrule.country"
            ]
        );
    }

    #[test]
    fn current_menu_keeps_the_console_shape() {
        let info: SelfMenuInfo = serde_json::from_value(json!({"is_menu_open": 1, "selfmenu_info": {"button": [
            {"name": "button", "sub_button": {"list": [
                {"type": "news", "name": "news", "news_info": {"list": [{"title": "T", "show_cover": 0, "cover_url": "u"}]}},
                {"type": "voice", "name": "voice", "value": "MEDIA"}
            ]}},
            {"type": "text", "name": "text", "value": "This is text!"}
        ]}}))
        .unwrap();
        let buttons = info.selfmenu_info.unwrap().button;
        let subs = &buttons.first().unwrap().sub_button.as_ref().unwrap().list;
        assert_eq!(
            subs.first()
                .unwrap()
                .news_info
                .as_ref()
                .unwrap()
                .list
                .first()
                .unwrap()
                .show_cover,
            Some(0)
        );
        assert_eq!(
            buttons.get(1).unwrap().value.as_deref(),
            Some("This is text!")
        );
    }
}
