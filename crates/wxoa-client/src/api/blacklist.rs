//! The blacklist (api-reference §6): the blacklisted users as a stream, and blocking or
//! unblocking any number of users (in calls of 20). Blacklisted users receive no messages
//! (43019).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! client.blacklist().block(["o1", "o2"]).await?;
//! let blocked: Vec<_> = client.blacklist().stream_all().try_collect().await?;
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;

use futures::Stream;
use serde::Serialize;
use wxoa_types::ids::OpenId;

use crate::api::paging::{self, OpenIdPage, post_in_batches};
use crate::api::support::{awaitable, openid_list};
use crate::{ApiRequest, Client, Result};

/// Most OpenIDs one blocking or unblocking call may carry.
pub const BATCH_MAX: usize = 20;

/// The blacklist API: `client.blacklist()`.
#[derive(Debug, Clone)]
pub struct Blacklist {
    client: Client,
}

impl Client {
    /// The blacklist API (api-reference §6).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.blacklist().page().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn blacklist(&self) -> Blacklist {
        Blacklist {
            client: self.clone(),
        }
    }
}

impl Blacklist {
    /// `POST /cgi-bin/tags/members/getblacklist`: one page of blacklisted OpenIDs (10,000 or,
    /// per some texts, 1,000 per page).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.blacklist().page().begin_openid("oLast").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn page(&self) -> BlacklistPage {
        BlacklistPage {
            client: self.client.clone(),
            begin_openid: String::new(),
        }
    }

    /// Every blacklisted OpenID, paging through `getblacklist` whatever the page size: one
    /// page in memory at a time.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let blocked: Vec<_> = client.blacklist().stream_all().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream_all(&self) -> impl Stream<Item = Result<OpenId>> + Send + 'static {
        let blacklist = self.clone();
        paging::openids(paging::pages(String::new(), move |cursor| {
            blacklist.page().begin_openid(cursor).into_future()
        }))
    }

    /// `POST /cgi-bin/tags/members/batchblacklist`: blocks any number of users, in calls of at
    /// most [`BATCH_MAX`]. On failure the calls before the failing one were applied; blocking
    /// again is harmless.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.blacklist().block(["o1"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn block<I, O>(&self, openids: I) -> Blocking
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        Blocking {
            client: self.client.clone(),
            path: "/cgi-bin/tags/members/batchblacklist",
            openids: openids.into_iter().map(Into::into).collect(),
        }
    }

    /// `POST /cgi-bin/tags/members/batchunblacklist`: unblocks any number of users, in calls of
    /// at most [`BATCH_MAX`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.blacklist().unblock(["o1"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unblock<I, O>(&self, openids: I) -> Blocking
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        Blocking {
            client: self.client.clone(),
            path: "/cgi-bin/tags/members/batchunblacklist",
            openids: openids.into_iter().map(Into::into).collect(),
        }
    }
}

/// `POST /cgi-bin/tags/members/getblacklist`, from [`Blacklist::page`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct BlacklistPage {
    #[serde(skip)]
    client: Client,
    begin_openid: String,
}

impl BlacklistPage {
    /// Starts after this OpenID (the `next_openid` of the previous page); empty for the start.
    pub fn begin_openid(mut self, begin_openid: impl Into<String>) -> Self {
        self.begin_openid = begin_openid.into();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/cgi-bin/tags/members/getblacklist")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(BlacklistPage => OpenIdPage);

/// The body of one call of [`Blocking`].
#[derive(Serialize)]
struct BlockingBatch {
    openid_list: Vec<OpenId>,
}

/// `batchblacklist` or `batchunblacklist` in calls of at most 20, from [`Blacklist::block`]
/// and [`Blacklist::unblock`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Blocking {
    client: Client,
    path: &'static str,
    openids: Vec<OpenId>,
}

impl IntoFuture for Blocking {
    type Output = Result<()>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            openid_list("openid_list", &self.openids)?;
            post_in_batches(&self.client, self.path, &self.openids, BATCH_MAX, |batch| {
                BlockingBatch {
                    openid_list: batch.to_vec(),
                }
            })
            .await
        })
    }
}
