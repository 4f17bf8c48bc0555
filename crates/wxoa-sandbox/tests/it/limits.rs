//! The builder's limits hold on every listener: slow clients are closed, a stalled upload is
//! answered 408, and the sandbox keeps serving.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wxoa_sandbox::{Limits, Sandbox};

/// Reads until the sandbox closes the connection; `None` if it is still open after `within`.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn slow_clients_are_closed_on_every_listener_and_the_sandbox_keeps_serving() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(500),
        body_read_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_millis(500),
        max_connections: 100,
    };
    let sandbox = Sandbox::builder().limits(limits).start().await.unwrap();
    let api2 = sandbox.start_api2().await.unwrap();
    for base in [sandbox.base_url().to_owned(), api2.clone()] {
        let addr = base.trim_start_matches("http://");
        let mut slow = Vec::new();
        for _ in 0..20 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream
                .write_all(b"GET /cgi-bin/token HTTP/1.1\r\n")
                .await
                .unwrap();
            slow.push(stream);
        }
        for mut stream in slow {
            assert!(
                until_closed(&mut stream, Duration::from_secs(3))
                    .await
                    .is_some(),
                "a half-sent header on {base} was still open 3 s later"
            );
        }
        // An upload that stalls is refused as too slow, not as too large.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                b"POST /cgi-bin/media/upload?access_token=x&type=image HTTP/1.1\r\nhost: x\r\n\
                  content-type: multipart/form-data; boundary=b\r\ncontent-length: 5000\r\n\r\n--b\r\n",
            )
            .await
            .unwrap();
        let answer = until_closed(&mut stream, Duration::from_secs(3))
            .await
            .expect("a stalled upload was still open 3 s later");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        let ip = reqwest::get(format!("{base}/cgi-bin/getcallbackip?access_token=x"))
            .await
            .unwrap();
        assert_eq!(ip.status(), 200, "{base} still serves");
    }
    sandbox.shutdown().await.unwrap();
}
