//! The connection limits every server command takes (`wxoa serve`, `wxoa token-server`,
//! `wxoa sandbox`, `wxoa demo`): flags, else the config file's keys of the same names in
//! snake_case, else the defaults of `wxoa_server`.

use std::time::Duration;

use clap::Args;
use wxoa_server::Limits;

use crate::exit::Failure;

/// Limits on slow and idle clients. As flags they are `Option`s, so that a flag left out
/// lets the config file's key, then the default, apply; the config file's values arrive in
/// the same struct.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection limits")]
pub(crate) struct LimitArgs {
    /// Seconds a client has to send a complete request header, from its connection's start
    /// (or from the first byte of a request on a kept-alive connection); then it is closed.
    /// Default 10.
    #[arg(long, value_name = "SECS")]
    pub(crate) header_timeout: Option<u64>,
    /// Seconds a request's whole body may take after its header; a slower body is answered
    /// 408 and the connection closed. Default 10.
    #[arg(long, value_name = "SECS")]
    pub(crate) body_timeout: Option<u64>,
    /// Seconds a connection may sit idle between requests before it is closed; never while a
    /// request is being handled. Default 10.
    #[arg(long, value_name = "SECS")]
    pub(crate) idle_timeout: Option<u64>,
    /// Most connections open at once; more wait to be accepted until one closes. Default
    /// 4096 (lowered, with a warning, when the open-file limit cannot make room for it).
    #[arg(long, value_name = "N")]
    pub(crate) max_connections: Option<usize>,
}

impl LimitArgs {
    /// The limits to serve with — each flag, else the config file's key (`file`), else the
    /// default — with the connection cap fitted under the process's open-file limit (which is
    /// raised when it can be). Zero is refused: it would close every connection at once.
    pub(crate) fn resolve(&self, file: &LimitArgs) -> Result<Limits, Failure> {
        let defaults = Limits::default();
        let seconds = |flag: Option<u64>, key: Option<u64>, name: &str, default: Duration| {
            pick(flag, key, name).map(|s| s.map_or(default, Duration::from_secs))
        };
        let limits = Limits {
            header_read_timeout: seconds(
                self.header_timeout,
                file.header_timeout,
                "header_timeout",
                defaults.header_read_timeout,
            )?,
            body_read_timeout: seconds(
                self.body_timeout,
                file.body_timeout,
                "body_timeout",
                defaults.body_read_timeout,
            )?,
            idle_timeout: seconds(
                self.idle_timeout,
                file.idle_timeout,
                "idle_timeout",
                defaults.idle_timeout,
            )?,
            max_connections: pick(
                self.max_connections,
                file.max_connections,
                "max_connections",
            )?
            .unwrap_or(defaults.max_connections),
        };
        Ok(limits.fit_open_file_limit())
    }
}

/// The flag's value, else the config file's; a zero names where it came from.
fn pick<T: Copy + PartialEq + Default>(
    flag: Option<T>,
    key: Option<T>,
    name: &str,
) -> Result<Option<T>, Failure> {
    let zero = T::default();
    match (flag, key) {
        (Some(value), _) if value == zero => Err(Failure::usage(anyhow::anyhow!(
            "--{} must be at least 1",
            name.replace('_', "-")
        ))),
        (Some(value), _) => Ok(Some(value)),
        (None, Some(value)) if value == zero => Err(Failure::usage(anyhow::anyhow!(
            "{name} in the config file must be at least 1"
        ))),
        (None, key) => Ok(key),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_ones_the_help_states() {
        let limits = LimitArgs::default().resolve(&LimitArgs::default()).unwrap();
        assert_eq!(limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.idle_timeout, Duration::from_secs(10));
        assert_eq!(Limits::default().max_connections, 4096);
    }

    #[test]
    fn a_flag_wins_over_the_config_file_which_wins_over_the_default() {
        let flags = LimitArgs {
            header_timeout: Some(3),
            ..LimitArgs::default()
        };
        let file = LimitArgs {
            header_timeout: Some(7),
            idle_timeout: Some(5),
            max_connections: Some(50),
            ..LimitArgs::default()
        };
        let limits = flags.resolve(&file).unwrap();
        assert_eq!(limits.header_read_timeout, Duration::from_secs(3));
        assert_eq!(limits.idle_timeout, Duration::from_secs(5));
        assert_eq!(limits.body_read_timeout, Duration::from_secs(10));
        assert_eq!(limits.max_connections, 50);
    }

    #[test]
    fn zero_is_refused_naming_the_flag_or_the_key() {
        let flags = LimitArgs {
            idle_timeout: Some(0),
            ..LimitArgs::default()
        };
        let error = flags.resolve(&LimitArgs::default()).unwrap_err();
        assert_eq!(error.code, 2);
        assert!(error.error.to_string().contains("--idle-timeout"));
        let file = LimitArgs {
            max_connections: Some(0),
            ..LimitArgs::default()
        };
        let error = LimitArgs::default().resolve(&file).unwrap_err();
        assert!(
            error
                .error
                .to_string()
                .contains("max_connections in the config file")
        );
    }
}
