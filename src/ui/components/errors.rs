//! Turning wire errors into translated, specific messages.
use leptos::prelude::*;

use crate::domain::{AppError, FieldError, FieldErrors};
use crate::i18n::*;
use leptos_i18n::I18nContext;

/// The message for one field's error (a view: messages with numbers interpolate). `field` refines generic codes ("Required" on an email field says
/// "Enter your email address").
pub fn field_error_text(i18n: I18nContext<Locale>, field: &str, error: &FieldError) -> AnyView {
    let text = match error {
        FieldError::Required if field == "email" => t_string!(i18n, errors.required_email),
        FieldError::Required if field == "category" => t_string!(i18n, errors.choose_category),
        FieldError::Required => t_string!(i18n, errors.required),
        FieldError::InvalidEmail => t_string!(i18n, errors.invalid_email),
        FieldError::TooShort { min } => {
            let min = *min;
            return t!(i18n, errors.too_short, min = move || min).into_any();
        }
        FieldError::TooLong { max } => {
            let max = *max;
            return t!(i18n, errors.too_long, max = move || max).into_any();
        }
        FieldError::Mismatch if field == "current_password" => t_string!(i18n, errors.mismatch_current),
        FieldError::Mismatch => t_string!(i18n, errors.mismatch_confirm),
        FieldError::InvalidChoice => t_string!(i18n, errors.invalid_choice),
        FieldError::CustomerWithTeamRole => t_string!(i18n, errors.customer_with_team_role),
        FieldError::AlreadyTaken => t_string!(i18n, errors.already_taken),
        FieldError::LastAdmin => t_string!(i18n, errors.last_admin),
        FieldError::NotYourself => t_string!(i18n, errors.not_yourself),
        FieldError::NoPassword => t_string!(i18n, errors.no_password),
        FieldError::InvalidPhone => t_string!(i18n, errors.invalid_phone),
        FieldError::InvalidDate => t_string!(i18n, errors.invalid_date),
        FieldError::DateInPast => t_string!(i18n, errors.date_in_past),
        FieldError::DateTooFar { days } => {
            let days = *days;
            return t!(i18n, errors.date_too_far, days = move || days).into_any();
        }
        FieldError::DuplicateWindow => t_string!(i18n, errors.duplicate_window),
        FieldError::NotNow => t_string!(i18n, errors.not_now),
        FieldError::WindowRequired => t_string!(i18n, errors.window_required),
        FieldError::OutOfRange { min, max } => {
            let (min, max) = (*min, *max);
            return t!(i18n, errors.out_of_range, min = move || min, max = move || max).into_any();
        }
        FieldError::InvalidSlug => t_string!(i18n, errors.invalid_slug),
        FieldError::OwnArticle => t_string!(i18n, editor.own_article),
        FieldError::NotAnImage => t_string!(i18n, photos.not_an_image),
        FieldError::TooLarge { max_mb } => {
            let max_mb = *max_mb;
            return t!(i18n, photos.too_large, max_mb = move || max_mb).into_any();
        }
        FieldError::QuoteNotPositive => t_string!(i18n, feedback.quote_not_positive),
        FieldError::TooManyPhotos { max } => {
            let max = *max;
            return t!(i18n, photos.too_many, max = move || max).into_any();
        }
    };
    text.into_any()
}

/// The message for an error that is not about one field.
pub fn error_text(i18n: I18nContext<Locale>, error: &AppError) -> AnyView {
    let text = match error {
        AppError::Unauthenticated => t_string!(i18n, errors.unauthenticated),
        AppError::Forbidden => t_string!(i18n, errors.forbidden),
        AppError::NotFound => t_string!(i18n, errors.not_found),
        AppError::InvalidCredentials => t_string!(i18n, errors.invalid_credentials),
        AppError::Invalid(_) => t_string!(i18n, errors.summary_title),
        AppError::RateLimited { retry_after_secs } => {
            let minutes = retry_after_secs.div_ceil(60).max(1);
            return t!(i18n, errors.rate_limited, minutes = move || minutes).into_any();
        }
        AppError::LinkExpired => t_string!(i18n, errors.link_expired),
        AppError::InvalidTransition { from, to } => {
            let (from, to) = (*from, *to);
            return t!(
                i18n,
                errors.invalid_transition,
                from = move || super::job::status_name(i18n, from),
                to = move || super::job::status_name(i18n, to)
            )
            .into_any();
        }
        AppError::Conflict { by, at } => {
            let by = by.clone().unwrap_or_else(|| t_string!(i18n, errors.someone).to_string());
            let at = crate::domain::time::format_utc(*at);
            return t!(i18n, errors.conflict, name = move || by.clone(), time = move || at.clone()).into_any();
        }
        AppError::Unavailable { request_id } => {
            let id = request_id.clone();
            return t!(i18n, errors.unavailable, id = move || id.clone()).into_any();
        }
        AppError::Internal { request_id } => {
            let id = request_id.clone();
            return t!(i18n, errors.internal, id = move || id.clone()).into_any();
        }
        AppError::Request(_) => t_string!(i18n, errors.request),
    };
    text.into_any()
}

/// An error that is not about a single field, announced to screen readers.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="notice notice-error" role="alert">
            <p>{move || error_text(i18n, &error)}</p>
        </div>
    }
}

/// The summary at the top of a form: what is wrong, each linking to its field. `ids` maps a field name to
/// the id of its input.
#[component]
pub fn ErrorSummary(errors: FieldErrors, #[prop(into)] form_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let items = errors
        .0
        .into_iter()
        .map(|(field, error)| {
            let href = format!("#{form_id}-{field}");
            view! {
                <li>
                    <a href=href>{move || field_error_text(i18n, &field, &error)}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="error-summary" role="alert" tabindex="-1">
            <h2>{t!(i18n, errors.summary_title)}</h2>
            <ul>{items}</ul>
        </div>
    }
}

/// The error part of an action's result: the summary for field errors, a notice for anything else.
#[component]
pub fn FormErrors(error: Signal<Option<AppError>>, #[prop(into)] form_id: String) -> impl IntoView {
    move || {
        error.get().map(|error| match error {
            AppError::Invalid(errors) => view! { <ErrorSummary errors form_id=form_id.clone() /> }.into_any(),
            other => view! { <ErrorNotice error=other /> }.into_any(),
        })
    }
}
