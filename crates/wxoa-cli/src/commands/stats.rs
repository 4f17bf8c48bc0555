//! `wxoa stats …`: the account's analytics (数据统计) over a range of days — followers,
//! article reads, messages followers sent, pushes to the server — as a table with a chart in
//! the terminal, CSV or JSON lines, and a chart as an SVG file; `wxoa stats query` reaches any
//! of the platform's analytics endpoints. A long range is split into the calls each endpoint
//! allows (the original documentation's spans, or `--spans`).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::{Map, Value, json};
use wxoa_client::api::stats::{DateRange, ENDPOINTS, Query, ReadSource, Spans, Stats};
use wxoa_types::date::Date;

use crate::commands::api::{client, failure};
use crate::commands::stats_chart::{Series, svg, terminal};
use crate::config::Settings;
use crate::exit::Failure;
use crate::io::{csv_error, is_broken_pipe};
use crate::runtime::block_on;

/// `wxoa stats …`.
#[derive(Debug, Subcommand)]
pub(crate) enum StatsCommand {
    /// Followers per day: follows, unfollows, net and the total (getusersummary and
    /// getusercumulate); the chart draws the total.
    Users(RangeArgs),
    /// Article reads per day, all entries (getuserread, user_source 99999999); the chart
    /// draws the reads.
    Articles(RangeArgs),
    /// Messages followers sent per day, all types (getupstreammsg); the chart draws them.
    Messages(RangeArgs),
    /// Pushes to the account's server per day: count, failures, average and longest time
    /// (getinterfacesummary); the chart draws the count.
    Api(RangeArgs),
    /// The rows of any analytics endpoint (getusersummary … getarticletotaldetail).
    Query(QueryArgs),
}

/// The range and output of every `wxoa stats` command.
#[derive(Debug, Args)]
pub(crate) struct RangeArgs {
    /// The first day, YYYY-MM-DD (Beijing).
    #[arg(long, value_name = "DAY")]
    from: Date,
    /// The last day, YYYY-MM-DD, included; at most yesterday.
    #[arg(long, value_name = "DAY")]
    to: Date,
    /// Output: a table followed by a chart, CSV, or one JSON object a line.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write the chart to FILE as SVG.
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
    /// Days one call of an endpoint covers where the platform differs from the original
    /// documentation, as NAME=DAYS[,NAME=DAYS…] (e.g. getarticleread=30, as one page says);
    /// long ranges are split by them.
    #[arg(
        long,
        value_name = "NAME=DAYS,…",
        default_value = "",
        hide_default_value = true
    )]
    spans: Spans,
}

/// `wxoa stats query`.
#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// The endpoint: getusersummary, getusercumulate, getarticlesummary, getarticletotal,
    /// getuserread, getuserreadhour, getusershare, getusersharehour, getupstreammsg,
    /// getupstreammsghour, getupstreammsgweek, getupstreammsgmonth, getupstreammsgdist,
    /// getupstreammsgdistweek, getupstreammsgdistmonth, getinterfacesummary,
    /// getinterfacesummaryhour, getbizsummary, getarticleread, getarticleshare,
    /// getarticletotaldetail.
    endpoint: String,
    #[command(flatten)]
    range: RangeArgs,
    /// Send the range in one call as given, without splitting it (the platform judges its
    /// span).
    #[arg(long)]
    single_call: bool,
}

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Aligned columns, then a bar chart.
    Table,
    /// CSV with a header line.
    Csv,
    /// One JSON object a line.
    Jsonl,
}

/// Rows with named columns, and the series a chart draws.
struct Report {
    columns: Vec<String>,
    rows: Vec<Map<String, Value>>,
    series: Option<Series>,
}

impl Report {
    /// A report of `rows` (JSON objects) with these columns, charting `column` by `ref_date`.
    fn new(columns: &[&str], rows: Vec<Map<String, Value>>, chart: Option<(&str, &str)>) -> Self {
        let series = chart.map(|(title, column)| Series {
            title: title.to_owned(),
            points: rows
                .iter()
                .map(|row| {
                    let label = row.get("ref_date").map(cell).unwrap_or_default();
                    let value = row.get(column).and_then(Value::as_f64).unwrap_or_default();
                    (label, value)
                })
                .collect(),
        });
        Self {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows,
            series,
        }
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Rows as JSON objects.
fn to_rows<T: Serialize>(rows: &[T]) -> Result<Vec<Map<String, Value>>, Failure> {
    rows.iter()
        .map(|r| serde_json::to_value(r).map(object).map_err(Failure::usage))
        .collect()
}

/// A cell's text: strings as they are, anything else as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub(crate) fn stats(settings: &Settings, command: StatsCommand) -> Result<(), Failure> {
    let args = match &command {
        StatsCommand::Users(args)
        | StatsCommand::Articles(args)
        | StatsCommand::Messages(args)
        | StatsCommand::Api(args) => args,
        StatsCommand::Query(query) => &query.range,
    };
    if args.to < args.from {
        return Err(Failure::usage(anyhow::anyhow!(
            "--to {} is before --from {}",
            args.to,
            args.from
        )));
    }
    let range = DateRange::new(args.from, args.to);
    block_on(async {
        let stats = client(settings)?.stats().with_spans(args.spans.clone());
        let report = match &command {
            StatsCommand::Users(_) => users(&stats, range).await?,
            StatsCommand::Articles(_) => articles(&stats, range).await?,
            StatsCommand::Messages(_) => messages(&stats, range).await?,
            StatsCommand::Api(_) => interface(&stats, range).await?,
            StatsCommand::Query(query) => any(&stats, query, range).await?,
        };
        if let (Some(path), Some(series)) = (&args.chart, &report.series) {
            std::fs::write(path, svg(series)).map_err(|e| {
                Failure::usage(anyhow::anyhow!("cannot write {}: {e}", path.display()))
            })?;
        }
        match print(&report, args.format) {
            Err(failure) if is_broken_pipe(&failure) => Ok(()),
            other => other,
        }
    })
}

async fn users(stats: &Stats, range: DateRange) -> Result<Report, Failure> {
    let days = stats.users(range).await.map_err(failure)?;
    let rows = days
        .iter()
        .map(|d| {
            object(json!({"ref_date": d.ref_date, "new_user": d.new_user,
                          "cancel_user": d.cancel_user, "net_user": d.net(),
                          "cumulate_user": d.cumulate_user}))
        })
        .collect();
    let columns = [
        "ref_date",
        "new_user",
        "cancel_user",
        "net_user",
        "cumulate_user",
    ];
    Ok(Report::new(
        &columns,
        rows,
        Some(("Followers", "cumulate_user")),
    ))
}

async fn articles(stats: &Stats, range: DateRange) -> Result<Report, Failure> {
    let reads = stats.user_read(range).await.map_err(failure)?;
    let all: Vec<_> = reads
        .iter()
        .filter(|r| r.user_source == ReadSource::All)
        .collect();
    let columns = [
        "ref_date",
        "int_page_read_user",
        "int_page_read_count",
        "ori_page_read_user",
        "ori_page_read_count",
        "share_user",
        "share_count",
        "add_to_fav_user",
        "add_to_fav_count",
    ];
    let rows = to_rows(&all)?;
    Ok(Report::new(
        &columns,
        rows,
        Some(("Article reads", "int_page_read_count")),
    ))
}

async fn messages(stats: &Stats, range: DateRange) -> Result<Report, Failure> {
    let rows = stats.upstream_msg(range).await.map_err(failure)?;
    let mut days: Vec<(Date, u64, u64)> = Vec::new();
    for row in &rows {
        match days.last_mut() {
            Some((day, users, count)) if *day == row.ref_date => {
                *users += row.msg_user;
                *count += row.msg_count;
            }
            _ => days.push((row.ref_date, row.msg_user, row.msg_count)),
        }
    }
    let rows = days
        .into_iter()
        .map(|(d, users, count)| {
            object(json!({"ref_date": d, "msg_user": users, "msg_count": count}))
        })
        .collect();
    let columns = ["ref_date", "msg_user", "msg_count"];
    Ok(Report::new(
        &columns,
        rows,
        Some(("Messages from followers", "msg_count")),
    ))
}

async fn interface(stats: &Stats, range: DateRange) -> Result<Report, Failure> {
    let rows = stats.interface_summary(range).await.map_err(failure)?;
    let rows = rows
        .iter()
        .map(|r| {
            object(
                json!({"ref_date": r.ref_date, "callback_count": r.callback_count,
                          "fail_count": r.fail_count, "average_ms": r.average_ms(),
                          "max_time_cost": r.max_time_cost}),
            )
        })
        .collect();
    let columns = [
        "ref_date",
        "callback_count",
        "fail_count",
        "average_ms",
        "max_time_cost",
    ];
    Ok(Report::new(
        &columns,
        rows,
        Some(("Pushes to the server", "callback_count")),
    ))
}

/// Runs a typed query and turns its rows into JSON objects.
async fn rows_of<T>(query: Query<T>, single: bool) -> Result<Vec<Map<String, Value>>, Failure>
where
    T: Serialize + serde::de::DeserializeOwned + PartialEq + Send + 'static,
{
    let query = if single { query.single_call() } else { query };
    to_rows(&query.await.map_err(failure)?)
}

async fn any(stats: &Stats, args: &QueryArgs, range: DateRange) -> Result<Report, Failure> {
    let single = args.single_call;
    let rows = match args.endpoint.as_str() {
        "getusersummary" => rows_of(stats.user_summary(range), single).await?,
        "getusercumulate" => rows_of(stats.user_cumulate(range), single).await?,
        "getarticlesummary" => rows_of(stats.article_summary(range), single).await?,
        "getarticletotal" => rows_of(stats.article_total(range), single).await?,
        "getuserread" => rows_of(stats.user_read(range), single).await?,
        "getuserreadhour" => rows_of(stats.user_read_hour(range), single).await?,
        "getusershare" => rows_of(stats.user_share(range), single).await?,
        "getusersharehour" => rows_of(stats.user_share_hour(range), single).await?,
        "getupstreammsg" => rows_of(stats.upstream_msg(range), single).await?,
        "getupstreammsghour" => rows_of(stats.upstream_msg_hour(range), single).await?,
        "getupstreammsgweek" => rows_of(stats.upstream_msg_week(range), single).await?,
        "getupstreammsgmonth" => rows_of(stats.upstream_msg_month(range), single).await?,
        "getupstreammsgdist" => rows_of(stats.upstream_msg_dist(range), single).await?,
        "getupstreammsgdistweek" => rows_of(stats.upstream_msg_dist_week(range), single).await?,
        "getupstreammsgdistmonth" => rows_of(stats.upstream_msg_dist_month(range), single).await?,
        "getinterfacesummary" => rows_of(stats.interface_summary(range), single).await?,
        "getinterfacesummaryhour" => rows_of(stats.interface_summary_hour(range), single).await?,
        "getbizsummary" => rows_of(stats.biz_summary(range), single).await?,
        "getarticleread" => rows_of(stats.article_read(range), single).await?,
        "getarticleshare" => rows_of(stats.article_share(range), single).await?,
        "getarticletotaldetail" => rows_of(stats.article_total_detail(range), single).await?,
        other => {
            let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
            return Err(Failure::usage(anyhow::anyhow!(
                "{other:?} is not an analytics endpoint; one of {}",
                names.join(", ")
            )));
        }
    };
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    Ok(Report::new(&names, rows, None))
}

fn print(report: &Report, format: Format) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let cells = |row: &Map<String, Value>| -> Vec<String> {
        report
            .columns
            .iter()
            .map(|c| row.get(c).map(cell).unwrap_or_default())
            .collect()
    };
    match format {
        Format::Jsonl => {
            for row in &report.rows {
                serde_json::to_writer(&mut out, row).map_err(Failure::usage)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record(&report.columns).map_err(csv_error)?;
            for row in &report.rows {
                csv.write_record(cells(row)).map_err(csv_error)?;
            }
            csv.flush()?;
        }
        Format::Table => {
            let table: Vec<Vec<String>> = report.rows.iter().map(cells).collect();
            let widths: Vec<usize> = report
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let widest = table
                        .iter()
                        .filter_map(|r| r.get(i))
                        .map(|s| s.chars().count());
                    widest.chain([c.len()]).max().unwrap_or(0)
                })
                .collect();
            let line = |values: &[String]| -> String {
                let padded: Vec<String> = values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:>w$}"))
                    .collect();
                padded.join("  ")
            };
            writeln!(out, "{}", line(&report.columns))?;
            for row in &table {
                writeln!(out, "{}", line(row))?;
            }
            if let Some(series) = report.series.as_ref().filter(|s| !s.points.is_empty()) {
                writeln!(out)?;
                write!(out, "{}", terminal(series))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
