//! The notification outbox: mails are written here in the transaction of the change that causes them, and a
//! delivery worker (`server::mail`) claims, sends and marks them. Every attempt is kept in `outbox_attempts`.
use sqlx::FromRow;

use super::{Backend, Conn, DbResult};

/// A mail as the outbox holds it.
#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub message_id: Option<String>,
    /// How it was sent: `smtp` or `dev` (the development mailbox).
    pub transport: Option<String>,
}

const COLUMNS: &str = "id, kind, recipient, subject, body_text, body_html, created_at, sent_at, status, attempts, \
                       next_attempt_at, last_error, message_id, transport";

pub struct NewMail<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

/// Queues a plain-text mail (due at once) in the caller's transaction; returns its id.
pub async fn insert(conn: &mut Conn, mail: &NewMail<'_>, now: i64) -> DbResult<i64> {
    insert_with_html(conn, mail, None, now).await
}

/// Queues a mail with an HTML body beside its text (sent as alternatives), like [`insert`].
pub async fn insert_with_html(conn: &mut Conn, mail: &NewMail<'_>, body_html: Option<&str>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, created_at, status, attempts, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6) RETURNING id",
    )
    .bind(mail.kind)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(body_html)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// A recipient's latest mails, newest first.
pub async fn recent_for(conn: &mut Conn, recipient: &str, limit: i64) -> DbResult<Vec<OutboxRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT $2"))
        .bind(recipient)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The latest mails of everyone, newest first (the development mailbox).
pub async fn recent(conn: &mut Conn, limit: i64) -> DbResult<Vec<OutboxRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1")).bind(limit).fetch_all(conn).await
}

pub async fn find(conn: &mut Conn, id: i64) -> DbResult<Option<OutboxRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// A mail a worker holds a lease on, with what it needs to send it.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub message_id: String,
    pub created_at: i64,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// Leases up to `limit` due mails to `worker` until `lease_until`, oldest due first, and fixes each one's
/// Message-ID on its first claim (`<outbox.ID.CREATED@domain>`), so a resend carries the same one.
///
/// A mail is due when it is pending, its next attempt time has come and no unexpired lease holds it. On
/// PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances claim at once without ever taking the same row
/// (a row another claim has locked is skipped; one it has committed is re-checked and no longer due); SQLite
/// runs one write at a time anyway.
pub async fn claim_due(
    conn: &mut Conn,
    backend: Backend,
    worker: &str,
    domain: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> DbResult<Vec<ClaimedMail>> {
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE outbox SET claimed_by = $1, claimed_until = $2, \
         message_id = COALESCE(message_id, '<outbox.' || CAST(id AS TEXT) || '.' || CAST(created_at AS TEXT) || '@' || $3 || '>') \
         WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $4 \
                      AND (claimed_until IS NULL OR claimed_until <= $4) \
                      ORDER BY next_attempt_at, id LIMIT $5 {lock}) \
         RETURNING id, recipient, subject, body_text, body_html, message_id, created_at, attempts"
    );
    let mut claimed: Vec<ClaimedMail> =
        sqlx::query_as(&sql).bind(worker).bind(lease_until).bind(domain).bind(now).bind(limit).fetch_all(conn).await?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

/// One delivery attempt, for the log of attempts.
pub struct NewAttempt<'a> {
    pub outbox_id: i64,
    pub worker: &'a str,
    pub transport: &'a str,
    /// `sent`, `temporary` or `permanent`.
    pub outcome: &'a str,
    /// The server's reply or the error.
    pub reply: Option<&'a str>,
}

pub async fn add_attempt(conn: &mut Conn, attempt: &NewAttempt<'_>, at: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO outbox_attempts (outbox_id, at, worker, transport, outcome, reply) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(attempt.outbox_id)
    .bind(at)
    .bind(attempt.worker)
    .bind(attempt.transport)
    .bind(attempt.outcome)
    .bind(attempt.reply)
    .execute(conn)
    .await?;
    Ok(())
}

/// Where a mail goes after an attempt.
pub enum Next<'a> {
    Sent { transport: &'a str },
    Retry { at: i64, error: &'a str },
    Failed { error: &'a str },
}

/// Records the result of `worker`'s attempt and releases its lease. Only the lease holder of a pending mail
/// changes it (a worker whose lease ran out and was taken over changes nothing): returns whether it did.
pub async fn finish(conn: &mut Conn, id: i64, worker: &str, next: &Next<'_>, now: i64) -> DbResult<bool> {
    const MINE: &str = "WHERE id = $1 AND claimed_by = $2 AND status = 'pending'";
    const RELEASE: &str = "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL";
    let (set, value, text) = match next {
        Next::Sent { transport } => {
            ("status = 'sent', sent_at = $3, transport = $4, last_error = NULL", now, *transport)
        }
        Next::Retry { at, error } => ("next_attempt_at = $3, last_error = $4", *at, *error),
        Next::Failed { error } => ("status = 'failed', next_attempt_at = $3, last_error = $4", now, *error),
    };
    let sql = format!("UPDATE outbox SET {set}, {RELEASE} {MINE}");
    let done = sqlx::query(&sql).bind(id).bind(worker).bind(value).bind(text).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// One row of a mail's attempt log.
#[derive(Debug, Clone, FromRow)]
pub struct AttemptRow {
    pub at: i64,
    pub worker: String,
    pub transport: String,
    pub outcome: String,
    pub reply: Option<String>,
}

/// A mail's attempts, oldest first.
pub async fn attempts(conn: &mut Conn, outbox_id: i64) -> DbResult<Vec<AttemptRow>> {
    sqlx::query_as("SELECT at, worker, transport, outcome, reply FROM outbox_attempts WHERE outbox_id = $1 ORDER BY id")
        .bind(outbox_id)
        .fetch_all(conn)
        .await
}
