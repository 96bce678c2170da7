//! User administration (admin role).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AppError, UserId};

/// One row of the admin users table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    pub roles: Vec<crate::domain::Role>,
    pub disabled: bool,
    pub created_at: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::users::UserRow> for UserSummary {
    fn from(row: crate::server::db::users::UserRow) -> Self {
        let roles = crate::domain::Roles::parse(&row.roles).map(|r| r.iter().collect()).unwrap_or_default();
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            roles,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
        }
    }
}

#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::users;

    require(|u| u.is_admin())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = users::list(&mut conn).await.map_err(db_error)?;
    Ok(rows.into_iter().map(UserSummary::from).collect())
}

/// Sets a user's roles from the checkboxes of the users table: any of staff / editor / admin, or none of
/// them for a customer.
#[server(prefix = "/api", endpoint = "admin/users/roles")]
pub async fn set_user_roles(
    user_id: UserId,
    staff: Option<String>,
    editor: Option<String>,
    admin: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{account_error, require, state};
    use crate::domain::{Role, Roles};
    use crate::server::{accounts, now_ms};

    let actor = require(|u| u.is_admin())?;
    let team: Vec<Role> = [(staff, Role::Staff), (editor, Role::Editor), (admin, Role::Admin)]
        .into_iter()
        .filter_map(|(checked, role)| checked.map(|_| role))
        .collect();
    let roles =
        if team.is_empty() { Roles::customer() } else { Roles::new(team).expect("team roles form a valid set") };
    let state = state();
    let result = accounts::set_roles(&state.db, &state.bus, &actor.email, user_id, &roles, now_ms()).await;
    result.map_err(|e| account_error(e, "roles"))?;
    leptos_axum::redirect("/admin/users?saved=roles");
    Ok(())
}

/// Disables a user (ending all their sessions at once) or enables them again.
#[server(prefix = "/api", endpoint = "admin/users/disabled")]
pub async fn set_user_disabled(user_id: UserId, disabled: bool) -> Result<(), AppError> {
    use super::guard::{account_error, invalid, require, state};
    use crate::domain::FieldError;
    use crate::server::{accounts, now_ms};

    let actor = require(|u| u.is_admin())?;
    if disabled && actor.id == user_id {
        return Err(invalid("disabled", FieldError::NotYourself));
    }
    let state = state();
    let result = accounts::set_disabled(&state.db, &state.bus, &actor.email, user_id, disabled, now_ms()).await;
    result.map_err(|e| account_error(e, "disabled"))?;
    leptos_axum::redirect("/admin/users?saved=status");
    Ok(())
}
