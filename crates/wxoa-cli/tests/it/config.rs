//! `wxoa config check` and `wxoa completions`.

use crate::*;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../wxoa.toml.example");

#[test]
fn the_documented_example_is_valid_and_secrets_are_masked() {
    let out = wxoa(&["config", "check", EXAMPLE], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("configuration is valid"), "{report}");
    assert!(
        report.contains("app_id             wx0123456789abcdef  [config file]"),
        "{report}"
    );
    for secret in [
        "0123456789abcdef0123456789abcdef",
        "yourtoken",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "othertoken",
    ] {
        assert!(!report.contains(secret), "a secret was printed: {report}");
    }
    assert!(report.contains("account wxfedcba9876543210"), "{report}");
    // The server commands' keys are shown with where they come from.
    for line in [
        "header_timeout     10 s  [config file]",
        "max_connections    4096  [config file]",
        "drain_timeout      30 s  [config file]",
        "allow_plain        false  [config file]",
    ] {
        assert!(report.contains(line), "{line:?} missing: {report}");
    }
}

#[test]
fn server_keys_left_out_show_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wxoa.toml");
    std::fs::write(&file, "idle_timeout = 3\n").unwrap();
    let out = wxoa(&["config", "check", file.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("idle_timeout       3 s  [config file]"),
        "{report}"
    );
    assert!(
        report.contains("body_timeout       10 s  [default]"),
        "{report}"
    );
    assert!(
        report.contains("allow_plain        false  [default]"),
        "{report}"
    );
}

#[test]
fn the_command_line_wins_over_the_file() {
    let out = wxoa(
        &["--app-id", "wxaaaaaaaaaaaaaaaa", "config", "check", EXAMPLE],
        b"",
    );
    assert!(
        stdout(&out).contains("wxaaaaaaaaaaaaaaaa  [command line or environment]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn every_problem_is_named() {
    let dir = std::env::temp_dir().join(format!("wxoa-config-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "app_id = \"wx123\"\naes_key = \"tooshort\"\ntoken = \"has space\"\nstore = \"mongodb://x\"\napi_base = \"ftp://x\"\n",
    )
    .unwrap();
    let out = wxoa(&["config", "check", bad.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for field in ["app_id:", "aes_key:", "token:", "store:", "api_base:"] {
        assert!(err.contains(field), "{field} not named in: {err}");
    }
    assert!(
        !err.contains("tooshort"),
        "the key must not be echoed: {err}"
    );
    std::fs::write(&bad, "unknown_key = 1\n").unwrap();
    let out = wxoa(&["config", "check", bad.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown field"), "{}", stderr(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn url_passwords_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wxoa.toml");
    std::fs::write(
        &file,
        "app_id = \"wx0123456789abcdef\"\n\
         store = \"redis://:hunter2@127.0.0.1:6379/0\"\n\
         token_server = \"http://ops:hunter2@127.0.0.1:8300\"\n\
         api_base = [\"http://api:hunter2@127.0.0.1:8080\", \"http://127.0.0.1:8081\"]\n\
         mp_base = \"http://mp:hunter2@127.0.0.1:8082\"\n\
         open_base = \"http://open:hunter2@127.0.0.1:8083\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let out = wxoa(&["config", "check", path], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    for shown in [
        "redis://:***@127.0.0.1:6379/0",
        "http://ops:***@127.0.0.1:8300",
        "http://api:***@127.0.0.1:8080, http://127.0.0.1:8081",
        "http://mp:***@127.0.0.1:8082",
        "http://open:***@127.0.0.1:8083",
    ] {
        assert!(report.contains(shown), "{shown} not in: {report}");
    }
    assert!(!format!("{report}{}", stderr(&out)).contains("hunter2"));

    // The same from the command line, and in the problems named for invalid URLs.
    let out = wxoa(
        &[
            "--store",
            "mongodb://admin:hunter2@127.0.0.1",
            "--api-base",
            "ftp://api:hunter2@127.0.0.1",
            "--token-server",
            "ftp://ops:hunter2@127.0.0.1:8300",
            "config",
            "check",
            path,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let (report, err) = (stdout(&out), stderr(&out));
    for field in ["store:", "api_base:", "token_server:"] {
        assert!(err.contains(field), "{field} not named in: {err}");
    }
    assert!(err.contains("mongodb://admin:***@127.0.0.1"), "{err}");
    assert!(
        !format!("{report}{err}").contains("hunter2"),
        "{report}{err}"
    );

    // A malformed line holding a password is placed, never quoted.
    std::fs::write(&file, "store = \"redis://:hunter2@127.0.0.1\n").unwrap();
    let out = wxoa(&["config", "check", path], b"");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("malformed at line 1, column"), "{err}");
    assert!(
        !format!("{}{err}", stdout(&out)).contains("hunter2"),
        "{err}"
    );
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = wxoa(&["completions", shell], b"");
        assert_eq!(out.status.code(), Some(0));
        let script = stdout(&out);
        assert!(
            script.contains("wxoa") && script.contains("serve") && script.len() > 1000,
            "{shell}"
        );
    }
}
