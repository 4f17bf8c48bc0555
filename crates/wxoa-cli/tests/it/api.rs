//! CONTRACT §7 `wxoa api get|post PATH` against the client's stub platform, with the global
//! options and exit codes of CONTRACT §1.

use std::process::{Command, Output, Stdio};

use wxoa_client::testing::{
    Fault, STUB_APP_ID, STUB_APP_SECRET, STUB_TOKEN_SERVER_AUTH, StubPlatform,
};

use crate::{stderr, stdout};

/// A stub platform (served by its own runtime while the test waits for `wxoa`) and a private
/// data directory for the default token store.
pub(crate) struct Env {
    pub(crate) stub: StubPlatform,
    pub(crate) home: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl Env {
    pub(crate) fn new() -> Env {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let stub = runtime.block_on(StubPlatform::start()).unwrap();
        Env {
            stub,
            home: tempfile::tempdir().unwrap(),
            _runtime: runtime,
        }
    }

    /// `wxoa --app-id … --app-secret … ARGS` with `vars` and none of the caller's WXOA_*.
    pub(crate) fn run_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wxoa"));
        for (key, _) in std::env::vars() {
            if key.starts_with("WXOA_") {
                command.env_remove(key);
            }
        }
        command
            .env("XDG_DATA_HOME", self.home.path())
            .envs(vars.iter().copied())
            .args(["--app-id", STUB_APP_ID, "--app-secret", STUB_APP_SECRET])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `wxoa … --api-base STUB ARGS`.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        let with_base = [&["--api-base", self.stub.base_url()][..], args].concat();
        self.run_with(&[], &with_base)
    }

    /// The JSON answer of a run that must succeed.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let output = self.run(args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    }
}

#[test]
fn get_prints_the_answer_and_keeps_the_token_in_the_default_file_store() {
    let env = Env::new();
    let args = ["api", "get", "/cgi-bin/getcallbackip"];
    let answer = env.json(&args);
    assert_eq!(answer, serde_json::json!({"ip_list": ["127.0.0.1"]}));
    assert!(env.home.path().join("wxoa").join("tokens.json").is_file());
    // A second process finds the token in the file: no new fetch.
    env.json(&args);
    assert_eq!(env.stub.token_fetches(), 1);
    assert_eq!(env.stub.calls("/cgi-bin/getcallbackip"), 2);
}

#[test]
fn get_sends_the_query_and_prints_a_table_on_request() {
    let env = Env::new();
    let answer = env.json(&[
        "api",
        "get",
        "/cgi-bin/user/info?lang=zh_CN",
        "--query",
        "openid=o 1",
    ]);
    assert_eq!(
        answer["query"],
        serde_json::json!({"lang": "zh_CN", "openid": "o 1"})
    );
    let table = env.run(&["--output", "table", "api", "get", "/cgi-bin/getcallbackip"]);
    assert_eq!(stdout(&table), "ip_list[0]  127.0.0.1\n");
}

#[test]
fn post_sends_the_json_body_once() {
    let env = Env::new();
    let body = r#"{"tag":{"name":"广东"}}"#;
    let answer = env.json(&["api", "post", "/cgi-bin/tags/create", "--json", body]);
    assert_eq!(answer["body"], serde_json::json!({"tag": {"name": "广东"}}));
    assert_eq!(answer["method"], "POST");

    // A dropped connection: the send is not replayed, and the exit code says network.
    let send = "/cgi-bin/message/custom/send";
    env.stub.fault(send, Fault::Drop, 1);
    let out = env.run(&["api", "post", send, "--json", "{}"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("may have reached the platform"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.stub.calls(send), 1);

    // --idempotent allows the retry.
    env.stub.fault(send, Fault::Drop, 1);
    env.json(&["api", "post", send, "--json", "{}", "--idempotent"]);
    assert_eq!(env.stub.calls(send), 3);
}

#[test]
fn platform_errors_exit_1_with_the_code_its_meaning_and_what_to_do() {
    let env = Env::new();
    env.stub
        .fault("/cgi-bin/user/get", Fault::ErrCode(40164), 1);
    let out = env.run(&["api", "get", "/cgi-bin/user/get"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "40164",
        "not in the IP whitelist",
        "白名单",
        "203.0.113.7",
        "what to do",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from {err}");
    }
    assert!(stdout(&out).is_empty());
}

#[test]
fn network_failures_exit_3_and_failover_hosts_come_from_the_environment() {
    let env = Env::new();
    let refused = StubPlatform::unreachable_base().unwrap();
    let out = env.run_with(
        &[],
        &[
            "--api-base",
            &refused,
            "api",
            "get",
            "/cgi-bin/getcallbackip",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("network failure"), "{}", stderr(&out));

    // WXOA_API_BASE: the primary refuses, the failover host answers.
    let bases = format!("{refused},{}", env.stub.base_url());
    let out = env.run_with(
        &[("WXOA_API_BASE", &bases)],
        &["api", "get", "/cgi-bin/getcallbackip"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    let cases: [&[&str]; 5] = [
        &["--store", "sqlite://x", "api", "get", "/x"],
        &["api", "post", "/x", "--json", "{not json"],
        &["api", "get", "cgi-bin/no-slash"],
        &["api", "get", "/x", "--query", "novalue"],
        &["api", "get", "/x", "--json", "{}"],
    ];
    for args in cases {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = env.run_with(&[], &["--api-base", "ftp://x", "api", "get", "/x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // No AppID at all.
    let out = crate::wxoa(
        &["--api-base", env.stub.base_url(), "api", "get", "/x"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--app-id"), "{}", stderr(&out));
    assert_eq!(env.stub.token_fetches(), 0);
}

#[test]
fn token_server_and_memory_and_redis_stores() {
    let env = Env::new();
    let base = env.stub.base_url();
    let out = env.run_with(
        &[("WXOA_TOKEN_SERVER_AUTH", STUB_TOKEN_SERVER_AUTH)],
        &[
            "--api-base",
            base,
            "--token-server",
            base,
            "--store",
            "memory",
            "api",
            "get",
            "/cgi-bin/getcallbackip",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.stub.calls("/token"), 1);
    assert_eq!(env.stub.calls("/cgi-bin/stable_token"), 0);
    assert!(
        !env.home.path().join("wxoa").exists(),
        "--store memory writes no file"
    );

    let Some(redis) = wxoa_testkit::Redis::start() else {
        return;
    };
    let args = [
        "--store",
        redis.url(),
        "api",
        "get",
        "/cgi-bin/getcallbackip",
    ];
    env.json(&args);
    let fetches = env.stub.token_fetches();
    // A second process takes the token from Redis.
    env.json(&args);
    assert_eq!(env.stub.token_fetches(), fetches);
}

#[test]
fn no_secret_reaches_stderr_even_at_trace_level() {
    let env = Env::new();
    env.stub
        .fault("/cgi-bin/getcallbackip", Fault::ErrCode(-1), 1);
    env.stub
        .fault("/cgi-bin/user/get", Fault::ErrCode(40001), usize::MAX);
    let mut stderrs = String::new();
    for path in ["/cgi-bin/getcallbackip", "/cgi-bin/user/get"] {
        stderrs.push_str(&stderr(&env.run(&["-vvv", "api", "get", path])));
    }
    assert!(stderrs.contains("DEBUG"), "verbose logs are on: {stderrs}");
    for secret in env.stub.secrets() {
        assert!(!stderrs.contains(&secret), "a secret reached stderr");
    }
}
