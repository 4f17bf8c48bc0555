//! Followers as the API sees them: who an OpenID is to an account and whether messages can
//! reach them.

use crate::error::ApiError;
use crate::state::{Account, Who};

impl Account {
    /// Whether a message can reach `openid`: 40003 for an unknown OpenID, 43019 when
    /// blacklisted, 43004 when not following.
    pub(crate) fn reachable(&self, openid: &str) -> Result<(), ApiError> {
        if self.who(openid) == Who::Unknown {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        if self.blacklist.contains(openid) {
            return Err(ApiError::msg(43019, "require remove blacklist"));
        }
        if !self.is_following(openid) {
            return Err(ApiError::msg(43004, "require subscribe"));
        }
        Ok(())
    }
}
