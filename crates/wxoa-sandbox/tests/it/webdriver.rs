//! A minimal WebDriver client for the console test: ChromeDriver on a free loopback port,
//! headless Chromium with a fresh profile, and the handful of commands the test needs —
//! navigate, find, click, type, read text, run a script, take a screenshot — with explicit
//! waits. Browser tests follow the rule of the Redis tests: without Chromium or ChromeDriver
//! they fail when `CI` is set and are skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// How long a wait lasts before the test fails (two shared cores can be slow).
pub(crate) const WAIT: Duration = Duration::from_secs(20);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);
/// The key WebDriver types for Enter.
pub(crate) const ENTER: &str = "\u{E007}";
/// The W3C name of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where Chromium and ChromeDriver are (Debian's packages; `CHROMIUM` and `CHROMEDRIVER`
/// override).
#[derive(Debug, Clone)]
pub(crate) struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// The tools, or `None` after saying loudly why the test is skipped. Panics when `CI` is
    /// set and a tool is missing: CI must run the browser test.
    pub(crate) fn find() -> Option<Tools> {
        let path = |var: &str, default: &str| {
            std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        let tools = Tools {
            chromium: path("CHROMIUM", "/usr/bin/chromium"),
            chromedriver: path("CHROMEDRIVER", "/usr/bin/chromedriver"),
        };
        let missing: Vec<String> = [&tools.chromium, &tools.chromedriver]
            .into_iter()
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if missing.is_empty() {
            return Some(tools);
        }
        let why = format!("{} not found", missing.join(" and "));
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but the browser test cannot run: {why}");
        }
        eprintln!(
            "\n*** SKIPPED: this test needs a browser ({why}); install Debian's chromium and chromium-driver ***\n"
        );
        None
    }
}

/// A WebDriver error or a failed wait.
pub(crate) type Result<T> = std::result::Result<T, String>;

/// A running ChromeDriver. Dropping it stops the process.
pub(crate) struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Driver {
    /// Starts ChromeDriver on a free loopback port and waits until it is ready.
    pub(crate) async fn start(tools: &Tools) -> Result<Driver> {
        let port = wxoa_testkit::free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", tools.chromedriver.display()))?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())?;
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http,
        };
        let started = Instant::now();
        loop {
            let status = driver.http.get(format!("{}/status", driver.base)).send();
            if let Ok(Ok(body)) =
                tokio::time::timeout(POLL * 10, async { status.await?.json::<Value>().await }).await
                && body["value"]["ready"] == true
            {
                return Ok(driver);
            }
            if started.elapsed() > WAIT {
                return Err("ChromeDriver did not become ready".to_owned());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A new headless Chromium with a fresh profile and a window of `width` × `height`.
    pub(crate) async fn session(&self, tools: &Tools, width: u32, height: u32) -> Result<Session> {
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-proxy-server".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": tools.chromium, "args": args},
        }}});
        let value = command(
            &self.http,
            reqwest::Method::POST,
            format!("{}/session", self.base),
            Some(capabilities),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {value}"))?;
        Ok(Session {
            http: self.http.clone(),
            url: format!("{}/session/{id}", self.base),
            browser_pid: value["capabilities"]["goog:processID"].as_u64(),
            open: true,
            _profile: profile,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver command: its `value`, or the driver's error.
async fn command(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = http.request(method, &url).timeout(Duration::from_secs(60));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{url}: {e}"))?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        Ok(value)
    } else {
        Err(format!("{}: {}", value["error"], value["message"]))
    }
}

/// A browser session. Dropping it without [`Session::quit`] (a failing test) kills the
/// browser by its process id.
pub(crate) struct Session {
    http: reqwest::Client,
    url: String,
    browser_pid: Option<u64>,
    open: bool,
    _profile: tempfile::TempDir,
}

impl Session {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        command(&self.http, method, format!("{}{path}", self.url), body).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn navigate(&self, url: &str) -> Result<()> {
        self.post("/url", json!({"url": url})).await.map(drop)
    }

    /// The elements matching a CSS selector now (none is not an error).
    pub(crate) async fn find_all(&self, css: &str) -> Result<Vec<String>> {
        let found = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
            .collect())
    }

    pub(crate) async fn text_of(&self, element: &str) -> Result<String> {
        let text = self.get(&format!("/element/{element}/text")).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until an element matching `css` is displayed; its reference.
    pub(crate) async fn wait_displayed(&self, css: &str) -> Result<String> {
        self.wait(&format!("{css} to be displayed"), || async move {
            for element in self.find_all(css).await? {
                if self.get(&format!("/element/{element}/displayed")).await? == true {
                    return Ok(Some(element));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Waits until an element matching `css` is displayed, then clicks it (again while it
    /// cannot be clicked yet, as when a menu is still opening).
    pub(crate) async fn click(&self, css: &str) -> Result<()> {
        self.wait(&format!("a click on {css}"), || async move {
            let element = self.wait_displayed(css).await?;
            match self
                .post(&format!("/element/{element}/click"), json!({}))
                .await
            {
                Ok(_) => Ok(Some(())),
                Err(e) if e.contains("not interactable") || e.contains("stale") => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// Types into the displayed element matching `css`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = self.wait_displayed(css).await?;
        self.post(&format!("/element/{element}/value"), json!({"text": text}))
            .await
            .map(drop)
    }

    /// Waits until one of the elements matching `css` shows text containing `needle`; that
    /// text.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        self.wait(&format!("{css} to show {needle:?}"), || async move {
            for element in self.find_all(css).await? {
                match self.text_of(&element).await {
                    Ok(text) if text.contains(needle) => return Ok(Some(text)),
                    Ok(_) => {}
                    // The page re-rendered the element meanwhile: look again.
                    Err(e) if e.contains("stale") => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            Ok(None)
        })
        .await
    }

    /// Runs a script in the page; its result.
    pub(crate) async fn execute(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Waits until a script returns something other than `null`, `false`, 0 or ""; that.
    pub(crate) async fn wait_script(&self, what: &str, script: &str) -> Result<Value> {
        self.wait(what, || async move {
            let value = self.execute(script, json!([])).await?;
            let empty =
                matches!(&value, Value::Null | Value::Bool(false)) || value == 0 || value == "";
            Ok((!empty).then_some(value))
        })
        .await
    }

    /// A PNG of the viewport.
    pub(crate) async fn screenshot(&self) -> Result<Vec<u8>> {
        let encoded = self.get("/screenshot").await?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())
    }

    /// Saves a screenshot to `path` (directories created).
    pub(crate) async fn save_screenshot(&self, path: &Path) -> Result<()> {
        let png = self.screenshot().await?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Closes the browser.
    pub(crate) async fn quit(mut self) -> Result<()> {
        self.open = false;
        self.call(reqwest::Method::DELETE, "", None).await.map(drop)
    }

    /// Polls `check` until it finds something, fails, or [`WAIT`] runs out.
    async fn wait<T, F, Fut>(&self, what: &str, check: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let started = Instant::now();
        loop {
            if let Some(found) = check().await? {
                return Ok(found);
            }
            if started.elapsed() > WAIT {
                return Err(format!("timed out after {WAIT:?} waiting for {what}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        // No runtime to close the session politely from here: end the browser we started.
        if let Some(pid) = self.browser_pid {
            let _ = Command::new("kill")
                .arg(pid.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when set, else `target/` at the root
/// of the workspace.
pub(crate) fn target_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}
