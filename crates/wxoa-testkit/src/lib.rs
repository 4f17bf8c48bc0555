//! Test support shared by the wxoa crates: a Redis for a test (this file), free loopback ports,
//! the clock in Unix seconds, the repository's fixtures (`fixtures.rs`), an application served
//! with its requests counted (`served.rs`), raw-socket reads (`socket.rs`) and, with the feature `token-server`, the project's token server fetching from
//! a sandbox (`token_server.rs`).
//!
//! Redis tests follow one rule: use `REDIS_URL` when it is set; otherwise start a private
//! `redis-server` on a free port (stopped when the handle drops); if neither is possible, fail
//! when `CI` is set and skip loudly otherwise.

pub mod fixtures;
mod served;
pub mod socket;
#[cfg(feature = "token-server")]
mod token_server;

pub use served::Served;
#[cfg(feature = "token-server")]
pub use token_server::{TOKEN_SERVER_AUTH, TOKEN_SERVER_LISTENER, token_server};

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on 127.0.0.1 (bound once, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// The wall clock in Unix seconds: what the platform puts in a push's `timestamp`.
pub fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// A base URL on 127.0.0.1 on which nothing listens: connections to it are refused.
pub fn unreachable_base() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// Why a private Redis could not be had or driven.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// `redis-server` could not be started (not installed, for one).
    #[error("cannot start redis-server: {0}")]
    Spawn(#[source] std::io::Error),
    /// The server started but did not listen in time.
    #[error("redis-server did not listen on port {port} within 5 s")]
    NotListening {
        /// Its port.
        port: u16,
    },
    /// Pausing or restarting asked of a shared `REDIS_URL` server, which a test must not do.
    #[error("only a private server can be {action}")]
    NotPrivate {
        /// `paused` or `restarted`.
        action: Action,
    },
    /// The server could not be reached.
    #[error("cannot reach redis-server on port {port}: {source}")]
    Connect {
        /// Its port.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A command could not be sent or its answer read.
    #[error("{command:?} failed: {source}")]
    Command {
        /// The command and its arguments.
        command: Vec<String>,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A command answered something else than `+OK`.
    #[error("{command:?} answered {answer:?}")]
    Answer {
        /// The command and its arguments.
        command: Vec<String>,
        /// The answer's first line.
        answer: String,
    },
}

/// What only a private server allows, in [`RedisError::NotPrivate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// [`Redis::pause`].
    Pause,
    /// [`Redis::restart`].
    Restart,
    /// [`Redis::flush_all`].
    Flush,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Pause => "paused",
            Action::Restart => "restarted",
            Action::Flush => "flushed",
        })
    }
}

/// A Redis for a test. Dropping it stops a private server.
#[derive(Debug)]
pub struct Redis {
    url: String,
    port: Option<u16>,
    child: Option<Child>,
}

impl Redis {
    /// `REDIS_URL`, or a private server, or `None` after printing why the test is skipped.
    /// Panics when `CI` is set and no Redis can be had: CI must run every Redis test.
    pub fn start() -> Option<Redis> {
        if let Ok(url) = std::env::var("REDIS_URL")
            && !url.is_empty()
        {
            return Some(Redis {
                url,
                port: None,
                child: None,
            });
        }
        match Self::private() {
            Ok(redis) => Some(redis),
            Err(why) => {
                if std::env::var_os("CI").is_some() {
                    panic!("CI is set but no Redis is available: {why}");
                }
                eprintln!(
                    "\n*** SKIPPED: this test needs Redis ({why}); set REDIS_URL or install redis-server ***\n"
                );
                None
            }
        }
    }

    /// A private server, or `None` after printing why the test is skipped; panics when `CI` is
    /// set and none can be started. For tests that stop, restart or pause their Redis, which
    /// they must never do to a shared `REDIS_URL` server.
    pub fn start_private() -> Option<Redis> {
        match Self::private() {
            Ok(redis) => Some(redis),
            Err(why) if std::env::var_os("CI").is_some() => {
                panic!("CI is set but no private Redis can be started: {why}")
            }
            Err(why) => {
                eprintln!(
                    "\n*** SKIPPED: this test needs a private redis-server ({why}); install redis-server ***\n"
                );
                None
            }
        }
    }

    /// A private server that this test owns (needed to stop and restart it).
    pub fn private() -> Result<Redis, RedisError> {
        let port = free_port();
        let child = spawn(port)?;
        Ok(Redis {
            url: format!("redis://127.0.0.1:{port}/"),
            port: Some(port),
            child: Some(child),
        })
    }

    /// The URL to connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops a private server (a shared `REDIS_URL` server cannot be stopped).
    pub fn stop(&mut self) -> bool {
        match self.child.take() {
            Some(mut child) => {
                let _ = child.kill();
                let _ = child.wait();
                true
            }
            None => false,
        }
    }

    /// Stalls a private server for `duration` with `CLIENT PAUSE … ALL`: connections stay open
    /// and new ones are accepted, but no command is answered until the pause ends — a Redis
    /// that hangs, as opposed to one that is gone. (The pause cannot be ended early: `CLIENT
    /// UNPAUSE` waits behind it like any command.)
    pub fn pause(&self, duration: Duration) -> Result<(), RedisError> {
        let millis = duration.as_millis().to_string();
        self.command(Action::Pause, &["CLIENT", "PAUSE", &millis, "ALL"])
    }

    /// Empties a private server (`FLUSHALL`): every key gone at once, as an operator's mistake
    /// or a restart without persistence leaves it.
    pub fn flush_all(&self) -> Result<(), RedisError> {
        self.command(Action::Flush, &["FLUSHALL"])
    }

    /// Sends one command to a private server and expects `+OK`.
    fn command(&self, action: Action, args: &[&str]) -> Result<(), RedisError> {
        use std::io::{BufRead, BufReader, Write};
        let port = self.port.ok_or(RedisError::NotPrivate { action })?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&address, Duration::from_secs(2))
            .map_err(|source| RedisError::Connect { port, source })?;
        let failed = |source| RedisError::Command {
            command: args.iter().map(|a| (*a).to_owned()).collect(),
            source,
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(failed)?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        (&stream).write_all(request.as_bytes()).map_err(failed)?;
        let mut reply = String::new();
        BufReader::new(&stream)
            .read_line(&mut reply)
            .map_err(failed)?;
        match reply.trim_end() {
            "+OK" => Ok(()),
            other => Err(RedisError::Answer {
                command: args.iter().map(|a| (*a).to_owned()).collect(),
                answer: other.to_owned(),
            }),
        }
    }

    /// Starts a stopped private server again on the same port.
    pub fn restart(&mut self) -> Result<(), RedisError> {
        let port = self.port.ok_or(RedisError::NotPrivate {
            action: Action::Restart,
        })?;
        self.stop();
        self.child = Some(spawn(port)?);
        Ok(())
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(port: u16) -> Result<Child, RedisError> {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(RedisError::Spawn)?;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(RedisError::NotListening { port })
}
