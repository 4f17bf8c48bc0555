//! No secret reaches a log line of any server. `wxoa sandbox`, `wxoa token-server` and
//! `wxoa serve` run at the most verbose level (`-vvv`, every crate at trace) while a follower
//! chats, a late reply goes out as a customer-service message, tokens are fetched and
//! invalidated, tickets are read and an OAuth code is exchanged; every line any of them
//! printed is then searched for every secret the run used: the AppSecret, the Token, the
//! EncodingAESKey, the bearer token, the Redis password, and the access tokens, tickets, OAuth
//! code and refresh token the platform handed out. The same lines, written to pipes, must be
//! plain text: no terminal colour codes in a log that goes to a file or a collector.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxoa_testkit::{Redis, free_port};

use crate::http;

const APP_ID: &str = "wx5ec2e7a1b3c4d5f6";
const APP_SECRET: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const TOKEN: &str = "T0kenOfTheServerConfig";
const AES_KEY: &str = "K3yK3yK3yabcdefghijklmnopqrstuvwxyz01234567";
const BEARER: &str = "Bearer0fTheTokenServer42";
const REDIS_PASSWORD: &str = "RedisPa55word0fTheFleet";

/// A server process whose stdout and stderr are kept, line by line, for the search.
pub(crate) struct Logged {
    name: &'static str,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Logged {
    pub(crate) fn start(name: &'static str, args: &[&str]) -> Logged {
        let mut child = crate::wxoa_command()
            .args(args)
            .arg("-vvv")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        Logged { name, child, lines }
    }

    /// Waits until a line contains `needle` (bounded), and gives that line.
    pub(crate) fn wait_for(&self, needle: &str) -> String {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(line) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return line.clone();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "{} never printed {needle:?}:\n{}",
            self.name,
            self.lines.lock().unwrap().join("\n")
        );
    }

    /// Stops the process with SIGTERM (so that shutdown logs are searched too) and gives every
    /// line it printed.
    pub(crate) fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(40) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader threads finish once the pipes close.
        std::thread::sleep(Duration::from_millis(100));
        self.lines.lock().unwrap().clone()
    }
}

/// Sets a password on a private Redis, over its own protocol.
fn require_password(redis_url: &str, password: &str) {
    use std::io::Write;
    let address = redis_url
        .trim_start_matches("redis://")
        .trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let command = format!(
        "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n${}\r\n{password}\r\n",
        password.len()
    );
    stream.write_all(command.as_bytes()).unwrap();
    let mut answer = [0u8; 5];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"+OK\r\n");
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_logs_a_secret_at_any_verbosity() {
    let Some(mut redis) = Redis::start_private() else {
        return;
    };
    require_password(redis.url(), REDIS_PASSWORD);
    let redis_url = redis
        .url()
        .replacen("redis://", &format!("redis://:{REDIS_PASSWORD}@"), 1);

    let sandbox_port = free_port().to_string();
    let serve_port = free_port().to_string();
    let sandbox_base = format!("http://127.0.0.1:{sandbox_port}");
    let webhook = format!("http://127.0.0.1:{serve_port}/wechat");
    let sandbox = Logged::start(
        "wxoa sandbox",
        &[
            "sandbox",
            "--listen",
            &format!("127.0.0.1:{sandbox_port}"),
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
            "--followers",
            "2",
            "--webhook",
            &webhook,
            "--token",
            TOKEN,
            "--aes-key",
            AES_KEY,
            "--mode",
            "safe",
        ],
    );
    sandbox.wait_for(&sandbox_base);
    let serve = Logged::start(
        "wxoa serve",
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{serve_port}"),
            "--token",
            TOKEN,
            "--aes-key",
            AES_KEY,
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
            "--api-base",
            &sandbox_base,
            "--redis",
            &redis_url,
        ],
    );
    serve.wait_for("listening on");
    let token_server = Logged::start(
        "wxoa token-server",
        &[
            "token-server",
            "--listen",
            "127.0.0.1:0",
            "--app-id",
            APP_ID,
            "--app-secret",
            APP_SECRET,
            "--auth-token",
            BEARER,
            "--api-base",
            &sandbox_base,
            "--store",
            &redis_url,
        ],
    );
    let announced = token_server.wait_for("listening on ");
    let token_base = announced
        .split("listening on ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();

    let http = http();
    let mut secrets: Vec<(String, String)> = [
        ("AppSecret", APP_SECRET),
        ("Token", TOKEN),
        ("EncodingAESKey", AES_KEY),
        ("bearer token", BEARER),
        ("Redis password", REDIS_PASSWORD),
    ]
    .iter()
    .map(|(what, value)| ((*what).to_owned(), (*value).to_owned()))
    .collect();

    // The token server: a token, an invalidation of it, both tickets; a caller without the
    // bearer token is refused (and that refusal is logged too).
    let token = json_of(
        http.get(format!("{token_base}/token"))
            .bearer_auth(BEARER)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let first = token["access_token"].as_str().unwrap().to_owned();
    let renewed = json_of(
        http.post(format!("{token_base}/token/invalidate"))
            .bearer_auth(BEARER)
            .json(&json!({"access_token": first}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    secrets.push(("access token".to_owned(), first));
    secrets.push((
        "renewed access token".to_owned(),
        renewed["access_token"].as_str().unwrap().to_owned(),
    ));
    for kind in ["jsapi", "wx_card"] {
        let ticket = json_of(
            http.get(format!("{token_base}/ticket/{kind}"))
                .bearer_auth(BEARER)
                .send()
                .await
                .unwrap(),
        )
        .await;
        secrets.push((
            format!("{kind} ticket"),
            ticket["ticket"].as_str().unwrap().to_owned(),
        ));
    }
    let refused = http
        .get(format!("{token_base}/token"))
        .bearer_auth("not-the-bearer")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    // A follower chats with `wxoa serve` through the sandbox; one handler misses the budget and
    // its reply goes out as a customer-service message, with a token `wxoa serve` fetched.
    let control = wxoa_sandbox::Control::new(&sandbox_base).unwrap();
    let followers = control.followers(1, 0).await.unwrap();
    let openid = followers.openids[0].clone();
    for content in ["hello", "sleep 5"] {
        let text = json!({"MsgType": "text", "Content": content});
        let pushed = control.push(&openid, text).await.unwrap();
        assert!(pushed.attempts >= 1, "{pushed:?}");
    }
    let started = Instant::now();
    loop {
        let inbox = control.inbox(&openid).await.unwrap();
        if inbox
            .iter()
            .any(|i| i.message.to_string().contains("slept 5"))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the late reply never arrived: {inbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // OAuth: a code, exchanged for a user access token and a refresh token, then refreshed.
    let code = control
        .oauth_code(&openid, "snsapi_userinfo")
        .await
        .unwrap();
    let user_token = json_of(
        http.get(format!(
            "{sandbox_base}/sns/oauth2/access_token?appid={APP_ID}&secret={APP_SECRET}&code={code}&grant_type=authorization_code"
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    let refresh = user_token["refresh_token"].as_str().unwrap().to_owned();
    let refreshed = json_of(
        http.get(format!(
            "{sandbox_base}/sns/oauth2/refresh_token?appid={APP_ID}&grant_type=refresh_token&refresh_token={refresh}"
        ))
        .send()
        .await
        .unwrap(),
    )
    .await;
    secrets.push(("OAuth code".to_owned(), code));
    secrets.push((
        "OAuth access token".to_owned(),
        user_token["access_token"].as_str().unwrap().to_owned(),
    ));
    secrets.push(("OAuth refresh token".to_owned(), refresh));
    secrets.push((
        "refreshed OAuth access token".to_owned(),
        refreshed["access_token"].as_str().unwrap().to_owned(),
    ));
    // A call with a wrong AppSecret is refused and logged by the sandbox.
    let wrong = http
        .get(format!(
            "{sandbox_base}/cgi-bin/token?grant_type=client_credential&appid={APP_ID}&secret=0123456789abcdef0123456789abcdef"
        ))
        .send()
        .await
        .unwrap();
    assert!(wrong.status().is_success());
    secrets.push((
        "wrong AppSecret".to_owned(),
        "0123456789abcdef0123456789abcdef".to_owned(),
    ));

    let mut logs = Vec::new();
    for server in [serve, token_server, sandbox] {
        let name = server.name;
        logs.push((name, server.stop()));
    }
    redis.stop();
    let mut leaks = Vec::new();
    for (name, lines) in &logs {
        assert!(
            lines.len() > 10,
            "{name} printed almost nothing at -vvv: {lines:?}"
        );
        if let Some(coloured) = lines.iter().find(|line| line.contains('\u{1b}')) {
            panic!("{name} wrote terminal colour codes into a pipe: {coloured:?}");
        }
        for line in lines {
            for (what, value) in &secrets {
                if line.contains(value.as_str()) {
                    leaks.push(format!("{name} printed the {what}: {line}"));
                }
            }
        }
    }
    let total: usize = logs.iter().map(|(_, lines)| lines.len()).sum();
    assert!(
        leaks.is_empty(),
        "{} of {total} lines leak a secret:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
