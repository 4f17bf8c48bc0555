//! The `--config` TOML file: the global options' keys in snake_case, plus `[[accounts]]`.
//! Values from it fill only what the command line and the environment left unset.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use wxoa_types::secret::mask_url_password;

use crate::cli::{Global, Output};
use crate::commands::limits::LimitArgs;
use crate::exit::Failure;

/// One or several API bases.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Bases {
    One(String),
    Many(Vec<String>),
}

/// An account of a multi-account configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Account {
    pub(crate) app_id: String,
    pub(crate) app_secret: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) aes_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    app_id: Option<String>,
    app_secret: Option<String>,
    token: Option<String>,
    aes_key: Option<String>,
    api_base: Option<Bases>,
    mp_base: Option<String>,
    open_base: Option<String>,
    store: Option<String>,
    token_server: Option<String>,
    token_server_auth: Option<String>,
    output: Option<Output>,
    // Keys of `wxoa serve` (see its flags of the same names).
    drain_timeout: Option<u64>,
    allow_plain: Option<bool>,
    header_timeout: Option<u64>,
    body_timeout: Option<u64>,
    idle_timeout: Option<u64>,
    max_connections: Option<usize>,
    #[serde(default)]
    accounts: Vec<Account>,
}

/// The global options with the config file folded in, and the file's `[[accounts]]`.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub(crate) global: Global,
    pub(crate) accounts: Vec<Account>,
    /// `drain_timeout` of `wxoa serve`, from the file.
    pub(crate) drain_timeout: Option<u64>,
    /// `allow_plain` of `wxoa serve`, from the file.
    pub(crate) allow_plain: Option<bool>,
    /// The server commands' connection limits as the file sets them.
    pub(crate) limits: LimitArgs,
}

impl Settings {
    /// Folds the `--config` file (if any) under what the command line and environment set.
    pub(crate) fn load(global: Global) -> Result<Settings, Failure> {
        let Some(path) = global.config.clone() else {
            return Ok(Settings {
                global,
                ..Settings::default()
            });
        };
        let file = read(&path).map_err(Failure::usage)?;
        let mut global = global;
        fill(&mut global.app_id, file.app_id);
        fill(&mut global.app_secret, file.app_secret);
        fill(&mut global.token, file.token);
        fill(&mut global.aes_key, file.aes_key);
        fill(&mut global.mp_base, file.mp_base);
        fill(&mut global.open_base, file.open_base);
        fill(&mut global.store, file.store);
        fill(&mut global.token_server, file.token_server);
        fill(&mut global.token_server_auth, file.token_server_auth);
        fill(&mut global.output, file.output);
        if global.api_base.is_empty() {
            global.api_base = match file.api_base {
                Some(Bases::One(base)) => vec![base],
                Some(Bases::Many(bases)) => bases,
                None => Vec::new(),
            };
        }
        // With a single account in the file, its credentials are the defaults.
        if let [account] = file.accounts.as_slice() {
            fill(&mut global.app_id, Some(account.app_id.clone()));
            fill(&mut global.app_secret, account.app_secret.clone());
            fill(&mut global.token, account.token.clone());
            fill(&mut global.aes_key, account.aes_key.clone());
        }
        Ok(Settings {
            global,
            accounts: file.accounts,
            drain_timeout: file.drain_timeout,
            allow_plain: file.allow_plain,
            limits: LimitArgs {
                header_timeout: file.header_timeout,
                body_timeout: file.body_timeout,
                idle_timeout: file.idle_timeout,
                max_connections: file.max_connections,
            },
        })
    }

    /// A required option, or a usage failure naming the flag and the variable.
    pub(crate) fn require<'a>(
        value: &'a Option<String>,
        flag: &str,
        env: &str,
    ) -> Result<&'a str, Failure> {
        value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
            Failure::usage(anyhow::anyhow!(
                "missing {flag}: give it on the command line, in {env}, or in the --config file"
            ))
        })
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn read(path: &Path) -> anyhow::Result<File> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|error| malformed(path, &text, &error))
}

/// The keys whose values are secrets: a parse failure on their line does not quote the parser's
/// message, which may hold the value itself (``invalid type: integer `…` ``).
const SECRET_KEYS: [&str; 4] = ["app_secret", "token", "aes_key", "token_server_auth"];

/// A parse failure of the config file, named by line and column. The parser's own rendering
/// quotes the offending line, which may hold a secret (an AppSecret, a Redis password), so only
/// its message is kept, with any URL password in it masked.
fn malformed(path: &Path, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let mut at = String::new();
    let mut secret_key = None;
    if let Some(span) = error.span() {
        let before = text.get(..span.start).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let number = before.matches('\n').count() + 1;
        let column = before.get(line_start..).map_or(0, |l| l.chars().count()) + 1;
        at = format!(" at line {number}, column {column}");
        let line = text.get(line_start..).unwrap_or("");
        let key = line.split(['=', '\n']).next().unwrap_or("").trim();
        let key = key.trim_matches(['"', '\'']);
        secret_key = SECRET_KEYS.into_iter().find(|k| *k == key);
    }
    let message = match secret_key {
        Some(key) => format!("the value of {key} is not valid (not shown: it is a secret)"),
        None => error
            .message()
            .split(' ')
            .map(|word| mask_url_password(word).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
    };
    anyhow::anyhow!("config file {} is malformed{at}: {message}", path.display())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn file_fills_only_unset_values() {
        let dir = std::env::temp_dir().join(format!("wxoa-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wxoa.toml");
        std::fs::write(
            &path,
            "app_id = \"wxfile\"\ntoken = \"filetoken\"\napi_base = [\"http://a\", \"http://b\"]\n",
        )
        .unwrap();
        let global = Global {
            config: Some(path.clone()),
            app_id: Some("wxcli".to_owned()),
            ..Global::default()
        };
        let settings = Settings::load(global).unwrap();
        assert_eq!(settings.global.app_id.as_deref(), Some("wxcli"));
        assert_eq!(settings.global.token.as_deref(), Some("filetoken"));
        assert_eq!(settings.global.api_base, vec!["http://a", "http://b"]);
        assert_eq!((settings.drain_timeout, settings.allow_plain), (None, None));
        std::fs::write(&path, "drain_timeout = 7\nallow_plain = true\n").unwrap();
        let global = Global {
            config: Some(path.clone()),
            ..Global::default()
        };
        let settings = Settings::load(global).unwrap();
        assert_eq!(
            (settings.drain_timeout, settings.allow_plain),
            (Some(7), Some(true))
        );
        std::fs::write(&path, "unknown_key = 1\n").unwrap();
        let global = Global {
            config: Some(path),
            ..Global::default()
        };
        assert_eq!(Settings::load(global).unwrap_err().code, 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn parse_failures_name_the_place_and_never_quote_a_secret() {
        let path = Path::new("wxoa.toml");
        for (text, place, hidden) in [
            (
                "store = \"redis://:hunter2@h\n",
                "line 1, column 28",
                "hunter2",
            ),
            (
                "output = \"json\"\noutput2 = \"redis://:hunter2@h\"\n",
                "line 2, column 1",
                "hunter2",
            ),
            (
                "output = \"redis://:hunter2@h\"\n",
                "line 1, column 10",
                "hunter2",
            ),
            (
                "app_id = \"wx1\"\napp_secret = 987654321\n",
                "line 2, column 14",
                "987654321",
            ),
        ] {
            let error = toml::from_str::<File>(text).unwrap_err();
            let shown = format!("{:#}", malformed(path, text, &error));
            assert!(shown.contains(place), "{text:?}: {shown}");
            assert!(!shown.contains(hidden), "{text:?}: {shown}");
        }
    }
}
