//! The custom menu's rules: which menu a follower sees (conditional menus matched per
//! follower), what a tap on a button pushes, the checks of `menu/create` and
//! `menu/addconditional`, and the rules of `menu/*` that change or read the menus (see
//! `routes/menu.rs` for the table of rules and codes).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::is_app_id;
use crate::error::ApiError;
use crate::platform::people::Who;
use crate::state::Account;

/// A menu as created: the buttons exactly as sent, and its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Menu {
    pub(crate) menuid: u64,
    pub(crate) button: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) matchrule: Option<serde_json::Value>,
}

/// An account's menus: the default one, the conditional ones, and the last menu id given out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Menus {
    pub(crate) default: Option<Menu>,
    pub(crate) conditional: Vec<Menu>,
    pub(crate) next_id: u64,
}

impl Default for Menus {
    fn default() -> Self {
        Self {
            default: None,
            conditional: Vec::new(),
            next_id: 400_000_000,
        }
    }
}

impl Menus {
    /// `menu/get`: the default menu (46003 without one).
    pub(crate) fn default_menu(&self) -> Result<&Menu, ApiError> {
        self.default
            .as_ref()
            .ok_or_else(|| ApiError::msg(46003, "menu no exist"))
    }

    /// `menu/delete`: the default menu and every conditional one go.
    pub(crate) fn clear(&mut self) {
        self.default = None;
        self.conditional.clear();
    }

    /// `menu/delconditional`: a conditional menu by id (65301 when there is none) goes.
    pub(crate) fn delete_conditional(&mut self, id: Option<&Value>) -> Result<(), ApiError> {
        let id = id.and_then(super::lenient_i64);
        let before = self.conditional.len();
        self.conditional
            .retain(|m| Some(m.menuid) != id.and_then(|id| u64::try_from(id).ok()));
        if self.conditional.len() == before {
            return Err(ApiError::msg(65301, "menuid not exist"));
        }
        Ok(())
    }
}

/// Button types that carry a `key` and push an event with it.
const KEY_TYPES: &[&str] = &[
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
];
/// Every other button type.
const OTHER_TYPES: &[&str] = &[
    "view",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
    "miniprogram",
];
/// Most external domains the links of a menu may point to.
const MAX_DOMAINS: usize = 3;

impl Account {
    /// A new menu id.
    fn new_menu_id(&mut self) -> u64 {
        self.menus.next_id += 1;
        self.menus.next_id
    }

    /// `menu/create`: valid buttons whose material exists become the default menu.
    pub(crate) fn create_menu(&mut self, button: Value) -> Result<(), ApiError> {
        validate(&button)?;
        self.check_menu_material(&button)?;
        let menuid = self.new_menu_id();
        self.menus.default = Some(Menu {
            menuid,
            button,
            matchrule: None,
        });
        Ok(())
    }

    /// `menu/addconditional`: after a default menu (65303), a valid matchrule and valid
    /// buttons whose material exists make a conditional menu. Its id.
    pub(crate) fn add_conditional_menu(
        &mut self,
        button: Value,
        matchrule: Option<&Value>,
    ) -> Result<u64, ApiError> {
        if self.menus.default.is_none() {
            return Err(ApiError::msg(
                65303,
                "there is no selfmenu, please create selfmenu first",
            ));
        }
        let rule = self.check_match_rule(matchrule)?;
        validate(&button)?;
        self.check_menu_material(&button)?;
        let menuid = self.new_menu_id();
        self.menus.conditional.push(Menu {
            menuid,
            button,
            matchrule: Some(rule),
        });
        Ok(menuid)
    }

    /// `menu/trymatch`: the menu a person the account knows (65302) sees (46003 without one).
    pub(crate) fn try_match(&self, user: &str) -> Result<&Menu, ApiError> {
        if self.who(user) == Who::Unknown {
            return Err(ApiError::msg(65302, "user not exist"));
        }
        self.menu_for(user)
            .ok_or_else(|| ApiError::msg(46003, "menu no exist"))
    }

    /// The menu a follower sees: the newest conditional menu whose rule matches them, or the
    /// default menu.
    pub(crate) fn menu_for(&self, openid: &str) -> Option<&Menu> {
        self.menus.default.as_ref()?;
        self.menus
            .conditional
            .iter()
            .rev()
            .find(|m| {
                m.matchrule
                    .as_ref()
                    .is_some_and(|r| matches(self, openid, r))
            })
            .or(self.menus.default.as_ref())
    }

    /// Checks a matchrule: not empty (65304), an existing tag (45159), a region that names its
    /// parents (65310, 65311).
    fn check_match_rule(&self, rule: Option<&Value>) -> Result<Value, ApiError> {
        const FIELDS: &[&str] = &[
            "tag_id",
            "group_id",
            "sex",
            "client_platform_type",
            "country",
            "province",
            "city",
            "language",
        ];
        let rule = rule
            .and_then(Value::as_object)
            .ok_or_else(|| ApiError::msg(65304, "match rule empty"))?;
        let set = |key: &str| {
            rule.get(key)
                .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
        };
        if !FIELDS.iter().any(|f| set(f)) {
            return Err(ApiError::msg(65304, "match rule empty"));
        }
        for key in ["tag_id", "group_id"] {
            if set(key) {
                let id = rule.get(key).and_then(super::lenient_i64);
                let exists = id
                    .and_then(|id| u32::try_from(id).ok())
                    .is_some_and(|id| self.tags.by_id.contains_key(&id));
                if !exists {
                    return Err(ApiError::msg(45159, "invalid tag id"));
                }
            }
        }
        if (set("province") || set("city")) && !set("country") {
            return Err(ApiError::msg(65310, "country info is empty"));
        }
        if set("city") && !set("province") {
            return Err(ApiError::msg(65311, "province info is empty"));
        }
        Ok(Value::Object(rule.clone()))
    }

    /// Whether a button of any menu of the account names this media id.
    pub(crate) fn menu_uses(&self, media_id: &str) -> bool {
        fn walk(buttons: &Value, id: &str) -> bool {
            buttons.as_array().into_iter().flatten().any(|b| {
                b.get("media_id").and_then(Value::as_str) == Some(id)
                    || b.get("sub_button").is_some_and(|s| walk(s, id))
            })
        }
        self.menus
            .default
            .iter()
            .chain(&self.menus.conditional)
            .any(|m| walk(&m.button, media_id))
    }

    /// Buttons of type media_id and view_limited must name permanent material (40007).
    fn check_menu_material(&self, buttons: &Value) -> Result<(), ApiError> {
        let all = buttons.as_array().into_iter().flatten().flat_map(|b| {
            std::iter::once(b).chain(
                b.get("sub_button")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
        });
        for button in all {
            let kind = button
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if matches!(kind, "media_id" | "view_limited") {
                let id = button
                    .get("media_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !self.media.permanent.contains_key(id) {
                    return Err(ApiError::msg(40007, "invalid media_id"));
                }
            }
        }
        Ok(())
    }
}

/// Whether every field a rule sets matches the follower.
fn matches(account: &Account, openid: &str, rule: &Value) -> bool {
    let profile = account.profile(openid);
    let text = |key: &str| {
        rule.get(key).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let tag = text("tag_id").or_else(|| text("group_id"));
    let checks = [
        tag.map(|t| account.tags_of(openid).iter().any(|id| id.to_string() == t)),
        text("sex").map(|s| s == profile.sex.to_string()),
        text("client_platform_type").map(|c| c == profile.client_platform_type.to_string()),
        text("country").map(|c| c == profile.country),
        text("province").map(|p| p == profile.province),
        text("city").map(|c| c == profile.city),
        text("language").map(|l| l == profile.language),
    ];
    checks.iter().all(|check| check.unwrap_or(true))
}

/// The button at `[top]` or `[top, sub]`.
pub(crate) fn button_at<'a>(buttons: &'a Value, path: &[usize]) -> Option<&'a Value> {
    match path {
        [top] => buttons.get(*top),
        [top, sub] => buttons.get(*top)?.get("sub_button")?.get(*sub),
        _ => None,
    }
}

/// The event the platform pushes when a follower taps `button`; `menuid` for a conditional
/// menu. Buttons that open a sub-menu or send material push nothing.
pub(crate) fn click_event(
    button: &Value,
    menuid: Option<u64>,
    scan_result: Option<&str>,
) -> Result<Vec<(String, Value)>, String> {
    let text = |key: &str| button.get(key).and_then(Value::as_str).unwrap_or_default();
    if button
        .get("sub_button")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        return Err("this button opens its sub-menu; tap one of its sub-buttons".to_owned());
    }
    let kind = text("type");
    let (event, key) = match kind {
        "click" => ("CLICK", text("key")),
        "view" => ("VIEW", text("url")),
        "miniprogram" => ("view_miniprogram", text("pagepath")),
        k if KEY_TYPES.contains(&k) => (k, text("key")),
        other => return Err(format!("a {other} button pushes no event")),
    };
    let mut fields = vec![
        ("MsgType".to_owned(), json!("event")),
        ("Event".to_owned(), json!(event)),
        ("EventKey".to_owned(), json!(key)),
    ];
    match kind {
        "scancode_push" | "scancode_waitmsg" => fields.push((
            "ScanCodeInfo".to_owned(),
            json!({"ScanType": "qrcode", "ScanResult": scan_result.unwrap_or("sandbox")}),
        )),
        "pic_sysphoto" | "pic_photo_or_album" | "pic_weixin" => fields.push((
            "SendPicsInfo".to_owned(),
            json!({"Count": 1, "PicList": {"item": [{"PicMd5Sum": "1b5f7c23b5bf75682a53e7b6d163e185"}]}}),
        )),
        "location_select" => fields.push((
            "SendLocationInfo".to_owned(),
            json!({"Location_X": "23.134521", "Location_Y": "113.358803", "Scale": "15",
                   "Label": "广州市海珠区新港中路397号", "Poiname": ""}),
        )),
        _ => {}
    }
    if let (Some(menuid), "VIEW" | "view_miniprogram") = (menuid, event) {
        fields.push(("MenuId".to_owned(), json!(menuid)));
    }
    Ok(fields)
}

/// Which level a button is at: the codes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Sub,
}

impl Level {
    fn pick(self, top: i64, sub: i64) -> i64 {
        match self {
            Level::Top => top,
            Level::Sub => sub,
        }
    }
}

/// Checks the buttons of a menu against every rule of the table above.
fn validate(buttons: &Value) -> Result<(), ApiError> {
    let list = buttons
        .as_array()
        .filter(|l| (1..=3).contains(&l.len()))
        .ok_or_else(|| ApiError::msg(40016, "invalid button size"))?;
    let mut domains = BTreeSet::new();
    for button in list {
        validate_button(button, Level::Top, &mut domains)?;
    }
    if domains.len() > MAX_DOMAINS {
        return Err(ApiError::msg(65316, "too many domains in menu urls"));
    }
    Ok(())
}

fn validate_button(
    button: &Value,
    level: Level,
    domains: &mut BTreeSet<String>,
) -> Result<(), ApiError> {
    let empty = Map::new();
    let map = button.as_object().unwrap_or(&empty);
    let bytes = |key: &str| map.get(key).and_then(Value::as_str).map_or(0, str::len);
    let name = bytes("name");
    let max_name = match level {
        Level::Top => 16,
        Level::Sub => 60,
    };
    if name == 0 || name > max_name {
        return Err(ApiError::msg(
            level.pick(40018, 40025),
            match level {
                Level::Top => "invalid button name size",
                Level::Sub => "invalid sub button name size",
            },
        ));
    }
    let subs = map.get("sub_button").and_then(Value::as_array);
    if let Some(subs) = subs.filter(|s| !s.is_empty()) {
        if level == Level::Sub {
            return Err(ApiError::new(40022));
        }
        if subs.len() > 5 {
            return Err(ApiError::msg(40023, "invalid sub button size"));
        }
        for sub in subs {
            validate_button(sub, Level::Sub, domains)?;
        }
        return Ok(());
    }
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind.is_empty() && level == Level::Top && subs.is_some() {
        return Err(ApiError::msg(41007, "sub_menu data missing"));
    }
    if !KEY_TYPES.contains(&kind) && !OTHER_TYPES.contains(&kind) {
        return Err(ApiError::msg(
            level.pick(40017, 40024),
            match level {
                Level::Top => "invalid button type",
                Level::Sub => "invalid sub button type",
            },
        ));
    }
    if KEY_TYPES.contains(&kind) {
        let key = bytes("key");
        if key == 0 || key > 128 {
            return Err(ApiError::new(level.pick(40019, 40026)));
        }
    }
    if matches!(kind, "view" | "miniprogram") {
        let url = map.get("url").and_then(Value::as_str).unwrap_or_default();
        if url.is_empty() || url.len() > 1024 {
            return Err(ApiError::new(level.pick(40020, 40027)));
        }
        let host = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .and_then(|u| u.host_str().map(str::to_owned))
            .ok_or_else(|| ApiError::new(level.pick(40054, 40055)))?;
        if !(host == "qq.com" || host.ends_with(".qq.com")) {
            domains.insert(host);
        }
    }
    match kind {
        "media_id" | "view_limited" if bytes("media_id") == 0 => {
            Err(ApiError::msg(40007, "invalid media_id"))
        }
        "article_id" | "article_view_limited" if bytes("article_id") == 0 => {
            Err(ApiError::new(65308))
        }
        "miniprogram" => {
            let app_id = map.get("appid").and_then(Value::as_str).unwrap_or_default();
            if !is_app_id(app_id) {
                return Err(ApiError::new(45064));
            }
            if bytes("pagepath") == 0 {
                return Err(ApiError::new(65308));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
