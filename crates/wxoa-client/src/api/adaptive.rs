//! Calls in flight chosen from the answers: a stream of work mapped through calls whose
//! concurrency grows while answers come back fast and backs off when the platform throttles or
//! slows down — the way TCP finds a connection's rate, applied to API calls. Used where one
//! task makes many independent reads (a follower export's `batchget` calls): against a platform
//! tens of milliseconds away the export is bound by how many calls are in flight, not by CPU,
//! and no fixed number suits every link and every account's quota.
//!
//! The rule: start at [`INITIAL`] calls; each answer that comes back fast adds one call a
//! round trip (doubling each round trip until the first back-off, one more each round trip
//! after it); an answer four times slower than the best seen (and 50 ms over it), or a
//! throttling code (-1 "system busy" once the transport's own retries are spent, 45011 "too
//! frequent"), halves the window, at most once a round trip. A throttled call is sent again
//! after a pause (200 ms, doubling, at most [`THROTTLE_ATTEMPTS`] times). Results come out in
//! the order the work went in.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use futures::{Stream, StreamExt};
use wxoa_types::errcode::ErrCode;

use crate::{Error, Result};

/// Calls in flight at the start.
pub(crate) const INITIAL: usize = 4;
/// How many times one throttled call is sent before its error ends the stream.
pub(crate) const THROTTLE_ATTEMPTS: u32 = 6;
/// The first pause before a throttled call goes again; each further one doubles.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// An answer slower than the best seen by this factor and by [`SLOW_MARGIN`] counts as slow.
const SLOW_FACTOR: u32 = 4;
const SLOW_MARGIN: Duration = Duration::from_millis(50);

/// The window of calls in flight.
#[derive(Debug)]
struct Window {
    limit: f64,
    max: usize,
    /// Doubling each round trip until the first back-off.
    slow_start: bool,
    /// The fastest answer seen.
    best: Option<Duration>,
    /// When the last back-off happened: calls sent before it do not halve the window again.
    backed_off: Option<Instant>,
}

impl Window {
    fn new(max: usize) -> Self {
        let max = max.max(1);
        Self {
            limit: INITIAL.min(max) as f64,
            max,
            slow_start: true,
            best: None,
            backed_off: None,
        }
    }

    fn allowed(&self) -> usize {
        // `limit` stays within 1..=max.
        (self.limit as usize).clamp(1, self.max)
    }

    fn answered(&mut self, sent: Instant, took: Duration) {
        let best = self.best.map_or(took, |best| best.min(took));
        self.best = Some(best);
        if took > best * SLOW_FACTOR + SLOW_MARGIN {
            self.back_off(sent);
            return;
        }
        let step = if self.slow_start {
            1.0
        } else {
            1.0 / self.limit
        };
        self.limit = (self.limit + step).min(self.max as f64);
    }

    fn back_off(&mut self, sent: Instant) {
        if self.backed_off.is_some_and(|at| sent < at) {
            return;
        }
        self.slow_start = false;
        self.limit = (self.limit / 2.0).max(1.0);
        self.backed_off = Some(Instant::now());
    }
}

/// Whether an error is the platform asking for fewer calls.
fn throttled(error: &Error) -> bool {
    matches!(
        error.code(),
        Some(ErrCode::SystemBusy | ErrCode::ApiMinuteQuotaReached)
    )
}

/// `work` mapped through `call`, at most `max` calls in flight, as many as the answers allow;
/// results in the order of `work`. An error of `work` comes out in its place.
pub(crate) fn map_adaptive<W, T, S, F>(
    work: S,
    max: usize,
    call: F,
) -> impl Stream<Item = Result<T>> + Send + 'static
where
    W: Clone + Send + 'static,
    T: Send + 'static,
    S: Stream<Item = Result<W>> + Send + 'static,
    F: Fn(W) -> BoxFuture<'static, Result<T>> + Send + Sync + 'static,
{
    Adaptive {
        work: Some(Box::pin(work)),
        in_flight: FuturesOrdered::new(),
        window: Arc::new(Mutex::new(Window::new(max))),
        call: Arc::new(call),
    }
}

struct Adaptive<W, T> {
    work: Option<Pin<Box<dyn Stream<Item = Result<W>> + Send>>>,
    in_flight: FuturesOrdered<BoxFuture<'static, Result<T>>>,
    window: Arc<Mutex<Window>>,
    #[allow(clippy::type_complexity)]
    call: Arc<dyn Fn(W) -> BoxFuture<'static, Result<T>> + Send + Sync>,
}

impl<W: Clone + Send + 'static, T: Send + 'static> Adaptive<W, T> {
    /// One piece of work, with its throttling retries, timing each answer into the window.
    fn start(&self, work: W) -> BoxFuture<'static, Result<T>> {
        let window = Arc::clone(&self.window);
        let call = Arc::clone(&self.call);
        Box::pin(async move {
            let mut pauses = VecDeque::from_iter(
                (0..THROTTLE_ATTEMPTS.saturating_sub(1)).map(|n| FIRST_PAUSE * 2u32.pow(n)),
            );
            loop {
                let sent = Instant::now();
                let result = call(work.clone()).await;
                let took = sent.elapsed();
                let error = {
                    let mut window = window.lock().unwrap_or_else(PoisonError::into_inner);
                    match result {
                        Ok(answer) => {
                            window.answered(sent, took);
                            return Ok(answer);
                        }
                        Err(error) if throttled(&error) => {
                            window.back_off(sent);
                            error
                        }
                        Err(error) => return Err(error),
                    }
                };
                let Some(pause) = pauses.pop_front() else {
                    return Err(error);
                };
                tracing::debug!(?pause, %error, "throttled; sending again after a pause");
                tokio::time::sleep(pause).await;
            }
        })
    }
}

impl<W: Clone + Send + 'static, T: Send + 'static> Stream for Adaptive<W, T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = self.get_mut();
        let allowed = this
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .allowed();
        while this.in_flight.len() < allowed {
            let Some(work) = this.work.as_mut() else {
                break;
            };
            match work.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(item))) => {
                    let started = this.start(item);
                    this.in_flight.push_back(started);
                }
                Poll::Ready(Some(Err(error))) => {
                    // In its place: after the results of the work before it.
                    this.in_flight
                        .push_back(Box::pin(futures::future::ready(Err(error))));
                    this.work = None;
                }
                Poll::Ready(None) => this.work = None,
                Poll::Pending => break,
            }
        }
        match this.in_flight.poll_next_unpin(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(Some(result)),
            Poll::Ready(None) if this.work.is_none() => Poll::Ready(None),
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_window_doubles_a_round_trip_then_grows_by_one_after_a_back_off() {
        let mut window = Window::new(64);
        let rtt = Duration::from_millis(30);
        let sent = Instant::now();
        // One round trip: each of the four answers adds one.
        for _ in 0..4 {
            window.answered(sent, rtt);
        }
        assert_eq!(window.allowed(), 8);
        for _ in 0..100 {
            window.answered(sent, rtt);
        }
        assert_eq!(window.allowed(), 64);
        window.back_off(Instant::now());
        assert_eq!(window.allowed(), 32);
        // Calls sent before the back-off do not halve it again.
        window.back_off(sent);
        assert_eq!(window.allowed(), 32);
        // After it, a round trip (32 answers, a few more as it grows) adds one.
        let after = Instant::now();
        for _ in 0..34 {
            window.answered(after, rtt);
        }
        assert_eq!(window.allowed(), 33);
    }

    #[test]
    fn a_slow_answer_halves_the_window() {
        let mut window = Window::new(64);
        let sent = Instant::now();
        for _ in 0..12 {
            window.answered(sent, Duration::from_millis(30));
        }
        assert_eq!(window.allowed(), 16);
        window.answered(sent, Duration::from_millis(100));
        assert_eq!(window.allowed(), 17, "not slow: under 4 × 30 ms + 50 ms");
        window.answered(sent, Duration::from_millis(171));
        assert_eq!(window.allowed(), 8);
    }

    #[test]
    fn the_window_stays_between_one_and_the_maximum() {
        let mut window = Window::new(2);
        assert_eq!(window.allowed(), 2);
        for _ in 0..10 {
            window.answered(Instant::now(), Duration::from_millis(1));
        }
        assert_eq!(window.allowed(), 2);
        for _ in 0..10 {
            window.backed_off = None;
            window.back_off(Instant::now());
        }
        assert_eq!(window.allowed(), 1);
        assert_eq!(Window::new(0).allowed(), 1);
    }

    #[tokio::test]
    async fn results_keep_the_order_of_the_work_and_an_error_its_place() {
        let work = futures::stream::iter(vec![
            Ok(3u64),
            Ok(1),
            Ok(2),
            Err(crate::api::support::invalid("page", crate::Rule::Required)),
        ]);
        let results: Vec<_> = map_adaptive(work, 4, |n: u64| {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(n * 10)).await;
                Ok(n)
            }) as BoxFuture<'static, Result<u64>>
        })
        .collect()
        .await;
        let values: Vec<_> = results.iter().map(|r| r.as_ref().ok().copied()).collect();
        assert_eq!(values, [Some(3), Some(1), Some(2), None]);
    }

    #[tokio::test]
    async fn a_throttled_call_goes_again_and_the_window_shrinks() {
        let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = Arc::clone(&calls);
        let results: Vec<_> = map_adaptive(futures::stream::iter([Ok(())]), 8, move |()| {
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                if n < 2 {
                    Err(Error::api(
                        ErrCode::ApiMinuteQuotaReached,
                        "api freq out of limit",
                    ))
                } else {
                    Ok(n)
                }
            }) as BoxFuture<'static, Result<u32>>
        })
        .collect()
        .await;
        assert_eq!(results.len(), 1);
        assert_eq!(*results[0].as_ref().unwrap(), 2);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn other_errors_end_at_once() {
        let results: Vec<_> = map_adaptive(futures::stream::iter([Ok(())]), 8, |()| {
            Box::pin(async { Err(Error::api(ErrCode::from_code(40003), "invalid openid")) })
                as BoxFuture<'static, Result<u32>>
        })
        .collect()
        .await;
        assert_eq!(
            results[0].as_ref().unwrap_err().code(),
            Some(ErrCode::from_code(40003))
        );
    }
}
