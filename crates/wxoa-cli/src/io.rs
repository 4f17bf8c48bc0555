//! Reading input, bounded; where exported records are written.

use std::io::{Read, Write};
use std::path::Path;

use crate::exit::Failure;

/// Most bytes read from stdin: far above any push or reply.
pub(crate) const MAX_STDIN: u64 = 4 * 1024 * 1024;

/// Reads all of stdin, refusing more than [`MAX_STDIN`] bytes.
pub(crate) fn read_stdin() -> Result<Vec<u8>, Failure> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut input)?;
    if input.len() as u64 > MAX_STDIN {
        return Err(Failure::usage(anyhow::anyhow!(
            "stdin is over {MAX_STDIN} bytes: that is no push or reply"
        )));
    }
    Ok(input)
}

/// Reads a file, or stdin for `-`, refusing more than [`MAX_STDIN`] bytes.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    if path == std::path::Path::new("-") {
        return read_stdin();
    }
    let mut text = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_STDIN + 1).read_to_end(&mut text))
        .map_err(|e| Failure::usage(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    if text.len() as u64 > MAX_STDIN {
        return Err(Failure::usage(anyhow::anyhow!(
            "{} is over {MAX_STDIN} bytes",
            path.display()
        )));
    }
    Ok(text)
}

/// Where an export writes: FILE (created, or truncated) or stdout.
pub(crate) fn open_out(out: Option<&Path>) -> Result<Box<dyn Write>, Failure> {
    Ok(match out {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            Failure::usage(anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })?),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// A CSV writer's error as the CLI reports it: I/O errors stay I/O errors (a closed pipe is
/// recognised by [`is_broken_pipe`]).
pub(crate) fn csv_error(error: csv::Error) -> Failure {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => Failure::from(error),
        other => Failure::usage(anyhow::anyhow!("cannot write CSV: {other:?}")),
    }
}

/// Whether writing failed because the reader went away (`wxoa user list --all | head`): not
/// an error of the export.
pub(crate) fn is_broken_pipe(failure: &Failure) -> bool {
    failure
        .error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
