//! Template messages: the account's industries and templates and the sends it made, the
//! platform's industry codes, the rules of a send (its follower, its template, its
//! `client_msg_id`, the `TEMPLATESENDJOBFINISH` push), and the checks of a template or
//! subscription send's `data` and `miniprogram`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::is_app_id;
use crate::error::ApiError;
use crate::platform::set_field;
use crate::push::Outgoing;
use crate::state::Account;

/// Most templates an account may hold.
const MAX_TEMPLATES: usize = 25;
/// Industries may change once per this many seconds (a month).
const INDUSTRY_LOCK: i64 = 30 * 86_400;

/// An account's template messages: its industries, its templates, and the msgid each
/// `client_msg_id` of a send got.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Templates {
    pub(crate) industry: Option<Industry>,
    pub(crate) list: Vec<Template>,
    #[serde(default)]
    pub(crate) sends: HashMap<String, u64>,
}

impl Templates {
    /// `api_set_industry`: two known industry ids (40102), at most once a month (43100).
    pub(crate) fn set_industry(
        &mut self,
        primary: Option<&Value>,
        secondary: Option<&Value>,
        now: i64,
    ) -> Result<(), ApiError> {
        let id = |value: Option<&Value>| {
            value
                .and_then(crate::platform::lenient_i64)
                .and_then(|id| u32::try_from(id).ok())
                .filter(|id| industry(*id).is_some())
                .ok_or_else(|| ApiError::msg(40102, "invalid industry id"))
        };
        let primary = id(primary)?;
        let secondary = id(secondary)?;
        if self
            .industry
            .as_ref()
            .is_some_and(|i| now - i.set_at < INDUSTRY_LOCK)
        {
            return Err(ApiError::msg(43100, "change industry too frequently"));
        }
        self.industry = Some(Industry {
            primary,
            secondary,
            set_at: now,
        });
        Ok(())
    }

    /// `api_add_template`: a library template by short id (40037), at most 25 (45026), with
    /// the keywords named or the library's three. Its template id.
    pub(crate) fn add(&mut self, short: String, names: &[String]) -> Result<String, ApiError> {
        if !is_short_id(&short) {
            return Err(ApiError::msg(40037, "invalid template_id"));
        }
        if self.list.len() >= MAX_TEMPLATES {
            return Err(ApiError::msg(45026, "template num exceeds limit"));
        }
        let mut content = String::new();
        let mut example = String::new();
        if names.is_empty() {
            content.push_str("{{first.DATA}}\n");
            for i in 1..=3 {
                content.push_str(&format!("项目{i}：{{{{keyword{i}.DATA}}}}\n"));
                example.push_str(&format!("项目{i}：示例{i}\n"));
            }
            content.push_str("{{remark.DATA}}");
        } else {
            for (i, name) in names.iter().enumerate() {
                content.push_str(&format!("{name}:{{{{thing{}.DATA}}}}\n", i + 1));
                example.push_str(&format!("{name}:示例\n"));
            }
        }
        let industry = self.industry.as_ref();
        let primary = industry.map(|i| i.primary).and_then(industry_by_id);
        let deputy = industry.map(|i| i.secondary).and_then(industry_by_id);
        let template = Template {
            template_id: crate::platform::tokens::random_text(43),
            title: format!("模板{short}"),
            short_id: short,
            content,
            example,
            primary_industry: primary.unwrap_or_default(),
            deputy_industry: deputy.unwrap_or_default(),
        };
        let id = template.template_id.clone();
        self.list.push(template);
        Ok(id)
    }

    /// `del_private_template`: a known template goes (40037).
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), ApiError> {
        let before = self.list.len();
        self.list.retain(|t| t.template_id != id);
        if self.list.len() == before {
            return Err(ApiError::msg(40037, "invalid template_id"));
        }
        Ok(())
    }
}

/// A template message to send (`message/template/send`).
#[derive(Debug, Deserialize)]
pub(crate) struct TemplateSend {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    miniprogram: Option<Map<String, Value>>,
    #[serde(default)]
    client_msg_id: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

impl Account {
    /// `message/template/send`: valid `data` and `miniprogram`, a reachable follower, a
    /// template of the account (40037). A `client_msg_id` used before answers the msgid it got
    /// and sends nothing again; otherwise the message lands in the follower's inbox and
    /// `TEMPLATESENDJOBFINISH` is to be pushed with the same `MsgID`. The msgid, and the push.
    pub(crate) fn send_template(
        &mut self,
        send: TemplateSend,
        now: i64,
    ) -> Result<(u64, Option<Outgoing>), ApiError> {
        let data = check_data(send.data.as_ref())?;
        check_miniprogram(send.miniprogram.as_ref())?;
        let openid = send.touser.unwrap_or_default();
        let template_id = send.template_id.unwrap_or_default();
        self.reachable(&openid)?;
        let title = self
            .templates
            .list
            .iter()
            .find(|t| t.template_id == template_id)
            .map(|t| t.title.clone())
            .ok_or_else(|| ApiError::msg(40037, "invalid template_id"))?;
        if let Some(key) = &send.client_msg_id
            && let Some(&msgid) = self.templates.sends.get(key)
        {
            return Ok((msgid, None));
        }
        let msgid = self.next_msg_id();
        if let Some(key) = send.client_msg_id {
            self.templates.sends.insert(key, msgid);
        }
        let message = json!({
            "template_id": template_id,
            "title": title,
            "data": data,
            "msgid": msgid,
        });
        let optional = [
            ("url", send.url.map(Value::String)),
            ("miniprogram", send.miniprogram.map(Value::Object)),
        ];
        let result = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("TEMPLATESENDJOBFINISH")),
            ("MsgID".to_owned(), json!(msgid)),
            ("Status".to_owned(), json!("success")),
        ];
        let outgoing = self.notify(&openid, "template", message, optional, &result, now);
        Ok((msgid, Some(outgoing)))
    }

    /// Delivers a template or subscription message to a follower's inbox as `kind`, with the
    /// `optional` fields that were given, and makes the push of its result (an event).
    pub(crate) fn notify(
        &mut self,
        openid: &str,
        kind: &str,
        mut message: Value,
        optional: [(&str, Option<Value>); 2],
        result: &[(String, Value)],
        now: i64,
    ) -> Outgoing {
        set_optional(&mut message, optional);
        self.deliver(openid, now, kind, message);
        // An event carries no MsgId of its own: the closure is never called.
        Outgoing::new(&self.app_id, &self.original_id, openid, now, result, || 0)
    }
}

/// Sets the `optional` fields of a message that were given (where a tap on it leads: a page
/// and a mini program).
pub(crate) fn set_optional(message: &mut Value, optional: [(&str, Option<Value>); 2]) {
    for (key, value) in optional {
        if let Some(value) = value {
            set_field(message, key, value);
        }
    }
}

/// The platform's industry codes: id, first class, second class.
const INDUSTRIES: &[(u32, &str, &str)] = &[
    (1, "IT科技", "互联网|电子商务"),
    (2, "IT科技", "IT软件与服务"),
    (3, "IT科技", "IT硬件与设备"),
    (4, "IT科技", "电子技术"),
    (5, "IT科技", "通信与运营商"),
    (6, "IT科技", "网络游戏"),
    (7, "金融业", "银行"),
    (8, "金融业", "基金理财信托"),
    (9, "金融业", "保险"),
    (10, "餐饮", "餐饮"),
    (11, "酒店旅游", "酒店"),
    (12, "酒店旅游", "旅游"),
    (13, "运输与仓储", "快递"),
    (14, "运输与仓储", "物流"),
    (15, "运输与仓储", "仓储"),
    (16, "教育", "培训"),
    (17, "教育", "院校"),
    (18, "政府与公共事业", "学术科研"),
    (19, "政府与公共事业", "交警"),
    (20, "政府与公共事业", "博物馆"),
    (21, "政府与公共事业", "公共事业非盈利机构"),
    (22, "医药护理", "医药医疗"),
    (23, "医药护理", "护理美容"),
    (24, "医药护理", "保健与卫生"),
    (25, "交通工具", "汽车相关"),
    (26, "交通工具", "摩托车相关"),
    (27, "交通工具", "火车相关"),
    (28, "交通工具", "飞机相关"),
    (29, "房地产", "建筑"),
    (30, "房地产", "物业"),
    (31, "消费品", "消费品"),
    (32, "商业服务", "法律"),
    (33, "商业服务", "会展"),
    (34, "商业服务", "中介服务"),
    (35, "商业服务", "认证"),
    (36, "商业服务", "审计"),
    (37, "文体娱乐", "传媒"),
    (38, "文体娱乐", "体育"),
    (39, "文体娱乐", "娱乐休闲"),
    (40, "印刷", "印刷"),
    (41, "其它", "其它"),
];

/// The account's template industries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Industry {
    pub(crate) primary: u32,
    pub(crate) secondary: u32,
    pub(crate) set_at: i64,
}

/// A template added to the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Template {
    pub(crate) template_id: String,
    pub(crate) short_id: String,
    pub(crate) title: String,
    pub(crate) content: String,
    pub(crate) example: String,
    pub(crate) primary_industry: String,
    pub(crate) deputy_industry: String,
}

/// The first and second class of an industry code.
pub(crate) fn industry(id: u32) -> Option<(&'static str, &'static str)> {
    INDUSTRIES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map(|&(_, first, second)| (first, second))
}

/// Whether `id` is a template's short id in the library (`TM` and 5 digits, `OPENTM` and 9).
pub(crate) fn is_short_id(id: &str) -> bool {
    let digits = |rest: &str, n: usize| rest.len() == n && rest.bytes().all(|b| b.is_ascii_digit());
    id.strip_prefix("OPENTM").is_some_and(|r| digits(r, 9))
        || id.strip_prefix("TM").is_some_and(|r| digits(r, 5))
}

/// An industry as templates show it: `first-second`.
pub(crate) fn industry_by_id(id: u32) -> Option<String> {
    industry(id).map(|(first, second)| format!("{first}-{second}"))
}

/// `miniprogram`, when given, names a mini program by its AppID (47003 otherwise).
pub(crate) fn check_miniprogram(mini: Option<&Map<String, Value>>) -> Result<(), ApiError> {
    let app_id = mini.map(|m| m.get("appid").and_then(Value::as_str).unwrap_or_default());
    if app_id.is_some_and(|id| !is_app_id(id)) {
        return Err(ApiError::argument("miniprogram.appid"));
    }
    Ok(())
}

/// `data`: an object whose every field is an object with a string `value` (47003 naming the
/// field otherwise).
pub(crate) fn check_data(data: Option<&Value>) -> Result<Value, ApiError> {
    let Some(data) = data else {
        return Ok(json!({}));
    };
    let fields = data.as_object().ok_or_else(|| ApiError::argument("data"))?;
    for (key, field) in fields {
        if !field.get("value").is_some_and(Value::is_string) {
            return Err(ApiError::argument(&format!("data.{key}.value")));
        }
    }
    Ok(data.clone())
}
