//! Mail preferences behind the private link that non-essential mail carries.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::preferences::MailPreferences;
use crate::domain::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferencesView {
    pub email: String,
    pub preferences: MailPreferences,
}

/// The preferences behind a link. Reading them changes nothing.
#[server(prefix = "/api", endpoint = "preferences")]
pub async fn get_preferences(token: String) -> Result<PreferencesView, AppError> {
    use super::guard::{db_error, fail, state};
    let found = crate::server::preferences::by_token(&state().db, &token).await.map_err(db_error)?;
    let (email, preferences) = found.ok_or_else(|| fail(AppError::NotFound))?;
    Ok(PreferencesView { email, preferences })
}

/// Saves them (`updates`: `all` or `important`; `surveys` present when ticked). Honoured by the next mail.
#[server(prefix = "/api", endpoint = "preferences/save")]
pub async fn save_preferences(token: String, updates: String, surveys: Option<String>) -> Result<(), AppError> {
    use super::guard::{db_error, fail, rate_limit, state};
    use crate::domain::preferences::Updates;
    use crate::domain::{FieldError, FieldErrors};
    use crate::server::now_ms;

    rate_limit("preferences", None)?;
    let Some(updates) = Updates::parse(&updates) else {
        let mut errors = FieldErrors::new();
        errors.add("updates", FieldError::InvalidChoice);
        return Err(fail(AppError::Invalid(errors)));
    };
    let prefs = MailPreferences { updates, surveys: surveys.is_some() };
    if !crate::server::preferences::save(&state().db, &token, prefs, now_ms()).await.map_err(db_error)? {
        return Err(fail(AppError::NotFound));
    }
    leptos_axum::redirect(&format!("/preferences/{token}?saved=1"));
    Ok(())
}
