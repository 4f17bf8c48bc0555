//! Marketing conversions (广告转化回传, api-reference-2 §9): the account's user-action sets
//! (data sources for ads) and the conversions reported to them. Every path is called with
//! `version=v1.0`.
//!
//! ```no_run
//! use wxoa_client::api::marketing::{ActionSetType, UserAction};
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let marketing = client.marketing();
//! let set = marketing.add_action_set(ActionSetType::Web, "shop").await?;
//! marketing
//!     .add_actions([UserAction::new(set, "RESERVATION", 1_700_000_000, "oUser")
//!         .click_id("gdt_vid")])
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! The platform's limits and codes here are unconfirmed (the most actions a call takes is
//! said to be 50, as on Tencent Ads): the client checks what the spec states and leaves the
//! rest to the platform. Reporting conversions is a send, never replayed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::OpenId;

use crate::api::support::{
    awaitable, bytes_between, invalid, lenient, opt_flag, opt_text, require, string_enum,
};
use crate::{ApiRequest, Client, Result, Rule};

/// The version every marketing path is called with.
pub const VERSION: &str = "v1.0";
/// Longest description of a set, bytes.
pub const DESCRIPTION_MAX_BYTES: usize = 128;

/// Marketing conversions: `client.marketing()`.
#[derive(Debug, Clone)]
pub struct Marketing {
    client: Client,
}

impl Client {
    /// Marketing conversions (api-reference-2 §9).
    #[must_use]
    pub fn marketing(&self) -> Marketing {
        Marketing {
            client: self.clone(),
        }
    }
}

string_enum! {
    /// Where a user-action set's conversions happen.
    pub enum ActionSetType {
        /// A web page (H5).
        Web = "WEB",
        /// An iOS app (needs its `mobile_app_id`).
        Ios = "IOS",
        /// An Android app (needs its `mobile_app_id`).
        Android = "ANDROID",
    }
}

impl Marketing {
    /// `POST /marketing/user_action_sets/add`: a new user-action set; its id.
    pub fn add_action_set(&self, kind: ActionSetType, name: impl Into<String>) -> AddActionSet {
        AddActionSet {
            client: self.client.clone(),
            kind,
            name: name.into(),
            description: None,
            mobile_app_id: None,
        }
    }

    /// `GET /marketing/user_action_sets/get`: the account's user-action sets, or one of them
    /// with [`ListActionSets::id`].
    pub fn action_sets(&self) -> ListActionSets {
        ListActionSets {
            client: self.client.clone(),
            id: None,
        }
    }

    /// `POST /marketing/user_actions/add`: reports conversions.
    pub fn add_actions(&self, actions: impl IntoIterator<Item = UserAction>) -> AddActions {
        AddActions {
            client: self.client.clone(),
            actions: actions.into_iter().collect(),
        }
    }
}

/// `POST /marketing/user_action_sets/add`, from [`Marketing::add_action_set`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddActionSet {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "type")]
    kind: ActionSetType,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_app_id: Option<String>,
}

impl AddActionSet {
    /// What the set is for (1 to 128 bytes).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The app's id, for an `IOS` or `ANDROID` set.
    pub fn mobile_app_id(mut self, id: impl Into<String>) -> Self {
        self.mobile_app_id = Some(id.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if let ActionSetType::Unknown(other) = &self.kind {
            return Err(invalid(
                "type",
                Rule::OneOf {
                    choices: &["WEB", "IOS", "ANDROID"],
                    got: other.clone(),
                },
            ));
        }
        require("name", self.name.trim())?;
        if let Some(description) = &self.description {
            bytes_between("description", description, DESCRIPTION_MAX_BYTES)?;
        }
        let app = self.mobile_app_id.as_deref().unwrap_or_default();
        if self.kind != ActionSetType::Web && app.is_empty() {
            return Err(invalid("mobile_app_id", Rule::Required));
        }
        ApiRequest::post("/marketing/user_action_sets/add")
            .query("version", VERSION)
            .json(self)
    }
}

#[derive(Deserialize)]
struct AddSetAnswer {
    data: NewSet,
}

#[derive(Deserialize)]
struct NewSet {
    #[serde(deserialize_with = "lenient")]
    user_action_set_id: u64,
}

awaitable!(AddActionSet => AddSetAnswer => u64, |a: AddSetAnswer| a.data.user_action_set_id);

/// `GET /marketing/user_action_sets/get`, from [`Marketing::action_sets`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListActionSets {
    client: Client,
    id: Option<u64>,
}

impl ListActionSets {
    /// Only the set `id`.
    pub fn id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    #[allow(clippy::unnecessary_wraps)] // the signature `awaitable!` calls
    fn request(&self) -> Result<ApiRequest> {
        let request = ApiRequest::get("/marketing/user_action_sets/get").query("version", VERSION);
        Ok(match self.id {
            Some(id) => request.query("user_action_set_id", id.to_string()),
            None => request,
        })
    }
}

/// A user-action set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionSet {
    /// Its id.
    #[serde(default, deserialize_with = "lenient")]
    pub user_action_set_id: u64,
    /// Where its conversions happen.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ActionSetType>,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Whether it received conversions.
    #[serde(default, deserialize_with = "opt_flag")]
    pub activate_status: Option<bool>,
    /// When it was made, as the platform writes it.
    #[serde(default, deserialize_with = "opt_text")]
    pub created_time: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct SetsAnswer {
    #[serde(default)]
    data: SetsData,
}

#[derive(Default, Deserialize)]
struct SetsData {
    #[serde(default)]
    list: Vec<ActionSet>,
}

awaitable!(ListActionSets => SetsAnswer => Vec<ActionSet>, |a: SetsAnswer| a.data.list);

/// One conversion: which set, what happened, when, and who.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserAction {
    /// The set it is reported to.
    pub user_action_set_id: u64,
    /// The page it happened on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When, Unix seconds.
    pub action_time: i64,
    /// What happened: `COMPLETE_ORDER`, `RESERVATION`, `REGISTER`, `VIEW_CONTENT`, …
    pub action_type: String,
    /// The ad click it follows (`click_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
    /// Who.
    pub user_id: UserIds,
    /// Details (`value`, `leads_type`, `source` Biz or Web, `claim_type` 0 click / 1 follow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_param: Option<Map<String, Value>>,
}

/// The ad click a conversion follows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Trace {
    /// The click's id (the `gdt_vid` of the landing page's URL).
    pub click_id: String,
}

/// Who converted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserIds {
    /// The account's AppID (filled in with the client's when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_app_id: Option<String>,
    /// The follower.
    pub wechat_openid: OpenId,
}

impl UserAction {
    /// A conversion of `action_type` by `openid` at `action_time`, reported to the set.
    pub fn new(
        user_action_set_id: u64,
        action_type: impl Into<String>,
        action_time: i64,
        openid: impl Into<OpenId>,
    ) -> Self {
        Self {
            user_action_set_id,
            url: None,
            action_time,
            action_type: action_type.into(),
            trace: None,
            user_id: UserIds {
                wechat_app_id: None,
                wechat_openid: openid.into(),
            },
            action_param: None,
        }
    }

    /// The page it happened on.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The ad click it follows.
    #[must_use]
    pub fn click_id(mut self, click_id: impl Into<String>) -> Self {
        self.trace = Some(Trace {
            click_id: click_id.into(),
        });
        self
    }

    /// Sets one detail of `action_param` (`value`, `leads_type`, `source`, `claim_type`).
    #[must_use]
    pub fn param(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.action_param
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }
}

/// `POST /marketing/user_actions/add`, from [`Marketing::add_actions`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddActions {
    client: Client,
    actions: Vec<UserAction>,
}

impl AddActions {
    fn request(&self) -> Result<ApiRequest> {
        if self.actions.is_empty() {
            return Err(invalid("actions", Rule::Empty));
        }
        let app_id = self.client.app_id().as_str().to_owned();
        let mut actions = self.actions.clone();
        for (i, action) in actions.iter_mut().enumerate() {
            require(&format!("actions[{i}].action_type"), &action.action_type)?;
            require(
                &format!("actions[{i}].user_id.wechat_openid"),
                action.user_id.wechat_openid.as_str(),
            )?;
            action
                .user_id
                .wechat_app_id
                .get_or_insert_with(|| app_id.clone());
        }
        /// `{"actions": […]}`.
        #[derive(Serialize)]
        struct Body<'a> {
            actions: &'a [UserAction],
        }
        ApiRequest::post("/marketing/user_actions/add")
            .query("version", VERSION)
            .json(&Body { actions: &actions })
    }
}

awaitable!(AddActions => crate::api::support::Ack);
