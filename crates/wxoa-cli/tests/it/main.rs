#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod api;
mod card;
mod card_member;
mod comment;
mod component_keeper;
mod component_tokens;
mod config;
mod demo;
mod doctor;
mod fleet;
mod limits;
mod mass;
mod media;
mod menu;
mod metrics;
mod misc;
mod oauth;
mod outbox;
mod protocol_tools;
mod publish;
mod qrcode;
mod redaction;
mod sandbox;
mod sandbox_env;
mod sandbox_rules;
mod send;
mod serve;
mod shutdown;
mod smaller;
mod stats;
mod stats_rules;
mod subscribe;
mod token_server;
mod users;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The built `wxoa`, with no WXOA_* variable and no RUST_LOG from the caller: a run sees only
/// the configuration its test gives it.
pub fn wxoa_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wxoa"));
    for (key, _) in std::env::vars() {
        if key.starts_with("WXOA_") || key == "RUST_LOG" {
            command.env_remove(key);
        }
    }
    command
}

/// Runs the built `wxoa` with `args` and `stdin` ([`wxoa_command`]).
pub fn wxoa(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = wxoa_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may stop reading early (an oversized input): a broken pipe is expected then.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// An HTTP client for the loopback servers the tests start: proxies in the environment unused.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The bytes of `fixtures/inbound/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    wxoa_testkit::fixtures::inbound(name).into_bytes()
}

/// A JSON fixture of `fixtures/api/<area>/<file>`, written from the spec.
pub use wxoa_testkit::fixtures::fixture as api_fixture;

/// How long a server process may take to announce that it is ready.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// A `wxoa` server process, killed on drop, with the lines it printed on the stream it
/// announces itself on kept.
pub struct Spawned {
    pub child: Child,
    /// The rest of the line that announced it was ready (its URL).
    pub ready: String,
    log: Arc<Mutex<String>>,
}

impl Spawned {
    /// Starts `wxoa ARGS` and waits for the line starting with `prefix` on stderr (or stdout
    /// with `on_stdout`).
    pub fn start(args: &[&str], prefix: &str, on_stdout: bool) -> Spawned {
        let mut command = wxoa_command();
        command.args(args);
        Spawned::start_command(command, prefix, on_stdout)
    }

    /// Starts `command` (a [`wxoa_command`] with its arguments and environment) and waits for
    /// the line starting with `prefix` on stderr (or stdout with `on_stdout`); the stream is
    /// read to its end afterwards, so the server never blocks on it, and kept ([`Self::log`]).
    /// Panics (failing the test) when the process exits or stays silent for 30 s first.
    pub fn start_command(mut command: Command, prefix: &str, on_stdout: bool) -> Spawned {
        if on_stdout {
            command.stdout(Stdio::piped()).stderr(Stdio::null());
        } else {
            command.stdout(Stdio::null()).stderr(Stdio::piped());
        }
        let mut child = command.spawn().unwrap();
        let stream: Box<dyn std::io::Read + Send> = if on_stdout {
            Box::new(child.stdout.take().unwrap())
        } else {
            Box::new(child.stderr.take().unwrap())
        };
        let log = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let kept = Arc::clone(&log);
        let wanted = prefix.to_owned();
        std::thread::spawn(move || {
            let mut ready_tx = Some(ready_tx);
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix(wanted.as_str())
                    && let Some(ready) = ready_tx.take()
                {
                    let _ = ready.send(rest.to_owned());
                }
                let mut kept = kept.lock().unwrap();
                kept.push_str(&line);
                kept.push('\n');
            }
        });
        let ready = ready_rx.recv_timeout(READY_WITHIN).unwrap_or_else(|_| {
            panic!(
                "wxoa did not print {prefix:?} (it exited, or took over {READY_WITHIN:?}):\n{}",
                log.lock().unwrap()
            )
        });
        Spawned { child, ready, log }
    }

    /// What it printed so far on the stream it announced itself on.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends a real SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
    }

    /// SIGKILL: no drain, nothing recorded, the process gone at once.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits (without blocking the runtime) for the process to exit; its status. Panics
    /// (failing the test) when it still runs after `limit`.
    pub async fn exited_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("wxoa still running {limit:?} later:\n{}", self.log())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
