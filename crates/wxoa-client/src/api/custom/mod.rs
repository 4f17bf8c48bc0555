//! Customer-service messages (客服消息, api-reference §7): messages of every kind to a follower
//! who interacted recently, the typing indicator, the agent accounts, sessions and the message
//! record.
//!
//! A message only reaches a follower inside the window their last interaction opened (45015
//! outside it, 45047 over its allowance; errors-and-limits §6). Sends are never repeated once
//! they may have reached the platform.
//!
//! This file holds the area's handle (`client.custom()`) and the sends (a message, the typing
//! indicator); the messages live in `message.rs`, the agent accounts in `accounts.rs`, the
//! sessions and the message record in `sessions.rs`.
//!
//! ```no_run
//! use wxoa_client::api::custom::{Article, Message};
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! client.custom().send("oUser", Message::text("你好")).await?;
//! client
//!     .custom()
//!     .send("oUser", Message::news(Article::new("Happy Day", "https://example.com/a")))
//!     .kf_account("agent1@gh_account")
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod accounts;
mod message;
mod sessions;

pub use accounts::{
    DeleteKfAccount, InviteStatus, InviteWorker, KfAccount, KfAccountChange, ListKfAccounts,
    ListOnlineKfAccounts, OnlineKfAccount, UploadAvatar,
};
pub use message::{Article, Message, MiniProgramPage, MsgMenu, MsgMenuItem, Music, Video};
pub use sessions::{
    AgentSession, FollowerSession, GetFollowerSession, ListAgentSessions, ListWaitingFollowers,
    MsgRecord, MsgRecordPage, MsgRecords, RECORDS_PAGE_MAX, RECORDS_SPAN_MAX, SessionChange,
    WaitingFollower, WaitingFollowers,
};

use serde::Serialize;
use wxoa_types::ids::OpenId;

use crate::api::support::{Ack, awaitable, require};
use crate::{ApiRequest, Client, Result, Upload};
use accounts::valid_kf_account;

/// Longest prefix of an agent account (`prefix@account`).
pub const KF_PREFIX_MAX: usize = 10;

/// The customer-service API: `client.custom()`.
#[derive(Debug, Clone)]
pub struct CustomService {
    client: Client,
}

impl Client {
    /// The customer-service API (api-reference §7): messages, typing, agent accounts.
    ///
    /// ```no_run
    /// use wxoa_client::api::custom::Message;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().send("oUser", Message::text("hello")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn custom(&self) -> CustomService {
        CustomService {
            client: self.clone(),
        }
    }
}

impl CustomService {
    /// `POST /cgi-bin/message/custom/send`: a message to a follower.
    ///
    /// ```no_run
    /// use wxoa_client::api::custom::{Message, MsgMenu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menu = MsgMenu::new("满意吗？", "谢谢").item("101", "满意").item("102", "不满意");
    /// client.custom().send("oUser", menu).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn send(&self, openid: impl Into<OpenId>, message: impl Into<Message>) -> SendMessage {
        let message = message.into();
        SendMessage {
            client: self.client.clone(),
            touser: openid.into(),
            msgtype: message.msgtype(),
            message,
            customservice: None,
        }
    }

    /// `POST /cgi-bin/message/custom/typing` with `Typing`: shows "typing…" to the follower
    /// (needs an interaction in the last 30 s).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().typing("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn typing(&self, openid: impl Into<OpenId>) -> Typing {
        Typing {
            client: self.client.clone(),
            touser: openid.into(),
            command: "Typing",
        }
    }

    /// `POST /cgi-bin/message/custom/typing` with `CancelTyping`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().cancel_typing("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cancel_typing(&self, openid: impl Into<OpenId>) -> Typing {
        Typing {
            client: self.client.clone(),
            touser: openid.into(),
            command: "CancelTyping",
        }
    }

    /// `POST /customservice/kfaccount/add`: a new agent account `prefix@account`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().add_account("agent1@gh_account", "客服1").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_account(
        &self,
        kf_account: impl Into<String>,
        nickname: impl Into<String>,
    ) -> KfAccountChange {
        self.account_change(
            "/customservice/kfaccount/add",
            kf_account.into(),
            nickname.into(),
        )
    }

    /// `POST /customservice/kfaccount/update`: renames an agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().update_account("agent1@gh_account", "客服一").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_account(
        &self,
        kf_account: impl Into<String>,
        nickname: impl Into<String>,
    ) -> KfAccountChange {
        self.account_change(
            "/customservice/kfaccount/update",
            kf_account.into(),
            nickname.into(),
        )
    }

    /// An agent account's creation or rename: the same body on either path.
    fn account_change(
        &self,
        path: &'static str,
        kf_account: String,
        nickname: String,
    ) -> KfAccountChange {
        KfAccountChange {
            client: self.client.clone(),
            path,
            kf_account,
            nickname,
            password: None,
        }
    }

    /// `GET /customservice/kfaccount/del?kf_account=…`: deletes an agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().delete_account("agent1@gh_account").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_account(&self, kf_account: impl Into<String>) -> DeleteKfAccount {
        DeleteKfAccount {
            client: self.client.clone(),
            kf_account: kf_account.into(),
        }
    }

    /// `POST /customservice/kfaccount/inviteworker`: invites a WeChat user to bind to an agent
    /// account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().invite_worker("agent1@gh_account", "wechat_id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn invite_worker(
        &self,
        kf_account: impl Into<String>,
        invite_wx: impl Into<String>,
    ) -> InviteWorker {
        InviteWorker {
            client: self.client.clone(),
            kf_account: kf_account.into(),
            invite_wx: invite_wx.into(),
        }
    }

    /// `POST /customservice/kfaccount/uploadheadimg` (multipart `media`): sets the avatar of an
    /// agent account; a JPG or PNG image.
    ///
    /// ```no_run
    /// use wxoa_client::Upload;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().upload_avatar("agent1@gh_account", Upload::path("agent1.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_avatar(&self, kf_account: impl Into<String>, image: Upload) -> UploadAvatar {
        UploadAvatar {
            client: self.client.clone(),
            kf_account: kf_account.into(),
            image,
        }
    }

    /// `GET /cgi-bin/customservice/getkflist`: every agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let agents = client.custom().accounts().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn accounts(&self) -> ListKfAccounts {
        ListKfAccounts {
            client: self.client.clone(),
        }
    }

    /// `GET /cgi-bin/customservice/getonlinekflist`: the agents online.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let online = client.custom().online_accounts().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn online_accounts(&self) -> ListOnlineKfAccounts {
        ListOnlineKfAccounts {
            client: self.client.clone(),
        }
    }
}
/// `POST /cgi-bin/message/custom/send`, from [`CustomService::send`]:
/// `{"touser", "msgtype", <msgtype>: {…}, "customservice"?: {"kf_account"}}`.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendMessage {
    #[serde(skip)]
    client: Client,
    touser: OpenId,
    msgtype: &'static str,
    #[serde(flatten)]
    message: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    customservice: Option<Agent>,
}

/// The agent account a message is sent as.
#[derive(Debug, Clone, Serialize)]
struct Agent {
    kf_account: String,
}

impl SendMessage {
    /// Sends as this agent account (`customservice.kf_account`).
    pub fn kf_account(mut self, kf_account: impl Into<String>) -> Self {
        self.customservice = Some(Agent {
            kf_account: kf_account.into(),
        });
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.touser.as_str())?;
        self.message.validate()?;
        if let Some(agent) = &self.customservice {
            valid_kf_account("customservice.kf_account", &agent.kf_account)?;
        }
        ApiRequest::post("/cgi-bin/message/custom/send").json(self)
    }
}

awaitable!(SendMessage => Ack);

/// `POST /cgi-bin/message/custom/typing`, from [`CustomService::typing`] and
/// [`CustomService::cancel_typing`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Typing {
    #[serde(skip)]
    client: Client,
    touser: OpenId,
    command: &'static str,
}

impl Typing {
    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.touser.as_str())?;
        ApiRequest::post("/cgi-bin/message/custom/typing").json(self)
    }
}

awaitable!(Typing => Ack);
