//! The request body with its deadline, and the answer to a body that missed it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::header::{CONNECTION, HeaderValue};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::Error;
use crate::connection::Activity;

/// A request body that fails with [`Error::BodyReadTimeout`] once its deadline passes while
/// the rest of it has not arrived. Data already received is always delivered first.
pub(crate) struct TimedBody {
    inner: Incoming,
    deadline: Instant,
    limit: Duration,
    /// Made on the first wait only: most bodies arrive with their header and never wait.
    timer: Option<Pin<Box<Sleep>>>,
    activity: Arc<Activity>,
}

impl TimedBody {
    pub(crate) fn new(
        inner: Incoming,
        deadline: Instant,
        limit: Duration,
        activity: Arc<Activity>,
    ) -> TimedBody {
        TimedBody {
            inner,
            deadline,
            limit,
            timer: None,
            activity,
        }
    }
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.activity.body_timed_out();
                Poll::Ready(Some(Err(Box::new(Error::BodyReadTimeout {
                    limit: this.limit,
                }))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `408 Request Timeout`, closing the connection: the rest of the body is not waited for.
pub(crate) fn timed_out(limit: Duration) -> Response {
    let message = format!("{}\n", Error::BodyReadTimeout { limit });
    let mut response = (StatusCode::REQUEST_TIMEOUT, message).into_response();
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
