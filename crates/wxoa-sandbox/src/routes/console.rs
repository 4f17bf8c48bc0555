//! The web console (`GET /`, CONTRACT §4) and the control endpoints it reads: the menu a
//! follower sees, the account's QR codes and their images, a follower's status, and a
//! follower's conversation — what they sent (the pushes) and what they received (the inbox)
//! in one order.
//!
//! The page is static files embedded in the binary (`src/console/`), plain HTML, CSS and
//! JavaScript with no build step: `articles.js` holds the articles a follower reads and
//! comments on (through `routes/comment`'s endpoints), the analytics view has its own script
//! and style sheet. It polls these endpoints and acts through the control API
//! (`/sandbox/push`, `/sandbox/click`, `/sandbox/scan`); nothing it does reaches the calls log.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::Query;
use super::answer::qr_image;
use super::sandbox_api::{ControlResult, limit, method_not_allowed, pick_account, reply};
use crate::log::{PushFilter, PushRecord};
use crate::shared::{Shared, lock};
use crate::state::{Account, InboxItem};

/// The page.
const INDEX_HTML: &str = include_str!("../console/index.html");
/// Its style sheet.
const CONSOLE_CSS: &str = include_str!("../console/console.css");
/// Its script.
const CONSOLE_JS: &str = include_str!("../console/console.js");
/// The script of the articles a follower reads and comments on.
const ARTICLES_JS: &str = include_str!("../console/articles.js");
/// The analytics view's style sheet.
const ANALYTICS_CSS: &str = include_str!("../console/analytics.css");
/// The analytics view's script (charts of `/sandbox/datacube/*`).
const ANALYTICS_JS: &str = include_str!("../console/analytics.js");
/// The third-party platform view's style sheet.
const COMPONENT_CSS: &str = include_str!("../console/component.css");
/// The third-party platform view's script (the component, the release test's report).
const COMPONENT_JS: &str = include_str!("../console/component.js");

/// What the page may load: its own files, the sandbox's media, and images from anywhere (the
/// covers of news articles point wherever the account says). Messages are rendered as text,
/// and this makes sure nothing in them can run.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src * data: blob:; media-src *; \
     style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// Entries a conversation shows by default.
const CONVERSATION_DEFAULT: usize = 200;
/// QR codes listed by default.
const QR_CODES_DEFAULT: usize = 50;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(index))
        .route("/console/{file}", get(asset))
        .route("/sandbox/menu", get(menu))
        .route("/sandbox/qrcodes", get(qrcodes))
        .route("/sandbox/qrcode", get(qrcode_image))
        .route("/sandbox/followers/{openid}", get(follower))
        .route("/sandbox/conversation/{openid}", get(conversation))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn index() -> Response {
    file("text/html; charset=utf-8", INDEX_HTML)
}

async fn asset(Path(name): Path<String>) -> Response {
    match name.as_str() {
        "console.css" => file("text/css; charset=utf-8", CONSOLE_CSS),
        "console.js" => file("text/javascript; charset=utf-8", CONSOLE_JS),
        "articles.js" => file("text/javascript; charset=utf-8", ARTICLES_JS),
        "analytics.css" => file("text/css; charset=utf-8", ANALYTICS_CSS),
        "analytics.js" => file("text/javascript; charset=utf-8", ANALYTICS_JS),
        "component.css" => file("text/css; charset=utf-8", COMPONENT_CSS),
        "component.js" => file("text/javascript; charset=utf-8", COMPONENT_JS),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // A developer tool: always the files of the running binary.
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        ],
        body,
    )
        .into_response()
}

/// `GET /sandbox/menu?openid=O[&app_id=A]`: `{"menu": {"menuid", "conditional", "button"}}`,
/// the menu this follower sees (the newest conditional menu that matches them, else the
/// default one), buttons as created; `{"menu": null}` without a menu.
async fn menu(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let openid = query.get("openid").unwrap_or_default();
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), Some(openid))?;
    let menu = account.menu_for(openid).map(|m| {
        json!({
            "menuid": m.menuid,
            "conditional": m.matchrule.is_some(),
            "button": m.button,
        })
    });
    reply(json!({"app_id": account.app_id, "menu": menu}))
}

/// `GET /sandbox/qrcodes[?app_id=A&limit=N]`: the account's live QR codes, newest first.
async fn qrcodes(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let limit = limit(&query)?.unwrap_or(QR_CODES_DEFAULT);
    let now = shared.clock.now();
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), None)?;
    let codes = account.live_qrcodes(now);
    let list: Vec<Value> = codes
        .into_iter()
        .take(limit)
        .map(|c| {
            json!({
                "ticket": c.ticket,
                "action_name": c.action_name,
                "scene": c.scene(),
                "permanent": c.expires_at.is_none(),
                "created_at": c.created_at,
                "expires_at": c.expires_at,
                "url": c.url,
                "cards": c.cards,
            })
        })
        .collect();
    reply(json!(list))
}

/// `GET /sandbox/qrcode?ticket=T`: the image `showqrcode` serves, without counting as an API
/// call.
async fn qrcode_image(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    qr_image(&shared, query.get("ticket"))
}

/// `GET /sandbox/followers/{openid}[?app_id=A]`: what `user/info` says of them (`subscribe`
/// 0 or 1 …), plus the account and whether they are blacklisted.
async fn follower(
    State(shared): State<Arc<Shared>>,
    Path(openid): Path<String>,
    query: Query,
) -> ControlResult {
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), Some(&openid))?;
    let mut user = account.user_info(&openid);
    super::set_field(&mut user, "app_id", json!(account.app_id));
    super::set_field(
        &mut user,
        "blacklisted",
        json!(account.audience.blacklist.contains(&openid)),
    );
    reply(user)
}

/// One entry of a conversation, and where it sorts.
struct Entry {
    at: i64,
    seq: u64,
    value: Value,
}

/// `GET /sandbox/conversation/{openid}[?app_id=A&limit=N]`: the newest N (200) entries of a
/// follower's chat, oldest first. What they did (from the push log, which the sandbox keeps in
/// memory only): `{"key", "at", "seq", "side": "follower", "push": ID, "outcome", "message":
/// {…push fields…}}` for every message and interactive event, and for unfollows. What they
/// received (from the inbox): `{"key", "at", "seq", "side": "account", "kind", "message"}`,
/// with what the page needs to draw it added: a template's `content`, the articles of an
/// `mpnews`, the `base_info` of a `wxcard`.
async fn conversation(
    State(shared): State<Arc<Shared>>,
    Path(openid): Path<String>,
    query: Query,
) -> ControlResult {
    let limit = limit(&query)?.unwrap_or(CONVERSATION_DEFAULT);
    let (app_id, mut entries) = {
        let now = shared.clock.now();
        let state = shared.state();
        let account = pick_account(&state, query.get("app_id"), Some(&openid))?;
        let entries: Vec<Entry> = account
            .inbox(&openid)
            .into_iter()
            .enumerate()
            .map(|(index, item)| received(account, index, item, now))
            .collect();
        (account.app_id.clone(), entries)
    };
    let filter = PushFilter {
        from: Some(&openid),
        app_id: Some(&app_id),
        ..PushFilter::default()
    };
    let pushes = lock(&shared.pushes).list(&filter);
    entries.extend(pushes.iter().filter_map(sent));
    entries.sort_by_key(|e| (e.at, e.seq));
    let skip = entries.len().saturating_sub(limit);
    let list: Vec<Value> = entries.into_iter().skip(skip).map(|e| e.value).collect();
    reply(json!(list))
}

/// What the follower did, if it belongs in the chat.
fn sent(record: &PushRecord) -> Option<Entry> {
    let message = record.message();
    let unfollow = message.get("Event").and_then(Value::as_str) == Some("unsubscribe");
    if !record.visible && !unfollow {
        return None;
    }
    Some(Entry {
        at: record.at,
        seq: record.seq,
        value: json!({
            "key": format!("p{}", record.id),
            "at": record.at,
            "seq": record.seq,
            "side": "follower",
            "push": record.id,
            "outcome": record.outcome,
            "message": message,
        }),
    })
}

/// What the follower received, with what the page needs to draw it.
fn received(account: &Account, index: usize, item: InboxItem, now: i64) -> Entry {
    let mut message = item.message;
    enrich(account, &item.kind, &mut message, now);
    // Entries of state files older than `seq` are told apart by their place.
    let key = if item.seq == 0 {
        format!("r0.{index}")
    } else {
        format!("r{}", item.seq)
    };
    Entry {
        at: item.at,
        seq: item.seq,
        value: json!({
            "key": key,
            "at": item.at,
            "seq": item.seq,
            "side": "account",
            "kind": item.kind,
            "message": message,
        }),
    }
}

/// Adds to a message what is stored elsewhere: a template's or a subscription template's text
/// with its labels, the
/// articles of an `mpnews` (without their bodies), the `base_info` of a card.
fn enrich(account: &Account, kind: &str, message: &mut Value, now: i64) {
    let Some(map) = message.as_object_mut() else {
        return;
    };
    let id = map
        .get("template_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let content = match kind {
        "template" => account
            .templates
            .list
            .iter()
            .find(|t| t.template_id == id)
            .map(|t| t.content.clone()),
        "subscribe" => account.subscriptions.template(id).map(|t| t.content()),
        _ => None,
    };
    if let Some(content) = content {
        map.entry("content").or_insert_with(|| json!(content));
        return;
    }
    if let Some(Value::Object(news)) = map.get_mut("mpnews") {
        let id = news.get("media_id").and_then(Value::as_str).unwrap_or("");
        if let Some(file) = account.media.file(id, now) {
            let articles: Vec<Value> = file.articles.iter().map(without_body).collect();
            news.insert("articles".into(), Value::Array(articles));
        }
    }
    if let Some(Value::Object(card)) = map.get_mut("wxcard") {
        let id = card.get("card_id").and_then(Value::as_str).unwrap_or("");
        let base_info = account.cards.by_id.get(id).and_then(|c| {
            c.as_object()?
                .values()
                .find_map(|v| v.get("base_info").cloned())
        });
        if let Some(base_info) = base_info {
            card.insert("base_info".into(), base_info);
        }
    }
}

/// An article without its `content` (up to 20,000 characters the chat never shows).
fn without_body(article: &Value) -> Value {
    let mut map: Map<String, Value> = article.as_object().cloned().unwrap_or_default();
    map.remove("content");
    Value::Object(map)
}
