//! `wxoa user …` (CONTRACT §7): followers, their profiles and remarks. `user list --all`
//! streams every follower — with `--details`, every profile — to JSONL or CSV in constant
//! memory, with a progress bar on a terminal.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use futures::{StreamExt, TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wxoa_client::Client;
use wxoa_client::api::migration::CHANGE_OPENIDS_MAX;
use wxoa_client::api::users::{DETAILS_CONCURRENCY, Lang, ProfileBatch, User};

use crate::commands::api::{call, client, failure};
use crate::config::Settings;
use crate::exit::Failure;
use crate::io::{csv_error, is_broken_pipe, open_out};
use crate::runtime::block_on;

/// `wxoa user …`.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// List followers: one page (per --output), or every follower as records with --all.
    List(ListArgs),
    /// A follower's profile.
    Info(InfoArgs),
    /// Set the account's remark on a follower (shorter than 30 characters; "" clears it).
    Remark(RemarkArgs),
    /// After an account migration: the new OpenIDs of followers of the old account
    /// (changeopenid, 100 per call, for 15 days after the migration). Prints one result per
    /// OpenID: ori_openid, new_openid, or err_msg "ori_openid error" for someone who does not
    /// follow the old account.
    Migrate(MigrateArgs),
}

/// Options of `wxoa user migrate`.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    /// The old account's AppID (or its original id gh_…).
    #[arg(long, value_name = "APPID")]
    pub(crate) from_appid: String,
    #[command(flatten)]
    pub(crate) openids: OpenIds,
}

/// Options of `wxoa user list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Every follower, paging through the list for you, written as one record per follower.
    #[arg(long)]
    pub(crate) all: bool,
    /// Record format of --all.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub(crate) format: Format,
    /// Write the records of --all to FILE instead of stdout.
    #[arg(long, value_name = "FILE", requires = "all")]
    pub(crate) out: Option<PathBuf>,
    /// With --all: each follower's profile (user/info/batchget, 100 per call).
    #[arg(long, requires = "all")]
    pub(crate) details: bool,
    /// With --details: the most batchget calls in flight. The export starts with 4 and grows
    /// towards N while answers come back fast; it halves when the platform throttles (-1,
    /// 45011) or slows down.
    #[arg(long, value_name = "N", default_value_t = DETAILS_CONCURRENCY)]
    pub(crate) concurrency: usize,
    /// One page starting after this OpenID (the `next_openid` of the previous page).
    #[arg(long, value_name = "OPENID", conflicts_with = "all")]
    pub(crate) next_openid: Option<String>,
}

/// How `user list --all` writes records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// The language of place names in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LangArg {
    /// Simplified Chinese.
    #[value(name = "zh_CN")]
    ZhCn,
    /// Traditional Chinese.
    #[value(name = "zh_TW")]
    ZhTw,
    /// English.
    #[value(name = "en")]
    En,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Self {
        match lang {
            LangArg::ZhCn => Lang::ZhCn,
            LangArg::ZhTw => Lang::ZhTw,
            LangArg::En => Lang::En,
        }
    }
}

/// Options of `wxoa user info`.
#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// The follower's OpenID.
    pub(crate) openid: String,
    /// The language of place names.
    #[arg(long, value_enum)]
    pub(crate) lang: Option<LangArg>,
}

/// Options of `wxoa user remark`.
#[derive(Debug, Args)]
pub(crate) struct RemarkArgs {
    /// The follower's OpenID.
    pub(crate) openid: String,
    /// The remark.
    pub(crate) remark: String,
}

/// OpenIDs given on the command line and/or in a file, one per line.
#[derive(Debug, Args)]
pub(crate) struct OpenIds {
    /// OpenIDs.
    #[arg(value_name = "OPENID")]
    pub(crate) openids: Vec<String>,
    /// Also the OpenIDs of FILE, one per line (- for stdin): any number, sent in batches of the
    /// platform's size.
    #[arg(long = "from", value_name = "FILE")]
    pub(crate) from: Option<PathBuf>,
}

impl OpenIds {
    /// Every OpenID given; at least one.
    pub(crate) fn read(self) -> Result<Vec<String>, Failure> {
        let mut openids = self.openids;
        if let Some(path) = &self.from {
            read_lines(path, &mut openids)?;
        }
        if openids.is_empty() {
            return Err(Failure::usage(anyhow::anyhow!(
                "no OpenID: give some, or --from FILE"
            )));
        }
        Ok(openids)
    }
}

fn read_lines(path: &Path, into: &mut Vec<String>) -> Result<(), Failure> {
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = File::open(path)
            .map_err(|e| Failure::usage(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
        Box::new(BufReader::new(file))
    };
    for line in reader.lines() {
        let line = line?;
        let openid = line.trim();
        if !openid.is_empty() {
            into.push(openid.to_owned());
        }
    }
    Ok(())
}

pub(crate) fn user(settings: &Settings, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::List(args) if args.all => export(settings, &args),
        UserCommand::List(args) => call(settings, |client| async move {
            let page = client.users().list();
            match args.next_openid {
                Some(next) => page.next_openid(next).await,
                None => page.await,
            }
        }),
        UserCommand::Info(args) => call(settings, |client| async move {
            let info = client.users().info(args.openid);
            match args.lang {
                Some(lang) => info.lang(lang.into()).await,
                None => info.await,
            }
        }),
        UserCommand::Remark(args) => call(settings, |client| async move {
            client.users().update_remark(args.openid, args.remark).await
        }),
        UserCommand::Migrate(args) => {
            let openids = args.openids.read()?;
            let from = args.from_appid;
            call(settings, |client| async move {
                let mut changes = Vec::with_capacity(openids.len());
                for batch in openids.chunks(CHANGE_OPENIDS_MAX) {
                    let batch = batch.iter().map(String::as_str);
                    changes.extend(
                        client
                            .migration()
                            .change_openids(from.clone(), batch)
                            .await?,
                    );
                }
                Ok(changes)
            })
        }
    }
}

/// The profile columns of `--format csv --details`.
const CSV_COLUMNS: [&str; 11] = [
    "openid",
    "subscribe",
    "language",
    "subscribe_time",
    "unionid",
    "remark",
    "groupid",
    "tagid_list",
    "subscribe_scene",
    "qr_scene",
    "qr_scene_str",
];

/// Where records go, in the format asked for.
enum Sink {
    Jsonl(BufWriter<Box<dyn Write>>),
    Csv(Box<csv::Writer<Box<dyn Write>>>),
}

impl Sink {
    fn new(format: Format, out: Option<&Path>, details: bool) -> Result<Sink, Failure> {
        let writer = open_out(out)?;
        Ok(match format {
            Format::Jsonl => Sink::Jsonl(BufWriter::with_capacity(1 << 16, writer)),
            Format::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .buffer_capacity(1 << 16)
                    .from_writer(writer);
                if details {
                    csv.write_record(CSV_COLUMNS).map_err(csv_error)?;
                } else {
                    csv.write_record(["openid"]).map_err(csv_error)?;
                }
                Sink::Csv(Box::new(csv))
            }
        })
    }

    fn openid(&mut self, openid: &str) -> Result<(), Failure> {
        match self {
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, &serde_json::json!({"openid": openid}))
                    .map_err(Failure::usage)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(out) => out.write_record([openid]).map_err(csv_error)?,
        }
        Ok(())
    }

    /// The profiles of one `batchget` answer; how many were written. JSONL gets each
    /// profile's JSON exactly as the platform sent it (one line each), without building it.
    fn profiles(&mut self, batch: &ProfileBatch) -> Result<u64, Failure> {
        match self {
            Sink::Jsonl(out) => {
                let raw = batch.raw().map_err(failure)?;
                for profile in &raw {
                    let text = profile.get();
                    if text.contains('\n') {
                        // Whitespace between tokens (a string never holds a raw newline): the
                        // line is written compact.
                        let value: serde_json::Value =
                            serde_json::from_str(text).map_err(Failure::usage)?;
                        serde_json::to_writer(&mut *out, &value).map_err(Failure::usage)?;
                    } else {
                        out.write_all(text.as_bytes())?;
                    }
                    out.write_all(b"\n")?;
                }
                Ok(raw.len() as u64)
            }
            Sink::Csv(_) => {
                let users = batch.users().map_err(failure)?;
                for user in &users {
                    self.user(user)?;
                }
                Ok(users.len() as u64)
            }
        }
    }

    fn user(&mut self, user: &User) -> Result<(), Failure> {
        match self {
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, user).map_err(Failure::usage)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(out) => {
                let text = |v: &Option<String>| v.clone().unwrap_or_default();
                let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
                let tags: Vec<String> = user.tagid_list.iter().map(ToString::to_string).collect();
                out.write_record([
                    user.openid.to_string(),
                    user.subscribe.to_string(),
                    text(&user.language),
                    number(user.subscribe_time),
                    user.unionid
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    text(&user.remark),
                    number(user.groupid),
                    tags.join(";"),
                    user.subscribe_scene
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    number(user.qr_scene),
                    text(&user.qr_scene_str),
                ])
                .map_err(csv_error)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Failure> {
        match self {
            Sink::Jsonl(mut out) => out.flush()?,
            Sink::Csv(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// A progress bar on stderr when it is a terminal (and --quiet is not given); hidden
/// otherwise.
fn progress_bar(settings: &Settings) -> ProgressBar {
    if settings.global.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
    match ProgressStyle::with_template(
        "{spinner} {human_pos}/{human_len} followers [{wide_bar}] {per_sec:0} ETA {eta}",
    ) {
        Ok(style) => bar.with_style(style),
        Err(_) => bar,
    }
}

/// `user list --all`: pages, then (with --details) batchget in chunks of 100, written as they
/// come — a page of OpenIDs and the calls in flight are all that is held in memory.
fn export(settings: &Settings, args: &ListArgs) -> Result<(), Failure> {
    block_on(async move {
        let client = client(settings)?;
        let mut sink = Sink::new(args.format, args.out.as_deref(), args.details)?;
        let bar = progress_bar(settings);
        let written = write_all(&client, args, &mut sink, &bar).await;
        bar.finish_and_clear();
        // What was written before a failure is kept.
        let count = match written.and_then(|count| sink.finish().map(|()| count)) {
            Ok(count) => count,
            Err(failure) if is_broken_pipe(&failure) => return Ok(()),
            Err(failure) => return Err(failure),
        };
        if !settings.global.quiet && std::io::stderr().is_terminal() {
            let target = args
                .out
                .as_ref()
                .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string());
            let _ = writeln!(std::io::stderr(), "wrote {count} followers to {target}");
        }
        Ok(())
    })
}

async fn write_all(
    client: &Client,
    args: &ListArgs,
    sink: &mut Sink,
    bar: &ProgressBar,
) -> Result<u64, Failure> {
    let users = client.users();
    let progress = bar.clone();
    let openids = users
        .pages()
        .inspect_ok(move |page| {
            if let Some(total) = page.total {
                progress.set_length(total);
            }
        })
        .map_ok(|page| stream::iter(page.into_openids().into_iter().map(Ok)))
        .try_flatten();
    let mut count = 0;
    if args.details {
        let mut batches = std::pin::pin!(users.stream_detail_batches(openids, args.concurrency));
        while let Some(batch) = batches.next().await {
            let written = sink.profiles(&batch.map_err(failure)?)?;
            count += written;
            bar.inc(written);
        }
    } else {
        let mut openids = std::pin::pin!(openids);
        while let Some(openid) = openids.next().await {
            sink.openid(openid.map_err(failure)?.as_str())?;
            count += 1;
            bar.inc(1);
        }
    }
    Ok(count)
}
