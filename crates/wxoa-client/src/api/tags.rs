//! Tags (api-reference §5): create, list, rename, delete, the members of a tag as a stream,
//! tagging and untagging any number of users (in calls of 50), and the tags of a user.
//!
//! Checked before anything is sent: names of 1 to 30 bytes, and the reserved tags 0, 1 and 2
//! (未分组, 黑名单, 星标组) are neither renamed nor deleted.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let tag = client.tags().create("广东").await?;
//! client.tags().tag(tag.id, ["o1", "o2"]).await?;
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;

use futures::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::OpenId;

use crate::api::paging::{self, OpenIdPage, post_in_batches};
use crate::api::support::{
    Ack, Label, awaitable, bytes_between, invalid, lenient, lenient_list, openid_list,
    parameterless_get, require,
};
use crate::{ApiRequest, Client, Result, Rule};

/// Longest tag name, in bytes.
pub const NAME_MAX_BYTES: usize = 30;
/// Most OpenIDs one tagging or untagging call may carry.
pub const BATCH_MAX: usize = 50;
/// Tags the platform keeps for itself: 0 未分组, 1 黑名单, 2 星标组.
pub const RESERVED: [u32; 3] = [0, 1, 2];

/// A tag (`tags/create`, `tags/get`), or a legacy [group](crate::api::groups::Group), which has
/// the same shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tag {
    /// The id.
    #[serde(deserialize_with = "lenient")]
    pub id: u32,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// How many users carry it (in lists only).
    #[serde(
        default,
        deserialize_with = "crate::api::support::opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The tags API: `client.tags()`.
#[derive(Debug, Clone)]
pub struct Tags {
    client: Client,
}

impl Client {
    /// The tags API (api-reference §5).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for tag in client.tags().list().await? {
    ///     println!("{} {} ({:?})", tag.id, tag.name, tag.count);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn tags(&self) -> Tags {
        Tags {
            client: self.clone(),
        }
    }
}

impl Tags {
    /// `POST /cgi-bin/tags/create`: a new tag.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let tag = client.tags().create("广东").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn create(&self, name: impl Into<String>) -> CreateTag {
        CreateTag {
            client: self.client.clone(),
            tag: Label {
                id: None,
                name: Some(name.into()),
            },
        }
    }

    /// `GET /cgi-bin/tags/get`: every tag with its member count.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let tags = client.tags().list().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListTags {
        ListTags {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/tags/update`: renames a tag (not a reserved one).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.tags().update(134, "广东人").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(&self, id: u32, name: impl Into<String>) -> UpdateTag {
        UpdateTag {
            client: self.client.clone(),
            tag: Label {
                id: Some(id),
                name: Some(name.into()),
            },
        }
    }

    /// `POST /cgi-bin/tags/delete`: deletes a tag (not a reserved one) and removes it from
    /// every user.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.tags().delete(134).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, id: u32) -> DeleteTag {
        DeleteTag {
            client: self.client.clone(),
            tag: Label {
                id: Some(id),
                name: None,
            },
        }
    }

    /// `POST /cgi-bin/user/tag/get`: one page of up to 10,000 members of a tag.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.tags().members_page(134).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn members_page(&self, id: u32) -> TagMembers {
        TagMembers {
            client: self.client.clone(),
            id,
            next_openid: String::new(),
        }
    }

    /// Every member of a tag, paging through `user/tag/get`: one page in memory at a time.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let members: Vec<_> = client.tags().members(134).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn members(&self, id: u32) -> impl Stream<Item = Result<OpenId>> + Send + 'static {
        let tags = self.clone();
        paging::openids(paging::pages(String::new(), move |cursor| {
            tags.members_page(id).next_openid(cursor).into_future()
        }))
    }

    /// `POST /cgi-bin/tags/members/batchtagging`: tags any number of users, in calls of at
    /// most [`BATCH_MAX`]. On failure the calls before the failing one were applied; tagging
    /// again is harmless.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.tags().tag(134, ["o1", "o2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tag<I, O>(&self, id: u32, openids: I) -> Tagging
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        Tagging {
            client: self.client.clone(),
            path: "/cgi-bin/tags/members/batchtagging",
            id,
            openids: openids.into_iter().map(Into::into).collect(),
        }
    }

    /// `POST /cgi-bin/tags/members/batchuntagging`: removes a tag from any number of users, in
    /// calls of at most [`BATCH_MAX`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.tags().untag(134, ["o1"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn untag<I, O>(&self, id: u32, openids: I) -> Tagging
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        Tagging {
            client: self.client.clone(),
            path: "/cgi-bin/tags/members/batchuntagging",
            id,
            openids: openids.into_iter().map(Into::into).collect(),
        }
    }

    /// `POST /cgi-bin/tags/getidlist`: the tags of one user.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ids = client.tags().tags_of("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tags_of(&self, openid: impl Into<OpenId>) -> TagsOf {
        TagsOf {
            client: self.client.clone(),
            openid: openid.into(),
        }
    }
}

fn not_reserved(id: u32) -> Result<()> {
    if RESERVED.contains(&id) {
        return Err(invalid("tag.id", Rule::ReservedTag { id }));
    }
    Ok(())
}

/// `POST /cgi-bin/tags/create`, from [`Tags::create`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateTag {
    #[serde(skip)]
    client: Client,
    tag: Label,
}

impl CreateTag {
    fn request(&self) -> Result<ApiRequest> {
        bytes_between("tag.name", self.tag.name(), NAME_MAX_BYTES)?;
        ApiRequest::post("/cgi-bin/tags/create").json(self)
    }
}

#[derive(Deserialize)]
struct TagAnswer {
    tag: Tag,
}

awaitable!(CreateTag => TagAnswer => Tag, |a: TagAnswer| a.tag);

#[derive(Deserialize)]
struct TagsAnswer {
    #[serde(default)]
    tags: Vec<Tag>,
}

parameterless_get!(
    /// `GET /cgi-bin/tags/get`, from [`Tags::list`].
    ListTags, "/cgi-bin/tags/get" => TagsAnswer => Vec<Tag>, |a: TagsAnswer| a.tags
);

/// `POST /cgi-bin/tags/update`, from [`Tags::update`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateTag {
    #[serde(skip)]
    client: Client,
    tag: Label,
}

impl UpdateTag {
    fn request(&self) -> Result<ApiRequest> {
        not_reserved(self.tag.id())?;
        bytes_between("tag.name", self.tag.name(), NAME_MAX_BYTES)?;
        ApiRequest::post("/cgi-bin/tags/update").json(self)
    }
}

awaitable!(UpdateTag => Ack);

/// `POST /cgi-bin/tags/delete`, from [`Tags::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteTag {
    #[serde(skip)]
    client: Client,
    tag: Label,
}

impl DeleteTag {
    fn request(&self) -> Result<ApiRequest> {
        not_reserved(self.tag.id())?;
        ApiRequest::post("/cgi-bin/tags/delete").json(self)
    }
}

awaitable!(DeleteTag => Ack);

/// `POST /cgi-bin/user/tag/get`, from [`Tags::members_page`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct TagMembers {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "tagid")]
    id: u32,
    next_openid: String,
}

impl TagMembers {
    /// Starts after this OpenID (the `next_openid` of the previous page); empty for the start.
    pub fn next_openid(mut self, next_openid: impl Into<String>) -> Self {
        self.next_openid = next_openid.into();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/cgi-bin/user/tag/get")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(TagMembers => OpenIdPage);

/// `batchtagging` or `batchuntagging` in calls of at most 50, from [`Tags::tag`] and
/// [`Tags::untag`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Tagging {
    client: Client,
    path: &'static str,
    id: u32,
    openids: Vec<OpenId>,
}

impl IntoFuture for Tagging {
    type Output = Result<()>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            openid_list("openid_list", &self.openids)?;
            let id = self.id;
            post_in_batches(&self.client, self.path, &self.openids, BATCH_MAX, |batch| {
                TaggingBatch {
                    openid_list: batch.to_vec(),
                    tagid: id,
                }
            })
            .await
        })
    }
}

/// The body of one call of [`Tagging`].
#[derive(Serialize)]
struct TaggingBatch {
    openid_list: Vec<OpenId>,
    tagid: u32,
}

/// `POST /cgi-bin/tags/getidlist`, from [`Tags::tags_of`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct TagsOf {
    #[serde(skip)]
    client: Client,
    openid: OpenId,
}

impl TagsOf {
    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        Ok(ApiRequest::post("/cgi-bin/tags/getidlist")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct IdListAnswer {
    #[serde(default, deserialize_with = "lenient_list")]
    tagid_list: Vec<u32>,
}

awaitable!(TagsOf => IdListAnswer => Vec<u32>, |a: IdListAnswer| a.tagid_list);
