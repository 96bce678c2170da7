//! The SLA-breach alert: when a request's first-response target passes with no answer from the team, the
//! assigned technician (or, with nobody assigned, every active staff member and admin) is mailed. Staff
//! mail is in English.
use serde::{Deserialize, Serialize};

use super::{schedule, Failure, JobKind, Outcome};
use crate::domain::job::JobStatus;
use crate::domain::sla::due_at;
use crate::domain::time::format_utc;
use crate::i18n::{td_string, Locale};
use crate::server::config::Config;
use crate::server::db::{outbox, requests, users, Conn, DbResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub request_id: i64,
}

/// A new request's alert: due at its first-response deadline, one per request (its id is the job's key).
pub struct Alert {
    pub dedupe_key: String,
    pub run_at: i64,
    pub payload: Payload,
}

impl Alert {
    pub fn for_request(request_id: i64, created_at: i64, target_hours: i64) -> Self {
        Self {
            dedupe_key: request_id.to_string(),
            run_at: due_at(created_at, target_hours),
            payload: Payload { request_id },
        }
    }
}

/// Schedules the alert for a new request at its first-response deadline, in the caller's transaction.
pub async fn schedule_for(conn: &mut Conn, request_id: i64, created_at: i64, target_hours: i64) -> DbResult<()> {
    let alert = Alert::for_request(request_id, created_at, target_hours);
    schedule(
        conn,
        JobKind::SlaBreachAlert,
        &alert.dedupe_key,
        Some(request_id),
        alert.run_at,
        &alert.payload,
        created_at,
    )
    .await
    .map(|_| ())
}

/// Who hears of the breach: the assigned technician while they are active, else the whole team.
async fn recipients(conn: &mut Conn, technician_id: Option<i64>) -> DbResult<Vec<String>> {
    if let Some(id) = technician_id {
        if let Some(user) = users::find_by_id(conn, id).await?.filter(|u| u.disabled_at.is_none()) {
            return Ok(vec![user.email]);
        }
    }
    let mut emails = users::active_emails_with_role(conn, "staff").await?;
    emails.extend(users::active_emails_with_role(conn, "admin").await?);
    emails.sort();
    emails.dedup();
    Ok(emails)
}

/// Mails the alert if the request still has no first response (and was not cancelled) at its deadline,
/// measured against the category's target as it is now: a target raised since postpones the alert.
pub async fn run(conn: &mut Conn, config: &Config, payload: Payload, now: i64) -> Result<Outcome, Failure> {
    let Some(row) = requests::by_id(conn, payload.request_id).await? else {
        return Ok(Outcome::Done);
    };
    if row.first_response_at.is_some() || row.status == JobStatus::Cancelled.as_str() {
        return Ok(Outcome::Done);
    }
    let category = requests::category(conn, row.category_id).await?.ok_or_else(|| Failure("no category".into()))?;
    let due = due_at(row.created_at, category.first_response_hours);
    if now < due {
        return Ok(Outcome::Later(due));
    }
    let locale = Locale::en;
    let reference = row.reference.clone().unwrap_or_default();
    let subject = format!("{} {reference}", td_string!(locale, scheduler.sla_alert_subject));
    let body = format!(
        "{}\n\n{}: {reference}\n{}: {} ({} h)\n{}: {} UTC\n{}: {}\n\n{}",
        td_string!(locale, scheduler.sla_alert_intro),
        td_string!(locale, mail.reference),
        td_string!(locale, scheduler.sla_alert_category),
        category.name,
        category.first_response_hours,
        td_string!(locale, scheduler.sla_alert_due),
        format_utc(due),
        td_string!(locale, mail.summary),
        row.summary,
        config.link(&format!("/staff/jobs/{}", row.id)),
    );
    for recipient in recipients(conn, row.technician_id).await? {
        let mail = outbox::NewMail { kind: "sla_alert", recipient: &recipient, subject: &subject, body_text: &body };
        outbox::insert(conn, &mail, now).await?;
    }
    Ok(Outcome::Done)
}
