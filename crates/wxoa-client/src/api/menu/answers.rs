//! What the platform answers about menus: the account's menus (`menu/get`), and the menu in
//! effect in the web console's shape (`get_current_selfmenu_info`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Menu;
use crate::api::support::{lenient, opt_lenient};

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
    pub news_info: Option<Listed<SelfMenuArticle>>,
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

/// An article of a console `news` button, as `get_current_selfmenu_info` shows it. Not a
/// [`NewsItem`](crate::api::material::NewsItem): the console names its fields otherwise
/// (`cover_url`, `content_url`, `source_url`, `show_cover`) and holds no content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SelfMenuArticle {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

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
