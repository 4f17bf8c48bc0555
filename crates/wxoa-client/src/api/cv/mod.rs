//! OCR and image processing (智能接口, api-reference-2 §11): `client.ocr()` reads identity
//! cards, bank cards, vehicle and driving licences, business licences, plates and any text;
//! `client.img()` decodes QR codes, doubles an image's resolution and suggests crops.
//!
//! Every call is about one [`Image`]: a URL the platform fetches (`img_url`), or a file
//! uploaded in the multipart field `img`. The platform takes images under 2 MB (101002
//! beyond, and for data that is no image; 101000 for a URL it cannot fetch) and gives each
//! account 100 free calls a day (101003 beyond). An upload's size is checked before it
//! leaves.
//!
//! ```no_run
//! use wxoa_client::api::cv::Image;
//! use wxoa_client::Upload;
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let card = client.ocr().id_card(Image::upload(Upload::path("id.jpg"))).await?;
//! let codes = client.img().qrcode(Image::url("https://example.com/qr.png")).await?;
//! println!("{:?} {:?}", card.name, codes.code_results.first().map(|c| &c.data));
//! # Ok(())
//! # }
//! ```
//!
//! The recognition calls cost quota but change nothing: they are retried where a read is.
//! `superresolution` keeps a new temporary media file: it is never replayed.

mod img;
mod ocr;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use img::{
    CodeResult, CropBox, Crops, DecodeCodes, ImageProcessing, MAX_CROP_RATIOS, QrCodes,
    SuggestCrops, SuperResolution, Superresolve,
};
pub use ocr::{
    BankCard, BusinessLicense, CommonText, DrivingLicense, IdCard, IdCardSide, IdCardType, Ocr,
    PlateNumber, ReadBankCard, ReadBusinessLicense, ReadDrivingLicense, ReadIdCard,
    ReadPlateNumber, ReadText, ReadVehicleLicense, TextItem, VehicleLicense,
};

use crate::api::support::{invalid, lenient, web_url};
use crate::{ApiRequest, Client, Form, Result, Rule, Upload};

/// Images must be smaller than this (2 MB).
pub const MAX_IMAGE_BYTES: u64 = 2 * 1024 * 1024;

/// The image a call is about.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Image {
    /// A URL the platform fetches (sent as the query's `img_url`).
    Url(String),
    /// A file uploaded in the multipart field `img`.
    Upload(Upload),
}

impl Image {
    /// An image the platform fetches from `url` (http or https).
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url(url.into())
    }

    /// An image uploaded with the call.
    #[must_use]
    pub fn upload(file: Upload) -> Self {
        Self::Upload(file)
    }
}

/// A corner of a [`Quad`], in pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Point {
    /// From the left edge.
    #[serde(default, deserialize_with = "lenient")]
    pub x: i64,
    /// From the top edge.
    #[serde(default, deserialize_with = "lenient")]
    pub y: i64,
}

/// Where something lies in the image (`pos`): its four corners.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quad {
    /// The top-left corner.
    #[serde(default)]
    pub left_top: Point,
    /// The top-right corner.
    #[serde(default)]
    pub right_top: Point,
    /// The bottom-right corner.
    #[serde(default)]
    pub right_bottom: Point,
    /// The bottom-left corner.
    #[serde(default)]
    pub left_bottom: Point,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where something lies, as the platform wraps it (`{"pos": …}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Position {
    /// The corners.
    #[serde(default)]
    pub pos: Quad,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The size of the image the platform read (`img_size`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageSize {
    /// Width, pixels.
    #[serde(default, deserialize_with = "lenient")]
    pub w: u64,
    /// Height, pixels.
    #[serde(default, deserialize_with = "lenient")]
    pub h: u64,
}

/// Builds the request of a call on `path` about `image`, with `params` in the query (and in
/// the form beside an upload), checked before it leaves: an http(s) URL, or an upload of 1
/// byte to under 2 MB.
async fn image_request(
    path: &'static str,
    image: Image,
    params: Vec<(&'static str, String)>,
    idempotent: bool,
) -> Result<ApiRequest> {
    let mut request = ApiRequest::post(path);
    for (key, value) in &params {
        request = request.query(*key, value.clone());
    }
    let request = match image {
        Image::Url(url) => {
            web_url("img_url", &url)?;
            request.query("img_url", url)
        }
        Image::Upload(mut file) => {
            let name = file.file_name().to_owned();
            let len = file.len().await?;
            if len == 0 {
                return Err(invalid("img", Rule::EmptyFile { name }));
            }
            if len >= MAX_IMAGE_BYTES {
                return Err(invalid(
                    "img",
                    Rule::ImageSize {
                        max: MAX_IMAGE_BYTES,
                        name,
                        len,
                    },
                ));
            }
            request.multipart(Form::new().file("img", file))
        }
    };
    Ok(request.idempotent(idempotent))
}

/// Sends a call about an image and decodes its answer.
fn image_call<T: DeserializeOwned + Send + 'static>(
    client: Client,
    path: &'static str,
    image: Image,
    params: Vec<(&'static str, String)>,
    idempotent: bool,
) -> BoxFuture<'static, Result<T>> {
    Box::pin(async move {
        let request = image_request(path, image, params, idempotent).await?;
        client.execute(request).await
    })
}
