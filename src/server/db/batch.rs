//! Multi-row writes for a batch of request submissions (`server::submissions`): one statement per table for
//! the whole batch instead of one per submission, because the writer is bound by round trips, not by rows.
//!
//! The rows travel as one JSON array parameter, read by SQLite's `json_each` and PostgreSQL's
//! `jsonb_to_recordset`, so a statement's text is the same for any batch size and stays prepared on the
//! connection. Every row carries its position `i`; inserting in that order keeps ids (and so references,
//! windows and mails) in the order the submissions were queued.
//!
//! The requests are inserted first ([`insert_requests`], with ids from [`categories_and_ids`] and the references
//! made from them): everything else refers to them. The rest of a batch (tokens, windows, alerts, timeline,
//! photos, mails and its live events) is a list of [`Write`]s
//! that [`write_all`] sends as **one** statement on PostgreSQL, each table's write a data-modifying CTE, and
//! one statement per table on SQLite (which has no data-modifying CTEs, and no round trips to save).
use serde::Serialize;

use super::requests::NewRequestRow;
use super::{Backend, Conn, DbResult, Lock};

/// How a JSON field is read back on PostgreSQL (SQLite takes the JSON value's own type).
#[derive(Clone, Copy)]
enum Ty {
    Text,
    Int,
}

use Ty::{Int, Text};

/// `SELECT` of the fields `cols` (plus `i`) of every object in the JSON array parameter `$param`, as the
/// derived table `r`.
fn rows_from_json(backend: Backend, param: usize, cols: &[(&str, Ty)]) -> String {
    match backend {
        Backend::Sqlite => {
            let fields: Vec<String> = cols.iter().map(|(name, _)| format!("j.value ->> '{name}' AS {name}")).collect();
            format!("(SELECT j.value ->> 'i' AS i, {} FROM json_each(${param}) AS j) AS r", fields.join(", "))
        }
        Backend::Postgres => {
            let defs: Vec<String> = cols
                .iter()
                .map(|(name, ty)| format!("{name} {}", if matches!(ty, Int) { "BIGINT" } else { "TEXT" }))
                .collect();
            format!("jsonb_to_recordset(CAST(${param} AS JSONB)) AS r(i BIGINT, {})", defs.join(", "))
        }
    }
}

/// `INSERT INTO table (columns) SELECT values FROM <the JSON rows> ORDER BY i <tail>`. `values` may name the
/// JSON fields as `r.<field>` and add constants. (`WHERE true` keeps SQLite from reading an `ON CONFLICT`
/// tail as a join constraint.)
struct Insert<'a> {
    table: &'a str,
    columns: &'a str,
    values: &'a str,
    fields: &'a [(&'a str, Ty)],
    tail: &'a str,
}

impl Insert<'_> {
    fn sql(&self, backend: Backend, param: usize) -> String {
        self.sql_holding(backend, param, None)
    }

    /// The statement, taking `lock` before it writes on PostgreSQL (SQLite's write lock is the transaction's):
    /// the lock is a one-row derived table beside the JSON rows, so no row can be inserted (nor take its id
    /// from the sequence: the ids are assigned above the sort, once every row has been joined) before it is
    /// held. That saves the round trip of taking it first.
    fn sql_holding(&self, backend: Backend, param: usize, lock: Option<Lock>) -> String {
        let Self { table, columns, values, fields, tail } = self;
        let rows = rows_from_json(backend, param, fields);
        let from = match (backend, lock) {
            (Backend::Postgres, Some(lock)) => {
                format!("(SELECT pg_advisory_xact_lock({})) AS held, {rows}", lock as i64)
            }
            _ => rows,
        };
        format!("INSERT INTO {table} ({columns}) SELECT {values} FROM {from} WHERE true ORDER BY r.i {tail}")
    }
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

/// What a batch reads before it writes: the active categories `(id, first-response target in hours)` and
/// `n` new request ids, ascending and never handed out before. On PostgreSQL one statement: the ids come from
/// the table's sequence. On SQLite they follow the table's AUTOINCREMENT counter, which the insert then moves
/// on, under the write lock every SQLite transaction here holds from its start. Ids of requests that are then
/// not inserted (their form was refused, or their key was taken) are simply never used.
///
/// With its id known before the insert, a request is inserted with its reference: setting the reference
/// afterwards was an update of every new row, which wrote a second entry into each of the table's indexes and,
/// on PostgreSQL, joined the batch to the whole table.
pub async fn categories_and_ids(conn: &mut Conn, backend: Backend, n: usize) -> DbResult<BatchStart> {
    let n = i64::try_from(n).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    match backend {
        Backend::Sqlite => {
            let categories = sqlx::query_as(ACTIVE_CATEGORIES).fetch_all(&mut *conn).await?;
            let last: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM \
                 (SELECT seq FROM sqlite_sequence WHERE name = 'service_requests' \
                  UNION ALL SELECT MAX(id) AS seq FROM service_requests)",
            )
            .fetch_one(conn)
            .await?;
            Ok(BatchStart { categories, ids: (last + 1..=last + n).collect() })
        }
        Backend::Postgres => {
            // A category row has its target; an id row has none.
            let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(&format!(
                "{ACTIVE_CATEGORIES} UNION ALL \
                 SELECT nextval(pg_get_serial_sequence('service_requests', 'id')), NULL FROM generate_series(1, $1)"
            ))
            .bind(n)
            .fetch_all(conn)
            .await?;
            let mut start = BatchStart { categories: Vec::new(), ids: Vec::new() };
            for (id, hours) in rows {
                match hours {
                    Some(hours) => start.categories.push((id, hours)),
                    None => start.ids.push(id),
                }
            }
            start.ids.sort_unstable();
            Ok(start)
        }
    }
}

const ACTIVE_CATEGORIES: &str = "SELECT id, first_response_hours FROM categories WHERE active = 1";

/// What [`categories_and_ids`] reads.
#[derive(Debug)]
pub struct BatchStart {
    /// `(id, first-response target in hours)` of every active category.
    pub categories: Vec<(i64, i64)>,
    /// New request ids, ascending.
    pub ids: Vec<i64>,
}

/// A request to insert: its id (from [`categories_and_ids`]), its reference, and when it was filed.
#[derive(Serialize)]
pub struct TimedRequest<'a> {
    pub id: i64,
    pub reference: &'a str,
    #[serde(flatten)]
    pub row: NewRequestRow<'a>,
    pub created_at: i64,
}

/// Inserts the requests in the given order. A request whose idempotency key is already taken is skipped, not
/// an error; the answer is the ids inserted, so the caller sees which were skipped.
pub async fn insert_requests(conn: &mut Conn, backend: Backend, rows: &[TimedRequest<'_>]) -> DbResult<Vec<i64>> {
    let cols = [
        ("id", Int),
        ("reference", Text),
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
    let sql = Insert {
        table: "service_requests",
        columns: "id, reference, idempotency_key, customer_id, name, email, phone, address, category_id, summary, \
                  description, status, locale, version, created_at, updated_at",
        values: "r.id, r.reference, r.idempotency_key, r.customer_id, r.name, r.email, r.phone, r.address, \
                 r.category_id, r.summary, r.description, r.status, r.locale, 1, r.created_at, r.created_at",
        fields: &cols,
        tail: "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    }
    .sql(backend, 1);
    sqlx::query_scalar(&sql).bind(json(rows)?).fetch_all(conn).await
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

/// One table's share of a batch's writes after its requests: the rows as JSON, for the table's statement.
pub struct Write {
    table: Table,
    json: String,
}

/// The tables a [`Write`] goes to.
#[derive(Clone, Copy)]
enum Table {
    Tokens,
    Windows,
    Jobs,
    Timeline,
    Photos,
    Mails,
    Events,
}

impl Table {
    /// The statement that writes this table's rows from the JSON parameter `$param`.
    fn sql(self, backend: Backend, param: usize) -> String {
        match self {
            Table::Tokens => Insert {
                table: "request_tokens",
                columns: "token_hash, request_id, created_at",
                values: "r.token_hash, r.request_id, r.created_at",
                fields: &[("token_hash", Text), ("request_id", Int), ("created_at", Int)],
                tail: "",
            }
            .sql(backend, param),
            // A new request has no earlier proposal to supersede (`requests::propose_windows` does that for later
            // ones); the customer's order is the one `current_windows` reads back.
            Table::Windows => Insert {
                table: "request_windows",
                columns: "request_id, day, part, superseded, created_at",
                values: "r.request_id, r.day, r.part, 0, r.created_at",
                fields: &[("request_id", Int), ("day", Text), ("part", Text), ("created_at", Int)],
                tail: "",
            }
            .sql(backend, param),
            // Like `db::scheduler::upsert`, a (kind, key) already scheduled is replaced.
            Table::Jobs => Insert {
                table: "scheduled_jobs",
                columns: "kind, dedupe_key, request_id, payload, run_at, status, attempts, max_attempts, created_at, \
                          updated_at",
                values: "r.kind, r.dedupe_key, r.request_id, r.payload, r.run_at, 'pending', 0, r.max_attempts, \
                         r.created_at, r.created_at",
                fields: &[
                    ("kind", Text),
                    ("dedupe_key", Text),
                    ("request_id", Int),
                    ("payload", Text),
                    ("run_at", Int),
                    ("max_attempts", Int),
                    ("created_at", Int),
                ],
                tail: "ON CONFLICT (kind, dedupe_key) DO UPDATE SET request_id = excluded.request_id, \
                       payload = excluded.payload, run_at = excluded.run_at, status = 'pending', attempts = 0, \
                       max_attempts = excluded.max_attempts, last_error = NULL, claimed_until = NULL, \
                       finished_at = NULL, updated_at = excluded.updated_at",
            }
            .sql(backend, param),
            Table::Timeline => Insert {
                table: "job_events",
                columns: "request_id, kind, status, body, public, actor_id, detail, created_at",
                values: "r.request_id, r.kind, r.status, r.body, r.public, r.actor_id, r.detail, r.created_at",
                fields: &[
                    ("request_id", Int),
                    ("kind", Text),
                    ("status", Text),
                    ("body", Text),
                    ("public", Int),
                    ("actor_id", Int),
                    ("detail", Text),
                    ("created_at", Int),
                ],
                tail: "",
            }
            .sql(backend, param),
            // No timeline entry: `event_id` stays NULL, like `photos::insert`.
            Table::Photos => Insert {
                table: "photos",
                columns: "request_id, object_key, content_type, size_bytes, uploaded_by_user, created_at",
                values: "r.request_id, r.object_key, r.content_type, r.size_bytes, r.uploaded_by_user, r.created_at",
                fields: &[
                    ("request_id", Int),
                    ("object_key", Text),
                    ("content_type", Text),
                    ("size_bytes", Int),
                    ("uploaded_by_user", Int),
                    ("created_at", Int),
                ],
                tail: "",
            }
            .sql(backend, param),
            // Due at once, as `outbox::insert_with_html` queues them.
            Table::Mails => Insert {
                table: "outbox",
                columns:
                    "kind, recipient, subject, body_text, body_html, created_at, status, attempts, next_attempt_at",
                values: "r.kind, r.recipient, r.subject, r.body_text, r.body_html, r.created_at, 'pending', 0, \
                         r.created_at",
                fields: &[
                    ("kind", Text),
                    ("recipient", Text),
                    ("subject", Text),
                    ("body_text", Text),
                    ("body_html", Text),
                    ("created_at", Int),
                ],
                tail: "",
            }
            .sql(backend, param),
            // Holds the event lock from here to the commit, as `EventBus::append` does with a statement of its own.
            Table::Events => Insert {
                table: "events",
                columns: "topic, kind, payload, created_at",
                values: "r.topic, r.kind, r.payload, r.created_at",
                fields: &[("topic", Text), ("kind", Text), ("payload", Text), ("created_at", Int)],
                tail: "",
            }
            .sql_holding(backend, param, Some(Lock::Events)),
        }
    }
}

impl Write {
    fn of<T: Serialize>(table: Table, rows: &[T]) -> DbResult<Self> {
        Ok(Self { table, json: json(rows)? })
    }

    pub fn tokens(rows: &[NewToken<'_>]) -> DbResult<Self> {
        Self::of(Table::Tokens, rows)
    }

    /// Preferred windows, in the given order.
    pub fn windows(rows: &[NewWindow<'_>]) -> DbResult<Self> {
        Self::of(Table::Windows, rows)
    }

    /// Scheduler jobs.
    pub fn jobs(rows: &[NewScheduledJob<'_>]) -> DbResult<Self> {
        Self::of(Table::Jobs, rows)
    }

    pub fn timeline(rows: &[NewTimelineEntry<'_>]) -> DbResult<Self> {
        Self::of(Table::Timeline, rows)
    }

    pub fn photos(rows: &[NewRequestPhoto<'_>]) -> DbResult<Self> {
        Self::of(Table::Photos, rows)
    }

    /// Outbox mails, in the given order.
    pub fn mails(rows: &[NewOutboxMail<'_>]) -> DbResult<Self> {
        Self::of(Table::Mails, rows)
    }

    /// Live events for the log, in the given order, written under the event lock (taken by the statement itself
    /// on PostgreSQL). Only through `EventBus::batch_events`, which adds the NOTIFY.
    pub fn events(rows: &[NewLiveEvent<'_>]) -> DbResult<Self> {
        Self::of(Table::Events, rows)
    }
}

/// Sends `writes` and, on PostgreSQL, `NOTIFY`s `notify` (delivered at commit). On PostgreSQL this is one
/// statement: each write a data-modifying CTE (they see the same snapshot: none reads what another writes,
/// and the requests they refer to were inserted by an earlier statement). On SQLite, one statement each.
pub async fn write_all(conn: &mut Conn, backend: Backend, writes: &[Write], notify: Option<&str>) -> DbResult<()> {
    match backend {
        Backend::Sqlite => {
            for write in writes {
                sqlx::query(&write.table.sql(backend, 1)).bind(&write.json).execute(&mut *conn).await?;
            }
            Ok(())
        }
        Backend::Postgres => {
            let parts: Vec<String> = writes
                .iter()
                .enumerate()
                .map(|(n, write)| format!("w{n} AS ({})", write.table.sql(backend, n + 1)))
                .collect();
            let last = match notify {
                Some(_) => format!("SELECT pg_notify(${}, '')", writes.len() + 1),
                None => "SELECT 1".to_owned(),
            };
            let sql = if parts.is_empty() { last } else { format!("WITH {} {last}", parts.join(", ")) };
            let mut query = sqlx::query(&sql);
            for write in writes {
                query = query.bind(&write.json);
            }
            if let Some(channel) = notify {
                query = query.bind(channel);
            }
            query.execute(conn).await.map(|_| ())
        }
    }
}

/// A tracking token (its hash) for a request.
#[derive(Serialize)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub request_id: i64,
    pub created_at: i64,
}

/// A preferred window of a new request (`day` and `part` as stored).
#[derive(Serialize)]
pub struct NewWindow<'a> {
    pub request_id: i64,
    pub day: String,
    pub part: &'a str,
    pub created_at: i64,
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

/// A photo filed with its request.
#[derive(Serialize)]
pub struct NewRequestPhoto<'a> {
    pub request_id: i64,
    pub object_key: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub uploaded_by_user: Option<i64>,
    pub created_at: i64,
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

/// A live event for the log (`events::insert`'s row).
#[derive(Serialize)]
pub struct NewLiveEvent<'a> {
    pub topic: &'a str,
    pub kind: &'a str,
    pub payload: String,
    pub created_at: i64,
}
