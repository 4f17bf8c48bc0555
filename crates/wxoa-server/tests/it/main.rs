//! The limits over real sockets: slow headers, stalled bodies, idle and slow-reading clients,
//! the connection cap, a handler closing its connection, and the graceful stop.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use wxoa_server::{Connection, Limits};
use wxoa_testkit::socket::{response, until_closed};

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route(
            "/sleep/{ms}",
            get(
                |axum::extract::Path(millis): axum::extract::Path<u64>| async move {
                    tokio::time::sleep(ms(millis)).await;
                    "slept"
                },
            ),
        )
        .route("/echo", post(|body: Bytes| async move { body }))
        .route("/big", get(|| async { vec![b'x'; 32 * 1024 * 1024] }))
        .route(
            "/vanish",
            get(|request: axum::extract::Request| async move {
                request.extensions().get::<Connection>().unwrap().close();
                std::future::pending::<()>().await;
                "never"
            }),
        )
}

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(limits: Limits) -> Server {
        let listener = wxoa_server::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(wxoa_server::serve(listener, app(), limits, async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }

    /// A connection whose receive buffer is small and fixed (set before connecting, which
    /// also turns off the kernel's autotuning for it): what a client that does not read can
    /// hold is then set here, not by the machine's `net.ipv4.tcp_rmem`, which may let a
    /// loopback socket buffer the whole 32 MiB answer. The server's send buffer still holds
    /// up to `net.ipv4.tcp_wmem`'s maximum (4 MiB by default), far below 32 MiB.
    async fn connect_with_small_receive_buffer(&self) -> TcpStream {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        // Linux doubles the size asked for; anything far below the answer will do.
        let size = socket.recv_buffer_size().unwrap();
        assert!(size <= 256 * 1024, "receive buffer of {size} bytes");
        socket.connect(self.addr).await.unwrap()
    }
}

fn limits(header: u64, body: u64, idle: u64, max_connections: usize) -> Limits {
    Limits {
        header_read_timeout: ms(header),
        body_read_timeout: ms(body),
        idle_timeout: ms(idle),
        max_connections,
    }
}

async fn get_ok(server: &Server) {
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = response(&mut stream, ms(2000)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn half_sent_headers_and_silent_connections_are_closed_within_the_header_timeout() {
    let server = Server::start(limits(500, 500, 500, 1000)).await;
    let started = Instant::now();
    let mut clients = Vec::new();
    for i in 0..300 {
        let mut stream = server.connect().await;
        // Every fourth connection sends nothing at all.
        if i % 4 != 0 {
            stream
                .write_all(b"GET / HTTP/1.1\r\nhost: x\r\nx-slow: ")
                .await
                .unwrap();
        }
        clients.push(stream);
    }
    let opened = started.elapsed();
    let mut waits = Vec::new();
    for mut stream in clients {
        waits.push(tokio::spawn(async move {
            let closed = until_closed(&mut stream, ms(3000)).await;
            (closed.is_some(), Instant::now())
        }));
    }
    for wait in waits {
        let (closed, at) = wait.await.unwrap();
        assert!(closed, "a slow connection was still open 3 s later");
        assert!(
            at.duration_since(started) >= ms(450),
            "closed before its header timeout"
        );
    }
    assert!(
        started.elapsed() < opened + ms(2500),
        "closing took {:?}",
        started.elapsed()
    );
    get_ok(&server).await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed() {
    // A body timeout of 1 s: the body sent in time below has 900 ms to spare for a busy
    // machine to get round to its second piece.
    let server = Server::start(limits(5000, 1000, 5000, 100)).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly ten b")
        .await
        .unwrap();
    let answer = until_closed(&mut stream, ms(3000))
        .await
        .expect("still open 3 s later");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request body timed out"), "{answer}");
    assert!(started.elapsed() >= ms(950), "{:?}", started.elapsed());
    // A body that arrives in time, in pieces, is read whole.
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nhello")
        .await
        .unwrap();
    tokio::time::sleep(ms(100)).await;
    stream.write_all(b"world").await.unwrap();
    let answer = response(&mut stream, ms(2000)).await;
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("helloworld"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = Server::start(limits(5000, 5000, 1000, 100)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = response(&mut stream, ms(2000)).await;
    let answered = Instant::now();
    // Kept alive: a second request on the same connection is served (700 ms before the
    // idle timeout, room for a busy machine to oversleep).
    tokio::time::sleep(ms(300)).await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = response(&mut stream, ms(2000)).await;
    assert!(until_closed(&mut stream, ms(3000)).await.is_some());
    // Idle from the second answer on, not from the first.
    assert!(answered.elapsed() >= ms(1250), "{:?}", answered.elapsed());
}

#[tokio::test]
async fn the_next_header_is_timed_from_its_first_byte_not_from_the_idle_period() {
    let server = Server::start(limits(300, 5000, 3000, 100)).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = response(&mut stream, ms(2000)).await;
    // Idle for longer than the header timeout, but within the idle timeout: still open.
    tokio::time::sleep(ms(600)).await;
    stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let first_byte = Instant::now();
    assert!(until_closed(&mut stream, ms(2000)).await.is_some());
    let took = first_byte.elapsed();
    assert!(
        took >= ms(250) && took < ms(1500),
        "closed {took:?} after the first byte"
    );
}

#[tokio::test]
async fn a_slow_handler_is_cut_by_no_timeout() {
    let server = Server::start(limits(300, 300, 300, 100)).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    stream
        .write_all(b"GET /sleep/1500 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = response(&mut stream, ms(4000)).await;
    assert!(answer.ends_with("slept"), "{answer}");
    assert!(started.elapsed() >= ms(1500));
}

#[tokio::test]
async fn a_client_that_does_not_take_its_answer_is_closed_after_the_idle_timeout() {
    let server = Server::start(limits(5000, 5000, 400, 100)).await;
    let mut stream = server.connect_with_small_receive_buffer().await;
    stream
        .write_all(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // Take nothing for well past the idle timeout: the answer (32 MiB) cannot all be sent,
    // and a server that does not cut the connection meanwhile sends the rest once the client
    // reads below.
    tokio::time::sleep(ms(2000)).await;
    let read = until_closed(&mut stream, ms(5000))
        .await
        .expect("still open");
    assert!(
        read.len() < 32 * 1024 * 1024,
        "the whole answer arrived ({} bytes)",
        read.len()
    );
    get_ok(&server).await;
}

#[tokio::test]
async fn a_client_taking_a_large_answer_slowly_but_steadily_is_not_cut() {
    // An idle timeout of 1 s, ten times the client's pause between reads: a busy machine
    // may delay a read, and the answer must not stop moving for a whole timeout.
    let server = Server::start(limits(5000, 5000, 1000, 100)).await;
    let mut stream = server.connect_with_small_receive_buffer().await;
    stream
        .write_all(b"GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // 1 MiB every 100 ms: 32 MiB take over 3 s, three idle timeouts, but the answer
    // keeps moving. The small receive buffer keeps the server writing all along, rather than
    // handing the whole answer to the kernel at once.
    let mut got = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let started = Instant::now();
    while got < 32 * 1024 * 1024 && started.elapsed() < ms(20_000) {
        let mut chunk = 0;
        while chunk < 1024 * 1024 && got + chunk < 32 * 1024 * 1024 {
            let n = tokio::time::timeout(ms(2000), stream.read(&mut buf))
                .await
                .expect("stalled")
                .unwrap();
            assert!(n > 0, "closed after {} bytes", got + chunk);
            chunk += n;
        }
        got += chunk;
        tokio::time::sleep(ms(100)).await;
    }
    assert!(got >= 32 * 1024 * 1024, "{got} bytes");
    assert!(started.elapsed() >= ms(3000), "{:?}", started.elapsed());
}

#[tokio::test]
async fn over_the_cap_a_connection_waits_until_a_slot_frees() {
    let server = Server::start(limits(800, 5000, 5000, 4)).await;
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut stream = server.connect().await;
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        slow.push(tokio::spawn(async move {
            assert!(until_closed(&mut stream, ms(3000)).await.is_some());
            Instant::now()
        }));
    }
    // The kernel completes the handshake; the server does not take the connection yet.
    let mut waiting = server.connect().await;
    waiting
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        tokio::time::timeout(ms(400), waiting.read(&mut buf))
            .await
            .is_err(),
        "served over the cap"
    );
    let answer = response(&mut waiting, ms(3000)).await;
    let answered = Instant::now();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Served only once the slow connections' header timeout (800 ms) freed their slots.
    assert!(
        answered.duration_since(started) >= ms(750),
        "answered {:?} after the slots were taken",
        answered.duration_since(started)
    );
    for task in slow {
        let closed = task.await.unwrap();
        assert!(closed.duration_since(started) >= ms(750));
    }
}

#[tokio::test]
async fn a_handler_can_close_its_connection_without_an_answer() {
    let server = Server::start(Limits::default()).await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"GET /vanish HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let read = until_closed(&mut stream, ms(2000))
        .await
        .expect("still open");
    assert!(read.is_empty(), "{read:?}");
}

#[tokio::test]
async fn stopping_finishes_requests_in_flight_closes_the_rest_and_refuses_new_ones() {
    let mut server = Server::start(limits(5000, 5000, 5000, 100)).await;
    // An idle kept-alive connection, a silent one, and a request in flight.
    let mut idle = server.connect().await;
    idle.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let _ = response(&mut idle, ms(2000)).await;
    let mut silent = server.connect().await;
    let mut busy = server.connect().await;
    // The handler ends 1.8 s after the stop: closing the others within 1 s is "at once",
    // not "after the request in flight", with room for a busy machine.
    busy.write_all(b"GET /sleep/2000 HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(ms(200)).await;
    let stopped = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    assert!(
        until_closed(&mut idle, ms(1000)).await.is_some(),
        "idle kept"
    );
    assert!(
        until_closed(&mut silent, ms(1000)).await.is_some(),
        "silent kept"
    );
    let answer = response(&mut busy, ms(4000)).await;
    assert!(answer.ends_with("slept"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    tokio::time::timeout(ms(2000), &mut server.task)
        .await
        .expect("serve did not return")
        .unwrap();
    assert!(stopped.elapsed() < ms(4000));
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "still accepting"
    );
}

#[tokio::test]
async fn duration_max_turns_a_limit_off_without_overflowing_the_clock() {
    let server = Server::start(Limits {
        header_read_timeout: Duration::MAX,
        body_read_timeout: Duration::MAX,
        idle_timeout: Duration::MAX,
        max_connections: usize::MAX,
    })
    .await;
    let mut stream = server.connect().await;
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nab")
        .await
        .unwrap();
    tokio::time::sleep(ms(100)).await;
    stream.write_all(b"cd").await.unwrap();
    let answer = response(&mut stream, ms(2000)).await;
    assert!(answer.ends_with("abcd"), "{answer}");
    assert!(until_closed(&mut stream, ms(300)).await.is_none(), "closed");
}

#[tokio::test]
async fn a_burst_of_connections_waits_in_the_backlog_instead_of_being_dropped() {
    // Nothing accepts: every connection waits in the kernel's backlog. With the 128 of a
    // plain bind, the 130th SYN would be dropped and its connect retried only a second later.
    let listener = wxoa_server::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut waiting = Vec::new();
    for i in 0..600 {
        let connected = tokio::time::timeout(ms(500), TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("connection {i} was not taken into the backlog"))
            .unwrap();
        waiting.push(connected);
    }
    drop(listener);
}
