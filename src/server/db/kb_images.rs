//! Images in articles: which article an object in the photo store belongs to. The bytes are in the store.
use sqlx::FromRow;

use super::photos::NewPhoto;
use super::{Conn, DbResult};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ImageRow {
    pub id: i64,
    pub article_id: i64,
    pub object_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, article_id, object_key, content_type, size_bytes, created_at";

/// Records an image of an article whose object is already in the store.
pub async fn insert(conn: &mut Conn, article_id: i64, image: &NewPhoto, uploaded_by: i64, now: i64) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO kb_images (article_id, object_key, content_type, size_bytes, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(article_id)
    .bind(&image.object_key)
    .bind(&image.content_type)
    .bind(image.size_bytes)
    .bind(uploaded_by)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn by_id(conn: &mut Conn, id: i64) -> DbResult<Option<ImageRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM kb_images WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// An article's images, newest first.
pub async fn for_article(conn: &mut Conn, article_id: i64) -> DbResult<Vec<ImageRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM kb_images WHERE article_id = $1 ORDER BY id DESC"))
        .bind(article_id)
        .fetch_all(conn)
        .await
}
