//! Sign-in, sign-out, magic links, the current user and the language choice.
use leptos::prelude::*;

use crate::domain::{AppError, CurrentUser};

/// Who is signed in (`None` for a visitor).
#[server(prefix = "/api", endpoint = "auth/me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(super::guard::auth().user)
}

/// Email + password sign-in for any account that has a password. Rate limited per IP and per email.
#[server(prefix = "/api", endpoint = "auth/sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::guard::{db_error, fail, rate_limit, safe_next, set_cookie, state};
    use crate::domain::{Email, FieldError, FieldErrors};
    use crate::server::{auth::password, db::users, now_ms};

    let mut errors = FieldErrors::new();
    errors.keep("email", &email);
    let parsed = errors.check("email", Email::parse(&email));
    if password.is_empty() {
        errors.add("password", FieldError::Required);
    }
    errors.into_result().map_err(fail)?;
    let email = parsed.expect("checked above");
    rate_limit("sign_in", Some(email.as_str()))?;

    let state = state();
    let user = {
        let mut conn = state.db.acquire().await.map_err(db_error)?;
        users::find_by_email(&mut conn, email.as_str()).await.map_err(db_error)?
    };
    let stored = user.as_ref().filter(|u| u.disabled_at.is_none()).and_then(|u| u.password_hash.clone());
    if !password::verify_async(stored, password).await {
        return Err(fail(AppError::InvalidCredentials));
    }
    let user = user.expect("a verified password belongs to a user");
    let auth = super::guard::auth();
    let started = state.sessions.start(user.id, auth.session_id.as_deref(), now_ms()).await.map_err(db_error)?;
    set_cookie(&started.cookie);
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Emails a single-use sign-in link (customers). Answers the same whether or not the address has an account.
#[server(prefix = "/api", endpoint = "auth/request_link")]
pub async fn request_link(email: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, rate_limit, state};
    use crate::domain::{Email, FieldErrors};
    use crate::server::{auth::magic, now_ms};

    let mut errors = FieldErrors::new();
    errors.keep("email", &email);
    let parsed = errors.check("email", Email::parse(&email));
    errors.into_result().map_err(fail)?;
    let email = parsed.expect("checked above");
    rate_limit("magic_link", Some(email.as_str()))?;

    let state = state();
    let locale = crate::server::security::request_locale(&super::guard::parts().headers);
    match magic::issue(&state.db, &state.config, &email, locale, now_ms()).await.map_err(db_error)? {
        magic::Issued::Sent { link } => {
            tracing::info!("sign-in link queued for an account");
            if state.config.demo {
                // Demo mode also shows the link on the console (the e2e suite reads it there).
                println!("magic link for {email}: {link}");
            }
        }
        magic::Issued::Refused => tracing::info!("sign-in link refused (team or disabled account)"),
    }
    leptos_axum::redirect("/sign-in?sent=1");
    Ok(())
}

/// Whether a sign-in link can still be used (the landing page shows "expired" early). Consumes nothing.
#[server(prefix = "/api", endpoint = "auth/link_status")]
pub async fn link_status(token: String) -> Result<bool, AppError> {
    use super::guard::{db_error, state};
    use crate::server::{auth::magic, now_ms};

    if !crate::server::auth::tokens::plausible(&token) {
        return Ok(false);
    }
    magic::is_usable(&state().db, &token, now_ms()).await.map_err(db_error)
}

/// Redeems a sign-in link: a POST from the landing page, never a GET, so mail scanners cannot use it up.
#[server(prefix = "/api", endpoint = "auth/use_link")]
pub async fn use_link(token: String) -> Result<(), AppError> {
    use super::guard::{auth, db_error, fail, rate_limit, set_cookie, state};
    use crate::server::{auth::magic, now_ms};

    rate_limit("use_link", None)?;
    let state = state();
    let Some(user) = magic::redeem(&state.db, &token, now_ms()).await.map_err(db_error)? else {
        return Err(fail(AppError::LinkExpired));
    };
    let started = state.sessions.start(user.id, auth().session_id.as_deref(), now_ms()).await.map_err(db_error)?;
    set_cookie(&started.cookie);
    leptos_axum::redirect("/account");
    Ok(())
}

#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::guard::{auth, db_error, set_cookie, state};

    let state = state();
    if let Some(id) = auth().session_id {
        state.sessions.end(&id).await.map_err(db_error)?;
    }
    set_cookie(&state.sessions.clear_cookie());
    leptos_axum::redirect("/");
    Ok(())
}

/// Remembers the chosen language in the cookie the i18n layer reads (works without JavaScript).
#[server(prefix = "/api", endpoint = "locale")]
pub async fn set_locale(locale: String) -> Result<(), AppError> {
    use super::guard::{invalid, set_cookie};
    use crate::domain::FieldError;
    use crate::i18n::Locale;
    use leptos_i18n::Locale as _;

    let Ok(locale) = locale.parse::<Locale>() else {
        return Err(invalid("locale", FieldError::InvalidChoice));
    };
    set_cookie(&format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", crate::LOCALE_COOKIE, locale.as_str()));
    Ok(())
}
