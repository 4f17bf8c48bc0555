//! Authorizations (spec open-platform.md §2.2, §3, §11): pre-auth codes, an admin's consent
//! (a new authorization, a change of the granted permission sets, or nothing new) and
//! revocation, authorization codes and their exchange (`api_query_auth`), authorizer tokens
//! (`api_authorizer_token`, the same refresh token back), the paged list, the options, and the
//! check of a call made with an authorizer token (61007 outside the granted sets).

use serde_json::{Value, json};

use crate::clock::china_day;
use crate::error::ApiError;
use crate::platform::component::config::ComponentRules;
use crate::platform::component::{AuthCode, Authorization, FuncSet, func_for_path};
use crate::platform::tokens::{TokenKind, random_text, replace_token};
use crate::state::State;

/// Most entries of one page of `api_get_authorizer_list`.
pub(crate) const LIST_PAGE_MAX: i64 = 500;

/// How long an expired authorization code is remembered (to answer 61010, not 61009).
const CODE_MEMORY: i64 = 86_400;

/// The options of `api_get_authorizer_option`: name, the permission set it needs, its
/// highest value.
const OPTIONS: [(&str, u8, u8); 3] = [
    ("location_report", 2, 2),
    ("voice_recognize", 1, 1),
    ("customer_service", 6, 1),
];

/// What an admin's consent did.
#[derive(Debug)]
pub(crate) struct Consent {
    pub(crate) auth_code: String,
    pub(crate) expires_in: i64,
    /// The push it causes: `authorized`, `updateauthorized`, or none when nothing changed.
    pub(crate) info_type: Option<&'static str>,
    pub(crate) pre_auth_code: String,
}

/// Why a consent or a revocation cannot happen (the control API's refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    NoAccount,
    NoFuncs,
    BadFunc(i64),
    PreAuthCodeUnknown,
    PreAuthCodeExpired,
    NotAuthorized,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoAccount => f.write_str("no official account of the sandbox has this AppID"),
            Self::NoFuncs => f.write_str("func_ids must name at least one permission set"),
            Self::BadFunc(id) => write!(f, "func id {id} is not a permission set (1-127)"),
            Self::PreAuthCodeUnknown => {
                f.write_str("the pre_auth_code was never issued or is used")
            }
            Self::PreAuthCodeExpired => f.write_str("the pre_auth_code has expired"),
            Self::NotAuthorized => f.write_str("the account has not authorized the component"),
        }
    }
}

fn new_refresh_token() -> String {
    format!("refreshtoken@@@{}", random_text(43))
}

impl State {
    /// `api_create_preauthcode`: a code valid `pre_auth_code_ttl` seconds.
    pub(crate) fn create_pre_auth_code(&mut self, rules: &ComponentRules, now: i64) -> String {
        self.component.prune_codes(now.saturating_sub(CODE_MEMORY));
        let code = format!("preauthcode@@@{}", random_text(43));
        self.component
            .pre_auth_codes
            .insert(code.clone(), now.saturating_add(rules.pre_auth_code_ttl));
        code
    }

    /// An admin of `app_id` consents to the component with these permission sets, through
    /// the page of `pre_auth_code` (used up) when given: a new authorization (new refresh
    /// token, `authorized`), a changed one (`updateauthorized`), or the same one (no push);
    /// an authorization code either way.
    pub(crate) fn consent(
        &mut self,
        app_id: &str,
        func_ids: &[i64],
        pre_auth_code: Option<&str>,
        rules: &ComponentRules,
        now: i64,
    ) -> Result<Consent, Refusal> {
        if self.account(app_id).is_none() {
            return Err(Refusal::NoAccount);
        }
        let func = FuncSet::of(func_ids).map_err(Refusal::BadFunc)?;
        if func.is_empty() {
            return Err(Refusal::NoFuncs);
        }
        let pre_auth_code = match pre_auth_code {
            Some(code) => {
                let expires = self
                    .component
                    .pre_auth_codes
                    .get(code)
                    .copied()
                    .ok_or(Refusal::PreAuthCodeUnknown)?;
                if expires <= now {
                    return Err(Refusal::PreAuthCodeExpired);
                }
                self.component.pre_auth_codes.remove(code);
                code.to_owned()
            }
            None => format!("preauthcode@@@{}", random_text(43)),
        };
        let component = &mut self.component;
        let info_type = match component.authorization_mut(app_id) {
            Some(existing) if existing.authorized => {
                if existing.func == func {
                    None
                } else {
                    existing.func = func;
                    Some("updateauthorized")
                }
            }
            Some(ended) => {
                ended.authorized = true;
                ended.func = func;
                ended.refresh_token = new_refresh_token();
                ended.exchanged = false;
                ended.auth_time = now;
                ended.epoch = ended.epoch.wrapping_add(1);
                ended.token = None;
                Some("authorized")
            }
            None => {
                component
                    .index
                    .insert(app_id.to_owned(), component.authorizations.len());
                component
                    .authorizations
                    .push(new_authorization(app_id, func, now));
                Some("authorized")
            }
        };
        let epoch = component.authorization(app_id).map_or(0, |a| a.epoch);
        let auth_code = self.issue_auth_code(app_id, epoch, rules, now);
        Ok(Consent {
            auth_code,
            expires_in: rules.auth_code_ttl,
            info_type,
            pre_auth_code,
        })
    }

    /// Authorizes every listed account at once (a sandbox started pre-authorized): codes
    /// exchanged, refresh tokens issued, nothing pushed.
    pub(crate) fn pre_authorize(&mut self, app_ids: &[String], now: i64) {
        let func = FuncSet::of(super::OA_FUNC_IDS).unwrap_or_default();
        let component = &mut self.component;
        for app_id in app_ids {
            if component.index.contains_key(app_id) {
                continue;
            }
            let mut authorization = new_authorization(app_id, func, now);
            authorization.exchanged = true;
            component
                .index
                .insert(app_id.clone(), component.authorizations.len());
            component.authorizations.push(authorization);
        }
    }

    fn issue_auth_code(
        &mut self,
        app_id: &str,
        epoch: u32,
        rules: &ComponentRules,
        now: i64,
    ) -> String {
        let component = &mut self.component;
        component.prune_codes(now.saturating_sub(CODE_MEMORY));
        let code = format!("queryauthcode@@@{}", random_text(86));
        component.auth_codes.insert(
            code.clone(),
            AuthCode {
                app_id: app_id.to_owned(),
                epoch,
                expires_at: now.saturating_add(rules.auth_code_ttl),
            },
        );
        code
    }

    /// The admin of `app_id` revokes the authorization: its tokens stop at once, its refresh
    /// token answers 61023, its codes 61009.
    pub(crate) fn revoke(&mut self, app_id: &str, now: i64) -> Result<(), Refusal> {
        let authorization = self
            .component
            .authorization_mut(app_id)
            .filter(|a| a.authorized)
            .ok_or(Refusal::NotAuthorized)?;
        authorization.authorized = false;
        authorization.exchanged = false;
        authorization.token = None;
        for record in self.tokens.values_mut() {
            if record.kind == TokenKind::Authorizer && record.app_id == app_id {
                record.revoked_at = Some(record.revoked_at.map_or(now, |r| r.min(now)));
            }
        }
        Ok(())
    }

    /// `api_query_auth`: exchanges an authorization code (61009 unknown or of an ended
    /// authorization, 61010 expired) for the authorization's tokens and permission sets.
    pub(crate) fn query_auth(
        &mut self,
        code: Option<&str>,
        lifetime: i64,
        now_ms: i64,
    ) -> Result<Value, ApiError> {
        let now = now_ms.div_euclid(1000);
        let invalid = || ApiError::msg(61009, "code is invalid");
        let found = code
            .and_then(|c| self.component.auth_codes.get(c))
            .cloned()
            .ok_or_else(invalid)?;
        if found.expires_at <= now {
            return Err(ApiError::msg(61010, "code is expired"));
        }
        let current = self
            .component
            .current(&found.app_id)
            .filter(|a| a.epoch == found.epoch)
            .ok_or_else(invalid)?;
        let (refresh_token, func) = (current.refresh_token.clone(), current.func);
        let token = self.issue_authorizer_token(&found.app_id, lifetime, now_ms, false);
        if let Some(authorization) = self.component.authorization_mut(&found.app_id) {
            authorization.exchanged = true;
        }
        Ok(json!({"authorization_info": {
            "authorizer_appid": found.app_id,
            "authorizer_access_token": token,
            "expires_in": lifetime,
            "authorizer_refresh_token": refresh_token,
            "func_info": func.func_info(),
        }}))
    }

    /// A new authorizer access token, valid `lifetime` seconds (the sandbox's token lifetime,
    /// 7,200 s by default); the previous one works 5 more minutes. Logged (at `now_ms`,
    /// virtual) for the control API.
    fn issue_authorizer_token(
        &mut self,
        app_id: &str,
        lifetime: i64,
        now_ms: i64,
        refresh: bool,
    ) -> String {
        let now = now_ms.div_euclid(1000);
        let mut slot = self
            .component
            .authorization(app_id)
            .and_then(|a| a.token.clone());
        let kind = TokenKind::Authorizer;
        let token = replace_token(&mut self.tokens, &mut slot, app_id, kind, now, lifetime);
        self.component.refresh_log.issued(app_id, now_ms, refresh);
        if let Some(authorization) = self.component.authorization_mut(app_id) {
            authorization.token = slot;
        }
        self.prune_tokens(now);
        token
    }

    /// `api_authorizer_token`: a new access token for the current refresh token of a current
    /// authorization (61023 otherwise), the same refresh token back; at most
    /// `refreshes_per_day` a day (45009).
    pub(crate) fn refresh_authorizer(
        &mut self,
        app_id: Option<&str>,
        refresh_token: Option<&str>,
        rules: &ComponentRules,
        lifetime: i64,
        now_ms: i64,
    ) -> Result<Value, ApiError> {
        let now = now_ms.div_euclid(1000);
        let app_id = app_id
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
        let authorization = self
            .component
            .authorization_mut(app_id)
            .filter(|a| a.authorized && Some(a.refresh_token.as_str()) == refresh_token)
            .ok_or_else(|| ApiError::msg(61023, "refresh_token is invalid"))?;
        if authorization.refresh_day != china_day(now) {
            authorization.refresh_day = china_day(now);
            authorization.refreshes = 0;
        }
        if rules
            .refreshes_per_day
            .is_some_and(|cap| authorization.refreshes >= cap)
        {
            return Err(ApiError::msg(45009, "reach max api daily quota limit"));
        }
        authorization.refreshes += 1;
        let refresh_token = authorization.refresh_token.clone();
        let token = self.issue_authorizer_token(app_id, lifetime, now_ms, true);
        Ok(json!({
            "authorizer_access_token": token,
            "expires_in": lifetime,
            "authorizer_refresh_token": refresh_token,
        }))
    }

    /// `api_get_authorizer_list`: `count` (1–500, 47003 otherwise) current authorizations
    /// from `offset`, in the order they first authorized; `refresh_token` empty for those
    /// whose code was never exchanged.
    pub(crate) fn authorizer_list(
        &self,
        offset: Option<i64>,
        count: Option<i64>,
    ) -> Result<Value, ApiError> {
        let offset =
            usize::try_from(offset.unwrap_or(0)).map_err(|_| ApiError::argument("offset"))?;
        let count = count
            .filter(|c| (1..=LIST_PAGE_MAX).contains(c))
            .and_then(|c| usize::try_from(c).ok())
            .ok_or_else(|| ApiError::argument("count"))?;
        let current = self
            .component
            .authorizations
            .iter()
            .filter(|a| a.authorized);
        let list: Vec<Value> = current
            .clone()
            .skip(offset)
            .take(count)
            .map(|a| {
                json!({
                    "authorizer_appid": a.app_id,
                    "refresh_token": if a.exchanged { a.refresh_token.as_str() } else { "" },
                    "auth_time": a.auth_time,
                })
            })
            .collect();
        Ok(json!({"total_count": current.count(), "list": list}))
    }

    /// The current authorization of `app_id` (61003 when there is none).
    pub(crate) fn authorization_of(
        &self,
        app_id: Option<&str>,
    ) -> Result<&Authorization, ApiError> {
        app_id
            .and_then(|a| self.component.current(a))
            .ok_or_else(|| ApiError::msg(61003, "component is not authorized by this account"))
    }

    /// The check of an account API called with an authorizer token: the account still
    /// authorized (61003), the API in a granted permission set (61007).
    pub(crate) fn check_authorizer_call(&self, app_id: &str, path: &str) -> Result<(), ApiError> {
        let authorization = self.authorization_of(Some(app_id))?;
        match func_for_path(path) {
            Some(id) if !authorization.func.has(id) => {
                Err(ApiError::msg(61007, "api is unauthorized to component"))
            }
            _ => Ok(()),
        }
    }

    /// Reads (`value` none) or sets an option of a current authorization: 61012 unknown
    /// name, 61013 bad value, 61007 without the permission set it needs. The option's value.
    pub(crate) fn authorizer_option(
        &mut self,
        app_id: Option<&str>,
        name: Option<&str>,
        value: Option<&Value>,
    ) -> Result<(String, String), ApiError> {
        let authorization = self.authorization_of(app_id)?;
        let app_id = authorization.app_id.clone();
        let (slot, (name, func, highest)) = OPTIONS
            .iter()
            .copied()
            .enumerate()
            .find(|(_, (n, _, _))| Some(*n) == name)
            .ok_or_else(|| ApiError::msg(61012, "invalid option name"))?;
        if !authorization.func.has(func) {
            return Err(ApiError::msg(61007, "api is unauthorized to component"));
        }
        let authorization = self
            .component
            .authorization_mut(&app_id)
            .ok_or_else(|| ApiError::msg(61003, "component is not authorized by this account"))?;
        if let Some(value) = value {
            let number = crate::platform::lenient_i64(value)
                .and_then(|v| u8::try_from(v).ok())
                .filter(|&v| v <= highest)
                .ok_or_else(|| ApiError::msg(61013, "invalid option value"))?;
            if let Some(option) = authorization.options.get_mut(slot) {
                *option = number;
            }
        }
        let current = authorization.options.get(slot).copied().unwrap_or(0);
        Ok((name.to_owned(), current.to_string()))
    }
}

fn new_authorization(app_id: &str, func: FuncSet, now: i64) -> Authorization {
    Authorization {
        app_id: app_id.to_owned(),
        authorized: true,
        func,
        refresh_token: new_refresh_token(),
        exchanged: false,
        auth_time: now,
        epoch: 1,
        token: None,
        refresh_day: 0,
        refreshes: 0,
        options: [0; 3],
    }
}
