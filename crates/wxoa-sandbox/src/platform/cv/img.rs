//! Image processing (`/cv/img/*`): `qrcode` finds and decodes the QR codes in the image for
//! real (barcodes are not read: a sandbox choice), `superresolution` keeps the image scaled to
//! twice its size as temporary media (3 days, `media/get`), and `aicrop` computes one crop box
//! per asked width-to-height ratio around a focus drawn from the image's digest.

use std::io::Cursor;

use image::imageops::FilterType;
use serde_json::{Value, json};

use super::Picture;
use crate::error::ApiError;
use crate::platform::media::{MEDIA_LIFETIME, MediaFile, new_media_id};
use crate::state::Account;

/// Most ratios one `aicrop` call takes.
const MAX_RATIOS: usize = 5;
/// Largest image `superresolution` scales, pixels (its answer has four times as many).
const MAX_SUPERRESOLUTION_PIXELS: u64 = 4_000_000;

/// `img/qrcode`: every QR code found, with its text and corners, and the image's size.
pub(crate) fn qrcodes(picture: &Picture) -> Value {
    let luma = picture.image.to_luma8();
    let (w, h) = luma.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        usize::try_from(w).unwrap_or(0),
        usize::try_from(h).unwrap_or(0),
        |x, y| {
            let (x, y) = (u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0));
            luma.get_pixel_checked(x, y).map_or(255, |p| p.0[0])
        },
    );
    let results: Vec<Value> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| {
            let (_, data) = grid.decode().ok()?;
            let [left_top, right_top, right_bottom, left_bottom] = grid.bounds;
            let point = |p: rqrr::Point| json!({"x": p.x.max(0), "y": p.y.max(0)});
            Some(json!({
                "type_name": "QR_CODE",
                "data": data,
                "pos": {
                    "left_top": point(left_top),
                    "right_top": point(right_top),
                    "right_bottom": point(right_bottom),
                    "left_bottom": point(left_bottom),
                },
            }))
        })
        .collect();
    json!({"code_results": results, "img_size": picture.size_json()})
}

impl Account {
    /// `img/superresolution`: the image at twice its width and height, kept as temporary
    /// media (a JPEG); its media id. 101002 for an image over 4 megapixels.
    pub(crate) fn superresolution(
        &mut self,
        picture: &Picture,
        now: i64,
    ) -> Result<String, ApiError> {
        let (w, h) = (picture.image.width(), picture.image.height());
        if u64::from(w) * u64::from(h) > MAX_SUPERRESOLUTION_PIXELS {
            return Err(ApiError::msg(101002, "image too large for superresolution"));
        }
        let scaled = picture
            .image
            .resize_exact(w * 2, h * 2, FilterType::Triangle)
            .to_rgb8();
        let mut jpeg = Vec::new();
        scaled
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .map_err(|_| ApiError::msg(-1, "system error"))?;
        let id = new_media_id();
        self.media
            .temporary
            .retain(|_, m| now - m.created_at < MEDIA_LIFETIME);
        self.media.temporary.insert(
            id.clone(),
            MediaFile::file(
                "image",
                "superresolution.jpg".to_owned(),
                "image/jpeg".to_owned(),
                jpeg,
                now,
            ),
        );
        Ok(id)
    }
}

/// The `ratios` of `aicrop` (`1,0.5`): at most 5 positive numbers (47003 otherwise); `[1]`
/// when none is given (a sandbox choice: the platform picks its own crop then).
pub(crate) fn crop_ratios(ratios: Option<&str>) -> Result<Vec<f64>, ApiError> {
    let Some(text) = ratios.filter(|t| !t.trim().is_empty()) else {
        return Ok(vec![1.0]);
    };
    let ratios: Vec<f64> = text
        .split(',')
        .map(|r| {
            r.trim()
                .parse::<f64>()
                .ok()
                .filter(|r| r.is_finite() && *r > 0.0)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| ApiError::argument("ratios"))?;
    if ratios.len() > MAX_RATIOS {
        return Err(ApiError::argument("ratios"));
    }
    Ok(ratios)
}

/// `img/aicrop`: for each ratio (width / height), the largest box of that shape inside the
/// image, as close to centred on the image's focus as the edges allow.
pub(crate) fn crops(picture: &Picture, ratios: &[f64]) -> Value {
    let (w, h) = (
        f64::from(picture.image.width()),
        f64::from(picture.image.height()),
    );
    let mut draw = picture.draw("aicrop");
    // The focus lies in the middle half of the image.
    let fx = w * (0.25 + draw.below(1000) as f64 / 2000.0);
    let fy = h * (0.25 + draw.below(1000) as f64 / 2000.0);
    let results: Vec<Value> = ratios
        .iter()
        .map(|ratio| {
            let box_w = w.min(h * ratio).floor().max(1.0);
            let box_h = (box_w / ratio).floor().clamp(1.0, h.max(1.0));
            let left = (fx - box_w / 2.0).clamp(0.0, (w - box_w).max(0.0)).floor();
            let top = (fy - box_h / 2.0).clamp(0.0, (h - box_h).max(0.0)).floor();
            // Pixel counts of an image under 10,000 pixels a side: exact in f64 and in u32.
            let edge = |v: f64| v as u32;
            json!({
                "crop_left": edge(left),
                "crop_top": edge(top),
                "crop_right": edge(left + box_w),
                "crop_bottom": edge(top + box_h),
            })
        })
        .collect();
    json!({"results": results, "img_size": picture.size_json()})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::platform::cv::{CvRules, read_picture};
    use crate::platform::qrcode::render;

    #[test]
    fn a_qr_code_the_sandbox_drew_is_read_back() {
        let jpeg = render("http://weixin.qq.com/q/sandbox-test").unwrap();
        let picture = read_picture(&jpeg, &CvRules::default()).unwrap();
        let found = qrcodes(&picture);
        assert_eq!(
            found["code_results"][0]["data"],
            "http://weixin.qq.com/q/sandbox-test"
        );
        assert_eq!(found["code_results"][0]["type_name"], "QR_CODE");
    }

    #[test]
    fn ratios_are_checked_and_boxes_have_their_shape() {
        assert_eq!(crop_ratios(None).unwrap(), [1.0]);
        assert_eq!(crop_ratios(Some("1, 0.5")).unwrap(), [1.0, 0.5]);
        assert_eq!(crop_ratios(Some("1,x")).unwrap_err().code, 47003);
        assert_eq!(crop_ratios(Some("0")).unwrap_err().code, 47003);
        assert_eq!(crop_ratios(Some("1,1,1,1,1,1")).unwrap_err().code, 47003);
        let mut png = Vec::new();
        image::DynamicImage::new_luma8(400, 200)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let picture = read_picture(&png, &CvRules::default()).unwrap();
        let boxes = crops(&picture, &[1.0, 2.0, 0.5]);
        let size = |i: usize| {
            let b = &boxes["results"][i];
            (
                b["crop_right"].as_u64().unwrap() - b["crop_left"].as_u64().unwrap(),
                b["crop_bottom"].as_u64().unwrap() - b["crop_top"].as_u64().unwrap(),
            )
        };
        assert_eq!(size(0), (200, 200));
        assert_eq!(size(1), (400, 200));
        assert_eq!(size(2), (100, 200));
    }
}
