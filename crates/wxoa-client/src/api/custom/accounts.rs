//! Agent accounts (客服账号): adding, changing, deleting and inviting one, its avatar, and the
//! lists of agents and of those online.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::KF_PREFIX_MAX;
use crate::api::support::{
    Ack, awaitable, invalid, opt_lenient, opt_text, parameterless_get, require, string_enum, text,
};
use crate::{ApiRequest, Client, Form, Result, Rule, Upload};

string_enum! {
    /// The state of an invitation to bind a WeChat user to an agent account.
    pub enum InviteStatus {
        /// Waiting for the user.
        Waiting = "waiting",
        /// Refused.
        Rejected = "rejected",
        /// Expired.
        Expired = "expired",
    }
}

/// An agent account (`customservice/getkflist`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KfAccount {
    /// `prefix@account`.
    #[serde(default)]
    pub kf_account: String,
    /// The nickname.
    #[serde(default)]
    pub kf_nick: String,
    /// The agent's number.
    #[serde(default, deserialize_with = "text")]
    pub kf_id: String,
    /// The avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_headimgurl: Option<String>,
    /// The WeChat id bound to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_wx: Option<String>,
    /// The WeChat id invited to bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_wx: Option<String>,
    /// When the invitation expires, Unix seconds.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub invite_expire_time: Option<i64>,
    /// The invitation's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_status: Option<InviteStatus>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An agent online (`customservice/getonlinekflist`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OnlineKfAccount {
    /// `prefix@account`.
    #[serde(default)]
    pub kf_account: String,
    /// 1 online on the web client (other values for other clients).
    #[serde(default, deserialize_with = "opt_lenient")]
    pub status: Option<i64>,
    /// The agent's number.
    #[serde(default, deserialize_with = "opt_text")]
    pub kf_id: Option<String>,
    /// How many conversations the agent has open.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub accepted_case: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Checks the shape of an agent account: `prefix@account`, the prefix of 1 to 10 letters and
/// digits.
pub(super) fn valid_kf_account(field: &str, kf_account: &str) -> Result<()> {
    let Some((prefix, account)) = kf_account.split_once('@') else {
        return Err(invalid(field, Rule::AgentAccount));
    };
    if prefix.is_empty() || account.is_empty() {
        return Err(invalid(field, Rule::AgentAccount));
    }
    if prefix.len() > KF_PREFIX_MAX {
        return Err(invalid(
            field,
            Rule::AgentPrefixLength { max: KF_PREFIX_MAX },
        ));
    }
    if !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(field, Rule::AgentPrefixCharacters));
    }
    Ok(())
}

/// `kfaccount/add` or `kfaccount/update`, from [`CustomService::add_account`](super::CustomService::add_account) and
/// [`CustomService::update_account`](super::CustomService::update_account).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct KfAccountChange {
    #[serde(skip)]
    pub(super) client: Client,
    #[serde(skip)]
    pub(super) path: &'static str,
    pub(super) kf_account: String,
    pub(super) nickname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) password: Option<String>,
}

impl KfAccountChange {
    /// The legacy `password` field: the MD5 hex of the agent's password.
    pub fn password_md5(mut self, md5_hex: impl Into<String>) -> Self {
        self.password = Some(md5_hex.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        require("nickname", &self.nickname)?;
        ApiRequest::post(self.path).json(self)
    }
}

awaitable!(KfAccountChange => Ack);

/// `GET /customservice/kfaccount/del`, from [`CustomService::delete_account`](super::CustomService::delete_account).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteKfAccount {
    pub(super) client: Client,
    pub(super) kf_account: String,
}

impl DeleteKfAccount {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        // A GET, as wechatpy and WxJava send it, but it changes state: never replayed.
        Ok(ApiRequest::get("/customservice/kfaccount/del")
            .query("kf_account", &self.kf_account)
            .idempotent(false))
    }
}

awaitable!(DeleteKfAccount => Ack);

/// `POST /customservice/kfaccount/inviteworker`, from [`CustomService::invite_worker`](super::CustomService::invite_worker).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct InviteWorker {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) kf_account: String,
    pub(super) invite_wx: String,
}

impl InviteWorker {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        require("invite_wx", &self.invite_wx)?;
        ApiRequest::post("/customservice/kfaccount/inviteworker").json(self)
    }
}

awaitable!(InviteWorker => Ack);

/// `POST /customservice/kfaccount/uploadheadimg`, from [`CustomService::upload_avatar`](super::CustomService::upload_avatar).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadAvatar {
    pub(super) client: Client,
    pub(super) kf_account: String,
    pub(super) image: Upload,
}

impl UploadAvatar {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        if !matches!(
            self.image.extension().as_deref(),
            Some("jpg" | "jpeg" | "png")
        ) {
            return Err(invalid(
                "media",
                Rule::AvatarFormat {
                    name: self.image.file_name().to_owned(),
                },
            ));
        }
        Ok(ApiRequest::post("/customservice/kfaccount/uploadheadimg")
            .query("kf_account", &self.kf_account)
            .multipart(Form::new().file("media", self.image.clone())))
    }
}

awaitable!(UploadAvatar => Ack);

#[derive(Deserialize)]
struct KfListAnswer {
    #[serde(default)]
    kf_list: Vec<KfAccount>,
}

parameterless_get!(
    /// `GET /cgi-bin/customservice/getkflist`, from [`CustomService::accounts`](super::CustomService::accounts).
    ListKfAccounts, "/cgi-bin/customservice/getkflist" => KfListAnswer => Vec<KfAccount>, |a: KfListAnswer| a.kf_list
);

#[derive(Deserialize)]
struct KfOnlineAnswer {
    #[serde(default)]
    kf_online_list: Vec<OnlineKfAccount>,
}

parameterless_get!(
    /// `GET /cgi-bin/customservice/getonlinekflist`, from [`CustomService::online_accounts`](super::CustomService::online_accounts).
    ListOnlineKfAccounts, "/cgi-bin/customservice/getonlinekflist" => KfOnlineAnswer => Vec<OnlineKfAccount>,
    |a: KfOnlineAnswer| a.kf_online_list
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn agent_accounts_have_a_shape() {
        assert!(valid_kf_account("k", "test1@test").is_ok());
        for bad in ["test1", "@test", "test1@", "a_b@test", "abcdefghijk@test"] {
            let e = valid_kf_account("kf_account", bad).unwrap_err();
            assert!(e.to_string().contains("kf_account: "), "{bad}: {e}");
        }
    }

    #[test]
    fn agent_lists_parse_both_avatar_spellings() {
        let list: KfListAnswer = serde_json::from_str(
            r#"{"kf_list":[{"kf_account":"test1@test","kf_nick":"t","kf_id":1001,"kf_headimg":""}]}"#,
        )
        .unwrap();
        let agent = &list.kf_list[0];
        assert_eq!(agent.kf_id, "1001");
        assert!(agent.extra.contains_key("kf_headimg"));
    }
}
