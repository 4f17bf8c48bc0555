//! The platform's state: accounts, their followers and everything the API changes, and the
//! tokens it issued. The state file that keeps it across restarts is `persist`; the services
//! around it and its mutex are `shared`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::config::{AccountConfig, is_app_id, is_app_secret};
use crate::error::ApiError;
use crate::followers::{Followers, OpenIdCodec};
use crate::platform::card::CardCode;
use crate::platform::kf::{Agent, KfState};
use crate::platform::mass::MassState;
use crate::platform::media::{MEDIA_LIFETIME, MediaFile};
use crate::platform::oauth::OAuth;
use crate::platform::publish::PublishBox;
use crate::platform::qrcode::QrCode;
use crate::platform::shorten::ShortKey;
use crate::platform::tags::{Group, Tag};
use crate::platform::template::{Industry, Template};
use crate::platform::tokens::{QuotaCounters, StableToken, Ticket, TokenRecord};

/// The whole platform.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct State {
    /// The accounts; the first is the default one.
    pub(crate) accounts: Vec<Account>,
    /// Every access token issued and not yet forgotten, by token.
    pub(crate) tokens: HashMap<String, TokenRecord>,
}

impl State {
    /// A fresh platform with these accounts.
    pub(crate) fn new(accounts: &[AccountConfig], followers: u32, seed: u64) -> Self {
        Self {
            accounts: accounts
                .iter()
                .map(|config| Account::new(config, followers, seed))
                .collect(),
            tokens: HashMap::new(),
        }
    }

    /// Adds the configured accounts a loaded state does not have yet.
    pub(crate) fn add_missing(&mut self, accounts: &[AccountConfig], followers: u32, seed: u64) {
        for config in accounts {
            if self.account(&config.app_id).is_none() {
                self.accounts.push(Account::new(config, followers, seed));
            }
        }
    }

    /// The account with this AppID.
    pub(crate) fn account(&self, app_id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.app_id == app_id)
    }

    /// The account with this AppID, mutably.
    pub(crate) fn account_mut(&mut self, app_id: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.app_id == app_id)
    }

    /// The account an OpenID belongs to: the one that made it or has seen it.
    pub(crate) fn owner_of(&self, openid: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| !matches!(a.who(openid), Who::Unknown))
    }

    /// The account whose credentials these are: 40013 for an unknown AppID, 40125 for a
    /// malformed AppSecret, 40001 for a wrong one.
    pub(crate) fn account_index(&self, app_id: &str, secret: &str) -> Result<usize, ApiError> {
        let index = self
            .accounts
            .iter()
            .position(|a| a.app_id == app_id)
            .filter(|_| is_app_id(app_id))
            .ok_or_else(|| ApiError::msg(40013, "invalid appid"))?;
        if !is_app_secret(secret) {
            return Err(ApiError::msg(40125, "invalid appsecret"));
        }
        let matches = self.accounts.get(index).is_some_and(|a| a.secret == secret);
        if !matches {
            return Err(ApiError::msg(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ));
        }
        Ok(index)
    }

    /// Forgets tokens that ended more than a day ago, so the table does not grow forever.
    pub(crate) fn prune_tokens(&mut self, now: i64) {
        self.tokens
            .retain(|_, t| t.ends_at().saturating_add(86_400) > now);
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

/// One message a follower received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InboxItem {
    pub(crate) at: i64,
    /// Position in the account's conversations (see [`Account::next_seq`]); 0 in state files
    /// written before it existed.
    #[serde(default)]
    pub(crate) seq: u64,
    /// `reply`, `custom`, `template`, `mass` or `notice`.
    pub(crate) kind: String,
    pub(crate) message: serde_json::Value,
}

/// The notice WeChat shows when the account's server did not answer properly.
pub(crate) const SERVICE_UNAVAILABLE: &str = "该公众号暂时无法提供服务，请稍后再试";

/// A menu as created: the buttons exactly as sent, and its id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Menu {
    pub(crate) menuid: u64,
    pub(crate) button: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) matchrule: Option<serde_json::Value>,
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

/// One Official Account and everything that belongs to it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) app_id: String,
    pub(crate) secret: String,
    pub(crate) original_id: String,
    pub(crate) seed: u64,
    #[serde(skip, default = "OpenIdCodec::placeholder")]
    pub(crate) codec: OpenIdCodec,
    pub(crate) followers: Followers,
    pub(crate) people: HashMap<String, Person>,
    pub(crate) blacklist: BTreeSet<String>,
    pub(crate) tags: BTreeMap<u32, Tag>,
    pub(crate) next_tag_id: u32,
    pub(crate) groups: BTreeMap<u32, Group>,
    pub(crate) next_group_id: u32,
    pub(crate) menu: Option<Menu>,
    pub(crate) conditional_menus: Vec<Menu>,
    pub(crate) next_menu_id: u64,
    pub(crate) industry: Option<Industry>,
    pub(crate) templates: Vec<Template>,
    /// `client_msg_id` of template sends and the msgid each got.
    #[serde(default)]
    pub(crate) template_sends: HashMap<String, u64>,
    #[serde(default)]
    pub(crate) mass: MassState,
    #[serde(default)]
    pub(crate) short_keys: HashMap<String, ShortKey>,
    /// Customer-service agents by `kf_account`.
    #[serde(default)]
    pub(crate) agents: BTreeMap<String, Agent>,
    /// Cards by card id: the `card` object as created.
    #[serde(default)]
    pub(crate) cards: BTreeMap<String, serde_json::Value>,
    /// Codes of the cards followers took, by code.
    #[serde(default)]
    pub(crate) card_codes: BTreeMap<String, CardCode>,
    /// Customer service: sessions by OpenID, who waits for an agent, and the message record.
    #[serde(default)]
    pub(crate) kf: KfState,
    pub(crate) quota: QuotaCounters,
    pub(crate) classic_token: Option<String>,
    pub(crate) stable: StableToken,
    pub(crate) tickets: BTreeMap<String, Ticket>,
    pub(crate) inboxes: HashMap<String, Vec<InboxItem>>,
    pub(crate) qrcodes: HashMap<String, QrCode>,
    /// Temporary media by media id.
    #[serde(default)]
    pub(crate) media: HashMap<String, MediaFile>,
    /// Permanent material by media id.
    #[serde(default)]
    pub(crate) materials: HashMap<String, MediaFile>,
    #[serde(default)]
    pub(crate) oauth: OAuth,
    /// Drafts and free publications (`draft/*`, `freepublish/*`).
    #[serde(default)]
    pub(crate) publish: PublishBox,
    pub(crate) next_msg_id: u64,
    /// The last position given out by [`Account::next_seq`].
    #[serde(default)]
    pub(crate) next_seq: u64,
}

impl Account {
    fn new(config: &AccountConfig, followers: u32, seed: u64) -> Self {
        let mut tags = BTreeMap::new();
        tags.insert(
            2,
            Tag {
                name: "星标组".to_owned(),
                members: BTreeSet::new(),
            },
        );
        let mut groups = BTreeMap::new();
        for (id, name) in [(0, "未分组"), (1, "黑名单"), (2, "星标组")] {
            groups.insert(
                id,
                Group {
                    name: name.to_owned(),
                },
            );
        }
        let mut account = Self {
            app_id: config.app_id.clone(),
            secret: config.secret.clone(),
            original_id: config.original_id.clone(),
            seed,
            codec: OpenIdCodec::placeholder(),
            followers: Followers::new(followers),
            people: HashMap::new(),
            blacklist: BTreeSet::new(),
            tags,
            next_tag_id: 100,
            groups,
            next_group_id: 100,
            menu: None,
            conditional_menus: Vec::new(),
            next_menu_id: 400_000_000,
            industry: None,
            templates: Vec::new(),
            template_sends: HashMap::new(),
            mass: MassState::default(),
            short_keys: HashMap::new(),
            agents: BTreeMap::new(),
            cards: BTreeMap::new(),
            card_codes: BTreeMap::new(),
            kf: KfState::default(),
            quota: QuotaCounters::default(),
            classic_token: None,
            stable: StableToken::default(),
            tickets: BTreeMap::new(),
            inboxes: HashMap::new(),
            qrcodes: HashMap::new(),
            media: HashMap::new(),
            materials: HashMap::new(),
            oauth: OAuth::default(),
            publish: PublishBox::default(),
            next_msg_id: 24_000_000_000_000_000,
            next_seq: 0,
        };
        account.reindex();
        account
    }

    /// Rebuilds what is derived rather than saved.
    pub(crate) fn reindex(&mut self) {
        self.codec = OpenIdCodec::new(self.seed, &self.app_id);
        self.followers.reindex();
    }

    /// What a follower received: their inbox, and the mass sends to everyone since they
    /// followed, oldest first.
    pub(crate) fn inbox(&self, openid: &str) -> Vec<InboxItem> {
        let mut items = self.inboxes.get(openid).cloned().unwrap_or_default();
        if self.is_following(openid) {
            let since = self.subscribe_time(openid);
            for (msg_id, job) in &self.mass.jobs {
                if job.to_all && job.at >= since {
                    let mut message = job.message.clone();
                    if let Some(map) = message.as_object_mut() {
                        map.insert("msg_id".into(), serde_json::json!(msg_id));
                    }
                    items.push(InboxItem {
                        at: job.at,
                        seq: job.seq,
                        kind: "mass".to_owned(),
                        message,
                    });
                }
            }
            items.sort_by_key(|i| (i.at, i.seq));
        }
        items
    }

    /// Appends a message to a follower's inbox.
    pub(crate) fn deliver(
        &mut self,
        openid: &str,
        at: i64,
        kind: &str,
        message: serde_json::Value,
    ) {
        let seq = self.next_seq();
        self.inboxes
            .entry(openid.to_owned())
            .or_default()
            .push(InboxItem {
                at,
                seq,
                kind: kind.to_owned(),
                message,
            });
    }

    /// Temporary media still within its 3 days, or permanent material, with this id.
    pub(crate) fn media_file(&self, media_id: &str, now: i64) -> Option<&MediaFile> {
        self.media
            .get(media_id)
            .filter(|m| now - m.created_at < MEDIA_LIFETIME)
            .or_else(|| self.materials.get(media_id))
    }

    /// The next position in the account's conversations: what a follower sends (pushes) and
    /// receives (inboxes) is ordered by it, since the virtual clock counts whole seconds.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// A new message id (MsgId of pushes, msgid of template sends, msg_id of mass sends).
    pub(crate) fn next_msg_id(&mut self) -> u64 {
        self.next_msg_id += 1;
        self.next_msg_id
    }
}
