//! Article comments (留言, api-reference-2 §4): what followers write under the articles of news
//! mass sends and free publications, kept per article (`msg_data_id` and index, found by
//! `articles`), and the rules of `comment/*` and of a follower's comment.
//!
//! | rule | code |
//! |---|---|
//! | the account has the comment privilege (a setting) | 88000 |
//! | `msg_data_id` names a live news send or publication, `index` one of its live articles | 88001 |
//! | `list`: `count` 1 to 49 (a setting) | 88010 |
//! | `list`: `begin` ≥ 0, `type` 0, 1 or 2 | 47003 |
//! | `user_comment_id` names a comment of the article the account did not delete | 88008 |
//! | the follower did not delete the comment | 88004 |
//! | `markelect`: elected comments below the cap (a setting) | 88003 |
//! | `reply/add`: the content 1 to 600 characters (a setting) | 88007 |
//! | `reply/add`: one reply per comment | 88005 |
//! | `open`: the article's title has none of the words limited for safety (a setting, default none) | 88002 |
//!
//! Comments of an article are open when its `need_open_comment` was 1, until `open` or `close`
//! says otherwise; a closed article takes no new comments (`list`, elections and replies go
//! on). `user_comment_id`s count from 1 per article. A reply lands in the commenter's inbox
//! (kind `comment_reply`). Whether an article is limited for safety (88002) is the platform's
//! judgement; the sandbox plays it with [`CommentRules::limited_words`].

mod articles;

pub(crate) use articles::{Article, msg_data_id};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::people::Who;
use crate::state::Account;

/// The platform's rules of comments where the sources disagree or say nothing
/// (api-reference-2 §4 "unconfirmed"), for [`SandboxBuilder::comment_rules`].
///
/// [`SandboxBuilder::comment_rules`]: crate::SandboxBuilder::comment_rules
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommentRules {
    /// The `index` of a send's first article: 0 (the official text and WxJava, the default) or
    /// 1 (wechatpy's default).
    pub first_index: u32,
    /// The most comments one `list` call answers (88010 beyond; the official text refuses 50
    /// and more).
    pub page_max: u32,
    /// The most elected comments an article holds (88003 beyond); unconfirmed, default 100.
    pub elected_max: usize,
    /// The longest reply, characters (88007 beyond); unconfirmed, default 600.
    pub reply_max_chars: usize,
    /// The longest comment a follower writes, characters; unconfirmed, default 600.
    pub comment_max_chars: usize,
    /// Whether the account may manage comments (every call answers 88000 without).
    pub privileged: bool,
    /// Words that make an article "limited for safety" (文章存在敏感信息): `open` on an article
    /// whose title contains one answers 88002. The platform's judgement has no published rule;
    /// default: none.
    pub limited_words: Vec<String>,
}

impl Default for CommentRules {
    fn default() -> Self {
        Self {
            first_index: 0,
            page_max: 49,
            elected_max: 100,
            reply_max_chars: 600,
            comment_max_chars: 600,
            privileged: true,
            limited_words: Vec::new(),
        }
    }
}

impl CommentRules {
    /// 88000 when the account lacks the comment privilege.
    pub(crate) fn check_privilege(&self) -> Result<(), ApiError> {
        if self.privileged {
            Ok(())
        } else {
            Err(ApiError::msg(88000, "without comment privilege"))
        }
    }

    /// `open`: 88002 when the article's title contains a word limited for safety.
    pub(crate) fn check_safe(&self, article: &Article) -> Result<(), ApiError> {
        let title = article.text("title");
        match self
            .limited_words
            .iter()
            .find(|w| title.contains(w.as_str()))
        {
            Some(word) => Err(ApiError::msg(
                88002,
                format!("article is limit for safety: its title has \"{word}\""),
            )),
            None => Ok(()),
        }
    }

    /// The `index` the API gives an article at `position` (from 0).
    pub(crate) fn index_of(&self, position: usize) -> u64 {
        position as u64 + u64::from(self.first_index)
    }
}

/// The comments of an account, by article (`<msg_data_id>_<position from 0>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CommentBox {
    articles: BTreeMap<String, ArticleComments>,
}

/// The comments of one article and whether it takes new ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ArticleComments {
    /// Set by `open` and `close`; until then, the article's `need_open_comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open: Option<bool>,
    pub(crate) comments: Vec<Comment>,
}

/// One comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Comment {
    /// `user_comment_id`, from 1 per article.
    pub(crate) id: u64,
    pub(crate) openid: String,
    pub(crate) at: i64,
    pub(crate) content: String,
    #[serde(default)]
    pub(crate) elected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reply: Option<Reply>,
    #[serde(default)]
    pub(crate) state: CommentState,
}

/// The account's reply to a comment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub(crate) content: String,
    pub(crate) at: i64,
}

/// Whether a comment is still there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CommentState {
    #[default]
    Live,
    /// The follower deleted it (88004 afterwards).
    DeletedByUser,
    /// The account deleted it (88008 afterwards).
    DeletedByAccount,
}

/// Which comments `list` answers (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    All,
    Normal,
    Elected,
}

impl Filter {
    /// `type` 0, 1 or 2 (0 when absent); 47003 otherwise.
    pub(crate) fn parse(kind: Option<&Value>) -> Result<Self, ApiError> {
        match kind.map(lenient_i64) {
            None | Some(Some(0)) => Ok(Filter::All),
            Some(Some(1)) => Ok(Filter::Normal),
            Some(Some(2)) => Ok(Filter::Elected),
            _ => Err(ApiError::argument("type")),
        }
    }

    fn keeps(self, comment: &Comment) -> bool {
        match self {
            Filter::All => true,
            Filter::Normal => !comment.elected,
            Filter::Elected => comment.elected,
        }
    }
}

/// What the account does to one comment.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Elect,
    Unelect,
    Delete,
    Reply(String),
    DeleteReply,
}

/// Why a follower's comment or its deletion is refused (the control API's 4xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The article does not exist (the platform's 88001 message).
    NoArticle(String),
    /// The OpenID is none of the account's.
    UnknownUser,
    /// Only followers may comment on this article, or the comment is someone else's.
    NotAllowed(&'static str),
    /// The article takes no new comments, or the account has no comment privilege.
    Closed(&'static str),
    /// The content is empty or too long.
    Content(String),
    /// No comment has this id.
    NoComment,
}

impl CommentBox {
    fn article_mut(&mut self, article: &Article) -> &mut ArticleComments {
        self.articles.entry(article.key()).or_default()
    }

    /// The comments of an article, if any were ever written.
    pub(crate) fn of(&self, article: &Article) -> Option<&ArticleComments> {
        self.articles.get(&article.key())
    }

    /// Whether the article takes new comments.
    pub(crate) fn is_open(&self, article: &Article) -> bool {
        self.of(article)
            .and_then(|a| a.open)
            .unwrap_or_else(|| article.flag("need_open_comment"))
    }

    /// `open` or `close`.
    pub(crate) fn set_open(&mut self, article: &Article, open: bool) {
        self.article_mut(article).open = Some(open);
    }

    /// `list`: the comments of the article that pass the filter, oldest first, and how many
    /// there are in all; `begin` ≥ 0 (47003), `count` 1 to the page's max (88010).
    pub(crate) fn page(
        &self,
        article: &Article,
        begin: Option<&Value>,
        count: Option<&Value>,
        filter: Filter,
        page_max: u32,
    ) -> Result<(usize, Vec<&Comment>), ApiError> {
        let begin = match begin {
            None => 0,
            Some(begin) => lenient_i64(begin)
                .and_then(|b| usize::try_from(b).ok())
                .ok_or_else(|| ApiError::argument("begin"))?,
        };
        let count = count
            .and_then(lenient_i64)
            .filter(|c| (1..=i64::from(page_max)).contains(c))
            .and_then(|c| usize::try_from(c).ok())
            .ok_or_else(|| ApiError::msg(88010, "count range error"))?;
        let kept: Vec<&Comment> = self
            .of(article)
            .map(|a| a.comments.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|c| c.state == CommentState::Live && filter.keeps(c))
            .collect();
        let total = kept.len();
        Ok((total, kept.into_iter().skip(begin).take(count).collect()))
    }

    /// Applies the account's change to comment `id` of the article (see the module's table);
    /// the comment after it.
    pub(crate) fn change(
        &mut self,
        article: &Article,
        id: Option<&Value>,
        change: Change,
        rules: &CommentRules,
        now: i64,
    ) -> Result<Comment, ApiError> {
        let comments = &mut self.article_mut(article).comments;
        let elected = comments
            .iter()
            .filter(|c| c.elected && c.state == CommentState::Live)
            .count();
        let wanted = id
            .and_then(lenient_i64)
            .and_then(|id| u64::try_from(id).ok());
        let comment = comments
            .iter_mut()
            .find(|c| Some(c.id) == wanted && c.state != CommentState::DeletedByAccount)
            .ok_or_else(|| ApiError::msg(88008, "comment is not exists"))?;
        if comment.state == CommentState::DeletedByUser {
            return Err(ApiError::msg(88004, "comment was deleted by user"));
        }
        match change {
            Change::Elect if !comment.elected && elected >= rules.elected_max => {
                return Err(ApiError::msg(88003, "elected comment upper limit"));
            }
            Change::Elect => comment.elected = true,
            Change::Unelect => comment.elected = false,
            Change::Delete => comment.state = CommentState::DeletedByAccount,
            Change::Reply(content) => {
                let chars = content.chars().count();
                if content.trim().is_empty() || chars > rules.reply_max_chars {
                    return Err(ApiError::msg(
                        88007,
                        "reply content beyond max len or content len is zero",
                    ));
                }
                if comment.reply.is_some() {
                    return Err(ApiError::msg(88005, "already reply"));
                }
                comment.reply = Some(Reply { content, at: now });
            }
            Change::DeleteReply => comment.reply = None,
        }
        Ok(comment.clone())
    }
}

impl Account {
    /// A follower writes a comment under an article: it must exist, take comments (and the
    /// account have the privilege), the follower be the account's (a follower when the article
    /// is for followers only), and the content hold 1 to the most characters. The new
    /// `user_comment_id`.
    pub(crate) fn write_comment(
        &mut self,
        msg_data_id: &Value,
        index: Option<&Value>,
        openid: &str,
        content: &str,
        rules: &CommentRules,
        now: i64,
    ) -> Result<u64, Refusal> {
        let article = self
            .commented_article(Some(msg_data_id), index, rules)
            .map_err(|e| Refusal::NoArticle(e.message))?;
        if self.who(openid) == Who::Unknown {
            return Err(Refusal::UnknownUser);
        }
        if !rules.privileged {
            return Err(Refusal::Closed("the account has no comment privilege"));
        }
        if !self.comments.is_open(&article) {
            return Err(Refusal::Closed("comments are closed on this article"));
        }
        if article.flag("only_fans_can_comment") && !self.is_following(openid) {
            return Err(Refusal::NotAllowed(
                "only followers may comment on this article",
            ));
        }
        let chars = content.chars().count();
        if content.trim().is_empty() {
            return Err(Refusal::Content("the comment is empty".to_owned()));
        }
        if chars > rules.comment_max_chars {
            return Err(Refusal::Content(format!(
                "the comment has {chars} characters; at most {}",
                rules.comment_max_chars
            )));
        }
        let comments = &mut self.comments.article_mut(&article).comments;
        let id = comments.last().map_or(1, |c| c.id + 1);
        comments.push(Comment {
            id,
            openid: openid.to_owned(),
            at: now,
            content: content.to_owned(),
            elected: false,
            reply: None,
            state: CommentState::Live,
        });
        Ok(id)
    }

    /// A follower deletes their own comment.
    pub(crate) fn withdraw_comment(
        &mut self,
        msg_data_id: &Value,
        index: Option<&Value>,
        openid: &str,
        id: u64,
        rules: &CommentRules,
    ) -> Result<(), Refusal> {
        let article = self
            .commented_article(Some(msg_data_id), index, rules)
            .map_err(|e| Refusal::NoArticle(e.message))?;
        let comment = self
            .comments
            .article_mut(&article)
            .comments
            .iter_mut()
            .find(|c| c.id == id && c.state == CommentState::Live)
            .ok_or(Refusal::NoComment)?;
        if comment.openid != openid {
            return Err(Refusal::NotAllowed("the comment is someone else's"));
        }
        comment.state = CommentState::DeletedByUser;
        Ok(())
    }

    /// The account changes a comment (`markelect`, `unmarkelect`, `delete`, `reply/add`,
    /// `reply/delete`); a reply reaches the commenter's inbox.
    pub(crate) fn change_comment(
        &mut self,
        msg_data_id: Option<&Value>,
        index: Option<&Value>,
        id: Option<&Value>,
        change: Change,
        rules: &CommentRules,
        now: i64,
    ) -> Result<(), ApiError> {
        rules.check_privilege()?;
        let article = self.commented_article(msg_data_id, index, rules)?;
        let replying = matches!(change, Change::Reply(_));
        let comment = self.comments.change(&article, id, change, rules, now)?;
        if let (true, Some(reply)) = (replying, &comment.reply) {
            let message = json!({
                "msg_data_id": article.msg_data_id,
                "index": rules.index_of(article.position),
                "title": article.text("title"),
                "user_comment_id": comment.id,
                "comment": comment.content,
                "reply": reply.content,
            });
            self.deliver(&comment.openid, now, "comment_reply", message);
        }
        Ok(())
    }
}

/// A comment as `list` shows it.
pub(crate) fn listed(comment: &Comment) -> Value {
    let mut shown = json!({
        "user_comment_id": comment.id,
        "openid": comment.openid,
        "create_time": comment.at,
        "content": comment.content,
        "comment_type": u8::from(comment.elected),
    });
    if let (Some(reply), Some(map)) = (&comment.reply, shown.as_object_mut()) {
        map.insert(
            "reply".to_owned(),
            json!({"content": reply.content, "create_time": reply.at}),
        );
    }
    shown
}
