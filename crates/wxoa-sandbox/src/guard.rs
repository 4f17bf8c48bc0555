//! What keeps web pages away from the control API and the console.
//!
//! A sandbox on loopback is still reachable from any web page the developer opens: a page can
//! send a cross-site "simple" request (a form post, `text/plain`), and a page on a domain whose
//! DNS answer switches to 127.0.0.1 (DNS rebinding) can even read the answers. Two checks close
//! both ways, on the control API (`/sandbox/…`) and the console (`/`, `/console/…`):
//!
//! - the `Host` must name this sandbox: `localhost` (or a `*.localhost` name, which browsers
//!   resolve to loopback themselves), a loopback address, or an address the sandbox was asked to
//!   listen on — any IP address when it listens on every interface, since only a domain name
//!   can be rebound. Anything else is refused with 403.
//! - the body of a `POST`, `PUT` or `PATCH` must be `Content-Type: application/json`, which a
//!   page can only send cross-site after a CORS preflight the sandbox never grants. Any other
//!   `Content-Type`, or a body without one, is refused with 415. (A request without a body and
//!   without a type carries nothing to act on: it goes on to its route, which refuses it.)
//!
//! The platform's own API paths are left alone: any client may point at the sandbox's address
//! under any name, as it would at the platform.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, PoisonError, RwLock};

use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The addresses the sandbox listens on, which the `Host` of a control request may name.
#[derive(Debug, Default)]
pub(crate) struct HostPolicy {
    listening: RwLock<Vec<IpAddr>>,
}

impl HostPolicy {
    /// Notes a listener: the address it was asked for and the one it got.
    pub(crate) fn listen_on(&self, asked: SocketAddr, bound: SocketAddr) {
        let mut listening = self
            .listening
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for ip in [asked.ip(), bound.ip()] {
            if !listening.contains(&ip) {
                listening.push(ip);
            }
        }
    }

    /// Whether a `Host` header value (`name`, `name:port`, `1.2.3.4:port`, `[::1]:port`) names
    /// this sandbox.
    pub(crate) fn permits(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        match name.parse::<IpAddr>().ok() {
            Some(ip) => {
                let listening = self
                    .listening
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                is_loopback(ip)
                    || listening.contains(&ip)
                    || listening.iter().any(IpAddr::is_unspecified)
            }
            None => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
        }
    }
}

/// Whether `addr` is reachable from other machines (it is not a loopback address).
pub(crate) fn is_exposed(addr: SocketAddr) -> bool {
    !is_loopback(addr.ip())
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The host part of a `Host` value, without the port (and without the brackets of an IPv6
/// address); `None` when it is malformed.
fn host_name(host: &str) -> Option<&str> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        return (after.is_empty() || is_port(after.strip_prefix(':')?)).then_some(inside);
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if is_port(port) => name,
        Some(_) => return None,
        None => host,
    };
    (!name.is_empty()).then_some(name)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a path belongs to the control API or the console.
fn is_guarded(path: &str) -> bool {
    path == "/sandbox" || path.starts_with("/sandbox/") || is_console_page(path)
}

/// Whether a `Content-Type` value is JSON (`application/json`, any parameters).
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

fn refuse(status: StatusCode, message: String) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

/// Whether a path belongs to the web console's page itself (not an API call, not logged).
pub(crate) fn is_console_page(path: &str) -> bool {
    path == "/" || path.starts_with("/console/")
}

/// The middleware: the `Host` and `Content-Type` checks of the control API and the console.
pub(crate) async fn guard(
    State(hosts): State<Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    if !is_guarded(request.uri().path()) {
        return next.run(request).await;
    }
    // An absolute-form request names its host in the URI; the header names it otherwise.
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        });
    if let Some(host) = host
        && !hosts.permits(&host)
    {
        tracing::warn!(host = %host, path = %request.uri().path(), "sandbox: control request refused: foreign Host");
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "Host {host:?} does not name this sandbox: the control API and the console answer \
                 localhost, loopback addresses and the address the sandbox listens on \
                 (a protection against DNS rebinding)"
            ),
        );
    }
    if matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    ) {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let bodiless = request.body().size_hint().exact() == Some(0);
        let refusal = match &content_type {
            Some(content_type) if !is_json(content_type) => Some(format!(
                "the control API takes Content-Type: application/json, not {content_type:?}"
            )),
            None if !bodiless => Some(
                "the control API takes Content-Type: application/json; this body has none"
                    .to_owned(),
            ),
            _ => None,
        };
        if let Some(refusal) = refusal {
            tracing::warn!(path = %request.uri().path(), "sandbox: control request refused: {refusal}");
            return refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, refusal);
        }
    }
    next.run(request).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy(listening: &[&str]) -> HostPolicy {
        let policy = HostPolicy::default();
        for addr in listening {
            let addr: SocketAddr = addr.parse().unwrap();
            policy.listen_on(addr, addr);
        }
        policy
    }

    #[test]
    fn loopback_names_and_the_listening_address_are_this_sandbox() {
        let policy = policy(&["192.168.1.5:8081"]);
        for host in [
            "localhost",
            "localhost:8081",
            "LocalHost.:8081",
            "app.localhost:8081",
            "127.0.0.1:8081",
            "127.1.2.3",
            "[::1]:8081",
            "[::1]",
            "[::ffff:127.0.0.1]:8081",
            "192.168.1.5:8081",
        ] {
            assert!(policy.permits(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8081",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8081",
            "10.0.0.1:8081",
            "[2001:db8::1]:8081",
            "",
            ":8081",
            "localhost:80a",
            "[::1",
        ] {
            assert!(!policy.permits(host), "{host}");
        }
    }

    #[test]
    fn listening_everywhere_admits_any_address_but_no_foreign_name() {
        let policy = policy(&["0.0.0.0:8081"]);
        assert!(policy.permits("10.0.0.1:8081"));
        assert!(policy.permits("[2001:db8::1]:8081"));
        assert!(!policy.permits("evil.example:8081"));
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("multipart/form-data; boundary=x"));
        assert!(!is_json(""));
    }

    #[test]
    fn only_loopback_addresses_are_private() {
        assert!(!is_exposed("127.0.0.1:1".parse().unwrap()));
        assert!(!is_exposed("[::1]:1".parse().unwrap()));
        assert!(is_exposed("0.0.0.0:1".parse().unwrap()));
        assert!(is_exposed("[::]:1".parse().unwrap()));
        assert!(is_exposed("192.168.1.5:1".parse().unwrap()));
    }
}
