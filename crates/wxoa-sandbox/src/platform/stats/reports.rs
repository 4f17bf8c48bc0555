//! Article analytics, what is answered: the original family (`getarticlesummary`,
//! `getarticletotal`, `getuserread[hour]`, `getusershare[hour]`) and the published-content
//! family (`getbizsummary`, `getarticleread`, `getarticleshare`, `getarticletotaldetail`), all
//! read from the same counters (`articles`).
//!
//! `getuserread*` list one row per read entry and one with `user_source` 99999999 that sums
//! them; hourly counts add up to the day's. Users are distinct within a row's own period.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use wxoa_types::date::Date;

use super::articles::{Article, ArticleStats, Counters, LIFE_DAYS};
use super::tally::Tally;

/// The `user_source` of the row that sums every entry.
pub(crate) const ALL_SOURCES: u32 = 99_999_999;
/// Days of cumulative details `getarticletotal` shows.
const OLD_DETAIL_DAYS: i64 = 7;
/// Occurrences an article needs in a day to be listed by `getarticlesummary`.
const SUMMARY_THRESHOLD: u64 = 3;

/// A row: `ref_date`, the given fields, then the counters'.
fn row(date: Date, head: Value, counters: Counters) -> Value {
    let mut map = Map::new();
    map.insert("ref_date".into(), json!(date));
    if let Value::Object(head) = head {
        map.extend(head);
    }
    map.extend(counters.fields());
    Value::Object(map)
}

/// The new family's `scene_desc` of a read entry.
fn scene_desc(source: u32) -> &'static str {
    match source {
        0 => "公众号消息",
        1 => "聊天会话",
        2 => "朋友圈",
        4 => "公众号主页",
        6 => "推荐",
        7 => "搜一搜",
        _ => "其他",
    }
}

/// `read_user_source`: 全部 (the sum), then each scene with readers.
fn read_user_source(sources: &BTreeMap<u32, Tally>) -> Vec<Value> {
    let mut scenes: BTreeMap<&str, u64> = BTreeMap::new();
    for (source, tally) in sources {
        *scenes.entry(scene_desc(*source)).or_default() += tally.users;
    }
    let all: u64 = scenes.values().sum();
    std::iter::once(json!({"user_count": all, "scene_desc": "全部"}))
        .chain(
            scenes
                .into_iter()
                .map(|(desc, users)| json!({"user_count": users, "scene_desc": desc})),
        )
        .collect()
}

fn sum_sources(into: &mut BTreeMap<u32, Tally>, from: &BTreeMap<u32, Tally>) {
    for (source, tally) in from {
        let slot = into.entry(*source).or_default();
        *slot = slot.plus(*tally);
    }
}

/// An article's figures from its sending day to `stat` (users over its life, occurrences).
fn cumulative(
    article: &Article,
    stat: Date,
) -> (Counters, BTreeMap<u32, Tally>, BTreeMap<u32, Tally>) {
    let mut counters = Counters::default();
    let (mut sources, mut feed) = (BTreeMap::new(), BTreeMap::new());
    for day in article.days.range(..=stat).map(|(_, d)| d) {
        counters = counters.plus(day.life);
        sum_sources(&mut sources, &day.life_sources);
        sum_sources(&mut feed, &day.life_feed_shares);
    }
    (counters, sources, feed)
}

/// The stat dates of an article sent on `sent`: from then to the last of `days` days, never
/// past `yesterday`.
fn stat_dates(sent: Date, days: i64, yesterday: Date) -> impl Iterator<Item = Date> {
    sent.through(sent.add_days(days - 1).min(yesterday))
}

impl ArticleStats {
    fn sent_on(&self, day: Date) -> impl Iterator<Item = (&String, &Article)> {
        self.articles.iter().filter(move |(_, a)| a.sent == day)
    }

    fn active_on(
        &self,
        day: Date,
    ) -> impl Iterator<Item = (&String, &Article, &super::articles::ArticleDay)> {
        self.articles
            .iter()
            .filter_map(move |(id, a)| a.days.get(&day).map(|d| (id, a, d)))
    }

    /// `getarticlesummary`: each article's figures of `day`, when it had at least 3 reads,
    /// shares and favourites.
    pub(crate) fn summary(&self, day: Date) -> Vec<Value> {
        self.active_on(day)
            .filter(|(_, _, d)| {
                let c = d.daily;
                c.int.count + c.ori.count + c.share.users + c.share.count + c.fav.users
                    >= SUMMARY_THRESHOLD
            })
            .map(|(id, a, d)| row(day, json!({"msgid": id, "title": a.title}), d.daily))
            .collect()
    }

    /// `getarticletotal`: the articles sent on `day`, each with its cumulative figures at the
    /// end of each of its first 7 days that has ended.
    pub(crate) fn total(&self, day: Date, yesterday: Date) -> Vec<Value> {
        self.sent_on(day)
            .map(|(id, a)| {
                let details: Vec<Value> = stat_dates(day, OLD_DETAIL_DAYS, yesterday)
                    .map(|stat| old_detail(a, stat))
                    .collect();
                json!({"ref_date": day, "msgid": id, "title": a.title, "url": a.url,
                       "details": details})
            })
            .collect()
    }

    /// `getuserread`: per day, one row per read entry and the sum.
    pub(crate) fn user_read(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, day) in self.days.range(begin..=end) {
            by_source(&mut rows, *date, None, &day.sources);
        }
        rows
    }

    /// `getuserreadhour`: per hour of each day, one row per read entry and the sum.
    pub(crate) fn user_read_hour(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, day) in self.days.range(begin..=end) {
            for (hour, sources) in &day.hours {
                by_source(&mut rows, *date, Some(*hour), sources);
            }
        }
        rows
    }

    /// `getusershare`: per day, one row per share destination.
    pub(crate) fn user_share(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, day) in self.days.range(begin..=end) {
            for (scene, tally) in &day.scenes {
                rows.push(json!({"ref_date": date, "share_scene": scene,
                                 "share_count": tally.count, "share_user": tally.users}));
            }
        }
        rows
    }

    /// `getusersharehour`: per hour of each day, one row per share destination.
    pub(crate) fn user_share_hour(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, day) in self.days.range(begin..=end) {
            for (hour, scenes) in &day.scene_hours {
                for (scene, tally) in scenes {
                    rows.push(json!({"ref_date": date, "ref_hour": u32::from(*hour) * 100,
                                     "share_scene": scene, "share_count": tally.count,
                                     "share_user": tally.users}));
                }
            }
        }
        rows
    }

    /// `getbizsummary`: per day, the sum over the account's articles.
    pub(crate) fn biz_summary(&self, begin: Date, end: Date) -> Vec<Value> {
        begin
            .through(end)
            .map(|day| {
                let mut total = Counters::default();
                let mut sources = BTreeMap::new();
                for (_, _, d) in self.active_on(day) {
                    total = total.plus(d.daily);
                    sum_sources(&mut sources, &d.sources);
                }
                let sent = self.sent_on(day).count();
                json!({"ref_date": day, "detail": {
                    "read_user": total.int.users, "read_user_source": read_user_source(&sources),
                    "share_user": total.share.users, "zaikan_user": 0, "like_user": 0,
                    "comment_count": 0, "collection_user": total.fav.users,
                    "redirect_ori_page_user": total.ori.users, "send_page_count": sent}})
            })
            .collect()
    }

    /// `getarticleread`: each article read on `day`, with its readers by scene.
    pub(crate) fn article_read(&self, day: Date) -> Vec<Value> {
        self.active_on(day)
            .filter(|(_, _, d)| d.daily.int.count > 0)
            .map(|(id, _, d)| {
                json!({"ref_date": day, "msgid": id, "detail": {
                    "read_user": d.daily.int.users,
                    "read_user_source": read_user_source(&d.sources)}})
            })
            .collect()
    }

    /// `getarticleshare`: each article shared on `day`, with its sharers.
    pub(crate) fn article_share(&self, day: Date) -> Vec<Value> {
        self.active_on(day)
            .filter(|(_, _, d)| d.daily.share.count > 0)
            .map(|(id, _, d)| {
                json!({"ref_date": day, "msgid": id,
                       "detail": {"share_user": d.daily.share.users}})
            })
            .collect()
    }

    /// `getarticletotaldetail`: the articles published on `day`, each with its cumulative
    /// figures at the end of each of its first 30 days that has ended.
    pub(crate) fn total_detail(&self, day: Date, yesterday: Date) -> Vec<Value> {
        self.sent_on(day)
            .map(|(id, a)| {
                let details: Vec<Value> = stat_dates(day, LIFE_DAYS, yesterday)
                    .map(|stat| new_detail(a, stat))
                    .collect();
                json!({"ref_date": day, "msgid": id, "publish_type": if a.notified { 0 } else { 1 },
                       "title": a.title, "content_url": a.url, "detail_list": details})
            })
            .collect()
    }
}

/// Rows of one day (or hour) of `getuserread[hour]`: each entry, then the sum.
fn by_source(
    rows: &mut Vec<Value>,
    date: Date,
    hour: Option<u8>,
    sources: &BTreeMap<u32, Counters>,
) {
    let head = |source: u32| match hour {
        Some(hour) => json!({"ref_hour": u32::from(hour) * 100, "user_source": source}),
        None => json!({"user_source": source}),
    };
    let mut all = Counters::default();
    for (source, counters) in sources {
        all = all.plus(*counters);
        rows.push(row(date, head(*source), *counters));
    }
    rows.push(row(date, head(ALL_SOURCES), all));
}

/// One `details[]` item of `getarticletotal`.
fn old_detail(article: &Article, stat: Date) -> Value {
    let (counters, sources, feed) = cumulative(article, stat);
    let mut map = Map::new();
    map.insert("stat_date".into(), json!(stat));
    map.insert("target_user".into(), json!(article.target_user));
    map.extend(counters.fields());
    let from = |codes: &[u32]| {
        codes
            .iter()
            .filter_map(|c| sources.get(c))
            .fold(Tally::default(), |a, b| a.plus(*b))
    };
    for (name, codes) in [
        ("session", &[0][..]),
        ("hist_msg", &[4]),
        ("feed", &[2]),
        ("friends", &[1]),
        ("other", &[3, 5]),
        ("kanyikan", &[6]),
        ("souyisou", &[7]),
    ] {
        let tally = from(codes);
        map.insert(
            format!("int_page_from_{name}_read_user"),
            json!(tally.users),
        );
        map.insert(
            format!("int_page_from_{name}_read_count"),
            json!(tally.count),
        );
    }
    let shared_from = |pick: &dyn Fn(u32) -> bool| {
        feed.iter()
            .filter(|(s, _)| pick(**s))
            .fold(Tally::default(), |a, (_, b)| a.plus(*b))
    };
    for (name, tally) in [
        ("session", shared_from(&|s| s == 0)),
        ("feed", shared_from(&|s| s == 2)),
        ("other", shared_from(&|s| s != 0 && s != 2)),
    ] {
        map.insert(format!("feed_share_from_{name}_user"), json!(tally.users));
        map.insert(format!("feed_share_from_{name}_cnt"), json!(tally.count));
    }
    Value::Object(map)
}

/// One `detail_list[]` item of `getarticletotaldetail`.
fn new_detail(article: &Article, stat: Date) -> Value {
    let (counters, sources, _) = cumulative(article, stat);
    let rate = if article.target_user == 0 {
        0.0
    } else {
        counters.int.users as f64 / article.target_user as f64
    };
    json!({"stat_date": stat, "read_user": counters.int.users,
           "read_user_source": read_user_source(&sources), "share_user": counters.share.users,
           "zaikan_user": 0, "like_user": 0, "comment_count": 0,
           "collection_user": counters.fav.users, "praise_money": 0, "read_subscribe_user": 0,
           "read_delivery_rate": rate, "read_finish_rate": 0.0, "read_avg_activetime": 0.0,
           "read_jump_position": []})
}
