//! News material: the checks of the articles of `add_news`, `uploadnews`, drafts and their
//! updates.

use serde_json::Value;

use crate::error::ApiError;
use crate::state::Account;

/// Most articles in one news material.
const MAX_ARTICLES: usize = 8;
/// Longest article content, characters.
const MAX_CONTENT_CHARS: usize = 20_000;

impl Account {
    /// News articles (of `add_news` and `uploadnews`): 1 to 8 (44003, 45008), each checked.
    pub(crate) fn check_news(&self, articles: &[Value], now: i64) -> Result<(), ApiError> {
        if articles.is_empty() {
            return Err(ApiError::msg(44003, "empty news data"));
        }
        if articles.len() > MAX_ARTICLES {
            return Err(ApiError::msg(45008, "article size out of limit"));
        }
        articles
            .iter()
            .try_for_each(|article| self.check_article(article, now))
    }

    /// An article: a title, content under 20,000 characters, a thumbnail that exists.
    pub(crate) fn check_article(&self, article: &Value, now: i64) -> Result<(), ApiError> {
        let text = |key: &str| article.get(key).and_then(Value::as_str).unwrap_or_default();
        if text("title").is_empty() {
            return Err(ApiError::argument("articles.title"));
        }
        if text("content").is_empty() {
            return Err(ApiError::argument("articles.content"));
        }
        if text("content").chars().count() >= MAX_CONTENT_CHARS {
            return Err(ApiError::msg(45002, "content size out of limit"));
        }
        if self.media.file(text("thumb_media_id"), now).is_none() {
            return Err(ApiError::msg(40007, "invalid media_id"));
        }
        Ok(())
    }
}
