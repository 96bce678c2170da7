//! The outbox as admins see it (`/admin/outbox`): every mail and how its delivery went. Without SMTP this is
//! the development mailbox, where the mails themselves can be read; with SMTP the bodies stay hidden, since
//! they carry customers' sign-in and tracking links.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::AppError;

/// Mails shown on the list page.
pub const MAILBOX_LIMIT: i64 = 200;

/// One mail in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSummary {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// The list, and whether mails go to the development mailbox (no SMTP configured).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub development: bool,
    pub mails: Vec<MailSummary>,
}

/// One attempt to deliver a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptView {
    pub at: i64,
    pub outcome: String,
    pub reply: Option<String>,
}

/// One mail with its delivery record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDetail {
    pub summary: MailSummary,
    pub message_id: Option<String>,
    pub transport: Option<String>,
    pub last_error: Option<String>,
    /// When a pending mail is tried next.
    pub next_attempt_at: i64,
    /// The plain-text body: only in the development mailbox.
    pub body: Option<String>,
    pub attempts: Vec<AttemptView>,
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::outbox::OutboxRow> for MailSummary {
    fn from(row: crate::server::db::outbox::OutboxRow) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            created_at: row.created_at,
            sent_at: row.sent_at,
        }
    }
}

#[server(prefix = "/api", endpoint = "admin/outbox")]
pub async fn list_outbox() -> Result<Mailbox, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::outbox;

    require(|u| u.is_admin())?;
    let state = state();
    let mut conn = state.db.acquire().await.map_err(db_error)?;
    let rows = outbox::recent(&mut conn, MAILBOX_LIMIT).await.map_err(db_error)?;
    let development = state.config.mail.smtp_url.is_none();
    Ok(Mailbox { development, mails: rows.into_iter().map(MailSummary::from).collect() })
}

#[server(prefix = "/api", endpoint = "admin/outbox/mail")]
pub async fn get_outbox_mail(id: i64) -> Result<MailDetail, AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::server::db::outbox;

    require(|u| u.is_admin())?;
    let state = state();
    let mut conn = state.db.acquire().await.map_err(db_error)?;
    let row = outbox::find(&mut conn, id).await.map_err(db_error)?.ok_or_else(|| fail(AppError::NotFound))?;
    let attempts = outbox::attempts(&mut conn, id).await.map_err(db_error)?;
    let development = state.config.mail.smtp_url.is_none();
    Ok(MailDetail {
        message_id: row.message_id.clone(),
        transport: row.transport.clone(),
        last_error: row.last_error.clone(),
        next_attempt_at: row.next_attempt_at,
        body: development.then(|| row.body_text.clone()),
        attempts: attempts.into_iter().map(|a| AttemptView { at: a.at, outcome: a.outcome, reply: a.reply }).collect(),
        summary: row.into(),
    })
}
