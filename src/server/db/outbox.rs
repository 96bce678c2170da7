//! The notification outbox: mails are written here in the transaction of the change that causes them.
use sqlx::FromRow;

use super::{Conn, DbResult};

#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

pub struct NewMail<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

pub async fn insert(conn: &mut Conn, mail: &NewMail<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO outbox (kind, recipient, subject, body_text, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(mail.kind)
    .bind(mail.recipient)
    .bind(mail.subject)
    .bind(mail.body_text)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn recent_for(conn: &mut Conn, recipient: &str, limit: i64) -> DbResult<Vec<OutboxRow>> {
    sqlx::query_as(
        "SELECT id, kind, recipient, subject, body_text, created_at, sent_at FROM outbox \
         WHERE recipient = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(conn)
    .await
}
