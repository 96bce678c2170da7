//! The staff side of service requests: the board and one job.
// A form post's fields arrive as one argument each (that is what works without JavaScript).
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::job::JobStatus;
use crate::domain::schedule::Window;
use crate::domain::sla::SlaState;
use crate::domain::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: i64,
    pub reference: String,
    pub summary: String,
    pub customer: String,
    pub category: String,
    pub technician: Option<String>,
    pub status: JobStatus,
    pub sla: SlaState,
    pub due_at: i64,
    pub confirmed: Option<Window>,
    pub eta: Option<i64>,
    pub created_at: i64,
}

/// An `(id, name)` choice for a filter or a select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// The board: the matching jobs and what its filters offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub jobs: Vec<JobSummary>,
    pub categories: Vec<Choice>,
    pub technicians: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffTimelineEntry {
    pub id: i64,
    pub kind: String,
    pub status: Option<JobStatus>,
    pub body: Option<String>,
    pub detail: crate::domain::schedule::EventDetail,
    pub public: bool,
    pub actor: Option<String>,
    pub at: i64,
}

/// One job as staff see it: contact details, the schedule, the version their changes are based on, the full
/// timeline, and who can be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetail {
    pub id: i64,
    pub reference: String,
    pub status: JobStatus,
    pub version: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    pub created_at: i64,
    pub sla: SlaState,
    pub due_at: i64,
    pub windows: Vec<Window>,
    pub confirmed: Option<Window>,
    pub eta: Option<i64>,
    pub technician_id: Option<i64>,
    pub technicians: Vec<Choice>,
    pub timeline: Vec<StaffTimelineEntry>,
    /// The newest live-event id when this was read: the page follows the job's stream from there.
    pub live_since: i64,
    pub photos: Vec<crate::domain::photo::PhotoRef>,
}

#[cfg(feature = "ssr")]
fn status_of(raw: &str) -> JobStatus {
    JobStatus::parse(raw).unwrap_or(JobStatus::Received)
}

/// The board, filtered: `status`, `category` (id), `technician` (id, or `none`), `sla` state and a search
/// over reference, name, email and address. Unknown filter values are ignored, not errors: they come from
/// a shareable URL.
#[server(prefix = "/api", endpoint = "jobs/list")]
pub async fn list_jobs(
    status: Option<String>,
    category: Option<String>,
    technician: Option<String>,
    sla: Option<String>,
    q: Option<String>,
) -> Result<Board, AppError> {
    use super::guard::{db_error, require, state};
    use crate::domain::sla::{due_at, sla_state};
    use crate::server::db::{requests, users};
    use crate::server::now_ms;

    require(|u| u.is_staff())?;
    let filter = requests::BoardFilter {
        status: status.filter(|s| JobStatus::parse(s).is_some()),
        category_id: category.and_then(|c| c.parse().ok()),
        technician_id: technician.and_then(|t| if t == "none" { Some(0) } else { t.parse().ok() }),
        sla: sla.filter(|s| SlaState::parse(s).is_some()),
        search: q.map(|q| q.chars().take(100).collect()),
    };
    let now = now_ms();
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = requests::board(&mut conn, &filter, now, 200).await.map_err(db_error)?;
    let categories = requests::all_categories(&mut conn).await.map_err(db_error)?;
    let technicians = users::active_with_role(&mut conn, "staff").await.map_err(db_error)?;
    Ok(Board {
        jobs: rows
            .into_iter()
            .map(|r| JobSummary {
                id: r.id,
                reference: r.reference.unwrap_or_default(),
                summary: r.summary,
                customer: r.name,
                category: r.category,
                technician: r.technician,
                status: status_of(&r.status),
                sla: sla_state(r.created_at, r.first_response_hours, r.first_response_at, now),
                due_at: due_at(r.created_at, r.first_response_hours),
                confirmed: Window::from_stored(r.confirmed_day.as_deref(), r.confirmed_part.as_deref()),
                eta: r.eta_at,
                created_at: r.created_at,
            })
            .collect(),
        categories: categories.into_iter().map(|c| Choice { id: c.id, name: c.name }).collect(),
        technicians: technicians.into_iter().map(|(id, name)| Choice { id, name }).collect(),
    })
}

#[server(prefix = "/api", endpoint = "jobs/get")]
pub async fn get_job(id: i64) -> Result<JobDetail, AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::domain::schedule::EventDetail;
    use crate::domain::sla::{due_at, sla_state};
    use crate::server::db::{events, requests, users};
    use crate::server::now_ms;
    use crate::server::requests::windows_of;

    require(|u| u.is_staff())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let live_since = events::max_id(&mut conn).await.map_err(db_error)?;
    let Some(r) = requests::by_id(&mut conn, id).await.map_err(db_error)? else {
        return Err(fail(AppError::NotFound));
    };
    let category = requests::category(&mut conn, r.category_id).await.map_err(db_error)?;
    let hours = category.as_ref().map_or(24, |c| c.first_response_hours);
    let windows = windows_of(&requests::current_windows(&mut conn, id).await.map_err(db_error)?);
    let technicians = users::active_with_role(&mut conn, "staff").await.map_err(db_error)?;
    let timeline = requests::all_events(&mut conn, id).await.map_err(db_error)?;
    let photos = crate::server::db::photos::all_for_request(&mut conn, id).await.map_err(db_error)?;
    Ok(JobDetail {
        id: r.id,
        reference: r.reference.unwrap_or_default(),
        status: status_of(&r.status),
        version: r.version,
        name: r.name,
        email: r.email,
        phone: r.phone,
        address: r.address,
        category: category.map(|c| c.name).unwrap_or_default(),
        summary: r.summary,
        description: r.description,
        created_at: r.created_at,
        sla: sla_state(r.created_at, hours, r.first_response_at, now_ms()),
        due_at: due_at(r.created_at, hours),
        windows,
        confirmed: Window::from_stored(r.confirmed_day.as_deref(), r.confirmed_part.as_deref()),
        eta: r.eta_at,
        technician_id: r.technician_id,
        technicians: technicians.into_iter().map(|(id, name)| Choice { id, name }).collect(),
        live_since,
        timeline: timeline
            .into_iter()
            .map(|e| StaffTimelineEntry {
                id: e.id,
                kind: e.kind,
                status: e.status.as_deref().map(status_of),
                body: e.body,
                detail: EventDetail::from_stored(e.detail.as_deref()),
                public: e.public == 1,
                actor: e.actor,
                at: e.created_at,
            })
            .collect(),
        photos: photos
            .into_iter()
            .map(|p| crate::domain::photo::PhotoRef { id: p.id, url: format!("/api/photos/{}", p.id) })
            .collect(),
    })
}

/// Moves a job to `status` (allowed transitions only) from the `version` the form was rendered with; `eta`
/// (`YYYY-MM-DDTHH:MM`, UTC) is required for `en_route`.
#[server(prefix = "/api", endpoint = "jobs/status")]
pub async fn change_job_status(id: i64, status: String, version: i64, eta: Option<String>) -> Result<(), AppError> {
    use super::guard::{invalid, job_error, require, state};
    use crate::domain::FieldError;
    use crate::server::jobs::change_status;
    use crate::server::now_ms;

    let actor = require(|u| u.is_staff())?;
    let Some(target) = JobStatus::parse(&status) else {
        return Err(invalid("status", FieldError::InvalidChoice));
    };
    let state = state();
    change_status(&state.db, &state.bus, &state.config, &actor, id, target, version, eta.as_deref(), now_ms())
        .await
        .map_err(job_error)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// Confirms a window: `choice` is `1`..`3` (one of the customer's) or `other` with `day` and `part`.
#[server(prefix = "/api", endpoint = "jobs/schedule")]
pub async fn schedule_job(
    id: i64,
    version: i64,
    choice: String,
    day: Option<String>,
    part: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{invalid, job_error, require, state};
    use crate::domain::schedule::WindowInput;
    use crate::domain::FieldError;
    use crate::server::jobs::{schedule, WindowChoice};
    use crate::server::now_ms;

    let actor = require(|u| u.is_staff())?;
    let choice = match choice.as_str() {
        "other" => WindowChoice::Other(WindowInput::new(day, part)),
        n => match n.parse() {
            Ok(n) => WindowChoice::Preferred(n),
            Err(_) => return Err(invalid("choice", FieldError::InvalidChoice)),
        },
    };
    let state = state();
    schedule(&state.db, &state.bus, &state.config, &actor, id, version, choice, now_ms()).await.map_err(job_error)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// A delay notice: the new ETA (`YYYY-MM-DDTHH:MM`, UTC) and why.
#[server(prefix = "/api", endpoint = "jobs/delay")]
pub async fn post_delay(id: i64, version: i64, eta: String, reason: String) -> Result<(), AppError> {
    use super::guard::{job_error, require, state};
    use crate::server::jobs::delay;
    use crate::server::now_ms;

    let actor = require(|u| u.is_staff())?;
    let state = state();
    delay(&state.db, &state.bus, &state.config, &actor, id, version, &eta, &reason, now_ms())
        .await
        .map_err(job_error)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// Assigns a technician (a staff member's id), or nobody with an empty value.
#[server(prefix = "/api", endpoint = "jobs/assign")]
pub async fn assign_job(id: i64, version: i64, technician: String) -> Result<(), AppError> {
    use super::guard::{invalid, job_error, require, state};
    use crate::domain::FieldError;
    use crate::server::jobs::assign;
    use crate::server::now_ms;

    let actor = require(|u| u.is_staff())?;
    let technician = match technician.trim() {
        "" => None,
        raw => match raw.parse() {
            Ok(id) => Some(id),
            Err(_) => return Err(invalid("technician", FieldError::InvalidChoice)),
        },
    };
    let state = state();
    assign(&state.db, &state.bus, &state.config, &actor, id, version, technician, now_ms()).await.map_err(job_error)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// Posts a public reply, or with `internal` checked, a note only the team sees.
#[server(prefix = "/api", endpoint = "jobs/message")]
pub async fn post_job_message(id: i64, body: String, internal: Option<String>) -> Result<(), AppError> {
    use super::guard::{job_error, require, state};
    use crate::server::jobs::add_message;
    use crate::server::now_ms;

    let actor = require(|u| u.is_staff())?;
    let state = state();
    add_message(&state.db, &state.bus, &state.config, &actor, id, &body, internal.is_none(), now_ms())
        .await
        .map_err(job_error)?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}
