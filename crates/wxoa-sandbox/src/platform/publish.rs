//! The draft box and free publications: drafts by media id and what was published from them,
//! and the rules of `draft/*` and `freepublish/*` — known drafts (40007), articles within
//! range, pages of 1 to 20, known publications (53502) and live articles (53600), and the
//! `PUBLISHJOBFINISH` push of a submission (see `routes/publish.rs` for the table).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::comments::msg_data_id;
use crate::platform::lenient_i64;
use crate::platform::media::{FilePage, MediaFile, news_items};
use crate::platform::stats::articles::titled;
use crate::platform::tokens::random_text;
use crate::push::Outgoing;
use crate::state::Account;

/// Most items of a list page.
const PAGE_MAX: i64 = 20;
/// Who publication results come from.
const PUBLISH_HELPER: &str = "mphelper";

/// The draft box and what was published from it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct PublishBox {
    /// Drafts by media id (`kind` is `draft`, the articles in `articles`).
    pub(crate) drafts: HashMap<String, MediaFile>,
    /// Publications by `publish_id`.
    pub(crate) jobs: BTreeMap<String, Publication>,
}

/// A draft published with `freepublish/submit`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Publication {
    /// The published articles' id.
    pub(crate) article_id: String,
    /// The articles as they were in the draft.
    pub(crate) articles: Vec<serde_json::Value>,
    /// Which articles were deleted (`freepublish/delete` with an `index`).
    pub(crate) deleted: Vec<bool>,
    /// When it was published.
    pub(crate) at: i64,
    /// The order of `freepublish/batchget`.
    pub(crate) seq: u64,
}

impl Publication {
    /// Whether every article was deleted.
    pub(crate) fn all_deleted(&self) -> bool {
        self.deleted.iter().all(|d| *d)
    }

    /// `article_detail`: the articles still published.
    pub(crate) fn detail(&self) -> Value {
        let items: Vec<Value> = self
            .deleted
            .iter()
            .enumerate()
            .filter(|(_, deleted)| !**deleted)
            .map(
                |(i, _)| json!({"idx": i + 1, "article_url": article_url(&self.article_id, i + 1)}),
            )
            .collect();
        json!({"count": items.len(), "item": items})
    }

    /// The articles as `getarticle` and `batchget` show them.
    pub(crate) fn items(&self) -> Vec<Value> {
        let file = MediaFile::record("news", self.at, self.articles.clone());
        let mut items = news_items(&self.article_id, &file);
        for (i, item) in items.iter_mut().enumerate() {
            if let Some(map) = item.as_object_mut() {
                map.insert(
                    "url".to_owned(),
                    json!(article_url(&self.article_id, i + 1)),
                );
                let deleted = self.deleted.get(i).copied().unwrap_or(false);
                map.insert("is_deleted".to_owned(), json!(deleted));
            }
        }
        items
    }
}

/// The URL of article `idx` (from 1) of a publication.
fn article_url(article_id: &str, idx: usize) -> String {
    format!("http://mp.weixin.qq.com/s?__biz=sandbox&article={article_id}&idx={idx}")
}

/// A list page's offset (47003 when negative) and size, 1 to 20 (47003).
pub(crate) fn page(
    offset: Option<&Value>,
    count: Option<&Value>,
) -> Result<(usize, usize), ApiError> {
    let offset = offset.and_then(lenient_i64).unwrap_or(0);
    let offset = usize::try_from(offset).map_err(|_| ApiError::argument("offset"))?;
    let count = count
        .and_then(lenient_i64)
        .filter(|c| (1..=PAGE_MAX).contains(c))
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(|| ApiError::argument("count"))?;
    Ok((offset, count))
}

impl PublishBox {
    /// A known draft (40007).
    pub(crate) fn draft(&self, id: &str) -> Result<&MediaFile, ApiError> {
        self.drafts
            .get(id)
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
    }

    /// Deletes a known draft (40007).
    pub(crate) fn delete_draft(&mut self, id: &str) -> Result<(), ApiError> {
        self.drafts
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
    }

    /// The drafts, last changed first, and a page of them.
    pub(crate) fn drafts_page(&self, offset: usize, count: usize) -> FilePage<'_> {
        let mut drafts: Vec<(&String, &MediaFile)> = self.drafts.iter().collect();
        drafts.sort_by(|a, b| b.1.update_time.cmp(&a.1.update_time).then(a.0.cmp(b.0)));
        let total = drafts.len();
        (total, drafts.into_iter().skip(offset).take(count).collect())
    }

    /// A known publication (53502).
    pub(crate) fn publication(&self, publish_id: &str) -> Result<&Publication, ApiError> {
        self.jobs
            .get(publish_id)
            .ok_or_else(|| ApiError::msg(53502, "invalid publish_id"))
    }

    /// The live publication of an article id (53600).
    pub(crate) fn published(&self, article_id: &str) -> Result<&Publication, ApiError> {
        self.jobs
            .values()
            .find(|p| p.article_id == article_id && !p.all_deleted())
            .ok_or_else(|| ApiError::msg(53600, "invalid article_id"))
    }

    /// `freepublish/delete`: index 0 deletes every article of a live publication, 1..=n the
    /// one at that position (47003 beyond).
    pub(crate) fn delete_published(
        &mut self,
        article_id: &str,
        index: i64,
    ) -> Result<(), ApiError> {
        let publication = self
            .jobs
            .values_mut()
            .find(|p| p.article_id == article_id && !p.all_deleted())
            .ok_or_else(|| ApiError::msg(53600, "invalid article_id"))?;
        let Ok(index) = usize::try_from(index) else {
            return Err(ApiError::argument("index"));
        };
        if index == 0 {
            publication.deleted.iter_mut().for_each(|d| *d = true);
        } else {
            let slot = publication
                .deleted
                .get_mut(index - 1)
                .ok_or_else(|| ApiError::argument("index"))?;
            *slot = true;
        }
        Ok(())
    }

    /// The live publications, newest first, and a page of them.
    pub(crate) fn live_page(&self, offset: usize, count: usize) -> (usize, Vec<&Publication>) {
        let mut live: Vec<&Publication> = self.jobs.values().filter(|p| !p.all_deleted()).collect();
        live.sort_by_key(|p| std::cmp::Reverse(p.seq));
        let total = live.len();
        (total, live.into_iter().skip(offset).take(count).collect())
    }
}

impl Account {
    /// `freepublish/submit`: a known draft is published at once (it stays in the box). The
    /// `publish_id`, the `msg_data_id` and the `PUBLISHJOBFINISH` push.
    pub(crate) fn submit(
        &mut self,
        id: &str,
        now: i64,
    ) -> Result<(String, u64, Outgoing), ApiError> {
        let articles = self.publish.draft(id)?.articles.clone();
        let number = self.next_msg_id();
        let publish_id = number.to_string();
        let seq = self.next_seq();
        let publication = Publication {
            article_id: random_text(43),
            deleted: vec![false; articles.len()],
            articles,
            at: now,
            seq,
        };
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("PUBLISHJOBFINISH")),
            (
                "PublishEventInfo".to_owned(),
                json!({
                    "publish_id": publish_id,
                    "publish_status": 0,
                    "article_id": publication.article_id,
                    "article_detail": publication.detail(),
                }),
            ),
        ];
        let outgoing = Outgoing::new(
            &self.app_id,
            &self.original_id,
            PUBLISH_HELPER,
            now,
            &fields,
            || number,
        );
        let articles = titled(&publication.articles, |i| {
            article_url(&publication.article_id, i)
        });
        self.analytics
            .articles
            .register(number % 1_000_000_000, articles, now, 0, false);
        self.publish.jobs.insert(publish_id.clone(), publication);
        Ok((publish_id, msg_data_id(number), outgoing))
    }
}
