//! Image processing (`/cv/img/*`): `client.img()` — the QR codes and barcodes in an image,
//! an image at twice its resolution (as temporary media), and crop suggestions.

use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use super::{Image, ImageSize, Quad, image_call};
use crate::api::support::{invalid, lenient};
use crate::{Client, Result, Rule, Unit};

/// Most ratios one `aicrop` call takes.
pub const MAX_CROP_RATIOS: usize = 5;

/// Image processing: `client.img()`.
#[derive(Debug, Clone)]
pub struct ImageProcessing {
    client: Client,
}

impl Client {
    /// Image processing (api-reference-2 §11).
    ///
    /// ```no_run
    /// use wxoa_client::api::cv::Image;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let codes = client.img().qrcode(Image::url("https://example.com/qr.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn img(&self) -> ImageProcessing {
        ImageProcessing {
            client: self.clone(),
        }
    }
}

impl ImageProcessing {
    /// `POST /cv/img/qrcode`: the QR codes and barcodes in the image, with their text.
    pub fn qrcode(&self, image: Image) -> DecodeCodes {
        DecodeCodes {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/img/superresolution`: the image at twice its width and height, kept as
    /// temporary media for 3 days (fetch it with `media().get`). Never replayed.
    pub fn superresolution(&self, image: Image) -> Superresolve {
        Superresolve {
            client: self.client.clone(),
            image,
        }
    }

    /// `POST /cv/img/aicrop`: crop suggestions, one per ratio asked for.
    ///
    /// ```no_run
    /// use wxoa_client::api::cv::Image;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let crops = client
    ///     .img()
    ///     .aicrop(Image::url("https://example.com/photo.jpg"))
    ///     .ratios([1.0, 0.5])
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn aicrop(&self, image: Image) -> SuggestCrops {
        SuggestCrops {
            client: self.client.clone(),
            image,
            ratios: Vec::new(),
        }
    }
}

/// `POST /cv/img/qrcode`, from [`ImageProcessing::qrcode`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DecodeCodes {
    client: Client,
    image: Image,
}

impl IntoFuture for DecodeCodes {
    type Output = Result<QrCodes>;
    type IntoFuture = BoxFuture<'static, Result<QrCodes>>;

    fn into_future(self) -> Self::IntoFuture {
        image_call(self.client, "/cv/img/qrcode", self.image, Vec::new(), true)
    }
}

/// `POST /cv/img/superresolution`, from [`ImageProcessing::superresolution`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Superresolve {
    client: Client,
    image: Image,
}

impl IntoFuture for Superresolve {
    type Output = Result<SuperResolution>;
    type IntoFuture = BoxFuture<'static, Result<SuperResolution>>;

    fn into_future(self) -> Self::IntoFuture {
        image_call(
            self.client,
            "/cv/img/superresolution",
            self.image,
            Vec::new(),
            false,
        )
    }
}

/// `POST /cv/img/aicrop`, from [`ImageProcessing::aicrop`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SuggestCrops {
    client: Client,
    image: Image,
    ratios: Vec<f64>,
}

impl SuggestCrops {
    /// The shapes wanted, each width / height (at most 5; the platform picks without any).
    pub fn ratios(mut self, ratios: impl IntoIterator<Item = f64>) -> Self {
        self.ratios = ratios.into_iter().collect();
        self
    }

    fn params(&self) -> Result<Vec<(&'static str, String)>> {
        if self.ratios.len() > MAX_CROP_RATIOS {
            return Err(invalid(
                "ratios",
                Rule::AtMost {
                    max: MAX_CROP_RATIOS as u64,
                    unit: Unit::Count,
                    got: self.ratios.len() as u64,
                },
            ));
        }
        if let Some((i, bad)) = self
            .ratios
            .iter()
            .enumerate()
            .find(|(_, r)| !(r.is_finite() && **r > 0.0))
        {
            return Err(invalid(
                format!("ratios[{i}]"),
                Rule::CropRatio {
                    got: bad.to_string(),
                },
            ));
        }
        if self.ratios.is_empty() {
            return Ok(Vec::new());
        }
        let text: Vec<String> = self.ratios.iter().map(f64::to_string).collect();
        Ok(vec![("ratios", text.join(","))])
    }
}

impl IntoFuture for SuggestCrops {
    type Output = Result<Crops>;
    type IntoFuture = BoxFuture<'static, Result<Crops>>;

    fn into_future(self) -> Self::IntoFuture {
        match self.params() {
            Ok(params) => image_call(self.client, "/cv/img/aicrop", self.image, params, true),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }
}

/// What `img/qrcode` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrCodes {
    /// The codes found (none when there is no code).
    #[serde(default)]
    pub code_results: Vec<CodeResult>,
    /// The image's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img_size: Option<ImageSize>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One code found in an image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CodeResult {
    /// The kind of code: `QR_CODE`, `CODE_128`, …
    #[serde(default)]
    pub type_name: String,
    /// Its text.
    #[serde(default)]
    pub data: String,
    /// Where it lies (barcodes and PDF417 have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<Quad>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `img/superresolution` made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SuperResolution {
    /// The temporary media holding the image at twice its resolution (3 days).
    #[serde(default)]
    pub media_id: MediaId,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `img/aicrop` suggests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Crops {
    /// One box per ratio asked for, in order.
    #[serde(default)]
    pub results: Vec<CropBox>,
    /// The image's size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img_size: Option<ImageSize>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A crop box, in pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CropBox {
    /// Left edge.
    #[serde(default, deserialize_with = "lenient")]
    pub crop_left: u64,
    /// Top edge.
    #[serde(default, deserialize_with = "lenient")]
    pub crop_top: u64,
    /// Right edge.
    #[serde(default, deserialize_with = "lenient")]
    pub crop_right: u64,
    /// Bottom edge.
    #[serde(default, deserialize_with = "lenient")]
    pub crop_bottom: u64,
}
