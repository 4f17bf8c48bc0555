//! Users (api-reference §3): profiles, profiles in batches, the follower list, remarks — and
//! every follower as a stream, with or without profiles, in constant memory.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use wxoa_client::api::users::Lang;
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let user = client.users().info("oUser").lang(Lang::En).await?;
//! let mut followers = std::pin::pin!(client.users().stream_all_details());
//! while let Some(user) = followers.try_next().await? {
//!     println!("{} since {:?}", user.openid, user.subscribe_time);
//! }
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;
use std::sync::Arc;

use futures::{Stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{OpenId, UnionId};

use crate::api::adaptive;
use crate::api::paging::{self, OpenIdPage};
use crate::api::support::{
    Ack, awaitable, invalid, lenient_list, openid_list, opt_lenient, require, string_enum,
};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most users one `user/info/batchget` call may ask for.
pub const BATCHGET_MAX: usize = 100;
/// A remark must be shorter than this many characters.
pub const REMARK_MAX_CHARS: usize = 30;
/// The most `batchget` calls [`Users::stream_all_details`] keeps in flight: it starts with 4
/// and grows towards this while answers come back fast, backing off when the platform throttles
/// (-1, 45011) or slows down.
pub const DETAILS_CONCURRENCY: usize = 64;

string_enum! {
    /// The language of a profile's place names.
    pub enum Lang {
        /// Simplified Chinese (the platform's default).
        ZhCn = "zh_CN",
        /// Traditional Chinese.
        ZhTw = "zh_TW",
        /// English.
        En = "en",
    }
}

string_enum! {
    /// How a user came to follow the account.
    pub enum SubscribeScene {
        /// Found through search.
        Search = "ADD_SCENE_SEARCH",
        /// Moved from another account.
        AccountMigration = "ADD_SCENE_ACCOUNT_MIGRATION",
        /// A shared contact card.
        ProfileCard = "ADD_SCENE_PROFILE_CARD",
        /// A QR code.
        QrCode = "ADD_SCENE_QR_CODE",
        /// A link of an article.
        ProfileLink = "ADD_SCENE_PROFILE_LINK",
        /// The account's page of an article.
        ProfileItem = "ADD_SCENE_PROFILE_ITEM",
        /// A paid follow.
        Paid = "ADD_SCENE_PAID",
        /// An advertisement.
        WechatAdvertisement = "ADD_SCENE_WECHAT_ADVERTISEMENT",
        /// Anything else.
        Others = "ADD_SCENE_OTHERS",
    }
}

/// A user's profile (`user/info`, `user/info/batchget`).
///
/// Someone who does not follow the account has only `subscribe` 0, `openid` and maybe
/// `unionid`. `nickname`, `sex`, `city`, `province`, `country` and `headimgurl` are no longer
/// sent since 2021-12-27; they are kept for older answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// 1 when the user follows the account, 0 otherwise.
    #[serde(default, deserialize_with = "crate::api::support::lenient")]
    pub subscribe: i64,
    /// The OpenID.
    pub openid: OpenId,
    /// The user's language (`zh_CN`, `en`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// When the user (last) followed, Unix seconds.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub subscribe_time: Option<i64>,
    /// The UnionID, when the account is bound to an Open Platform account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<UnionId>,
    /// The account's remark on the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The legacy group.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub groupid: Option<i64>,
    /// The user's tags.
    #[serde(default, deserialize_with = "lenient_list")]
    pub tagid_list: Vec<u32>,
    /// How the user came to follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe_scene: Option<SubscribeScene>,
    /// The scene of the QR code the user followed through.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub qr_scene: Option<i64>,
    /// The string scene of the QR code the user followed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_scene_str: Option<String>,
    /// Legacy: the nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Legacy: 1 male, 2 female, 0 unknown.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub sex: Option<i64>,
    /// Legacy: the city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Legacy: the province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Legacy: the country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Legacy: the avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headimgurl: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl User {
    /// Whether the user follows the account.
    #[must_use]
    pub fn is_following(&self) -> bool {
        self.subscribe == 1
    }
}

/// The users API: `client.users()`.
#[derive(Debug, Clone)]
pub struct Users {
    client: Client,
}

impl Client {
    /// The users API (api-reference §3).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.users().list().await?;
    /// println!("{} followers", page.total.unwrap_or(0));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn users(&self) -> Users {
        Users {
            client: self.clone(),
        }
    }
}

impl Users {
    /// `GET /cgi-bin/user/info`: one user's profile.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let user = client.users().info("oUser").await?;
    /// assert!(user.is_following());
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self, openid: impl Into<OpenId>) -> UserInfo {
        UserInfo {
            client: self.client.clone(),
            openid: openid.into(),
            lang: None,
        }
    }

    /// `POST /cgi-bin/user/info/batchget`: the profiles of any number of users, asked for in
    /// calls of at most [`BATCHGET_MAX`], one after the other, in the order given.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let users = client.users().batch_info(["o1", "o2"]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn batch_info<I, O>(&self, openids: I) -> BatchInfo
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        BatchInfo {
            client: self.client.clone(),
            openids: openids.into_iter().map(Into::into).collect(),
            lang: None,
        }
    }

    /// `GET /cgi-bin/user/get`: one page of up to 10,000 follower OpenIDs, from the start or
    /// after [`FollowerList::next_openid`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let first = client.users().list().await?;
    /// let second = client.users().list().next_openid(first.next_openid.clone()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> FollowerList {
        FollowerList {
            client: self.client.clone(),
            next_openid: String::new(),
        }
    }

    /// `POST /cgi-bin/user/info/updateremark`: sets the account's remark on a follower
    /// (shorter than 30 characters; empty clears it).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.users().update_remark("oUser", "VIP").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_remark(&self, openid: impl Into<OpenId>, remark: impl Into<String>) -> Remark {
        Remark {
            client: self.client.clone(),
            openid: openid.into(),
            remark: remark.into(),
        }
    }

    /// Every page of the follower list, each fetched when the previous one has been consumed;
    /// the first page's `total` tells how many followers there are.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let pages: Vec<_> = client.users().pages().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(&self) -> impl Stream<Item = Result<OpenIdPage>> + Send + 'static {
        let client = self.client.clone();
        paging::pages(String::new(), move |cursor| {
            client.users().list().next_openid(cursor).into_future()
        })
    }

    /// Every follower's OpenID, paging through `user/get` until an empty page: one page
    /// (≤ 10,000 OpenIDs) in memory at a time. The stream ends after an error.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let count = client.users().stream_all().try_fold(0, |n, _| async move { Ok(n + 1) }).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream_all(&self) -> impl Stream<Item = Result<OpenId>> + Send + 'static {
        paging::openids(self.pages())
    }

    /// Every follower's profile: [`stream_all`](Self::stream_all) cut into `batchget` calls of
    /// 100 with up to [`DETAILS_CONCURRENCY`] calls in flight (see
    /// [`stream_details`](Self::stream_details)), in the order of the list. Memory stays
    /// constant whatever the follower count: a page of OpenIDs and the calls in flight.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let mut users = std::pin::pin!(client.users().stream_all_details());
    /// while let Some(user) = users.try_next().await? {
    ///     println!("{}", user.openid);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream_all_details(&self) -> impl Stream<Item = Result<User>> + Send + 'static {
        self.stream_details(self.stream_all(), DETAILS_CONCURRENCY)
    }

    /// The profiles of a stream of OpenIDs, asked for in `batchget` calls of 100 with at most
    /// `concurrency` calls in flight — as many as the answers allow: from 4, growing while they
    /// come back fast, halving when the platform throttles (-1 once the transport's retries
    /// are spent, 45011; the throttled call goes again after a pause) or answers slowly — in
    /// the order of the OpenIDs. The stream ends after an error (of `openids` or of a call).
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let users = client.users();
    /// let profiles: Vec<_> = users.stream_details(users.stream_all(), 8).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream_details<S>(
        &self,
        openids: S,
        concurrency: usize,
    ) -> impl Stream<Item = Result<User>> + Send + 'static
    where
        S: Stream<Item = Result<OpenId>> + Send + 'static,
    {
        let profiles = self
            .stream_detail_batches(openids, concurrency)
            .and_then(|batch| async move { batch.users() })
            .map_ok(|users| futures::stream::iter(users.into_iter().map(Ok)))
            .try_flatten();
        paging::until_error(profiles)
    }

    /// The answers of [`stream_details`](Self::stream_details)'s calls as they came, one
    /// [`ProfileBatch`] a call, for a consumer that writes the profiles out without building
    /// them (`wxoa user list --all --details` copies each profile's JSON straight to its
    /// output). Same calls, same order, same end after an error.
    pub fn stream_detail_batches<S>(
        &self,
        openids: S,
        concurrency: usize,
    ) -> impl Stream<Item = Result<ProfileBatch>> + Send + 'static
    where
        S: Stream<Item = Result<OpenId>> + Send + 'static,
    {
        let client = self.client.clone();
        let batches = openids.chunks(BATCHGET_MAX).map(|batch| {
            batch
                .into_iter()
                .collect::<Result<Vec<OpenId>>>()
                .map(Arc::new)
        });
        let answers = adaptive::map_adaptive(batches, concurrency, move |batch| {
            let client = client.clone();
            Box::pin(async move { batchget(&client, &batch, &Lang::ZhCn).await })
        });
        paging::until_error(answers)
    }
}

/// The answer of one `user/info/batchget` call, kept as received and read on demand: into
/// owned profiles ([`users`](Self::users)) or as each profile's JSON exactly as the platform
/// sent it ([`raw`](Self::raw)).
#[derive(Debug, Clone)]
pub struct ProfileBatch {
    body: bytes::Bytes,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    user_info_list: Vec<User>,
}

#[derive(Deserialize)]
struct RawBatchAnswer<'a> {
    #[serde(default, borrow)]
    user_info_list: Vec<&'a serde_json::value::RawValue>,
}

impl ProfileBatch {
    /// The profiles, decoded.
    pub fn users(&self) -> Result<Vec<User>> {
        crate::transport::decode::<BatchAnswer>(BATCHGET_PATH, &self.body)
            .map(|answer| answer.user_info_list)
    }

    /// Each profile's JSON object as the platform sent it, borrowed from the answer (checked
    /// to be JSON, not decoded).
    pub fn raw(&self) -> Result<Vec<&serde_json::value::RawValue>> {
        crate::transport::decode_borrowed::<RawBatchAnswer<'_>>(BATCHGET_PATH, &self.body)
            .map(|answer| answer.user_info_list)
    }
}

const BATCHGET_PATH: &str = "/cgi-bin/user/info/batchget";

/// One `batchget` call: at most [`BATCHGET_MAX`] users.
async fn batchget(client: &Client, openids: &[OpenId], lang: &Lang) -> Result<ProfileBatch> {
    #[derive(Serialize)]
    struct Item<'a> {
        openid: &'a OpenId,
        lang: &'a Lang,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        user_list: Vec<Item<'a>>,
    }
    let body = Body {
        user_list: openids.iter().map(|openid| Item { openid, lang }).collect(),
    };
    let request = ApiRequest::post(BATCHGET_PATH)
        .json(&body)?
        .idempotent(true);
    let body = client.call(&request).await?;
    Ok(ProfileBatch { body })
}

/// `GET /cgi-bin/user/info`, from [`Users::info`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UserInfo {
    client: Client,
    openid: OpenId,
    lang: Option<Lang>,
}

impl UserInfo {
    /// The language of place names (default `zh_CN`).
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        let mut request =
            ApiRequest::get("/cgi-bin/user/info").query("openid", self.openid.as_str());
        if let Some(lang) = &self.lang {
            request = request.query("lang", lang.as_str());
        }
        Ok(request)
    }
}

awaitable!(UserInfo => User);

/// `POST /cgi-bin/user/info/batchget` in calls of at most 100, from [`Users::batch_info`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct BatchInfo {
    client: Client,
    openids: Vec<OpenId>,
    lang: Option<Lang>,
}

impl BatchInfo {
    /// The language of place names (default `zh_CN`).
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }
}

impl std::future::IntoFuture for BatchInfo {
    type Output = Result<Vec<User>>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<Vec<User>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            openid_list("user_list", &self.openids)?;
            let lang = self.lang.unwrap_or(Lang::ZhCn);
            let mut users = Vec::with_capacity(self.openids.len());
            for batch in self.openids.chunks(BATCHGET_MAX) {
                users.extend(batchget(&self.client, batch, &lang).await?.users()?);
            }
            Ok(users)
        })
    }
}

/// `GET /cgi-bin/user/get`, from [`Users::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct FollowerList {
    client: Client,
    next_openid: String,
}

impl FollowerList {
    /// Starts after this OpenID (the `next_openid` of the previous page); empty for the start.
    pub fn next_openid(mut self, next_openid: impl Into<String>) -> Self {
        self.next_openid = next_openid.into();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        let request = ApiRequest::get("/cgi-bin/user/get");
        Ok(if self.next_openid.is_empty() {
            request
        } else {
            request.query("next_openid", &self.next_openid)
        })
    }
}

awaitable!(FollowerList => OpenIdPage);

/// `POST /cgi-bin/user/info/updateremark`, from [`Users::update_remark`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Remark {
    #[serde(skip)]
    client: Client,
    openid: OpenId,
    remark: String,
}

impl Remark {
    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        if self.remark.chars().count() >= REMARK_MAX_CHARS {
            return Err(invalid(
                "remark",
                Rule::NotShorterThan {
                    max: REMARK_MAX_CHARS,
                    unit: Unit::Characters,
                },
            ));
        }
        ApiRequest::post("/cgi-bin/user/info/updateremark").json(self)
    }
}

awaitable!(Remark => Ack);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_leniently_and_keep_unknown_fields() {
        let fixture = r#"{"subscribe": "1", "openid": "o6", "language": "zh_CN",
            "subscribe_time": 1382694957, "tagid_list": [128, "2"], "groupid": 0,
            "subscribe_scene": "ADD_SCENE_NEW_THING", "qr_scene": 98765, "qr_scene_str": "",
            "nickname": "Band", "sex": "1", "privilege": []}"#;
        let user: User = serde_json::from_str(fixture).unwrap();
        assert!(user.is_following());
        assert_eq!(user.tagid_list, [128, 2]);
        assert_eq!(
            user.subscribe_scene,
            Some(SubscribeScene::Unknown("ADD_SCENE_NEW_THING".into()))
        );
        assert_eq!(user.sex, Some(1));
        assert!(user.extra.contains_key("privilege"));
        let left: User = serde_json::from_str(r#"{"subscribe":0,"openid":"o7"}"#).unwrap();
        assert!(!left.is_following() && left.language.is_none());
    }
}
