//! The platform's state: the accounts (each one field per area, the areas owned by the modules
//! under `platform`), their inboxes and ids, and the tokens the platform issued. The state file
//! that keeps it across restarts is `persist`; the services around it and its mutex are
//! `shared`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::config::{AccountConfig, is_app_id, is_app_secret};
use crate::error::ApiError;
use crate::followers::OpenIdCodec;
use crate::platform::autoreply::AutoReply;
use crate::platform::card::Cards;
use crate::platform::comments::CommentBox;
use crate::platform::component::ComponentState;
use crate::platform::cv::CvUsage;
use crate::platform::groups::Groups;
use crate::platform::kf::KfState;
use crate::platform::marketing::Marketing;
use crate::platform::mass::MassState;
use crate::platform::media::MediaStore;
use crate::platform::menu::Menus;
use crate::platform::migration::Migration;
use crate::platform::oauth::OAuth;
use crate::platform::people::{Audience, Who};
use crate::platform::publish::PublishBox;
use crate::platform::qrcode::QrCode;
use crate::platform::shorten::ShortKey;
use crate::platform::stats::Analytics;
use crate::platform::subscribe::Subscriptions;
use crate::platform::tags::Tags;
use crate::platform::template::Templates;
use crate::platform::tokens::{Credentials, TokenRecord};

/// The whole platform.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct State {
    /// The accounts; the first is the default one.
    pub(crate) accounts: Vec<Account>,
    /// Every access token issued and not yet forgotten, by token.
    pub(crate) tokens: HashMap<String, TokenRecord>,
    /// The third-party platform the sandbox plays, if any: its tickets, token and
    /// authorizations.
    #[serde(default, skip_serializing_if = "ComponentState::is_unused")]
    pub(crate) component: ComponentState,
    /// Position in `accounts` by AppID (rebuilt, not saved).
    #[serde(skip)]
    by_app_id: HashMap<String, usize>,
    /// The virtual second `tokens` was last pruned in (not saved).
    #[serde(skip)]
    pruned_at: i64,
}

impl State {
    /// A fresh platform with these accounts.
    pub(crate) fn new(accounts: &[AccountConfig], followers: u32, seed: u64) -> Self {
        let mut state = Self {
            accounts: accounts
                .iter()
                .map(|config| Account::new(config, followers, seed))
                .collect(),
            tokens: HashMap::new(),
            component: ComponentState::default(),
            by_app_id: HashMap::new(),
            pruned_at: 0,
        };
        state.reindex();
        state
    }

    /// Rebuilds what is derived rather than saved (after loading a state file).
    pub(crate) fn reindex(&mut self) {
        for account in &mut self.accounts {
            account.reindex();
        }
        self.by_app_id = self
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.app_id.clone(), i))
            .collect();
        self.component.reindex();
    }

    /// Adds the configured accounts a loaded state does not have yet, and gives those it has
    /// the settings the configuration states (verification, the customer-service system).
    pub(crate) fn add_missing(&mut self, accounts: &[AccountConfig], followers: u32, seed: u64) {
        for config in accounts {
            if let Some(account) = self.account_mut(&config.app_id) {
                if let Some(verified) = config.verified {
                    account.unverified = !verified;
                }
                if let Some(new_kf) = config.new_kf {
                    account.old_kf = !new_kf;
                }
            } else {
                self.by_app_id
                    .insert(config.app_id.clone(), self.accounts.len());
                self.accounts.push(Account::new(config, followers, seed));
            }
        }
    }

    /// The account with this AppID.
    pub(crate) fn account(&self, app_id: &str) -> Option<&Account> {
        self.by_app_id
            .get(app_id)
            .and_then(|&i| self.accounts.get(i))
    }

    /// The account with this AppID, mutably.
    pub(crate) fn account_mut(&mut self, app_id: &str) -> Option<&mut Account> {
        self.by_app_id
            .get(app_id)
            .and_then(|&i| self.accounts.get_mut(i))
    }

    /// The account an OpenID belongs to: the one that made it or has seen it.
    pub(crate) fn owner_of(&self, openid: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| !matches!(a.who(openid), Who::Unknown))
    }

    /// The account a control request is about: the one named (none when there is no such
    /// account), else the one that knows `openid`, else the default (first) one.
    pub(crate) fn account_about(
        &self,
        app_id: Option<&str>,
        openid: Option<&str>,
    ) -> Option<usize> {
        match app_id {
            Some(app_id) => self.by_app_id.get(app_id).copied(),
            None => Some(openid.and_then(|o| self.owner_of(o)).unwrap_or(0)),
        }
    }

    /// The account whose credentials these are: 40013 for an unknown AppID, 40125 for a
    /// malformed AppSecret, 40001 for a wrong one.
    pub(crate) fn account_index(&self, app_id: &str, secret: &str) -> Result<usize, ApiError> {
        let index = self
            .by_app_id
            .get(app_id)
            .copied()
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

    /// Forgets tokens that ended more than a day ago, so the table does not grow forever (at
    /// most once a virtual second: ten thousand authorizers refreshing must not scan the table
    /// on every token issued).
    pub(crate) fn prune_tokens(&mut self, now: i64) {
        if now == self.pruned_at {
            return;
        }
        self.pruned_at = now;
        self.tokens
            .retain(|_, t| t.ends_at().saturating_add(86_400) > now);
    }
}

/// One message a follower received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InboxItem {
    pub(crate) at: i64,
    /// Position in the account's conversations (see [`Account::next_seq`]); 0 in state files
    /// written before it existed.
    #[serde(default)]
    pub(crate) seq: u64,
    /// `reply`, `custom`, `template`, `subscribe`, `one_time`, `mass` or `notice`.
    pub(crate) kind: String,
    pub(crate) message: serde_json::Value,
}

/// The notice WeChat shows when the account's server did not answer properly.
pub(crate) const SERVICE_UNAVAILABLE: &str = "该公众号暂时无法提供服务，请稍后再试";

/// One Official Account and everything that belongs to it: its credentials, then one field
/// per area, each owned by its module under `platform`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) app_id: String,
    pub(crate) secret: String,
    pub(crate) original_id: String,
    /// Not verified (微信认证): no analytics permission (48001).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) unverified: bool,
    /// Without the new customer-service system: sessions and the record answer 65400.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) old_kf: bool,
    pub(crate) seed: u64,
    #[serde(skip, default = "OpenIdCodec::placeholder")]
    pub(crate) codec: OpenIdCodec,
    pub(crate) audience: Audience,
    pub(crate) tags: Tags,
    pub(crate) groups: Groups,
    pub(crate) menus: Menus,
    pub(crate) templates: Templates,
    #[serde(default)]
    pub(crate) mass: MassState,
    #[serde(default)]
    pub(crate) short_keys: HashMap<String, ShortKey>,
    #[serde(default)]
    pub(crate) kf: KfState,
    #[serde(default)]
    pub(crate) cards: Cards,
    pub(crate) tokens: Credentials,
    pub(crate) inboxes: HashMap<String, Vec<InboxItem>>,
    pub(crate) qrcodes: HashMap<String, QrCode>,
    #[serde(default)]
    pub(crate) media: MediaStore,
    #[serde(default)]
    pub(crate) oauth: OAuth,
    /// Drafts and free publications (`draft/*`, `freepublish/*`).
    #[serde(default)]
    pub(crate) publish: PublishBox,
    /// Subscription notifications: templates, consents, one-time confirmations.
    #[serde(default)]
    pub(crate) subscriptions: Subscriptions,
    /// The old account this one took over (`changeopenid`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) migration: Option<Migration>,
    /// The automatic replies set in the web console (`get_current_autoreply_info`).
    #[serde(default)]
    pub(crate) autoreply: AutoReply,
    /// Marketing conversions: user-action sets.
    #[serde(default)]
    pub(crate) marketing: Marketing,
    /// OCR and image processing calls made today.
    #[serde(default)]
    pub(crate) cv: CvUsage,
    /// Comments under the articles of mass sends and publications.
    #[serde(default)]
    pub(crate) comments: CommentBox,
    /// What the analytics (`datacube`) count, per day.
    #[serde(default)]
    pub(crate) analytics: Analytics,
    pub(crate) ids: Ids,
}

/// The account's last message id and conversation position given out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ids {
    /// The last MsgId of pushes, msgid of template sends, msg_id of mass sends.
    pub(crate) msg_id: u64,
    /// The last position in the account's conversations.
    #[serde(default)]
    pub(crate) seq: u64,
}

impl Default for Ids {
    fn default() -> Self {
        Self {
            msg_id: 24_000_000_000_000_000,
            seq: 0,
        }
    }
}

impl Account {
    fn new(config: &AccountConfig, followers: u32, seed: u64) -> Self {
        let mut account = Self {
            app_id: config.app_id.clone(),
            secret: config.secret.clone(),
            original_id: config.original_id.clone(),
            unverified: config.verified == Some(false),
            old_kf: config.new_kf == Some(false),
            seed,
            codec: OpenIdCodec::placeholder(),
            audience: Audience::new(followers),
            tags: Tags::default(),
            groups: Groups::default(),
            menus: Menus::default(),
            templates: Templates::default(),
            mass: MassState::default(),
            short_keys: HashMap::new(),
            kf: KfState::default(),
            cards: Cards::default(),
            tokens: Credentials::default(),
            inboxes: HashMap::new(),
            qrcodes: HashMap::new(),
            media: MediaStore::default(),
            oauth: OAuth::default(),
            publish: PublishBox::default(),
            subscriptions: Subscriptions::default(),
            migration: None,
            autoreply: AutoReply::default(),
            marketing: Marketing::default(),
            cv: CvUsage::default(),
            comments: CommentBox::default(),
            analytics: Analytics::default(),
            ids: Ids::default(),
        };
        account.reindex();
        account
    }

    /// Rebuilds what is derived rather than saved.
    pub(crate) fn reindex(&mut self) {
        self.codec = OpenIdCodec::new(self.seed, &self.app_id);
        self.audience.followers.reindex();
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

    /// The next position in the account's conversations: what a follower sends (pushes) and
    /// receives (inboxes) is ordered by it, since the virtual clock counts whole seconds.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.ids.seq += 1;
        self.ids.seq
    }

    /// A new message id (MsgId of pushes, msgid of template sends, msg_id of mass sends).
    pub(crate) fn next_msg_id(&mut self) -> u64 {
        self.ids.msg_id += 1;
        self.ids.msg_id
    }
}
