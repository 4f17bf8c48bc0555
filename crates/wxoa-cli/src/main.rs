//! The `wxoa` binary: thin glue over the wxoa libraries. See CONTRACT.md for the interface.

mod cli;
mod commands;
mod config;
mod exit;
mod io;
mod runtime;

use std::io::Write;
use std::process::ExitCode;

/// The servers allocate per request; mimalloc costs a fraction of glibc's malloc there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use crate::cli::{Cli, Command, CryptoCommand};
use crate::config::Settings;
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = Cli::from_args();
    init_logging(cli.global.verbose, cli.global.quiet);
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            // `{:#}` prints the whole chain of causes on one line.
            let _ = writeln!(std::io::stderr(), "wxoa: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

/// Logs go to stderr. `-v`/`--quiet` win over `RUST_LOG` (command line > environment); the
/// default shows warnings. Secrets never reach a log line: every library logs them redacted.
/// Colours only on a terminal (and not with `NO_COLOR` set): a log piped to a file, journald or
/// a collector stays plain text.
fn init_logging(verbose: u8, quiet: bool) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let level = match (quiet, verbose) {
        (true, _) => Some("error"),
        (false, 0) => None,
        (false, 1) => Some("info"),
        (false, 2) => Some("debug"),
        (false, _) => Some("trace"),
    };
    let filter = match level {
        Some(level) => EnvFilter::new(level),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}

fn run(cli: Cli) -> Result<(), Failure> {
    // These two read no configuration (checking one must not fail before it reports).
    match &cli.command {
        Command::Config(commands::config::ConfigCommand::Check(args)) => {
            return commands::config::check(cli.global, args);
        }
        Command::Completions(args) => return commands::config::completions(args),
        _ => {}
    }
    let settings = Settings::load(cli.global)?;
    match cli.command {
        Command::Crypto(CryptoCommand::Sign(args)) => commands::crypto::sign(&settings, &args),
        Command::Crypto(CryptoCommand::Decrypt(args)) => {
            commands::crypto::decrypt(&settings, &args)
        }
        Command::Crypto(CryptoCommand::Encrypt(args)) => {
            commands::crypto::encrypt(&settings, &args)
        }
        Command::Parse(args) => commands::parse::parse(&args),
        Command::Serve(args) => commands::serve::serve(&settings, &args),
        Command::Doctor(args) => commands::doctor::doctor(&settings, &args),
        Command::TokenServer(args) => commands::token_server::token_server(&settings, &args),
        Command::Demo(args) => commands::demo::run(&settings, &args),
        Command::User(command) => commands::user::user(&settings, command),
        Command::Tag(command) => commands::tag::tag(&settings, command),
        Command::Group(command) => commands::group::group(&settings, command),
        Command::Blacklist(command) => commands::blacklist::blacklist(&settings, command),
        Command::Menu(command) => commands::menu::menu(&settings, command),
        Command::Send(command) => commands::send::send(&settings, command),
        Command::Kf(command) => commands::kf::kf(&settings, command),
        Command::Component(command) => commands::component::component(&settings, command),
        Command::Template(command) => commands::template::template(&settings, command),
        Command::Subscribe(command) => commands::subscribe::subscribe(&settings, command),
        Command::Stats(command) => commands::stats::stats(&settings, command),
        Command::Oauth(command) => commands::oauth::oauth(&settings, command),
        Command::Jssdk(command) => commands::jssdk::jssdk(&settings, command),
        Command::Qrcode(command) => commands::qrcode::qrcode(&settings, command),
        Command::Media(command) => commands::media::media(&settings, command),
        Command::Mass(command) => commands::mass::mass(&settings, command),
        Command::Card(command) => commands::card::card(&settings, command),
        Command::Misc(command) => commands::misc::misc(&settings, command),
        Command::Autoreply(command) => commands::autoreply::autoreply(&settings, command),
        Command::Marketing(command) => commands::marketing::marketing(&settings, command),
        Command::Ocr(command) => commands::cv::ocr(&settings, command),
        Command::Img(command) => commands::cv::img(&settings, command),
        Command::Shorturl(command) => commands::shorturl::shorturl(&settings, command),
        Command::Draft(command) => commands::publish::draft(&settings, command),
        Command::Publish(command) => commands::publish::publish(&settings, command),
        Command::Comment(command) => commands::comment::comment(&settings, command),
        Command::Api(command) => commands::api::api(&settings, command),
        Command::Sandbox(args) => commands::sandbox::sandbox(&settings, &args),
        // Answered above, before any configuration is read.
        Command::Config(_) | Command::Completions(_) => Ok(()),
    }
}
