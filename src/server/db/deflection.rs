//! Deflection on the request form: which articles were suggested to which rendering of the form, which of
//! them the visitor opened, and the counts the KPI dashboard reads. A form session is named by the form's
//! idempotency key, so whether it ended in a request is a join with `service_requests`.
use sqlx::FromRow;

use super::{Conn, DbResult};

/// Records that `article_ids` were suggested to the form `form_key` (an article shown again is not counted
/// again), in one statement: one commit however many were shown.
pub async fn record_shown(
    conn: &mut Conn,
    form_key: &str,
    article_ids: &[i64],
    locale: &str,
    now: i64,
) -> DbResult<()> {
    if article_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..article_ids.len()).map(|i| format!("($1, ${}, $2, $3)", i + 4)).collect();
    let sql = format!(
        "INSERT INTO kb_deflection (form_key, article_id, locale, shown_at) VALUES {} \
         ON CONFLICT (form_key, article_id) DO NOTHING",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(form_key).bind(locale).bind(now);
    for article_id in article_ids {
        query = query.bind(*article_id);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Records that the visitor of `form_key` opened a suggested article; `false` when it had not been suggested
/// to that form (nothing is recorded then). The first click counts.
pub async fn record_click(conn: &mut Conn, form_key: &str, article_id: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query(
        "UPDATE kb_deflection SET clicked_at = COALESCE(clicked_at, $1) WHERE form_key = $2 AND article_id = $3",
    )
    .bind(now)
    .bind(form_key)
    .bind(article_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Deflection over the form sessions whose first suggestion fell in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow)]
pub struct DeflectionCounts {
    /// Form sessions that were shown at least one suggestion.
    pub sessions: i64,
    /// Suggestions shown (each article once per session).
    pub impressions: i64,
    /// Suggestions opened.
    pub clicks: i64,
    /// Sessions that filed a request anyway.
    pub submitted: i64,
    /// Sessions without a request and idle since before the cut-off: the visitor left.
    pub deflected: i64,
}

/// The counts for sessions first shown a suggestion in `[from, to)`. A session without a request whose last
/// suggestion or click is before `idle_before` is deflected; a more recent one is still undecided (counted
/// in `sessions` only).
pub async fn counts(conn: &mut Conn, from: i64, to: i64, idle_before: i64) -> DbResult<DeflectionCounts> {
    sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) AS sessions, \
         CAST(COALESCE(SUM(s.shown), 0) AS BIGINT) AS impressions, \
         CAST(COALESCE(SUM(s.clicked), 0) AS BIGINT) AS clicks, \
         CAST(COALESCE(SUM(CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS submitted, \
         CAST(COALESCE(SUM(CASE WHEN r.id IS NULL AND s.last_at < $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS deflected \
         FROM (SELECT form_key, MIN(shown_at) AS first_at, MAX(COALESCE(clicked_at, shown_at)) AS last_at, \
               COUNT(*) AS shown, COUNT(clicked_at) AS clicked FROM kb_deflection GROUP BY form_key) s \
         LEFT JOIN service_requests r ON r.idempotency_key = s.form_key \
         WHERE s.first_at >= $1 AND s.first_at < $2",
    )
    .bind(from)
    .bind(to)
    .bind(idle_before)
    .fetch_one(conn)
    .await
}
