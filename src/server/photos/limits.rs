//! The size and time a request may take. The forms with photos are the routes that need more of both:
//! its server function reads the body as a stream, which axum's `DefaultBodyLimit` does not cover, so the
//! limit is applied here, to that route only (every other server function keeps the 2 MB default).
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::ServerFn;

use crate::api::kb_images::UploadArticleImage;
use crate::api::requests::{CreateRequest, CustomerReply};
use crate::domain::photo::{MAX_PHOTOS, MAX_PHOTO_BYTES};
use crate::i18n::td_string;
use crate::server::security::request_locale;

/// The largest body the request form may post: every photo at its limit, the text fields, and room for one
/// file over the limit to be read far enough to be reported beside its field rather than refused whole.
pub const UPLOAD_BODY_MAX: usize = (MAX_PHOTOS + 2) * MAX_PHOTO_BYTES;
/// Ordinary requests end after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Uploading the largest form on a slow line (64 MB at 1 Mbit/s is about 9 minutes).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The routes that take photos: the request form, the customer's reply, and an article's images.
fn is_upload(request: &Request) -> bool {
    let path = request.uri().path();
    path == CreateRequest::PATH || path == CustomerReply::PATH || path == UploadArticleImage::PATH
}

/// Refuses a post to an upload route that is not multipart (415), one whose declared length is over [`UPLOAD_BODY_MAX`] at once (413, with a readable
/// message), and cuts off one that streams past it without declaring a length.
pub async fn body_limit(request: Request, next: Next) -> Response {
    if !is_upload(&request) {
        return next.run(request).await;
    }
    // Anything but a multipart body with its boundary would fail inside the server function's decoder.
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data") && v.contains("boundary="));
    if !multipart {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > UPLOAD_BODY_MAX as u64) {
        let locale = request_locale(request.headers());
        let message = td_string!(locale, photos.upload_too_large);
        return (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message)
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let limited = Body::new(http_body_util::Limited::new(body, UPLOAD_BODY_MAX));
    next.run(Request::from_parts(parts, limited)).await
}

/// Answers 408 when a request takes longer than its route allows.
pub async fn timeout(request: Request, next: Next) -> Response {
    let limit = if is_upload(&request) { UPLOAD_TIMEOUT } else { REQUEST_TIMEOUT };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}
