//! Serves an axum [`Router`] on a [`TcpListener`] with the limits a server facing the network
//! needs, so that slow or idle clients cannot hold it: every wxoa server (`wxoa serve`,
//! `wxoa token-server`, `wxoa sandbox`, `wxoa demo` and the sandbox library) runs on it.
//!
//! - **Header-read timeout**: a new connection must deliver a complete request header within
//!   [`Limits::header_read_timeout`] of being accepted; on a kept-alive connection the clock
//!   starts at the first byte of the next request.
//! - **Body-read timeout**: a request's whole body must arrive within
//!   [`Limits::body_read_timeout`] of the end of its header. A body that stalls is answered
//!   `408 Request Timeout` (whatever the handler made of the failed read) and the connection
//!   is closed.
//! - **Idle timeout**: a connection on which nothing moves for [`Limits::idle_timeout`] while no
//!   handler is running — between requests, or while a client does not take its answer — is
//!   closed. It never runs while a handler is working, however long that takes.
//! - **Connection cap**: at most [`Limits::max_connections`] connections are open at once. At
//!   the cap the server stops accepting: new connections wait in the kernel's listen backlog
//!   and are served as soon as a slot frees (slow clients free theirs within the timeouts).
//!   [`bind`] makes that backlog 1,024 deep ([`LISTEN_BACKLOG`]) instead of the usual 128.
//!
//! When the `shutdown` future completes, [`serve`] stops accepting (the listening socket is
//! closed), closes idle connections, lets requests in flight finish, and returns once every
//! connection is closed. Dropping the future returned by [`serve`] closes every connection at
//! once, so a caller bounds that drain by dropping it after a deadline.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::time::Duration;
//!
//! use wxoa_server::{Limits, serve};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
//! let limits = Limits {
//!     idle_timeout: Duration::from_secs(5),
//!     ..Limits::default()
//! };
//! // Serves until the shutdown future completes (here: never).
//! serve(listener, app, limits, std::future::pending()).await;
//! # Ok(()) }
//! ```
//!
//! Module map:
//! - `connection`: one task per connection — the socket watched for progress, the phase the
//!   connection is in, and the watchdog that closes it when a limit passes.
//! - `body`: the request body with its deadline, and the `408` answer.
//! - `descriptors`: fitting the connection cap under the process's open-file limit.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

mod body;
mod connection;
mod descriptors;

pub use connection::Connection;
pub use descriptors::RESERVED_DESCRIPTORS;

/// Default [`Limits::header_read_timeout`]: 10 s. A complete request header is a few hundred
/// bytes that a real client sends in one write; ten seconds covers a congested mobile link
/// many times over, and keeps a half-sent header well within the 20 s the contract allows.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`Limits::body_read_timeout`]: 10 s for the whole body. The webhook takes at most
/// 64 KiB and the token server a few hundred bytes; even the sandbox's largest upload (10 MB of
/// media) arrives in well under a second on the loopback interface it is meant for.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`Limits::idle_timeout`]: 10 s. Long enough for the platform or a client pool to
/// reuse a connection for its next request in a burst, short enough that idle keep-alive
/// connections do not pile up against the connection cap.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Default [`Limits::max_connections`]: 4,096. An open connection costs a file descriptor and
/// some 20–60 KiB (buffers, task, kernel socket), so 4,096 stay around 100–250 MiB even when
/// every one is held by a slow client — while being far more than the platform's pushes, a
/// fleet's token requests or a test suite ever keep open at once. It also fits, with
/// [`RESERVED_DESCRIPTORS`] to spare, under the open-file limits servers commonly get (the
/// soft limit is raised to the hard one at start, see [`Limits::fit_open_file_limit`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// The limits of one server. Each timeout must be more than zero (a zero timeout closes every
/// connection at once); `Duration::MAX` turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a connection has to deliver a complete request header: from its acceptance for
    /// the first request, from the first byte of the request on a kept-alive connection.
    pub header_read_timeout: Duration,
    /// How long a request's whole body may take to arrive, from the end of its header.
    pub body_read_timeout: Duration,
    /// How long a connection may go with nothing read or written while no handler is running
    /// (between requests, or while its client does not take the answer).
    pub idle_timeout: Duration,
    /// How many connections may be open at once; at the cap, new ones wait to be accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// How many accepted-but-not-taken connections the kernel keeps per listener of [`bind`]
/// (capped by the system's `net.core.somaxconn`). At the connection cap, new connections wait
/// here; `std` and tokio listen with 128, which a burst of pushes overflows — the kernel then
/// drops SYNs and clients retry only after 1, 3, 7 s.
pub const LISTEN_BACKLOG: u32 = 1024;

/// Binds a listening socket on the first address `addr` resolves to that can be bound, with a
/// listen backlog of [`LISTEN_BACKLOG`] (and `SO_REUSEADDR` on Unix, as tokio's own `bind`).
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = wxoa_server::bind("127.0.0.1:8080").await?;
/// # Ok(()) }
/// ```
pub async fn bind(addr: impl tokio::net::ToSocketAddrs) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()
        } else {
            tokio::net::TcpSocket::new_v6()
        };
        let bound = socket.and_then(|socket| {
            #[cfg(unix)]
            socket.set_reuseaddr(true)?;
            socket.bind(addr)?;
            socket.listen(LISTEN_BACKLOG)
        });
        match bound {
            Ok(listener) => return Ok(listener),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    }))
}

/// Errors a request body can fail with, besides the connection's own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The whole body did not arrive within [`Limits::body_read_timeout`]; the client is
    /// answered `408 Request Timeout` whatever the handler answers.
    #[error(
        "request body timed out: the client did not send the whole body within {} s of its header",
        limit.as_secs_f64()
    )]
    BodyReadTimeout {
        /// The limit that passed.
        limit: Duration,
    },
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then stops
/// accepting, closes idle connections, lets requests in flight finish and returns once every
/// connection is closed (connections still sending a request are cut by the timeouts).
///
/// Every request carries a [`Connection`] extension with which its handler can close the
/// connection without an answer. Dropping the returned future closes every connection.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let server = tokio::spawn(wxoa_server::serve(
///     listener,
///     axum::Router::new(),
///     wxoa_server::Limits::default(),
///     async move {
///         let _ = stopped.await;
///     },
/// ));
/// let _ = stop.send(());
/// let _ = server.await;
/// # Ok(()) }
/// ```
pub async fn serve<F>(listener: TcpListener, router: Router, limits: Limits, shutdown: F)
where
    F: Future<Output = ()>,
{
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let live = Arc::new(connection::Live::default());
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        while let Some(ended) = connections.try_join_next() {
            report(ended);
        }
        // A slot first, then a connection: at the cap, new connections wait in the listen
        // backlog — rather than being accepted and dropped — and are served once a slot frees.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        connections.spawn(connection::run(
            stream,
            router.clone(),
            limits,
            permit,
            Arc::clone(&live),
        ));
    }
    // Closing the listening socket refuses new connections at once.
    drop(listener);
    live.stop();
    while let Some(ended) = connections.join_next().await {
        report(ended);
    }
}

/// A connection's task ended: a panic in a handler is reported, not lost.
fn report(ended: Result<(), tokio::task::JoinError>) {
    if let Err(error) = ended
        && error.is_panic()
    {
        tracing::error!(%error, "a connection's task panicked");
    }
}

/// After a failed `accept`: a connection reset before it was taken is its client's affair;
/// anything else (out of file descriptors, mostly) gets a short pause rather than a busy loop.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    ) {
        tracing::debug!(%error, "a connection was lost before it was accepted");
        return;
    }
    tracing::warn!(%error, "accept failed; retrying in 50 ms");
    tokio::time::sleep(Duration::from_millis(50)).await;
}
