//! Reading input, bounded.

use std::io::Read;

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
