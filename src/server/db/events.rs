//! The persisted event log behind live updates: SSE replays from it after a reconnect.
use sqlx::FromRow;

use super::{Conn, DbResult};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub topic: String,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, topic, kind, payload, created_at";

pub async fn insert(conn: &mut Conn, topic: &str, kind: &str, payload: &str, now: i64) -> DbResult<EventRow> {
    sqlx::query_as(&format!(
        "INSERT INTO events (topic, kind, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(topic)
    .bind(kind)
    .bind(payload)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Events of `topic` after `after_id`, oldest first.
pub async fn since(conn: &mut Conn, topic: &str, after_id: i64, limit: i64) -> DbResult<Vec<EventRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM events WHERE topic = $1 AND id > $2 ORDER BY id LIMIT $3"))
        .bind(topic)
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Events of any topic after `after_id` (the PostgreSQL listener's catch-up after its own reconnect).
pub async fn all_since(conn: &mut Conn, after_id: i64, limit: i64) -> DbResult<Vec<EventRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The newest events of `topic`, newest first.
pub async fn latest(conn: &mut Conn, topic: &str, limit: i64) -> DbResult<Vec<EventRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM events WHERE topic = $1 ORDER BY id DESC LIMIT $2"))
        .bind(topic)
        .bind(limit)
        .fetch_all(conn)
        .await
}

pub async fn max_id(conn: &mut Conn) -> DbResult<i64> {
    sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM events").fetch_one(conn).await
}

/// Wakes the event listeners of every instance on PostgreSQL (delivered at commit).
pub async fn pg_notify(conn: &mut Conn, channel: &str) -> DbResult<()> {
    sqlx::query("SELECT pg_notify($1, '')").bind(channel).execute(conn).await.map(|_| ())
}
