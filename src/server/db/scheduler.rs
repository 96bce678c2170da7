//! The durable scheduler's table (`scheduled_jobs`): delayed jobs, claimed by runners under a lease.
//!
//! A row's life: `pending` → (claimed) `running` → `done`, or back to `pending` with a later `run_at` after a
//! failure, or `failed` once its attempts are used up; `cancelled` when what it was for went away. Every
//! claim counts an attempt and sets a new lease end (`claimed_until`), later than any earlier one: a claim
//! only takes a row whose lease has expired. That lease end fences the claimant: finishing a row checks that
//! its lease is still the current one, so a runner whose lease expired (and whose row someone else claimed,
//! rescheduled or cancelled) changes nothing.
use sqlx::FromRow;

use super::{Backend, Conn, DbResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ScheduledRow {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub request_id: Option<i64>,
    pub payload: String,
    pub run_at: i64,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub claimed_until: Option<i64>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, dedupe_key, request_id, payload, run_at, status, attempts, max_attempts, last_error, \
                       claimed_until, created_at, finished_at";

/// A job to schedule.
pub struct NewScheduled<'a> {
    pub kind: &'a str,
    pub dedupe_key: &'a str,
    /// The service request the job is about, if any (shown on the admin page; the row goes with the request).
    pub request_id: Option<i64>,
    pub payload: &'a str,
    pub run_at: i64,
    pub max_attempts: i64,
}

/// Schedules a job, or moves the one already scheduled under the same (kind, key) to this time and payload,
/// as a fresh pending job (a runner still holding the old one can no longer finish it). Returns its id.
pub async fn upsert(conn: &mut Conn, job: &NewScheduled<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO scheduled_jobs (kind, dedupe_key, request_id, payload, run_at, status, attempts, max_attempts, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7) \
         ON CONFLICT (kind, dedupe_key) DO UPDATE SET request_id = excluded.request_id, payload = excluded.payload, \
         run_at = excluded.run_at, status = 'pending', attempts = 0, max_attempts = excluded.max_attempts, \
         last_error = NULL, claimed_until = NULL, finished_at = NULL, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(job.kind)
    .bind(job.dedupe_key)
    .bind(job.request_id)
    .bind(job.payload)
    .bind(job.run_at)
    .bind(job.max_attempts)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Cancels the (kind, key) job unless it has already run; true when there was one to cancel.
pub async fn cancel(conn: &mut Conn, kind: &str, dedupe_key: &str, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = 'cancelled', claimed_until = NULL, finished_at = $1, updated_at = $1 \
         WHERE kind = $2 AND dedupe_key = $3 AND status IN ('pending', 'running')",
    )
    .bind(now)
    .bind(kind)
    .bind(dedupe_key)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find(conn: &mut Conn, kind: &str, dedupe_key: &str) -> DbResult<Option<ScheduledRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM scheduled_jobs WHERE kind = $1 AND dedupe_key = $2"))
        .bind(kind)
        .bind(dedupe_key)
        .fetch_optional(conn)
        .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> DbResult<Option<ScheduledRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM scheduled_jobs WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// Rows whose lease expired on their last allowed attempt (their runner died each time): failed, not retried.
pub async fn fail_exhausted(conn: &mut Conn, now: i64) -> DbResult<u64> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = 'failed', last_error = COALESCE(last_error, 'lease expired'), \
         claimed_until = NULL, finished_at = $1, updated_at = $1 \
         WHERE status = 'running' AND claimed_until < $1 AND attempts >= max_attempts",
    )
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Claims up to `limit` jobs that are due at `now` (pending with `run_at <= now`, or running under an expired
/// lease), leasing them until `lease_until` and counting the attempt. On PostgreSQL rows another runner is
/// claiming are skipped (`FOR UPDATE SKIP LOCKED`), so each job goes to one runner; SQLite runs one writer at
/// a time anyway.
pub async fn claim_due(
    conn: &mut Conn,
    backend: Backend,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> DbResult<Vec<ScheduledRow>> {
    const DUE: &str = "(status = 'pending' AND run_at <= $2) OR (status = 'running' AND claimed_until < $2 \
                       AND attempts < max_attempts)";
    const SET: &str = "status = 'running', attempts = attempts + 1, claimed_until = $1, updated_at = $2";
    let sql = match backend {
        Backend::Postgres => format!(
            "WITH due AS (SELECT id FROM scheduled_jobs WHERE {DUE} ORDER BY run_at, id LIMIT $3 \
             FOR UPDATE SKIP LOCKED) \
             UPDATE scheduled_jobs j SET {SET} FROM due WHERE j.id = due.id RETURNING {}",
            COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ")
        ),
        Backend::Sqlite => format!(
            "UPDATE scheduled_jobs SET {SET} WHERE id IN \
             (SELECT id FROM scheduled_jobs WHERE {DUE} ORDER BY run_at, id LIMIT $3) RETURNING {COLUMNS}"
        ),
    };
    let mut rows: Vec<ScheduledRow> =
        sqlx::query_as(&sql).bind(lease_until).bind(now).bind(limit).fetch_all(conn).await?;
    rows.sort_by_key(|r| (r.run_at, r.id));
    Ok(rows)
}

/// Marks the claimed job done; false when the claim (its lease end `lease`) is no longer current (the lease expired and
/// someone else claimed the job, or it was rescheduled or cancelled meanwhile): the caller must then roll
/// back what it did.
pub async fn finish(conn: &mut Conn, id: i64, lease: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = 'done', claimed_until = NULL, last_error = NULL, finished_at = $1, \
         updated_at = $1 WHERE id = $2 AND status = 'running' AND claimed_until = $3",
    )
    .bind(now)
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The claimed job should run again at `run_at`: not a failure, so the attempt is not counted.
pub async fn postpone(conn: &mut Conn, id: i64, lease: i64, run_at: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = 'pending', attempts = attempts - 1, run_at = $1, claimed_until = NULL, \
         updated_at = $2 WHERE id = $3 AND status = 'running' AND claimed_until = $4",
    )
    .bind(run_at)
    .bind(now)
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a failed attempt: pending again at `retry_at`, or failed for good when `retry_at` is `None`.
pub async fn record_failure(
    conn: &mut Conn,
    id: i64,
    lease: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = CASE WHEN $1 IS NULL THEN 'failed' ELSE 'pending' END, \
         run_at = COALESCE($1, run_at), last_error = $2, claimed_until = NULL, \
         finished_at = CASE WHEN $1 IS NULL THEN $3 ELSE NULL END, updated_at = $3 \
         WHERE id = $4 AND status = 'running' AND claimed_until = $5",
    )
    .bind(retry_at)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Runs a failed job again at `now`, with its attempts counted afresh. False when the job is not failed.
pub async fn retry(conn: &mut Conn, id: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE scheduled_jobs SET status = 'pending', run_at = $1, attempts = 0, finished_at = NULL, \
         updated_at = $1 WHERE id = $2 AND status = 'failed'",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a pending job's time to `now` (an admin's "run now"); false when there is no such pending job.
pub async fn run_now(conn: &mut Conn, id: i64, now: i64) -> DbResult<bool> {
    let done =
        sqlx::query("UPDATE scheduled_jobs SET run_at = $1, updated_at = $1 WHERE id = $2 AND status = 'pending'")
            .bind(now)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// When the runner next has something to do: the earliest pending `run_at` or running lease expiry.
pub async fn next_due(conn: &mut Conn) -> DbResult<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MIN(t) FROM (SELECT MIN(run_at) AS t FROM scheduled_jobs WHERE status = 'pending' \
         UNION ALL SELECT MIN(claimed_until) AS t FROM scheduled_jobs WHERE status = 'running') m",
    )
    .fetch_one(conn)
    .await
}

/// One row of the admin list, with the reference of the request it is about.
#[derive(Debug, Clone, FromRow)]
pub struct ListedRow {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub request_id: Option<i64>,
    pub reference: Option<String>,
    pub run_at: i64,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub finished_at: Option<i64>,
}

/// Jobs in the given states, at most `limit`: still to run by `run_at` (soonest first), finished ones by
/// when they finished (latest first).
pub async fn list(conn: &mut Conn, statuses: &[Status], limit: i64) -> DbResult<Vec<ListedRow>> {
    let states: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let upcoming = statuses.iter().all(|s| matches!(s, Status::Pending | Status::Running));
    let order = if upcoming { "j.run_at, j.id" } else { "j.finished_at DESC, j.id DESC" };
    sqlx::query_as(&format!(
        "SELECT j.id, j.kind, j.dedupe_key, j.request_id, r.reference, j.run_at, j.status, j.attempts, \
         j.max_attempts, j.last_error, j.finished_at \
         FROM scheduled_jobs j LEFT JOIN service_requests r ON r.id = j.request_id \
         WHERE j.status IN ({}) ORDER BY {order} LIMIT $1",
        states.join(", ")
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}
