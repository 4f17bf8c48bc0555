//! Account migration (账号迁移, api-reference-2 §6): after the platform approved moving an
//! old account's followers to this one, `changeopenid` turns their old OpenIDs into OpenIDs of
//! this account — for 15 days after the approval, at most 100 OpenIDs a call.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let changes = client
//!     .migration()
//!     .change_openids("wx0123456789abcdef", ["oOld1", "oOld2"])
//!     .await?;
//! for change in &changes {
//!     match change.new_openid() {
//!         Some(new) => println!("{} is now {new}", change.ori_openid),
//!         None => println!("{} does not follow the old account", change.ori_openid),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The call changes nothing on the platform, but it is a POST the platform does not describe
//! as safe to repeat: it is retried only where a read would be. The codes: 63178 `from_appid`
//! wrong, 63182 empty list, 63183 no migration relation (or past the 15 days).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::OpenId;

use crate::api::support::{awaitable, invalid, openid_list, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most OpenIDs one `changeopenid` call takes.
pub const CHANGE_OPENIDS_MAX: usize = 100;

/// Account migration: `client.migration()`.
#[derive(Debug, Clone)]
pub struct Migration {
    client: Client,
}

impl Client {
    /// Account migration (api-reference-2 §6).
    #[must_use]
    pub fn migration(&self) -> Migration {
        Migration {
            client: self.clone(),
        }
    }
}

impl Migration {
    /// `POST /cgi-bin/changeopenid`: the new OpenIDs of followers of the old account
    /// `from_appid` (its AppID; some sources say its original id `gh_…`, which the platform
    /// is said to take too), one result per OpenID in order.
    pub fn change_openids<I, O>(&self, from_appid: impl Into<String>, openids: I) -> ChangeOpenIds
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        ChangeOpenIds {
            client: self.client.clone(),
            from_appid: from_appid.into(),
            openid_list: openids.into_iter().map(Into::into).collect(),
        }
    }
}

/// `POST /cgi-bin/changeopenid`, from [`Migration::change_openids`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ChangeOpenIds {
    #[serde(skip)]
    client: Client,
    from_appid: String,
    openid_list: Vec<OpenId>,
}

impl ChangeOpenIds {
    fn request(&self) -> Result<ApiRequest> {
        require("from_appid", &self.from_appid)?;
        openid_list("openid_list", &self.openid_list)?;
        if self.openid_list.len() > CHANGE_OPENIDS_MAX {
            return Err(invalid(
                "openid_list",
                Rule::AtMost {
                    max: CHANGE_OPENIDS_MAX as u64,
                    unit: Unit::OpenIds,
                    got: self.openid_list.len() as u64,
                },
            ));
        }
        Ok(ApiRequest::post("/cgi-bin/changeopenid")
            .json(self)?
            .idempotent(true))
    }
}

/// What became of one OpenID.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenIdChange {
    /// The OpenID in the old account.
    #[serde(default)]
    pub ori_openid: OpenId,
    /// The OpenID in this account; absent when the user does not follow the old account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_openid: Option<OpenId>,
    /// `ok`, or why there is no new OpenID (`ori_openid error`: not a follower of the old
    /// account).
    #[serde(default)]
    pub err_msg: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl OpenIdChange {
    /// The new OpenID, when the platform gave one.
    #[must_use]
    pub fn new_openid(&self) -> Option<&OpenId> {
        self.new_openid.as_ref().filter(|o| !o.as_str().is_empty())
    }
}

#[derive(Deserialize)]
struct ChangeAnswer {
    #[serde(default)]
    result_list: Vec<OpenIdChange>,
}

awaitable!(ChangeOpenIds => ChangeAnswer => Vec<OpenIdChange>, |a: ChangeAnswer| a.result_list);
