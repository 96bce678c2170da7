//! The content-gap queue for editors (`/editor/gaps`): searches that found nothing (open, and closed with the
//! article that answers them), articles voted not helpful with their comments, published articles not
//! updated for N months (N is the editors' setting), and the request form's deflection counts. Every
//! function needs the editor role; the rules live in `server::kb_gaps`.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::AppError;

/// A search readers made that found nothing: what to write next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentGap {
    pub query: String,
    pub locale: String,
    pub count: i64,
    pub last_seen_at: i64,
}

/// A gap an editor closed, with the article that answers it (gone if it was deleted since).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedGap {
    pub query: String,
    pub locale: String,
    pub count: i64,
    pub closed_at: i64,
    pub closed_by: Option<String>,
    pub article_id: Option<i64>,
    pub slug: Option<String>,
    pub title: Option<String>,
}

/// An article in a gap section, titled in English (or its first translation), linking to its edit page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapArticle {
    pub id: i64,
    pub slug: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotHelpful {
    pub article: GapArticle,
    pub not_helpful: i64,
    pub helpful: i64,
    /// What voters said was missing, newest first.
    pub comments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaleArticle {
    pub article: GapArticle,
    pub updated_at: i64,
}

/// The request form's suggestions over the last `days` days (see `server::deflection::counts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeflectionView {
    pub days: i64,
    pub sessions: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub submitted: i64,
    pub deflected: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapQueueView {
    pub open: Vec<ContentGap>,
    pub closed: Vec<ClosedGap>,
    pub not_helpful: Vec<NotHelpful>,
    pub stale_months: i64,
    pub stale: Vec<StaleArticle>,
    pub deflection: DeflectionView,
}

#[cfg(feature = "ssr")]
fn require_editor() -> Result<crate::domain::CurrentUser, AppError> {
    super::guard::require(|u| u.has(crate::domain::Role::Editor))
}

#[cfg(feature = "ssr")]
fn gap_article(id: i64, slug: String, title: Option<String>) -> GapArticle {
    GapArticle { id, title: title.unwrap_or_else(|| slug.clone()), slug }
}

/// Everything the gap page shows.
#[server(prefix = "/api", endpoint = "editor/gaps")]
pub async fn content_gap_queue() -> Result<GapQueueView, AppError> {
    use super::guard::{db_error, state};
    use crate::server::now_ms;

    require_editor()?;
    let queue = crate::server::kb_gaps::queue(&state().db, now_ms()).await.map_err(db_error)?;
    let d = queue.deflection;
    Ok(GapQueueView {
        open: queue
            .open
            .into_iter()
            .map(|r| ContentGap { query: r.query, locale: r.locale, count: r.count, last_seen_at: r.last_seen_at })
            .collect(),
        closed: queue
            .closed
            .into_iter()
            .map(|r| ClosedGap {
                query: r.query,
                locale: r.locale,
                count: r.count,
                closed_at: r.closed_at,
                closed_by: r.closed_by,
                article_id: r.article_id,
                slug: r.slug,
                title: r.title,
            })
            .collect(),
        not_helpful: queue
            .not_helpful
            .into_iter()
            .map(|(r, comments)| NotHelpful {
                article: gap_article(r.id, r.slug, r.title),
                not_helpful: r.not_helpful,
                helpful: r.helpful,
                comments: comments.into_iter().map(|c| c.comment).collect(),
            })
            .collect(),
        stale_months: queue.stale_months,
        stale: queue
            .stale
            .into_iter()
            .map(|r| StaleArticle { article: gap_article(r.id, r.slug, r.title), updated_at: r.updated_at })
            .collect(),
        deflection: DeflectionView {
            days: crate::server::kb_gaps::DEFLECTION_DAYS,
            sessions: d.sessions,
            impressions: d.impressions,
            clicks: d.clicks,
            submitted: d.submitted,
            deflected: d.deflected,
        },
    })
}

/// Closes the open gap (`query` in `locale`) by linking the published article at `slug` that answers it;
/// readers searching for those words are then shown that article.
#[server(prefix = "/api", endpoint = "editor/gaps/close")]
pub async fn close_gap(query: String, locale: String, slug: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, state};
    use crate::server::kb_gaps::CloseError;
    use crate::server::now_ms;

    let user = require_editor()?;
    let result = crate::server::kb_gaps::close(&state().db, user.id, &query, &locale, &slug, now_ms()).await;
    match result {
        Ok(()) => {
            leptos_axum::redirect("/editor/gaps?closed=1");
            Ok(())
        }
        Err(CloseError::Invalid(mut errors)) => {
            // The row's form finds its own error by these.
            errors.keep("query", &query);
            errors.keep("locale", &locale);
            errors.keep("slug", &slug);
            Err(fail(AppError::Invalid(errors)))
        }
        Err(CloseError::Db(e)) => Err(db_error(e)),
    }
}

/// Sets N of "published articles not updated in N months".
#[server(prefix = "/api", endpoint = "editor/gaps/stale_months")]
pub async fn set_stale_months(months: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, state};
    use crate::domain::FieldErrors;
    use crate::server::now_ms;

    require_editor()?;
    let months = crate::domain::kb::parse_stale_months(&months).map_err(|e| {
        let mut errors = FieldErrors::new();
        errors.add("months", e);
        errors.keep("months", &months);
        fail(AppError::Invalid(errors))
    })?;
    crate::server::kb_gaps::set_stale_months(&state().db, months, now_ms()).await.map_err(db_error)?;
    leptos_axum::redirect("/editor/gaps?saved=1");
    Ok(())
}
