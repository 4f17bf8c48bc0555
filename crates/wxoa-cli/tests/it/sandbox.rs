//! CONTRACT §4: `wxoa sandbox` prints its base URL, serves the platform and the control API,
//! keeps its state file, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;
use wxoa_sandbox::Control;
use wxoa_sandbox::control::PushOutcome;

use crate::Spawned;

/// A running `wxoa sandbox` and its base URL.
pub(crate) struct Running {
    process: Spawned,
    pub(crate) base: String,
}

impl Running {
    pub(crate) fn start(extra: &[&str]) -> Running {
        let args = [&["sandbox", "--listen", "127.0.0.1:0"][..], extra].concat();
        // Its first line on stdout is its base URL.
        let process = Spawned::start(&args, "", true);
        let base = process.ready.clone();
        Running { process, base }
    }

    /// Sends SIGTERM and returns whether the process exited with 0.
    fn terminate(mut self) -> bool {
        self.process.terminate();
        self.process.child.wait().unwrap().success()
    }
}

/// The JSON answer of `GET url`.
pub(crate) async fn get(url: &str) -> Value {
    json_answer(crate::http().get(url)).await
}

/// The JSON answer of `POST url` with a JSON body.
pub(crate) async fn post(url: &str, body: &Value) -> Value {
    json_answer(crate::http().post(url).json(body)).await
}

/// The JSON answer of a request.
async fn json_answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_sandbox_serves_the_api_and_the_control_api() {
    let running = Running::start(&["--followers", "5", "--seed", "3"]);
    assert!(
        running.base.starts_with("http://127.0.0.1:"),
        "{}",
        running.base
    );
    let control = Control::new(&running.base).unwrap();
    let followers = control.followers(10, 0).await.unwrap();
    assert_eq!(followers.total, 5);
    let token = get(&format!(
        "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
        running.base,
        wxoa_sandbox::DEFAULT_APP_ID,
        wxoa_sandbox::DEFAULT_APP_SECRET
    ))
    .await;
    assert_eq!(token["expires_in"], 7200);
    assert!(running.terminate(), "SIGTERM stops it with status 0");
}

#[test]
fn a_sigterm_right_after_the_url_is_printed_still_stops_it_cleanly() {
    // The handlers are registered before the URL is printed: a supervisor that stops the
    // sandbox the moment it is ready must see a clean exit, not death by signal.
    for _ in 0..5 {
        let running = Running::start(&["--followers", "1"]);
        assert!(
            running.terminate(),
            "SIGTERM at once stops it with status 0"
        );
    }
}

#[tokio::test]
async fn the_account_and_the_state_file_come_from_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state = state.to_str().unwrap();
    let app_id = "wx1111111111111111";
    let secret = "22222222222222222222222222222222";
    let args = [
        "--app-id",
        app_id,
        "--app-secret",
        secret,
        "--state",
        state,
        "--followers",
        "2",
    ];
    let running = Running::start(&args);
    let token = get(&format!(
        "{}/cgi-bin/token?grant_type=client_credential&appid={app_id}&secret={secret}",
        running.base
    ))
    .await;
    assert!(token["access_token"].is_string(), "{token}");
    assert!(running.terminate());
    assert!(std::path::Path::new(state).exists());
}

#[test]
fn an_appid_without_its_secret_is_a_usage_error() {
    let output = crate::wxoa(
        &[
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--app-id",
            "wx1111111111111111",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_mode_without_a_webhook_is_a_usage_error() {
    let output = crate::wxoa(
        &["sandbox", "--listen", "127.0.0.1:0", "--mode", "safe"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_webhook_needs_a_token() {
    let output = crate::wxoa(
        &[
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--webhook",
            "http://127.0.0.1:1/wechat",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
}

/// A webhook on loopback that answers `success` and counts the pushes it received.
async fn counting_hook() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let count = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/wechat",
        axum::routing::post({
            let count = Arc::clone(&count);
            move || {
                count.fetch_add(1, Ordering::SeqCst);
                async { "success" }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/wechat"), count)
}

#[tokio::test]
async fn a_repeated_webhook_spreads_pushes_round_robin() {
    use std::sync::atomic::Ordering;
    let (a, a_count) = counting_hook().await;
    let (b, b_count) = counting_hook().await;
    let running = Running::start(&[
        "--followers",
        "1",
        "--token",
        "token",
        "--webhook",
        &a,
        "--webhook",
        &b,
    ]);
    let control = Control::new(&running.base).unwrap();
    let followers = control.followers(1, 0).await.unwrap();
    let openid = followers.openids[0].clone();
    for i in 0..4 {
        let text = serde_json::json!({"MsgType": "text", "Content": format!("m{i}")});
        let pushed = control.push(&openid, text).await.unwrap();
        assert_eq!(pushed.outcome, PushOutcome::NoReply, "{pushed:?}");
    }
    assert_eq!(
        (
            a_count.load(Ordering::SeqCst),
            b_count.load(Ordering::SeqCst)
        ),
        (2, 2)
    );
    let shown = control.webhook().await.unwrap().unwrap();
    assert_eq!(shown.urls, [a, b]);
    assert!(running.terminate());
}

/// Starts `wxoa sandbox --listen ADDR`, waits for its URL, stops it; what it wrote on stderr.
fn stderr_of_sandbox_on(addr: &str) -> String {
    use std::io::Read;
    let mut child = crate::wxoa_command()
        .args(["sandbox", "--listen", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let base = BufReader::new(stdout).lines().next().unwrap().unwrap();
    assert!(base.starts_with("http://"), "{base}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

#[test]
fn listening_beyond_loopback_is_logged_as_a_warning() {
    let exposed = stderr_of_sandbox_on("0.0.0.0:0");
    assert!(exposed.contains("WARN"), "{exposed}");
    assert!(exposed.contains("listening beyond loopback"), "{exposed}");
    let private = stderr_of_sandbox_on("127.0.0.1:0");
    assert!(!private.contains("beyond loopback"), "{private}");
}

#[tokio::test]
async fn the_third_party_platform_comes_from_the_component_options() {
    let args = [
        COMPONENT_ARGS.as_slice(),
        &[
            "--followers",
            "2",
            "--authorizers",
            "3",
            "--pre-authorized",
            "--ticket-interval",
            "60",
        ],
    ]
    .concat();
    let running = Running::start(&args);
    let control = Control::new(&running.base).unwrap();
    let component = control.component().await.unwrap();
    assert_eq!(component.app_id, "wx1111222233334444");
    assert_eq!(component.authorized, 3);
    assert_eq!(component.accounts, 4);
    assert!(running.terminate());
}

#[test]
fn a_component_appid_without_its_secret_is_a_usage_error() {
    let output = crate::wxoa(
        &[
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--component-app-id",
            "wx1111222233334444",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--component-secret"), "{stderr}");
}

#[test]
fn authorizers_without_a_component_is_a_usage_error() {
    let output = crate::wxoa(
        &["sandbox", "--listen", "127.0.0.1:0", "--authorizers", "3"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--component-app-id"), "{stderr}");
}

/// The options of a component.
const COMPONENT_ARGS: [&str; 8] = [
    "--component-app-id",
    "wx1111222233334444",
    "--component-secret",
    "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0",
    "--component-token",
    "T",
    "--component-aes-key",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
];

#[tokio::test]
async fn the_components_ip_whitelist_comes_from_the_options() {
    let args = [
        COMPONENT_ARGS.as_slice(),
        &["--component-ip-whitelist", "203.0.113.9,2001:db8::9"],
    ]
    .concat();
    let running = Running::start(&args);
    let url = format!("{}/cgi-bin/component/api_component_token", running.base);
    let body = serde_json::json!({"component_appid": "wx1111222233334444"});
    let answer = json_answer(crate::http().post(url).json(&body)).await;
    assert_eq!(answer["errcode"], 61004, "{answer}");
    let errmsg = answer["errmsg"].as_str().unwrap();
    assert!(errmsg.contains("requestIP: 127.0.0.1"), "{errmsg}");
    assert!(running.terminate());
}
