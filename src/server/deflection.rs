//! Deflection: while a customer describes their problem on the request form, up to three published articles
//! that may answer it are suggested. Which were shown, which were opened, and whether the form was then
//! submitted anyway are recorded per form session (the form's idempotency key); [`counts`] gives the numbers
//! the KPI dashboard and the gap queue show.
use crate::api::help::ArticleLink;
use crate::domain::kb::{SuggestQuery, DEFLECTION_IDLE_MINUTES, SUGGESTIONS_MAX};
use crate::server::db::deflection::{self, DeflectionCounts};
use crate::server::db::{kb, kb_search, Conn, Db, DbResult};

const MINUTE_MS: i64 = 60_000;

/// Up to [`SUGGESTIONS_MAX`] published articles (in the reader's locale, or English) for what was typed so
/// far, recorded as shown to the form `form_key`. Nothing for too little text.
pub async fn suggest(
    db: &Db,
    locale: &str,
    form_key: &str,
    summary: &str,
    description: &str,
    now: i64,
) -> DbResult<Vec<ArticleLink>> {
    let Some(query) = SuggestQuery::parse(summary, description) else { return Ok(Vec::new()) };
    // The summary's words come first in the query; they say what the problem is.
    let summary_words = SuggestQuery::parse(summary, "").map_or(0, |q| q.terms().len());
    let mut conn = db.acquire().await?;
    let terms = query.terms();
    let rows =
        kb_search::suggest(&mut conn, db.backend(), locale, &terms, summary_words, SUGGESTIONS_MAX as i64).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    deflection::record_shown(&mut conn, form_key, &ids, locale, now).await?;
    Ok(rows.into_iter().map(|r| ArticleLink { slug: r.slug, title: r.title, locale: r.locale }).collect())
}

/// Records that the visitor of `form_key` opened the suggested article `slug`; `false` when that article was
/// not suggested to this form (or is not published).
pub async fn clicked(db: &Db, form_key: &str, slug: &str, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    let Some(article_id) = kb::published_id(&mut conn, slug).await? else { return Ok(false) };
    deflection::record_click(&mut conn, form_key, article_id, now).await
}

/// Deflection for the form sessions that started (were first shown a suggestion) in `[from, to)`, as of
/// `now`: a session is deflected once it has been idle [`DEFLECTION_IDLE_MINUTES`] without a request.
pub async fn counts(db: &Db, from: i64, to: i64, now: i64) -> DbResult<DeflectionCounts> {
    let mut conn = db.acquire().await?;
    counts_in(&mut conn, from, to, now).await
}

/// [`counts`] on the caller's connection (the KPI dashboard's).
pub async fn counts_in(conn: &mut Conn, from: i64, to: i64, now: i64) -> DbResult<DeflectionCounts> {
    deflection::counts(conn, from, to, now - DEFLECTION_IDLE_MINUTES * MINUTE_MS).await
}
