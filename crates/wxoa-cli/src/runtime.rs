//! The async runtime of the server commands, and their shutdown on Ctrl-C or SIGTERM.

use std::future::Future;

use crate::exit::Failure;

/// Runs a server command on a multi-threaded runtime.
pub(crate) fn block_on<T, F: Future<Output = Result<T, Failure>>>(future: F) -> Result<T, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::usage)?
        .block_on(future)
}

/// Registers for Ctrl-C and SIGTERM now, and returns a future that completes on either.
///
/// Registration happens before the command announces that it is listening: a signal that
/// arrives between the announcement and the first poll is then caught rather than killing
/// the process with the default action (which a supervisor sees as a crash, not a stop).
pub(crate) fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static, Failure> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).map_err(Failure::usage)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(Failure::usage)?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}
