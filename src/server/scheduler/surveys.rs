//! The feedback follow-ups: "did the fix hold?" and the salience survey, mailed some days after a job was
//! completed (admin settings). A later completion (after another visit) moves them; a job that is open again
//! when they fall due, or a survey already answered, gets nothing.
use serde::{Deserialize, Serialize};

use super::{schedule, Failure, JobKind, Outcome};
use crate::domain::feedback::SurveyKind;
use crate::domain::time::DAY_MS;
use crate::server::config::Config;
use crate::server::db::{Conn, DbResult};
use crate::server::feedback;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub request_id: i64,
}

/// In the transaction that completes a job: both follow-ups, at the configured number of days.
pub async fn after_completion(conn: &mut Conn, request_id: i64, now: i64) -> DbResult<()> {
    let timing = feedback::timing(conn).await?;
    let (key, payload) = (request_id.to_string(), Payload { request_id });
    for (kind, days) in
        [(JobKind::FixHeldFollowup, timing.fix_held_days), (JobKind::SalienceSurvey, timing.salience_days)]
    {
        schedule(conn, kind, &key, Some(request_id), now + days * DAY_MS, &payload, now).await?;
    }
    Ok(())
}

pub async fn run(
    conn: &mut Conn,
    config: &Config,
    kind: SurveyKind,
    payload: Payload,
    now: i64,
) -> Result<Outcome, Failure> {
    feedback::send_followup(conn, config, payload.request_id, kind, now).await?;
    Ok(Outcome::Done)
}
