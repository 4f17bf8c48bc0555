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
