//! Pushes to the account's server, exactly as the platform sends them (server-access.md §3–5).
//!
//! The query is `signature, timestamp, nonce, openid` and, in compat and safe mode,
//! `encrypt_type=aes, msg_signature`; the body is the plaintext XML (plain), the plaintext XML
//! with an `<Encrypt>` element (compat), or only `ToUserName` and `Encrypt` (safe). The server
//! has the push timeout (5 s) to answer; a timeout, a transport failure or a status other than
//! 200 causes a re-send of the very same request, up to the configured number of deliveries (3).
//! The answer must be `success`, empty, or a valid passive reply (encrypted and signed in safe
//! mode, either in compat mode); otherwise a follower waiting for an answer sees
//! "该公众号暂时无法提供服务，请稍后再试".

use std::time::Instant;
use wxoa_types::secret::error_chain;

use serde_json::{Value, json};
use wxoa_crypto::{MsgCrypt, msg_signature, random_nonce, signature};
use wxoa_types::envelope::{PushEnvelope, ReplyEnvelope};
use wxoa_types::inbound::{Body, Inbound};
use wxoa_types::reply::{Reply, ReplyBody};
use wxoa_types::secret::mask_url_password;
use wxoa_types::xml::{self, write_bare_element, write_cdata_element};

use crate::config::{PushMode, Webhook};
use crate::log::{Attempt, PushOutcome, PushRecord};
use crate::shared::{Shared, lock};
use crate::state::{Account, SERVICE_UNAVAILABLE};

/// Largest reply body read from a server.
const MAX_REPLY: usize = 1024 * 1024;

/// A push about to be delivered.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub(crate) app_id: String,
    pub(crate) original_id: String,
    pub(crate) openid: String,
    /// The message XML (plaintext).
    pub(crate) xml: String,
    /// Whether a follower is looking at the chat: a passive reply reaches them, and a failing
    /// server shows them the service notice. Normal messages and interactive events; not
    /// unsubscribe, job results, card or customer-service events (those are answered with
    /// `success` and shown to nobody).
    pub(crate) visible: bool,
    /// Articles of a news reply the follower sees: 1 after a message of theirs, 8 after an event.
    pub(crate) news_limit: usize,
}

impl Outgoing {
    /// A push of these fields (platform names, in order) from `openid` to the account.
    /// `ToUserName`, `FromUserName` and `CreateTime` lead, as on the platform; they are filled
    /// in when absent, and so is `MsgId` of a normal message (from `next_msg_id`).
    pub(crate) fn new(
        app_id: &str,
        original_id: &str,
        openid: &str,
        now: i64,
        fields: &[(String, Value)],
        next_msg_id: impl FnOnce() -> u64,
    ) -> Self {
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let text = |name: &str| field(name).and_then(Value::as_str).unwrap_or_default();
        let is_event = text("MsgType") == "event";
        let mut xml = String::with_capacity(256);
        xml.push_str("<xml>");
        let header = ["ToUserName", "FromUserName", "CreateTime", "MsgType"];
        write_field(
            &mut xml,
            "ToUserName",
            field("ToUserName").unwrap_or(&Value::String(original_id.to_owned())),
        );
        write_field(
            &mut xml,
            "FromUserName",
            field("FromUserName").unwrap_or(&Value::String(openid.to_owned())),
        );
        match field("CreateTime") {
            Some(value) => write_field(&mut xml, "CreateTime", value),
            None => write_bare_element(&mut xml, "CreateTime", now),
        }
        if let Some(value) = field("MsgType") {
            write_field(&mut xml, "MsgType", value);
        }
        for (name, value) in fields.iter().filter(|(k, _)| !header.contains(&k.as_str())) {
            write_field(&mut xml, name, value);
        }
        if !is_event && field("MsgId").is_none() {
            write_bare_element(&mut xml, "MsgId", next_msg_id());
        }
        xml.push_str("</xml>");
        // The types crate knows which pushes show a reply; a message it cannot read (the
        // control API takes any fields) still reaches the chat unless it is an event.
        let visible = match Inbound::from_xml(xml.as_bytes()) {
            Ok(inbound) if !matches!(inbound.body, Body::Unknown) => inbound.accepts_reply(),
            _ => !is_event,
        };
        Self {
            app_id: app_id.to_owned(),
            original_id: original_id.to_owned(),
            openid: openid.to_owned(),
            xml,
            visible,
            news_limit: if is_event { 8 } else { 1 },
        }
    }
}

/// Writes one field: strings as CDATA, numbers bare, objects as nested elements, arrays as the
/// element repeated (`<item>…</item><item>…</item>`).
fn write_field(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::String(s) => write_cdata_element(out, name, s),
        Value::Number(n) => write_bare_element(out, name, n.to_string().as_str()),
        Value::Bool(b) => write_bare_element(out, name, if *b { "1" } else { "0" }),
        Value::Object(map) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            for (child, value) in map {
                write_field(out, child, value);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Array(items) => items.iter().for_each(|item| write_field(out, name, item)),
        Value::Null => {}
    }
}

/// Delivers a push after the API call that caused it has been answered, as the platform
/// pushes job results and card events.
pub(crate) fn push_in_background(shared: &std::sync::Arc<Shared>, outgoing: Outgoing) {
    let shared = std::sync::Arc::clone(shared);
    tokio::spawn(async move {
        push(&shared, outgoing).await;
    });
}

/// Delivers a push, records it, and puts what the follower sees in their inbox.
pub(crate) async fn push(shared: &Shared, outgoing: Outgoing) -> PushRecord {
    let at = shared.clock.now();
    let (webhook, frame_app_id) = target(shared, &outgoing.app_id);
    let seq = shared
        .state()
        .account_mut(&outgoing.app_id)
        .map_or(0, Account::next_seq);
    let mut record = PushRecord {
        id: 0,
        at,
        seq,
        visible: outgoing.visible,
        app_id: outgoing.app_id.clone(),
        from: outgoing.openid.clone(),
        xml: outgoing.xml.clone(),
        mode: webhook.as_ref().map(|w| w.mode),
        query: String::new(),
        body: String::new(),
        attempts: Vec::new(),
        outcome: PushOutcome::Pending,
        reply: None,
        raw: None,
        reply_xml: None,
        error: None,
    };
    // Logged before delivery, so the console shows the follower's message while the webhook
    // thinks, in its place among what the follower receives meanwhile.
    record.id = lock(&shared.pushes).begin(record.clone());
    let mut shown = None;
    match webhook {
        Some(webhook) => {
            shown = deliver(shared, &webhook, &frame_app_id, &outgoing, &mut record).await;
        }
        None => record.outcome = PushOutcome::NoWebhook,
    }
    let failed = matches!(record.outcome, PushOutcome::Failed | PushOutcome::Invalid);
    {
        let now = shared.clock.now();
        let mut state = shared.state();
        if let Some(account) = state.account_mut(&outgoing.app_id)
            && record.outcome != PushOutcome::NoWebhook
        {
            let ms = record.attempts.iter().map(|a| a.elapsed_ms).sum();
            account.analytics.pushed(at, failed, ms);
        }
        if let Some(account) = state.account_mut(&outgoing.app_id)
            && outgoing.visible
        {
            if let Some(message) = shown {
                account.deliver(&outgoing.openid, now, "reply", message);
            } else if failed {
                account.deliver(
                    &outgoing.openid,
                    now,
                    "notice",
                    json!({"MsgType": "text", "Content": SERVICE_UNAVAILABLE}),
                );
            }
        }
    }
    shared.touch();
    lock(&shared.pushes).update(&record);
    record
}

/// Where an account's pushes go, and the AppID in their encrypted frame: an account that
/// granted a third-party platform its messages (permission set 1) has them pushed to the
/// component's message URL (`$APPID$` replaced by its AppID), signed and encrypted with the
/// component's Token and key in safe mode, the component's AppID in the frame (spec
/// open-platform.md §5); any other account to the sandbox's webhook.
fn target(shared: &Shared, app_id: &str) -> (Option<Webhook>, String) {
    if let Some(component) = &shared.settings.component
        && let Some(url) = &component.message_url
        && shared
            .state()
            .component
            .current(app_id)
            .is_some_and(|a| a.func.has(1))
    {
        let webhook = Webhook::new(url.replace("$APPID$", app_id), component.token.clone())
            .aes_key(component.aes_key.clone())
            .mode(PushMode::Safe);
        return (Some(webhook), component.app_id.clone());
    }
    (shared.webhook(), app_id.to_owned())
}

/// Sends the push until the server answers or the deliveries run out; fills in `record` and
/// returns the message the follower sees, if any.
async fn deliver(
    shared: &Shared,
    webhook: &Webhook,
    frame_app_id: &str,
    outgoing: &Outgoing,
    record: &mut PushRecord,
) -> Option<Value> {
    let crypt = match (&webhook.aes_key, webhook.mode) {
        (Some(key), PushMode::Compat | PushMode::Safe) => {
            match MsgCrypt::new(webhook.token.as_str(), key, frame_app_id) {
                Ok(crypt) => Some(crypt),
                Err(e) => {
                    record.outcome = PushOutcome::Failed;
                    record.error = Some(format!("webhook configuration: {e}"));
                    return None;
                }
            }
        }
        _ => None,
    };
    let timestamp = record.at.to_string();
    let nonce = random_nonce();
    let token = webhook.token.as_str();
    let mut pairs = vec![
        (
            "signature",
            signature(token, &timestamp, &nonce).as_str().to_owned(),
        ),
        ("timestamp", timestamp.clone()),
        ("nonce", nonce.clone()),
        ("openid", outgoing.openid.clone()),
    ];
    let mut body = outgoing.xml.clone();
    if let Some(crypt) = &crypt {
        let encrypt = match crypt.encrypt(outgoing.xml.as_bytes()) {
            Ok(encrypt) => encrypt,
            Err(e) => {
                record.outcome = PushOutcome::Failed;
                record.error = Some(format!("encryption: {e}"));
                return None;
            }
        };
        pairs.push(("encrypt_type", "aes".to_owned()));
        pairs.push((
            "msg_signature",
            msg_signature(token, &timestamp, &nonce, &encrypt)
                .as_str()
                .to_owned(),
        ));
        body = if webhook.mode == PushMode::Safe {
            PushEnvelope::new(Some(outgoing.original_id.clone()), encrypt).to_xml()
        } else {
            let mut compat = outgoing.xml.clone();
            compat.truncate(compat.len().saturating_sub("</xml>".len()));
            write_cdata_element(&mut compat, "Encrypt", &encrypt);
            compat.push_str("</xml>");
            compat
        };
    }
    // Every URL gets the very same query: a retry is the same request, wherever it goes.
    let mut targets = Vec::with_capacity(webhook.urls.len());
    for base in &webhook.urls {
        let mut url = match url::Url::parse(base) {
            Ok(url) => url,
            Err(e) => {
                record.outcome = PushOutcome::Failed;
                record.error = Some(format!("webhook URL: {e}"));
                return None;
            }
        };
        url.query_pairs_mut()
            .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        let mut shown = url.clone();
        shown.set_query(None);
        targets.push((url, mask_url_password(shown.as_str()).into_owned()));
    }
    // Round-robin over the URLs, as a load balancer in front of several instances would: each
    // push starts at the next URL, and each retry goes to the one after.
    let first = shared.next_webhook_turn();
    let target = |attempt: usize| {
        let count = targets.len().max(1);
        targets.get(first.wrapping_add(attempt) % count)
    };
    record.query = target(0)
        .and_then(|(url, _)| url.query())
        .unwrap_or_default()
        .to_owned();
    record.body = body.clone();
    record.outcome = PushOutcome::Failed;
    let deliveries = usize::try_from(shared.settings.push_deliveries.max(1)).unwrap_or(1);
    for attempt_number in 0..deliveries {
        let Some((url, shown)) = target(attempt_number) else {
            record.error = Some("the webhook has no URL".to_owned());
            return None;
        };
        let started = Instant::now();
        let mut attempt = Attempt {
            at: shared.clock.now(),
            url: shown.clone(),
            elapsed_ms: 0,
            status: None,
            error: None,
        };
        let answer = send(shared, url.clone(), body.clone()).await;
        attempt.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match answer {
            Ok((status, raw)) => {
                attempt.status = Some(status);
                record.raw = Some(raw.clone());
                if status != 200 {
                    attempt.error = Some(format!("HTTP status {status}"));
                    record.error = attempt.error.clone();
                    record.attempts.push(attempt);
                    progress(shared, record);
                    continue;
                }
                record.attempts.push(attempt);
                return match read_reply(&raw, webhook.mode, crypt.as_ref(), outgoing) {
                    Ok(None) => {
                        record.outcome = PushOutcome::NoReply;
                        None
                    }
                    Ok(Some((reply, json, plaintext))) => {
                        record.outcome = PushOutcome::Reply;
                        record.reply = Some(json);
                        record.reply_xml = Some(plaintext);
                        shown_message(reply, outgoing.news_limit)
                    }
                    Err(reason) => {
                        record.outcome = PushOutcome::Invalid;
                        record.error = Some(reason);
                        None
                    }
                };
            }
            Err(reason) => {
                attempt.error = Some(reason.clone());
                record.error = Some(reason);
                record.attempts.push(attempt);
                progress(shared, record);
            }
        }
    }
    None
}

/// Shows a failed attempt in the log while the push is retried.
fn progress(shared: &Shared, record: &PushRecord) {
    let mut shown = record.clone();
    shown.outcome = PushOutcome::Pending;
    lock(&shared.pushes).update(&shown);
}

/// One HTTP request: the status and body, or why there is none. Redirects are not followed
/// (the client is built without them): a 3xx is an answer like any other non-200, so a
/// webhook cannot send the sandbox's requests elsewhere. The body is read up to
/// [`MAX_REPLY`] bytes and no further.
pub(crate) async fn send(
    shared: &Shared,
    url: url::Url,
    body: String,
) -> Result<(u16, String), String> {
    let mut response = shared
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "text/xml")
        .timeout(shared.settings.push_timeout)
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if bytes.len().saturating_add(chunk.len()) > MAX_REPLY {
            return Err(format!("answer larger than {MAX_REPLY} bytes"));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Why a request failed, without its URL (the attempt names the URL, with any password
/// masked; the query is in the record).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        "no answer within the push timeout".to_owned()
    } else if error.is_connect() {
        format!("cannot connect: {}", error_chain(&error))
    } else {
        error_chain(&error)
    }
}

/// Reads a server's answer: `None` for `success`/empty, the reply, its JSON form and its
/// plaintext XML otherwise, or why it is not acceptable.
fn read_reply(
    raw: &str,
    mode: PushMode,
    crypt: Option<&MsgCrypt>,
    outgoing: &Outgoing,
) -> Result<Option<(Reply, Value, String)>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed == wxoa_types::reply::NO_REPLY {
        return Ok(None);
    }
    let root = xml::parse(trimmed.as_bytes()).map_err(|e| format!("the answer is not XML: {e}"))?;
    let inner = if root.child("Encrypt").is_some() {
        let Some(crypt) = crypt else {
            return Err("an encrypted reply in plain mode".to_owned());
        };
        let envelope = ReplyEnvelope::from_xml(trimmed.as_bytes())
            .map_err(|e| format!("reply envelope: {e}"))?;
        crypt
            .open_reply(&envelope)
            .map_err(|e| format!("reply envelope: {e}"))?
    } else {
        if mode == PushMode::Safe {
            return Err("a plaintext reply in safe mode (it must be encrypted)".to_owned());
        }
        trimmed.as_bytes().to_vec()
    };
    let reply = Reply::from_xml(&inner).map_err(|e| format!("reply: {e}"))?;
    reply.validate().map_err(|e| format!("reply: {e}"))?;
    if reply.to_user_name != outgoing.openid {
        return Err(format!(
            "reply ToUserName {:?} is not the follower {:?}",
            reply.to_user_name, outgoing.openid
        ));
    }
    if reply.from_user_name != outgoing.original_id {
        return Err(format!(
            "reply FromUserName {:?} is not the account {:?}",
            reply.from_user_name, outgoing.original_id
        ));
    }
    let json = xml::parse(&inner)
        .ok()
        .and_then(|root| serde_json::to_value(&root).ok())
        .unwrap_or(Value::Null);
    Ok(Some((
        reply,
        json,
        String::from_utf8_lossy(&inner).into_owned(),
    )))
}

/// What the follower sees of a reply: nothing for a transfer to customer service, the first
/// `news_limit` articles of a news reply.
fn shown_message(mut reply: Reply, news_limit: usize) -> Option<Value> {
    match &mut reply.body {
        ReplyBody::TransferCustomerService { .. } => return None,
        ReplyBody::News { articles } => articles.truncate(news_limit),
        _ => {}
    }
    let mut xml = String::new();
    reply.write_xml(&mut xml);
    xml::parse(xml.as_bytes())
        .ok()
        .and_then(|root| serde_json::to_value(&root).ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Vec<(String, Value)> {
        let map: serde_json::Map<String, Value> = serde_json::from_str(json).unwrap();
        map.into_iter().collect()
    }

    #[test]
    fn messages_get_the_header_first_and_a_msgid_last() {
        let out = Outgoing::new(
            "wx0123456789abcdef",
            "gh_0123456789ab",
            "oUser",
            1_700_000_000,
            &fields(r#"{"MsgType":"text","Content":"hi"}"#),
            || 42,
        );
        assert_eq!(
            out.xml,
            "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
             <FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1700000000</CreateTime>\
             <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
             <MsgId>42</MsgId></xml>"
        );
        assert!(out.visible);
        assert_eq!(out.news_limit, 1);
    }

    #[test]
    fn events_nest_groups_and_repeat_items() {
        let out = Outgoing::new(
            "wx0123456789abcdef",
            "gh_0123456789ab",
            "oUser",
            1,
            &fields(
                r#"{"MsgType":"event","Event":"pic_weixin","EventKey":"k",
                    "SendPicsInfo":{"Count":2,"PicList":{"item":[{"PicMd5Sum":"a"},{"PicMd5Sum":"b"}]}}}"#,
            ),
            || unreachable!("events have no MsgId"),
        );
        assert!(out.xml.contains(
            "<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[a]]></PicMd5Sum></item>\
             <item><PicMd5Sum><![CDATA[b]]></PicMd5Sum></item></PicList></SendPicsInfo>"
        ));
        assert!(!out.xml.contains("MsgId"));
        assert!(out.visible);
        assert_eq!(out.news_limit, 8);
        let job = Outgoing::new(
            "wx0123456789abcdef",
            "gh_0123456789ab",
            "oUser",
            1,
            &fields(
                r#"{"MsgType":"event","Event":"TEMPLATESENDJOBFINISH","MsgID":1,"Status":"success"}"#,
            ),
            || 0,
        );
        assert!(!job.visible);
    }
}
