//! The API commands against an in-process sandbox: `wxoa … --api-base SANDBOX` with the
//! sandbox's default account, its control API to set the scene, script answers and faults, and
//! read what was sent (the calls log, and the requests kept exactly).

use std::future::Future;
use std::process::{Output, Stdio};

use serde_json::{Value, json};
use wxoa_sandbox::control::{Call, InboxItem, Scripted};
use wxoa_sandbox::{ControlError, DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox, SandboxBuilder};

use crate::{stderr, stdout};

/// A sandbox served by its own runtime while the test waits for `wxoa`.
pub(crate) struct Env {
    pub(crate) sandbox: Sandbox,
    pub(crate) dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Env {
    /// A sandbox with `followers` synthetic followers.
    pub(crate) fn new(followers: u32) -> Env {
        Env::with(Sandbox::builder().followers(followers).seed(5))
    }

    pub(crate) fn with(builder: SandboxBuilder) -> Env {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(builder.keep_requests(true).start())
            .unwrap();
        Env {
            sandbox,
            dir: tempfile::tempdir().unwrap(),
            runtime,
        }
    }

    /// `wxoa --api-base SANDBOX --app-id … --app-secret … --store memory ARGS`, with none of the
    /// caller's WXOA_* variables.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        let base = ["--api-base", self.sandbox.base_url(), "--store", "memory"];
        self.run_with(&[], &[&base[..], args].concat())
    }

    /// `wxoa --app-id … --app-secret … ARGS` with `vars`, none of the caller's WXOA_* or
    /// RUST_LOG, and the test's directory as the data directory (where the default token store
    /// keeps its file).
    pub(crate) fn run_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        crate::wxoa_command()
            .env("XDG_DATA_HOME", self.dir.path())
            .envs(vars.iter().copied())
            .args([
                "--app-id",
                DEFAULT_APP_ID,
                "--app-secret",
                DEFAULT_APP_SECRET,
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The JSON printed by a run that must succeed.
    #[track_caller]
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        serde_json::from_str(&stdout(&output)).unwrap()
    }

    /// The exit code and stderr of a run that must fail.
    #[track_caller]
    pub(crate) fn fails(&self, args: &[&str]) -> (i32, String) {
        let output = self.run(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        (output.status.code().unwrap_or(-1), stderr(&output))
    }

    /// Runs a request of the sandbox's typed control client on the sandbox's runtime.
    pub(crate) fn control<T>(&self, request: impl Future<Output = Result<T, ControlError>>) -> T {
        self.runtime.block_on(request).unwrap()
    }

    /// Runs `future` on the sandbox's runtime.
    pub(crate) fn block<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }

    /// Every later call to `path` answers `body` (HTTP 200) in place of the sandbox's own
    /// answer: a response fixture written from the spec.
    pub(crate) fn answer(&self, path: &str, body: Value) {
        self.script(path, &Scripted::json(body));
    }

    /// Every later call to `path` gets `answer` (any status, headers and bytes).
    pub(crate) fn script(&self, path: &str, answer: &Scripted) {
        let faults = self.sandbox.control().faults();
        self.control(faults.answer(path, answer, u32::MAX));
    }

    /// The first `n` followers.
    pub(crate) fn followers(&self, n: usize) -> Vec<String> {
        self.control(self.sandbox.control().followers(n, 0)).openids
    }

    /// A follower sends a text message: opens their customer-service window.
    pub(crate) fn message_from(&self, openid: &str) {
        self.push(openid, json!({"MsgType": "text", "Content": "hi"}));
    }

    /// Follower `openid` pushes `message` (a message or an event) to the account.
    pub(crate) fn push(&self, openid: &str, message: Value) {
        self.control(self.sandbox.control().push(openid, message));
    }

    /// Moves the sandbox's virtual clock forward.
    pub(crate) fn advance(&self, seconds: i64) {
        self.control(self.sandbox.control().clock().advance(seconds));
    }

    /// What the console reads of analytics endpoint `name` over `begin..=end` (no token).
    pub(crate) fn datacube(&self, name: &str, begin: &str, end: &str) -> Value {
        self.control(self.sandbox.control().datacube(name, begin, end))
    }

    /// Opens a page the sandbox plays for a user (OAuth, the one-time subscription) without
    /// following its redirect; the HTTP status.
    pub(crate) fn open_page(&self, url: &str) -> u16 {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = self.runtime.block_on(http.get(url).send()).unwrap();
        response.status().as_u16()
    }

    /// Follower `openid` allows the subscription template `template_id` (the consent sheet's
    /// `subscribe_msg_popup_event`).
    pub(crate) fn consent(&self, openid: &str, template_id: &str) {
        self.control(
            self.sandbox
                .control()
                .consent(openid, &[(template_id, true)]),
        );
    }

    /// Follower `openid` comments `text` on the first article of `msg_data_id`.
    pub(crate) fn comment(&self, msg_data_id: u64, openid: &str, text: &str) -> u64 {
        self.control(self.sandbox.control().comment(msg_data_id, 0, openid, text))
    }

    /// The code follower `openid`'s consent to `scope` gives.
    pub(crate) fn oauth_code(&self, openid: &str, scope: &str) -> String {
        self.control(self.sandbox.control().oauth_code(openid, scope))
    }

    /// The next call to `path` answers `errcode`.
    pub(crate) fn fail_next(&self, path: &str, errcode: i64) {
        self.control(self.sandbox.control().faults().error(path, errcode, 1));
    }

    /// Every call the sandbox received on `path`.
    pub(crate) fn calls(&self, path: &str) -> Vec<Call> {
        self.control(self.sandbox.control().calls(path))
    }

    /// What the follower received.
    pub(crate) fn inbox(&self, openid: &str) -> Vec<InboxItem> {
        self.control(self.sandbox.control().inbox(openid))
    }

    /// A file in the test's directory with `text`; its path.
    pub(crate) fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}
