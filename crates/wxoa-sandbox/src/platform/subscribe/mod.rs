//! Subscription notifications (api-reference-2 §1–2): the account's templates made from the
//! public library, each follower's consent per template, and the rules of a send — with the
//! legacy one-time subscription in `one_time` and the library in `library`.
//!
//! | rule | code |
//! |---|---|
//! | `addtemplate`: a title of the library | 200014 |
//! | `kidList`: 2 to 5 distinct keywords of the title | 200020 |
//! | `sceneDesc`: at most 15 characters | 200021 |
//! | at most 25 templates (a setting) | 200012 |
//! | `addtemplate`: the account is not banned from templates (a setting, default not) | 200011 |
//! | `addtemplate`: the title is not banned (a setting, default none) | 200013 |
//! | `deltemplate`, `bizsend`: a template of the account | 40037 |
//! | `getpubtemplatetitles`: `limit` 1 to 30, `start` and `ids` numbers | 47003 |
//! | `bizsend`: `touser` a follower (unknown 40003, blacklisted 43019, not following 43004) | |
//! | `bizsend`: every field of `data` `{"value": "…"}`; every keyword of the template in it, its value following its type's rule | 47003 naming the field |
//! | `bizsend`: `miniprogram.appid` an AppID, `miniprogram_state`, `lang` known values | 47003 |
//! | `bizsend`: the follower accepted the template; a one-time consent allows one send | 43101 |
//! | `bizsend`: `page`, when given, an http(s) URL (a setting, default off) | 41030 |
//! | `bizsend`: the template's title is not banned from sending (a setting, default none) | 43107 |
//! | `bizsend`: no value of `data` holds a sensitive word (a setting, default none) | 45168 |
//!
//! The codes 41030, 43107, 45168, 200011 and 200013 come from the mini-program tables (unsure
//! for Official Accounts); the conditions that cause them are the platform's judgement, so
//! each is a [`SubscribeRules`] setting that is off by default.
//!
//! A follower consents through a pushed `subscribe_msg_popup_event` (or changes their mind
//! through a `subscribe_msg_change_event`): `accept` of a one-time template (type 2) allows
//! one more send, `accept` of a long-term one (type 3) allows sends until a `reject`. Each send
//! lands in the follower's inbox (kind `subscribe`) and a `subscribe_msg_sent_event` follows.
//! A `client_msg_id` sends once, however often it is asked.

mod consent;
pub(crate) mod library;
pub(crate) mod one_time;

pub(crate) use consent::ConsentError;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::subscribe::{KeywordLimits, KeywordRule, check_value};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::template::check_miniprogram;
use crate::push::Outgoing;
use crate::state::Account;

/// The platform's rules of subscription notifications where the sources disagree or say
/// nothing (api-reference-2 §1.1 "unsure"), for [`SandboxBuilder::subscribe_rules`].
///
/// [`SandboxBuilder::subscribe_rules`]: crate::SandboxBuilder::subscribe_rules
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeRules {
    /// The limits keyword values are checked against (default: the platform's table).
    pub keyword_limits: KeywordLimits,
    /// Whether `bizsend` answers the `msgid` of the message (WxJava reads one; the platform's
    /// page shows none). Default: false.
    pub answer_msgid: bool,
    /// Most templates an account may hold (200012 beyond; 25 in the mini-program table).
    pub max_templates: usize,
    /// Whether `bizsend`'s `page` must be an http(s) URL (41030 otherwise). The sources
    /// disagree on what `page` is (a web URL for the SDKs, a mini-program page on the new
    /// page): default false, any text.
    pub page_web_url: bool,
    /// Titles (`tid`s) whose templates may not be sent: `bizsend` of a template made from one
    /// answers 43107 (capability or template banned). Default: none.
    pub send_banned_tids: Vec<u32>,
    /// Words `bizsend` refuses in a keyword value with 45168 (sensitive words). Default: none.
    pub sensitive_words: Vec<String>,
    /// Whether the account is banned from templates: `addtemplate` answers 200011. Default:
    /// false.
    pub account_banned: bool,
    /// Titles (`tid`s) banned from the library: `addtemplate` of one answers 200013. Default:
    /// none.
    pub add_banned_tids: Vec<u32>,
}

impl Default for SubscribeRules {
    fn default() -> Self {
        Self {
            keyword_limits: KeywordLimits::default(),
            answer_msgid: false,
            max_templates: 25,
            page_web_url: false,
            send_banned_tids: Vec::new(),
            sensitive_words: Vec::new(),
            account_banned: false,
            add_banned_tids: Vec::new(),
        }
    }
}

/// Most characters of `sceneDesc`.
const SCENE_DESC_MAX: usize = 15;

/// An account's subscription notifications: its templates, its followers' consents, the
/// msgid each `client_msg_id` got, and the legacy one-time confirmations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Subscriptions {
    pub(crate) templates: Vec<PrivateTemplate>,
    /// Each follower's consent, by OpenID, then by template id.
    pub(crate) consents: HashMap<String, BTreeMap<String, Consent>>,
    pub(crate) sends: HashMap<String, u64>,
    #[serde(default)]
    pub(crate) one_time: one_time::Confirmations,
}

/// A template of the account: a title of the library with some of its keywords.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PrivateTemplate {
    pub(crate) pri_tmpl_id: String,
    pub(crate) tid: u32,
    /// The kept keywords' ids, in display order.
    pub(crate) kids: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scene_desc: Option<String>,
}

impl PrivateTemplate {
    /// The title of the library it was made from.
    pub(crate) fn title(&self) -> Option<&'static library::Title> {
        library::title(self.tid)
    }

    /// Its keywords, in display order, each with its `data` field name (`<rule><kid>`).
    pub(crate) fn keywords(&self) -> Vec<(String, &'static library::Keyword)> {
        let Some(title) = self.title() else {
            return Vec::new();
        };
        self.kids
            .iter()
            .filter_map(|kid| title.keyword(*kid))
            .map(|k| (format!("{}{}", k.rule, k.kid), k))
            .collect()
    }

    /// 2 one-time, 3 long-term.
    pub(crate) fn kind(&self) -> u8 {
        self.title().map_or(2, |t| t.kind)
    }

    /// One line per keyword, `label:{{field.DATA}}`.
    pub(crate) fn content(&self) -> String {
        self.lines(|field, k| format!("{}:{{{{{field}.DATA}}}}", k.name))
    }

    /// One line per keyword, `label:example`.
    fn example(&self) -> String {
        self.lines(|_, k| format!("{}:{}", k.name, k.example))
    }

    fn lines(&self, line: impl Fn(&str, &library::Keyword) -> String) -> String {
        let lines: Vec<String> = self
            .keywords()
            .iter()
            .map(|(field, k)| line(field, k))
            .collect();
        lines.join("\n")
    }

    /// `{"priTmplId", "title", "content", "example", "type", "keywordEnumValueList"}`, as
    /// `gettemplate` lists it (the library has no `enum` keywords: the list is empty).
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "priTmplId": self.pri_tmpl_id,
            "title": self.title().map_or("", |t| t.title),
            "content": self.content(),
            "example": self.example(),
            "type": self.kind(),
            "keywordEnumValueList": [],
        })
    }
}

/// What a follower said to a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Accept,
    Reject,
}

impl Status {
    /// `accept` or `reject`, as `SubscribeStatusString` writes it.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "accept" => Some(Self::Accept),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }
}

/// A follower's consent to one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Consent {
    pub(crate) status: Status,
    /// Sends still allowed by one-time consents (unused for long-term templates).
    #[serde(default)]
    pub(crate) grants: u32,
    pub(crate) at: i64,
}

impl Subscriptions {
    /// `addtemplate`: by an account not banned (200011), title `tid` (200014) not banned
    /// (200013) with 2 to 5 distinct keywords of it (200020), a `sceneDesc` of at most 15
    /// characters (200021), within the rules' most templates (200012). The new `priTmplId`.
    pub(crate) fn add(
        &mut self,
        tid: Option<&Value>,
        kids: Option<&Value>,
        scene_desc: Option<String>,
        rules: &SubscribeRules,
    ) -> Result<String, ApiError> {
        if rules.account_banned {
            return Err(ApiError::msg(200011, "account is banned from templates"));
        }
        let title = tid
            .and_then(lenient_i64)
            .and_then(|t| u32::try_from(t).ok())
            .and_then(library::title)
            .ok_or_else(|| ApiError::msg(200014, "invalid tid"))?;
        if rules.add_banned_tids.contains(&title.tid) {
            return Err(ApiError::msg(
                200013,
                format!("template {} is banned", title.tid),
            ));
        }
        let bad_kids = || ApiError::msg(200020, "invalid kidList");
        let list = kids.and_then(Value::as_array).ok_or_else(bad_kids)?;
        let mut chosen: Vec<u32> = Vec::with_capacity(list.len());
        for kid in list {
            let kid = lenient_i64(kid)
                .and_then(|k| u32::try_from(k).ok())
                .filter(|k| title.keyword(*k).is_some() && !chosen.contains(k))
                .ok_or_else(bad_kids)?;
            chosen.push(kid);
        }
        if !(2..=5).contains(&chosen.len()) {
            return Err(bad_kids());
        }
        if scene_desc
            .as_ref()
            .is_some_and(|s| s.chars().count() > SCENE_DESC_MAX)
        {
            return Err(ApiError::msg(200021, "invalid sceneDesc"));
        }
        if self.templates.len() >= rules.max_templates {
            return Err(ApiError::msg(
                200012,
                "private template count exceeds limit",
            ));
        }
        let template = PrivateTemplate {
            pri_tmpl_id: crate::platform::tokens::random_text(43),
            tid: title.tid,
            kids: chosen,
            scene_desc: scene_desc.filter(|s| !s.is_empty()),
        };
        let id = template.pri_tmpl_id.clone();
        self.templates.push(template);
        Ok(id)
    }

    /// `deltemplate`: a template of the account goes (40037), and every consent to it.
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        let before = self.templates.len();
        self.templates.retain(|t| t.pri_tmpl_id != id);
        if self.templates.len() == before {
            return Err(invalid_template());
        }
        for consents in self.consents.values_mut() {
            consents.remove(id);
        }
        self.consents.retain(|_, c| !c.is_empty());
        Ok(())
    }

    /// The template with this id.
    pub(crate) fn template(&self, id: &str) -> Option<&PrivateTemplate> {
        self.templates.iter().find(|t| t.pri_tmpl_id == id)
    }

    /// The follower's consent to a template, if they gave one.
    pub(crate) fn consent(&self, openid: &str, id: &str) -> Option<Consent> {
        self.consents.get(openid)?.get(id).copied()
    }

    /// Records what a follower said to a template of the account (known to the caller): an
    /// `accept` of a one-time template allows one more send, a `reject` none.
    pub(crate) fn record(&mut self, openid: &str, id: &str, status: Status, now: i64) {
        let one_time = self.template(id).is_some_and(|t| t.kind() == 2);
        let consent = self
            .consents
            .entry(openid.to_owned())
            .or_default()
            .entry(id.to_owned())
            .or_insert(Consent {
                status,
                grants: 0,
                at: now,
            });
        consent.status = status;
        consent.at = now;
        consent.grants = match status {
            Status::Accept if one_time => consent.grants.saturating_add(1),
            _ => 0,
        };
    }

    /// Whether the follower's consent allows a send of the template now (43101 otherwise),
    /// and uses it up when it was a one-time consent.
    fn take_consent(&mut self, openid: &str, id: &str, long_term: bool) -> Result<(), ApiError> {
        let consent = self.consents.get_mut(openid).and_then(|c| c.get_mut(id));
        match consent {
            Some(c) if c.status == Status::Accept && long_term => Ok(()),
            Some(c) if c.status == Status::Accept && c.grants > 0 => {
                c.grants -= 1;
                Ok(())
            }
            _ => Err(ApiError::msg(43101, "user refuse to accept the msg")),
        }
    }
}

fn invalid_template() -> ApiError {
    ApiError::msg(40037, "invalid template_id")
}

/// The body of `bizsend`, as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notification {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    miniprogram: Option<Map<String, Value>>,
    #[serde(default)]
    miniprogram_state: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    client_msg_id: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

impl Account {
    /// `bizsend`: checks the send (see the table above), lands it in the follower's inbox and
    /// uses up a one-time consent. The msgid and the `subscribe_msg_sent_event` push; the
    /// msgid of the first send for a `client_msg_id` seen before, and no push.
    pub(crate) fn send_notification(
        &mut self,
        request: Notification,
        rules: &SubscribeRules,
        now: i64,
    ) -> Result<(u64, Option<Outgoing>), ApiError> {
        let openid = request.touser.unwrap_or_default();
        let id = request.template_id.unwrap_or_default();
        if id.is_empty() {
            return Err(invalid_template());
        }
        self.reachable(&openid)?;
        let template = self
            .subscriptions
            .template(&id)
            .ok_or_else(invalid_template)?;
        if rules.send_banned_tids.contains(&template.tid) {
            return Err(ApiError::msg(
                43107,
                format!("template of tid {} is banned from sending", template.tid),
            ));
        }
        let data = check_data(template, request.data.as_ref(), rules)?;
        if rules.page_web_url
            && let Some(page) = request.page.as_deref()
            && !url::Url::parse(page).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Err(ApiError::msg(41030, "invalid page: not an http(s) URL"));
        }
        check_miniprogram(request.miniprogram.as_ref())?;
        let known =
            |value: Option<&str>, allowed: &[&str]| value.is_none_or(|v| allowed.contains(&v));
        if !known(
            request.miniprogram_state.as_deref(),
            &["developer", "trial", "formal"],
        ) {
            return Err(ApiError::argument("miniprogram_state"));
        }
        if !known(
            request.lang.as_deref(),
            &["zh_CN", "en_US", "zh_HK", "zh_TW"],
        ) {
            return Err(ApiError::argument("lang"));
        }
        if let Some(msgid) = request
            .client_msg_id
            .as_ref()
            .and_then(|key| self.subscriptions.sends.get(key))
        {
            return Ok((*msgid, None));
        }
        let title = template.title().map_or("", |t| t.title);
        let long_term = template.kind() == 3;
        self.subscriptions.take_consent(&openid, &id, long_term)?;
        let msgid = self.next_msg_id();
        if let Some(key) = request.client_msg_id {
            self.subscriptions.sends.insert(key, msgid);
        }
        let message = json!({"template_id": id, "title": title, "data": data, "msgid": msgid});
        let optional = [
            ("page", request.page.map(Value::String)),
            ("miniprogram", request.miniprogram.map(Value::Object)),
        ];
        let result = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("subscribe_msg_sent_event")),
            (
                "SubscribeMsgSentEvent".to_owned(),
                json!({"List": {"TemplateId": id, "MsgID": msgid.to_string(),
                                "ErrorCode": 0, "ErrorStatus": "success"}}),
            ),
        ];
        let outgoing = self.notify(&openid, "subscribe", message, optional, &result, now);
        Ok((msgid, Some(outgoing)))
    }
}

/// `data` of a send: every field `{"value": "…"}`, and every keyword of the template with a
/// value that follows its type's rule (47003 naming the field: `data.thing1.value`). Fields
/// the template does not have are left out; a value with one of the rules' sensitive words
/// answers 45168. The fields kept, in the template's order.
fn check_data(
    template: &PrivateTemplate,
    data: Option<&Value>,
    rules: &SubscribeRules,
) -> Result<Value, ApiError> {
    let fields = data
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::argument("data"))?;
    crate::platform::template::check_data(data)?;
    let mut kept = Map::new();
    for (name, keyword) in template.keywords() {
        let value = fields
            .get(&name)
            .and_then(|f| f.get("value"))
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::msg(
                    47003,
                    format!("argument invalid! data.{name}.value is empty"),
                )
            })?;
        check_value(
            &KeywordRule::from(keyword.rule),
            value,
            &rules.keyword_limits,
        )
        .map_err(|_| ApiError::argument(&format!("data.{name}.value")))?;
        if rules
            .sensitive_words
            .iter()
            .any(|w| value.contains(w.as_str()))
        {
            return Err(ApiError::msg(
                45168,
                format!("data.{name}.value has sensitive words"),
            ));
        }
        kept.insert(name, json!({"value": value}));
    }
    Ok(Value::Object(kept))
}
