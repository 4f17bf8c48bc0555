//! The `wxoa` binary: thin glue over the wxoa libraries. See CONTRACT.md for the interface.

mod cli;
mod commands;
mod config;
mod exit;
mod io;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, CryptoCommand};
use crate::config::Settings;
use crate::exit::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            // `{:#}` prints the whole chain of causes on one line.
            let _ = writeln!(std::io::stderr(), "wxoa: {:#}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
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
    }
}
