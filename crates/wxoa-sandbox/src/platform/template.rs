//! Template messages: the account's industries and templates and the sends it made, the
//! platform's industry codes, and the checks of a template or subscription send's `data` and
//! `miniprogram`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::is_app_id;
use crate::error::ApiError;

/// Most templates an account may hold.
pub(crate) const MAX_TEMPLATES: usize = 25;
/// Industries may change once per this many seconds (a month).
pub(crate) const INDUSTRY_LOCK: i64 = 30 * 86_400;

/// An account's template messages: its industries, its templates, and the msgid each
/// `client_msg_id` of a send got.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Templates {
    pub(crate) industry: Option<Industry>,
    pub(crate) list: Vec<Template>,
    #[serde(default)]
    pub(crate) sends: HashMap<String, u64>,
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
