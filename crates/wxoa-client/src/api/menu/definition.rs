//! A menu as written: its buttons, the rule that picks who sees a conditional menu, the
//! violations of §15 a menu can have, and the part of it that is sent.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rules::Check;
use super::{MAX_BUTTONS, MAX_DOMAINS, MAX_SUB_BUTTONS, NAME_MAX_BYTES, SUB_NAME_MAX_BYTES};
use crate::api::support::{opt_text, string_enum};
use crate::{Error, InvalidRequest, Result, Rule};

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
    /// The rule, e.g. [`Rule::LongerThan`] 128 bytes.
    pub rule: Rule,
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
                Rule::ButtonCount {
                    count,
                    max: MAX_BUTTONS,
                },
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
                check.fail(format!("{path}.type"), Rule::ParentType);
            }
            let subs = button.sub_button.len();
            if subs > MAX_SUB_BUTTONS {
                check.fail(
                    format!("{path}.sub_button"),
                    Rule::SubButtonCount {
                        count: subs,
                        max: MAX_SUB_BUTTONS,
                    },
                );
            }
            for (j, sub) in button.sub_button.iter().enumerate() {
                let path = format!("{path}.sub_button[{j}]");
                check.name(&path, &sub.name, SUB_NAME_MAX_BYTES);
                if sub.sub_button.is_empty() {
                    check.leaf(&path, sub);
                } else {
                    check.fail(format!("{path}.sub_button"), Rule::MenuDepth);
                }
            }
        }
        if check.domains.len() > MAX_DOMAINS {
            let domains = std::mem::take(&mut check.domains).into_iter().collect();
            check.fail(
                "button",
                Rule::ExternalDomains {
                    domains,
                    max: MAX_DOMAINS,
                },
            );
        }
        if let Some(rule) = &self.matchrule {
            check.matchrule(rule);
        }
        check.found
    }

    /// [`validate`](Self::validate) as one error listing every violation.
    pub(super) fn checked(&self) -> Result<()> {
        let violations = self.validate();
        if violations.is_empty() {
            return Ok(());
        }
        Err(Error::InvalidRequest(InvalidRequest::Menu { violations }))
    }

    /// The body of `menu/create` or `menu/addconditional`: the buttons and the rule only,
    /// never what the platform added (`menuid`, unknown fields).
    pub(super) fn body(&self) -> MenuBody<'_> {
        MenuBody {
            button: &self.button,
            matchrule: self.matchrule.as_ref(),
        }
    }
}

/// What of a [`Menu`] is sent: its buttons and its rule.
#[derive(Serialize)]
pub(super) struct MenuBody<'a> {
    button: &'a [Button],
    #[serde(skip_serializing_if = "Option::is_none")]
    matchrule: Option<&'a MatchRule>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

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
                "button[1].sub_button[0].url: must be an http or https URL",
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
}
