//! The staff side of service requests: the board and one job.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::job::JobStatus;
use crate::domain::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: i64,
    pub reference: String,
    pub summary: String,
    pub customer: String,
    pub status: JobStatus,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffTimelineEntry {
    pub id: i64,
    pub kind: String,
    pub status: Option<JobStatus>,
    pub body: Option<String>,
    pub public: bool,
    pub actor: Option<String>,
    pub at: i64,
}

/// One job as staff see it: contact details, the version their changes are based on, the full timeline.
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
    pub summary: String,
    pub description: String,
    pub created_at: i64,
    pub timeline: Vec<StaffTimelineEntry>,
    pub photos: Vec<crate::domain::photo::PhotoRef>,
}

#[cfg(feature = "ssr")]
fn status_of(raw: &str) -> JobStatus {
    JobStatus::parse(raw).unwrap_or(JobStatus::Received)
}

#[server(prefix = "/api", endpoint = "jobs/list")]
pub async fn list_jobs() -> Result<Vec<JobSummary>, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::requests;

    require(|u| u.is_staff())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = requests::recent(&mut conn, 100).await.map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|r| JobSummary {
            id: r.id,
            reference: r.reference.unwrap_or_default(),
            summary: r.summary,
            customer: r.name,
            status: status_of(&r.status),
            created_at: r.created_at,
        })
        .collect())
}

#[server(prefix = "/api", endpoint = "jobs/get")]
pub async fn get_job(id: i64) -> Result<JobDetail, AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::server::db::requests;

    require(|u| u.is_staff())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let Some(r) = requests::by_id(&mut conn, id).await.map_err(db_error)? else {
        return Err(fail(AppError::NotFound));
    };
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
        summary: r.summary,
        description: r.description,
        created_at: r.created_at,
        timeline: timeline
            .into_iter()
            .map(|e| StaffTimelineEntry {
                id: e.id,
                kind: e.kind,
                status: e.status.as_deref().map(status_of),
                body: e.body,
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

/// Moves a job to `status` (allowed transitions only) from the `version` the form was rendered with.
#[server(prefix = "/api", endpoint = "jobs/status")]
pub async fn change_job_status(id: i64, status: String, version: i64) -> Result<(), AppError> {
    use super::guard::{invalid, job_error, require, state};
    use crate::domain::FieldError;
    use crate::server::now_ms;
    use crate::server::requests::change_status;

    let actor = require(|u| u.is_staff())?;
    let Some(target) = JobStatus::parse(&status) else {
        return Err(invalid("status", FieldError::InvalidChoice));
    };
    let state = state();
    change_status(&state.db, &state.bus, &actor, id, target, version, now_ms())
        .await
        .map_err(|e| job_error(e, None))?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}

/// Posts a public reply, or with `internal` checked, a note only the team sees.
#[server(prefix = "/api", endpoint = "jobs/message")]
pub async fn post_job_message(id: i64, body: String, internal: Option<String>) -> Result<(), AppError> {
    use super::guard::{job_error, require, state};
    use crate::server::now_ms;
    use crate::server::requests::add_message;

    let actor = require(|u| u.is_staff())?;
    let state = state();
    add_message(&state.db, &state.bus, &actor, id, &body, internal.is_none(), now_ms())
        .await
        .map_err(|e| job_error(e, Some(&body)))?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(())
}
