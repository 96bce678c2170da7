//! The appointment reminder: the customer is mailed 24 hours before their confirmed window, in the language
//! the request was filed in, with a fresh tracking link.
use serde::{Deserialize, Serialize};

use super::{cancel, schedule, Failure, JobKind, Outcome};
use crate::domain::job::JobStatus;
use crate::domain::schedule::Window;
use crate::domain::time::DAY_MS;
use crate::server::config::Config;
use crate::server::db::{requests, Conn, DbResult};
use crate::server::notify::{notify, Notice};

/// How long before the window starts the reminder goes.
pub const BEFORE_MS: i64 = DAY_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub request_id: i64,
    /// The window the reminder is about: if the job's window changed meanwhile, it is not sent.
    pub window: Window,
}

/// One reminder per request.
fn key(request_id: i64) -> String {
    request_id.to_string()
}

/// The window a reminder is due for: a scheduled job's confirmed window.
pub fn remindable(status: JobStatus, confirmed: Option<Window>) -> Option<Window> {
    confirmed.filter(|_| status == JobStatus::Scheduled)
}

/// Keeps the request's reminder in step with its remindable window (see [`remindable`]), in the caller's
/// transaction: a new window moves the reminder to 24 hours before it (or drops it when that time has
/// passed); no window (cancelled, completed, another visit needed) cancels it.
pub async fn sync(conn: &mut Conn, request_id: i64, window: Option<Window>, now: i64) -> DbResult<()> {
    let kind = JobKind::AppointmentReminder;
    match window.map(|w| (w, w.starts_at() - BEFORE_MS)) {
        Some((window, run_at)) if run_at > now => {
            schedule(conn, kind, &key(request_id), Some(request_id), run_at, &Payload { request_id, window }, now)
                .await
                .map(|_| ())
        }
        _ => cancel(conn, kind, &key(request_id), now).await.map(|_| ()),
    }
}

/// Writes the reminder to the outbox, unless the job is no longer scheduled for that window or the window
/// has already begun.
pub async fn run(conn: &mut Conn, config: &Config, payload: Payload, now: i64) -> Result<Outcome, Failure> {
    let Some(row) = requests::by_id(conn, payload.request_id).await? else {
        return Ok(Outcome::Done);
    };
    let status = JobStatus::parse(&row.status).unwrap_or(JobStatus::Received);
    let confirmed = Window::from_stored(row.confirmed_day.as_deref(), row.confirmed_part.as_deref());
    if remindable(status, confirmed) == Some(payload.window) && now < payload.window.starts_at() {
        notify(conn, config, &row, &Notice::Reminder(payload.window), now).await?;
    }
    Ok(Outcome::Done)
}
