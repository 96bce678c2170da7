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
    pub technician_id: Option<i64>,
    pub confirmed_day: Option<String>,
    pub confirmed_part: Option<String>,
    pub eta_at: Option<i64>,
    pub first_response_at: Option<i64>,
    /// The language the request was filed in (its notifications use it).
    pub locale: Option<String>,
    /// When the job was first completed, and how often it went back to `needs_revisit`.
    pub completed_at: Option<i64>,
    pub revisits: i64,
}

const REQUEST_COLUMNS: &str = "id, reference, customer_id, name, email, phone, address, category_id, summary, \
                               description, status, version, created_at, technician_id, confirmed_day, \
                               confirmed_part, eta_at, first_response_at, locale, completed_at, revisits";

/// `REQUEST_COLUMNS` qualified with a table alias, for joins.
fn request_columns(alias: &str) -> String {
    REQUEST_COLUMNS.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, FromRow)]
pub struct JobEventRow {
    pub id: i64,
    pub kind: String,
    pub status: Option<String>,
    pub body: Option<String>,
    pub detail: Option<String>,
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

/// A new request's row, without its reference (made from the id).
#[derive(Debug, Clone, serde::Serialize)]
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
    pub locale: &'a str,
}

/// Inserts a request without its reference (which is made from the id: see [`set_reference`]).
pub async fn insert(conn: &mut Conn, new: &NewRequestRow<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO service_requests (idempotency_key, customer_id, name, email, phone, address, category_id, \
         summary, description, status, locale, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, 1, $11, $11) RETURNING id",
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
    .bind(new.locale)
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
        request_columns("r")
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
    /// JSON: the window, ETA or windows the entry is about.
    pub detail: Option<&'a str>,
}

pub async fn add_event(conn: &mut Conn, event: &NewJobEvent<'_>, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO job_events (request_id, kind, status, body, public, actor_id, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(event.request_id)
    .bind(event.kind)
    .bind(event.status)
    .bind(event.body)
    .bind(i64::from(event.public))
    .bind(event.actor_id)
    .bind(event.detail)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// The customer-visible timeline, oldest first. Internal notes never leave this query.
pub async fn public_events(conn: &mut Conn, request_id: i64) -> DbResult<Vec<JobEventRow>> {
    sqlx::query_as(
        "SELECT id, kind, status, body, detail, created_at FROM job_events \
         WHERE request_id = $1 AND public = 1 ORDER BY id",
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

/// The parts of a job that staff and customers change; saved all at once under the version check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStateRow {
    pub status: String,
    pub technician_id: Option<i64>,
    pub confirmed_day: Option<String>,
    pub confirmed_part: Option<String>,
    pub eta_at: Option<i64>,
}

/// Saves the job's state if nobody changed it since `expected_version`; false when someone did.
/// `first_response`: this change answers the customer, which starts no clock twice. The first completion
/// and every move into `needs_revisit` are kept on the row for the KPIs (time to resolution, first-time fix).
pub async fn save_state(
    conn: &mut Conn,
    id: i64,
    state: &JobStateRow,
    expected_version: i64,
    first_response: bool,
    now: i64,
) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE service_requests SET status = $1, technician_id = $2, confirmed_day = $3, confirmed_part = $4, \
         eta_at = $5, version = version + 1, updated_at = $6, \
         first_response_at = CASE WHEN $7 = 1 THEN COALESCE(first_response_at, $6) ELSE first_response_at END, \
         completed_at = CASE WHEN $1 = 'completed' THEN COALESCE(completed_at, $6) ELSE completed_at END, \
         revisits = revisits + CASE WHEN $1 = 'needs_revisit' AND status <> 'needs_revisit' THEN 1 ELSE 0 END \
         WHERE id = $8 AND version = $9",
    )
    .bind(&state.status)
    .bind(state.technician_id)
    .bind(&state.confirmed_day)
    .bind(&state.confirmed_part)
    .bind(state.eta_at)
    .bind(now)
    .bind(i64::from(first_response))
    .bind(id)
    .bind(expected_version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a new proposal of preferred windows (`(day, part)` as stored); earlier proposals are kept but
/// superseded.
pub async fn propose_windows(conn: &mut Conn, request_id: i64, windows: &[(String, &str)], now: i64) -> DbResult<()> {
    sqlx::query("UPDATE request_windows SET superseded = 1 WHERE request_id = $1 AND superseded = 0")
        .bind(request_id)
        .execute(&mut *conn)
        .await?;
    for (day, part) in windows {
        sqlx::query(
            "INSERT INTO request_windows (request_id, day, part, superseded, created_at) VALUES ($1, $2, $3, 0, $4)",
        )
        .bind(request_id)
        .bind(day)
        .bind(*part)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The customer's current preferred windows, `(day, part)`, in the order given.
pub async fn current_windows(conn: &mut Conn, request_id: i64) -> DbResult<Vec<(String, String)>> {
    sqlx::query_as("SELECT day, part FROM request_windows WHERE request_id = $1 AND superseded = 0 ORDER BY id")
        .bind(request_id)
        .fetch_all(conn)
        .await
}

/// A signed-in customer's own requests, newest first.
pub async fn by_customer(conn: &mut Conn, customer_id: i64, limit: i64) -> DbResult<Vec<RequestRow>> {
    sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM service_requests WHERE customer_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(customer_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Gives the requests filed under `email` without an account to the customer who just proved they own
/// that address. Returns how many were attached.
pub async fn attach_to_customer(conn: &mut Conn, email: &str, customer_id: i64) -> DbResult<u64> {
    let done = sqlx::query("UPDATE service_requests SET customer_id = $1 WHERE email = $2 AND customer_id IS NULL")
        .bind(customer_id)
        .bind(email)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The whole timeline for staff, internal notes included, with who did each step.
#[derive(Debug, Clone, FromRow)]
pub struct StaffEventRow {
    pub id: i64,
    pub kind: String,
    pub status: Option<String>,
    pub body: Option<String>,
    pub detail: Option<String>,
    pub public: i64,
    pub actor: Option<String>,
    pub created_at: i64,
}

pub async fn all_events(conn: &mut Conn, request_id: i64) -> DbResult<Vec<StaffEventRow>> {
    sqlx::query_as(
        "SELECT e.id, e.kind, e.status, e.body, e.detail, e.public, COALESCE(u.display_name, u.email) AS actor, \
         e.created_at \
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

/// The staff board's filters; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub status: Option<String>,
    pub category_id: Option<i64>,
    /// `Some(0)`: jobs nobody is assigned to.
    pub technician_id: Option<i64>,
    /// `met`, `on_track`, `due_soon` or `breached` (see `domain::sla`).
    pub sla: Option<String>,
    /// Matches reference, name, email or address, ignoring case.
    pub search: Option<String>,
}

/// One line of the board: the job, its category's target and the technician's name.
#[derive(Debug, Clone, FromRow)]
pub struct BoardRow {
    pub id: i64,
    pub reference: Option<String>,
    pub summary: String,
    pub name: String,
    pub email: String,
    pub address: String,
    pub status: String,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub category: String,
    pub first_response_hours: i64,
    pub technician: Option<String>,
    pub eta_at: Option<i64>,
    pub confirmed_day: Option<String>,
    pub confirmed_part: Option<String>,
}

/// The board: newest first, at most `limit`, filtered. The SLA conditions mirror `domain::sla::sla_state`.
pub async fn board(conn: &mut Conn, filter: &BoardFilter, now: i64, limit: i64) -> DbResult<Vec<BoardRow>> {
    const DUE: &str = "(r.created_at + c.first_response_hours * 3600000)";
    let mut sql = String::from(
        "SELECT r.id, r.reference, r.summary, r.name, r.email, r.address, r.status, r.created_at, \
         r.first_response_at, c.name AS category, c.first_response_hours, COALESCE(u.display_name, u.email) AS technician, \
         r.eta_at, r.confirmed_day, r.confirmed_part \
         FROM service_requests r JOIN categories c ON c.id = r.category_id LEFT JOIN users u ON u.id = r.technician_id \
         WHERE 1 = 1",
    );
    let mut n = 1;
    // Appends a clause whose `?` (one or more uses of the same value) becomes the next numbered parameter.
    let mut param = |sql: &mut String, clause: &str| {
        sql.push_str(&clause.replace('?', &format!("${n}")));
        if clause.contains('?') {
            n += 1;
        }
    };
    let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(super::like_contains);
    if filter.status.is_some() {
        param(&mut sql, " AND r.status = ?");
    }
    if filter.category_id.is_some() {
        param(&mut sql, " AND r.category_id = ?");
    }
    match filter.technician_id {
        Some(0) => sql.push_str(" AND r.technician_id IS NULL"),
        Some(_) => param(&mut sql, " AND r.technician_id = ?"),
        None => {}
    }
    if search.is_some() {
        param(
            &mut sql,
            " AND (LOWER(r.reference) LIKE LOWER(?) ESCAPE '\\' OR LOWER(r.name) LIKE LOWER(?) ESCAPE '\\' \
             OR LOWER(r.email) LIKE LOWER(?) ESCAPE '\\' OR LOWER(r.address) LIKE LOWER(?) ESCAPE '\\')",
        );
    }
    let sla = match filter.sla.as_deref() {
        Some("met") => Some(format!("r.first_response_at IS NOT NULL AND r.first_response_at <= {DUE}")),
        Some("breached") => {
            Some(format!("((r.first_response_at IS NULL AND ? > {DUE}) OR r.first_response_at > {DUE})"))
        }
        Some("due_soon") => {
            Some(format!("r.first_response_at IS NULL AND ? <= {DUE} AND ? > {DUE} - c.first_response_hours * 900000"))
        }
        Some("on_track") => {
            Some(format!("r.first_response_at IS NULL AND ? <= {DUE} - c.first_response_hours * 900000"))
        }
        _ => None,
    };
    let uses_now = sla.as_deref().is_some_and(|s| s.contains('?'));
    if let Some(sla) = &sla {
        param(&mut sql, &format!(" AND {sla}"));
    }
    param(&mut sql, " ORDER BY r.id DESC LIMIT ?");
    let mut query = sqlx::query_as::<_, BoardRow>(&sql);
    if let Some(status) = &filter.status {
        query = query.bind(status.clone());
    }
    if let Some(category) = filter.category_id {
        query = query.bind(category);
    }
    if let Some(technician) = filter.technician_id.filter(|t| *t != 0) {
        query = query.bind(technician);
    }
    if let Some(search) = search {
        query = query.bind(search);
    }
    if uses_now {
        query = query.bind(now);
    }
    query.bind(limit).fetch_all(conn).await
}

/// A category as the admin page shows it, inactive ones included.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CategoryAdminRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub first_response_hours: i64,
    pub position: i64,
    pub active: i64,
}

pub async fn all_categories(conn: &mut Conn) -> DbResult<Vec<CategoryAdminRow>> {
    sqlx::query_as(
        "SELECT id, slug, name, first_response_hours, position, active FROM categories ORDER BY position, id",
    )
    .fetch_all(conn)
    .await
}

/// Changes a category's name, first-response target and whether new requests can choose it.
pub async fn update_category(conn: &mut Conn, id: i64, name: &str, hours: i64, active: bool) -> DbResult<bool> {
    let done = sqlx::query("UPDATE categories SET name = $1, first_response_hours = $2, active = $3 WHERE id = $4")
        .bind(name)
        .bind(hours)
        .bind(i64::from(active))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a category at the end of the list; `None` when the slug is taken.
pub async fn insert_category(conn: &mut Conn, slug: &str, name: &str, hours: i64) -> DbResult<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO categories (slug, name, first_response_hours, position, active) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), 1) \
         ON CONFLICT (slug) DO NOTHING RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(hours)
    .fetch_optional(conn)
    .await
}
