//! The platform's network and quotas (api-reference §2): the IPs pushes come from, the IPs
//! behind the API domain, a network check of the callback, resetting the API quotas, and the
//! quota of one API, read or started again.
//!
//! `quota/get` (`POST /cgi-bin/openapi/quota/get`) is not in the spec: its shapes come from
//! public SDKs and the platform's documentation as they quote it. `rid/get`
//! (`POST /cgi-bin/openapi/rid/get`, api-reference-2 §8) tells what happened in a call
//! whose error carried a request id (`… rid: 6437c2ad-4a2a9fd7-2ae2bd4f`): the platform
//! keeps them 7 days, for the account that made the call (76001 unknown, 76002 malformed,
//! 76003 another account's, 76004 expired).
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let ips = client.misc().callback_ips().await?;
//! let quota = client.misc().quota("/cgi-bin/message/custom/send").await?;
//! println!("{} pushes sources; {} calls left today", ips.len(), quota.remain);
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::support::{Ack, awaitable, invalid, lenient, require, string_enum};
use crate::{ApiRequest, Client, Result, Rule};

/// The network and quota API: `client.misc()`.
#[derive(Debug, Clone)]
pub struct Misc {
    client: Client,
}

impl Client {
    /// The network and quota API (api-reference §2).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ips = client.misc().api_domain_ips().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn misc(&self) -> Misc {
        Misc {
            client: self.clone(),
        }
    }
}

impl Misc {
    /// `GET /cgi-bin/getcallbackip`: the IPs the platform pushes from (to allow in a
    /// firewall).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ips = client.misc().callback_ips().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn callback_ips(&self) -> IpList {
        IpList {
            client: self.client.clone(),
            path: "/cgi-bin/getcallbackip",
        }
    }

    /// `GET /cgi-bin/get_api_domain_ip`: the IPs behind `api.weixin.qq.com`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ips = client.misc().api_domain_ips().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn api_domain_ips(&self) -> IpList {
        IpList {
            client: self.client.clone(),
            path: "/cgi-bin/get_api_domain_ip",
        }
    }

    /// `POST /cgi-bin/callback/check`: has the platform resolve and ping the account's server
    /// (`action` all, through the operator of the platform's choice unless set).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::misc::{CheckAction, Operator};
    /// let report = client.misc().callback_check().action(CheckAction::Ping).operator(Operator::Unicom).await?;
    /// for ping in report.ping {
    ///     println!("{} {} {}", ping.ip, ping.package_loss, ping.time);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn callback_check(&self) -> CallbackCheck {
        CallbackCheck {
            client: self.client.clone(),
            action: CheckAction::All,
            operator: Operator::Default,
        }
    }

    /// `POST /cgi-bin/clear_quota`: resets the account's API call counters (10 times a month;
    /// 48006 when used up). Never repeated by the client: each call uses one of the ten.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.misc().clear_quota().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_quota(&self) -> ClearQuota {
        ClearQuota {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/openapi/rid/get`: what the platform knows of the call whose error
    /// carried this request id (the text after `rid:` in its `errmsg`).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let call = client.misc().rid("6437c2ad-4a2a9fd7-2ae2bd4f").await?;
    /// println!("{} answered {}", call.request_url, call.response_body);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rid(&self, rid: impl Into<String>) -> GetRid {
        GetRid {
            client: self.client.clone(),
            rid: rid.into(),
        }
    }

    /// `POST /cgi-bin/openapi/quota/get`: the daily quota of one API path and how much of it
    /// is used (shapes from public SDKs, not the spec).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let quota = client.misc().quota("/cgi-bin/message/custom/send").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn quota(&self, cgi_path: impl Into<String>) -> GetQuota {
        GetQuota {
            client: self.client.clone(),
            cgi_path: cgi_path.into(),
        }
    }

    /// `POST /cgi-bin/openapi/quota/clear`: starts the daily count of one API path again (50
    /// times a month). Never repeated by the client: each call uses one of the fifty.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.misc().clear_api_quota("/cgi-bin/message/custom/send").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn clear_api_quota(&self, cgi_path: impl Into<String>) -> ClearApiQuota {
        ClearApiQuota {
            client: self.client.clone(),
            cgi_path: cgi_path.into(),
        }
    }
}

/// `getcallbackip` or `get_api_domain_ip`, from [`Misc::callback_ips`] and
/// [`Misc::api_domain_ips`]; answers the IPs.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct IpList {
    client: Client,
    path: &'static str,
}

impl IpList {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get(self.path))
    }
}

#[derive(Deserialize)]
struct IpListAnswer {
    #[serde(default)]
    ip_list: Vec<String>,
}

awaitable!(IpList => IpListAnswer => Vec<String>, |a: IpListAnswer| a.ip_list);

string_enum! {
    /// What `callback/check` checks.
    pub enum CheckAction {
        /// DNS resolution and ping.
        All = "all",
        /// DNS resolution only.
        Dns = "dns",
        /// Ping only.
        Ping = "ping",
    }
}

string_enum! {
    /// The network operator `callback/check` checks through (or that it reports).
    pub enum Operator {
        /// China Telecom.
        Chinanet = "CHINANET",
        /// China Unicom.
        Unicom = "UNICOM",
        /// Tencent's own network.
        Cap = "CAP",
        /// The platform's choice.
        Default = "DEFAULT",
    }
}

/// `POST /cgi-bin/callback/check`, from [`Misc::callback_check`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CallbackCheck {
    #[serde(skip)]
    client: Client,
    action: CheckAction,
    #[serde(rename = "check_operator")]
    operator: Operator,
}

impl CallbackCheck {
    /// What to check (default [`CheckAction::All`]).
    pub fn action(mut self, action: CheckAction) -> Self {
        self.action = action;
        self
    }

    /// Through which operator (default [`Operator::Default`]).
    pub fn operator(mut self, operator: Operator) -> Self {
        self.operator = operator;
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if let CheckAction::Unknown(action) = &self.action {
            return Err(invalid(
                "action",
                Rule::OneOf {
                    choices: &["all", "dns", "ping"],
                    got: action.clone(),
                },
            ));
        }
        if let Operator::Unknown(operator) = &self.operator {
            return Err(invalid(
                "check_operator",
                Rule::OneOf {
                    choices: &["CHINANET", "UNICOM", "CAP", "DEFAULT"],
                    got: operator.clone(),
                },
            ));
        }
        // It only reads the state of the network: safe to repeat.
        Ok(ApiRequest::post("/cgi-bin/callback/check")
            .json(self)?
            .idempotent(true))
    }
}

/// The result of `callback/check`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CheckReport {
    /// How the server's domain resolved.
    #[serde(default)]
    pub dns: Vec<DnsResult>,
    /// How the server answered pings.
    #[serde(default)]
    pub ping: Vec<PingResult>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One resolved address of `callback/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnsResult {
    /// The address.
    pub ip: String,
    /// The operator the address belongs to.
    #[serde(default)]
    pub real_operator: Option<Operator>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One ping of `callback/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PingResult {
    /// The address pinged.
    pub ip: String,
    /// The operator the ping came from.
    #[serde(default)]
    pub from_operator: Option<Operator>,
    /// The loss, as the platform writes it (`0%`).
    #[serde(default)]
    pub package_loss: String,
    /// The round-trip time, as the platform writes it (`23.3ms`).
    #[serde(default)]
    pub time: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(CallbackCheck => CheckReport);

/// `POST /cgi-bin/clear_quota`, from [`Misc::clear_quota`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ClearQuota {
    client: Client,
}

impl ClearQuota {
    fn request(&self) -> Result<ApiRequest> {
        /// `{"appid": …}`: the account the client acts for.
        #[derive(Serialize)]
        struct ClearQuotaBody<'a> {
            appid: &'a str,
        }
        ApiRequest::post("/cgi-bin/clear_quota").json(&ClearQuotaBody {
            appid: self.client.app_id().as_str(),
        })
    }
}

awaitable!(ClearQuota => Ack);

/// `POST /cgi-bin/openapi/rid/get`, from [`Misc::rid`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetRid {
    #[serde(skip)]
    client: Client,
    rid: String,
}

impl GetRid {
    fn request(&self) -> Result<ApiRequest> {
        require("rid", &self.rid)?;
        let groups: Vec<&str> = self.rid.split('-').collect();
        let shaped = groups.len() == 3
            && groups
                .iter()
                .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit()));
        if !shaped {
            return Err(invalid(
                "rid",
                Rule::RequestId {
                    got: self.rid.clone(),
                },
            ));
        }
        Ok(ApiRequest::post("/cgi-bin/openapi/rid/get")
            .json(self)?
            .idempotent(true))
    }
}

/// What the platform knows of the call behind a request id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RidInfo {
    /// When the call was made, Unix seconds.
    #[serde(default, deserialize_with = "lenient")]
    pub invoke_time: i64,
    /// How long it took, milliseconds.
    #[serde(default, deserialize_with = "lenient")]
    pub cost_in_ms: u64,
    /// Its query string.
    #[serde(default)]
    pub request_url: String,
    /// Its body.
    #[serde(default)]
    pub request_body: String,
    /// What the platform answered.
    #[serde(default)]
    pub response_body: String,
    /// Where it came from.
    #[serde(default)]
    pub client_ip: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct RidAnswer {
    request: RidInfo,
}

awaitable!(GetRid => RidAnswer => RidInfo, |a: RidAnswer| a.request);

/// `POST /cgi-bin/openapi/quota/get`, from [`Misc::quota`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetQuota {
    #[serde(skip)]
    client: Client,
    cgi_path: String,
}

/// An API path of `openapi/quota/*`: present, and the path alone (`/cgi-bin/…`, no host).
fn check_cgi_path(cgi_path: &str) -> Result<()> {
    require("cgi_path", cgi_path)?;
    if !cgi_path.starts_with('/') {
        return Err(invalid(
            "cgi_path",
            Rule::ApiPath {
                got: cgi_path.to_owned(),
            },
        ));
    }
    Ok(())
}

impl GetQuota {
    fn request(&self) -> Result<ApiRequest> {
        check_cgi_path(&self.cgi_path)?;
        Ok(ApiRequest::post("/cgi-bin/openapi/quota/get")
            .json(self)?
            .idempotent(true))
    }
}

/// `POST /cgi-bin/openapi/quota/clear`, from [`Misc::clear_api_quota`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ClearApiQuota {
    #[serde(skip)]
    client: Client,
    cgi_path: String,
}

impl ClearApiQuota {
    fn request(&self) -> Result<ApiRequest> {
        check_cgi_path(&self.cgi_path)?;
        ApiRequest::post("/cgi-bin/openapi/quota/clear").json(self)
    }
}

awaitable!(ClearApiQuota => Ack);

/// The daily quota of one API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quota {
    /// Calls allowed a day.
    #[serde(default, deserialize_with = "lenient")]
    pub daily_limit: u64,
    /// Calls made today.
    #[serde(default, deserialize_with = "lenient")]
    pub used: u64,
    /// Calls left today.
    #[serde(default, deserialize_with = "lenient")]
    pub remain: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Deserialize)]
struct QuotaAnswer {
    quota: Quota,
}

awaitable!(GetQuota => QuotaAnswer => Quota, |a: QuotaAnswer| a.quota);
