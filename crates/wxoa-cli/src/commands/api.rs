//! `wxoa api get|post PATH`: the raw escape hatch of CONTRACT §7 — any API path, with the
//! account's token, retries where safe, failover and errcode decoding.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use clap::{Args, Subcommand};
use futures::TryFutureExt;
use serde_json::Value;
use wxoa_client::component::{Component, ComponentSettings};
use wxoa_client::token::{
    FileStore, MemoryStore, RedisStore, RemoteTokenSource, TokenSource, TokenStore,
};
use wxoa_client::{Account, ApiRequest, Client, ClientBuilder, DEFAULT_API_BASES, Error};

use crate::cli::Output;
use crate::config::Settings;
use crate::exit::{Failure, NETWORK, PLATFORM};
use crate::runtime::block_on;

/// `wxoa api …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ApiCommand {
    /// A read: GET PATH with the account's access token; retried where that is safe.
    Get(GetArgs),
    /// A send: POST PATH with a JSON body; never sent again once it may have reached the
    /// platform, unless --idempotent says it is safe.
    Post(PostArgs),
}

/// Options of `wxoa api get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The API path, e.g. /cgi-bin/user/get (a query string in it is kept).
    pub(crate) path: String,
    /// A query parameter; repeat for more.
    #[arg(long = "query", value_name = "K=V", value_parser = key_value)]
    pub(crate) query: Vec<(String, String)>,
}

/// Options of `wxoa api post`.
#[derive(Debug, Args)]
pub(crate) struct PostArgs {
    /// The API path, e.g. /cgi-bin/message/custom/send.
    pub(crate) path: String,
    /// A query parameter; repeat for more.
    #[arg(long = "query", value_name = "K=V", value_parser = key_value)]
    pub(crate) query: Vec<(String, String)>,
    /// The JSON body: the JSON itself, @FILE, or - for stdin (default: {}).
    #[arg(long, value_name = "BODY")]
    pub(crate) json: Option<String>,
    /// The call is safe to repeat (it only reads, or the platform deduplicates it): retry it
    /// like a read.
    #[arg(long)]
    pub(crate) idempotent: bool,
}

fn key_value(pair: &str) -> Result<(String, String), String> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("expected K=V, got {pair:?}")),
    }
}

pub(crate) fn api(settings: &Settings, command: ApiCommand) -> Result<(), Failure> {
    let request = match command {
        ApiCommand::Get(args) => with_query(ApiRequest::get(args.path), args.query),
        ApiCommand::Post(args) => {
            let body = body(args.json.as_deref())?;
            with_query(ApiRequest::post(args.path), args.query)
                .json_bytes(body)
                .idempotent(args.idempotent)
        }
    };
    call(settings, |client| async move {
        client.execute::<Value>(request).await
    })
}

/// `--output`, or its default: a table on a terminal, JSON otherwise.
pub(crate) fn output(settings: &Settings) -> Output {
    settings
        .global
        .output
        .unwrap_or(if std::io::stdout().is_terminal() {
            Output::Table
        } else {
            Output::Json
        })
}

/// Runs one API call with the client of the global options and prints its answer per
/// `--output`; a failure becomes the exit code of CONTRACT §1. The body of every API command.
pub(crate) fn call<T, F, Fut>(settings: &Settings, call: F) -> Result<(), Failure>
where
    T: serde::Serialize,
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    call_with(settings, |client| call(client).map_err(failure))
}

/// [`call`] for a command with failures of its own besides the client's: it fails with the
/// [`Failure`] it meets, a client error through [`failure`].
pub(crate) fn call_with<T, F, Fut>(settings: &Settings, call: F) -> Result<(), Failure>
where
    T: serde::Serialize,
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    let output = output(settings);
    block_on(async move {
        let client = client(settings)?;
        let answer = call(client).await?;
        let answer = serde_json::to_value(answer).map_err(Failure::usage)?;
        print(&answer, output)
    })
}

fn with_query(mut request: ApiRequest, query: Vec<(String, String)>) -> ApiRequest {
    for (key, value) in query {
        request = request.query(key, value);
    }
    request
}

/// The body of `--json`: inline JSON, `@FILE` or `-` (stdin), checked to be JSON.
fn body(json: Option<&str>) -> Result<Vec<u8>, Failure> {
    let text = match json {
        None => return Ok(b"{}".to_vec()),
        Some("-") => crate::io::read_stdin()?,
        Some(file) if file.starts_with('@') => {
            crate::io::read_file(std::path::Path::new(file.trim_start_matches('@')))?
        }
        Some(inline) => inline.as_bytes().to_vec(),
    };
    serde_json::from_slice::<Value>(&text)
        .map_err(|e| Failure::usage(anyhow::anyhow!("--json is not JSON: {e}")))?;
    Ok(text)
}

/// The client of the global options: AppID, AppSecret or token server, API, mp and open
/// bases, store.
pub(crate) fn client(settings: &Settings) -> Result<Client, Failure> {
    if let Some(authorizer) = settings.global.authorizer.as_deref() {
        return component(settings)?.authorizer(authorizer).map_err(failure);
    }
    let global = &settings.global;
    let app_id = Settings::require(&global.app_id, "--app-id", "WXOA_APP_ID")?;
    let mut builder = Client::builder();
    let account = match remote_source(settings)? {
        Some(source) => {
            builder = builder.token_source(source);
            Account::without_secret(app_id)
        }
        None => {
            let secret = Settings::require(&global.app_secret, "--app-secret", "WXOA_APP_SECRET")?;
            Account::new(app_id, secret)
        }
    };
    build(settings, builder, account)
}

/// The third-party platform whose AppID and AppSecret are `--app-id` and `--app-secret`; with
/// `--token-server`, its tokens and its authorizers' come from that server (no AppSecret).
pub(crate) fn component(settings: &Settings) -> Result<Component, Failure> {
    component_with(settings, ComponentSettings::default(), None)
}

/// [`component`] paced by `pace`, its store's fetch lock living `lock` (default 30 s).
pub(crate) fn component_with(
    settings: &Settings,
    pace: ComponentSettings,
    lock: Option<std::time::Duration>,
) -> Result<Component, Failure> {
    let global = &settings.global;
    let app_id = Settings::require(&global.app_id, "--app-id", "WXOA_APP_ID")?;
    let mut builder = Client::builder();
    if let Some(ttl) = lock {
        builder = builder.store_lock(ttl);
    }
    let account = match remote_source(settings)? {
        Some(source) => {
            builder = builder.token_source(source);
            Account::component_without_secret(app_id)
        }
        None => {
            let secret = Settings::require(&global.app_secret, "--app-secret", "WXOA_APP_SECRET")?;
            Account::component_with(app_id, secret, pace)
        }
    };
    let client = build(settings, builder, account)?;
    Component::new(client).map_err(failure)
}

/// `--token-server` with `--token-server-auth`, when given.
fn remote_source(settings: &Settings) -> Result<Option<TokenSource>, Failure> {
    let global = &settings.global;
    let Some(server) = global.token_server.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let auth = global.token_server_auth.clone().map(Into::into);
    let source = RemoteTokenSource::new(server, auth).map_err(Failure::usage)?;
    Ok(Some(TokenSource::remote(source)))
}

/// A client of `account` with the global options' bases and store.
fn build(
    settings: &Settings,
    mut builder: ClientBuilder,
    account: Account,
) -> Result<Client, Failure> {
    let global = &settings.global;
    let bases: Vec<String> = if global.api_base.is_empty() {
        DEFAULT_API_BASES.iter().map(|b| (*b).to_owned()).collect()
    } else {
        global.api_base.clone()
    };
    if let Some(base) = global.mp_base.as_deref().filter(|b| !b.is_empty()) {
        builder = builder.mp_base(base);
    }
    if let Some(base) = global.open_base.as_deref().filter(|b| !b.is_empty()) {
        builder = builder.open_base(base);
    }
    builder
        .account(account)
        .api_bases(bases)
        .store(store(global.store.as_deref())?)
        .build()
        .map_err(Failure::usage)
}

/// `--store memory|file:PATH|redis://…`, by default the file in the platform data directory.
pub(crate) fn store(spec: Option<&str>) -> Result<Arc<dyn TokenStore>, Failure> {
    match spec.map(str::trim).filter(|s| !s.is_empty()) {
        None => match FileStore::default_path() {
            Some(path) => Ok(Arc::new(FileStore::new(path))),
            None => {
                tracing::warn!(
                    "neither XDG_DATA_HOME nor HOME is set: tokens are kept in memory only"
                );
                Ok(Arc::new(MemoryStore::new()))
            }
        },
        Some("memory") => Ok(Arc::new(MemoryStore::new())),
        Some(spec) if spec.starts_with("file:") => {
            let path = spec.trim_start_matches("file:");
            if path.is_empty() {
                return Err(Failure::usage(anyhow::anyhow!(
                    "--store file:PATH needs a path"
                )));
            }
            Ok(Arc::new(FileStore::new(path)))
        }
        Some(spec) if spec.starts_with("redis://") || spec.starts_with("rediss://") => {
            Ok(Arc::new(RedisStore::new(spec).map_err(Failure::usage)?))
        }
        Some(_) => Err(Failure::usage(anyhow::anyhow!(
            "--store must be memory, file:PATH or redis://HOST:PORT[/DB]"
        ))),
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        failure(error)
    }
}

/// The exit code of CONTRACT §1 for a client error, with what to do on stderr.
pub(crate) fn failure(error: Error) -> Failure {
    let code = match &error {
        Error::Api { .. } | Error::TokenQuota { .. } | Error::Component(_) => PLATFORM,
        Error::TokenServer {
            status: 401 | 403, ..
        }
        | Error::InvalidRequest(_)
        | Error::Io { .. }
        | Error::Config(_)
        | Error::UnknownAccount { .. } => crate::exit::USAGE,
        _ => NETWORK,
    };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let message = wxoa_client::redact::redact(&message).into_owned();
    let message = match error.advice() {
        Some(advice) => format!("{message}\nwhat to do: {advice}"),
        None => message,
    };
    Failure {
        code,
        error: anyhow::Error::msg(message),
    }
}

/// Prints an answer as JSON (pretty on a terminal) or as a table of `path  value` rows.
pub(crate) fn print(answer: &Value, output: Output) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    match output {
        Output::Json => {
            let text = if std::io::stdout().is_terminal() {
                serde_json::to_string_pretty(answer)
            } else {
                serde_json::to_string(answer)
            }
            .map_err(Failure::usage)?;
            writeln!(stdout, "{text}")?;
        }
        Output::Table => {
            let mut rows = Vec::new();
            flatten("", answer, &mut rows);
            let width = rows
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            for (key, value) in rows {
                writeln!(stdout, "{key:width$}  {value}")?;
            }
        }
    }
    Ok(())
}

/// One `path  value` row per scalar: `ip_list[0]`, `tag.name`.
fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, rows);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, value) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), value, rows);
            }
        }
        Value::String(text) => rows.push((prefix.to_owned(), text.clone())),
        other => rows.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_need_a_key() {
        assert_eq!(
            key_value("a=b=c").unwrap(),
            ("a".to_owned(), "b=c".to_owned())
        );
        assert_eq!(key_value("a=").unwrap(), ("a".to_owned(), String::new()));
        assert!(key_value("=b").is_err());
        assert!(key_value("ab").is_err());
    }

    #[test]
    fn tables_flatten_nested_answers() {
        let mut rows = Vec::new();
        let answer = serde_json::json!({"ip_list": ["1.2.3.4"], "tag": {"id": 2, "name": "星标"}, "none": []});
        flatten("", &answer, &mut rows);
        assert_eq!(
            rows,
            [
                ("ip_list[0]".to_owned(), "1.2.3.4".to_owned()),
                ("none".to_owned(), "[]".to_owned()),
                ("tag.id".to_owned(), "2".to_owned()),
                ("tag.name".to_owned(), "星标".to_owned()),
            ]
        );
    }

    #[test]
    fn stores_are_chosen_by_spec() {
        assert!(store(Some("memory")).is_ok());
        assert!(store(Some("file:/tmp/x.json")).is_ok());
        assert!(store(Some("redis://127.0.0.1:6379/1")).is_ok());
        for bad in ["file:", "sqlite://x", "mem"] {
            assert_eq!(
                store(Some(bad)).err().unwrap().code,
                crate::exit::USAGE,
                "{bad}"
            );
        }
    }
}
