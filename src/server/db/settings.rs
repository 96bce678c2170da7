//! Portal-wide settings an admin changes at run time, as key/value text.
use super::{Conn, DbResult};

pub async fn get(conn: &mut Conn, key: &str) -> DbResult<Option<String>> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(conn).await
}

pub async fn set(conn: &mut Conn, key: &str, value: &str, now: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}
