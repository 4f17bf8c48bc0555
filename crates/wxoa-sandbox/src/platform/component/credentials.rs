//! The component's own credentials (spec open-platform.md §2.1, §3): the tickets pushed every
//! 10 minutes and accepted 12 hours, `api_component_token` (7,200 s, the previous token kept 5
//! minutes, a daily cap), the check of a component token on component paths (61014 for any
//! other token), and the component's `clear_quota` (old and v2).

use crate::clock::china_day;
use crate::config::{is_app_id, is_app_secret};
use crate::error::ApiError;
use crate::platform::component::config::{Component, ComponentRules};
use crate::platform::component::{ComponentQuota, PushedTicket};
use crate::platform::tokens::{
    Issued, LIFETIME, TokenKind, random_text, replace_token, take_clear,
};
use crate::state::State;

/// How long a pushed ticket is remembered past its validity (to answer 61005, not 61006).
const TICKET_MEMORY: i64 = 86_400;

/// The AppID and secret of a request about the component, checked in the platform's order:
/// missing AppID 41002, malformed 40013, not this component 61011, missing secret 41004,
/// malformed 40125, wrong 40001.
pub(crate) fn check_component_credentials(
    component: &Component,
    app_id: Option<&str>,
    secret: Option<&str>,
) -> Result<(), ApiError> {
    check_component_appid(component, app_id)?;
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::msg(41004, "appsecret missing"))?;
    if !is_app_secret(secret) {
        return Err(ApiError::msg(40125, "invalid appsecret"));
    }
    if secret != component.secret {
        return Err(ApiError::msg(
            40001,
            "invalid credential, access_token is invalid or not latest",
        ));
    }
    Ok(())
}

/// The `component_appid` of a request: 41002 missing, 40013 malformed, 61011 another one.
pub(crate) fn check_component_appid(
    component: &Component,
    app_id: Option<&str>,
) -> Result<(), ApiError> {
    let app_id = app_id
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    if !is_app_id(app_id) {
        return Err(ApiError::msg(40013, "invalid appid"));
    }
    if app_id != component.app_id {
        return Err(ApiError::msg(61011, "invalid component"));
    }
    Ok(())
}

impl State {
    /// A new ticket when one is due (`force`: at once, as `api_start_push_ticket` asks),
    /// remembered as pushed; the next one is due `ticket_interval` later. A clock moved past
    /// several due times gives one ticket, not one per missed push.
    pub(crate) fn due_ticket(
        &mut self,
        rules: &ComponentRules,
        now: i64,
        force: bool,
    ) -> Option<PushedTicket> {
        let component = &mut self.component;
        if !force && now < component.next_ticket_at {
            return None;
        }
        let ticket = PushedTicket {
            value: format!("ticket@@@{}", random_text(86)),
            at: now,
        };
        component.next_ticket_at = now.saturating_add(rules.ticket_interval);
        let keep_after = now
            .saturating_sub(rules.ticket_validity)
            .saturating_sub(TICKET_MEMORY);
        component.tickets.retain(|t| t.at > keep_after);
        component.tickets.push_back(ticket.clone());
        Some(ticket)
    }

    /// `api_component_token`: the credentials, the ticket (61006 missing or unknown, 61005
    /// older than its validity), the daily cap (45009); a new token valid 7,200 s, the
    /// previous one working 5 more minutes.
    pub(crate) fn issue_component_token(
        &mut self,
        component: &Component,
        secret: Option<&str>,
        app_id: Option<&str>,
        ticket: Option<&str>,
        now: i64,
    ) -> Result<Issued, ApiError> {
        check_component_credentials(component, app_id, secret)?;
        let rules = &component.rules;
        let pushed = ticket
            .filter(|t| !t.is_empty())
            .and_then(|t| self.component.tickets.iter().rev().find(|p| p.value == t))
            .ok_or_else(|| ApiError::msg(61006, "component ticket is invalid"))?;
        if pushed.at.saturating_add(rules.ticket_validity) <= now {
            return Err(ApiError::msg(61005, "component ticket is expired"));
        }
        let quota = &mut self.component.quota;
        if quota.day != china_day(now) {
            quota.day = china_day(now);
            quota.tokens = 0;
        }
        if rules
            .component_tokens_per_day
            .is_some_and(|cap| quota.tokens >= cap)
        {
            return Err(ApiError::msg(45009, "reach max api daily quota limit"));
        }
        quota.tokens += 1;
        let app_id = &component.app_id;
        let slot = &mut self.component.token;
        let token = replace_token(
            &mut self.tokens,
            slot,
            app_id,
            TokenKind::Component,
            now,
            LIFETIME,
        );
        self.prune_tokens(now);
        Ok(Issued {
            token,
            expires_in: LIFETIME,
        })
    }

    /// The check of a component path's token (`component_access_token=` or `access_token=`):
    /// 41001 missing, then the token's own checks (40014, 40001, 42001), 61014 for a token
    /// that is not a component token.
    pub(crate) fn check_component_token(
        &self,
        token: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let token = token.ok_or_else(|| ApiError::msg(41001, "access_token missing"))?;
        let record = self.token_record(token, now)?;
        if record.kind != TokenKind::Component {
            return Err(ApiError::msg(
                61014,
                "must use component token for component api",
            ));
        }
        Ok(())
    }

    /// `clear_quota` for the component itself: its daily counts start again, at most
    /// `per_month` times a month (48006).
    pub(crate) fn clear_component_quota(
        &mut self,
        per_month: u32,
        now: i64,
    ) -> Result<(), ApiError> {
        let quota: &mut ComponentQuota = &mut self.component.quota;
        take_clear(&mut quota.clear_month, &mut quota.clears, per_month, now)?;
        quota.tokens = 0;
        Ok(())
    }
}
