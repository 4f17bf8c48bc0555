//! The HTTP side of article comments (api-reference-2 §4): `comment/open`, `close`, `list`,
//! `markelect`, `unmarkelect`, `delete`, `reply/add` and `reply/delete`, every one a POST of
//! `msg_data_id` and `index`; and the sandbox's own endpoints: a follower comments
//! (`POST /sandbox/comments`) or deletes their comment (`POST /sandbox/comments/withdraw`), and
//! the console reads the articles (`GET /sandbox/articles`) and one article as a follower sees
//! it (`GET /sandbox/articles/{msg_data_id}/{index}?openid=`). The rules and their codes are
//! `platform::comments`'.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::sandbox_api::{
    ControlError, ControlResult, body, method_not_allowed, pick_account, reply,
};
use super::{Authed, Json, Query, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::comments::{Article, Change, CommentState, Filter, Refusal, listed};
use crate::platform::people::is_openid_like;
use crate::shared::Shared;
use crate::state::Account;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    let control = Router::new()
        .route("/sandbox/comments", axum::routing::post(write))
        .route("/sandbox/comments/withdraw", axum::routing::post(withdraw))
        .route("/sandbox/articles", axum::routing::get(articles))
        .route(
            "/sandbox/articles/{msg_data_id}/{index}",
            axum::routing::get(article),
        )
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .route("/cgi-bin/comment/open", post(open))
        .route("/cgi-bin/comment/close", post(close))
        .route("/cgi-bin/comment/list", post(list))
        .route("/cgi-bin/comment/markelect", post(elect))
        .route("/cgi-bin/comment/unmarkelect", post(unelect))
        .route("/cgi-bin/comment/delete", post(delete))
        .route("/cgi-bin/comment/reply/add", post(add_reply))
        .route("/cgi-bin/comment/reply/delete", post(delete_reply))
        .merge(control)
}

/// The body of every `comment/*` call; each reads what it needs.
#[derive(Debug, Deserialize)]
struct CommentRequest {
    #[serde(default)]
    msg_data_id: Option<Value>,
    #[serde(default)]
    index: Option<Value>,
    #[serde(default)]
    user_comment_id: Option<Value>,
    #[serde(default)]
    begin: Option<Value>,
    #[serde(default)]
    count: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<Value>,
    #[serde(default)]
    content: Option<String>,
}

async fn open(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    switch(&shared, &auth, &request, true)
}

async fn close(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    switch(&shared, &auth, &request, false)
}

fn switch(shared: &Shared, auth: &Authed, request: &CommentRequest, open: bool) -> ApiResult {
    let rules = &shared.settings.comments;
    rules.check_privilege()?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let article =
        account.commented_article(request.msg_data_id.as_ref(), request.index.as_ref(), rules)?;
    if open {
        rules.check_safe(&article)?;
    }
    account.comments.set_open(&article, open);
    ok_empty()
}

async fn list(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    let rules = &shared.settings.comments;
    rules.check_privilege()?;
    let filter = Filter::parse(request.kind.as_ref())?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let article =
        account.commented_article(request.msg_data_id.as_ref(), request.index.as_ref(), rules)?;
    let (total, page) = account.comments.page(
        &article,
        request.begin.as_ref(),
        request.count.as_ref(),
        filter,
        rules.page_max,
    )?;
    let shown: Vec<Value> = page.into_iter().map(listed).collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "total": total, "comment": shown}))
}

async fn elect(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    change(&shared, &auth, &request, Change::Elect)
}

async fn unelect(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    change(&shared, &auth, &request, Change::Unelect)
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    change(&shared, &auth, &request, Change::Delete)
}

async fn add_reply(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    let content = request.content.clone().unwrap_or_default();
    change(&shared, &auth, &request, Change::Reply(content))
}

async fn delete_reply(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CommentRequest>,
) -> ApiResult {
    change(&shared, &auth, &request, Change::DeleteReply)
}

fn change(shared: &Shared, auth: &Authed, request: &CommentRequest, change: Change) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.change_comment(
        request.msg_data_id.as_ref(),
        request.index.as_ref(),
        request.user_comment_id.as_ref(),
        change,
        &shared.settings.comments,
        now,
    )?;
    ok_empty()
}

/// `POST /sandbox/comments`: `{"msg_data_id", "index"?, "from", "content", "app_id"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteRequest {
    msg_data_id: Value,
    #[serde(default)]
    index: Option<Value>,
    from: String,
    content: String,
    #[serde(default)]
    app_id: Option<String>,
}

/// A follower writes a comment: `{"user_comment_id": N}`.
async fn write(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: WriteRequest = body(&bytes)?;
    check_from(&request.from)?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = account_mut(&mut state, request.app_id.as_deref(), &request.from)?;
    let id = account
        .write_comment(
            &request.msg_data_id,
            request.index.as_ref(),
            &request.from,
            &request.content,
            &shared.settings.comments,
            now,
        )
        .map_err(refused)?;
    reply(json!({"user_comment_id": id}))
}

/// `POST /sandbox/comments/withdraw`: `{"msg_data_id", "index"?, "from", "user_comment_id",
/// "app_id"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawRequest {
    msg_data_id: Value,
    #[serde(default)]
    index: Option<Value>,
    from: String,
    user_comment_id: u64,
    #[serde(default)]
    app_id: Option<String>,
}

/// A follower deletes their comment: `{"ok": true}`.
async fn withdraw(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: WithdrawRequest = body(&bytes)?;
    check_from(&request.from)?;
    let mut state = shared.state();
    let account = account_mut(&mut state, request.app_id.as_deref(), &request.from)?;
    account
        .withdraw_comment(
            &request.msg_data_id,
            request.index.as_ref(),
            &request.from,
            request.user_comment_id,
            &shared.settings.comments,
        )
        .map_err(refused)?;
    reply(json!({"ok": true}))
}

fn check_from(from: &str) -> Result<(), ControlError> {
    if is_openid_like(from) {
        Ok(())
    } else {
        Err(ControlError::bad(format!(
            "from {from:?} is not an OpenID ([A-Za-z0-9_-], at most 64 characters)"
        )))
    }
}

/// The account a follower's action is about (see `pick_account`), mutably.
fn account_mut<'s>(
    state: &'s mut crate::state::State,
    app_id: Option<&str>,
    openid: &str,
) -> Result<&'s mut Account, ControlError> {
    let index = super::sandbox_api::account_index(state, app_id, Some(openid))?;
    state
        .accounts
        .get_mut(index)
        .ok_or_else(|| ControlError::not_found("no account"))
}

/// A follower's refusal as the control API answers it.
fn refused(refusal: Refusal) -> ControlError {
    match refusal {
        Refusal::NoArticle(message) => ControlError::not_found(message),
        Refusal::UnknownUser => ControlError::not_found("the account does not know this OpenID"),
        Refusal::NoComment => ControlError::not_found("no comment has this user_comment_id"),
        Refusal::NotAllowed(why) => ControlError::forbidden(why),
        Refusal::Closed(why) => ControlError::conflict(why),
        Refusal::Content(why) => ControlError::bad(why),
    }
}

/// An article as the console lists it.
fn shown(account: &Account, article: &Article, first_index: u64) -> Value {
    let comments = account.comments.of(article);
    let live = comments.map_or(0, |a| {
        a.comments
            .iter()
            .filter(|c| c.state == CommentState::Live)
            .count()
    });
    json!({
        "msg_data_id": article.msg_data_id,
        "index": article.position as u64 + first_index,
        "source": article.source.name(),
        "at": article.at,
        "title": article.text("title"),
        "author": article.text("author"),
        "digest": article.text("digest"),
        "open": account.comments.is_open(article),
        "only_fans_can_comment": article.flag("only_fans_can_comment"),
        "comments": live,
    })
}

/// `GET /sandbox/articles[?app_id=A]`: every article comments can be about, newest first.
async fn articles(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let first = u64::from(shared.settings.comments.first_index);
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), None)?;
    let list: Vec<Value> = account
        .commentable_articles()
        .iter()
        .map(|a| shown(account, a, first))
        .collect();
    reply(json!(list))
}

/// `GET /sandbox/articles/{msg_data_id}/{index}?openid=O[&app_id=A]`: the article with its
/// content, and the comments follower O sees: the elected ones and their own (not deleted),
/// oldest first, each with the account's reply.
async fn article(
    State(shared): State<Arc<Shared>>,
    Path((msg_data_id, index)): Path<(String, String)>,
    query: Query,
) -> ControlResult {
    let rules = &shared.settings.comments;
    let openid = query.get("openid").unwrap_or_default();
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), Some(openid))?;
    let found = account.commented_article(
        Some(&Value::String(msg_data_id)),
        Some(&Value::String(index)),
        rules,
    );
    let article = found.map_err(|e| ControlError::not_found(e.message))?;
    let mut answer = shown(account, &article, u64::from(rules.first_index));
    let visible: Vec<Value> = account
        .comments
        .of(&article)
        .map(|a| a.comments.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.state == CommentState::Live && (c.elected || c.openid == openid))
        .map(|c| {
            let mut comment = listed(c);
            super::set_field(&mut comment, "mine", json!(c.openid == openid));
            comment
        })
        .collect();
    super::set_field(&mut answer, "content", json!(article.text("content")));
    super::set_field(&mut answer, "visible_comments", json!(visible));
    reply(answer)
}
