//! Service requests: the form's data, submitting, and tracking by private link.
// A form post's fields arrive as one argument each (that is what works without JavaScript).
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::job::JobStatus;
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

/// Files a request (no account needed) and sends the browser to its private tracking page.
#[server(prefix = "/api", endpoint = "requests/create")]
pub async fn create_request(
    name: String,
    email: String,
    phone: String,
    address: String,
    category: String,
    summary: String,
    description: String,
    idempotency_key: String,
) -> Result<(), AppError> {
    use super::guard::{auth, db_error, fail, parts, rate_limit, state};
    use crate::domain::request::RequestInput;
    use crate::server::requests::{submit_in, SubmitError};
    use crate::server::{now_ms, security::request_locale};

    // Strangers can post this form: limit per address (and per email below, once parsed).
    rate_limit("request", None)?;
    let input = RequestInput { name, email, phone, address, category, summary, description };
    let state = state();
    let locale = request_locale(&parts().headers);
    let user = auth().user;
    let (bus, config, now) = (state.bus.clone(), state.config.clone(), now_ms());
    // Committed together with whatever other submissions are queued (see `server::submissions`).
    let submitted = state
        .submissions
        .submit(move |tx| {
            Box::pin(
                async move { submit_in(tx, &bus, &config, &input, &idempotency_key, user.as_ref(), locale, now).await },
            )
        })
        .await
        .map_err(|e| match e {
            SubmitError::Invalid(errors) => fail(AppError::Invalid(errors)),
            SubmitError::Db(e) => db_error(e),
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
    pub at: i64,
}

/// A request as its tracking link shows it. Contains nothing internal.
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
    pub timeline: Vec<TimelineEntry>,
    /// The newest live-event id when this was read: the page follows the job's stream from there.
    pub live_since: i64,
}

/// The job behind a tracking token: that one job only, whoever asks.
#[server(prefix = "/api", endpoint = "requests/track")]
pub async fn track_request(token: String) -> Result<TrackedRequest, AppError> {
    use super::guard::{db_error, fail, state};
    use crate::server::{now_ms, requests::track};

    let tracked = track(&state().db, &token, now_ms()).await.map_err(db_error)?;
    let Some(t) = tracked else {
        return Err(fail(AppError::NotFound));
    };
    Ok(TrackedRequest {
        reference: t.request.reference.unwrap_or_default(),
        status: JobStatus::parse(&t.request.status).unwrap_or(JobStatus::Received),
        summary: t.request.summary,
        description: t.request.description,
        category: t.category.name,
        address: t.request.address,
        created_at: t.request.created_at,
        expected_first_response_hours: t.expected_hours,
        live_since: t.live_since,
        timeline: t
            .events
            .into_iter()
            .map(|e| TimelineEntry {
                id: e.id,
                kind: e.kind,
                status: e.status.as_deref().and_then(JobStatus::parse),
                body: e.body,
                at: e.created_at,
            })
            .collect(),
    })
}
