//! The scheduler's admin page: what is scheduled, what ran and what failed, and retrying failed jobs
//! (admin role).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::AppError;

/// One scheduled job as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledSummary {
    pub id: i64,
    pub kind: String,
    pub key: String,
    /// The service request the job is about (its reference links to the job page).
    pub request_id: Option<i64>,
    pub reference: Option<String>,
    pub run_at: i64,
    /// Claimed by a runner right now.
    pub running: bool,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulerOverview {
    pub upcoming: Vec<ScheduledSummary>,
    pub failed: Vec<ScheduledSummary>,
    pub done: Vec<ScheduledSummary>,
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::scheduler::ListedRow> for ScheduledSummary {
    fn from(row: crate::server::db::scheduler::ListedRow) -> Self {
        Self {
            id: row.id,
            running: row.status == crate::server::db::scheduler::Status::Running.as_str(),
            kind: row.kind,
            key: row.dedupe_key,
            request_id: row.request_id,
            reference: row.reference,
            run_at: row.run_at,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            last_error: row.last_error,
            finished_at: row.finished_at,
        }
    }
}

/// The most jobs each list shows.
pub const LIST_LIMIT: i64 = 100;

#[server(prefix = "/api", endpoint = "admin/scheduler")]
pub async fn list_scheduled() -> Result<SchedulerOverview, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::scheduler::{list, Status};

    require(|u| u.is_admin())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let upcoming = list(&mut conn, &[Status::Pending, Status::Running], LIST_LIMIT).await.map_err(db_error)?;
    let failed = list(&mut conn, &[Status::Failed], LIST_LIMIT).await.map_err(db_error)?;
    let done = list(&mut conn, &[Status::Done], LIST_LIMIT).await.map_err(db_error)?;
    let summaries = |rows: Vec<_>| rows.into_iter().map(ScheduledSummary::from).collect();
    Ok(SchedulerOverview { upcoming: summaries(upcoming), failed: summaries(failed), done: summaries(done) })
}

/// Runs a failed job again now, with its attempts counted afresh, or an upcoming one now instead of later.
#[server(prefix = "/api", endpoint = "admin/scheduler/retry")]
pub async fn retry_scheduled(id: i64) -> Result<(), AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::server::{now_ms, scheduler};

    require(|u| u.is_admin())?;
    let (state, now) = (state(), now_ms());
    let retried = scheduler::retry(&state.db, id, now).await.map_err(db_error)?;
    if !retried && !scheduler::run_now(&state.db, id, now).await.map_err(db_error)? {
        return Err(fail(AppError::NotFound));
    }
    state.scheduler_wake.notify_one();
    leptos_axum::redirect("/admin/scheduler?retried=1");
    Ok(())
}
