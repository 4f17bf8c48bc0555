//! Raw HTTP/1.1 over a loopback socket, for tests of what a server does to a connection: read
//! until it closes, or read one whole answer.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Reads until the server closes the connection (EOF or reset) and gives what was read; `None`
/// if it is still open after `within`.
pub async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(buf.get(..n).unwrap_or_default()),
        }
    }
}

/// Reads one whole response that has a `content-length`, as text. Panics (failing the test)
/// when none comes within `within`, when the connection closes first, or when the header has no
/// `content-length`.
pub async fn response(stream: &mut TcpStream, within: Duration) -> String {
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 8192];
    let deadline = Instant::now() + within;
    loop {
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text
                .get(..end)
                .unwrap_or_default()
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .and_then(|v| v.trim().parse().ok())
                })
                .unwrap_or_else(|| panic!("no content-length in {text:?}"));
            if seen.len() >= end + 4 + length {
                return text;
            }
        }
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no whole response in time: {text:?}"));
        let n = read.unwrap_or_else(|e| panic!("reading failed ({e}) after {text:?}"));
        assert!(n > 0, "closed after {text:?}");
        seen.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}
