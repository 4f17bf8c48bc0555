//! Template messages (api-reference.md §13): industries (ids 1 to 41, changed at most once a
//! month: 43100), templates (at most 25: 45026; unknown id: 40037), and sends that land in the
//! follower's inbox and are followed by a `TEMPLATESENDJOBFINISH` push with the same `MsgID`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Authed, Json, get, lenient_i64, post, set_field};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::template::{
    INDUSTRY_LOCK, Industry, MAX_TEMPLATES, Template, check_data, check_miniprogram, industry,
    industry_by_id, is_short_id,
};
use crate::platform::tokens::random_text;
use crate::push::{Outgoing, push_in_background};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/template/api_set_industry", post(set_industry))
        .route("/cgi-bin/template/get_industry", get(get_industry))
        .route("/cgi-bin/template/api_add_template", post(add_template))
        .route(
            "/cgi-bin/template/get_all_private_template",
            get(list_templates),
        )
        .route("/cgi-bin/template/del_private_template", post(del_template))
        .route("/cgi-bin/message/template/send", post(send))
}

fn industry_json(id: Option<u32>) -> Value {
    let (first, second) = id.and_then(industry).unwrap_or(("", ""));
    json!({"first_class": first, "second_class": second})
}

#[derive(Debug, Deserialize)]
struct IndustryRequest {
    #[serde(default)]
    industry_id1: Option<Value>,
    #[serde(default)]
    industry_id2: Option<Value>,
}

async fn set_industry(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<IndustryRequest>,
) -> ApiResult {
    let id = |value: Option<&Value>| {
        value
            .and_then(lenient_i64)
            .and_then(|id| u32::try_from(id).ok())
            .filter(|id| industry(*id).is_some())
            .ok_or_else(|| ApiError::msg(40102, "invalid industry id"))
    };
    let primary = id(request.industry_id1.as_ref())?;
    let secondary = id(request.industry_id2.as_ref())?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if account
        .templates
        .industry
        .as_ref()
        .is_some_and(|i| now - i.set_at < INDUSTRY_LOCK)
    {
        return Err(ApiError::msg(43100, "change industry too frequently"));
    }
    account.templates.industry = Some(Industry {
        primary,
        secondary,
        set_at: now,
    });
    ok_empty()
}

async fn get_industry(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let industry = account.templates.industry.as_ref();
    ok(json!({
        "primary_industry": industry_json(industry.map(|i| i.primary)),
        "secondary_industry": industry_json(industry.map(|i| i.secondary)),
    }))
}

#[derive(Debug, Deserialize)]
struct AddRequest {
    #[serde(default)]
    template_id_short: Option<String>,
    #[serde(default)]
    keyword_name_list: Option<Vec<String>>,
}

/// Whether a short id names a library template: `TM` and 5 digits, or `OPENTM` and 9.
async fn add_template(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AddRequest>,
) -> ApiResult {
    let short = request.template_id_short.unwrap_or_default();
    if !is_short_id(&short) {
        return Err(ApiError::msg(40037, "invalid template_id"));
    }
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if account.templates.list.len() >= MAX_TEMPLATES {
        return Err(ApiError::msg(45026, "template num exceeds limit"));
    }
    let names = request.keyword_name_list.unwrap_or_default();
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
    let industry = account.templates.industry.as_ref();
    let primary = industry.map(|i| i.primary).and_then(industry_by_id);
    let deputy = industry.map(|i| i.secondary).and_then(industry_by_id);
    let template = Template {
        template_id: random_text(43),
        title: format!("模板{short}"),
        short_id: short,
        content,
        example,
        primary_industry: primary.unwrap_or_default(),
        deputy_industry: deputy.unwrap_or_default(),
    };
    let id = template.template_id.clone();
    account.templates.list.push(template);
    ok(json!({"errcode": 0, "errmsg": "ok", "template_id": id}))
}

/// `first class-second class`, as template lists show an industry.
async fn list_templates(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let list: Vec<Value> = account
        .templates
        .list
        .iter()
        .map(|t| {
            json!({
                "template_id": t.template_id,
                "title": t.title,
                "primary_industry": t.primary_industry,
                "deputy_industry": t.deputy_industry,
                "content": t.content,
                "example": t.example,
            })
        })
        .collect();
    ok(json!({"template_list": list}))
}

#[derive(Debug, Deserialize)]
struct DelRequest {
    #[serde(default)]
    template_id: Option<String>,
}

async fn del_template(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<DelRequest>,
) -> ApiResult {
    let id = request.template_id.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let before = account.templates.list.len();
    account.templates.list.retain(|t| t.template_id != id);
    if account.templates.list.len() == before {
        return Err(ApiError::msg(40037, "invalid template_id"));
    }
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct SendRequest {
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

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SendRequest>,
) -> ApiResult {
    let data = check_data(request.data.as_ref())?;
    check_miniprogram(request.miniprogram.as_ref())?;
    let openid = request.touser.unwrap_or_default();
    let template_id = request.template_id.unwrap_or_default();
    let now = shared.clock.now();
    let outgoing = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        account.reachable(&openid)?;
        let template = account
            .templates
            .list
            .iter()
            .find(|t| t.template_id == template_id)
            .ok_or_else(|| ApiError::msg(40037, "invalid template_id"))?;
        let title = template.title.clone();
        if let Some(key) = &request.client_msg_id
            && let Some(&msgid) = account.templates.sends.get(key)
        {
            return ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}));
        }
        let msgid = account.next_msg_id();
        if let Some(key) = request.client_msg_id {
            account.templates.sends.insert(key, msgid);
        }
        let mut message = json!({
            "template_id": template_id,
            "title": title,
            "data": data,
            "msgid": msgid,
        });
        if let Some(url) = request.url {
            set_field(&mut message, "url", json!(url));
        }
        if let Some(mini) = request.miniprogram {
            set_field(&mut message, "miniprogram", Value::Object(mini));
        }
        account.deliver(&openid, now, "template", message);
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("TEMPLATESENDJOBFINISH")),
            ("MsgID".to_owned(), json!(msgid)),
            ("Status".to_owned(), json!("success")),
        ];
        let outgoing = Outgoing::new(
            &account.app_id,
            &account.original_id,
            &openid,
            now,
            &fields,
            || msgid,
        );
        (outgoing, msgid)
    };
    let (outgoing, msgid) = outgoing;
    // The job result reaches the account's server after the call has been answered.
    push_in_background(&shared, outgoing);
    ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
}
