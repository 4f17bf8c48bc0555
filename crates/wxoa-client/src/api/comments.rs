//! Article comments (留言管理, api-reference-2 §4): open or close the comments of an article,
//! list them, elect (精选) or unelect one, delete one, reply to one and delete the reply.
//!
//! Every call names the article by `msg_data_id` — what a news mass send
//! ([`MassSent::msg_data_id`](crate::api::mass::MassSent)) or a free publication answered — and
//! `index`, the article's position in it. The sources disagree on where `index` starts (the
//! official text and WxJava: 0, absent meaning the first; wechatpy: 1): it is sent as given.
//!
//! Checked before anything is sent: a page of 1 to 49 comments (the platform refuses 50 and
//! more with 88010), a reply that is not empty. The platform's own refusals are 88000 (no
//! comment privilege), 88001 (no such article), 88003 (too many elected comments), 88004 (the
//! follower deleted the comment), 88005 (already replied), 88007 (reply empty or too long),
//! 88008 (no such comment).
//!
//! Opening, closing and (un)electing set a state, so they are retried where safe; deleting and
//! replying are never replayed once they may have reached the platform. Lists are reads.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use wxoa_client::api::comments::CommentFilter;
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let comments = client.comments();
//! comments.open(2_247_483_647, 0).await?;
//! let page = comments.list(2_247_483_647, 0).kind(CommentFilter::Normal).await?;
//! for comment in &page.comment {
//!     comments.elect(2_247_483_647, 0, comment.user_comment_id).await?;
//!     comments.reply(2_247_483_647, 0, comment.user_comment_id, "谢谢").await?;
//! }
//! let everything: Vec<_> = comments.list(2_247_483_647, 0).all().try_collect().await?;
//! # Ok(())
//! # }
//! ```

use futures::{Stream, stream};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use wxoa_types::ids::OpenId;

use crate::api::support::{Ack, awaitable, invalid, lenient, opt_lenient};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most comments one `comment/list` call answers (the platform refuses 50 and more).
pub const COMMENTS_PAGE_MAX: u32 = 49;

/// The comments API: `client.comments()`.
#[derive(Debug, Clone)]
pub struct Comments {
    client: Client,
}

impl Client {
    /// The article comments API (api-reference-2 §4).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.comments().list(2_247_483_647, 0).await?;
    /// println!("{} comments", page.total);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn comments(&self) -> Comments {
        Comments {
            client: self.clone(),
        }
    }
}

/// The article a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
struct Target {
    msg_data_id: u64,
    index: u32,
}

impl Comments {
    fn target(msg_data_id: u64, index: u32) -> Target {
        Target { msg_data_id, index }
    }

    /// `POST /cgi-bin/comment/open`: the article takes comments.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.comments().open(2_247_483_647, 0).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open(&self, msg_data_id: u64, index: u32) -> SwitchComments {
        self.switch("/cgi-bin/comment/open", msg_data_id, index)
    }

    /// `POST /cgi-bin/comment/close`: the article takes no new comments.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.comments().close(2_247_483_647, 0).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn close(&self, msg_data_id: u64, index: u32) -> SwitchComments {
        self.switch("/cgi-bin/comment/close", msg_data_id, index)
    }

    fn switch(&self, path: &'static str, msg_data_id: u64, index: u32) -> SwitchComments {
        SwitchComments {
            client: self.client.clone(),
            path,
            target: Self::target(msg_data_id, index),
        }
    }

    /// `POST /cgi-bin/comment/list`: a page of the article's comments (from `begin` 0, 49
    /// at a time, every kind, unless set); [`all`](ListComments::all) pages through them.
    ///
    /// ```no_run
    /// use wxoa_client::api::comments::CommentFilter;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let elected = client
    ///     .comments()
    ///     .list(2_247_483_647, 0)
    ///     .kind(CommentFilter::Elected)
    ///     .count(10)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, msg_data_id: u64, index: u32) -> ListComments {
        ListComments {
            client: self.client.clone(),
            target: Self::target(msg_data_id, index),
            begin: 0,
            count: COMMENTS_PAGE_MAX,
            kind: CommentFilter::All,
        }
    }

    /// `POST /cgi-bin/comment/markelect`: elects a comment (精选), shown to every reader.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.comments().elect(2_247_483_647, 0, 1).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn elect(&self, msg_data_id: u64, index: u32, user_comment_id: u64) -> CommentAction {
        let path = "/cgi-bin/comment/markelect";
        self.action(path, true, msg_data_id, index, user_comment_id)
    }

    /// `POST /cgi-bin/comment/unmarkelect`: a comment is no longer elected.
    pub fn unelect(&self, msg_data_id: u64, index: u32, user_comment_id: u64) -> CommentAction {
        let path = "/cgi-bin/comment/unmarkelect";
        self.action(path, true, msg_data_id, index, user_comment_id)
    }

    /// `POST /cgi-bin/comment/delete`: deletes a comment.
    pub fn delete(&self, msg_data_id: u64, index: u32, user_comment_id: u64) -> CommentAction {
        let path = "/cgi-bin/comment/delete";
        self.action(path, false, msg_data_id, index, user_comment_id)
    }

    /// `POST /cgi-bin/comment/reply/delete`: deletes the account's reply to a comment.
    pub fn delete_reply(
        &self,
        msg_data_id: u64,
        index: u32,
        user_comment_id: u64,
    ) -> CommentAction {
        let path = "/cgi-bin/comment/reply/delete";
        self.action(path, false, msg_data_id, index, user_comment_id)
    }

    fn action(
        &self,
        path: &'static str,
        idempotent: bool,
        msg_data_id: u64,
        index: u32,
        user_comment_id: u64,
    ) -> CommentAction {
        CommentAction {
            client: self.client.clone(),
            path,
            idempotent,
            target: Self::target(msg_data_id, index),
            user_comment_id,
        }
    }

    /// `POST /cgi-bin/comment/reply/add`: the account's reply to a comment (one per comment;
    /// it reaches the follower who wrote it).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.comments().reply(2_247_483_647, 0, 1, "谢谢支持").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn reply(
        &self,
        msg_data_id: u64,
        index: u32,
        user_comment_id: u64,
        content: impl Into<String>,
    ) -> ReplyToComment {
        ReplyToComment {
            client: self.client.clone(),
            target: Self::target(msg_data_id, index),
            user_comment_id,
            content: content.into(),
        }
    }
}

/// `comment/open` or `comment/close`, from [`Comments::open`] and [`Comments::close`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SwitchComments {
    #[serde(skip)]
    client: Client,
    #[serde(skip)]
    path: &'static str,
    #[serde(flatten)]
    target: Target,
}

impl SwitchComments {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post(self.path).json(self)?.idempotent(true))
    }
}

awaitable!(SwitchComments => Ack);

/// `comment/markelect`, `unmarkelect`, `delete` or `reply/delete`: a call about one comment.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CommentAction {
    #[serde(skip)]
    client: Client,
    #[serde(skip)]
    path: &'static str,
    #[serde(skip)]
    idempotent: bool,
    #[serde(flatten)]
    target: Target,
    user_comment_id: u64,
}

impl CommentAction {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post(self.path)
            .json(self)?
            .idempotent(self.idempotent))
    }
}

awaitable!(CommentAction => Ack);

/// `comment/reply/add`, from [`Comments::reply`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ReplyToComment {
    #[serde(skip)]
    client: Client,
    #[serde(flatten)]
    target: Target,
    user_comment_id: u64,
    content: String,
}

impl ReplyToComment {
    fn request(&self) -> Result<ApiRequest> {
        // The platform refuses a reply of blanks as an empty one (88007).
        if self.content.trim().is_empty() {
            return Err(invalid("content", Rule::Empty));
        }
        ApiRequest::post("/cgi-bin/comment/reply/add").json(self)
    }
}

awaitable!(ReplyToComment => Ack);

/// Which comments a list holds (`type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommentFilter {
    /// Every comment (0).
    #[default]
    All,
    /// Comments not elected (1).
    Normal,
    /// Elected comments (2).
    Elected,
}

impl CommentFilter {
    /// The platform's number.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            CommentFilter::All => 0,
            CommentFilter::Normal => 1,
            CommentFilter::Elected => 2,
        }
    }
}

impl Serialize for CommentFilter {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

/// `comment/list`, from [`Comments::list`]: one page when awaited, every comment with
/// [`all`](Self::all).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited or streamed"]
pub struct ListComments {
    #[serde(skip)]
    client: Client,
    #[serde(flatten)]
    target: Target,
    begin: u32,
    count: u32,
    #[serde(rename = "type")]
    kind: CommentFilter,
}

impl ListComments {
    /// Where the page starts (0, the default, for the first comment).
    pub fn begin(mut self, begin: u32) -> Self {
        self.begin = begin;
        self
    }

    /// How many comments a call asks for, 1 to 49 (the default).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Which comments: all (the default), normal or elected.
    pub fn kind(mut self, kind: CommentFilter) -> Self {
        self.kind = kind;
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if !(1..=COMMENTS_PAGE_MAX).contains(&self.count) {
            return Err(invalid(
                "count",
                Rule::OutOfRange {
                    min: 1,
                    max: i64::from(COMMENTS_PAGE_MAX),
                    unit: Unit::Count,
                    got: i64::from(self.count),
                },
            ));
        }
        Ok(ApiRequest::post("/cgi-bin/comment/list")
            .json(self)?
            .idempotent(true))
    }

    /// Every comment from [`begin`](Self::begin) on, in the platform's order, one page of
    /// [`count`](Self::count) at a time until a page comes back short or `total` is reached.
    /// The stream ends after yielding an error.
    pub fn all(self) -> impl Stream<Item = Result<Comment>> + Send + 'static {
        let walk = (Some(self), Vec::new().into_iter());
        stream::try_unfold(walk, |(mut next, mut page)| async move {
            loop {
                if let Some(comment) = page.next() {
                    return Ok(Some((comment, (next, page))));
                }
                let Some(list) = next.take() else {
                    return Ok(None);
                };
                let answer = list.clone().await?;
                let got = answer.comment.len() as u64;
                let reached = u64::from(list.begin) + got;
                if got >= u64::from(list.count) && reached < answer.total {
                    next = u32::try_from(reached).ok().map(|begin| list.begin(begin));
                }
                page = answer.comment.into_iter();
            }
        })
    }
}

awaitable!(ListComments => CommentPage);

/// A page of comments (`comment/list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommentPage {
    /// How many comments of the asked kind the article has in all (not the page's size).
    #[serde(default, deserialize_with = "lenient")]
    pub total: u64,
    /// This page's comments.
    #[serde(default)]
    pub comment: Vec<Comment>,
    /// Fields this version does not know (`errcode`, `errmsg` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One comment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Comment {
    /// Its id within the article.
    #[serde(default, deserialize_with = "lenient")]
    pub user_comment_id: u64,
    /// Who wrote it.
    #[serde(default)]
    pub openid: OpenId,
    /// When, Unix seconds.
    #[serde(default, deserialize_with = "lenient")]
    pub create_time: i64,
    /// What it says.
    #[serde(default)]
    pub content: String,
    /// 1 when elected, 0 otherwise.
    #[serde(default, deserialize_with = "lenient")]
    pub comment_type: u8,
    /// The account's reply, if it replied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<CommentReply>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Comment {
    /// Whether the comment is elected (`comment_type` 1).
    #[must_use]
    pub fn is_elected(&self) -> bool {
        self.comment_type == 1
    }
}

/// The account's reply to a comment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommentReply {
    /// What it says.
    #[serde(default)]
    pub content: String,
    /// When, Unix seconds.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn comments() -> Comments {
        Client::builder()
            .account(crate::Account::new("wx0123456789abcdef", "secret"))
            .api_bases(["http://127.0.0.1:9"])
            .build()
            .unwrap()
            .comments()
    }

    #[test]
    fn requests_are_checked_before_sending() {
        let message = |r: Result<ApiRequest>| r.unwrap_err().to_string();
        assert!(message(comments().list(1, 0).count(0).request()).contains("count: 1..=49"));
        assert!(message(comments().list(1, 0).count(50).request()).contains("count"));
        assert!(comments().list(1, 0).count(49).request().is_ok());
        assert!(message(comments().reply(1, 0, 1, " ").request()).contains("content"));
        assert!(comments().reply(1, 0, 1, "ok").request().is_ok());
    }

    #[test]
    fn answers_are_read_leniently() {
        let page: CommentPage = serde_json::from_str(
            r#"{"errcode":0,"errmsg":"ok","total":"2","comment":[
                {"user_comment_id":"1","openid":"o1","create_time":1,"content":"a","comment_type":1,
                 "reply":{"content":"r","create_time":"2"}},
                {"user_comment_id":2,"openid":"o2","create_time":3,"content":"b","comment_type":0}]}"#,
        )
        .unwrap();
        assert_eq!(page.total, 2);
        assert!(page.comment[0].is_elected());
        assert_eq!(page.comment[0].reply.as_ref().unwrap().create_time, Some(2));
        assert!(!page.comment[1].is_elected());
        assert_eq!(page.comment[1].reply, None);
    }
}
