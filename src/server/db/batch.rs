//! Multi-row writes for a batch of request submissions (`server::submissions`): one statement per table for
//! the whole batch instead of one per submission, because the writer is bound by round trips, not by rows.
//!
//! The rows travel as one JSON array parameter, read by SQLite's `json_each` and PostgreSQL's
//! `jsonb_to_recordset`, so a statement's text is the same for any batch size and stays prepared on the
//! connection. Every row carries its position `i`; inserting in that order keeps ids (and so references,
//! windows and mails) in the order the submissions were queued.
use serde::Serialize;

use super::requests::NewRequestRow;
use super::{Backend, Conn, DbResult};

/// How a JSON field is read back on PostgreSQL (SQLite takes the JSON value's own type).
#[derive(Clone, Copy)]
enum Ty {
    Text,
    Int,
}

use Ty::{Int, Text};

/// `SELECT` of the fields `cols` (plus `i`) of every object in the JSON array `$1`, as the derived table `r`.
fn rows_from_json(backend: Backend, cols: &[(&str, Ty)]) -> String {
    match backend {
        Backend::Sqlite => {
            let fields: Vec<String> = cols.iter().map(|(name, _)| format!("j.value ->> '{name}' AS {name}")).collect();
            format!("(SELECT j.value ->> 'i' AS i, {} FROM json_each($1) AS j) AS r", fields.join(", "))
        }
        Backend::Postgres => {
            let defs: Vec<String> = cols
                .iter()
                .map(|(name, ty)| format!("{name} {}", if matches!(ty, Int) { "BIGINT" } else { "TEXT" }))
                .collect();
            format!("jsonb_to_recordset(CAST($1 AS JSONB)) AS r(i BIGINT, {})", defs.join(", "))
        }
    }
}

/// `INSERT INTO table (columns) SELECT values FROM <the JSON rows> ORDER BY i <tail>`. `values` may name the
/// JSON fields as `r.<field>` and add constants. (`WHERE true` keeps SQLite from reading an `ON CONFLICT`
/// tail as a join constraint.)
fn insert_sql(backend: Backend, table: &str, columns: &str, values: &str, cols: &[(&str, Ty)], tail: &str) -> String {
    format!(
        "INSERT INTO {table} ({columns}) SELECT {values} FROM {} WHERE true ORDER BY r.i {tail}",
        rows_from_json(backend, cols)
    )
}

/// A row with its position in the batch.
#[derive(Serialize)]
struct Indexed<'a, T> {
    i: usize,
    #[serde(flatten)]
    row: &'a T,
}

fn json<T: Serialize>(rows: &[T]) -> DbResult<String> {
    let indexed: Vec<Indexed<'_, T>> = rows.iter().enumerate().map(|(i, row)| Indexed { i, row }).collect();
    serde_json::to_string(&indexed).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// A request to insert and when it was filed.
#[derive(Serialize)]
pub struct TimedRequest<'a> {
    #[serde(flatten)]
    pub row: NewRequestRow<'a>,
    pub created_at: i64,
}

/// Inserts the requests (without their references: see [`set_references`]) in the given order. A request
/// whose idempotency key is already taken is skipped, not an error; the answer pairs each inserted id with
/// its key, so the caller sees which were skipped.
pub async fn insert_requests(
    conn: &mut Conn,
    backend: Backend,
    rows: &[TimedRequest<'_>],
) -> DbResult<Vec<(i64, String)>> {
    let cols = [
        ("idempotency_key", Text),
        ("customer_id", Int),
        ("name", Text),
        ("email", Text),
        ("phone", Text),
        ("address", Text),
        ("category_id", Int),
        ("summary", Text),
        ("description", Text),
        ("status", Text),
        ("locale", Text),
        ("created_at", Int),
    ];
    let sql = insert_sql(
        backend,
        "service_requests",
        "idempotency_key, customer_id, name, email, phone, address, category_id, summary, description, status, \
         locale, version, created_at, updated_at",
        "r.idempotency_key, r.customer_id, r.name, r.email, r.phone, r.address, r.category_id, r.summary, \
         r.description, r.status, r.locale, 1, r.created_at, r.created_at",
        &cols,
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key",
    );
    sqlx::query_as(&sql).bind(json(rows)?).fetch_all(conn).await
}

/// The requests filed under any of `keys`: `(id, reference, idempotency key)`.
pub async fn requests_by_keys(
    conn: &mut Conn,
    backend: Backend,
    keys: &[&str],
) -> DbResult<Vec<(i64, Option<String>, String)>> {
    let keys_json = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let keys_sql = match backend {
        Backend::Sqlite => "SELECT value FROM json_each($1)",
        Backend::Postgres => "SELECT jsonb_array_elements_text(CAST($1 AS JSONB))",
    };
    sqlx::query_as(&format!(
        "SELECT id, reference, idempotency_key FROM service_requests WHERE idempotency_key IN ({keys_sql})"
    ))
    .bind(keys_json)
    .fetch_all(conn)
    .await
}

/// A reference for the request `id`.
#[derive(Serialize)]
pub struct NewReference<'a> {
    pub id: i64,
    pub reference: &'a str,
}

/// Gives each request its reference (made from its id, so known only after the insert).
pub async fn set_references(conn: &mut Conn, backend: Backend, rows: &[NewReference<'_>]) -> DbResult<()> {
    let sql = format!(
        "UPDATE service_requests SET reference = r.reference FROM {} WHERE service_requests.id = r.id",
        rows_from_json(backend, &[("id", Int), ("reference", Text)])
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A tracking token (its hash) for a request.
#[derive(Serialize)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub request_id: i64,
    pub created_at: i64,
}

pub async fn insert_tokens(conn: &mut Conn, backend: Backend, rows: &[NewToken<'_>]) -> DbResult<()> {
    let cols = [("token_hash", Text), ("request_id", Int), ("created_at", Int)];
    let sql = insert_sql(
        backend,
        "request_tokens",
        "token_hash, request_id, created_at",
        "r.token_hash, r.request_id, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A preferred window of a new request (`day` and `part` as stored). A new request has no earlier proposal
/// to supersede (`requests::propose_windows` does that for later ones).
#[derive(Serialize)]
pub struct NewWindow<'a> {
    pub request_id: i64,
    pub day: String,
    pub part: &'a str,
    pub created_at: i64,
}

/// Inserts the windows in the given order (the customer's order, which `current_windows` reads back).
pub async fn insert_windows(conn: &mut Conn, backend: Backend, rows: &[NewWindow<'_>]) -> DbResult<()> {
    let cols = [("request_id", Int), ("day", Text), ("part", Text), ("created_at", Int)];
    let sql = insert_sql(
        backend,
        "request_windows",
        "request_id, day, part, superseded, created_at",
        "r.request_id, r.day, r.part, 0, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A scheduler job (`db::scheduler::upsert`'s row, with the time it is scheduled at).
#[derive(Serialize)]
pub struct NewScheduledJob<'a> {
    pub kind: &'a str,
    pub dedupe_key: String,
    pub request_id: Option<i64>,
    pub payload: String,
    pub run_at: i64,
    pub max_attempts: i64,
    pub created_at: i64,
}

/// Schedules the jobs; like `db::scheduler::upsert`, a (kind, key) already scheduled is replaced.
pub async fn schedule_jobs(conn: &mut Conn, backend: Backend, rows: &[NewScheduledJob<'_>]) -> DbResult<()> {
    let cols = [
        ("kind", Text),
        ("dedupe_key", Text),
        ("request_id", Int),
        ("payload", Text),
        ("run_at", Int),
        ("max_attempts", Int),
        ("created_at", Int),
    ];
    let sql = insert_sql(
        backend,
        "scheduled_jobs",
        "kind, dedupe_key, request_id, payload, run_at, status, attempts, max_attempts, created_at, updated_at",
        "r.kind, r.dedupe_key, r.request_id, r.payload, r.run_at, 'pending', 0, r.max_attempts, r.created_at, \
         r.created_at",
        &cols,
        "ON CONFLICT (kind, dedupe_key) DO UPDATE SET request_id = excluded.request_id, payload = excluded.payload, \
         run_at = excluded.run_at, status = 'pending', attempts = 0, max_attempts = excluded.max_attempts, \
         last_error = NULL, claimed_until = NULL, finished_at = NULL, updated_at = excluded.updated_at",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A timeline entry (`requests::NewJobEvent` with its time; `public` as 0 or 1).
#[derive(Serialize)]
pub struct NewTimelineEntry<'a> {
    pub request_id: i64,
    pub kind: &'a str,
    pub status: Option<&'a str>,
    pub body: Option<&'a str>,
    pub public: i64,
    pub actor_id: Option<i64>,
    pub detail: Option<&'a str>,
    pub created_at: i64,
}

pub async fn insert_timeline(conn: &mut Conn, backend: Backend, rows: &[NewTimelineEntry<'_>]) -> DbResult<()> {
    let cols = [
        ("request_id", Int),
        ("kind", Text),
        ("status", Text),
        ("body", Text),
        ("public", Int),
        ("actor_id", Int),
        ("detail", Text),
        ("created_at", Int),
    ];
    let sql = insert_sql(
        backend,
        "job_events",
        "request_id, kind, status, body, public, actor_id, detail, created_at",
        "r.request_id, r.kind, r.status, r.body, r.public, r.actor_id, r.detail, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A photo filed with its request (no timeline entry: `event_id` stays NULL), like `photos::insert`.
#[derive(Serialize)]
pub struct NewRequestPhoto<'a> {
    pub request_id: i64,
    pub object_key: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub uploaded_by_user: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_photos(conn: &mut Conn, backend: Backend, rows: &[NewRequestPhoto<'_>]) -> DbResult<()> {
    let cols = [
        ("request_id", Int),
        ("object_key", Text),
        ("content_type", Text),
        ("size_bytes", Int),
        ("uploaded_by_user", Int),
        ("created_at", Int),
    ];
    let sql = insert_sql(
        backend,
        "photos",
        "request_id, object_key, content_type, size_bytes, uploaded_by_user, created_at",
        "r.request_id, r.object_key, r.content_type, r.size_bytes, r.uploaded_by_user, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A mail for the outbox, as `outbox::insert_with_html` writes it.
#[derive(Serialize)]
pub struct NewOutboxMail<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    pub created_at: i64,
}

/// Queues the mails, due at once, in the given order.
pub async fn queue_mails(conn: &mut Conn, backend: Backend, rows: &[NewOutboxMail<'_>]) -> DbResult<()> {
    let cols = [
        ("kind", Text),
        ("recipient", Text),
        ("subject", Text),
        ("body_text", Text),
        ("body_html", Text),
        ("created_at", Int),
    ];
    let sql = insert_sql(
        backend,
        "outbox",
        "kind, recipient, subject, body_text, body_html, created_at, status, attempts, next_attempt_at",
        "r.kind, r.recipient, r.subject, r.body_text, r.body_html, r.created_at, 'pending', 0, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}

/// A live event for the log (`events::insert`'s row).
#[derive(Serialize)]
pub struct NewLiveEvent<'a> {
    pub topic: &'a str,
    pub kind: &'a str,
    pub payload: String,
    pub created_at: i64,
}

/// Appends the events to the log in the given order. Only through `EventBus::append_all`, which takes the
/// event lock first.
pub async fn insert_events(conn: &mut Conn, backend: Backend, rows: &[NewLiveEvent<'_>]) -> DbResult<()> {
    let cols = [("topic", Text), ("kind", Text), ("payload", Text), ("created_at", Int)];
    let sql = insert_sql(
        backend,
        "events",
        "topic, kind, payload, created_at",
        "r.topic, r.kind, r.payload, r.created_at",
        &cols,
        "",
    );
    sqlx::query(&sql).bind(json(rows)?).execute(conn).await.map(|_| ())
}
