//! Permanent material and news: the rules of `add_material` (a video's description included),
//! `get_material`, `del_material` (not while a menu uses it), the count and pages of
//! `batchget_material`, and of news wherever it is kept — the checks of the articles of
//! `add_news`, `uploadnews` and drafts, keeping them, and replacing one article.

use std::collections::HashMap;

use serde_json::Value;

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::media::{FilePage, MediaFile, MediaStore, Rule, new_media_id};
use crate::state::Account;

/// Most articles in one news material.
const MAX_ARTICLES: usize = 8;
/// Longest article content, characters.
const MAX_CONTENT_CHARS: usize = 20_000;
/// Most items one `batchget_material` answers.
const MAX_PAGE: i64 = 20;

/// Where an account keeps news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewsBox {
    /// Permanent material (`add_news`).
    Material,
    /// Temporary media (`uploadnews`), for mass sends.
    Temporary,
    /// The draft box (`draft/add`).
    Drafts,
}

impl NewsBox {
    /// The kind the news is kept as.
    fn kind(self) -> &'static str {
        match self {
            NewsBox::Material | NewsBox::Temporary => "news",
            NewsBox::Drafts => "draft",
        }
    }

    /// The account's files of this box.
    fn files(self, account: &mut Account) -> &mut HashMap<String, MediaFile> {
        match self {
            NewsBox::Material => &mut account.media.permanent,
            NewsBox::Temporary => &mut account.media.temporary,
            NewsBox::Drafts => &mut account.publish.drafts,
        }
    }
}

impl MediaStore {
    /// `add_material`: a file within the rule of its type — a video with a `description`
    /// form field of JSON `{"title", "introduction"}` (47001) — is kept until deleted. Its
    /// media id.
    pub(crate) fn add_permanent(
        &mut self,
        rule: &Rule,
        mut file: MediaFile,
        description: Option<&str>,
    ) -> Result<String, ApiError> {
        rule.check(&file.filename, &file.bytes)?;
        if rule.kind == "video" {
            let value: Value = serde_json::from_str(description.unwrap_or_default())
                .map_err(|_| ApiError::msg(47001, "data format error: description"))?;
            let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
            file.title = Some(field("title").unwrap_or_default());
            file.introduction = Some(field("introduction").unwrap_or_default());
        }
        let id = new_media_id();
        self.permanent.insert(id.clone(), file);
        Ok(id)
    }

    /// Permanent material with this id (40007).
    pub(crate) fn permanent_file(&self, media_id: &str) -> Result<&MediaFile, ApiError> {
        self.permanent
            .get(media_id)
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
    }

    /// How much permanent material of `kind` the account keeps.
    pub(crate) fn permanent_count(&self, kind: &str) -> usize {
        self.permanent.values().filter(|m| m.kind == kind).count()
    }

    /// `batchget_material`: a known type (40004), `count` 1 to 20 and `offset` from 0 (47003).
    /// How much material of the type there is, and the page, last changed first.
    pub(crate) fn permanent_page(
        &self,
        kind: &str,
        offset: Option<&Value>,
        count: Option<&Value>,
    ) -> Result<FilePage<'_>, ApiError> {
        if !matches!(kind, "image" | "video" | "voice" | "news") {
            return Err(ApiError::msg(40004, "invalid media type"));
        }
        let offset = offset.and_then(lenient_i64).unwrap_or(0);
        let count = count
            .and_then(lenient_i64)
            .filter(|c| (1..=MAX_PAGE).contains(c))
            .ok_or_else(|| ApiError::argument("count"))?;
        let offset = usize::try_from(offset).map_err(|_| ApiError::argument("offset"))?;
        let mut files: Vec<(&String, &MediaFile)> = self
            .permanent
            .iter()
            .filter(|(_, m)| m.kind == kind)
            .collect();
        files.sort_by(|a, b| b.1.update_time.cmp(&a.1.update_time).then(a.0.cmp(b.0)));
        let total = files.len();
        let page = files
            .into_iter()
            .skip(offset)
            .take(usize::try_from(count).unwrap_or(20))
            .collect();
        Ok((total, page))
    }
}

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

    /// `add_news`, `uploadnews`, `draft/add`: checked articles kept as news in `place`. Its
    /// media id.
    pub(crate) fn add_news(
        &mut self,
        articles: Vec<Value>,
        place: NewsBox,
        now: i64,
    ) -> Result<String, ApiError> {
        self.check_news(&articles, now)?;
        let id = new_media_id();
        let news = MediaFile::record(place.kind(), now, articles);
        place.files(self).insert(id.clone(), news);
        Ok(id)
    }

    /// `update_news`, `draft/update`: article `index` (47003 outside the articles) of the news
    /// kept in `place` under `id` (40007 when there is none) replaced by a checked article.
    pub(crate) fn update_news(
        &mut self,
        place: NewsBox,
        id: &str,
        index: Option<&Value>,
        article: Value,
        now: i64,
    ) -> Result<(), ApiError> {
        let size = place
            .files(self)
            .get(id)
            .filter(|news| news.kind == place.kind())
            .map(|news| news.articles.len())
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
        let index = index
            .and_then(lenient_i64)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < size)
            .ok_or_else(|| ApiError::argument("index"))?;
        self.check_article(&article, now)?;
        if let Some(news) = place.files(self).get_mut(id) {
            if let Some(slot) = news.articles.get_mut(index) {
                *slot = article;
            }
            news.update_time = now;
        }
        Ok(())
    }

    /// `del_material`: known material (40007) that no menu button uses (48005) goes.
    pub(crate) fn delete_material(&mut self, id: &str) -> Result<(), ApiError> {
        self.media.permanent_file(id)?;
        if self.menu_uses(id) {
            return Err(ApiError::msg(
                48005,
                "forbid to delete material used by auto-reply or menu",
            ));
        }
        self.media.permanent.remove(id);
        Ok(())
    }
}
