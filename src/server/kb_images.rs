//! Images in help articles. Editors upload them on an article's edit page; they pass the same content check
//! as request photos (`domain::photo::check`, applied while the form is read) and go to the same store under
//! server-made names. `GET /api/kb-images/{id}` serves them with the photos' safe headers: to everyone while
//! the article is published (cacheable), to editors only before that. The Markdown sanitizer lets an
//! article show images from that path and nowhere else ([`IMAGE_PATH`]).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::domain::photo::ImageKind;
use crate::domain::Role;
use crate::server::db::{kb, kb_images};
use crate::server::photos::download::{image_response, not_found};
use crate::server::photos::submit::{remove, store_all};
use crate::server::photos::upload::CheckedPhoto;
use crate::server::photos::StoreError;
use crate::server::security::{request_id, Auth};
use crate::server::state::AppState;

/// Where article images are served from; `<img src>` in an article must be this followed by an id.
pub const IMAGE_PATH: &str = "/api/kb-images/";

/// The address of an image.
pub fn image_url(id: i64) -> String {
    format!("{IMAGE_PATH}{id}")
}

#[derive(Debug)]
pub enum ImageError {
    NotFound,
    Store(StoreError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for ImageError {
    fn from(e: sqlx::Error) -> Self {
        ImageError::Db(e)
    }
}

/// Stores checked images for an article and records them; returns their ids. Nothing is kept when the
/// article does not exist or recording fails.
pub async fn upload(
    state: &AppState,
    editor_id: i64,
    article_id: i64,
    images: &[CheckedPhoto],
    now: i64,
) -> Result<Vec<i64>, ImageError> {
    let mut conn = state.db.acquire().await?;
    if kb::editor_article(&mut conn, article_id).await?.is_none() {
        return Err(ImageError::NotFound);
    }
    drop(conn);
    let stored = store_all(state, images).await.map_err(ImageError::Store)?;
    let recorded = async {
        let mut tx = state.db.begin().await?;
        let mut ids = Vec::new();
        for image in &stored {
            ids.push(kb_images::insert(&mut tx, article_id, image, editor_id, now).await?);
        }
        tx.commit().await?;
        Ok::<_, sqlx::Error>(ids)
    }
    .await;
    if recorded.is_err() {
        remove(state, &stored).await;
    }
    Ok(recorded?)
}

/// Published articles' images may sit in shared caches for a day; others are for editors' eyes only.
const PUBLIC_CACHE: &str = "public, max-age=86400";
const EDITOR_CACHE: &str = "private, no-store";

pub async fn handler(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(auth): Extension<Auth>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found() };
    let editor = auth.user.as_ref().is_some_and(|u| u.has(Role::Editor));
    match serve(&state, id, editor).await {
        Ok(Some(response)) => response,
        Ok(None) => not_found(),
        Err(error) => {
            tracing::error!(request_id = %request_id(&headers), image = id, %error, "article image download failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn serve(
    state: &AppState,
    id: i64,
    editor: bool,
) -> Result<Option<Response>, Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = state.db.acquire().await?;
    let Some(image) = kb_images::by_id(&mut conn, id).await? else { return Ok(None) };
    let published = kb::editor_article(&mut conn, image.article_id).await?.is_some_and(|a| a.status == "published");
    drop(conn);
    if !published && !editor {
        return Ok(None);
    }
    let Some(kind) = ImageKind::from_mime(&image.content_type) else { return Ok(None) };
    let object = match state.photos.get(&image.object_key).await {
        Ok(object) => object,
        Err(object_store::Error::NotFound { .. }) => {
            tracing::error!(image = id, key = %image.object_key, "a recorded article image is missing from the store");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let cache = if published { PUBLIC_CACHE } else { EDITOR_CACHE };
    Ok(Some(image_response(object, kind, &format!("image-{id}"), cache)?))
}
