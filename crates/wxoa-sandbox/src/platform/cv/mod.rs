//! OCR and image processing (智能接口, api-reference-2 §11): where the image of a call comes
//! from, what the platform refuses of it, and the daily free quota. The answers are `ocr`'s
//! (deterministic synthetic results in the platform's shapes) and `img`'s (`qrcode` decodes
//! the image for real; `superresolution` and `aicrop` compute on it).
//!
//! | rule | code |
//! |---|---|
//! | an image: the multipart field `img`, or `img_url` | 101000 |
//! | `img_url` the sandbox can read: its own media (`/sandbox/media/ID`, a `down_url`) or a live QR code (`/cgi-bin/showqrcode?ticket=…`); it fetches nothing from the network | 101000 |
//! | under 2 MB, a PNG or JPEG the sandbox can decode | 101002 |
//! | 100 calls a day per path and account (Beijing days) | 101003 |
//! | the certificate OCRs (all `ocr/*` but `comm`): an image of more than one colour | 101001 |
//!
//! The size and the quota are [`CvRules`]; a refused call uses no quota.

pub(crate) mod img;
pub(crate) mod ocr;

use std::collections::BTreeMap;
use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::clock::china_day;
use crate::error::ApiError;
use crate::platform::qrcode::render;
use crate::state::{Account, State};

/// Widest or tallest image decoded, pixels (a small file can declare a huge image).
const MAX_SIDE: u32 = 10_000;
/// Most bytes decoding an image may allocate.
const MAX_DECODED: u64 = 256 * 1024 * 1024;

/// The limits of OCR and image processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CvRules {
    /// Images must be smaller than this many bytes (2 MB).
    pub max_image_bytes: usize,
    /// Free calls a day per path and account (100 since 2020-04-01); `None` for no limit.
    pub daily_calls: Option<u32>,
}

impl Default for CvRules {
    fn default() -> Self {
        Self {
            max_image_bytes: 2 * 1024 * 1024,
            daily_calls: Some(100),
        }
    }
}

/// The calls an account made today, per path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CvUsage {
    /// The Beijing day counted.
    #[serde(default)]
    day: i64,
    #[serde(default)]
    calls: BTreeMap<String, u32>,
}

/// An image a call is about, decoded.
#[derive(Debug)]
pub(crate) struct Picture {
    pub(crate) image: DynamicImage,
    /// A digest of its bytes: the seed of everything synthetic said about it.
    pub(crate) digest: [u8; 20],
}

impl Picture {
    /// The image's `img_size`.
    pub(crate) fn size_json(&self) -> serde_json::Value {
        serde_json::json!({"w": self.image.width(), "h": self.image.height()})
    }

    /// A stream of numbers drawn from the image's digest and `label`.
    pub(crate) fn draw(&self, label: &str) -> Draw {
        let mut hasher = Sha1::new();
        hasher.update(self.digest);
        hasher.update(label.as_bytes());
        let digest = hasher.finalize();
        let mut seed = [0u8; 8];
        seed.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        Draw(u64::from_be_bytes(seed))
    }
}

/// Reads an image: refused with 101002 at `max_image_bytes` or more, or when it is no PNG or
/// JPEG this sandbox decodes.
pub(crate) fn read_picture(bytes: &[u8], rules: &CvRules) -> Result<Picture, ApiError> {
    if bytes.len() >= rules.max_image_bytes {
        return Err(ApiError::msg(
            101002,
            format!(
                "image too large: {} bytes, the limit is under {}",
                bytes.len(),
                rules.max_image_bytes
            ),
        ));
    }
    let undecodable = || ApiError::msg(101002, "decode image failed: invalid image data");
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| undecodable())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| undecodable())?;
    let mut digest = [0u8; 20];
    digest.copy_from_slice(&Sha1::digest(bytes));
    Ok(Picture { image, digest })
}

impl State {
    /// The bytes behind an `img_url` (see the module's table); 101000 for any other URL.
    pub(crate) fn image_at(&self, img_url: &str, now: i64) -> Result<Vec<u8>, ApiError> {
        let unreadable = || ApiError::msg(101000, "invalid image url or fetch image failed");
        let url = url::Url::parse(img_url).map_err(|_| unreadable())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(unreadable());
        }
        if let Some(media_id) = url.path().strip_prefix("/sandbox/media/") {
            return self
                .media_file(media_id, now)
                .map(|file| file.bytes.clone())
                .ok_or_else(unreadable);
        }
        if url.path() == "/cgi-bin/showqrcode" {
            let ticket = url
                .query_pairs()
                .find(|(key, _)| key == "ticket")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            return self
                .live_qr_url(&ticket, now)
                .and_then(render)
                .ok_or_else(unreadable);
        }
        Err(unreadable())
    }
}

impl Account {
    /// Counts a call of `path` against the day's free quota (101003 beyond it).
    pub(crate) fn take_cv_call(
        &mut self,
        path: &str,
        rules: &CvRules,
        now: i64,
    ) -> Result<(), ApiError> {
        let today = china_day(now);
        if self.cv.day != today {
            self.cv = CvUsage {
                day: today,
                calls: BTreeMap::new(),
            };
        }
        let used = self.cv.calls.entry(path.to_owned()).or_insert(0);
        if rules.daily_calls.is_some_and(|limit| *used >= limit) {
            return Err(ApiError::msg(101003, "not enough market quota"));
        }
        *used += 1;
        Ok(())
    }
}

/// Numbers drawn from a seed (SplitMix64): the same image gives the same results.
#[derive(Debug, Clone)]
pub(crate) struct Draw(u64);

impl Draw {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next().checked_rem(n).unwrap_or(0)
    }

    /// One of `choices`.
    pub(crate) fn pick<'a>(&mut self, choices: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(choices.len() as u64)).unwrap_or(0);
        choices.get(i).copied().unwrap_or_default()
    }

    /// `n` decimal digits.
    pub(crate) fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + u8::try_from(self.below(10)).unwrap_or(0)))
            .collect()
    }
}

/// A quadrilateral in the platform's shape (`left_top`, `right_top`, `right_bottom`,
/// `left_bottom`, each `{x, y}`), here an upright box.
pub(crate) fn pos(left: u32, top: u32, right: u32, bottom: u32) -> serde_json::Value {
    serde_json::json!({
        "left_top": {"x": left, "y": top},
        "right_top": {"x": right, "y": top},
        "right_bottom": {"x": right, "y": bottom},
        "left_bottom": {"x": left, "y": bottom},
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn png(side: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        DynamicImage::new_luma8(side, side)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn images_too_large_or_undecodable_are_refused() {
        let rules = CvRules::default();
        let ok = read_picture(&png(4), &rules).unwrap();
        assert_eq!(ok.size_json(), serde_json::json!({"w": 4, "h": 4}));
        assert_eq!(
            read_picture(b"not an image", &rules).unwrap_err().code,
            101002
        );
        let small = CvRules {
            max_image_bytes: 10,
            ..rules
        };
        assert_eq!(read_picture(&png(4), &small).unwrap_err().code, 101002);
    }

    #[test]
    fn draws_repeat_for_the_same_image_and_label() {
        let picture = read_picture(&png(2), &CvRules::default()).unwrap();
        let (mut a, mut b) = (picture.draw("x"), picture.draw("x"));
        assert_eq!(a.digits(12), b.digits(12));
        assert_ne!(picture.draw("x").next(), picture.draw("y").next());
    }
}
