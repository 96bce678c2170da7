//! Changes to published articles that wait for the workflow: one row per article and locale. The published text
//! in `kb_translations` is what readers see until a change is published.
use sqlx::FromRow;

use super::kb::TranslationRow;
use super::{Conn, DbResult};
use crate::domain::kb::ArticleStatus;

/// A waiting change; `author` is the name or email of the editor who saved it last.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ChangeRow {
    pub locale: String,
    pub title: String,
    pub body_md: String,
    pub step: String,
    pub author_id: Option<i64>,
    pub author: Option<String>,
    pub updated_at: i64,
}

const CHANGE_SQL: &str = "SELECT c.locale, c.title, c.body_md, c.step, c.author_id, \
     COALESCE(u.display_name, u.email) AS author, c.updated_at \
     FROM kb_pending_changes c LEFT JOIN users u ON u.id = c.author_id";

/// Every waiting change of an article, English first.
pub async fn for_article(conn: &mut Conn, article_id: i64) -> DbResult<Vec<ChangeRow>> {
    sqlx::query_as(&format!(
        "{CHANGE_SQL} WHERE c.article_id = $1 ORDER BY CASE WHEN c.locale = 'en' THEN 0 ELSE 1 END, c.locale"
    ))
    .bind(article_id)
    .fetch_all(conn)
    .await
}

/// The waiting change of one locale of an article.
pub async fn get(conn: &mut Conn, article_id: i64, locale: &str) -> DbResult<Option<ChangeRow>> {
    sqlx::query_as(&format!("{CHANGE_SQL} WHERE c.article_id = $1 AND c.locale = $2"))
        .bind(article_id)
        .bind(locale)
        .fetch_optional(conn)
        .await
}

/// Saves the text of a change (a new one starts as a draft; a saved one keeps its step) and makes the saver
/// its author; returns the change's step.
pub async fn save(
    conn: &mut Conn,
    article_id: i64,
    text: &TranslationRow,
    author_id: i64,
    now: i64,
) -> DbResult<String> {
    sqlx::query_scalar(
        "INSERT INTO kb_pending_changes (article_id, locale, title, body_md, step, author_id, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (article_id, locale) DO UPDATE SET \
         title = excluded.title, body_md = excluded.body_md, author_id = excluded.author_id, \
         updated_at = excluded.updated_at RETURNING step",
    )
    .bind(article_id)
    .bind(&text.locale)
    .bind(&text.title)
    .bind(&text.body_md)
    .bind(ArticleStatus::Draft.as_str())
    .bind(author_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Moves a waiting change to another step of the workflow (draft or in review).
pub async fn set_step(conn: &mut Conn, article_id: i64, locale: &str, step: ArticleStatus, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE kb_pending_changes SET step = $1, updated_at = $2 WHERE article_id = $3 AND locale = $4")
        .bind(step.as_str())
        .bind(now)
        .bind(article_id)
        .bind(locale)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Removes a waiting change (published, applied or discarded); whether there was one.
pub async fn delete(conn: &mut Conn, article_id: i64, locale: &str) -> DbResult<bool> {
    let done = sqlx::query("DELETE FROM kb_pending_changes WHERE article_id = $1 AND locale = $2")
        .bind(article_id)
        .bind(locale)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
