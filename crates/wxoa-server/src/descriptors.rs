//! Fitting the connection cap under the process's open-file limit.

use crate::Limits;

/// File descriptors kept free for everything but client connections: the listener, logs,
/// Redis connections, outgoing HTTP (late replies, token fetches), the state file.
pub const RESERVED_DESCRIPTORS: usize = 256;

impl Limits {
    /// Makes room for [`Limits::max_connections`] under the process's open-file limit: raises
    /// the soft limit (as far as the hard limit allows) to the cap plus
    /// [`RESERVED_DESCRIPTORS`]. When even the hard limit is too low, returns the limits with
    /// the cap lowered to what fits, and logs a warning saying so — a cap above the open-file
    /// limit would let slow clients take every descriptor, leaving none for the server's own
    /// connections, and make `accept` fail instead of letting new connections wait.
    ///
    /// This changes a process-wide setting, so a program calls it once at start; the wxoa
    /// commands do. Without such a limit (not Unix), the limits are returned unchanged.
    ///
    /// ```
    /// let limits = wxoa_server::Limits::default().fit_open_file_limit();
    /// assert!(limits.max_connections >= 1);
    /// ```
    #[must_use]
    pub fn fit_open_file_limit(self) -> Limits {
        #[cfg(unix)]
        {
            let fits = unix::fit(self.max_connections.saturating_add(RESERVED_DESCRIPTORS));
            let connections = fits.saturating_sub(RESERVED_DESCRIPTORS).max(1);
            if connections < self.max_connections {
                tracing::warn!(
                    max_connections = self.max_connections,
                    open_file_limit = fits,
                    "the open-file limit leaves room for only {connections} connections: the cap \
                     is lowered to that (raise the limit, e.g. `ulimit -n`, to allow more)"
                );
                return Limits {
                    max_connections: connections,
                    ..self
                };
            }
        }
        self
    }
}

#[cfg(unix)]
mod unix {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

    /// Raises the soft open-file limit towards `wanted` and returns the descriptors now
    /// allowed (at least `wanted` when the limit allows it).
    pub(super) fn fit(wanted: usize) -> usize {
        let wanted = u64::try_from(wanted).unwrap_or(u64::MAX);
        let limit = getrlimit(Resource::Nofile);
        // `None` is "unlimited".
        let soft = limit.current.unwrap_or(u64::MAX);
        if soft >= wanted {
            return usize::try_from(wanted).unwrap_or(usize::MAX);
        }
        let target = wanted.min(limit.maximum.unwrap_or(u64::MAX));
        let raised = target > soft
            && setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(target),
                    maximum: limit.maximum,
                },
            )
            .is_ok();
        let now = if raised { target } else { soft };
        if raised {
            tracing::info!(from = soft, to = now, "raised the open-file limit");
        }
        usize::try_from(now).unwrap_or(usize::MAX)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_cap_within_the_limit_is_kept_and_the_soft_limit_covers_it() {
        let limits = Limits {
            max_connections: 100,
            ..Limits::default()
        }
        .fit_open_file_limit();
        assert_eq!(limits.max_connections, 100);
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        assert!(
            soft >= 100 + RESERVED_DESCRIPTORS as u64,
            "soft limit {soft}"
        );
    }

    #[test]
    fn a_cap_above_the_hard_limit_is_lowered_to_fit() {
        let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
        let Some(hard) = hard.and_then(|h| usize::try_from(h).ok()) else {
            // An unlimited hard limit leaves nothing to lower.
            return;
        };
        let limits = Limits {
            max_connections: hard.saturating_mul(2),
            ..Limits::default()
        }
        .fit_open_file_limit();
        assert!(limits.max_connections >= 1);
        assert!(
            limits.max_connections <= hard.saturating_sub(RESERVED_DESCRIPTORS).max(1),
            "{} connections under a hard limit of {hard}",
            limits.max_connections
        );
    }
}
