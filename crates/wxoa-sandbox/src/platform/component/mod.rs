//! The third-party platform (开放平台 component, spec open-platform.md): what the platform
//! keeps of the component — its tickets, its token, its quota — and of each authorization,
//! kept compact (one small record per authorizer, no task or timer of its own) so ten
//! thousand authorized accounts cost little. Concerns by file: `config` (what a sandbox is
//! configured with), `credentials` (tickets, the component token, its quota and
//! `clear_quota`), `authorize` (pre-auth and authorization codes, consent and revocation,
//! authorizer tokens, the list, the options), `events` (the XML of the pushes to the
//! authorization-event URL), `profile` (what `api_get_authorizer_info` says of an account),
//! `release` (the 全网发布 test's accounts, cases and their judgement), `whitelist` (61004 for
//! callers outside the component's IP whitelist).
//! `refresh_log` (the authorizer tokens issued, and calls with expired ones).

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

pub(crate) mod authorize;
pub(crate) mod config;
pub(crate) mod credentials;
pub(crate) mod events;
pub(crate) mod profile;
pub(crate) mod refresh_log;
pub(crate) mod release;
pub(crate) mod whitelist;

/// The permission sets granted (func_info ids 1–127) as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FuncSet(u128);

impl FuncSet {
    /// The set of these ids; the first id outside 1–127, if any.
    pub(crate) fn of(ids: &[i64]) -> Result<Self, i64> {
        let mut bits = 0u128;
        for &id in ids {
            if !(1..=127).contains(&id) {
                return Err(id);
            }
            bits |= 1u128 << id;
        }
        Ok(Self(bits))
    }

    /// Whether permission set `id` is granted.
    pub(crate) fn has(self, id: u8) -> bool {
        id < 128 && self.0 & (1u128 << id) != 0
    }

    /// The ids, ascending.
    pub(crate) fn ids(self) -> impl Iterator<Item = u8> {
        (1u8..128).filter(move |&id| self.has(id))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `func_info` as the platform answers it: `[{"funcscope_category": {"id": N}}, …]`.
    pub(crate) fn func_info(self) -> serde_json::Value {
        serde_json::Value::Array(
            self.ids()
                .map(|id| serde_json::json!({"funcscope_category": {"id": id}}))
                .collect(),
        )
    }
}

impl Serialize for FuncSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.ids())
    }
}

impl<'de> Deserialize<'de> for FuncSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ids = Vec::<i64>::deserialize(d)?;
        Self::of(&ids).map_err(|id| serde::de::Error::custom(format!("func id {id} not in 1-127")))
    }
}

/// The permission sets of an official account (the ids the old documentation lists), which
/// pre-authorized accounts are granted.
pub(crate) const OA_FUNC_IDS: &[i64] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 22, 23, 24, 26,
];

/// The permission set an official-account API belongs to (func_info ids, spec §3), by path:
/// a call made with an authorizer token outside the granted sets answers 61007. Paths in no
/// set (tickets, quotas, IP lists) need none.
pub(crate) fn func_for_path(path: &str) -> Option<u8> {
    const AREAS: &[(&str, u8)] = &[
        ("/cgi-bin/message/mass/", 7),
        ("/cgi-bin/media/uploadnews", 7),
        ("/cgi-bin/message/", 1),
        ("/cgi-bin/template/", 1),
        ("/wxaapi/newtmpl/", 1),
        ("/cgi-bin/user/", 2),
        ("/cgi-bin/tags/", 2),
        ("/cgi-bin/groups/", 2),
        ("/cgi-bin/qrcode/", 3),
        ("/cgi-bin/shorturl", 3),
        ("/cgi-bin/get_current_autoreply_info", 1),
        ("/cgi-bin/customservice/", 6),
        ("/customservice/", 6),
        ("/cgi-bin/material/", 11),
        ("/cgi-bin/media/", 11),
        ("/cgi-bin/draft/", 11),
        ("/cgi-bin/freepublish/", 11),
        ("/cgi-bin/comment/", 11),
        ("/cgi-bin/menu/", 15),
        ("/cgi-bin/get_current_selfmenu_info", 15),
        ("/card/", 8),
        ("/datacube/", 3),
    ];
    AREAS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|&(_, id)| id)
}

/// One official account's authorization of the component: compact, one per account that
/// ever authorized.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Authorization {
    pub(crate) app_id: String,
    /// Whether the account is authorized now (false after `unauthorized`).
    pub(crate) authorized: bool,
    pub(crate) func: FuncSet,
    /// The current refresh token (`refreshtoken@@@…`), rotated by a new authorization.
    pub(crate) refresh_token: String,
    /// Whether a code of the current authorization was exchanged (`api_query_auth`): only
    /// then does `api_get_authorizer_list` show the refresh token.
    pub(crate) exchanged: bool,
    /// When the account authorized (Unix seconds).
    pub(crate) auth_time: i64,
    /// Bumped by every new authorization: codes of an older one no longer work.
    pub(crate) epoch: u32,
    /// The current authorizer access token, if one was issued.
    pub(crate) token: Option<String>,
    /// `api_authorizer_token` calls on `refresh_day`.
    pub(crate) refresh_day: i64,
    pub(crate) refreshes: u32,
    /// Options (`location_report`, `voice_recognize`, `customer_service`).
    pub(crate) options: [u8; 3],
}

/// A ticket the platform pushed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PushedTicket {
    pub(crate) value: String,
    pub(crate) at: i64,
}

/// An authorization code not yet expired.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthCode {
    pub(crate) app_id: String,
    pub(crate) epoch: u32,
    pub(crate) expires_at: i64,
}

/// The component's quota counters: component tokens issued today, `clear_quota` this month.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ComponentQuota {
    pub(crate) day: i64,
    pub(crate) tokens: u32,
    pub(crate) clear_month: i64,
    pub(crate) clears: u32,
}

/// Everything the platform keeps of the component.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ComponentState {
    /// Tickets pushed, oldest first, until a day past their validity.
    pub(crate) tickets: VecDeque<PushedTicket>,
    /// When the next ticket is due (virtual Unix seconds; 0: at once).
    pub(crate) next_ticket_at: i64,
    /// The current component access token.
    pub(crate) token: Option<String>,
    pub(crate) quota: ComponentQuota,
    /// Live pre-auth codes and when they expire.
    pub(crate) pre_auth_codes: HashMap<String, i64>,
    /// Live authorization codes.
    pub(crate) auth_codes: HashMap<String, AuthCode>,
    /// Every account that ever authorized, in the order of their first authorization.
    pub(crate) authorizations: Vec<Authorization>,
    /// Position in `authorizations` by AppID (rebuilt, not saved).
    #[serde(skip)]
    pub(crate) index: HashMap<String, usize>,
    /// The authorizer tokens issued and the calls made with expired ones (not saved).
    #[serde(skip)]
    pub(crate) refresh_log: refresh_log::RefreshLog,
}

impl ComponentState {
    /// Whether nothing happened yet (a sandbox that plays no component): the state file
    /// then leaves it out.
    pub(crate) fn is_unused(&self) -> bool {
        self.tickets.is_empty()
            && self.next_ticket_at == 0
            && self.token.is_none()
            && self.quota.clears == 0
            && self.quota.tokens == 0
            && self.pre_auth_codes.is_empty()
            && self.auth_codes.is_empty()
            && self.authorizations.is_empty()
    }

    /// Rebuilds what is derived rather than saved.
    pub(crate) fn reindex(&mut self) {
        self.index = self
            .authorizations
            .iter()
            .enumerate()
            .map(|(i, a)| (a.app_id.clone(), i))
            .collect();
    }

    /// The account's authorization, current or ended.
    pub(crate) fn authorization(&self, app_id: &str) -> Option<&Authorization> {
        self.index
            .get(app_id)
            .and_then(|&i| self.authorizations.get(i))
    }

    pub(crate) fn authorization_mut(&mut self, app_id: &str) -> Option<&mut Authorization> {
        self.index
            .get(app_id)
            .and_then(|&i| self.authorizations.get_mut(i))
    }

    /// The account's authorization if it is current.
    pub(crate) fn current(&self, app_id: &str) -> Option<&Authorization> {
        self.authorization(app_id).filter(|a| a.authorized)
    }

    /// Forgets codes past their lifetime.
    pub(crate) fn prune_codes(&mut self, now: i64) {
        self.pre_auth_codes.retain(|_, &mut at| at > now);
        self.auth_codes.retain(|_, c| c.expires_at > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn func_sets_keep_their_ids() {
        let set = FuncSet::of(&[1, 15, 127]).unwrap_or_default();
        assert_eq!(set.ids().collect::<Vec<_>>(), vec![1, 15, 127]);
        assert!(set.has(15) && !set.has(2));
        assert_eq!(FuncSet::of(&[0]), Err(0));
        assert_eq!(FuncSet::of(&[128]), Err(128));
        assert_eq!(func_for_path("/cgi-bin/message/custom/send"), Some(1));
        assert_eq!(func_for_path("/cgi-bin/message/mass/sendall"), Some(7));
        assert_eq!(func_for_path("/cgi-bin/menu/create"), Some(15));
        assert_eq!(func_for_path("/cgi-bin/ticket/getticket"), None);
    }
}
