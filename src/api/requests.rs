//! Service requests: the form's data, submitting, and tracking by private link.
// A form post's fields arrive as one argument each (that is what works without JavaScript).
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use crate::domain::job::JobStatus;
use crate::domain::photo::PhotoRef;
use crate::domain::schedule::{EventDetail, Window};
use crate::domain::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryOption {
    pub id: i64,
    pub name: String,
    pub first_response_hours: i64,
}

/// What the request form needs: the categories and a fresh idempotency key for this rendering of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFormData {
    pub categories: Vec<CategoryOption>,
    pub idempotency_key: String,
}

#[server(prefix = "/api", endpoint = "requests/form")]
pub async fn request_form() -> Result<RequestFormData, AppError> {
    use super::guard::{db_error, state};
    use crate::server::auth::tokens::random_token;
    use crate::server::db::requests;

    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let categories = requests::categories(&mut conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|c| CategoryOption { id: c.id, name: c.name, first_response_hours: c.first_response_hours })
        .collect();
    Ok(RequestFormData { categories, idempotency_key: random_token() })
}

/// Files a request (no account needed) with up to five photos and sends the browser to its private tracking
/// page. The form carries files, so it posts as multipart, with JavaScript (upload progress) or without.
#[server(prefix = "/api", endpoint = "requests/create", input = MultipartFormData)]
pub async fn create_request(data: MultipartData) -> Result<(), AppError> {
    use super::guard::{auth, db_error, fail, internal, parts, rate_limit, state};
    use crate::server::photos::submit::{submit_with_photos, PhotoSubmitError};
    use crate::server::photos::upload::read_request_form;
    use crate::server::requests::SubmitError;
    use crate::server::{now_ms, security::request_locale};

    // Strangers can post this form: limit per address.
    rate_limit("request", None)?;
    let unreadable = |error: &dyn std::fmt::Display| {
        // A cut-off, malformed or oversized body: the browser's connection is the likely cause.
        tracing::warn!(%error, "request form could not be read");
        let error = fail(AppError::Request("the form could not be read".into()));
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(axum::http::StatusCode::BAD_REQUEST);
        }
        error
    };
    let Some(multipart) = data.into_inner() else { return Err(unreadable(&"not a server-side form")) };
    let form = read_request_form(multipart).await.map_err(|e| unreadable(&e))?;
    let state = state();
    let locale = request_locale(&parts().headers);
    let user = auth().user;
    let submitted = submit_with_photos(&state, form, user.as_ref(), locale, now_ms()).await.map_err(|e| match e {
        PhotoSubmitError::Submit(SubmitError::Invalid(errors)) => fail(AppError::Invalid(errors)),
        PhotoSubmitError::Submit(SubmitError::Db(e)) => db_error(e),
        PhotoSubmitError::Store(e) => internal(e),
    })?;
    tracing::info!(reference = %submitted.reference, "service request filed");
    leptos_axum::redirect(&format!("/track/{}?new=1", submitted.token));
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: String,
    pub status: Option<JobStatus>,
    pub body: Option<String>,
    pub detail: EventDetail,
    pub at: i64,
}

/// A request as its customer sees it. Contains nothing internal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedRequest {
    pub reference: String,
    pub status: JobStatus,
    pub summary: String,
    pub description: String,
    pub category: String,
    pub address: String,
    pub created_at: i64,
    pub expected_first_response_hours: i64,
    /// The customer's current preferred windows.
    pub windows: Vec<Window>,
    /// The window the team confirmed, and the technician's ETA while on the way.
    pub confirmed: Option<Window>,
    pub eta: Option<i64>,
    /// Cancelling and proposing new windows are possible until the technician is on site.
    pub can_change: bool,
    pub timeline: Vec<TimelineEntry>,
    /// The request's photos; each URL carries the tracking token, which is what grants access.
    pub photos: Vec<PhotoRef>,
    /// The newest live-event id when this was read: the page follows the job's stream from there.
    pub live_since: i64,
    /// The satisfaction survey, once the job is completed: the page offers the 1-5 scale.
    pub rating: Option<crate::domain::feedback::SurveyView>,
}

/// How the customer's page names its request: the private tracking token, or (signed in) the request id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKey {
    Token(String),
    Id(i64),
}

impl JobKey {
    /// The page this key opens.
    pub fn path(&self) -> String {
        match self {
            JobKey::Token(token) => format!("/track/{token}"),
            JobKey::Id(id) => format!("/my/requests/{id}"),
        }
    }

    /// The key from a form's hidden fields.
    pub fn from_form(token: Option<String>, id: Option<i64>) -> Option<Self> {
        match (token.filter(|t| !t.is_empty()), id) {
            (Some(token), _) => Some(JobKey::Token(token)),
            (None, Some(id)) => Some(JobKey::Id(id)),
            (None, None) => None,
        }
    }
}

/// Resolves a key to the service's access: a token stands alone; an id needs the signed-in owner.
#[cfg(feature = "ssr")]
pub(crate) fn access<'a>(
    key: &'a Option<JobKey>,
    user: Option<&crate::domain::CurrentUser>,
) -> Result<crate::server::requests::Access<'a>, AppError> {
    use super::guard::fail;
    use crate::server::requests::Access;
    match (key, user) {
        (Some(JobKey::Token(token)), _) => Ok(Access::Token(token)),
        (Some(JobKey::Id(id)), Some(user)) => Ok(Access::Owner { request_id: *id, customer_id: user.id }),
        (Some(JobKey::Id(_)), None) => Err(fail(AppError::Unauthenticated)),
        (None, _) => Err(fail(AppError::NotFound)),
    }
}

/// A photo's address: by tracking link it carries the token; the signed-in owner's session suffices.
#[cfg(feature = "ssr")]
fn photo_url(id: i64, key: Option<&JobKey>) -> String {
    match key {
        Some(JobKey::Token(token)) => format!("/api/photos/{id}?t={token}"),
        _ => format!("/api/photos/{id}"),
    }
}

/// The job behind a key: by token that one job only, whoever asks; by id only the owner's.
#[server(prefix = "/api", endpoint = "requests/track", input = leptos::server_fn::codec::Json)]
pub async fn track_request(key: JobKey) -> Result<TrackedRequest, AppError> {
    use super::guard::{auth, db_error, fail, state};
    use crate::server::{now_ms, requests::track};

    use crate::server::feedback::{view, SurveyKey};

    let user = auth().user;
    let key = Some(key);
    let access = access(&key, user.as_ref())?;
    let (state, now) = (state(), now_ms());
    let db = &state.db;
    let tracked = track(db, access, now).await.map_err(db_error)?;
    let Some(t) = tracked else {
        return Err(fail(AppError::NotFound));
    };
    let rating = view(db, SurveyKey::Job(access), now).await.map_err(db_error)?;
    let status = JobStatus::parse(&t.request.status).unwrap_or(JobStatus::Received);
    Ok(TrackedRequest {
        reference: t.request.reference.unwrap_or_default(),
        status,
        summary: t.request.summary,
        description: t.request.description,
        category: t.category.name,
        address: t.request.address,
        created_at: t.request.created_at,
        expected_first_response_hours: t.expected_hours,
        windows: t.windows,
        confirmed: Window::from_stored(t.request.confirmed_day.as_deref(), t.request.confirmed_part.as_deref()),
        eta: t.request.eta_at.filter(|_| status == JobStatus::EnRoute || status == JobStatus::Scheduled),
        can_change: status.customer_may_cancel(),
        live_since: t.live_since,
        rating,
        photos: t.photos.iter().map(|p| PhotoRef { id: p.id, url: photo_url(p.id, key.as_ref()) }).collect(),
        timeline: t
            .events
            .into_iter()
            .map(|e| TimelineEntry {
                id: e.id,
                kind: e.kind,
                status: e.status.as_deref().and_then(JobStatus::parse),
                body: e.body,
                detail: EventDetail::from_stored(e.detail.as_deref()),
                at: e.created_at,
            })
            .collect(),
    })
}

/// The customer writes to the team about their job, with up to five photos (multipart, like the request
/// form: with JavaScript or without).
#[server(prefix = "/api", endpoint = "requests/reply", input = MultipartFormData)]
pub async fn customer_reply(data: MultipartData) -> Result<(), AppError> {
    use super::guard::{auth, fail, internal, job_error, rate_limit, state};
    use crate::server::now_ms;
    use crate::server::photos::submit::{reply_with_photos, ReplyError};
    use crate::server::photos::upload::read_reply_form;

    rate_limit("customer_job", None)?;
    let Some(multipart) = data.into_inner() else { return Err(fail(AppError::Request("not a form".into()))) };
    let form = read_reply_form(multipart).await.map_err(|e| {
        tracing::warn!(error = %e, "reply form could not be read");
        fail(AppError::Request("the form could not be read".into()))
    })?;
    let user = auth().user;
    let key = JobKey::from_form(Some(form.input.token.clone()), form.input.id.trim().parse().ok());
    let access = access(&key, user.as_ref())?;
    if !form.errors.0.is_empty() {
        let mut errors = form.errors;
        errors.keep("body", &form.input.body);
        return Err(fail(AppError::Invalid(errors)));
    }
    let state = state();
    reply_with_photos(&state, user.as_ref(), access, &form.input.body, &form.photos, now_ms()).await.map_err(|e| {
        match e {
            ReplyError::Job(e) => job_error(e),
            ReplyError::Store(e) => internal(e),
        }
    })?;
    leptos_axum::redirect(&key.map(|k| k.path()).unwrap_or_default());
    Ok(())
}

/// The customer cancels, with a reason, while the technician is not yet on site.
#[server(prefix = "/api", endpoint = "requests/cancel")]
pub async fn customer_cancel(token: Option<String>, id: Option<i64>, reason: String) -> Result<(), AppError> {
    use super::guard::{auth, job_error, rate_limit, state};
    use crate::server::now_ms;

    rate_limit("customer_job", None)?;
    let user = auth().user;
    let key = JobKey::from_form(token, id);
    let state = state();
    crate::server::jobs::customer_cancel(
        &state.db,
        &state.bus,
        &state.config,
        user.as_ref(),
        access(&key, user.as_ref())?,
        &reason,
        now_ms(),
    )
    .await
    .map_err(job_error)?;
    leptos_axum::redirect(&key.map(|k| k.path()).unwrap_or_default());
    Ok(())
}

/// The customer proposes one to three new windows (a reschedule request).
#[server(prefix = "/api", endpoint = "requests/reschedule")]
pub async fn customer_reschedule(
    token: Option<String>,
    id: Option<i64>,
    window1_day: Option<String>,
    window1_part: Option<String>,
    window2_day: Option<String>,
    window2_part: Option<String>,
    window3_day: Option<String>,
    window3_part: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{auth, job_error, rate_limit, state};
    use crate::domain::schedule::WindowInput;
    use crate::server::now_ms;

    rate_limit("customer_job", None)?;
    let user = auth().user;
    let key = JobKey::from_form(token, id);
    let windows = [
        WindowInput::new(window1_day, window1_part),
        WindowInput::new(window2_day, window2_part),
        WindowInput::new(window3_day, window3_part),
    ];
    let state = state();
    let access = access(&key, user.as_ref())?;
    crate::server::jobs::customer_reschedule(
        &state.db,
        &state.bus,
        &state.config,
        user.as_ref(),
        access,
        &windows,
        now_ms(),
    )
    .await
    .map_err(job_error)?;
    leptos_axum::redirect(&key.map(|k| k.path()).unwrap_or_default());
    Ok(())
}

/// One line of "My requests".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRequest {
    pub id: i64,
    pub reference: String,
    pub summary: String,
    pub status: JobStatus,
    pub confirmed: Option<Window>,
    pub created_at: i64,
}

/// The signed-in customer's requests, newest first (including those filed before they had an account, once
/// they signed in by a link sent to that address).
#[server(prefix = "/api", endpoint = "requests/mine")]
pub async fn my_requests() -> Result<Vec<MyRequest>, AppError> {
    use super::guard::{db_error, require_user, state};
    use crate::server::db::requests;

    let user = require_user()?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = requests::by_customer(&mut conn, user.id, 200).await.map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|r| MyRequest {
            id: r.id,
            reference: r.reference.unwrap_or_default(),
            summary: r.summary,
            status: JobStatus::parse(&r.status).unwrap_or(JobStatus::Received),
            confirmed: Window::from_stored(r.confirmed_day.as_deref(), r.confirmed_part.as_deref()),
            created_at: r.created_at,
        })
        .collect())
}
