//! The console test's browser: ChromeDriver on a free loopback port, headless Chromium with a
//! fresh profile, driven through the `fantoccini` WebDriver client, with the explicit waits
//! the test needs (an element displayed, a text shown, a click that lands, a script's answer).
//! Browser tests follow the rule of the Redis tests: without Chromium or ChromeDriver they
//! fail when `CI` is set and are skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long a wait lasts before the test fails (two shared cores can be slow).
pub(crate) const WAIT: Duration = Duration::from_secs(20);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);
/// The key WebDriver types for Enter.
pub(crate) const ENTER: &str = "\u{E007}";

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
}

impl Driver {
    /// Starts ChromeDriver on a free loopback port and waits until it accepts connections.
    pub(crate) async fn start(tools: &Tools) -> Result<Driver> {
        let port = wxoa_testkit::free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", tools.chromedriver.display()))?;
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if started.elapsed() > WAIT {
                return Err("ChromeDriver did not start listening".to_owned());
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(driver)
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
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": tools.chromium, "args": args}),
        );
        // ChromeDriver is on loopback: plain HTTP, no TLS.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.base)
            .await
            .map_err(|e| format!("no browser session: {e}"))?;
        Ok(Session {
            client,
            open: true,
            profile,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn failed(e: CmdError) -> String {
    e.to_string()
}

/// A browser session. Dropping it without [`Session::quit`] (a failing test) ends the browser
/// processes started with its profile.
pub(crate) struct Session {
    client: Client,
    open: bool,
    profile: tempfile::TempDir,
}

impl Session {
    pub(crate) async fn navigate(&self, url: &str) -> Result<()> {
        self.client.goto(url).await.map_err(failed)
    }

    /// The elements matching a CSS selector now (none is not an error).
    async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map_err(failed)
    }

    /// Waits until an element matching `css` is displayed; that element.
    pub(crate) async fn wait_displayed(&self, css: &str) -> Result<Element> {
        self.wait(&format!("{css} to be displayed"), || async move {
            for element in self.find_all(css).await? {
                match element.is_displayed().await {
                    Ok(true) => return Ok(Some(element)),
                    Ok(false) => {}
                    Err(e) if e.is_stale_element_reference() => return Ok(None),
                    Err(e) => return Err(failed(e)),
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
            match element.click().await {
                Ok(()) => Ok(Some(())),
                Err(e) if e.is_element_not_interactable() || e.is_stale_element_reference() => {
                    Ok(None)
                }
                Err(e) => Err(failed(e)),
            }
        })
        .await
    }

    /// Types into the displayed element matching `css`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element = self.wait_displayed(css).await?;
        element.send_keys(text).await.map_err(failed)
    }

    /// Waits until one of the elements matching `css` shows text containing `needle`; that
    /// text.
    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        self.wait(&format!("{css} to show {needle:?}"), || async move {
            for element in self.find_all(css).await? {
                match element.text().await {
                    Ok(text) if text.contains(needle) => return Ok(Some(text)),
                    Ok(_) => {}
                    // The page re-rendered the element meanwhile: look again.
                    Err(e) if e.is_stale_element_reference() => return Ok(None),
                    Err(e) => return Err(failed(e)),
                }
            }
            Ok(None)
        })
        .await
    }

    /// Runs a script in the page; its result.
    pub(crate) async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute(script, args).await.map_err(failed)
    }

    /// Waits until a script returns something other than `null`, `false`, 0 or ""; that.
    pub(crate) async fn wait_script(&self, what: &str, script: &str) -> Result<Value> {
        self.wait(what, || async move {
            let value = self.execute(script, Vec::new()).await?;
            let empty =
                matches!(&value, Value::Null | Value::Bool(false)) || value == 0 || value == "";
            Ok((!empty).then_some(value))
        })
        .await
    }

    /// Saves a PNG of the viewport to `path` (directories created).
    pub(crate) async fn save_screenshot(&self, path: &Path) -> Result<()> {
        let png = self.client.screenshot().await.map_err(failed)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Closes the browser.
    pub(crate) async fn quit(mut self) -> Result<()> {
        self.open = false;
        self.client.clone().close().await.map_err(failed)
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
        // No runtime to close the session politely from here: end the browser processes this
        // session started, known by the profile directory only they use.
        let marker = format!("--user-data-dir={}", self.profile.path().display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if cmdline
                .split(|&b| b == 0)
                .any(|arg| arg == marker.as_bytes())
            {
                let _ = Command::new("kill")
                    .arg(pid.to_string())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
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
