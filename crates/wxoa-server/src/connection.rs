//! One task per connection: hyper serves it while a watchdog closes it when a limit passes.
//! A handler closing its connection and the server stopping reach the task through flags it
//! reads at every poll and one waker ([`Live`] finds every connection when the server stops).
//!
//! The watchdog needs to know what the connection is doing, which hyper does not tell: the
//! socket is wrapped so that reads and writes are seen, and the service marks when a handler
//! starts and when it has answered. None of these wakes the watchdog — a request costs it
//! nothing: it sleeps until the next moment a limit could pass and looks again then (see
//! [`Activity::next_check`]). hyper's own `header_read_timeout` is not used: in the
//! hyper version this workspace locks (1.12), its clock starts whenever hyper begins waiting
//! for a header — on a kept-alive connection that is right after the previous answer — so it
//! would fold the idle time into the header time and make a separate idle timeout impossible.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use futures::task::AtomicWaker;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::Limits;
use crate::body::{TimedBody, timed_out};

/// The connection a request arrived on, found in every request's extensions.
#[derive(Debug, Clone)]
pub struct Connection {
    activity: Arc<Activity>,
    peer: Option<SocketAddr>,
}

impl Connection {
    /// Closes the connection at once, without an answer to the request in flight (whose
    /// handler is dropped with it). This is how a test platform plays a dropped connection.
    ///
    /// ```
    /// async fn vanish(request: axum::extract::Request) -> &'static str {
    ///     if let Some(connection) = request.extensions().get::<wxoa_server::Connection>() {
    ///         connection.close();
    ///     }
    ///     "never sent when served by wxoa_server::serve"
    /// }
    /// ```
    pub fn close(&self) {
        self.activity.closing.store(true, Ordering::Release);
        self.activity.task.wake();
    }

    /// The address of the client at the other end, when the socket could tell it.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }
}

/// What a connection is doing, as far as its limits are concerned.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// A request header is due `header_read_timeout` after `since`: the connection's
    /// acceptance for its first request, the first byte of the request for the others.
    Header { since: Instant },
    /// A handler is running (and reading the body, which has its own deadline).
    Handling,
    /// Answered; nothing of a next request read yet. Closed `idle_timeout` after the later of
    /// `since` and the last write: writing out the answer counts as progress.
    Quiet { since: Instant },
}

/// Why the watchdog closed a connection.
#[derive(Debug, Clone, Copy)]
enum Expired {
    Header,
    Idle,
}

/// What the connection's socket, its service and its watchdog share.
#[derive(Debug)]
pub(crate) struct Activity {
    phase: Mutex<Phase>,
    /// When the connection was opened: the origin of `last_write`.
    opened: Instant,
    /// When the last successful write ended, in nanoseconds after `opened` (an atomic rather
    /// than a lock: it is stored on every write).
    last_write: AtomicU64,
    /// Set when the body of the request in flight missed its deadline.
    body_timed_out: AtomicBool,
    /// Set by [`Connection::close`]: the connection ends at once.
    closing: AtomicBool,
    /// Set when the server stops: the connection finishes its request in flight and closes.
    stopping: AtomicBool,
    /// The connection's task, woken when `closing` or `stopping` is set. Flags and one waker
    /// rather than a `Notify` and a `watch`: the task looks at them at every poll, and a load
    /// costs nothing where polling those futures again takes their locks.
    task: AtomicWaker,
}

impl Activity {
    fn new() -> Activity {
        Activity::opened_at(Instant::now())
    }

    /// A connection opened at `opened`, waiting for its first request's header.
    fn opened_at(opened: Instant) -> Activity {
        Activity {
            phase: Mutex::new(Phase::Header { since: opened }),
            opened,
            last_write: AtomicU64::new(0),
            body_timed_out: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            task: AtomicWaker::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        // The phase is a plain value, valid whatever a panicking holder was doing.
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: after an answer, they begin the next request, whose header is now due.
    fn read(&self) {
        let mut phase = self.phase();
        if let Phase::Quiet { .. } = *phase {
            *phase = Phase::Header {
                since: Instant::now(),
            };
        }
    }

    /// Bytes were written at `at`.
    fn wrote(&self, at: Instant) {
        // 2^64 ns is 584 years: the saturation is never reached.
        let nanos =
            u64::try_from(at.saturating_duration_since(self.opened).as_nanos()).unwrap_or(u64::MAX);
        self.last_write.fetch_max(nanos, Ordering::Relaxed);
    }

    /// When the last write ended (`opened` if none did).
    fn last_write(&self) -> Instant {
        let nanos = self.last_write.load(Ordering::Relaxed);
        after(self.opened, Duration::from_nanos(nanos))
    }

    /// A complete header arrived and its handler starts: no deadline but the body's now.
    fn handling(&self) {
        self.body_timed_out.store(false, Ordering::Relaxed);
        *self.phase() = Phase::Handling;
    }

    /// The handler answered: the connection is quiet until the next request begins.
    fn answered(&self) {
        // Stamped under the lock, as in `read`: a watchdog that looked at `now` before this
        // change then sees a quiet period that began after `now`, never before.
        let mut phase = self.phase();
        *phase = Phase::Quiet {
            since: Instant::now(),
        };
    }

    /// Records that the body of the request in flight missed its deadline.
    pub(crate) fn body_timed_out(&self) {
        self.body_timed_out.store(true, Ordering::Relaxed);
    }

    /// What the watchdog finds at `now`: a limit that has passed, or when to look again.
    ///
    /// Phases change without telling the watchdog, so it must never sleep past a deadline a
    /// change could bring. Whatever the phase, no change after `now` can bring a deadline
    /// sooner than `min(header, idle)` from now: an answer starts the idle clock, a next byte
    /// the header clock, both later than now. So the watchdog looks again at the phase's own
    /// deadline or at that horizon, whichever comes first — never later, and on a busy
    /// connection only that often, not once per request. (A connection waiting for its header
    /// must look again within the idle timeout too: its request can be read, handled and
    /// answered before then, and the quiet period that follows is due an idle timeout later.)
    fn next_check(&self, limits: &Limits, now: Instant) -> Result<Instant, Expired> {
        let horizon = after(now, limits.header_read_timeout.min(limits.idle_timeout));
        let phase = *self.phase();
        let due = match phase {
            Phase::Header { since } => {
                let due = after(since, limits.header_read_timeout);
                if due <= now {
                    return Err(Expired::Header);
                }
                due
            }
            Phase::Handling => horizon,
            Phase::Quiet { since } => {
                // The answer is written out after the handler returned it, and a client that
                // does not take it holds those writes back: idle is counted from the last.
                let due = after(since.max(self.last_write()), limits.idle_timeout);
                if due <= now {
                    return Err(Expired::Idle);
                }
                due
            }
        };
        Ok(due.min(horizon))
    }
}

/// `since + limit`, or a time that never comes when a huge limit (`Duration::MAX`, meaning
/// "no limit") would overflow the clock.
fn after(since: Instant, limit: Duration) -> Instant {
    since
        .checked_add(limit)
        .unwrap_or_else(|| since + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// The connections being served, so that a stopping server can tell each of them (a
/// registry touched when a connection opens and closes, never by a request).
#[derive(Debug, Default)]
pub(crate) struct Live {
    inner: Mutex<LiveInner>,
}

#[derive(Debug, Default)]
struct LiveInner {
    stopped: bool,
    next: u64,
    connections: HashMap<u64, Arc<Activity>>,
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, LiveInner> {
        // Every update leaves the map consistent: a panic elsewhere does not spoil it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a connection until the guard is dropped; one that opens after the stop is
    /// told at once.
    fn enter(self: &Arc<Self>, activity: &Arc<Activity>) -> Entered {
        let mut inner = self.lock();
        if inner.stopped {
            activity.stopping.store(true, Ordering::Release);
        }
        let id = inner.next;
        inner.next += 1;
        inner.connections.insert(id, Arc::clone(activity));
        Entered {
            live: Arc::clone(self),
            id,
        }
    }

    /// Tells every connection, and those that open from now on, that the server stops.
    pub(crate) fn stop(&self) {
        let mut inner = self.lock();
        inner.stopped = true;
        for activity in inner.connections.values() {
            activity.stopping.store(true, Ordering::Release);
            activity.task.wake();
        }
    }
}

/// A connection's place in [`Live`], given up when the connection ends.
struct Entered {
    live: Arc<Live>,
    id: u64,
}

impl Drop for Entered {
    fn drop(&mut self) {
        self.live.lock().connections.remove(&self.id);
    }
}

/// How a connection's task ended.
enum Ended {
    Served(hyper::Result<()>),
    Expired(Expired),
    Closed,
}

/// Completes when a limit has passed.
async fn watchdog(activity: &Activity, limits: &Limits) -> Expired {
    loop {
        match activity.next_check(limits, Instant::now()) {
            Ok(at) => tokio::time::sleep_until(at).await,
            Err(expired) => return expired,
        }
    }
}

/// Serves one connection until it ends, a limit passes, a handler closes it, or the server
/// stops (then it finishes the request in flight, if any, and closes).
pub(crate) async fn run(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
    live: Arc<Live>,
) {
    // Answers are written whole: sending them without Nagle's delay costs no extra packets.
    let _ = stream.set_nodelay(true);
    let peer = stream.peer_addr().ok();
    let activity = Arc::new(Activity::new());
    let _entered = live.enter(&activity);
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            handle(router.clone(), Arc::clone(&activity), peer, limits, request)
        })
    };
    let socket = Watched {
        stream,
        activity: Arc::clone(&activity),
    };
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service);
    let mut connection = std::pin::pin!(connection);
    let watchdog = watchdog(&activity, &limits);
    let mut watchdog = std::pin::pin!(watchdog);
    let mut stopped = false;
    let ended = std::future::poll_fn(|cx| {
        activity.task.register(cx.waker());
        if activity.closing.load(Ordering::Acquire) {
            return Poll::Ready(Ended::Closed);
        }
        // hyper closes the connection at once when it is idle or has sent nothing yet, and
        // after the answer in flight otherwise.
        if !stopped && activity.stopping.load(Ordering::Acquire) {
            stopped = true;
            connection.as_mut().graceful_shutdown();
        }
        if let Poll::Ready(served) = connection.as_mut().poll(cx) {
            return Poll::Ready(Ended::Served(served));
        }
        watchdog.as_mut().poll(cx).map(Ended::Expired)
    })
    .await;
    // Returning drops the connection, the handler in flight and the socket.
    match ended {
        Ended::Served(Err(error)) => tracing::debug!(%error, "connection ended with an error"),
        Ended::Served(Ok(())) | Ended::Closed => {}
        Ended::Expired(Expired::Header) => tracing::debug!(
            limit_s = limits.header_read_timeout.as_secs_f64(),
            "closing a connection: no complete request header in time"
        ),
        Ended::Expired(Expired::Idle) => tracing::debug!(
            limit_s = limits.idle_timeout.as_secs_f64(),
            "closing an idle connection"
        ),
    }
}

/// Runs one request through the router, with the body's deadline and the connection's phase.
async fn handle(
    router: Router,
    activity: Arc<Activity>,
    peer: Option<SocketAddr>,
    limits: Limits,
    request: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    activity.handling();
    let deadline = after(Instant::now(), limits.body_read_timeout);
    let connection = Connection {
        activity: Arc::clone(&activity),
        peer,
    };
    let mut request: Request = request.map(|body| {
        Body::new(TimedBody::new(
            body,
            deadline,
            limits.body_read_timeout,
            Arc::clone(&activity),
        ))
    });
    request.extensions_mut().insert(connection);
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // Whatever the handler made of the failed read (a 400, its own error code), the client
    // is told plainly that its body was too slow.
    let response = if activity.body_timed_out.load(Ordering::Relaxed) {
        timed_out(limits.body_read_timeout)
    } else {
        response
    };
    // The answer is written once the runtime has looked at every other connection that is
    // ready (a yield is taken up again after the runtime's next look for events): answers made
    // in one pass go out together, so a client on many connections (a balancer, a load test)
    // is woken once for them all rather than once an answer. Waking a sleeping peer is dear
    // on a virtual machine (an interrupt to another core: about a tenth of a push's whole cost
    // in the webhook benchmark); this one task poll more measured 3 to 8 % more answers a
    // second under that load (BENCHMARKS.md).
    tokio::task::yield_now().await;
    activity.answered();
    Ok(response)
}

/// The socket, with its reads and writes reported to the connection's [`Activity`].
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && buf.filled().len() > before
        {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(written)) = polled
            && written > 0
        {
            self.activity.wrote(Instant::now());
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(written)) = polled
            && written > 0
        {
            self.activity.wrote(Instant::now());
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(header: u64, idle: u64) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(header),
            idle_timeout: Duration::from_secs(idle),
            ..Limits::default()
        }
    }

    /// A connection opened at `opened`, in `phase`.
    fn activity(opened: Instant, phase: Phase) -> Activity {
        let activity = Activity::opened_at(opened);
        *activity.phase() = phase;
        activity
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    /// Runs the watchdog's loop on a clock of its own from `start`, the phase changing at
    /// the given instants (in order) without the watchdog being told: when and why it closes
    /// the connection. Bounded: a watchdog that looks 1,000 times here is a bug.
    fn watch(
        a: &Activity,
        limits: &Limits,
        start: Instant,
        changes: &[(Instant, Phase)],
    ) -> (Instant, Expired) {
        let mut changes = changes.iter().peekable();
        let mut now = start;
        for _ in 0..1000 {
            while let Some((_, phase)) = changes.next_if(|(at, _)| *at <= now) {
                *a.phase() = *phase;
            }
            match a.next_check(limits, now) {
                Ok(at) => {
                    assert!(at > now, "looks again at {at:?}, not after {now:?}");
                    now = at;
                }
                Err(expired) => return (now, expired),
            }
        }
        panic!("the watchdog looked 1,000 times without a limit passing");
    }

    #[test]
    fn a_header_is_due_its_timeout_after_it_began() {
        let t0 = Instant::now();
        let a = activity(t0, Phase::Header { since: t0 });
        assert_eq!(
            a.next_check(&limits(10, 3), t0 + secs(8)).ok(),
            Some(t0 + secs(10))
        );
        // Looked at again before an answer given now could pass its idle timeout.
        assert_eq!(
            a.next_check(&limits(10, 3), t0 + secs(4)).ok(),
            Some(t0 + secs(7))
        );
        assert!(matches!(
            a.next_check(&limits(10, 3), t0 + secs(10)),
            Err(Expired::Header)
        ));
    }

    #[test]
    fn a_running_handler_has_no_deadline_but_is_looked_at_again() {
        let t0 = Instant::now();
        let a = activity(t0, Phase::Handling);
        assert_eq!(a.next_check(&limits(10, 3), t0).ok(), Some(t0 + secs(3)));
        assert_eq!(
            a.next_check(&limits(10, 3), t0 + secs(3600)).ok(),
            Some(t0 + secs(3603))
        );
    }

    #[test]
    fn a_quiet_connection_is_idle_after_its_timeout_unless_its_answer_is_still_moving() {
        let t0 = Instant::now();
        let a = activity(t0, Phase::Quiet { since: t0 });
        // Looked at again before a byte arriving now could pass its header timeout.
        assert_eq!(
            a.next_check(&limits(2, 10), t0 + secs(1)).ok(),
            Some(t0 + secs(3))
        );
        assert_eq!(
            a.next_check(&limits(20, 10), t0 + secs(1)).ok(),
            Some(t0 + secs(10))
        );
        // Part of the answer was written meanwhile: idle from that write on.
        a.wrote(t0 + secs(7));
        assert_eq!(
            a.next_check(&limits(20, 10), t0 + secs(10)).ok(),
            Some(t0 + secs(17))
        );
        assert!(matches!(
            a.next_check(&limits(20, 10), t0 + secs(17)),
            Err(Expired::Idle)
        ));
    }

    #[test]
    fn an_answer_written_out_just_after_it_was_given_is_idle_one_timeout_later_not_two() {
        // The handler returns its answer at t0; hyper writes it out 1 ms later, and the
        // client sends nothing more.
        let t0 = Instant::now();
        let a = activity(t0, Phase::Quiet { since: t0 });
        a.wrote(t0 + Duration::from_millis(1));
        let (closed, why) = watch(&a, &limits(10, 10), t0, &[]);
        assert!(matches!(why, Expired::Idle), "{why:?}");
        assert_eq!(closed, t0 + Duration::from_millis(10_001));
    }

    #[test]
    fn a_byte_after_an_answer_starts_the_next_header_clock() {
        let t0 = Instant::now();
        let a = activity(t0, Phase::Quiet { since: t0 });
        a.read();
        let Phase::Header { since } = *a.phase() else {
            panic!("not reading a header");
        };
        assert!(since >= t0);
        // Bytes during a request (its body) change nothing.
        a.handling();
        a.read();
        assert!(matches!(*a.phase(), Phase::Handling));
    }

    #[test]
    fn a_request_answered_while_the_watchdog_waits_for_its_header_is_idle_on_time() {
        // The watchdog first looks before hyper has read the request (header clock: 5 s); the
        // request is then read, handled and answered at once, and nothing more is sent. The
        // quiet period is due at +1.4 s: the watchdog must not sleep through it until +5 s.
        let t0 = Instant::now();
        let a = activity(t0, Phase::Header { since: t0 });
        let answered = t0 + Duration::from_millis(1000);
        let changes = [
            (t0 + Duration::from_millis(1), Phase::Handling),
            (answered, Phase::Quiet { since: answered }),
        ];
        let limits = Limits {
            header_read_timeout: secs(5),
            idle_timeout: Duration::from_millis(400),
            ..Limits::default()
        };
        let (closed, why) = watch(&a, &limits, t0, &changes);
        assert!(matches!(why, Expired::Idle), "{why:?}");
        assert!(
            closed >= answered + Duration::from_millis(400)
                && closed <= answered + Duration::from_millis(800),
            "closed {:?} after the answer",
            closed.duration_since(answered)
        );
    }

    #[test]
    fn whatever_the_phase_the_watchdog_looks_again_within_the_shorter_timeout() {
        let t0 = Instant::now();
        for (header, idle) in [(10, 3), (3, 10), (5, 5)] {
            let horizon = t0 + secs(header.min(idle));
            for phase in [
                Phase::Header { since: t0 },
                Phase::Handling,
                Phase::Quiet { since: t0 },
            ] {
                let at = activity(t0, phase)
                    .next_check(&limits(header, idle), t0)
                    .ok();
                assert!(
                    at.is_some_and(|at| at <= horizon),
                    "{phase:?} with header {header} s, idle {idle} s: looks again at {at:?}"
                );
            }
        }
    }
}
