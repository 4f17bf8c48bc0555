//! The platform's API, one file per area (each decodes a request, calls its area under
//! `platform`, and encodes the answer), the sandbox's own endpoints (`control`, `console`), and
//! the method rules every endpoint shares (43001/43002). What the endpoints read from a request
//! is `extract`; what several areas answer alike is `answer`; what the sandbox's own endpoints
//! share is `sandbox_api`. No area's file uses another's.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::routing::MethodRouter;

use crate::error::ApiError;
pub(crate) use crate::platform::{lenient_i64, set_field};
use crate::shared::Shared;

pub(crate) use answer::{file_response, page_of, qr_image, raw_url};
pub(crate) use extract::{Authed, Json, NewsRequest, NewsUpdate, Query, Upload, parse_json};

mod answer;
pub(crate) mod extract;
mod sandbox_api;

pub(crate) mod autoreply;
pub(crate) mod blacklist;
pub(crate) mod card;
pub(crate) mod comment;
pub(crate) mod component;
pub(crate) mod component_control;
pub(crate) mod component_pages;
pub(crate) mod console;
pub(crate) mod control;
pub(crate) mod custom;
pub(crate) mod cv;
pub(crate) mod datacube;
pub(crate) mod groups;
pub(crate) mod kf;
pub(crate) mod kfsession;
pub(crate) mod marketing;
pub(crate) mod mass;
pub(crate) mod material;
pub(crate) mod media;
pub(crate) mod menu;
pub(crate) mod migration;
pub(crate) mod misc;
pub(crate) mod oauth;
pub(crate) mod openapi;
pub(crate) mod publish;
pub(crate) mod qrcode;
pub(crate) mod shorten;
pub(crate) mod subscribe;
pub(crate) mod tags;
pub(crate) mod template;
pub(crate) mod ticket;
pub(crate) mod token;
pub(crate) mod users;

/// Every route of the platform and of the control API.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .merge(token::routes())
        .merge(ticket::routes())
        .merge(misc::routes())
        .merge(users::routes())
        .merge(tags::routes())
        .merge(groups::routes())
        .merge(blacklist::routes())
        .merge(custom::routes())
        .merge(template::routes())
        .merge(subscribe::routes())
        .merge(menu::routes())
        .merge(qrcode::routes())
        .merge(media::routes())
        .merge(material::routes())
        .merge(oauth::routes())
        .merge(mass::routes())
        .merge(shorten::routes())
        .merge(kf::routes())
        .merge(kfsession::routes())
        .merge(card::routes())
        .merge(publish::routes())
        .merge(migration::routes())
        .merge(autoreply::routes())
        .merge(openapi::routes())
        .merge(marketing::routes())
        .merge(cv::routes())
        .merge(comment::routes())
        .merge(component::routes())
        .merge(component_control::routes())
        .merge(component_pages::routes())
        .merge(datacube::routes())
        .merge(control::routes())
        .merge(console::routes())
        .fallback(unknown_path)
}

/// A path the platform does not serve.
async fn unknown_path(request: Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = ApiError::msg(
        48001,
        format!(
            "api unauthorized: the sandbox does not serve {}",
            request.uri().path()
        ),
    )
    .into_response();
    *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    response
}

type Routes = MethodRouter<Arc<Shared>>;

/// An endpoint the platform serves on GET only; other methods answer 43001.
pub(crate) fn get<H, T>(handler: H) -> Routes
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    axum::routing::get(handler).fallback(require_get)
}

/// An endpoint the platform serves on POST only; other methods answer 43002.
pub(crate) fn post<H, T>(handler: H) -> Routes
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    axum::routing::post(handler).fallback(require_post)
}

async fn require_get() -> ApiError {
    ApiError::msg(43001, "require GET method")
}

async fn require_post() -> ApiError {
    ApiError::msg(43002, "require POST method")
}
