//! The HTTP side of OCR and image processing (api-reference-2 §11): every path is a POST whose
//! image is the multipart field `img` or the query's `img_url`; the rules of the image and the
//! quota are `platform::cv`'s (its table), the answers `cv::ocr`'s and `cv::img`'s.
//!
//! | path | extra rule | code |
//! |---|---|---|
//! | `ocr/idcard` | `type` photo or scan (photo when absent) | 47003 |
//! | `img/aicrop` | `ratios` at most 5 positive numbers | 47003 |
//! | `ocr/*` but `ocr/comm` | an image of more than one colour (no certificate on a blank one) | 101001 |
//!
//! Parameters (`type`, `ratios`) are read from the query, or from the form's text fields.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::Uri;
use serde_json::{Value, json};

use super::{Authed, Query, Upload, post};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::cv::{Picture, img, ocr, read_picture};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cv/ocr/idcard", post(idcard))
        .route("/cv/ocr/bankcard", post(bankcard))
        .route("/cv/ocr/driving", post(driving))
        .route("/cv/ocr/drivinglicense", post(driving_license))
        .route("/cv/ocr/bizlicense", post(bizlicense))
        .route("/cv/ocr/comm", post(comm))
        .route("/cv/ocr/platenum", post(plate_number))
        .route("/cv/img/qrcode", post(qrcode))
        .route("/cv/img/superresolution", post(superresolution))
        .route("/cv/img/aicrop", post(aicrop))
}

/// The parameters of a call: its query and its form's text fields.
type Params = HashMap<String, String>;

fn param<'p>(params: &'p Params, key: &str) -> Option<&'p str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Reads the image of a call — the uploaded `img`, else `img_url` — and its parameters,
/// checks both (`check` for the path's own parameters), and counts the call against the
/// day's quota.
async fn input(
    shared: &Shared,
    auth: &Authed,
    uri: &Uri,
    multipart: Result<Multipart, MultipartRejection>,
    check: fn(&Params) -> Result<(), ApiError>,
) -> Result<(Picture, Params), ApiError> {
    let mut params: Params = Query::parse(uri.query()).into_pairs();
    let mut bytes = None;
    if let Ok(multipart) = multipart {
        let (file, fields) = Upload::read_form(multipart, "img")
            .await
            .map_err(|_| ApiError::msg(101002, "invalid image data: malformed form"))?;
        bytes = file.map(|f| f.bytes);
        params.extend(fields);
    }
    check(&params)?;
    let now = shared.clock.now();
    let bytes = match (bytes, param(&params, "img_url")) {
        (Some(bytes), _) => bytes,
        (None, Some(url)) => shared.state().image_at(url, now)?,
        (None, None) => {
            return Err(ApiError::msg(
                101000,
                "invalid image url: neither img nor img_url given",
            ));
        }
    };
    let picture = read_picture(&bytes, &shared.settings.cv)?;
    let mut state = shared.state();
    auth.account(&mut state)?
        .take_cv_call(uri.path(), &shared.settings.cv, now)?;
    Ok((picture, params))
}

/// The answer: `errcode` 0 and the fields of `result`.
fn answer(result: Value) -> ApiResult {
    let mut body = json!({"errcode": 0, "errmsg": "ok"});
    if let (Some(map), Value::Object(fields)) = (body.as_object_mut(), result) {
        map.extend(fields);
    }
    ok(body)
}

/// No parameter beyond the image.
#[allow(clippy::unnecessary_wraps)] // the signature `input` calls
fn image_only(_: &Params) -> Result<(), ApiError> {
    Ok(())
}

/// Defines a handler that answers what `read` says of the call's image (and parameters),
/// after `check`.
macro_rules! cv_endpoint {
    ($name:ident, $check:expr, |$picture:ident, $params:ident| $read:expr) => {
        async fn $name(
            State(shared): State<Arc<Shared>>,
            auth: Authed,
            uri: Uri,
            multipart: Result<Multipart, MultipartRejection>,
        ) -> ApiResult {
            let ($picture, $params) = input(&shared, &auth, &uri, multipart, $check).await?;
            answer($read)
        }
    };
}

cv_endpoint!(
    idcard,
    |p| ocr::check_idcard_type(param(p, "type")),
    |picture, _params| ocr::certificate(&picture, ocr::idcard)?
);
cv_endpoint!(bankcard, image_only, |picture, _params| ocr::certificate(
    &picture,
    ocr::bankcard
)?);
cv_endpoint!(driving, image_only, |picture, _params| ocr::certificate(
    &picture,
    ocr::driving
)?);
cv_endpoint!(driving_license, image_only, |picture, _params| {
    ocr::certificate(&picture, ocr::driving_license)?
});
cv_endpoint!(bizlicense, image_only, |picture, _params| ocr::certificate(
    &picture,
    ocr::bizlicense
)?);
cv_endpoint!(comm, image_only, |picture, _params| ocr::comm(&picture));
cv_endpoint!(plate_number, image_only, |picture, _params| {
    ocr::certificate(&picture, ocr::plate_number)?
});
cv_endpoint!(qrcode, image_only, |picture, _params| img::qrcodes(
    &picture
));
cv_endpoint!(
    aicrop,
    |p| img::crop_ratios(param(p, "ratios")).map(|_| ()),
    |picture, params| img::crops(&picture, &img::crop_ratios(param(&params, "ratios"))?)
);

async fn superresolution(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    uri: Uri,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let (picture, _) = input(&shared, &auth, &uri, multipart, image_only).await?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let media_id = auth.account(&mut state)?.superresolution(&picture, now)?;
    answer(json!({"media_id": media_id}))
}
