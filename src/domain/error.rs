//! The one error type that crosses the wire. It carries codes, never English text, so the browser can show a
//! translated message, and it never carries infrastructure details (those are logged on the server).
use serde::{Deserialize, Serialize};

/// What is wrong with one field. Rendered through the i18n layer next to the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldError {
    Required,
    InvalidEmail,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    Mismatch,
    InvalidChoice,
    /// A role set that mixes customer with a team role.
    CustomerWithTeamRole,
    AlreadyTaken,
    /// The change would leave no active admin.
    LastAdmin,
    /// An admin cannot disable their own account.
    NotYourself,
    /// Team roles need an account that signs in with a password.
    NoPassword,
    InvalidPhone,
    /// Not a real date (or date and time).
    InvalidDate,
    DateInPast,
    /// More than `days` days ahead.
    DateTooFar {
        days: i64,
    },
    /// The same time window given twice.
    DuplicateWindow,
    /// A whole number between `min` and `max`.
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// Only lowercase letters, digits and dashes.
    InvalidSlug,
    /// Review is required and only another editor may publish this article.
    OwnArticle,
    /// A job is scheduled by confirming a time window first.
    WindowRequired,
    /// Not possible at the job's current stage (a cancellation once the technician is on site, say).
    NotNow,
    /// A file whose content is not a JPEG, PNG or WebP image (whatever its name says).
    NotAnImage,
    /// A file over the size limit, in whole megabytes.
    TooLarge {
        max_mb: usize,
    },
    /// More files than allowed.
    TooManyPhotos {
        max: usize,
    },
    /// Only a positive rating with a comment can be quoted as a testimonial.
    QuoteNotPositive,
}

/// Field errors of one submitted form, in the order of the form's fields, with the (non-secret) values the
/// person typed, so a form re-rendered after a post without JavaScript keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, FieldError)>, pub Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, error: FieldError) {
        self.0.push((field.to_owned(), error));
    }

    /// Remembers what was typed into a field (never call it for a password).
    pub fn keep(&mut self, field: &str, value: &str) {
        self.1.push((field.to_owned(), value.to_owned()));
    }

    pub fn value(&self, field: &str) -> Option<&str> {
        self.1.iter().find(|(f, _)| f == field).map(|(_, v)| v.as_str())
    }

    /// Records the error of a parse result and returns the parsed value, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.add(field, e)).ok()
    }

    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, e)| e)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, else the whole set as an [`AppError::Invalid`].
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not signed in (HTTP 401).
    #[error("sign-in required")]
    Unauthenticated,
    /// Signed in, but not allowed (HTTP 403). Also used for a failed Origin check.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Wrong email or password; deliberately does not say which.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Too many attempts (HTTP 429).
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// A magic link that is unknown, used or expired.
    #[error("link expired")]
    LinkExpired,
    /// A job status change the lifecycle does not allow.
    #[error("invalid transition")]
    InvalidTransition { from: super::job::JobStatus, to: super::job::JobStatus },
    /// Someone else saved first (HTTP 409): who (if known) and when.
    #[error("changed meanwhile")]
    Conflict { by: Option<String>, at: i64 },
    /// The database is unreachable (HTTP 503).
    #[error("unavailable")]
    Unavailable { request_id: String },
    /// Anything else: logged in full on the server under `request_id`.
    #[error("internal error")]
    Internal { request_id: String },
    /// The request did not reach the function (network, decoding); text comes from the server-fn layer.
    #[error("request failed: {0}")]
    Request(String),
}

impl AppError {
    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::InvalidCredentials
            | AppError::Invalid(_)
            | AppError::LinkExpired
            | AppError::InvalidTransition { .. } => 400,
            AppError::Conflict { .. } => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Unavailable { .. } => 503,
            AppError::Internal { .. } | AppError::Request(_) => 500,
        }
    }

    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_collect_in_order() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check("a", Ok::<_, FieldError>(1)), Some(1));
        assert_eq!(errors.check::<i32>("b", Err(FieldError::Required)), None);
        errors.add("c", FieldError::Mismatch);
        assert_eq!(errors.get("b"), Some(&FieldError::Required));
        assert_eq!(errors.0.len(), 2);
        assert!(matches!(errors.into_result(), Err(AppError::Invalid(e)) if e.0[1].0 == "c"));
    }

    #[test]
    fn statuses() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::RateLimited { retry_after_secs: 1 }.status(), 429);
        assert_eq!(AppError::Unavailable { request_id: "r".into() }.status(), 503);
    }
}
