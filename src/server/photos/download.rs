//! `GET /api/photos/{id}`: one photo, to the team, to the signed-in customer whose request it is, or to
//! whoever has the request's tracking link (`?t=<token>`). Anyone else gets the same 404 as for a photo
//! that does not exist, so ids cannot be probed. The answer is an image that cannot turn into a page: its
//! type is the sniffed one, `nosniff`, a sandboxing CSP, and a download name the server makes up.
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

use crate::domain::photo::ImageKind;
use crate::domain::CurrentUser;
use crate::server::db::photos::{self, PhotoAccessRow};
use crate::server::requests::request_id_for_token;
use crate::server::security::{request_id, Auth};
use crate::server::state::AppState;

/// How long the browser may keep a photo: they never change (ids are not reused), but access can end
/// (sign-out), so only the browser's private cache and not for long.
const CACHE_CONTROL: &str = "private, max-age=3600";

#[derive(Debug, Deserialize)]
pub struct Access {
    /// A tracking token.
    t: Option<String>,
}

/// Who may see a photo: staff always; the customer side (the request's own signed-in customer, or a
/// tracking token for that same request) only photos not attached to an internal note.
pub fn may_see(photo: &PhotoAccessRow, user: Option<&CurrentUser>, token_request: Option<i64>) -> bool {
    if user.is_some_and(CurrentUser::is_staff) {
        return true;
    }
    let own = user.is_some_and(|u| photo.customer_id == Some(u.id)) || token_request == Some(photo.request_id);
    own && photo.public == 1
}

pub async fn handler(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(access): Query<Access>,
    Extension(auth): Extension<Auth>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found() };
    match serve(&state, id, access.t.as_deref(), auth.user.as_ref()).await {
        Ok(Some(response)) => response,
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(request_id = %request_id(&headers), photo = id, %error, "photo download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn serve(
    state: &AppState,
    id: i64,
    token: Option<&str>,
    user: Option<&CurrentUser>,
) -> Result<Option<Response>, Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = state.db.acquire().await?;
    let Some(photo) = photos::for_download(&mut conn, id).await? else { return Ok(None) };
    drop(conn);
    let token_request = match token {
        Some(token) if !user.is_some_and(CurrentUser::is_staff) => request_id_for_token(&state.db, token).await?,
        _ => None,
    };
    if !may_see(&photo, user, token_request) {
        return Ok(None);
    }
    // Only what the upload check let in is ever served, under the type it was recognised as.
    let Some(kind) = ImageKind::from_mime(&photo.content_type) else { return Ok(None) };
    let object = match state.photos.get(&photo.object_key).await {
        Ok(object) => object,
        Err(object_store::Error::NotFound { .. }) => {
            tracing::error!(photo = id, key = %photo.object_key, "a recorded photo is missing from the store");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Some(image_response(object, kind, &format!("photo-{}", photo.id), CACHE_CONTROL)?))
}

/// A stored image as an answer that cannot turn into a page: the sniffed type, `nosniff`, a sandboxing CSP,
/// a download name the server made up (`name` plus the kind's extension), and `cache_control`. Request
/// photos and article images (`server::kb_images`) are both served through this.
pub fn image_response(
    object: object_store::GetResult,
    kind: ImageKind,
    name: &str,
    cache_control: &'static str,
) -> Result<Response, axum::http::header::InvalidHeaderValue> {
    let size = object.meta.size;
    let disposition = format!("inline; filename=\"{name}.{}\"", kind.extension());
    let mut response = Body::from_stream(object.into_stream()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition)?);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    Ok(response)
}

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Roles;

    fn photo(public: i64) -> PhotoAccessRow {
        PhotoAccessRow {
            id: 7,
            request_id: 3,
            object_key: "k.png".into(),
            content_type: "image/png".into(),
            customer_id: Some(42),
            public,
        }
    }

    fn user(id: i64, roles: &str) -> CurrentUser {
        CurrentUser {
            id,
            email: format!("u{id}@example.com"),
            display_name: None,
            roles: Roles::parse(roles).unwrap(),
            has_password: true,
        }
    }

    #[test]
    fn the_team_the_owner_and_the_token_holder_only() {
        assert!(may_see(&photo(1), Some(&user(1, "staff")), None));
        assert!(may_see(&photo(0), Some(&user(1, "staff")), None), "the team sees note photos too");
        assert!(may_see(&photo(1), Some(&user(42, "customer")), None));
        assert!(!may_see(&photo(1), Some(&user(43, "customer")), None), "another customer");
        assert!(may_see(&photo(1), None, Some(3)));
        assert!(!may_see(&photo(1), None, Some(4)), "a token for another request");
        assert!(!may_see(&photo(1), None, None));
        assert!(!may_see(&photo(0), Some(&user(42, "customer")), Some(3)), "internal: never the customer side");
    }
}
