//! Customers' mail preferences and the private links that change them.
use super::{Conn, DbResult};

/// `(updates, surveys)` as stored, if the customer ever chose.
pub async fn get(conn: &mut Conn, email: &str) -> DbResult<Option<(String, i64)>> {
    sqlx::query_as("SELECT updates, surveys FROM mail_preferences WHERE email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await
}

pub async fn set(conn: &mut Conn, email: &str, updates: &str, surveys: bool, now: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO mail_preferences (email, updates, surveys, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET updates = excluded.updates, surveys = excluded.surveys, \
         updated_at = excluded.updated_at",
    )
    .bind(email)
    .bind(updates)
    .bind(i64::from(surveys))
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn add_token(conn: &mut Conn, token_hash: &str, email: &str, now: i64) -> DbResult<()> {
    sqlx::query("INSERT INTO preference_tokens (token_hash, email, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(email)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The email address a preferences link is for.
pub async fn email_for(conn: &mut Conn, token_hash: &str) -> DbResult<Option<String>> {
    sqlx::query_scalar("SELECT email FROM preference_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}
