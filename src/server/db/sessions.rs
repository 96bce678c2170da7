//! Server-side sessions. Only a SHA-256 of the session id is stored, so a leaked table signs nobody in.
use super::{Conn, DbResult};

pub async fn insert(conn: &mut Conn, id_hash: &str, user_id: i64, now: i64, expires_at: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The user id of a session that has neither reached its absolute expiry nor been idle longer than `idle_ms`.
pub async fn find_live(conn: &mut Conn, id_hash: &str, now: i64, idle_ms: i64) -> DbResult<Option<(i64, i64)>> {
    sqlx::query_as(
        "SELECT user_id, last_seen_at FROM sessions WHERE id_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
    )
    .bind(id_hash)
    .bind(now)
    .bind(now - idle_ms)
    .fetch_optional(conn)
    .await
}

pub async fn touch(conn: &mut Conn, id_hash: &str, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &mut Conn, id_hash: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(conn).await.map(|_| ())
}

pub async fn delete_for_user(conn: &mut Conn, user_id: i64) -> DbResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}

/// Removes sessions past their absolute expiry or idle limit.
pub async fn delete_expired(conn: &mut Conn, now: i64, idle_ms: i64) -> DbResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(now - idle_ms)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
