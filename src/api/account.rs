//! The signed-in person's own account.
use leptos::prelude::*;

use crate::domain::AppError;

#[server(prefix = "/api", endpoint = "account/profile")]
pub async fn update_profile(display_name: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, require_user, state};
    use crate::domain::{DisplayName, FieldErrors};
    use crate::server::{db::users, now_ms};

    let user = require_user()?;
    let mut errors = FieldErrors::new();
    errors.keep("display_name", &display_name);
    let name = errors.check("display_name", DisplayName::parse(&display_name));
    errors.into_result().map_err(fail)?;
    let name = name.flatten();
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    users::set_display_name(&mut conn, user.id, name.as_ref().map(|n| n.as_str()), now_ms()).await.map_err(db_error)?;
    leptos_axum::redirect("/account?saved=profile");
    Ok(())
}

/// Sets or changes the password. Changing an existing one needs the current one.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(
    current_password: Option<String>,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::guard::{account_error, db_error, fail, rate_limit, require_user, set_cookie, state};
    use crate::domain::{FieldError, FieldErrors, Password};
    use crate::server::{accounts, auth::password, db::users, now_ms};

    let user = require_user()?;
    rate_limit("password", Some(&user.email))?;
    let state = state();
    let mut errors = FieldErrors::new();
    if user.has_password {
        let stored = {
            let mut conn = state.db.acquire().await.map_err(db_error)?;
            users::find_by_id(&mut conn, user.id).await.map_err(db_error)?.and_then(|u| u.password_hash)
        };
        let current = current_password.unwrap_or_default();
        if current.is_empty() {
            errors.add("current_password", FieldError::Required);
        } else if !password::verify_async(stored, current).await {
            errors.add("current_password", FieldError::Mismatch);
        }
    }
    let new = errors.check("new_password", Password::parse(&new_password));
    if new.is_some() && new_password != confirm_password {
        errors.add("confirm_password", FieldError::Mismatch);
    }
    errors.into_result().map_err(fail)?;
    let new = new.expect("checked above");
    let now = now_ms();
    accounts::set_password(&state.db, user.id, new, now).await.map_err(|e| account_error(e, "new_password"))?;
    // Every session ended with the old password; this browser continues on a fresh one.
    let started = state.sessions.start(user.id, None, now).await.map_err(db_error)?;
    set_cookie(&started.cookie);
    leptos_axum::redirect("/account?saved=password");
    Ok(())
}
