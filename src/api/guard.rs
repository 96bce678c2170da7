//! Helpers every server function uses: the state, who is asking, and turning failures into the wire error.
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

use crate::domain::{AppError, CurrentUser, FieldError, FieldErrors};
use crate::server::accounts::AccountError;
use crate::server::requests::JobError;
use crate::server::security::{request_id, Auth};
use crate::server::state::AppState;

pub fn state() -> AppState {
    expect_context::<AppState>()
}

pub fn parts() -> Parts {
    expect_context::<Parts>()
}

/// Who is asking (attached by the session middleware).
pub fn auth() -> Auth {
    use_context::<Parts>().and_then(|p| p.extensions.get::<Auth>().cloned()).unwrap_or_default()
}

/// A plain form post (JavaScript off) answers with a redirect back to the form, carrying the error in the
/// URL, so its status must stay a redirect; calls from the hydrated app get the real status.
fn is_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| {
        p.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    })
}

/// Sets the HTTP status for `error` (when the caller is not a plain form post) and returns it.
pub fn fail(error: AppError) -> AppError {
    if !is_form_post() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.set_status(StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
            if let AppError::RateLimited { retry_after_secs } = &error {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.insert_header(header::RETRY_AFTER, v);
                }
            }
        }
    }
    error
}

/// Logs an infrastructure failure with the request id and returns the opaque error the browser sees.
pub fn internal(error: impl std::fmt::Display) -> AppError {
    let id = use_context::<Parts>().map(|p| request_id(&p.headers)).unwrap_or_else(|| "-".into());
    tracing::error!(request_id = %id, error = %error, "request failed");
    fail(AppError::Internal { request_id: id })
}

/// Like [`internal`], but a database that cannot be reached is reported as unavailable (503).
pub fn db_error(error: sqlx::Error) -> AppError {
    if crate::server::db::is_unavailable(&error) {
        let id = use_context::<Parts>().map(|p| request_id(&p.headers)).unwrap_or_else(|| "-".into());
        tracing::error!(request_id = %id, error = %error, "database unavailable");
        return fail(AppError::Unavailable { request_id: id });
    }
    internal(error)
}

/// A rejected form with one field's error (HTTP 400).
pub fn invalid(field: &str, error: FieldError) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, error);
    fail(AppError::Invalid(errors))
}

/// An account-service refusal as the wire error; `field` is the form field a last-admin refusal belongs to.
pub fn account_error(error: AccountError, field: &str) -> AppError {
    match error {
        AccountError::NotFound => fail(AppError::NotFound),
        AccountError::LastAdmin => invalid(field, FieldError::LastAdmin),
        AccountError::NoPassword => invalid(field, FieldError::NoPassword),
        AccountError::EmailTaken => invalid("email", FieldError::AlreadyTaken),
        AccountError::Db(e) => db_error(e),
    }
}

/// A job-service refusal as the wire error.
pub fn job_error(error: JobError) -> AppError {
    match error {
        JobError::NotFound => fail(AppError::NotFound),
        JobError::InvalidTransition { from, to } => fail(AppError::InvalidTransition { from, to }),
        JobError::Conflict { by, at } => fail(AppError::Conflict { by, at }),
        JobError::Invalid(errors) => fail(AppError::Invalid(errors)),
        JobError::Db(e) => db_error(e),
    }
}

pub fn require_user() -> Result<CurrentUser, AppError> {
    auth().user.ok_or_else(|| fail(AppError::Unauthenticated))
}

/// The signed-in user if `allowed` says yes: 401 when signed out, 403 when signed in without the role.
pub fn require(allowed: impl Fn(&CurrentUser) -> bool) -> Result<CurrentUser, AppError> {
    let user = require_user()?;
    if allowed(&user) {
        Ok(user)
    } else {
        Err(fail(AppError::Forbidden))
    }
}

/// Appends a Set-Cookie header to the response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(v)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(value)) {
        response.append_header(header::SET_COOKIE, v);
    }
}

/// Counts an attempt against the per-IP and per-email limits.
pub fn rate_limit(scope: &str, email: Option<&str>) -> Result<(), AppError> {
    let state = state();
    let ip = crate::server::security::client_ip(&parts());
    let limiter = &state.limiter;
    // The address first: once it is over its limit, its attempts do not create per-email entries.
    let result = limiter.hit(&format!("{scope}:ip:{ip}"), state.config.rate_limit_per_ip).and_then(|()| match email {
        Some(email) => limiter.hit(&format!("{scope}:email:{email}"), state.config.rate_limit_per_email),
        None => Ok(()),
    });
    result.map_err(|retry_after_secs| {
        tracing::warn!(scope, %ip, "rate limit reached");
        fail(AppError::RateLimited { retry_after_secs })
    })
}

/// Counts an attempt against a per-IP limit of its own (for endpoints called far more often than a form is
/// posted, such as suggestions while typing).
pub fn rate_limit_per_ip(scope: &str, limit: u32) -> Result<(), AppError> {
    let state = state();
    let ip = crate::server::security::client_ip(&parts());
    state.limiter.hit(&format!("{scope}:ip:{ip}"), limit).map_err(|retry_after_secs| {
        tracing::warn!(scope, %ip, "rate limit reached");
        fail(AppError::RateLimited { retry_after_secs })
    })
}

/// A same-site path to go to after signing in; anything else (another host, `//evil`) becomes `/account`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/account".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/staff")), "/staff");
        assert_eq!(safe_next(Some("/help?q=a://b")), "/help?q=a://b");
        for bad in ["//evil.example", "/\\evil.example", "https://evil.example", "", "/a\nb"] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/account");
    }
}
