//! QR codes with a scene (api-reference §11): temporary and permanent, numeric and string
//! scenes, the `showqrcode` URL of a ticket and a download of its image.
//!
//! Checked before anything is sent:
//! - a temporary code's `scene_id` is a non-zero 32-bit integer, its `expire_seconds` 1 to
//!   2,592,000 (30 days; the platform's default when omitted is 30 s);
//! - a permanent code's `scene_id` is 1 to 100,000 (the platform keeps at most 100,000
//!   permanent codes: 45029 / 40053 when they are used up);
//! - a `scene_str` has 1 to 64 characters.
//!
//! The image is served by the mp host ([`Client::mp_base`], `https://mp.weixin.qq.com` by
//! default), without an access token; an unknown ticket answers HTTP 404
//! ([`Error::Http`](crate::Error::Http) with status 404).
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::api::qrcode::Scene;
//!
//! let code = client.qrcodes().temporary(Scene::Id(123)).expire_seconds(604_800).await?;
//! let image = client.qrcodes().image(&code.ticket).await?;
//! image.save_as("qrcode.jpg").await?;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::support::{awaitable, invalid, opt_lenient, require};
use crate::{ApiRequest, Client, Download, Result, Rule, Unit};

/// Longest `expire_seconds` of a temporary code: 30 days.
pub const EXPIRE_MAX: u32 = 2_592_000;
/// Largest `scene_id` of a permanent code.
pub const PERMANENT_SCENE_MAX: u32 = 100_000;
/// Longest `scene_str`, in characters.
pub const SCENE_STR_MAX_CHARS: usize = 64;

/// The scene a code carries, reported back in the `subscribe` / `SCAN` event
/// (`EventKey` `qrscene_<scene>` or `<scene>`). It serialises as the platform's `scene`
/// object: `{"scene_id": 123}` or `{"scene_str": "spring"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Scene {
    /// A numeric scene (`QR_SCENE`, `QR_LIMIT_SCENE`).
    #[serde(rename = "scene_id")]
    Id(u32),
    /// A string scene (`QR_STR_SCENE`, `QR_LIMIT_STR_SCENE`).
    #[serde(rename = "scene_str")]
    Str(String),
}

impl Scene {
    /// A numeric scene for text that is an integer, a string scene otherwise (the rule of
    /// `wxoa qrcode create --scene`). Leading zeros keep a string scene (`007` stays `007`).
    ///
    /// ```
    /// use wxoa_client::api::qrcode::Scene;
    ///
    /// assert_eq!(Scene::parse("123"), Scene::Id(123));
    /// assert_eq!(Scene::parse("spring-sale"), Scene::Str("spring-sale".into()));
    /// assert_eq!(Scene::parse("007"), Scene::Str("007".into()));
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> Scene {
        match text.parse::<u32>() {
            Ok(id) if id.to_string() == text => Scene::Id(id),
            _ => Scene::Str(text.to_owned()),
        }
    }
}

impl From<u32> for Scene {
    fn from(id: u32) -> Self {
        Scene::Id(id)
    }
}

impl From<&str> for Scene {
    fn from(scene: &str) -> Self {
        Scene::Str(scene.to_owned())
    }
}

impl From<String> for Scene {
    fn from(scene: String) -> Self {
        Scene::Str(scene)
    }
}

impl fmt::Display for Scene {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scene::Id(id) => id.fmt(f),
            Scene::Str(scene) => f.write_str(scene),
        }
    }
}

/// The QR-code API: `client.qrcodes()`.
#[derive(Debug, Clone)]
pub struct QrCodes {
    client: Client,
}

impl Client {
    /// The QR-code API (api-reference §11).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let code = client.qrcodes().permanent("welcome").await?;
    /// println!("{}", client.qrcodes().image_url(&code.ticket));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn qrcodes(&self) -> QrCodes {
        QrCodes {
            client: self.clone(),
        }
    }
}

impl QrCodes {
    /// `POST /cgi-bin/qrcode/create` with `QR_SCENE` / `QR_STR_SCENE`: a code that expires.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let code = client.qrcodes().temporary(42).expire_seconds(3600).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn temporary(&self, scene: impl Into<Scene>) -> CreateQrCode {
        CreateQrCode::new(self.client.clone(), scene.into(), false)
    }

    /// `POST /cgi-bin/qrcode/create` with `QR_LIMIT_SCENE` / `QR_LIMIT_STR_SCENE`: a code
    /// that never expires (at most 100,000 per account).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let code = client.qrcodes().permanent(7).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn permanent(&self, scene: impl Into<Scene>) -> CreateQrCode {
        CreateQrCode::new(self.client.clone(), scene.into(), true)
    }

    /// The `showqrcode` URL of a ticket, on the client's mp host (the ticket URL-encoded).
    ///
    /// ```
    /// # fn run(client: wxoa_client::Client) {
    /// let url = client.qrcodes().image_url("gQH47joAAAAAAAAAASxodHRwOi8v");
    /// assert!(url.ends_with("/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxodHRwOi8v"));
    /// # }
    /// ```
    #[must_use]
    pub fn image_url(&self, ticket: &str) -> String {
        let ticket: String = url::form_urlencoded::byte_serialize(ticket.as_bytes()).collect();
        format!(
            "{}/cgi-bin/showqrcode?ticket={ticket}",
            self.client.mp_base()
        )
    }

    /// `GET https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=…`: the image, exactly as the
    /// platform serves it (JPEG).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let image = client.qrcodes().image("TICKET").await?.bytes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn image(&self, ticket: impl Into<String>) -> QrCodeImage {
        QrCodeImage {
            client: self.client.clone(),
            ticket: ticket.into(),
        }
    }
}

/// `POST /cgi-bin/qrcode/create`, from [`QrCodes::temporary`] and [`QrCodes::permanent`]:
/// `{"action_name", "action_info": {"scene": …}, "expire_seconds"?}`.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CreateQrCode {
    #[serde(skip)]
    client: Client,
    action_name: &'static str,
    action_info: ActionInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_seconds: Option<u32>,
}

/// `action_info` of a QR code: its scene.
#[derive(Debug, Clone, Serialize)]
struct ActionInfo {
    scene: Scene,
}

impl CreateQrCode {
    fn new(client: Client, scene: Scene, permanent: bool) -> Self {
        let action_name = match (&scene, permanent) {
            (Scene::Id(_), false) => "QR_SCENE",
            (Scene::Id(_), true) => "QR_LIMIT_SCENE",
            (Scene::Str(_), false) => "QR_STR_SCENE",
            (Scene::Str(_), true) => "QR_LIMIT_STR_SCENE",
        };
        CreateQrCode {
            client,
            action_name,
            action_info: ActionInfo { scene },
            expire_seconds: None,
        }
    }

    /// How long a temporary code lives, 1 to [`EXPIRE_MAX`] seconds (the platform's default
    /// is 30 s). A permanent code refuses it.
    pub fn expire_seconds(mut self, seconds: u32) -> Self {
        self.expire_seconds = Some(seconds);
        self
    }

    fn permanent(&self) -> bool {
        self.action_name.starts_with("QR_LIMIT")
    }

    fn validate(&self) -> Result<()> {
        match (&self.action_info.scene, self.permanent()) {
            (Scene::Id(0), false) => {
                return Err(invalid(
                    "action_info.scene.scene_id",
                    Rule::TemporarySceneId,
                ));
            }
            (Scene::Id(id), true) if !(1..=PERMANENT_SCENE_MAX).contains(id) => {
                return Err(invalid(
                    "action_info.scene.scene_id",
                    Rule::PermanentSceneId {
                        max: PERMANENT_SCENE_MAX,
                        got: *id,
                    },
                ));
            }
            (Scene::Id(_), _) => {}
            (Scene::Str(scene), _) => {
                require("action_info.scene.scene_str", scene)?;
                let chars = scene.chars().count();
                if chars > SCENE_STR_MAX_CHARS {
                    return Err(invalid(
                        "action_info.scene.scene_str",
                        Rule::AtMost {
                            max: SCENE_STR_MAX_CHARS as u64,
                            unit: Unit::Characters,
                            got: chars as u64,
                        },
                    ));
                }
            }
        }
        match (self.expire_seconds, self.permanent()) {
            (Some(_), true) => Err(invalid("expire_seconds", Rule::PermanentExpiry)),
            (Some(seconds), false) if !(1..=EXPIRE_MAX).contains(&seconds) => Err(invalid(
                "expire_seconds",
                Rule::OutOfRange {
                    min: 1,
                    max: EXPIRE_MAX.into(),
                    unit: Unit::Seconds,
                    got: seconds.into(),
                },
            )),
            (Some(_) | None, _) => Ok(()),
        }
    }

    fn request(&self) -> Result<ApiRequest> {
        self.validate()?;
        ApiRequest::post("/cgi-bin/qrcode/create").json(self)
    }
}

/// A QR code created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrCode {
    /// The ticket: what `showqrcode` takes.
    pub ticket: String,
    /// How long the code lives (temporary codes only).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_seconds: Option<u64>,
    /// The URL the code encodes (to draw the code yourself).
    #[serde(default)]
    pub url: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(CreateQrCode => QrCode);

/// `GET /cgi-bin/showqrcode` on the mp host, from [`QrCodes::image`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct QrCodeImage {
    client: Client,
    ticket: String,
}

impl IntoFuture for QrCodeImage {
    type Output = Result<Download>;
    type IntoFuture = BoxFuture<'static, Result<Download>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            require("ticket", &self.ticket)?;
            let request = ApiRequest::get("/cgi-bin/showqrcode")
                .query("ticket", self.ticket)
                .without_token()
                .on_mp_host();
            self.client.download(request).await
        })
    }
}
