//! `wxoa kf …`: customer-service agent accounts, sessions (`wxoa kf session …`) and the
//! message record (`wxoa kf records`, every record of a span, paged for the user).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use wxoa_client::Upload;
use wxoa_client::api::custom::MsgRecord;
use wxoa_types::date::Date;

use crate::commands::api::{call, client, failure};
use crate::commands::user::Format;
use crate::config::Settings;
use crate::exit::Failure;
use crate::io::{csv_error, is_broken_pipe, open_out};
use crate::runtime::block_on;

/// `wxoa kf …`.
#[derive(Debug, Subcommand)]
pub(crate) enum KfCommand {
    /// Every agent account.
    List,
    /// The agents online.
    Online,
    /// Add an agent account prefix@account.
    Add {
        /// The account, prefix@account (a prefix of at most 10 letters and digits).
        kf_account: String,
        /// The nickname.
        nickname: String,
    },
    /// Rename an agent account.
    Update {
        /// The account.
        kf_account: String,
        /// The new nickname.
        nickname: String,
    },
    /// Delete an agent account.
    Delete {
        /// The account.
        kf_account: String,
    },
    /// Invite a WeChat user to bind to an agent account.
    Invite {
        /// The account.
        kf_account: String,
        /// The WeChat id invited.
        wechat_id: String,
    },
    /// Set an agent's avatar (a JPG or PNG file).
    Avatar {
        /// The account.
        kf_account: String,
        /// The image.
        file: PathBuf,
    },
    /// Sessions between agents and followers.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Every record of what agents and followers said between two times, as JSONL or CSV
    /// (cut into the 24-hour calls the platform allows and paged for you).
    Records(RecordsArgs),
}

/// `wxoa kf session …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SessionCommand {
    /// An agent opens a session with a follower.
    Create {
        /// The agent, prefix@account.
        kf_account: String,
        /// The follower.
        openid: String,
    },
    /// An agent closes their session with a follower.
    Close {
        /// The agent, prefix@account.
        kf_account: String,
        /// The follower.
        openid: String,
    },
    /// Who serves a follower (`kf_account` is empty when nobody does).
    Get {
        /// The follower.
        openid: String,
    },
    /// The sessions an agent holds.
    List {
        /// The agent, prefix@account.
        kf_account: String,
    },
    /// The followers waiting for an agent (the first 100, and how many wait).
    Waiting,
}

/// Options of `wxoa kf records`.
#[derive(Debug, Args)]
pub(crate) struct RecordsArgs {
    /// From: a day YYYY-MM-DD (its first second, Beijing time) or Unix seconds.
    #[arg(long, value_name = "WHEN")]
    from: String,
    /// To: a day YYYY-MM-DD (its last second, Beijing time) or Unix seconds, included.
    #[arg(long, value_name = "WHEN")]
    to: String,
    /// Record format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Write the records to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Never let one call cross midnight in Beijing (for platforms that refuse it; one more
    /// call a range at most).
    #[arg(long)]
    calendar_days: bool,
}

/// `--from`/`--to`: a Beijing day (its first or last second) or Unix seconds.
fn instant(flag: &str, text: &str, end_of_day: bool) -> Result<i64, Failure> {
    if let Ok(unix) = text.parse::<i64>() {
        return Ok(unix);
    }
    let day: Date = text.parse().map_err(|e| {
        Failure::usage(anyhow::anyhow!(
            "{flag} {text:?}: {e} (or give Unix seconds)"
        ))
    })?;
    Ok(if end_of_day {
        day.end_unix()
    } else {
        day.start_unix()
    })
}

const RECORD_COLUMNS: [&str; 5] = ["time", "openid", "opercode", "worker", "text"];

fn records(settings: &Settings, args: &RecordsArgs) -> Result<(), Failure> {
    let start = instant("--from", &args.from, false)?;
    let end = instant("--to", &args.to, true)?;
    if start >= end {
        return Err(Failure::usage(anyhow::anyhow!(
            "--from must be earlier than --to"
        )));
    }
    block_on(async move {
        let client = client(settings)?;
        let writer = open_out(args.out.as_deref())?;
        let mut sink = match args.format {
            Format::Jsonl => RecordSink::Jsonl(BufWriter::with_capacity(1 << 16, writer)),
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(writer);
                csv.write_record(RECORD_COLUMNS).map_err(csv_error)?;
                RecordSink::Csv(Box::new(csv))
            }
        };
        let mut all = std::pin::pin!(
            client
                .custom()
                .records(start, end)
                .calendar_days(args.calendar_days)
                .all()
        );
        let written = async {
            while let Some(record) = all.try_next().await.map_err(failure)? {
                sink.write(&record)?;
            }
            sink.finish()
        }
        .await;
        match written {
            Err(failure) if is_broken_pipe(&failure) => Ok(()),
            other => other,
        }
    })
}

/// Where `kf records` writes.
enum RecordSink {
    Jsonl(BufWriter<Box<dyn Write>>),
    Csv(Box<csv::Writer<Box<dyn Write>>>),
}

impl RecordSink {
    fn write(&mut self, record: &MsgRecord) -> Result<(), Failure> {
        match self {
            RecordSink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, record).map_err(Failure::usage)?;
                out.write_all(b"\n")?;
            }
            RecordSink::Csv(out) => out
                .write_record([
                    record.time.to_string().as_str(),
                    record.openid.as_str(),
                    record.opercode.to_string().as_str(),
                    record.worker.as_str(),
                    record.text.as_str(),
                ])
                .map_err(csv_error)?,
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Failure> {
        match self {
            RecordSink::Jsonl(mut out) => out.flush()?,
            RecordSink::Csv(mut out) => out.flush()?,
        }
        Ok(())
    }
}

pub(crate) fn kf(settings: &Settings, command: KfCommand) -> Result<(), Failure> {
    match command {
        KfCommand::List => call(settings, |c| async move { c.custom().accounts().await }),
        KfCommand::Online => call(
            settings,
            |c| async move { c.custom().online_accounts().await },
        ),
        KfCommand::Add {
            kf_account,
            nickname,
        } => call(settings, |c| async move {
            c.custom().add_account(kf_account, nickname).await
        }),
        KfCommand::Update {
            kf_account,
            nickname,
        } => call(settings, |c| async move {
            c.custom().update_account(kf_account, nickname).await
        }),
        KfCommand::Delete { kf_account } => call(settings, |c| async move {
            c.custom().delete_account(kf_account).await
        }),
        KfCommand::Invite {
            kf_account,
            wechat_id,
        } => call(settings, |c| async move {
            c.custom().invite_worker(kf_account, wechat_id).await
        }),
        KfCommand::Avatar { kf_account, file } => call(settings, |c| async move {
            c.custom()
                .upload_avatar(kf_account, Upload::path(file))
                .await
        }),
        KfCommand::Session(command) => session(settings, command),
        KfCommand::Records(args) => records(settings, &args),
    }
}

fn session(settings: &Settings, command: SessionCommand) -> Result<(), Failure> {
    match command {
        SessionCommand::Create { kf_account, openid } => call(settings, |c| async move {
            c.custom().open_session(kf_account, openid).await
        }),
        SessionCommand::Close { kf_account, openid } => call(settings, |c| async move {
            c.custom().close_session(kf_account, openid).await
        }),
        SessionCommand::Get { openid } => {
            call(
                settings,
                |c| async move { c.custom().session_of(openid).await },
            )
        }
        SessionCommand::List { kf_account } => call(settings, |c| async move {
            c.custom().sessions_of(kf_account).await
        }),
        SessionCommand::Waiting => call(settings, |c| async move { c.custom().waiting().await }),
    }
}
