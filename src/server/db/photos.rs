//! Photo records: which request (and timeline entry) a stored object belongs to. The bytes are in the
//! object store, never in the database.
use sqlx::FromRow;

use super::{Conn, DbResult};

/// A photo about to be recorded: its object is already in the store under `object_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPhoto {
    pub object_key: String,
    pub content_type: String,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PhotoRow {
    pub id: i64,
    pub request_id: i64,
    pub event_id: Option<i64>,
    pub object_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by_user: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "p.id, p.request_id, p.event_id, p.object_key, p.content_type, p.size_bytes, \
                       p.uploaded_by_user, p.created_at";

/// Records one photo of `request_id` (attached to the timeline entry `event_id`, if any).
pub async fn insert(
    conn: &mut Conn,
    request_id: i64,
    event_id: Option<i64>,
    photo: &NewPhoto,
    uploaded_by_user: Option<i64>,
    now: i64,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO photos (request_id, event_id, object_key, content_type, size_bytes, uploaded_by_user, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(request_id)
    .bind(event_id)
    .bind(&photo.object_key)
    .bind(&photo.content_type)
    .bind(photo.size_bytes)
    .bind(uploaded_by_user)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// One photo with whether the customer may see it: a photo of the request itself, or of a public timeline
/// entry (a photo on an internal note is for the team only).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PhotoAccessRow {
    pub id: i64,
    pub request_id: i64,
    pub object_key: String,
    pub content_type: String,
    /// The request's customer account, if it was filed while signed in.
    pub customer_id: Option<i64>,
    /// 1 when the customer side may see it.
    pub public: i64,
}

pub async fn for_download(conn: &mut Conn, id: i64) -> DbResult<Option<PhotoAccessRow>> {
    sqlx::query_as(
        "SELECT p.id, p.request_id, p.object_key, p.content_type, r.customer_id, \
         CAST(CASE WHEN p.event_id IS NULL OR e.public = 1 THEN 1 ELSE 0 END AS BIGINT) AS public \
         FROM photos p JOIN service_requests r ON r.id = p.request_id \
         LEFT JOIN job_events e ON e.id = p.event_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The photos the customer side of a request may see, oldest first.
pub async fn public_for_request(conn: &mut Conn, request_id: i64) -> DbResult<Vec<PhotoRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM photos p LEFT JOIN job_events e ON e.id = p.event_id \
         WHERE p.request_id = $1 AND (p.event_id IS NULL OR e.public = 1) ORDER BY p.id"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await
}

/// Every photo of a request, for the team, oldest first.
pub async fn all_for_request(conn: &mut Conn, request_id: i64) -> DbResult<Vec<PhotoRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM photos p WHERE p.request_id = $1 ORDER BY p.id"))
        .bind(request_id)
        .fetch_all(conn)
        .await
}
