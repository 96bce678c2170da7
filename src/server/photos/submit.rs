//! Filing a request with photos. Everything is checked before anything is kept; then the files go to the
//! store and the request with its photo records is one transaction. When that transaction does not happen
//! (or finds the form was filed before), the files just written are removed again.
use crate::domain::{CurrentUser, FieldErrors};
use crate::i18n::Locale;
use crate::server::db::photos::NewPhoto;
use crate::server::db::requests as requests_db;
use crate::server::requests::{check, SubmitError, Submitted};
use crate::server::state::AppState;
use crate::server::submissions::{Filed, Filing};

use super::upload::UploadedForm;
use super::StoreError;

#[derive(Debug)]
pub enum PhotoSubmitError {
    Submit(SubmitError),
    Store(StoreError),
}

impl From<SubmitError> for PhotoSubmitError {
    fn from(e: SubmitError) -> Self {
        PhotoSubmitError::Submit(e)
    }
}

impl From<sqlx::Error> for PhotoSubmitError {
    fn from(e: sqlx::Error) -> Self {
        PhotoSubmitError::Submit(SubmitError::Db(e))
    }
}

/// Files the request read from a form with its photos. A repeated submission of the same form (same
/// idempotency key) stores no second copy of the photos.
pub async fn submit_with_photos(
    state: &AppState,
    form: UploadedForm,
    customer: Option<&CurrentUser>,
    locale: Locale,
    now: i64,
) -> Result<Submitted, PhotoSubmitError> {
    let UploadedForm { input, idempotency_key, photos, errors: upload_errors } = form;
    let mut conn = state.db.acquire().await?;
    let text_errors = match check(&mut conn, &input, &idempotency_key, now).await {
        Ok(_) => FieldErrors::new(),
        Err(SubmitError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    if !text_errors.is_empty() || !upload_errors.is_empty() {
        // Errors in form order (the photos come last); the typed values as read from the form.
        let mut errors = FieldErrors(text_errors.0, upload_errors.1);
        errors.0.extend(upload_errors.0);
        return Err(SubmitError::Invalid(errors).into());
    }
    let repeat = requests_db::by_idempotency_key(&mut conn, &idempotency_key).await?.is_some();
    drop(conn);

    let to_store = if repeat { &[][..] } else { &photos[..] };
    let stored = store_all(state, to_store).await.map_err(PhotoSubmitError::Store)?;
    // Committed by the submission writer, together with whatever other submissions are queued (see
    // `server::submissions`).
    let filing = Filing { input, idempotency_key, photos: stored.clone(), customer: customer.cloned(), locale, now };
    match state.submissions.file(filing).await {
        Ok(Filed { submitted, new }) => {
            if !new {
                // A copy of a form filed before (perhaps in the same batch): its photos were not recorded.
                remove(state, &stored).await;
            }
            Ok(submitted)
        }
        Err(e) => {
            remove(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Writes checked photos to the store and returns their records; when one fails, those already written are
/// removed again. Article images (`server::kb_images`) are stored through this too.
pub async fn store_all(state: &AppState, photos: &[super::upload::CheckedPhoto]) -> Result<Vec<NewPhoto>, StoreError> {
    let mut stored = Vec::new();
    for photo in photos {
        match state.photos.put(photo.kind, photo.content.clone()).await {
            Ok(object_key) => stored.push(NewPhoto {
                object_key,
                content_type: photo.kind.mime().to_owned(),
                size_bytes: photo.content.len() as i64,
            }),
            Err(e) => {
                remove(state, &stored).await;
                return Err(e);
            }
        }
    }
    Ok(stored)
}

/// Removes the objects of photos that were stored but not recorded.
pub async fn remove(state: &AppState, stored: &[NewPhoto]) {
    let keys: Vec<String> = stored.iter().map(|p| p.object_key.clone()).collect();
    state.photos.delete_all(&keys).await;
}

/// The customer's message on their job with photos: the files go to the store first, then the message and
/// its photo records are one transaction (files of a message that is refused are removed again).
pub async fn reply_with_photos(
    state: &AppState,
    customer: Option<&CurrentUser>,
    access: crate::server::requests::Access<'_>,
    body: &str,
    photos: &[super::upload::CheckedPhoto],
    now: i64,
) -> Result<(), ReplyError> {
    crate::server::jobs::check_customer_reply(&state.db, access, body).await.map_err(ReplyError::Job)?;
    let stored = store_all(state, photos).await.map_err(ReplyError::Store)?;
    let result =
        crate::server::jobs::customer_reply(&state.db, &state.bus, &state.config, customer, access, body, &stored, now)
            .await;
    if result.is_err() {
        remove(state, &stored).await;
    }
    result.map_err(ReplyError::Job)
}

#[derive(Debug)]
pub enum ReplyError {
    Job(crate::server::jobs::JobError),
    Store(StoreError),
}
