//! Mass sends: the sends of an account, their `clientmsgid`s, the send speed and the daily
//! count of subscription accounts, and the rules of `message/mass/*` — what a message must
//! name, who it reaches (followers, not blacklisted, at most 4 a month), the `clientmsgid`
//! retries, deletion, status, speed, and the `MASSSENDJOBFINISH` push (see `routes/mass.rs`
//! for the table of rules and codes).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock::{china_day, china_month};
use crate::error::ApiError;
use crate::platform::media::MediaFile;
use crate::platform::people::Who;
use crate::platform::stats::articles::titled;
use crate::platform::{lenient_i64, set_field};
use crate::push::Outgoing;
use crate::state::Account;

/// Mass messages a follower of a service account receives per month at most.
const MONTHLY_PER_USER: u32 = 4;
/// Recipients of `send`.
const MIN_USERS: usize = 2;
const MAX_USERS: usize = 10_000;
/// Longest `clientmsgid`, bytes.
const MAX_CLIENT_ID: usize = 64;
/// A `clientmsgid` reused within this many seconds is 45066, later 45065.
const CLIENT_ID_RETRY: i64 = 60;
/// Real speed (10,000 per minute) of each speed level.
const REAL_SPEED: [u32; 5] = [80, 60, 45, 30, 10];
/// Who job results come from.
const MASS_HELPER: &str = "mphelper";

/// Mass sends of one account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MassState {
    pub(crate) jobs: BTreeMap<u64, MassJob>,
    /// `clientmsgid` → (msg_id, when it was last used).
    pub(crate) client_ids: HashMap<String, (u64, i64)>,
    pub(crate) speed: u8,
    /// Sends counted against a daily limit (subscription accounts): the day and how many.
    pub(crate) day: i64,
    pub(crate) today: u32,
}

impl Default for MassState {
    fn default() -> Self {
        Self {
            jobs: BTreeMap::new(),
            client_ids: HashMap::new(),
            speed: 3,
            day: 0,
            today: 0,
        }
    }
}

/// One mass send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MassJob {
    pub(crate) at: i64,
    /// Position in the account's conversations (see [`Account::next_seq`]).
    #[serde(default)]
    pub(crate) seq: u64,
    pub(crate) msgtype: String,
    /// The message as sent (msgtype and payload).
    pub(crate) message: serde_json::Value,
    /// Sent to every follower (delivered to inboxes when they are read).
    pub(crate) to_all: bool,
    pub(crate) deleted: bool,
    /// Articles of an mpnews send (for `article_idx` of `delete`).
    pub(crate) articles: usize,
    /// The articles of an mpnews send as they were sent (what followers read and comment on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) news: Vec<Value>,
}

/// A mass message: its type and payload, and every other field of the request.
#[derive(Debug, Deserialize)]
pub(crate) struct MassMessage {
    #[serde(default)]
    pub(crate) msgtype: Option<String>,
    #[serde(default)]
    pub(crate) clientmsgid: Option<String>,
    #[serde(flatten)]
    pub(crate) rest: Map<String, Value>,
}

impl MassMessage {
    /// The message as kept: msgtype and its payload.
    fn kept(&self) -> Value {
        let msgtype = self.msgtype.clone().unwrap_or_default();
        let key = if msgtype == "image" && self.rest.contains_key("images") {
            "images"
        } else {
            msgtype.as_str()
        };
        json!({"msgtype": msgtype, key: self.rest.get(key).cloned().unwrap_or(Value::Null)})
    }

    /// The `clientmsgid`, when one is given.
    fn client_id(&self) -> Option<&str> {
        self.clientmsgid.as_deref().filter(|i| !i.is_empty())
    }
}

/// Who a send reaches.
pub(crate) enum Target {
    All,
    Named(Vec<String>),
}

impl Target {
    /// The recipients of `send`: 2 (40130) to 10,000 (40032) OpenIDs.
    pub(crate) fn list(users: Vec<String>) -> Result<Self, ApiError> {
        if users.len() < MIN_USERS {
            return Err(ApiError::msg(
                40130,
                "invalid openid list size, at least two openid",
            ));
        }
        if users.len() > MAX_USERS {
            return Err(ApiError::msg(40032, "invalid openid list size"));
        }
        Ok(Self::Named(users))
    }
}

/// The `filter` of `sendall`.
#[derive(Debug, Deserialize)]
pub(crate) struct Filter {
    #[serde(default)]
    is_to_all: bool,
    #[serde(default)]
    tag_id: Option<Value>,
}

/// The counts of a job: targeted, and left after filtering (all of them sent).
struct Counts {
    total: u64,
    filtered: u64,
}

impl MassState {
    /// Checks `clientmsgid`: 45067 too long, 45066 reused within a minute, 45065 reused later
    /// (with the msg_id of the first send).
    fn check_client_id(&mut self, id: Option<&str>, now: i64) -> Result<(), ApiError> {
        let Some(id) = id else {
            return Ok(());
        };
        if id.len() > MAX_CLIENT_ID {
            return Err(ApiError::msg(45067, "clientmsgid size out of limit"));
        }
        if let Some((msg_id, last)) = self.client_ids.get_mut(id) {
            let within = now - *last < CLIENT_ID_RETRY;
            *last = now;
            if within {
                return Err(ApiError::msg(45066, "same clientmsgid retry too fast"));
            }
            return Err(ApiError::msg(45065, "clientmsgid exist").with("msg_id", json!(*msg_id)));
        }
        Ok(())
    }

    /// 45028 once a configured daily limit of sends is used up.
    fn take_daily(&mut self, limit: Option<u32>, now: i64) -> Result<(), ApiError> {
        let Some(limit) = limit else {
            return Ok(());
        };
        if self.day != china_day(now) {
            self.day = china_day(now);
            self.today = 0;
        }
        if self.today >= limit {
            return Err(ApiError::msg(45028, "has no masssend quota"));
        }
        self.today += 1;
        Ok(())
    }

    /// `delete`: a known job (47003) of mpnews or mpvideo (48008), `article_idx` within its
    /// articles (40060); index 0 deletes the whole send.
    pub(crate) fn delete(&mut self, id: u64, index: i64) -> Result<(), ApiError> {
        let job = self
            .jobs
            .get_mut(&id)
            .ok_or_else(|| ApiError::argument("msg_id"))?;
        if !matches!(job.msgtype.as_str(), "mpnews" | "mpvideo") {
            return Err(ApiError::msg(48008, "no permission for this msgtype"));
        }
        let within = usize::try_from(index).is_ok_and(|i| i <= job.articles);
        if !within {
            return Err(ApiError::msg(40060, "invalid article idx"));
        }
        if index == 0 {
            job.deleted = true;
        }
        Ok(())
    }

    /// The status of a known job (47003): `SEND_SUCCESS` or `DELETE`.
    pub(crate) fn status(&self, id: u64) -> Result<&'static str, ApiError> {
        let job = self
            .jobs
            .get(&id)
            .ok_or_else(|| ApiError::argument("msg_id"))?;
        Ok(if job.deleted {
            "DELETE"
        } else {
            "SEND_SUCCESS"
        })
    }

    /// The speed level and its real speed (10,000 per minute).
    pub(crate) fn speed(&self) -> (u8, u32) {
        let real = REAL_SPEED
            .get(usize::from(self.speed))
            .copied()
            .unwrap_or(30);
        (self.speed, real)
    }

    /// `speed/set`: a speed is given (45084) and is a level 0 to 4 (45083).
    pub(crate) fn set_speed(&mut self, speed: Option<&Value>) -> Result<(), ApiError> {
        let speed = speed.ok_or_else(|| ApiError::msg(45084, "no speed"))?;
        self.speed = lenient_i64(speed)
            .and_then(|s| u8::try_from(s).ok())
            .filter(|s| usize::from(*s) < REAL_SPEED.len())
            .ok_or_else(|| ApiError::msg(45083, "speed out of range"))?;
        Ok(())
    }
}

impl Account {
    /// Checks a mass message; the articles of an mpnews.
    fn check_mass_message(&self, message: &MassMessage, now: i64) -> Result<Vec<Value>, ApiError> {
        let msgtype = message.msgtype.as_deref().unwrap_or_default();
        let payload = message.rest.get(msgtype).cloned().unwrap_or(Value::Null);
        let text = |key: &str| {
            payload
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let media = |id: &str, kinds: &[&str]| -> Result<&MediaFile, ApiError> {
            self.media
                .file(id, now)
                .filter(|m| kinds.contains(&m.kind.as_str()))
                .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
        };
        match msgtype {
            "mpnews" => Ok(media(&text("media_id"), &["news"])?.articles.clone()),
            "mpvideo" => {
                // A video from uploadvideo, or a permanent one (a temporary video must go
                // through uploadvideo first).
                let id = text("media_id");
                let uploaded = self
                    .media
                    .file(&id, now)
                    .is_some_and(|m| m.kind == "mpvideo");
                let permanent = self
                    .media
                    .permanent
                    .get(&id)
                    .is_some_and(|m| m.kind == "video");
                if uploaded || permanent {
                    Ok(Vec::new())
                } else {
                    Err(ApiError::msg(40007, "invalid media_id"))
                }
            }
            "voice" => media(&text("media_id"), &["voice"]).map(|_| Vec::new()),
            "image" => {
                if let Some(images) = message.rest.get("images") {
                    let ids = images.get("media_ids").and_then(Value::as_array);
                    let ids = ids
                        .filter(|ids| !ids.is_empty())
                        .ok_or_else(|| ApiError::argument("images.media_ids"))?;
                    for id in ids {
                        media(id.as_str().unwrap_or_default(), &["image"])?;
                    }
                    Ok(Vec::new())
                } else {
                    media(&text("media_id"), &["image"]).map(|_| Vec::new())
                }
            }
            "text" if text("content").is_empty() => Err(ApiError::msg(44004, "empty content")),
            "text" => Ok(Vec::new()),
            "wxcard" if text("card_id").is_empty() => Err(ApiError::argument("wxcard.card_id")),
            "wxcard" => Ok(Vec::new()),
            _ => Err(ApiError::msg(40008, "invalid message type")),
        }
    }

    /// Who `sendall` reaches: everyone, or the members of an existing tag (45159).
    pub(crate) fn mass_target(&self, filter: &Filter) -> Result<Target, ApiError> {
        if filter.is_to_all {
            return Ok(Target::All);
        }
        let tag = filter
            .tag_id
            .as_ref()
            .and_then(lenient_i64)
            .and_then(|t| u32::try_from(t).ok())
            .and_then(|t| self.tags.by_id.get(&t))
            .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))?;
        Ok(Target::Named(tag.members.iter().cloned().collect()))
    }

    /// A mass send: the message checked, then its target, its `clientmsgid` and the daily
    /// limit (`daily`, when configured); the job kept and delivered. The msg_id and the
    /// `MASSSENDJOBFINISH` push to make.
    pub(crate) fn mass_send(
        &mut self,
        message: &MassMessage,
        target: impl FnOnce(&Account) -> Result<Target, ApiError>,
        daily: Option<u32>,
        now: i64,
    ) -> Result<(u64, Outgoing), ApiError> {
        let news = self.check_mass_message(message, now)?;
        let articles = news.len();
        let target = target(self)?;
        self.mass.check_client_id(message.client_id(), now)?;
        self.mass.take_daily(daily, now)?;
        let msg_id = self.next_msg_id();
        if let Some(id) = message.client_id() {
            self.mass.client_ids.insert(id.to_owned(), (msg_id, now));
        }
        let kept = message.kept();
        let counts = self.deliver_mass(&target, &kept, msg_id, now);
        if articles > 0 {
            self.keep_mass_articles(&kept, msg_id, counts.filtered, now);
        }
        let seq = self.next_seq();
        self.mass.jobs.insert(
            msg_id,
            MassJob {
                at: now,
                seq,
                msgtype: message.msgtype.clone().unwrap_or_default(),
                message: kept,
                to_all: matches!(target, Target::All),
                deleted: false,
                articles,
                news,
            },
        );
        let outgoing = self.job_finished(msg_id, &counts, articles, now);
        Ok((msg_id, outgoing))
    }

    /// Puts the message in the inboxes of the named recipients who can receive it (followers,
    /// not blacklisted, under the monthly limit); counts everyone for `MASSSENDJOBFINISH`. A
    /// send to everyone is kept once and shown in each follower's inbox when read.
    fn deliver_mass(&mut self, target: &Target, message: &Value, msg_id: u64, now: i64) -> Counts {
        let month = china_month(now);
        let all_this_month = self
            .mass
            .jobs
            .values()
            .filter(|j| j.to_all && china_month(j.at) == month)
            .count() as u32;
        let received = |account: &Account, openid: &str| {
            let named = account
                .audience
                .people
                .get(openid)
                .filter(|p| p.mass_month == month)
                .map_or(0, |p| p.mass_count);
            named + all_this_month
        };
        match target {
            Target::All => {
                let total = self.audience.followers.total();
                // Followers with no named mass message this month have received only the
                // sends to everyone; the few others (and the blacklisted) are counted one by
                // one.
                let filtered_out = if all_this_month >= MONTHLY_PER_USER {
                    total
                } else {
                    self.audience
                        .people
                        .keys()
                        .filter(|o| self.is_following(o))
                        .filter(|o| {
                            self.audience.blacklist.contains(*o)
                                || received(self, o) >= MONTHLY_PER_USER
                        })
                        .count() as u64
                };
                Counts {
                    total,
                    filtered: total.saturating_sub(filtered_out),
                }
            }
            Target::Named(openids) => {
                let mut filtered = 0;
                for openid in openids {
                    let reachable = self.is_following(openid)
                        && !self.audience.blacklist.contains(openid)
                        && received(self, openid) < MONTHLY_PER_USER;
                    if !reachable {
                        continue;
                    }
                    filtered += 1;
                    let person = self.person_mut(openid);
                    if person.mass_month != month {
                        person.mass_month = month;
                        person.mass_count = 0;
                    }
                    person.mass_count += 1;
                    let mut item = message.clone();
                    set_field(&mut item, "msg_id", json!(msg_id));
                    self.deliver(openid, now, "mass", item);
                }
                Counts {
                    total: openids.len() as u64,
                    filtered,
                }
            }
        }
    }

    /// The articles of a news send join the analytics as `<msg_data_id>_<index>`, sent to
    /// `reached` followers.
    fn keep_mass_articles(&mut self, kept: &Value, msg_id: u64, reached: u64, now: i64) {
        let media_id = kept
            .pointer("/mpnews/media_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let articles = match self.media.file(media_id, now) {
            Some(file) => titled(&file.articles, |i| {
                format!("http://mp.weixin.qq.com/s?__biz=sandbox&mid={msg_id}&idx={i}")
            }),
            None => return,
        };
        self.analytics
            .articles
            .register(msg_id % 1_000_000_000, articles, now, reached, true);
    }

    /// The `MASSSENDJOBFINISH` push of a job.
    fn job_finished(&self, msg_id: u64, counts: &Counts, articles: usize, now: i64) -> Outgoing {
        let mut fields = vec![
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("MASSSENDJOBFINISH")),
            ("MsgID".to_owned(), json!(msg_id)),
            ("Status".to_owned(), json!("send success")),
            ("TotalCount".to_owned(), json!(counts.total)),
            ("FilterCount".to_owned(), json!(counts.filtered)),
            ("SentCount".to_owned(), json!(counts.filtered)),
            ("ErrorCount".to_owned(), json!(0)),
        ];
        if articles > 0 {
            fields.push((
                "CopyrightCheckResult".to_owned(),
                json!({"Count": 0, "ResultList": {}, "CheckState": 1}),
            ));
            let items: Vec<Value> = (1..=articles)
                .map(|i| {
                    json!({"ArticleIdx": i,
                           "ArticleUrl": format!("http://mp.weixin.qq.com/s?__biz=sandbox&mid={msg_id}&idx={i}")})
                })
                .collect();
            fields.push((
                "ArticleUrlResult".to_owned(),
                json!({"Count": articles, "ResultList": {"item": items}}),
            ));
        }
        Outgoing::new(
            &self.app_id,
            &self.original_id,
            MASS_HELPER,
            now,
            &fields,
            || msg_id,
        )
    }

    /// `preview` to one follower (`towxname` is 40132: the sandbox knows no WeChat ids): the
    /// message checked, the OpenID known (40003) and following (43004). The msg_id.
    pub(crate) fn mass_preview(
        &mut self,
        message: &MassMessage,
        openid: &str,
        now: i64,
    ) -> Result<u64, ApiError> {
        if message.rest.get("towxname").is_some() {
            return Err(ApiError::msg(40132, "invalid username"));
        }
        self.check_mass_message(message, now)?;
        if self.who(openid) == Who::Unknown {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        if !self.is_following(openid) {
            return Err(ApiError::msg(43004, "require subscribe"));
        }
        let msg_id = self.next_msg_id();
        let mut item = message.kept();
        set_field(&mut item, "msg_id", json!(msg_id));
        set_field(&mut item, "preview", json!(true));
        self.deliver(openid, now, "mass", item);
        Ok(msg_id)
    }
}
