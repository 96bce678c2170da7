//! Service requests, their categories, tracking tokens and timeline.
use sqlx::FromRow;

use super::{Conn, DbResult};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub first_response_hours: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub reference: Option<String>,
    pub customer_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: String,
    pub category_id: i64,
    pub summary: String,
    pub description: String,
    pub status: String,
    pub version: i64,
    pub created_at: i64,
}

const REQUEST_COLUMNS: &str = "id, reference, customer_id, name, email, phone, address, category_id, summary, \
                               description, status, version, created_at";

#[derive(Debug, Clone, FromRow)]
pub struct JobEventRow {
    pub id: i64,
    pub kind: String,
    pub status: Option<String>,
    pub body: Option<String>,
    pub created_at: i64,
}

/// Active categories in display order.
pub async fn categories(conn: &mut Conn) -> DbResult<Vec<CategoryRow>> {
    sqlx::query_as("SELECT id, slug, name, first_response_hours FROM categories WHERE active = 1 ORDER BY position, id")
        .fetch_all(conn)
        .await
}

pub async fn category(conn: &mut Conn, id: i64) -> DbResult<Option<CategoryRow>> {
    sqlx::query_as("SELECT id, slug, name, first_response_hours FROM categories WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Times to first response (ms) of the category's requests created since `since`, at most `limit`.
pub async fn recent_first_responses(conn: &mut Conn, category_id: i64, since: i64, limit: i64) -> DbResult<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT first_response_at - created_at FROM service_requests \
         WHERE category_id = $1 AND created_at >= $2 AND first_response_at IS NOT NULL \
         ORDER BY created_at DESC LIMIT $3",
    )
    .bind(category_id)
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub struct NewRequestRow<'a> {
    pub idempotency_key: &'a str,
    pub customer_id: Option<i64>,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
    pub address: &'a str,
    pub category_id: i64,
    pub summary: &'a str,
    pub description: &'a str,
    pub status: &'a str,
}

/// Inserts a request without its reference (which is made from the id: see [`set_reference`]).
pub async fn insert(conn: &mut Conn, new: &NewRequestRow<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO service_requests (idempotency_key, customer_id, name, email, phone, address, category_id, \
         summary, description, status, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id",
    )
    .bind(new.idempotency_key)
    .bind(new.customer_id)
    .bind(new.name)
    .bind(new.email)
    .bind(new.phone)
    .bind(new.address)
    .bind(new.category_id)
    .bind(new.summary)
    .bind(new.description)
    .bind(new.status)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn set_reference(conn: &mut Conn, id: i64, reference: &str) -> DbResult<()> {
    sqlx::query("UPDATE service_requests SET reference = $1 WHERE id = $2")
        .bind(reference)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn by_idempotency_key(conn: &mut Conn, key: &str) -> DbResult<Option<RequestRow>> {
    sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} FROM service_requests WHERE idempotency_key = $1"))
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub async fn add_token(conn: &mut Conn, token_hash: &str, request_id: i64, now: i64) -> DbResult<()> {
    sqlx::query("INSERT INTO request_tokens (token_hash, request_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(request_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The one request a tracking token opens.
pub async fn by_token(conn: &mut Conn, token_hash: &str) -> DbResult<Option<RequestRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM service_requests r JOIN request_tokens t ON t.request_id = r.id WHERE t.token_hash = $1",
        REQUEST_COLUMNS.split(", ").map(|c| format!("r.{}", c.trim())).collect::<Vec<_>>().join(", ")
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// One timeline entry; `public: false` marks an internal note.
pub struct NewJobEvent<'a> {
    pub request_id: i64,
    pub kind: &'a str,
    pub status: Option<&'a str>,
    pub body: Option<&'a str>,
    pub public: bool,
    pub actor_id: Option<i64>,
}

pub async fn add_event(conn: &mut Conn, event: &NewJobEvent<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO job_events (request_id, kind, status, body, public, actor_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(event.request_id)
    .bind(event.kind)
    .bind(event.status)
    .bind(event.body)
    .bind(i64::from(event.public))
    .bind(event.actor_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The customer-visible timeline, oldest first. Internal notes never leave this query.
pub async fn public_events(conn: &mut Conn, request_id: i64) -> DbResult<Vec<JobEventRow>> {
    sqlx::query_as(
        "SELECT id, kind, status, body, created_at FROM job_events WHERE request_id = $1 AND public = 1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> DbResult<Option<RequestRow>> {
    sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} FROM service_requests WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The newest requests first (the staff board).
pub async fn recent(conn: &mut Conn, limit: i64) -> DbResult<Vec<RequestRow>> {
    sqlx::query_as(&format!("SELECT {REQUEST_COLUMNS} FROM service_requests ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Moves the request to `status` if nobody changed it since `expected_version`; false when someone did.
/// The first staff action also records the first response.
pub async fn set_status(conn: &mut Conn, id: i64, status: &str, expected_version: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE service_requests SET status = $1, version = version + 1, updated_at = $2, \
         first_response_at = COALESCE(first_response_at, $2) WHERE id = $3 AND version = $4",
    )
    .bind(status)
    .bind(now)
    .bind(id)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The whole timeline for staff, internal notes included, with who did each step.
#[derive(Debug, Clone, FromRow)]
pub struct StaffEventRow {
    pub id: i64,
    pub kind: String,
    pub status: Option<String>,
    pub body: Option<String>,
    pub public: i64,
    pub actor: Option<String>,
    pub created_at: i64,
}

pub async fn all_events(conn: &mut Conn, request_id: i64) -> DbResult<Vec<StaffEventRow>> {
    sqlx::query_as(
        "SELECT e.id, e.kind, e.status, e.body, e.public, COALESCE(u.display_name, u.email) AS actor, e.created_at \
         FROM job_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.request_id = $1 ORDER BY e.id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// The first public answer to the customer (a status change or a reply) starts no clock twice.
pub async fn mark_first_response(conn: &mut Conn, id: i64, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE service_requests SET first_response_at = COALESCE(first_response_at, $1) WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}
