//! The HTTP side of template messages (api-reference.md §13): industries (ids 1 to 41, changed
//! at most once a month: 43100), templates (at most 25: 45026; unknown id: 40037), and sends
//! that land in the follower's inbox and are followed by a `TEMPLATESENDJOBFINISH` push with
//! the same `MsgID`. The rules are `platform::template`'s.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, get, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::template::{TemplateSend, industry};
use crate::push::push_in_background;
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
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.templates.set_industry(
        request.industry_id1.as_ref(),
        request.industry_id2.as_ref(),
        now,
    )?;
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

async fn add_template(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AddRequest>,
) -> ApiResult {
    let short = request.template_id_short.unwrap_or_default();
    let names = request.keyword_name_list.unwrap_or_default();
    let mut state = shared.state();
    let id = auth.account(&mut state)?.templates.add(short, &names)?;
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
    account.templates.delete(&id)?;
    ok_empty()
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TemplateSend>,
) -> ApiResult {
    let now = shared.clock.now();
    let (msgid, outgoing) = {
        let mut state = shared.state();
        auth.account(&mut state)?.send_template(request, now)?
    };
    // The job result reaches the account's server after the call has been answered.
    if let Some(outgoing) = outgoing {
        push_in_background(&shared, outgoing);
    }
    ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}))
}
