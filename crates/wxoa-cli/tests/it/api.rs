//! CONTRACT §7 `wxoa api get|post PATH` against the sandbox, with the global options and exit
//! codes of CONTRACT §1. Runs here keep their token in the default file store (under the test's
//! data directory), as a user's would.

use std::process::Output;

use wxoa_testkit::{TOKEN_SERVER_AUTH, token_server, unreachable_base};

use crate::sandbox_env::Env;
use crate::{stderr, stdout};

/// `wxoa … --api-base SANDBOX ARGS` with the default token store.
fn run(env: &Env, args: &[&str]) -> Output {
    let with_base = [&["--api-base", env.sandbox.base_url()][..], args].concat();
    env.run_with(&[], &with_base)
}

/// The JSON answer of a run that must succeed.
fn json(env: &Env, args: &[&str]) -> serde_json::Value {
    let output = run(env, args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn get_prints_the_answer_and_keeps_the_token_in_the_default_file_store() {
    let env = Env::new(0);
    let args = ["api", "get", "/cgi-bin/getcallbackip"];
    let answer = json(&env, &args);
    assert_eq!(answer, serde_json::json!({"ip_list": ["127.0.0.1"]}));
    assert!(env.dir.path().join("wxoa").join("tokens.json").is_file());
    // A second process finds the token in the file: no new fetch.
    json(&env, &args);
    assert_eq!(env.control(env.sandbox.control().token_fetches()), 1);
    assert_eq!(env.calls("/cgi-bin/getcallbackip").len(), 2);
}

#[test]
fn get_sends_the_query_and_prints_a_table_on_request() {
    let env = Env::new(0);
    env.answer(
        "/cgi-bin/user/info",
        serde_json::json!({"errcode": 0, "errmsg": "ok"}),
    );
    json(
        &env,
        &[
            "api",
            "get",
            "/cgi-bin/user/info?lang=zh_CN",
            "--query",
            "openid=o 1",
        ],
    );
    // The query as the platform received it (the access token apart).
    let answer = env.sandbox.requests("/cgi-bin/user/info").pop().unwrap();
    assert_eq!(
        serde_json::json!(answer.query),
        serde_json::json!({"lang": "zh_CN", "openid": "o 1"})
    );
    let table = run(
        &env,
        &["--output", "table", "api", "get", "/cgi-bin/getcallbackip"],
    );
    assert_eq!(stdout(&table), "ip_list[0]  127.0.0.1\n");
}

#[test]
fn post_sends_the_json_body_once() {
    let env = Env::new(0);
    let body = r#"{"tag":{"name":"广东"}}"#;
    env.answer(
        "/cgi-bin/tags/create",
        serde_json::json!({"tag": {"id": 100, "name": "广东"}}),
    );
    json(
        &env,
        &["api", "post", "/cgi-bin/tags/create", "--json", body],
    );
    // What the platform received.
    let answer = env.sandbox.requests("/cgi-bin/tags/create").pop().unwrap();
    assert_eq!(
        answer.json().unwrap(),
        serde_json::json!({"tag": {"name": "广东"}})
    );
    assert_eq!(answer.method, "POST");

    // A dropped connection: the send is not replayed, and the exit code says network.
    let send = "/cgi-bin/message/custom/send";
    env.control(env.sandbox.control().faults().drop(send, 1));
    let out = run(&env, &["api", "post", send, "--json", "{}"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("may have reached the platform"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.calls(send).len(), 1);

    // --idempotent allows the retry.
    env.control(env.sandbox.control().faults().drop(send, 1));
    let ok = serde_json::json!({"errcode": 0, "errmsg": "ok"});
    env.control(env.sandbox.control().faults().json(send, ok, 1));
    json(&env, &["api", "post", send, "--json", "{}", "--idempotent"]);
    assert_eq!(env.calls(send).len(), 3);
}

#[test]
fn platform_errors_exit_1_with_the_code_its_meaning_and_what_to_do() {
    let env = Env::new(0);
    let ip = [203, 0, 113, 7].into();
    env.control(
        env.sandbox
            .control()
            .faults()
            .refuse_ip("/cgi-bin/user/get", ip, 1),
    );
    let out = run(&env, &["api", "get", "/cgi-bin/user/get"]);
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
    let env = Env::new(0);
    let refused = unreachable_base();
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
    let bases = format!("{refused},{}", env.sandbox.base_url());
    let out = env.run_with(
        &[("WXOA_API_BASE", &bases)],
        &["api", "get", "/cgi-bin/getcallbackip"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new(0);
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
        &["--api-base", env.sandbox.base_url(), "api", "get", "/x"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--app-id"), "{}", stderr(&out));
    assert_eq!(env.control(env.sandbox.control().token_fetches()), 0);
}

#[test]
fn token_server_and_memory_and_redis_stores() {
    let env = Env::new(0);
    // On the env's runtime, which outlives this test's requests.
    let server = env.block(token_server(&env.sandbox));
    let base = env.sandbox.base_url();
    let out = env.run_with(
        &[("WXOA_TOKEN_SERVER_AUTH", TOKEN_SERVER_AUTH)],
        &[
            "--api-base",
            base,
            "--token-server",
            server.base_url(),
            "--store",
            "memory",
            "api",
            "get",
            "/cgi-bin/getcallbackip",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.calls("/token"), 1);
    // The process fetched no token itself (the token server's fetches came on its listener).
    let own = env.calls("/cgi-bin/stable_token");
    assert_eq!(own.iter().filter(|c| c.listener == "api").count(), 0);
    assert!(
        !env.dir.path().join("wxoa").exists(),
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
    json(&env, &args);
    let fetches = env.control(env.sandbox.control().token_fetches());
    // A second process takes the token from Redis.
    json(&env, &args);
    assert_eq!(env.control(env.sandbox.control().token_fetches()), fetches);
}

#[test]
fn no_secret_reaches_stderr_even_at_trace_level() {
    let env = Env::new(0);
    env.control(
        env.sandbox
            .control()
            .faults()
            .error("/cgi-bin/getcallbackip", -1, 1),
    );
    env.control(
        env.sandbox
            .control()
            .faults()
            .error("/cgi-bin/user/get", 40001, u32::MAX),
    );
    let mut stderrs = String::new();
    for path in ["/cgi-bin/getcallbackip", "/cgi-bin/user/get"] {
        stderrs.push_str(&stderr(&run(&env, &["-vvv", "api", "get", path])));
    }
    assert!(stderrs.contains("DEBUG"), "verbose logs are on: {stderrs}");
    // Every secret that reached the platform: the AppSecret and the tokens.
    let mut secrets = vec![wxoa_sandbox::DEFAULT_APP_SECRET.to_owned()];
    for request in env.sandbox.all_requests() {
        secrets.extend(request.access_token);
    }
    assert!(secrets.len() > 1);
    for secret in secrets {
        assert!(!stderrs.contains(&secret), "a secret reached stderr");
    }
}
