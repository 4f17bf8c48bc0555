//! Legacy user groups (分组, api-reference §4).
//!
//! **Deprecated by the platform in favour of [tags](crate::api::tags)**, and still answered:
//! older integrations call it, so every endpoint is here and works. Groups 0 (未分组), 1
//! (黑名单) and 2 (星标组) are system groups; names have at most 30 characters; moves of many
//! users go in calls of at most 50.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let group = client.groups().create("test").await?;
//! client.groups().move_users(["o1", "o2"], group.id).await?;
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;

use serde::{Deserialize, Serialize};
use wxoa_types::ids::OpenId;

use crate::api::paging::post_in_batches;
use crate::api::support::{
    Ack, Label, awaitable, invalid, lenient, openid_list, parameterless_get, require,
};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Longest group name, in characters.
pub const NAME_MAX_CHARS: usize = 30;
/// Most OpenIDs one `members/batchupdate` call may carry.
pub const BATCH_MAX: usize = 50;
/// The system groups: 0 未分组, 1 黑名单, 2 星标组.
pub const SYSTEM: [u32; 3] = [0, 1, 2];

/// A legacy group: `{"id", "name", "count"}`, the shape of a [tag](crate::api::tags::Tag).
pub type Group = crate::api::tags::Tag;

/// The legacy groups API: `client.groups()`. Deprecated by the platform (use
/// [`Client::tags`]), still working.
#[derive(Debug, Clone)]
pub struct Groups {
    client: Client,
}

impl Client {
    /// The legacy groups API (api-reference §4) — deprecated by the platform in favour of
    /// [`Client::tags`], kept for older integrations.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let groups = client.groups().list().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn groups(&self) -> Groups {
        Groups {
            client: self.clone(),
        }
    }
}

impl Groups {
    /// `POST /cgi-bin/groups/create`: a new group.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let group = client.groups().create("test").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateGroup {
        CreateGroup {
            client: self.client.clone(),
            group: Label {
                id: None,
                name: Some(name.into()),
            },
        }
    }

    /// `GET /cgi-bin/groups/get`: every group with its member count.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let groups = client.groups().list().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListGroups {
        ListGroups {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/groups/getid`: the group of a user.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let id = client.groups().group_of("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn group_of(&self, openid: impl Into<OpenId>) -> GroupOf {
        GroupOf {
            client: self.client.clone(),
            openid: openid.into(),
        }
    }

    /// `POST /cgi-bin/groups/update`: renames a group (not a system group).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.groups().update(108, "new").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(&self, id: u32, name: impl Into<String>) -> UpdateGroup {
        UpdateGroup {
            client: self.client.clone(),
            group: Label {
                id: Some(id),
                name: Some(name.into()),
            },
        }
    }

    /// `POST /cgi-bin/groups/members/update`: moves one user to a group.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.groups().move_user("oUser", 108).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn move_user(&self, openid: impl Into<OpenId>, to: u32) -> MoveUser {
        MoveUser {
            client: self.client.clone(),
            openid: openid.into(),
            to,
        }
    }

    /// `POST /cgi-bin/groups/members/batchupdate`: moves any number of users to a group, in
    /// calls of at most [`BATCH_MAX`]. On failure the calls before the failing one were
    /// applied; moving again is harmless.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.groups().move_users(["o1", "o2"], 108).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn move_users<I, O>(&self, openids: I, to: u32) -> MoveUsers
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        MoveUsers {
            client: self.client.clone(),
            openids: openids.into_iter().map(Into::into).collect(),
            to,
        }
    }

    /// `POST /cgi-bin/groups/delete`: deletes a group (not a system group); its members move
    /// to group 0.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.groups().delete(108).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, id: u32) -> DeleteGroup {
        DeleteGroup {
            client: self.client.clone(),
            group: Label {
                id: Some(id),
                name: None,
            },
        }
    }
}

fn valid_name(name: &str) -> Result<()> {
    require("group.name", name)?;
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(
            "group.name",
            Rule::LongerThan {
                max: NAME_MAX_CHARS,
                unit: Unit::Characters,
            },
        ));
    }
    Ok(())
}

fn not_system(id: u32) -> Result<()> {
    if SYSTEM.contains(&id) {
        return Err(invalid("group.id", Rule::SystemGroup { id }));
    }
    Ok(())
}

/// `POST /cgi-bin/groups/create`, from [`Groups::create`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateGroup {
    #[serde(skip)]
    client: Client,
    group: Label,
}

impl CreateGroup {
    fn request(&self) -> Result<ApiRequest> {
        valid_name(self.group.name())?;
        ApiRequest::post("/cgi-bin/groups/create").json(self)
    }
}

#[derive(Deserialize)]
struct GroupAnswer {
    group: Group,
}

awaitable!(CreateGroup => GroupAnswer => Group, |a: GroupAnswer| a.group);

#[derive(Deserialize)]
struct GroupsAnswer {
    #[serde(default)]
    groups: Vec<Group>,
}

parameterless_get!(
    /// `GET /cgi-bin/groups/get`, from [`Groups::list`].
    ListGroups, "/cgi-bin/groups/get" => GroupsAnswer => Vec<Group>, |a: GroupsAnswer| a.groups
);

/// `POST /cgi-bin/groups/getid`, from [`Groups::group_of`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GroupOf {
    #[serde(skip)]
    client: Client,
    openid: OpenId,
}

impl GroupOf {
    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        Ok(ApiRequest::post("/cgi-bin/groups/getid")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct GroupIdAnswer {
    #[serde(deserialize_with = "lenient")]
    groupid: u32,
}

awaitable!(GroupOf => GroupIdAnswer => u32, |a: GroupIdAnswer| a.groupid);

/// `POST /cgi-bin/groups/update`, from [`Groups::update`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateGroup {
    #[serde(skip)]
    client: Client,
    group: Label,
}

impl UpdateGroup {
    fn request(&self) -> Result<ApiRequest> {
        not_system(self.group.id())?;
        valid_name(self.group.name())?;
        ApiRequest::post("/cgi-bin/groups/update").json(self)
    }
}

awaitable!(UpdateGroup => Ack);

/// `POST /cgi-bin/groups/members/update`, from [`Groups::move_user`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct MoveUser {
    #[serde(skip)]
    client: Client,
    openid: OpenId,
    #[serde(rename = "to_groupid")]
    to: u32,
}

impl MoveUser {
    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        ApiRequest::post("/cgi-bin/groups/members/update").json(self)
    }
}

awaitable!(MoveUser => Ack);

/// The body of one call of [`MoveUsers`].
#[derive(Serialize)]
struct MoveBatch {
    openid_list: Vec<OpenId>,
    to_groupid: u32,
}

/// `POST /cgi-bin/groups/members/batchupdate` in calls of at most 50, from
/// [`Groups::move_users`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct MoveUsers {
    client: Client,
    openids: Vec<OpenId>,
    to: u32,
}

impl IntoFuture for MoveUsers {
    type Output = Result<()>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            openid_list("openid_list", &self.openids)?;
            let to = self.to;
            post_in_batches(
                &self.client,
                "/cgi-bin/groups/members/batchupdate",
                &self.openids,
                BATCH_MAX,
                |batch| MoveBatch {
                    openid_list: batch.to_vec(),
                    to_groupid: to,
                },
            )
            .await
        })
    }
}

/// `POST /cgi-bin/groups/delete`, from [`Groups::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteGroup {
    #[serde(skip)]
    client: Client,
    group: Label,
}

impl DeleteGroup {
    fn request(&self) -> Result<ApiRequest> {
        not_system(self.group.id())?;
        ApiRequest::post("/cgi-bin/groups/delete").json(self)
    }
}

awaitable!(DeleteGroup => Ack);
