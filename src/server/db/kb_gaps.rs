//! The content-gap queue beyond the zero-result log (which lives with search in [`super::kb`]): articles
//! readers voted not helpful with what they said was missing, published articles nobody has updated for a
//! while, and zero-result searches an editor closed by linking the article that answers them.
use sqlx::FromRow;

use super::kb::SearchRow;
use super::{Conn, DbResult};

/// An article's title for editors: English, else its first translation.
const EDITOR_TITLE: &str = "(SELECT t.title FROM kb_translations t WHERE t.article_id = a.id \
     ORDER BY CASE WHEN t.locale = 'en' THEN 0 ELSE 1 END, t.locale LIMIT 1)";

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct NotHelpfulRow {
    pub id: i64,
    pub slug: String,
    pub title: Option<String>,
    pub not_helpful: i64,
    pub helpful: i64,
}

/// Articles with "not helpful" votes, the most such votes first.
pub async fn not_helpful(conn: &mut Conn, limit: i64) -> DbResult<Vec<NotHelpfulRow>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.slug, {EDITOR_TITLE} AS title, CAST(SUM(1 - v.helpful) AS BIGINT) AS not_helpful, \
         CAST(SUM(v.helpful) AS BIGINT) AS helpful FROM kb_votes v JOIN kb_articles a ON a.id = v.article_id \
         GROUP BY a.id, a.slug HAVING SUM(1 - v.helpful) > 0 \
         ORDER BY CAST(SUM(1 - v.helpful) AS BIGINT) DESC, a.id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VoteCommentRow {
    pub comment: String,
    pub at: i64,
}

/// What "not helpful" voters of an article said was missing, newest first.
pub async fn not_helpful_comments(conn: &mut Conn, article_id: i64, limit: i64) -> DbResult<Vec<VoteCommentRow>> {
    sqlx::query_as(
        "SELECT comment, updated_at AS at FROM kb_votes WHERE article_id = $1 AND helpful = 0 \
         AND comment IS NOT NULL AND comment <> '' ORDER BY updated_at DESC LIMIT $2",
    )
    .bind(article_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StaleRow {
    pub id: i64,
    pub slug: String,
    pub title: Option<String>,
    /// When any of its translations last changed.
    pub updated_at: i64,
}

/// Published articles none of whose translations changed since `before`, the longest untouched first.
pub async fn stale(conn: &mut Conn, before: i64, limit: i64) -> DbResult<Vec<StaleRow>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.slug, {EDITOR_TITLE} AS title, MAX(tr.updated_at) AS updated_at FROM kb_articles a \
         JOIN kb_translations tr ON tr.article_id = a.id WHERE a.status = 'published' \
         GROUP BY a.id, a.slug HAVING MAX(tr.updated_at) < $1 ORDER BY MAX(tr.updated_at), a.id LIMIT $2"
    ))
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Closes an open zero-result gap by linking the article that answers it; `false` when there is no such
/// open gap (closed meanwhile, or never logged).
pub async fn close_gap(
    conn: &mut Conn,
    query: &str,
    locale: &str,
    article_id: i64,
    editor_id: i64,
    now: i64,
) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE kb_zero_results SET article_id = $1, closed_at = $2, closed_by = $3 \
         WHERE query = $4 AND locale = $5 AND closed_at IS NULL",
    )
    .bind(article_id)
    .bind(now)
    .bind(editor_id)
    .bind(query)
    .bind(locale)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ClosedGapRow {
    pub query: String,
    pub locale: String,
    pub count: i64,
    pub closed_at: i64,
    pub article_id: Option<i64>,
    pub slug: Option<String>,
    pub title: Option<String>,
    /// The editor's name or email.
    pub closed_by: Option<String>,
}

/// Closed gaps with the article that answers each, most recently closed first.
pub async fn closed_gaps(conn: &mut Conn, limit: i64) -> DbResult<Vec<ClosedGapRow>> {
    sqlx::query_as(&format!(
        "SELECT z.query, z.locale, z.count, z.closed_at, a.id AS article_id, a.slug, {EDITOR_TITLE} AS title, \
         COALESCE(u.display_name, u.email) AS closed_by FROM kb_zero_results z \
         LEFT JOIN kb_articles a ON a.id = z.article_id LEFT JOIN users u ON u.id = z.closed_by \
         WHERE z.closed_at IS NOT NULL ORDER BY z.closed_at DESC, z.query LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The published article an editor linked to the search `query` in `locale`, as a search hit in the reader's
/// translation (no highlight: the words did not match; the snippet is the start of the text).
pub async fn linked_answer(conn: &mut Conn, query: &str, locale: &str) -> DbResult<Option<SearchRow>> {
    sqlx::query_as(
        "SELECT a.slug, t.locale, t.title, SUBSTR(t.body_text, 1, 160) AS snippet FROM kb_zero_results z \
         JOIN kb_articles a ON a.id = z.article_id \
         JOIN kb_translations t ON t.article_id = a.id AND t.locale = (CASE WHEN EXISTS (SELECT 1 FROM \
         kb_translations l WHERE l.article_id = a.id AND l.locale = $2) THEN $2 ELSE 'en' END) \
         WHERE z.query = $1 AND z.locale = $2 AND z.closed_at IS NOT NULL AND a.status = 'published'",
    )
    .bind(query)
    .bind(locale)
    .fetch_optional(conn)
    .await
}
