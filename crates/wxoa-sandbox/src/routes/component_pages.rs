//! The authorization pages of the third-party platform (spec open-platform.md §3.1), HTTP
//! only: `componentloginpage` (PC) and both `bindcomponent` forms (mobile, current and
//! legacy). The page checks its parameters as the platform's does (the component, a live
//! pre-auth code, a `redirect_uri`, `auth_type` 1–3, `biz_appid` an account), lists the
//! official accounts that may authorize (none for `auth_type=2`, only `biz_appid`'s when given)
//! with the permission sets to grant, and the admin's consent goes through
//! `POST /sandbox/component/authorize` (the same path as the control API), after which the
//! browser follows the redirect with `auth_code` and `expires_in`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Query, get};
use crate::platform::component::OA_FUNC_IDS;
use crate::platform::component::profile::nick_name;
use crate::shared::Shared;

/// Most accounts one page lists (the rest are reached with `biz_appid`).
const LISTED: usize = 200;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/componentloginpage", get(page))
        .route("/safe/bindcomponent", get(page))
        .route("/wxaopen/safe/bindcomponent", get(page))
}

/// A refusal the page shows instead of the accounts.
fn refusal(what: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!doctype html><meta charset=utf-8><title>授权失败</title>\
             <p id=error>{}</p>",
            escape(what)
        ),
    )
        .into_response()
}

/// Text safe inside HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

async fn page(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    let Some(component) = shared.settings.component.as_ref() else {
        return refusal("the sandbox plays no third-party platform");
    };
    if query.get("component_appid") != Some(component.app_id.as_str()) {
        return refusal("component_appid is not this platform's AppID");
    }
    let Some(pre_auth_code) = query.get("pre_auth_code") else {
        return refusal("pre_auth_code is missing");
    };
    let Some(redirect_uri) = query.get("redirect_uri") else {
        return refusal("redirect_uri is missing");
    };
    let auth_type = query.get("auth_type").unwrap_or("3");
    if !matches!(auth_type, "1" | "2" | "3") {
        return refusal("auth_type must be 1, 2 or 3");
    }
    let now = shared.clock.now();
    let state = shared.state();
    match state.component.pre_auth_codes.get(pre_auth_code) {
        Some(&expires) if expires > now => {}
        Some(_) => return refusal("pre_auth_code has expired"),
        None => return refusal("pre_auth_code is invalid"),
    }
    let biz_appid = query.get("biz_appid");
    if let Some(biz) = biz_appid
        && state.account(biz).is_none()
    {
        return refusal("biz_appid is not an official account");
    }
    // Mini programs only (auth_type 2): the sandbox plays none.
    let accounts: Vec<_> = state
        .accounts
        .iter()
        .filter(|_| auth_type != "2")
        .filter(|a| biz_appid.is_none_or(|b| b == a.app_id))
        .collect();
    let mut rows = String::new();
    for account in accounts.iter().take(LISTED) {
        let authorized = state
            .component
            .current(&account.app_id)
            .map_or("", |_| " (已授权)");
        rows.push_str(&format!(
            "<li class=account data-appid=\"{id}\"><label><input type=radio name=account \
             value=\"{id}\"> {name} <small>{gh}</small>{authorized}</label></li>",
            id = escape(&account.app_id),
            name = escape(&nick_name(account)),
            gh = escape(&account.original_id),
        ));
    }
    if accounts.len() > LISTED {
        rows.push_str(&format!(
            "<li>… {} more (name one with biz_appid)</li>",
            accounts.len() - LISTED
        ));
    }
    let funcs: String = OA_FUNC_IDS
        .iter()
        .map(|id| {
            format!("<label><input type=checkbox class=func value={id} checked> {id}</label> ")
        })
        .collect();
    let data = json!({"pre_auth_code": pre_auth_code, "redirect_uri": redirect_uri})
        .to_string()
        .replace('<', "\\u003c");
    let html = format!(
        r#"<!doctype html><meta charset=utf-8><title>公众号授权</title>
<h1>授权给第三方平台 {component}</h1>
<p>选择要授权的公众号（管理员扫码确认）：</p>
<ul id=accounts>{rows}</ul>
<p>权限集：{funcs}</p>
<button id=consent>授权</button> <span id=status></span>
<script type="application/json" id=page-data>{data}</script>
<script>
document.getElementById('consent').onclick = async () => {{
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const picked = document.querySelector('input[name=account]:checked');
  const status = document.getElementById('status');
  if (!picked) {{ status.textContent = '请选择公众号'; return; }}
  const funcs = [...document.querySelectorAll('input.func:checked')].map(i => Number(i.value));
  const answer = await fetch('/sandbox/component/authorize', {{
    method: 'POST', headers: {{'content-type': 'application/json'}},
    body: JSON.stringify({{authorizer_appid: picked.value, func_ids: funcs,
      redirect_uri: data.redirect_uri, pre_auth_code: data.pre_auth_code}})}});
  const body = await answer.json();
  if (!answer.ok) {{ status.textContent = body.error; return; }}
  status.textContent = '已授权';
  window.location.href = body.redirect;
}};
</script>"#,
        component = escape(&component.app_id),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
