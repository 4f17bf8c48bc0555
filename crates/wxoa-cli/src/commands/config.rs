//! `wxoa config check [FILE]`: validates a configuration and prints what would be used, with
//! secrets masked; `wxoa completions SHELL`: shell completions.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use clap_complete::Shell;
use wxoa_crypto::AesKey;
use wxoa_types::secret::mask_url_password;

use crate::cli::{Cli, Global};
use crate::config::Settings;
use crate::exit::Failure;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a configuration file and print every value that would be used (secrets masked).
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The file to check (default: --config / WXOA_CONFIG).
    pub(crate) file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    pub(crate) shell: Shell,
}

pub(crate) fn completions(args: &CompletionsArgs) -> Result<(), Failure> {
    let mut command = Cli::command_line();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "wxoa", &mut out);
    out.flush()?;
    Ok(())
}

/// Where a value came from.
fn source(before: bool, after: bool) -> &'static str {
    match (before, after) {
        (true, _) => "command line or environment",
        (false, true) => "config file",
        (false, false) => "default",
    }
}

/// A secret as it may be shown: whether it is set and its length, never its value.
fn masked(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("*** ({} characters)", v.chars().count()),
        None => "(not set)".to_owned(),
    }
}

pub(crate) fn check(global: Global, args: &CheckArgs) -> Result<(), Failure> {
    let mut before = global;
    if let Some(file) = &args.file {
        before.config = Some(file.clone());
    }
    if before.config.is_none() {
        return Err(Failure::usage(anyhow::anyhow!(
            "no configuration file: give one (`wxoa config check wxoa.toml`) or set --config / WXOA_CONFIG"
        )));
    }
    let settings = Settings::load(before.clone())?;
    let after = &settings.global;
    let mut problems = Vec::new();

    if let Some(app_id) = &after.app_id {
        problems.extend(app_id_problem("app_id", app_id));
    }
    if let Some(key) = &after.aes_key
        && let Err(e) = AesKey::from_encoding_aes_key(key)
    {
        problems.push(format!("aes_key: {e}"));
    }
    if let Some(token) = &after.token {
        problems.extend(token_problem("token", token));
    }
    for base in &after.api_base {
        problems.extend(url_problem("api_base", base));
    }
    for (name, value) in [
        ("mp_base", &after.mp_base),
        ("open_base", &after.open_base),
        ("token_server", &after.token_server),
    ] {
        if let Some(value) = value {
            problems.extend(url_problem(name, value));
        }
    }
    if let Some(store) = &after.store {
        problems.extend(store_problem(store));
    }
    for (i, account) in settings.accounts.iter().enumerate() {
        let at = format!("accounts[{i}]");
        problems.extend(app_id_problem(&format!("{at}.app_id"), &account.app_id));
        if let Some(key) = &account.aes_key
            && let Err(e) = AesKey::from_encoding_aes_key(key)
        {
            problems.push(format!("{at}.aes_key: {e}"));
        }
        if let Some(token) = &account.token {
            problems.extend(token_problem(&format!("{at}.token"), token));
        }
    }

    let mut out = std::io::stdout().lock();
    // Every configured URL is shown with the password of its userinfo masked.
    let show = |value: Option<&str>| value.map_or_else(|| "(not set)".to_owned(), shown_url);
    let show_or =
        |value: Option<&str>, default: &str| value.map_or_else(|| default.to_owned(), shown_url);
    let rows: Vec<(&str, String, &str)> = vec![
        (
            "app_id",
            show(after.app_id.as_deref()),
            source(before.app_id.is_some(), after.app_id.is_some()),
        ),
        (
            "app_secret",
            masked(after.app_secret.as_deref()),
            source(before.app_secret.is_some(), after.app_secret.is_some()),
        ),
        (
            "token",
            masked(after.token.as_deref()),
            source(before.token.is_some(), after.token.is_some()),
        ),
        (
            "aes_key",
            masked(after.aes_key.as_deref()),
            source(before.aes_key.is_some(), after.aes_key.is_some()),
        ),
        (
            "api_base",
            if after.api_base.is_empty() {
                "https://api.weixin.qq.com, then https://api2.weixin.qq.com".to_owned()
            } else {
                after
                    .api_base
                    .iter()
                    .map(|b| shown_url(b))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            source(!before.api_base.is_empty(), !after.api_base.is_empty()),
        ),
        (
            "mp_base",
            show_or(
                after.mp_base.as_deref(),
                "https://mp.weixin.qq.com (or the first api_base when it is not the platform's)",
            ),
            source(before.mp_base.is_some(), after.mp_base.is_some()),
        ),
        (
            "open_base",
            show_or(
                after.open_base.as_deref(),
                "https://open.weixin.qq.com (or the first api_base when it is not the platform's)",
            ),
            source(before.open_base.is_some(), after.open_base.is_some()),
        ),
        (
            "store",
            show_or(
                after.store.as_deref(),
                "a file in the data directory ($XDG_DATA_HOME/wxoa/)",
            ),
            source(before.store.is_some(), after.store.is_some()),
        ),
        (
            "token_server",
            show(after.token_server.as_deref()),
            source(before.token_server.is_some(), after.token_server.is_some()),
        ),
        (
            "token_server_auth",
            masked(after.token_server_auth.as_deref()),
            source(
                before.token_server_auth.is_some(),
                after.token_server_auth.is_some(),
            ),
        ),
        (
            "output",
            after.output.map_or_else(
                || "json when stdout is not a terminal, else table".to_owned(),
                |o| format!("{o:?}").to_lowercase(),
            ),
            source(before.output.is_some(), after.output.is_some()),
        ),
    ];
    // Keys of the server commands, read from the file only (their flags belong to the
    // commands, not to `config check`).
    let limits = &settings.limits;
    let seconds = |value: Option<u64>, default: &str| {
        value.map_or_else(|| default.to_owned(), |s| format!("{s} s"))
    };
    let from_file = |set: bool| source(false, set);
    let server_rows: Vec<(&str, String, &str)> = vec![
        (
            "header_timeout",
            seconds(limits.header_timeout, "10 s"),
            from_file(limits.header_timeout.is_some()),
        ),
        (
            "body_timeout",
            seconds(limits.body_timeout, "10 s"),
            from_file(limits.body_timeout.is_some()),
        ),
        (
            "idle_timeout",
            seconds(limits.idle_timeout, "10 s"),
            from_file(limits.idle_timeout.is_some()),
        ),
        (
            "max_connections",
            limits
                .max_connections
                .map_or_else(|| "4096".to_owned(), |n| n.to_string()),
            from_file(limits.max_connections.is_some()),
        ),
        (
            "drain_timeout",
            seconds(settings.drain_timeout, "30 s"),
            from_file(settings.drain_timeout.is_some()),
        ),
        (
            "allow_plain",
            settings.allow_plain.unwrap_or(false).to_string(),
            from_file(settings.allow_plain.is_some()),
        ),
    ];
    for (key, value, from) in rows.into_iter().chain(server_rows) {
        writeln!(out, "{key:<18} {value}  [{from}]")?;
    }
    for account in &settings.accounts {
        writeln!(
            out,
            "account {}: app_secret {}, token {}, aes_key {}",
            account.app_id,
            masked(account.app_secret.as_deref()),
            masked(account.token.as_deref()),
            masked(account.aes_key.as_deref()),
        )?;
    }
    if problems.is_empty() {
        writeln!(out, "configuration is valid")?;
        Ok(())
    } else {
        Err(Failure::usage(anyhow::anyhow!(
            "configuration has {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )))
    }
}

fn app_id_problem(name: &str, app_id: &str) -> Option<String> {
    let ok = app_id.len() == 18
        && app_id.starts_with("wx")
        && app_id.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
    (!ok).then(|| format!("{name}: {app_id:?} is not an AppID (wx followed by 16 hex digits)"))
}

fn token_problem(name: &str, token: &str) -> Option<String> {
    let ok = (3..=32).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric());
    (!ok).then(|| format!("{name}: the platform's Token is 3 to 32 letters and digits"))
}

/// A configured URL as it may be shown: the password of its userinfo masked.
fn shown_url(value: &str) -> String {
    mask_url_password(value).into_owned()
}

fn url_problem(name: &str, value: &str) -> Option<String> {
    let ok = (value.starts_with("http://") || value.starts_with("https://")) && value.len() > 8;
    (!ok).then(|| format!("{name}: {:?} is not an http(s) URL", shown_url(value)))
}

fn store_problem(store: &str) -> Option<String> {
    let ok = store == "memory"
        || store.strip_prefix("file:").is_some_and(|p| !p.is_empty())
        || store.starts_with("redis://")
        || store.starts_with("rediss://");
    (!ok).then(|| {
        format!(
            "store: {:?} is not memory, file:PATH or redis://HOST:PORT[/DB]",
            shown_url(store)
        )
    })
}
