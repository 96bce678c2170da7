//! Small views shared by the customer's and the team's job pages.
use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::domain::job::JobStatus;
use crate::domain::time::{format_utc, iso8601};
use crate::i18n::*;

pub fn status_name(i18n: I18nContext<Locale>, status: JobStatus) -> &'static str {
    match status {
        JobStatus::Received => t_string!(i18n, status.received),
        JobStatus::Scheduled => t_string!(i18n, status.scheduled),
        JobStatus::EnRoute => t_string!(i18n, status.en_route),
        JobStatus::OnSite => t_string!(i18n, status.on_site),
        JobStatus::Completed => t_string!(i18n, status.completed),
        JobStatus::NeedsRevisit => t_string!(i18n, status.needs_revisit),
        JobStatus::Cancelled => t_string!(i18n, status.cancelled),
    }
}

/// A stored instant as a machine-readable `<time>` showing UTC.
#[component]
pub fn Timestamp(at: i64) -> impl IntoView {
    view! { <time datetime=iso8601(at)>{format_utc(at)}</time> }
}

/// "Status changed to …" for a timeline entry.
#[component]
pub fn StatusChange(status: JobStatus) -> impl IntoView {
    let i18n = use_i18n();
    view! { <span>{t!(i18n, track.event_status, status = move || status_name(i18n, status))}</span> }
}
