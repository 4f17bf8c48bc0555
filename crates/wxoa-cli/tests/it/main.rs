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
mod send;
mod serve;
mod shutdown;
mod smaller;
mod stats;
mod subscribe;
mod token_server;
mod users;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the built `wxoa` with `args` and `stdin`, with no WXOA_* variables from the caller.
pub fn wxoa(args: &[&str], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wxoa"));
    for (key, _) in std::env::vars() {
        if key.starts_with("WXOA_") {
            command.env_remove(key);
        }
    }
    let mut child = command
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

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/inbound/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

/// A JSON fixture of `fixtures/api/<area>/<file>`, written from the spec.
pub fn api_fixture(area: &str, file: &str) -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/api/");
    serde_json::from_slice(&std::fs::read(format!("{path}{area}/{file}")).unwrap()).unwrap()
}

/// A `wxoa` server process, killed on drop.
pub struct Spawned {
    pub child: std::process::Child,
    /// The rest of the line that announced it was ready (its URL).
    pub ready: String,
}

impl Spawned {
    /// Starts `wxoa ARGS` and waits for the line starting with `prefix` on stderr (or stdout
    /// with `on_stdout`); the stream is drained afterwards so the server never blocks on it.
    pub fn start(args: &[&str], prefix: &str, on_stdout: bool) -> Spawned {
        use std::io::{BufRead, BufReader};
        let mut command = Command::new(env!("CARGO_BIN_EXE_wxoa"));
        command.args(args).env_remove("WXOA_TOKEN_SERVER_AUTH");
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
        let mut lines = BufReader::new(stream).lines();
        let ready = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("wxoa {} exited before {prefix:?}", args[0]))
                .unwrap();
            if let Some(rest) = line.strip_prefix(prefix) {
                break rest.to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Spawned { child, ready }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
