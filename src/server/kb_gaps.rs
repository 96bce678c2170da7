//! The content-gap queue (`/editor/gaps`): what readers searched for in vain (open, and closed with the
//! article that answers it), the articles most often voted not helpful with what voters said was missing,
//! published articles not updated for a number of months (a setting), and how the request form's
//! suggestions deflect requests.
use crate::domain::kb::{Slug, STALE_MONTHS_DEFAULT};
use crate::domain::time::DAY_MS;
use crate::domain::{FieldError, FieldErrors};
use crate::server::db::deflection::DeflectionCounts;
use crate::server::db::kb::ZeroResultRow;
use crate::server::db::kb_gaps::{self, ClosedGapRow, NotHelpfulRow, StaleRow, VoteCommentRow};
use crate::server::db::{kb, settings, Db, DbResult};

/// The settings key of "published articles not updated in N months".
pub const STALE_MONTHS: &str = "kb.stale_months";
/// How many rows each section lists, and how many comments each not-helpful article shows.
pub const SECTION_ROWS: i64 = 20;
pub const COMMENTS_PER_ARTICLE: i64 = 5;
/// The period the deflection counts cover on the gap page.
pub const DEFLECTION_DAYS: i64 = 30;

/// N of "not updated in N months": the editors' setting, else [`STALE_MONTHS_DEFAULT`].
pub async fn stale_months(db: &Db) -> DbResult<i64> {
    let mut conn = db.acquire().await?;
    let stored = settings::get(&mut conn, STALE_MONTHS).await?;
    Ok(stored.and_then(|v| v.parse().ok()).unwrap_or(STALE_MONTHS_DEFAULT))
}

/// Stores N (already parsed: see `domain::kb::parse_stale_months`).
pub async fn set_stale_months(db: &Db, months: i64, now: i64) -> DbResult<()> {
    let mut conn = db.acquire().await?;
    settings::set(&mut conn, STALE_MONTHS, &months.to_string(), now).await
}

pub struct GapQueue {
    pub open: Vec<ZeroResultRow>,
    pub closed: Vec<ClosedGapRow>,
    pub not_helpful: Vec<(NotHelpfulRow, Vec<VoteCommentRow>)>,
    pub stale_months: i64,
    pub stale: Vec<StaleRow>,
    pub deflection: DeflectionCounts,
}

/// Everything the gap page shows, as of `now`.
pub async fn queue(db: &Db, now: i64) -> DbResult<GapQueue> {
    let stale_months = stale_months(db).await?;
    let deflection = super::deflection::counts(db, now - DEFLECTION_DAYS * DAY_MS, now + 1, now).await?;
    let mut conn = db.acquire().await?;
    let open = kb::zero_results(&mut conn, SECTION_ROWS).await?;
    let closed = kb_gaps::closed_gaps(&mut conn, SECTION_ROWS).await?;
    let mut not_helpful = Vec::new();
    for row in kb_gaps::not_helpful(&mut conn, SECTION_ROWS).await? {
        let comments = kb_gaps::not_helpful_comments(&mut conn, row.id, COMMENTS_PER_ARTICLE).await?;
        not_helpful.push((row, comments));
    }
    let stale = kb_gaps::stale(&mut conn, now - stale_months * 30 * DAY_MS, SECTION_ROWS).await?;
    Ok(GapQueue { open, closed, not_helpful, stale_months, stale, deflection })
}

#[derive(Debug)]
pub enum CloseError {
    /// Field errors: no published article at that address, or the gap is not open (any more).
    Invalid(FieldErrors),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CloseError {
    fn from(e: sqlx::Error) -> Self {
        CloseError::Db(e)
    }
}

/// Closes the open gap `(query, locale)` by linking the published article `slug` that answers it.
pub async fn close(db: &Db, editor_id: i64, query: &str, locale: &str, slug: &str, now: i64) -> Result<(), CloseError> {
    let refuse = |field: &str, error: FieldError| {
        let mut errors = FieldErrors::new();
        errors.add(field, error);
        CloseError::Invalid(errors)
    };
    let slug = Slug::parse(slug).map_err(|e| refuse("slug", e))?;
    let mut conn = db.acquire().await?;
    let Some(article_id) = kb::published_id(&mut conn, slug.as_str()).await? else {
        return Err(refuse("slug", FieldError::InvalidChoice));
    };
    if !kb_gaps::close_gap(&mut conn, query, locale, article_id, editor_id, now).await? {
        return Err(refuse("query", FieldError::InvalidChoice));
    }
    Ok(())
}
