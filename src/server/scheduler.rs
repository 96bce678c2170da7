//! The durable scheduler: delayed jobs kept in the database (`scheduled_jobs`), so they survive restarts and
//! run once even with several instances.
//!
//! A job is scheduled with [`schedule`] inside the transaction of the change that causes it (a change that
//! rolls back schedules nothing). A [`Runner`] beside the server claims the jobs that are due under a lease,
//! runs each in its own transaction and marks it done **in that same transaction**, so a job's writes (its
//! mail in the outbox) commit exactly when it is recorded as done. A failure rolls back, and the job is tried
//! again after an exponential backoff, up to its maximum attempts; then it is `failed` and an admin can retry
//! it from `/admin/scheduler`. A runner that dies mid-run leaves its lease to expire, and then any runner
//! claims the job again.
//!
//! Adding a kind: a variant in [`JobKind`] (with its name, in `domain::scheduled`), its module here with a
//! `run`, one arm in [`dispatch`], and its name on the admin page (`ui::pages::admin_scheduler`).
pub mod reminder;
pub mod sla_alert;
pub mod surveys;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use serde::Serialize;

use crate::domain::feedback::SurveyKind;
use crate::server::config::Config;
use crate::server::db::scheduler::{self as db, NewScheduled, ScheduledRow};
use crate::server::db::{Conn, Db, DbResult};

pub use crate::domain::scheduled::JobKind;

/// How often a job is tried before it is `failed`.
pub const MAX_ATTEMPTS: i64 = 6;
/// The wait after the first failure; it doubles after each further one, up to [`MAX_BACKOFF_MS`].
pub const BASE_BACKOFF_MS: i64 = 60_000;
pub const MAX_BACKOFF_MS: i64 = 6 * 3_600_000;
/// How long a claim holds a job: a runner that has not finished by then is presumed dead.
pub const LEASE_MS: i64 = 5 * 60_000;
/// Jobs claimed per round trip.
const BATCH: i64 = 32;
/// The runner looks for due jobs at least this often (new jobs may be scheduled while it waits).
const POLL: Duration = Duration::from_secs(30);
/// The longest `last_error` kept.
const ERROR_MAX: usize = 500;

/// The wait before the next try after `attempts` failed ones.
pub fn backoff_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    BASE_BACKOFF_MS.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_MS)
}

/// Schedules `kind` under `key` at `run_at` with `payload`, in the caller's transaction. The same
/// (kind, key) scheduled again replaces the earlier job (new time, new payload, attempts afresh) instead of
/// adding a second one. `request_id` names the service request the job is about, if any.
pub async fn schedule(
    conn: &mut Conn,
    kind: JobKind,
    key: &str,
    request_id: Option<i64>,
    run_at: i64,
    payload: &impl Serialize,
    now: i64,
) -> DbResult<i64> {
    let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let job = NewScheduled {
        kind: kind.as_str(),
        dedupe_key: key,
        request_id,
        payload: &payload,
        run_at,
        max_attempts: MAX_ATTEMPTS,
    };
    db::upsert(conn, &job, now).await
}

/// Cancels the (kind, key) job if it has not run yet.
pub async fn cancel(conn: &mut Conn, kind: JobKind, key: &str, now: i64) -> DbResult<bool> {
    db::cancel(conn, kind.as_str(), key, now).await
}

/// Runs a failed job again at `now`, with its attempts counted afresh (an admin's retry from the page).
/// False when there is no such failed job.
pub async fn retry(db: &Db, id: i64, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    db::retry(&mut conn, id, now).await
}

/// Runs a pending job at `now` instead of its time (an admin's "run now"). False when there is no such
/// pending job.
pub async fn run_now(db: &Db, id: i64, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    db::run_now(&mut conn, id, now).await
}

/// What a job that ran asks for next.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Finished (including "nothing to do any more").
    Done,
    /// Not yet: run again at this time (e.g. the SLA target was raised after the alert was scheduled).
    Later(i64),
}

/// Why a run failed: kept in `last_error` for the admin page.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure(format!("database: {e}"))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure(format!("payload: {e}"))
    }
}

/// Runs one claimed job inside the runner's transaction.
async fn dispatch(conn: &mut Conn, config: &Config, job: &ScheduledRow, now: i64) -> Result<Outcome, Failure> {
    let kind = JobKind::parse(&job.kind).ok_or_else(|| Failure(format!("unknown kind {:?}", job.kind)))?;
    match kind {
        JobKind::AppointmentReminder => reminder::run(conn, config, serde_json::from_str(&job.payload)?, now).await,
        JobKind::SlaBreachAlert => sla_alert::run(conn, config, serde_json::from_str(&job.payload)?, now).await,
        JobKind::FixHeldFollowup => {
            surveys::run(conn, config, SurveyKind::FixHeld, serde_json::from_str(&job.payload)?, now).await
        }
        JobKind::SalienceSurvey => {
            surveys::run(conn, config, SurveyKind::Salience, serde_json::from_str(&job.payload)?, now).await
        }
    }
}

/// What one pass of the runner did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Jobs claimed.
    pub claimed: usize,
    /// Jobs that finished and were marked done.
    pub done: usize,
    /// Jobs that failed (to be retried, or failed for good).
    pub failed: usize,
}

/// How one claimed job ended.
enum Ran {
    /// Done, or postponed as it asked.
    Done,
    Failed,
    /// Someone else holds the job now (this claim's lease expired), or it was moved or cancelled meanwhile:
    /// the work was rolled back.
    Superseded,
}

/// Claims and runs due jobs. Time is passed in (`now`) so tests drive it without waiting.
#[derive(Clone, Debug)]
pub struct Runner {
    db: Db,
    config: Arc<Config>,
    lease_ms: i64,
    /// Notified when an admin moves a job to now: the runner stops sleeping.
    wake: Arc<tokio::sync::Notify>,
}

impl Runner {
    pub fn new(db: Db, config: Arc<Config>) -> Self {
        Self { db, config, lease_ms: LEASE_MS, wake: Arc::default() }
    }

    /// Shares the runner's wake-up with whoever may make a job due early.
    pub fn with_wake(mut self, wake: Arc<tokio::sync::Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// One pass at `now`: claims what is due (in batches until nothing is left) and runs it.
    pub async fn run_due(&self, now: i64) -> DbResult<Pass> {
        let mut pass = Pass::default();
        loop {
            let claimed = {
                let mut conn = self.db.acquire().await?;
                db::fail_exhausted(&mut conn, now).await?;
                db::claim_due(&mut conn, self.db.backend(), now, now + self.lease_ms, BATCH).await?
            };
            for job in &claimed {
                match self.run_one(job, now).await {
                    Ok(Ran::Done) => pass.done += 1,
                    Ok(Ran::Failed) => pass.failed += 1,
                    Ok(Ran::Superseded) => {}
                    // Its lease runs out and the job is claimed again.
                    Err(e) => tracing::warn!(job = job.id, kind = %job.kind, error = %e, "scheduled job not recorded"),
                }
            }
            pass.claimed += claimed.len();
            if (claimed.len() as i64) < BATCH {
                return Ok(pass);
            }
        }
    }

    /// Runs one claimed job: its work and its "done" commit together; a failure rolls the work back and is
    /// recorded with the next try's time.
    async fn run_one(&self, job: &ScheduledRow, now: i64) -> DbResult<Ran> {
        let lease = job.claimed_until.unwrap_or_default();
        let mut tx = self.db.begin().await?;
        // A panicking job must not take the runner (and every later job) down with it.
        let result = AssertUnwindSafe(dispatch(&mut tx, &self.config, job, now))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(Failure("the job panicked".into())));
        let recorded = match &result {
            Ok(Outcome::Done) => db::finish(&mut tx, job.id, lease, now).await?,
            Ok(Outcome::Later(at)) => db::postpone(&mut tx, job.id, lease, *at, now).await?,
            Err(_) => false,
        };
        if recorded {
            tx.commit().await?;
            tracing::info!(job = job.id, kind = %job.kind, key = %job.dedupe_key, "scheduled job ran");
            return Ok(Ran::Done);
        }
        tx.rollback().await?;
        let Err(Failure(error)) = result else {
            // Someone else holds the job now (our lease expired), or it was moved or cancelled meanwhile.
            tracing::info!(job = job.id, "scheduled job changed hands while running; its work was rolled back");
            return Ok(Ran::Superseded);
        };
        let retry_at = (job.attempts < job.max_attempts).then(|| now + backoff_ms(job.attempts));
        tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, %error, ?retry_at, "scheduled job failed");
        let error: String = error.chars().take(ERROR_MAX).collect();
        let mut conn = self.db.acquire().await?;
        db::record_failure(&mut conn, job.id, lease, &error, retry_at, now).await?;
        Ok(Ran::Failed)
    }

    /// Runs forever: a pass, then a sleep until the next job is due (at most [`POLL`]).
    pub async fn run(self) {
        loop {
            let now = crate::server::now_ms();
            if let Err(e) = self.run_due(now).await {
                tracing::warn!(error = %e, "the scheduler could not run due jobs");
            }
            let next = match self.db.acquire().await {
                Ok(mut conn) => db::next_due(&mut conn).await.ok().flatten(),
                Err(_) => None,
            };
            let wait = next.map_or(POLL, |at| {
                let ms = (at - crate::server::now_ms()).clamp(1_000, POLL.as_millis() as i64);
                Duration::from_millis(ms as u64)
            });
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 120_000);
        assert_eq!(backoff_ms(3), 240_000);
        assert_eq!(backoff_ms(0), 60_000);
        assert_eq!(backoff_ms(40), MAX_BACKOFF_MS);
    }
}
