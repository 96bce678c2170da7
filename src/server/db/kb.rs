//! The knowledge base: categories, articles and their translations, revisions, reads, votes, full-text search
//! and the log of searches that found nothing.
//!
//! A reader sees an article in their locale when it has that translation, otherwise in English: every reader
//! query picks the translation with [`READER_SEES`]. Search and suggestions are in [`super::kb_search`].
use sqlx::FromRow;

use super::{Conn, DbResult};
use crate::domain::kb::ArticleStatus;

/// The translation `t` a reader sees of its article: the one in the reader's locale `$1`, or the English one
/// when the article has no `$1` translation. A condition on `t` alone, not an equality with a per-article
/// expression: PostgreSQL hashed on such an equality, evaluating its EXISTS for every article, when a search
/// joined a few ranked rows to their articles (~20 ms at 10,000 articles, the tail of the search benchmark).
pub(super) const READER_SEES: &str = "(t.locale = $1 OR (t.locale = 'en' AND NOT EXISTS (SELECT 1 \
     FROM kb_translations l WHERE l.article_id = t.article_id AND l.locale = $1)))";

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CategoryRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

/// A published article as a list shows it, in the reader's locale (or English).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ArticleListRow {
    pub id: i64,
    pub slug: String,
    pub category_id: i64,
    pub locale: String,
    pub title: String,
    pub read_count: i64,
}

/// A published article to read.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ArticleRow {
    pub id: i64,
    pub slug: String,
    pub category_id: i64,
    pub locale: String,
    pub title: String,
    pub body_md: String,
    pub updated_at: i64,
}

/// One search hit ([`super::kb_search::search`]); `title` and `snippet` carry the hit markers.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SearchRow {
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ZeroResultRow {
    pub query: String,
    pub locale: String,
    pub count: i64,
    pub last_seen_at: i64,
}

pub async fn insert_category(conn: &mut Conn, slug: &str, position: i64, now: i64) -> DbResult<i64> {
    sqlx::query_scalar("INSERT INTO kb_categories (slug, position, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(slug)
        .bind(position)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Names a category in one locale (replacing an earlier name).
pub async fn set_category_name(
    conn: &mut Conn,
    category_id: i64,
    locale: &str,
    name: &str,
    description: Option<&str>,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_category_translations (category_id, locale, name, description) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (category_id, locale) DO UPDATE SET name = excluded.name, description = excluded.description",
    )
    .bind(category_id)
    .bind(locale)
    .bind(name)
    .bind(description)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn category_id(conn: &mut Conn, slug: &str) -> DbResult<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM kb_categories WHERE slug = $1").bind(slug).fetch_optional(conn).await
}

/// Every category in display order, named in `locale` (or English, or by its slug).
pub async fn categories(conn: &mut Conn, locale: &str) -> DbResult<Vec<CategoryRow>> {
    sqlx::query_as(
        "SELECT c.id, c.slug, COALESCE(l.name, e.name, c.slug) AS name, COALESCE(l.description, e.description) \
         AS description FROM kb_categories c \
         LEFT JOIN kb_category_translations l ON l.category_id = c.id AND l.locale = $1 \
         LEFT JOIN kb_category_translations e ON e.category_id = c.id AND e.locale = 'en' \
         ORDER BY c.position, c.id",
    )
    .bind(locale)
    .fetch_all(conn)
    .await
}

pub struct NewArticle<'a> {
    pub slug: &'a str,
    pub category_id: i64,
    pub status: ArticleStatus,
    pub author_id: Option<i64>,
}

pub async fn insert_article(conn: &mut Conn, new: &NewArticle<'_>, now: i64) -> DbResult<i64> {
    let published_at = (new.status == ArticleStatus::Published).then_some(now);
    sqlx::query_scalar(
        "INSERT INTO kb_articles (slug, category_id, status, read_count, author_id, created_at, updated_at, \
         published_at) VALUES ($1, $2, $3, 0, $4, $5, $5, $6) RETURNING id",
    )
    .bind(new.slug)
    .bind(new.category_id)
    .bind(new.status.as_str())
    .bind(new.author_id)
    .bind(now)
    .bind(published_at)
    .fetch_one(conn)
    .await
}

pub async fn article_id(conn: &mut Conn, slug: &str) -> DbResult<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM kb_articles WHERE slug = $1").bind(slug).fetch_optional(conn).await
}

/// The id of a published article.
pub async fn published_id(conn: &mut Conn, slug: &str) -> DbResult<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM kb_articles WHERE slug = $1 AND status = 'published'")
        .bind(slug)
        .fetch_optional(conn)
        .await
}

/// Moves an article in the workflow; the first publication is remembered.
pub async fn set_status(conn: &mut Conn, article_id: i64, status: ArticleStatus, now: i64) -> DbResult<()> {
    let published_at = (status == ArticleStatus::Published).then_some(now);
    sqlx::query(
        "UPDATE kb_articles SET status = $1, updated_at = $2, published_at = COALESCE(published_at, $3) \
         WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(now)
    .bind(published_at)
    .bind(article_id)
    .execute(conn)
    .await
    .map(|_| ())
}

pub struct TranslationText<'a> {
    pub locale: &'a str,
    pub title: &'a str,
    pub body_md: &'a str,
    /// The body as plain text, for the search index.
    pub body_text: &'a str,
}

/// Writes one locale's text of an article (replacing the earlier text) and records it as a revision.
pub async fn save_translation(
    conn: &mut Conn,
    article_id: i64,
    text: &TranslationText<'_>,
    status: ArticleStatus,
    author_id: Option<i64>,
    now: i64,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_translations (article_id, locale, title, body_md, body_text, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (article_id, locale) DO UPDATE SET title = excluded.title, \
         body_md = excluded.body_md, body_text = excluded.body_text, updated_at = excluded.updated_at",
    )
    .bind(article_id)
    .bind(text.locale)
    .bind(text.title)
    .bind(text.body_md)
    .bind(text.body_text)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO kb_revisions (article_id, locale, title, body_md, status, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(article_id)
    .bind(text.locale)
    .bind(text.title)
    .bind(text.body_md)
    .bind(status.as_str())
    .bind(author_id)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn revision_count(conn: &mut Conn, article_id: i64) -> DbResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM kb_revisions WHERE article_id = $1").bind(article_id).fetch_one(conn).await
}

fn list_sql(filter: &str, order: &str) -> String {
    format!(
        "SELECT a.id, a.slug, a.category_id, t.locale, t.title, a.read_count FROM kb_articles a \
         JOIN kb_translations t ON t.article_id = a.id AND {READER_SEES} \
         WHERE a.status = 'published' {filter} ORDER BY {order} LIMIT $2"
    )
}

/// Every published article, by category (ordered by title within it).
pub async fn published(conn: &mut Conn, locale: &str, limit: i64) -> DbResult<Vec<ArticleListRow>> {
    sqlx::query_as(&list_sql("", "a.category_id, t.title, a.id")).bind(locale).bind(limit).fetch_all(conn).await
}

/// The most read published articles.
pub async fn most_read(conn: &mut Conn, locale: &str, limit: i64) -> DbResult<Vec<ArticleListRow>> {
    sqlx::query_as(&list_sql("", "a.read_count DESC, a.id")).bind(locale).bind(limit).fetch_all(conn).await
}

/// The published articles of a category other than `except` (0 for none), most read first.
pub async fn in_category(
    conn: &mut Conn,
    locale: &str,
    category_id: i64,
    except: i64,
    limit: i64,
) -> DbResult<Vec<ArticleListRow>> {
    sqlx::query_as(&list_sql("AND a.category_id = $3 AND a.id <> $4", "a.read_count DESC, t.title, a.id"))
        .bind(locale)
        .bind(limit)
        .bind(category_id)
        .bind(except)
        .fetch_all(conn)
        .await
}

/// A published article in the reader's locale, or in English when it has no such translation.
pub async fn published_article(conn: &mut Conn, locale: &str, slug: &str) -> DbResult<Option<ArticleRow>> {
    sqlx::query_as(&format!(
        "SELECT a.id, a.slug, a.category_id, t.locale, t.title, t.body_md, t.updated_at FROM kb_articles a \
         JOIN kb_translations t ON t.article_id = a.id AND {READER_SEES} \
         WHERE a.slug = $2 AND a.status = 'published'"
    ))
    .bind(locale)
    .bind(slug)
    .fetch_optional(conn)
    .await
}

/// Counts one read of an article.
pub async fn count_read(conn: &mut Conn, article_id: i64) -> DbResult<()> {
    sqlx::query("UPDATE kb_articles SET read_count = read_count + 1 WHERE id = $1")
        .bind(article_id)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn read_count(conn: &mut Conn, article_id: i64) -> DbResult<i64> {
    sqlx::query_scalar("SELECT read_count FROM kb_articles WHERE id = $1").bind(article_id).fetch_one(conn).await
}

/// Counts a search that found nothing (by normalized query and locale) for the content-gap queue. A gap an
/// editor had closed opens again: the article linked to it no longer answers (see `kb_gaps::linked_answer`).
pub async fn log_zero_result(conn: &mut Conn, query: &str, locale: &str, now: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_zero_results (query, locale, count, first_seen_at, last_seen_at) VALUES ($1, $2, 1, $3, $3) \
         ON CONFLICT (query, locale) DO UPDATE SET count = kb_zero_results.count + 1, \
         last_seen_at = excluded.last_seen_at, article_id = NULL, closed_at = NULL, closed_by = NULL",
    )
    .bind(query)
    .bind(locale)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The open gaps: searches that found nothing and no editor has closed yet, most frequent first.
pub async fn zero_results(conn: &mut Conn, limit: i64) -> DbResult<Vec<ZeroResultRow>> {
    sqlx::query_as(
        "SELECT query, locale, count, last_seen_at FROM kb_zero_results WHERE closed_at IS NULL \
         ORDER BY count DESC, last_seen_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Records a visitor's vote on an article, replacing their earlier one.
pub async fn vote(
    conn: &mut Conn,
    article_id: i64,
    visitor: &str,
    helpful: bool,
    comment: Option<&str>,
    now: i64,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_votes (article_id, visitor, helpful, comment, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (article_id, visitor) DO UPDATE SET \
         helpful = excluded.helpful, comment = excluded.comment, updated_at = excluded.updated_at",
    )
    .bind(article_id)
    .bind(visitor)
    .bind(i64::from(helpful))
    .bind(comment)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The visitor's vote on an article, if any.
pub async fn vote_of(conn: &mut Conn, article_id: i64, visitor: &str) -> DbResult<Option<bool>> {
    let helpful: Option<i64> =
        sqlx::query_scalar("SELECT helpful FROM kb_votes WHERE article_id = $1 AND visitor = $2")
            .bind(article_id)
            .bind(visitor)
            .fetch_optional(conn)
            .await?;
    Ok(helpful.map(|h| h == 1))
}

/// `(helpful, not helpful)` votes of an article.
pub async fn vote_counts(conn: &mut Conn, article_id: i64) -> DbResult<(i64, i64)> {
    sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(helpful), 0) AS BIGINT), CAST(COALESCE(SUM(1 - helpful), 0) AS BIGINT) \
         FROM kb_votes WHERE article_id = $1",
    )
    .bind(article_id)
    .fetch_one(conn)
    .await
}

// ---- The editor's side -------------------------------------------------------------------------------------

/// A slug another article already has (the unique index said so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlugTaken;

fn slug_clash<T>(result: DbResult<T>) -> DbResult<Result<T, SlugTaken>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) if super::is_unique_violation(&e) => Ok(Err(SlugTaken)),
        Err(e) => Err(e),
    }
}

/// Inserts an article, or reports that its slug is taken. An old slug that redirected elsewhere is given up
/// to the new article. On PostgreSQL a clash aborts the transaction: the caller rolls back.
pub async fn insert_article_unique(
    conn: &mut Conn,
    new: &NewArticle<'_>,
    now: i64,
) -> DbResult<Result<i64, SlugTaken>> {
    drop_redirect(conn, new.slug).await?;
    slug_clash(insert_article(conn, new, now).await)
}

/// Changes an article's slug and category, or reports that the slug is taken.
pub async fn update_article(
    conn: &mut Conn,
    article_id: i64,
    slug: &str,
    category_id: i64,
    now: i64,
) -> DbResult<Result<(), SlugTaken>> {
    drop_redirect(conn, slug).await?;
    let result = sqlx::query("UPDATE kb_articles SET slug = $1, category_id = $2, updated_at = $3 WHERE id = $4")
        .bind(slug)
        .bind(category_id)
        .bind(now)
        .bind(article_id)
        .execute(conn)
        .await
        .map(|_| ());
    slug_clash(result)
}

/// Marks an article as changed now (the editor's list sorts by it).
pub async fn touch_article(conn: &mut Conn, article_id: i64, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE kb_articles SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(article_id)
        .execute(conn)
        .await
        .map(|_| ())
}

async fn drop_redirect(conn: &mut Conn, slug: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM kb_slug_redirects WHERE old_slug = $1").bind(slug).execute(conn).await.map(|_| ())
}

/// Remembers that `old_slug` was the address of an article (it moves with the article's later renames).
pub async fn add_redirect(conn: &mut Conn, old_slug: &str, article_id: i64, now: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_slug_redirects (old_slug, article_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (old_slug) DO UPDATE SET article_id = excluded.article_id, created_at = excluded.created_at",
    )
    .bind(old_slug)
    .bind(article_id)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The current slug of the published article that `old_slug` used to name.
pub async fn redirect_target(conn: &mut Conn, old_slug: &str) -> DbResult<Option<String>> {
    sqlx::query_scalar(
        "SELECT a.slug FROM kb_slug_redirects r JOIN kb_articles a ON a.id = r.article_id \
         WHERE r.old_slug = $1 AND a.status = 'published'",
    )
    .bind(old_slug)
    .fetch_optional(conn)
    .await
}

pub async fn category_exists(conn: &mut Conn, category_id: i64) -> DbResult<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM kb_categories WHERE id = $1").bind(category_id).fetch_optional(conn).await?;
    Ok(found.is_some())
}

/// An article as the editor sees it, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EditorArticleRow {
    pub id: i64,
    pub slug: String,
    pub category_id: i64,
    pub status: String,
    pub author_id: Option<i64>,
    pub updated_at: i64,
}

pub async fn editor_article(conn: &mut Conn, article_id: i64) -> DbResult<Option<EditorArticleRow>> {
    sqlx::query_as("SELECT id, slug, category_id, status, author_id, updated_at FROM kb_articles WHERE id = $1")
        .bind(article_id)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct TranslationRow {
    pub locale: String,
    pub title: String,
    pub body_md: String,
}

/// Every translation of an article, English first.
pub async fn translations(conn: &mut Conn, article_id: i64) -> DbResult<Vec<TranslationRow>> {
    sqlx::query_as(
        "SELECT locale, title, body_md FROM kb_translations WHERE article_id = $1 \
         ORDER BY CASE WHEN locale = 'en' THEN 0 ELSE 1 END, locale",
    )
    .bind(article_id)
    .fetch_all(conn)
    .await
}

/// What the editor's list is filtered by; empty or zero means "any".
#[derive(Debug, Clone, Default)]
pub struct EditorFilter {
    pub status: String,
    pub category_id: i64,
    pub locale: String,
    /// Matched, case-insensitively, against slugs, titles and bodies.
    pub text: String,
}

/// One translation of a listed article (an article has a row per translation, English first).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct EditorListRow {
    pub id: i64,
    pub slug: String,
    pub category_id: i64,
    pub status: String,
    pub updated_at: i64,
    pub locale: String,
    pub title: String,
    /// The furthest step of the article's waiting changes ("in_review" before "draft"), if it has any.
    pub change_step: Option<String>,
}

/// The articles the filter matches, most recently changed first. The status filter also finds published
/// articles whose waiting changes are at that step (a reviewer looking for "in review" sees them).
pub async fn editor_list(conn: &mut Conn, filter: &EditorFilter, limit: i64) -> DbResult<Vec<EditorListRow>> {
    sqlx::query_as(
        "SELECT a.id, a.slug, a.category_id, a.status, a.updated_at, t.locale, t.title, \
         (SELECT MAX(p.step) FROM kb_pending_changes p WHERE p.article_id = a.id) AS change_step \
         FROM kb_articles a JOIN kb_translations t ON t.article_id = a.id \
         WHERE a.id IN (SELECT a2.id FROM kb_articles a2 \
           WHERE ($1 = '' OR a2.status = $1 \
             OR EXISTS (SELECT 1 FROM kb_pending_changes p2 WHERE p2.article_id = a2.id AND p2.step = $1)) AND ($2 = 0 OR a2.category_id = $2) \
           AND ($3 = '' OR EXISTS (SELECT 1 FROM kb_translations l WHERE l.article_id = a2.id AND l.locale = $3)) \
           AND ($4 = '' OR LOWER(a2.slug) LIKE LOWER($5) ESCAPE '\\' OR EXISTS (SELECT 1 FROM kb_translations s \
             WHERE s.article_id = a2.id AND (LOWER(s.title) LIKE LOWER($5) ESCAPE '\\' \
             OR LOWER(s.body_md) LIKE LOWER($5) ESCAPE '\\'))) \
           ORDER BY a2.updated_at DESC, a2.id DESC LIMIT $6) \
         ORDER BY a.updated_at DESC, a.id DESC, CASE WHEN t.locale = 'en' THEN 0 ELSE 1 END, t.locale",
    )
    .bind(filter.status.as_str())
    .bind(filter.category_id)
    .bind(filter.locale.as_str())
    .bind(filter.text.as_str())
    .bind(super::like_contains(&filter.text))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A revision as the history lists it; `author` is the editor's name or email.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub locale: String,
    pub title: String,
    pub body_md: String,
    pub status: String,
    pub author: Option<String>,
    pub note: Option<String>,
    pub created_at: i64,
}

const REVISION_SQL: &str = "SELECT r.id, r.locale, r.title, r.body_md, r.status, \
     COALESCE(u.display_name, u.email) AS author, r.note, r.created_at \
     FROM kb_revisions r LEFT JOIN users u ON u.id = r.author_id";

/// Every revision of an article, newest first.
pub async fn revisions(conn: &mut Conn, article_id: i64) -> DbResult<Vec<RevisionRow>> {
    sqlx::query_as(&format!("{REVISION_SQL} WHERE r.article_id = $1 ORDER BY r.id DESC"))
        .bind(article_id)
        .fetch_all(conn)
        .await
}

/// One revision of an article (`None` when it belongs to another article).
pub async fn revision(conn: &mut Conn, article_id: i64, revision_id: i64) -> DbResult<Option<RevisionRow>> {
    sqlx::query_as(&format!("{REVISION_SQL} WHERE r.article_id = $1 AND r.id = $2"))
        .bind(article_id)
        .bind(revision_id)
        .fetch_optional(conn)
        .await
}

/// Records a revision without changing the article's published text: a waiting change's save, or a
/// reviewer's reason (`note`) for sending an article or a change back.
pub async fn add_revision(
    conn: &mut Conn,
    article_id: i64,
    text: &TranslationRow,
    status: ArticleStatus,
    author_id: i64,
    note: Option<&str>,
    now: i64,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO kb_revisions (article_id, locale, title, body_md, status, author_id, created_at, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(article_id)
    .bind(&text.locale)
    .bind(&text.title)
    .bind(&text.body_md)
    .bind(status.as_str())
    .bind(author_id)
    .bind(now)
    .bind(note)
    .execute(conn)
    .await
    .map(|_| ())
}
