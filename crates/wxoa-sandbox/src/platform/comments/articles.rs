//! Which articles comments can be about: every article of a live `mpnews` mass send and of a
//! live free publication, found by the `msg_data_id` their send or submission answered and the
//! article's index (from the rules' first index).

use serde_json::{Value, json};

use super::CommentRules;
use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::state::Account;

/// `msg_data_id`s are the low nine digits of the send's or the submission's number.
const MSG_DATA_ID_MODULUS: u64 = 1_000_000_000;

/// The `msg_data_id` of the mass send or free publication numbered `number`.
pub(crate) fn msg_data_id(number: u64) -> u64 {
    number % MSG_DATA_ID_MODULUS
}

/// Where an article was sent from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// A mass send of news (`message/mass/sendall` or `send` with `mpnews`).
    Mass,
    /// A free publication (`freepublish/submit`).
    Publication,
}

impl Source {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Source::Mass => "mass",
            Source::Publication => "publish",
        }
    }
}

/// One article comments can be about.
#[derive(Debug, Clone)]
pub(crate) struct Article {
    pub(crate) msg_data_id: u64,
    /// Its position in the send, from 0.
    pub(crate) position: usize,
    /// The article as it was sent (`title`, `content`, `need_open_comment` …); an empty object
    /// when the sandbox no longer has it.
    pub(crate) fields: Value,
    pub(crate) source: Source,
    /// When it was sent.
    pub(crate) at: i64,
}

impl Article {
    /// The key its comments are kept under: `<msg_data_id>_<position from 0>`.
    pub(crate) fn key(&self) -> String {
        format!("{}_{}", self.msg_data_id, self.position)
    }

    /// A text field of the article, empty when absent.
    pub(crate) fn text(&self, key: &str) -> &str {
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A 0/1 flag of the article (`need_open_comment`, `only_fans_can_comment`).
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.fields.get(key).and_then(lenient_i64) == Some(1)
    }
}

/// A live send comments can be about, and its live articles with their positions.
struct CommentedSend {
    msg_data_id: u64,
    source: Source,
    at: i64,
    articles: Vec<(usize, Value)>,
}

/// The article at `index` (from the rules' first index; the first one when absent) of the send
/// whose articles are `articles`: 88001 past them.
fn pick(
    articles: Vec<(usize, Value)>,
    index: Option<&Value>,
    rules: &CommentRules,
) -> Result<(usize, Value), ApiError> {
    let position = match index {
        None => 0,
        Some(index) => lenient_i64(index)
            .and_then(|i| i.checked_sub(i64::from(rules.first_index)))
            .and_then(|p| usize::try_from(p).ok())
            .ok_or_else(|| no_article_at(index))?,
    };
    articles
        .into_iter()
        .find(|(p, _)| *p == position)
        .ok_or_else(|| no_article_at(index.unwrap_or(&json!(rules.first_index))))
}

/// 88001, saying which index has no article.
fn no_article_at(index: &Value) -> ApiError {
    ApiError::msg(
        88001,
        format!("msg_data is not exists: no article at index {index}"),
    )
}

/// 88001 for a `msg_data_id` that names no live send.
fn unknown(msg_data_id: Option<&Value>) -> ApiError {
    let shown = msg_data_id.map_or_else(|| "none".to_owned(), Value::to_string);
    ApiError::msg(
        88001,
        format!("msg_data is not exists: msg_data_id {shown}"),
    )
}

impl Account {
    /// The live sends comments can be about, newest first: each with its `msg_data_id`, where it
    /// came from, when, and its articles (position, article) still live.
    fn comment_sends(&self) -> Vec<CommentedSend> {
        let mut sends = Vec::new();
        for (msg_id, job) in &self.mass.jobs {
            if job.msgtype != "mpnews" || job.deleted {
                continue;
            }
            // State files from before the articles were kept with the job know only their
            // number.
            let articles: Vec<(usize, Value)> = if job.news.is_empty() {
                (0..job.articles).map(|p| (p, json!({}))).collect()
            } else {
                job.news.iter().cloned().enumerate().collect()
            };
            sends.push(CommentedSend {
                msg_data_id: msg_data_id(*msg_id),
                source: Source::Mass,
                at: job.at,
                articles,
            });
        }
        for (publish_id, publication) in &self.publish.jobs {
            let Ok(number) = publish_id.parse::<u64>() else {
                continue;
            };
            let articles: Vec<(usize, Value)> = publication
                .articles
                .iter()
                .cloned()
                .enumerate()
                .filter(|(p, _)| !publication.deleted.get(*p).copied().unwrap_or(true))
                .collect();
            if !articles.is_empty() {
                sends.push(CommentedSend {
                    msg_data_id: msg_data_id(number),
                    source: Source::Publication,
                    at: publication.at,
                    articles,
                });
            }
        }
        sends.sort_by_key(|s| std::cmp::Reverse((s.at, s.msg_data_id)));
        sends
    }

    /// Every live article comments can be about, newest send first.
    pub(crate) fn commentable_articles(&self) -> Vec<Article> {
        self.comment_sends()
            .into_iter()
            .flat_map(|send| {
                let (msg_data_id, source, at) = (send.msg_data_id, send.source, send.at);
                send.articles
                    .into_iter()
                    .map(move |(position, fields)| Article {
                        msg_data_id,
                        position,
                        fields,
                        source,
                        at,
                    })
            })
            .collect()
    }

    /// The article that `msg_data_id` and `index` name: 88001 for a `msg_data_id` of no live
    /// news send or publication, or an index past its live articles.
    pub(crate) fn commented_article(
        &self,
        msg_data_id: Option<&Value>,
        index: Option<&Value>,
        rules: &CommentRules,
    ) -> Result<Article, ApiError> {
        let wanted = msg_data_id
            .and_then(lenient_i64)
            .and_then(|id| u64::try_from(id).ok())
            .ok_or_else(|| unknown(msg_data_id))?;
        let send = self
            .comment_sends()
            .into_iter()
            .find(|s| s.msg_data_id == wanted)
            .ok_or_else(|| unknown(msg_data_id))?;
        let (position, fields) = pick(send.articles, index, rules)?;
        Ok(Article {
            msg_data_id: send.msg_data_id,
            position,
            fields,
            source: send.source,
            at: send.at,
        })
    }
}
