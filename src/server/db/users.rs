//! Users and their roles.
use sqlx::FromRow;

use super::{Conn, DbResult};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: Option<String>,
    pub roles: String,
    pub password_hash: Option<String>,
    pub locale: Option<String>,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, email, display_name, roles, password_hash, locale, disabled_at, created_at, updated_at";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub roles: &'a str,
    pub password_hash: Option<&'a str>,
}

/// Inserts a user; a taken email fails with a unique violation (see [`super::is_unique_violation`]).
pub async fn insert(conn: &mut Conn, user: &NewUser<'_>, now: i64) -> DbResult<UserRow> {
    sqlx::query_as(&format!(
        "INSERT INTO users (email, display_name, roles, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.roles)
    .bind(user.password_hash)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn find_by_email(conn: &mut Conn, email: &str) -> DbResult<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1")).bind(email).fetch_optional(conn).await
}

pub async fn find_by_id(conn: &mut Conn, id: i64) -> DbResult<Option<UserRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// All users, team first, then by email (sorted here: the backends collate text differently).
pub async fn list(conn: &mut Conn) -> DbResult<Vec<UserRow>> {
    let mut rows: Vec<UserRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM users")).fetch_all(conn).await?;
    rows.sort_by(|a, b| (a.roles == "customer", &a.email).cmp(&(b.roles == "customer", &b.email)));
    Ok(rows)
}

/// Creates a customer account for `email` unless one exists (two sign-in links used at the same moment
/// must not collide), and returns the account either way.
pub async fn ensure_customer(conn: &mut Conn, email: &str, now: i64) -> DbResult<UserRow> {
    sqlx::query(
        "INSERT INTO users (email, roles, created_at, updated_at) VALUES ($1, 'customer', $2, $2)          ON CONFLICT (email) DO NOTHING",
    )
    .bind(email)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    find_by_email(conn, email).await?.ok_or(sqlx::Error::RowNotFound)
}

// Roles are stored as a sorted comma list; this matches `role` as a whole item ($1..$4, see `role_patterns`).
const HAS_ROLE: &str = "(roles = $1 OR roles LIKE $2 OR roles LIKE $3 OR roles LIKE $4)";

fn role_patterns(role: &str) -> [String; 4] {
    [role.to_owned(), format!("{role},%"), format!("%,{role}"), format!("%,{role},%")]
}

/// Users that hold `role` and are not disabled.
pub async fn count_active_with_role(conn: &mut Conn, role: &str) -> DbResult<i64> {
    let [a, b, c, d] = role_patterns(role);
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE disabled_at IS NULL AND {HAS_ROLE}"))
        .bind(a)
        .bind(b)
        .bind(c)
        .bind(d)
        .fetch_one(conn)
        .await
}

/// Active users holding `role` as `(id, display name or email)`, by name: e.g. the technicians a job can
/// be assigned to.
pub async fn active_with_role(conn: &mut Conn, role: &str) -> DbResult<Vec<(i64, String)>> {
    let [a, b, c, d] = role_patterns(role);
    sqlx::query_as(&format!(
        "SELECT id, COALESCE(display_name, email) AS name FROM users WHERE disabled_at IS NULL AND {HAS_ROLE} \
         ORDER BY name, id"
    ))
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(d)
    .fetch_all(conn)
    .await
}

pub async fn set_roles(conn: &mut Conn, id: i64, roles: &str, now: i64) -> DbResult<bool> {
    let done = sqlx::query("UPDATE users SET roles = $1, updated_at = $2 WHERE id = $3")
        .bind(roles)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_disabled(conn: &mut Conn, id: i64, disabled_at: Option<i64>, now: i64) -> DbResult<bool> {
    let done = sqlx::query("UPDATE users SET disabled_at = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled_at)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password_hash(conn: &mut Conn, id: i64, hash: &str, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_display_name(conn: &mut Conn, id: i64, name: Option<&str>, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The email addresses of active users holding `role`, sorted.
pub async fn active_emails_with_role(conn: &mut Conn, role: &str) -> DbResult<Vec<String>> {
    let [a, b, c, d] = role_patterns(role);
    sqlx::query_scalar(&format!("SELECT email FROM users WHERE disabled_at IS NULL AND {HAS_ROLE} ORDER BY email"))
        .bind(a)
        .bind(b)
        .bind(c)
        .bind(d)
        .fetch_all(conn)
        .await
}
