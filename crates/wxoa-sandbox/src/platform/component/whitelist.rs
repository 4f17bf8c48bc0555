//! The component's IP whitelist (白名单IP地址列表, spec open-platform.md §1, §4, §8): when
//! one is configured, a call on a component path (`/cgi-bin/component/…`,
//! `/sns/oauth2/component/…`) or one carrying the component token or an authorizer token,
//! from an address outside it, answers 61004 naming the address, as the platform does. The
//! account's own whitelist plays no part in these calls.

use std::net::IpAddr;

use crate::error::ApiError;
use crate::platform::component::config::Component;
use crate::platform::tokens::TokenKind;
use crate::state::State;

/// Whether a call on `path` is the component's by its path alone.
fn component_path(path: &str) -> bool {
    path.starts_with("/cgi-bin/component/") || path.starts_with("/sns/oauth2/component/")
}

impl State {
    /// 61004 when the component has a whitelist, the call is the component's (its path, or
    /// `token` a component or authorizer token) and `ip` is not listed. A call whose peer
    /// address is unknown is let through.
    pub(crate) fn check_component_ip(
        &self,
        component: &Component,
        path: &str,
        token: Option<&str>,
        ip: Option<IpAddr>,
        now: i64,
    ) -> Result<(), ApiError> {
        let (Some(whitelist), Some(ip)) = (&component.ip_whitelist, ip) else {
            return Ok(());
        };
        let ip = ip.to_canonical();
        if whitelist.iter().any(|listed| listed.to_canonical() == ip) {
            return Ok(());
        }
        let by_token = || {
            token
                .and_then(|t| self.token_record(t, now).ok())
                .is_some_and(|r| matches!(r.kind, TokenKind::Component | TokenKind::Authorizer))
        };
        if component_path(path) || by_token() {
            return Err(ApiError::msg(
                61004,
                format!("access clientip is not registered requestIP: {ip}"),
            ));
        }
        Ok(())
    }
}
