//! Images for help articles: editors upload them on the article's edit page (multipart, with or without
//! JavaScript) and put them in the Markdown as `![what it shows](/api/kb-images/<id>)`.
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use crate::domain::AppError;

/// An uploaded image: its address and the Markdown that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleImage {
    pub id: i64,
    pub url: String,
}

impl ArticleImage {
    /// What an editor pastes into the article (the alt text is theirs to write).
    pub fn markdown(&self, alt: &str) -> String {
        format!("![{alt}]({})", self.url)
    }
}

/// The images uploaded for an article, newest first.
#[server(prefix = "/api", endpoint = "editor/images/list")]
pub async fn article_images(id: i64) -> Result<Vec<ArticleImage>, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::kb_images::image_url;

    require(|u| u.has(crate::domain::Role::Editor))?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = crate::server::db::kb_images::for_article(&mut conn, id).await.map_err(db_error)?;
    Ok(rows.into_iter().map(|r| ArticleImage { id: r.id, url: image_url(r.id) }).collect())
}

/// The upload form's text field: which article.
#[cfg(feature = "ssr")]
#[derive(Debug, Default)]
struct ImageForm {
    id: String,
}

#[cfg(feature = "ssr")]
fn image_field<'a>(form: &'a mut ImageForm, name: &str) -> Option<&'a mut String> {
    (name == "id").then_some(&mut form.id)
}

/// Uploads up to five images for the article `id` (the form's `photos` file field, checked by content like
/// request photos) and lands back on its edit page.
#[server(prefix = "/api", endpoint = "editor/images", input = MultipartFormData)]
pub async fn upload_article_image(data: MultipartData) -> Result<(), AppError> {
    use super::guard::{db_error, fail, internal, require, state};
    use crate::domain::FieldError;
    use crate::server::kb_images::{upload, ImageError};
    use crate::server::now_ms;
    use crate::server::photos::upload::read_form;

    let user = require(|u| u.has(crate::domain::Role::Editor))?;
    let Some(multipart) = data.into_inner() else { return Err(fail(AppError::Request("not a form".into()))) };
    let form = read_form(multipart, image_field).await.map_err(|e| {
        tracing::warn!(error = %e, "image upload could not be read");
        fail(AppError::Request("the form could not be read".into()))
    })?;
    let Ok(article_id) = form.input.id.trim().parse::<i64>() else { return Err(fail(AppError::NotFound)) };
    let mut errors = form.errors;
    if errors.is_empty() && form.photos.is_empty() {
        errors.add(crate::domain::photo::FIELD, FieldError::Required);
    }
    if !errors.is_empty() {
        return Err(fail(AppError::Invalid(errors)));
    }
    let state = state();
    upload(&state, user.id, article_id, &form.photos, now_ms()).await.map_err(|e| match e {
        ImageError::NotFound => fail(AppError::NotFound),
        ImageError::Store(e) => internal(e),
        ImageError::Db(e) => db_error(e),
    })?;
    leptos_axum::redirect(&format!("/editor/articles/{article_id}?uploaded=1#images"));
    Ok(())
}
