//! The staff workspace.
use leptos::prelude::*;

use crate::domain::AppError;
use crate::live::LiveMessage;

/// The newest team activity, newest first (the page then follows the `staff` topic live).
#[server(prefix = "/api", endpoint = "staff/activity")]
pub async fn staff_activity() -> Result<Vec<LiveMessage>, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::events;

    require(|u| u.is_staff())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = events::latest(&mut conn, "staff", 20).await.map_err(db_error)?;
    Ok(rows.into_iter().map(|r| LiveMessage { id: r.id, kind: r.kind, payload: r.payload, at: r.created_at }).collect())
}
