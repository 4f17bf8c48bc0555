//! Article analytics, what is counted: the articles the account sent (mass sends of news, each
//! article `<msg_data_id>_<index>`) or published (`freepublish`), and what followers did with
//! them — read (from an entry: 0 conversation, 1 friend, 2 Moments, 3 Weibo, 4 history page,
//! 5 other, 6 看一看, 7 搜一搜), read the original, share (to 1 a friend, 2 Moments, 3 Weibo,
//! 255 elsewhere), favourite — through the control API and the console.
//!
//! Per article and day: users (each once a day) and occurrences, and the same counted over the
//! article's life (each user once) for the cumulative details of its first 30 days; per day:
//! the same by entry and hour, and shares by destination. The answers are `reports`'.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::date::Date;

use super::tally::{Seen, Tally, day_entry, hour_of, key};

/// Days after sending that an article's cumulative figures cover (the new family's detail
/// list; the old family shows the first 7 of them).
pub(crate) const LIFE_DAYS: i64 = 30;
/// Most articles kept; the oldest are forgotten beyond it.
const MAX_ARTICLES: usize = 10_000;
/// Read entries the sandbox knows (`user_source` of `getuserread`).
pub(crate) const READ_SOURCES: &[u32] = &[0, 1, 2, 3, 4, 5, 6, 7];
/// Share destinations the sandbox knows (`share_scene`).
pub(crate) const SHARE_SCENES: &[u32] = &[1, 2, 3, 255];
/// The `share_scene` of a share to Moments.
const MOMENTS: u32 = 2;

/// What a follower does with an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ArticleAction {
    Read,
    ReadOriginal,
    Share,
    Favorite,
}

impl ArticleAction {
    fn tag(self) -> u8 {
        match self {
            Self::Read => 1,
            Self::ReadOriginal => 2,
            Self::Share => 3,
            Self::Favorite => 4,
        }
    }
}

/// Reads, reads of the original, shares and favourites.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counters {
    pub(crate) int: Tally,
    pub(crate) ori: Tally,
    pub(crate) share: Tally,
    pub(crate) fav: Tally,
}

impl Counters {
    fn add(&mut self, action: ArticleAction, new_user: bool) {
        match action {
            ArticleAction::Read => self.int.add(new_user),
            ArticleAction::ReadOriginal => self.ori.add(new_user),
            ArticleAction::Share => self.share.add(new_user),
            ArticleAction::Favorite => self.fav.add(new_user),
        }
    }

    pub(crate) fn plus(self, other: Self) -> Self {
        Self {
            int: self.int.plus(other.int),
            ori: self.ori.plus(other.ori),
            share: self.share.plus(other.share),
            fav: self.fav.plus(other.fav),
        }
    }

    /// The fields every old-family row has: `int_page_read_user` … `add_to_fav_count`.
    pub(crate) fn fields(self) -> Map<String, Value> {
        let value = json!({
            "int_page_read_user": self.int.users, "int_page_read_count": self.int.count,
            "ori_page_read_user": self.ori.users, "ori_page_read_count": self.ori.count,
            "share_user": self.share.users, "share_count": self.share.count,
            "add_to_fav_user": self.fav.users, "add_to_fav_count": self.fav.count,
        });
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }
}

/// One article's day.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ArticleDay {
    /// That day's users (each once) and occurrences.
    pub(crate) daily: Counters,
    /// Readers by entry that day.
    pub(crate) sources: BTreeMap<u32, Tally>,
    /// Users new to the article that day (over its life) and that day's occurrences.
    pub(crate) life: Counters,
    /// Readers new to the article that day by entry.
    pub(crate) life_sources: BTreeMap<u32, Tally>,
    /// Sharers to Moments new to the article that day, by the entry they read it from.
    pub(crate) life_feed_shares: BTreeMap<u32, Tally>,
}

/// An article the account sent or published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Article {
    pub(crate) sent: Date,
    pub(crate) title: String,
    pub(crate) url: String,
    /// Followers the send reached (0 for a publication, which notifies nobody).
    pub(crate) target_user: u64,
    /// Sent to followers (a mass send) rather than only published.
    pub(crate) notified: bool,
    pub(crate) days: BTreeMap<Date, ArticleDay>,
    /// Who did what with it so far (hashed), for its first [`LIFE_DAYS`] days.
    #[serde(default, skip_serializing_if = "HashSet::is_empty")]
    ever: HashSet<u64>,
}

/// One day of the account's articles: by read entry, by hour and entry, shares by destination.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ReadDay {
    pub(crate) sources: BTreeMap<u32, Counters>,
    pub(crate) hours: BTreeMap<u8, BTreeMap<u32, Counters>>,
    pub(crate) scenes: BTreeMap<u32, Tally>,
    pub(crate) scene_hours: BTreeMap<u8, BTreeMap<u32, Tally>>,
}

/// The account's articles and what followers did with them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ArticleStats {
    pub(crate) articles: BTreeMap<String, Article>,
    pub(crate) days: BTreeMap<Date, ReadDay>,
    seen_day: Seen,
}

/// One follower's action on an article.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Act<'a> {
    pub(crate) openid: &'a str,
    pub(crate) msgid: &'a str,
    pub(crate) action: ArticleAction,
    /// The read entry (`user_source`).
    pub(crate) source: u32,
    /// Where a share went (`share_scene`).
    pub(crate) scene: u32,
    pub(crate) at: i64,
}

impl ArticleStats {
    /// Keeps the articles of a send or a publication (`<msg_data_id>_<index>` from 1), with
    /// their titles and URLs, sent at `at` to `target_user` followers.
    pub(crate) fn register(
        &mut self,
        msg_data_id: u64,
        articles: Vec<(String, String)>,
        at: i64,
        target_user: u64,
        notified: bool,
    ) {
        for (i, (title, url)) in articles.into_iter().enumerate() {
            while self.articles.len() >= MAX_ARTICLES {
                let oldest = self
                    .articles
                    .iter()
                    .min_by_key(|(_, a)| a.sent)
                    .map(|(id, _)| id.clone());
                match oldest {
                    Some(id) => self.articles.remove(&id),
                    None => break,
                };
            }
            self.articles.insert(
                format!("{msg_data_id}_{}", i + 1),
                Article {
                    sent: Date::of_unix(at),
                    title,
                    url,
                    target_user,
                    notified,
                    days: BTreeMap::new(),
                    ever: HashSet::new(),
                },
            );
        }
    }

    /// Whether the account has article `msgid`.
    pub(crate) fn has(&self, msgid: &str) -> bool {
        self.articles.contains_key(msgid)
    }

    /// Counts a follower's action on a known article (nothing happens for an unknown one).
    pub(crate) fn record(&mut self, act: &Act<'_>) {
        let day = Date::of_unix(act.at);
        let hour = hour_of(act.at);
        let (user, tag) = (act.openid.as_bytes(), [act.action.tag()]);
        let source = act.source.to_be_bytes();
        let seen = &mut self.seen_day;
        let Some(article) = self.articles.get_mut(act.msgid) else {
            return;
        };
        let new_today = seen.first(day, key(&[b"a", act.msgid.as_bytes(), &tag, user]));
        let in_life = day.days() - article.sent.days() < LIFE_DAYS;
        if !in_life {
            article.ever.clear();
        }
        let ever = &mut article.ever;
        let entry = day_entry(&mut article.days, day, drop);
        entry.daily.add(act.action, new_today);
        if in_life {
            entry
                .life
                .add(act.action, ever.insert(key(&[b"l", &tag, user])));
        }
        if act.action == ArticleAction::Read {
            let new = seen.first(day, key(&[b"as", act.msgid.as_bytes(), &source, user]));
            entry.sources.entry(act.source).or_default().add(new);
            if in_life {
                let new = ever.insert(key(&[b"ls", &source, user]));
                entry.life_sources.entry(act.source).or_default().add(new);
            }
        }
        if act.action == ArticleAction::Share && act.scene == MOMENTS && in_life {
            let new = ever.insert(key(&[b"fs", &source, user]));
            entry
                .life_feed_shares
                .entry(act.source)
                .or_default()
                .add(new);
        }
        let read_day = day_entry(&mut self.days, day, drop);
        let new = seen.first(day, key(&[b"s", &source, &tag, user]));
        read_day
            .sources
            .entry(act.source)
            .or_default()
            .add(act.action, new);
        let new = seen.first(day, key(&[b"h", &[hour], &source, &tag, user]));
        let hourly = read_day.hours.entry(hour).or_default();
        hourly.entry(act.source).or_default().add(act.action, new);
        if act.action == ArticleAction::Share {
            let scene = act.scene.to_be_bytes();
            let new = seen.first(day, key(&[b"c", &scene, user]));
            read_day.scenes.entry(act.scene).or_default().add(new);
            let new = seen.first(day, key(&[b"ch", &[hour], &scene, user]));
            let hourly = read_day.scene_hours.entry(hour).or_default();
            hourly.entry(act.scene).or_default().add(new);
        }
    }
}

/// The titles and URLs of the articles of a news (`title` of each item).
pub(crate) fn titled(articles: &[Value], url: impl Fn(usize) -> String) -> Vec<(String, String)> {
    articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let title = a.get("title").and_then(Value::as_str).unwrap_or_default();
            (title.to_owned(), url(i + 1))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn act(openid: &str, action: ArticleAction, at: i64) -> Act<'_> {
        Act {
            openid,
            msgid: "7_1",
            action,
            source: 0,
            scene: 2,
            at,
        }
    }

    #[test]
    fn users_count_once_a_day_and_once_a_life() {
        let day: Date = "2026-03-04".parse().unwrap();
        let at = day.start_unix() + 3_600;
        let mut stats = ArticleStats::default();
        stats.register(7, vec![("T".into(), "u".into())], at, 10, true);
        assert!(stats.has("7_1") && !stats.has("7_2"));
        stats.record(&act("oA", ArticleAction::Read, at));
        stats.record(&act("oA", ArticleAction::Read, at + 1));
        stats.record(&act("oA", ArticleAction::Read, at + 86_400));
        stats.record(&act("oA", ArticleAction::Share, at + 86_400));
        let article = &stats.articles["7_1"];
        let first = &article.days[&day];
        assert_eq!((first.daily.int.users, first.daily.int.count), (1, 2));
        let second = &article.days[&day.add_days(1)];
        assert_eq!((second.daily.int.users, second.life.int.users), (1, 0));
        assert_eq!(second.life_feed_shares[&0].users, 1);
        assert_eq!(stats.days[&day.add_days(1)].scenes[&2].count, 1);
        stats.record(&Act {
            msgid: "9_9",
            ..act("oA", ArticleAction::Read, at)
        });
        assert_eq!(stats.articles.len(), 1);
    }
}
