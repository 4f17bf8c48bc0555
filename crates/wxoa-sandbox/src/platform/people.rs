//! The audience of an account — its followers, what changed about each person, and its
//! blacklist — as the API sees it: who an OpenID is to an account, their profile, following
//! and leaving, whether messages can reach them, and the rules of `user/*` (profiles, the
//! follower list, remarks) and of the blacklist's batches.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::followers::{Cursor, Followers, Profile};
use crate::platform::field_text;
use crate::platform::kf::record_text;
use crate::platform::subscribe::ConsentError;
use crate::push::Outgoing;
use crate::state::Account;

/// Most users `user/info/batchget` answers for.
const BATCHGET_MAX: usize = 100;
/// A remark must be shorter than this many characters.
const REMARK_MAX_CHARS: usize = 30;
/// Most OpenIDs in one (un)blacklisting call.
const BLACKLIST_BATCH: usize = 20;

/// An account's audience: its followers (synthetic and real), what changed about each
/// person, by OpenID, and the blacklist.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Audience {
    pub(crate) followers: Followers,
    pub(crate) people: HashMap<String, Person>,
    pub(crate) blacklist: BTreeSet<String>,
}

impl Audience {
    /// An audience of `followers` synthetic followers, none of them changed or blacklisted.
    pub(crate) fn new(followers: u32) -> Self {
        Self {
            followers: Followers::new(followers),
            people: HashMap::new(),
            blacklist: BTreeSet::new(),
        }
    }
}

/// How an OpenID relates to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    /// Synthetic follower number n (following or not).
    Synthetic(u32),
    /// Someone the account has seen (they followed at some point).
    Known,
    /// Not an OpenID of this account.
    Unknown,
}

/// What opened the customer-service window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Trigger {
    Message,
    MenuClick,
    Follow,
    Scan,
}

/// The follower's last interaction and the customer-service messages sent since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Interaction {
    pub(crate) at: i64,
    pub(crate) trigger: Trigger,
    pub(crate) sent: u32,
}

/// What changed about one person: everything not derivable from their follower number.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Person {
    /// When they (last) followed; synthetic followers who never left use their profile's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subscribe_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subscribe_scene: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) qr_scene: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) qr_scene_str: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub(crate) remark: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub(crate) tags: Vec<u32>,
    #[serde(skip_serializing_if = "crate::serde_helpers::is_zero", default)]
    pub(crate) groupid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interaction: Option<Interaction>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub(crate) typing: bool,
    /// Mass messages received by name (tag or list) in `mass_month`.
    #[serde(skip_serializing_if = "crate::serde_helpers::is_zero", default)]
    pub(crate) mass_count: u32,
    #[serde(skip_serializing_if = "crate::serde_helpers::is_zero_i64", default)]
    pub(crate) mass_month: i64,
}

/// How someone came to follow: `subscribe_scene` and the QR scene of `user/info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FollowScene {
    pub(crate) scene: &'static str,
    pub(crate) qr_scene: Option<i64>,
    pub(crate) qr_scene_str: Option<String>,
}

impl FollowScene {
    /// A follow from search, a profile, a shared card …
    pub(crate) fn other() -> Self {
        Self {
            scene: "ADD_SCENE_OTHERS",
            qr_scene: None,
            qr_scene_str: None,
        }
    }

    /// A follow by scanning a parametric QR code with this scene (`qrscene_` removed).
    pub(crate) fn qr(scene: &str) -> Self {
        let id = scene.parse::<i64>().ok();
        Self {
            scene: "ADD_SCENE_QR_CODE",
            qr_scene: id,
            qr_scene_str: if id.is_some() {
                None
            } else {
                Some(scene.to_owned())
            },
        }
    }
}

impl Account {
    /// How `openid` relates to this account.
    pub(crate) fn who(&self, openid: &str) -> Who {
        match self.codec.decode(openid) {
            Some(i) if i < self.audience.followers.synthetic() => Who::Synthetic(i),
            _ if self.audience.people.contains_key(openid) => Who::Known,
            _ => Who::Unknown,
        }
    }

    /// The synthetic number of `openid`, if it has one.
    pub(crate) fn index_of(&self, openid: &str) -> Option<u32> {
        match self.who(openid) {
            Who::Synthetic(i) => Some(i),
            _ => None,
        }
    }

    /// Whether `openid` follows the account now.
    pub(crate) fn is_following(&self, openid: &str) -> bool {
        self.audience
            .followers
            .is_following(openid, self.index_of(openid))
    }

    /// The OpenID of a page member.
    pub(crate) fn openid_of(&self, member: crate::followers::Member<'_>, out: &mut String) {
        match member {
            crate::followers::Member::Synthetic(i) => self.codec.encode_into(i, out),
            crate::followers::Member::Late(openid) => out.push_str(openid),
        }
    }

    /// The changeable part of a person, created on first use.
    pub(crate) fn person_mut(&mut self, openid: &str) -> &mut Person {
        self.audience.people.entry(openid.to_owned()).or_default()
    }

    /// The fixed profile of a person: derived from the number of a synthetic follower; for
    /// anyone else, derived from a hash of the OpenID (sex and region), with the follow itself
    /// recorded in their [`Person`].
    pub(crate) fn profile(&self, openid: &str) -> Profile {
        if let Who::Synthetic(i) = self.who(openid) {
            return self.codec.profile(i);
        }
        use sha1::{Digest, Sha1};
        let digest = Sha1::digest(openid.as_bytes());
        let mut number = [0u8; 4];
        number.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
        let mut profile = self.codec.profile(u32::from_be_bytes(number));
        profile.subscribe_time = 0;
        profile.language = "zh_CN";
        profile.subscribe_scene = "ADD_SCENE_OTHERS";
        profile.qr_scene = 0;
        profile
    }

    /// When `openid` (last) followed.
    pub(crate) fn subscribe_time(&self, openid: &str) -> i64 {
        self.audience
            .people
            .get(openid)
            .and_then(|p| p.subscribe_time)
            .unwrap_or_else(|| self.profile(openid).subscribe_time)
    }

    /// Makes `openid` a follower (now); returns false if it already was one.
    pub(crate) fn follow(&mut self, openid: &str, now: i64, scene: FollowScene) -> bool {
        let index = self.index_of(openid);
        if !self.audience.followers.follow(openid, index) {
            return false;
        }
        self.analytics.followed(scene.scene, now);
        let person = self.person_mut(openid);
        person.subscribe_time = Some(now);
        person.subscribe_scene = Some(scene.scene.to_owned());
        person.qr_scene = scene.qr_scene;
        person.qr_scene_str = scene.qr_scene_str;
        true
    }

    /// Records an unfollow at `now`: the person leaves the follower list, their tags and the
    /// blacklist, and their customer-service window closes.
    pub(crate) fn unfollow(&mut self, openid: &str, now: i64) -> bool {
        let index = self.index_of(openid);
        if !self.audience.followers.unfollow(openid, index) {
            return false;
        }
        self.analytics.left(now);
        let person = self.person_mut(openid);
        let tags = std::mem::take(&mut person.tags);
        person.interaction = None;
        person.typing = false;
        person.groupid = 0;
        for tag in tags {
            if let Some(tag) = self.tags.by_id.get_mut(&tag) {
                tag.members.remove(openid);
            }
        }
        self.audience.blacklist.remove(openid);
        true
    }

    /// The tags of a person.
    pub(crate) fn tags_of(&self, openid: &str) -> &[u32] {
        self.audience
            .people
            .get(openid)
            .map_or(&[], |p| p.tags.as_slice())
    }

    /// Whether a message can reach `openid`: 40003 for an unknown OpenID, 43019 when
    /// blacklisted, 43004 when not following.
    pub(crate) fn reachable(&self, openid: &str) -> Result<(), ApiError> {
        if self.who(openid) == Who::Unknown {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        if self.audience.blacklist.contains(openid) {
            return Err(ApiError::msg(43019, "require remove blacklist"));
        }
        if !self.is_following(openid) {
            return Err(ApiError::msg(43004, "require subscribe"));
        }
        Ok(())
    }

    /// An OpenID list of a batch call: 1 to `max` OpenIDs of the account's followers (40031 when
    /// empty, 40032 when too long, 40003 for anyone not following).
    pub(crate) fn followers_batch(
        &self,
        openids: Option<Vec<String>>,
        max: usize,
    ) -> Result<Vec<String>, ApiError> {
        let openids = openids.unwrap_or_default();
        if openids.is_empty() {
            return Err(ApiError::msg(40031, "invalid openid list"));
        }
        if openids.len() > max {
            return Err(ApiError::msg(40032, "invalid openid list size"));
        }
        for openid in &openids {
            self.check_following(openid)?;
        }
        Ok(openids)
    }

    /// 40003 unless `openid` follows the account now.
    pub(crate) fn check_following(&self, openid: &str) -> Result<(), ApiError> {
        if self.is_following(openid) {
            Ok(())
        } else {
            Err(ApiError::msg(40003, "invalid openid"))
        }
    }

    /// 40003 unless the account knows `openid` (a follower now or before).
    pub(crate) fn known(&self, openid: &str) -> Result<(), ApiError> {
        match self.who(openid) {
            Who::Unknown => Err(ApiError::msg(40003, "invalid openid")),
            _ => Ok(()),
        }
    }

    /// `user/info/batchget`: 1 to 100 OpenIDs (40031, 40032) the account knows, each as
    /// `user/info` shows it.
    pub(crate) fn user_infos<'a>(
        &self,
        openids: impl ExactSizeIterator<Item = &'a str>,
    ) -> Result<Vec<Value>, ApiError> {
        if openids.len() == 0 {
            return Err(ApiError::msg(40031, "invalid openid list"));
        }
        if openids.len() > BATCHGET_MAX {
            return Err(ApiError::msg(40032, "invalid openid list size"));
        }
        openids
            .map(|openid| {
                self.known(openid)?;
                Ok(self.user_info(openid))
            })
            .collect()
    }

    /// Where a page of `user/get` starts: at the beginning, or after `next_openid`, which must
    /// be a follower (40003).
    pub(crate) fn followers_after(&self, next_openid: Option<&str>) -> Result<Cursor, ApiError> {
        match next_openid {
            None => Ok(Cursor::Start),
            Some(openid) => self
                .audience
                .followers
                .cursor_after(openid, self.index_of(openid))
                .ok_or_else(|| ApiError::msg(40003, "invalid openid")),
        }
    }

    /// `user/info/updateremark`: a remark shorter than 30 characters (47003) for a follower.
    pub(crate) fn set_remark(&mut self, openid: &str, remark: String) -> Result<(), ApiError> {
        if remark.chars().count() >= REMARK_MAX_CHARS {
            return Err(ApiError::argument("remark"));
        }
        self.check_following(openid)?;
        self.person_mut(openid).remark = remark;
        Ok(())
    }

    /// `batchblacklist`: 1 to 20 followers join the blacklist.
    pub(crate) fn block(&mut self, openids: Option<Vec<String>>) -> Result<(), ApiError> {
        let openids = self.followers_batch(openids, BLACKLIST_BATCH)?;
        self.audience.blacklist.extend(openids);
        Ok(())
    }

    /// `batchunblacklist`: 1 to 20 followers leave the blacklist.
    pub(crate) fn unblock(&mut self, openids: Option<Vec<String>>) -> Result<(), ApiError> {
        for openid in self.followers_batch(openids, BLACKLIST_BATCH)? {
            self.audience.blacklist.remove(&openid);
        }
        Ok(())
    }

    /// A user object of `user/info`: the full profile for a follower; `subscribe` and `openid`
    /// only for someone who left.
    pub(crate) fn user_info(&self, openid: &str) -> Value {
        if !self.is_following(openid) {
            return json!({"subscribe": 0, "openid": openid});
        }
        let profile = self.profile(openid);
        let person = self.audience.people.get(openid);
        let subscribe_time = self.subscribe_time(openid);
        let scene = person
            .and_then(|p| p.subscribe_scene.clone())
            .unwrap_or_else(|| profile.subscribe_scene.to_owned());
        let qr_scene = person.map_or(Some(profile.qr_scene), |p| {
            if p.subscribe_scene.is_some() {
                p.qr_scene
            } else {
                Some(profile.qr_scene)
            }
        });
        json!({
            "subscribe": 1,
            "openid": openid,
            "language": profile.language,
            "subscribe_time": subscribe_time,
            "remark": person.map_or("", |p| p.remark.as_str()),
            "groupid": person.map_or(0, |p| p.groupid),
            "tagid_list": self.tags_of(openid),
            "subscribe_scene": scene,
            "qr_scene": qr_scene.unwrap_or(0),
            "qr_scene_str": person.and_then(|p| p.qr_scene_str.clone()).unwrap_or_default(),
        })
    }

    /// A follower's message or event (`fields`, platform names, in order) reaches the account:
    /// the media it carries exist (see [`MediaStore::attach_to_message`]), what it changes is
    /// applied (see [`Account::act`]) with the consents to subscription notifications it
    /// carries (see [`Account::consent_from_push`]; refused as a whole when one cannot be
    /// recorded), and it is to be pushed to the account's server.
    ///
    /// [`MediaStore::attach_to_message`]: crate::platform::media::MediaStore::attach_to_message
    pub(crate) fn follower_sends(
        &mut self,
        from: &str,
        mut fields: Vec<(String, Value)>,
        now: i64,
    ) -> Result<Outgoing, ConsentError> {
        self.consent_from_push(from, &fields, now)?;
        self.media.attach_to_message(&mut fields, now);
        let text = |name: &str| field_text(&fields, name);
        self.act(
            from,
            text("MsgType"),
            text("Event"),
            text("EventKey"),
            text("Content"),
            now,
        );
        let (app_id, original_id) = (self.app_id.clone(), self.original_id.clone());
        Ok(Outgoing::new(
            &app_id,
            &original_id,
            from,
            now,
            &fields,
            || self.next_msg_id(),
        ))
    }

    /// What a follower's action (a message or an event, by its `MsgType`, `Event`, `EventKey`
    /// and `Content`) changes: a follow or unfollow, and the customer-service window. Anyone
    /// who acts without following becomes a follower first (CONTRACT §4).
    fn act(
        &mut self,
        openid: &str,
        msg_type: &str,
        event: &str,
        event_key: &str,
        content: &str,
        now: i64,
    ) {
        let trigger = match (msg_type, event) {
            ("event", "subscribe") => match event_key.strip_prefix("qrscene_") {
                Some(scene) => {
                    self.follow(openid, now, FollowScene::qr(scene));
                    Some(Trigger::Scan)
                }
                None => {
                    self.follow(openid, now, FollowScene::other());
                    Some(Trigger::Follow)
                }
            },
            ("event", "unsubscribe") => {
                self.unfollow(openid, now);
                None
            }
            ("event", other) => {
                self.follow(openid, now, FollowScene::other());
                match other {
                    "SCAN" => Some(Trigger::Scan),
                    "CLICK" | "scancode_push" | "scancode_waitmsg" => Some(Trigger::MenuClick),
                    _ => None,
                }
            }
            (kind, _) => {
                self.follow(openid, now, FollowScene::other());
                self.analytics.message(openid, kind, now);
                let text = record_text(kind, Some(content));
                self.kf.follower_wrote(openid, &text, now);
                Some(Trigger::Message)
            }
        };
        if let Some(trigger) = trigger {
            let person = self.person_mut(openid);
            person.interaction = Some(Interaction {
                at: now,
                trigger,
                sent: 0,
            });
            person.typing = false;
        }
    }
}

/// Whether `openid` may name a person at all: the OpenID alphabet, 1 to 64 characters. Pushes
/// accept any such string (a new follower); the API refuses everything it has not seen.
pub(crate) fn is_openid_like(openid: &str) -> bool {
    !openid.is_empty()
        && openid.len() <= 64
        && openid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
