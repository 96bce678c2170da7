//! Single-use sign-in links. Only a SHA-256 of the token is stored.
use super::{Conn, DbResult};

pub async fn insert(conn: &mut Conn, token_hash: &str, email: &str, now: i64, expires_at: i64) -> DbResult<()> {
    sqlx::query("INSERT INTO magic_links (token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(email)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks the link used and returns its email, atomically: of two concurrent uses only one gets the email.
pub async fn consume(conn: &mut Conn, token_hash: &str, now: i64) -> DbResult<Option<String>> {
    sqlx::query_scalar(
        "UPDATE magic_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING email",
    )
    .bind(now)
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Whether the link could still be used (for the landing page; does not consume it).
pub async fn is_usable(conn: &mut Conn, token_hash: &str, now: i64) -> DbResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM magic_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn delete_expired(conn: &mut Conn, now: i64) -> DbResult<u64> {
    let done = sqlx::query("DELETE FROM magic_links WHERE expires_at <= $1").bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}
