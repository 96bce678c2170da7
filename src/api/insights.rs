//! The staff KPI dashboard (`/staff/insights`). Its CSV exports are plain axum routes
//! (`server::insights`), so a link downloads them.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::jobs::Choice;
use crate::domain::insights::{Kpis, Period};
use crate::domain::AppError;

/// The dashboard for one period and filter, with what its filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The period shown (the default one when the form gave none).
    pub period: Period,
    pub kpis: Kpis,
    pub categories: Vec<Choice>,
    pub technicians: Vec<Choice>,
}

/// The dashboard. Every parameter comes from the page's GET form (a shareable URL): dates as
/// `YYYY-MM-DD` (inclusive, UTC), `category` and `technician` ids (`technician=none`: unassigned),
/// `channel` (`web`, `phone`, `email`). Unreadable values fall back to the default, they are not errors.
#[server(prefix = "/api", endpoint = "staff/insights")]
pub async fn insights_dashboard(
    from: Option<String>,
    to: Option<String>,
    category: Option<String>,
    technician: Option<String>,
    channel: Option<String>,
) -> Result<Dashboard, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::insights::{dashboard, parse_query, Query};
    use crate::server::now_ms;

    require(|u| u.is_staff())?;
    let now = now_ms();
    let (period, filter) = parse_query(&Query { from, to, category, technician, channel }, now);
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    dashboard(&mut conn, &filter, period, now).await.map_err(db_error)
}
