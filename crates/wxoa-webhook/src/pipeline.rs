//! One push, one path: body → query → account → signature → replay window → open the body →
//! typed push → dedupe → the handler within the budget → the answer, sealed once.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderValue, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::BodyExt;
use tracing::{Instrument, info_span, warn};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::{NO_REPLY, ReplyBody, render_parts};

use crate::account::Account;
use crate::deadline::Received;
use crate::dedup::{Turn, dedupe_key};
use crate::rejection::{Rejection, RequestError};
use crate::verify::{Mode, PushQuery, check_replay, check_signature, now, open_body};
use crate::webhook::Webhook;

impl Webhook {
    /// Answers a push: refused while draining, else the pipeline's answer or its refusal.
    pub(crate) async fn handle_post(
        &self,
        app_id: Option<&str>,
        uri: &Uri,
        body: Body,
    ) -> Response {
        if self.inner.draining.load(Ordering::Relaxed) {
            return self.reject(Rejection::ShuttingDown);
        }
        // A webhook built outside a runtime starts its outbox's recovery with its first push.
        self.start_recovery();
        match self.pipeline(app_id, uri, body).await {
            Ok(answer) => answer.into_response(),
            Err(rejection) => self.reject(rejection),
        }
    }

    async fn pipeline(
        &self,
        app_id: Option<&str>,
        uri: &Uri,
        body: Body,
    ) -> Result<Answer, Rejection> {
        let settings = &self.inner.settings;
        let body = read_body(body, settings.body_limit).await?;
        let query = PushQuery::parse(uri.query())?;
        let account = self.inner.accounts.find(app_id, &query)?;
        check_signature(account.token.expose(), &query)?;
        // The wall clock is read once a push: for the replay window and the reply's CreateTime.
        let arrived = check_replay(&query, settings.replay_window)?.unwrap_or_else(now);
        let (plain, mode) = open_body(account.crypt.as_ref(), account.allow_plain, &query, &body)?;
        // Behind `Arc` at once: the push is shared with the handler and moves no further.
        let push = Arc::new(
            Inbound::from_xml(&plain).map_err(|e| Rejection::BadRequest(RequestError::Push(e)))?,
        );
        let span = info_span!("push", app_id = %account.app_id, kind = push.kind(), mode = mode.as_str(), outcome = tracing::field::Empty);
        // A span nobody listens to is not worth entering and leaving at every poll.
        let received = Received {
            account: account.clone(),
            push,
            plain,
            arrived,
        };
        let answer = if span.is_disabled() {
            self.deliver(received).await?
        } else {
            self.deliver(received).instrument(span).await?
        };
        Ok(seal(&account, mode, &query, answer))
    }

    /// Dedupe, run the handler within the budget, render the plaintext answer (the reply XML
    /// or `success`). The dedupe store keeps this plaintext, which is smaller than the envelope,
    /// and every delivery's answer is sealed with that delivery's own timestamp and nonce.
    async fn deliver(&self, received: Received) -> Result<Answer, Rejection> {
        // The budget counts from here, so that time spent on the store (a claim, a wait for
        // another delivery) comes out of it rather than on top of it.
        let begun = Instant::now();
        let key = dedupe_key(&received.account, &received.push);
        let waited = match self.claim_push(&key, begun).await {
            Turn::Handle { waited } => waited,
            Turn::Answered(answer) => return Ok(answer),
        };
        self.within_budget(received, key, begun, waited).await
    }
}

/// What a push is answered with: `success`, or XML — the reply in plain mode, its envelope in
/// compat and safe mode. Decided where the answer is made, sealed once, never re-read.
pub(crate) enum Answer {
    /// `success`: no reply (or none that could be sent).
    Success,
    /// An XML reply, plaintext until [`seal`] makes it the envelope the push's mode asks for.
    Xml(Bytes),
}

impl Answer {
    /// The answer as the dedupe store keeps it.
    pub(crate) fn as_stored(&self) -> &[u8] {
        match self {
            Answer::Success => NO_REPLY.as_bytes(),
            Answer::Xml(xml) => xml,
        }
    }

    /// An answer the dedupe store kept (see [`as_stored`](Self::as_stored)).
    pub(crate) fn from_stored(stored: Bytes) -> Self {
        if stored == NO_REPLY.as_bytes() {
            Answer::Success
        } else {
            Answer::Xml(stored)
        }
    }

    fn into_response(self) -> Response {
        let (body, content_type) = match self {
            Answer::Success => (
                Bytes::from_static(NO_REPLY.as_bytes()),
                "text/plain; charset=utf-8",
            ),
            Answer::Xml(xml) => (xml, "text/xml; charset=utf-8"),
        };
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}

/// The reply XML, or `success` for a reply that cannot be rendered or a push that takes none
/// (both logged).
pub(crate) fn render(push: &Inbound, body: ReplyBody, now: i64) -> Answer {
    if takes_no_reply(push) {
        warn!(
            kind = push.kind(),
            "the handler replied to a push that takes no passive reply; answered success"
        );
        return Answer::Success;
    }
    match render_parts(
        push.from_user_name.as_str(),
        push.to_user_name.as_str(),
        now,
        &body,
    ) {
        // Exactly as long as the reply (the allocator shrinks in place), so that the `Bytes`
        // needs no shared header of its own.
        Ok(xml) => Answer::Xml(Bytes::from(xml.into_bytes().into_boxed_slice())),
        Err(error) => {
            warn!(%error, "the handler's reply is invalid; answered success");
            Answer::Success
        }
    }
}

/// The answer as sent: `success` as is, a reply as plaintext XML in plain mode and as the
/// envelope (signed over this request's timestamp and nonce) in compat and safe mode.
fn seal(account: &Account, mode: Mode, query: &PushQuery<'_>, answer: Answer) -> Answer {
    let (Answer::Xml(plain), Some(crypt), true) = (&answer, &account.crypt, mode.encrypted())
    else {
        return answer;
    };
    let timestamp = query.timestamp.as_deref().unwrap_or("");
    let nonce = query.nonce.as_deref().unwrap_or("");
    match crypt.encrypt_reply_xml(plain, timestamp, nonce) {
        // Exactly as long as the envelope: no shared header for the `Bytes` (as in `render`).
        Ok(envelope) => Answer::Xml(Bytes::from(envelope.into_bytes().into_boxed_slice())),
        Err(error) => {
            warn!(%error, "the reply could not be encrypted; answered success");
            Answer::Success
        }
    }
}

/// Known job and notification events (template, mass, publish, card, session, subscription
/// notices) take no passive reply. A type this library does not know gets the benefit of the
/// doubt: a handler that answers it explicitly is obeyed.
pub(crate) fn takes_no_reply(push: &Inbound) -> bool {
    match push.as_event() {
        Some(event) => event.name().is_some() && !event.accepts_reply(),
        None => false,
    }
}

pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, Rejection> {
    let failed = |error: axum::BoxError| {
        if error.is::<http_body_util::LengthLimitError>() {
            Rejection::TooLarge {
                size: limit + 1,
                limit,
            }
        } else {
            Rejection::BadRequest(RequestError::Body(error))
        }
    };
    let mut body = http_body_util::Limited::new(body, limit);
    // A push's body nearly always arrives as one frame: it is taken as it is, without a
    // buffer list; more frames are joined. (`axum::body::to_bytes` collects every body into a
    // buffer list, whose first frame allocates: one allocation more a push.)
    let mut first: Option<Bytes> = None;
    let mut joined: Option<bytes::BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(failed)?.into_data() else {
            continue;
        };
        match (&first, &mut joined) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut all = bytes::BytesMut::with_capacity(head.len() + data.len());
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
            (Some(_), Some(all)) => all.extend_from_slice(&data),
        }
    }
    Ok(match joined {
        Some(all) => all.freeze(),
        None => first.unwrap_or_default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunked(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Bytes, std::io::Error>> = chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect();
        Body::from_stream(futures::stream::iter(frames))
    }

    #[test]
    fn answers_come_back_from_the_store_as_they_went_in() {
        let success = Answer::from_stored(Bytes::from_static(b"success"));
        assert!(matches!(success, Answer::Success));
        assert_eq!(success.as_stored(), b"success");
        let xml = Answer::from_stored(Bytes::from_static(b"<xml/>"));
        assert!(matches!(&xml, Answer::Xml(body) if body == "<xml/>"));
        assert_eq!(xml.as_stored(), b"<xml/>");
    }

    #[tokio::test]
    async fn bodies_are_read_whole_in_one_frame_or_many() {
        let one = read_body(Body::from("<xml/>"), 64).await.unwrap();
        assert_eq!(one, "<xml/>");
        let many = read_body(chunked(&["<x", "ml", "/>"]), 64).await.unwrap();
        assert_eq!(many, "<xml/>");
        assert_eq!(read_body(Body::empty(), 64).await.unwrap(), "");
        assert!(matches!(
            read_body(chunked(&["12345", "67890"]), 8).await,
            Err(Rejection::TooLarge { limit: 8, .. })
        ));
        assert!(matches!(
            read_body(Body::from("123456789"), 8).await,
            Err(Rejection::TooLarge { limit: 8, .. })
        ));
    }
}
