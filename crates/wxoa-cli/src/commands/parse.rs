//! `wxoa parse`: one inbound push XML on stdin, printed as typed JSON.

use std::io::{IsTerminal, Write};

use wxoa_crypto::CryptoError;
use wxoa_types::envelope::EnvelopeError;
use wxoa_types::inbound::{Inbound, InboundError};

use crate::cli::ParseArgs;
use crate::exit::Failure;
use crate::io::read_stdin;

pub(crate) fn parse(args: &ParseArgs) -> Result<(), Failure> {
    let input = read_stdin()?;
    let push = Inbound::from_xml(&input).map_err(|error| match error {
        InboundError::Encrypted => Failure::usage(anyhow::anyhow!(
            "the input is an encrypted envelope (safe mode): decrypt it first, e.g. \
             `wxoa crypto decrypt … < push.xml | wxoa parse`"
        )),
        InboundError::Xml(e) => Failure::crypto(CryptoError::ParseXml(EnvelopeError::Xml(e)), None),
        other => Failure::usage(anyhow::anyhow!("the push cannot be read: {other}")),
    })?;
    let stdout = std::io::stdout();
    let json = if args.compact || !stdout.is_terminal() {
        serde_json::to_string(&push)
    } else {
        serde_json::to_string_pretty(&push)
    }
    .map_err(Failure::usage)?;
    writeln!(stdout.lock(), "{json}")?;
    Ok(())
}
