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

/// What one timeline entry says, by kind. `for_staff` words the customer's own entries for the team.
#[component]
pub fn TimelineText(
    kind: String,
    status: Option<JobStatus>,
    body: Option<String>,
    detail: crate::domain::schedule::EventDetail,
    #[prop(default = false)] for_staff: bool,
) -> impl IntoView {
    use super::schedule::{window_text, EtaText};
    let i18n = use_i18n();
    let eta = detail.eta.map(|at| view! { " · " {t!(i18n, timeline.eta)} " " <EtaText at /> });
    let body_view = body.clone().map(|b| view! { " " <span class="pre-wrap">{b}</span> });
    let lead = match kind.as_str() {
        "status" => status.map(|status| view! { <StatusChange status /> }.into_any()),
        "scheduled" => detail.window.map(|w| {
            view! { <span>{t!(i18n, timeline.scheduled, window = move || window_text(i18n, w))}</span> }.into_any()
        }),
        "delay" => Some(view! { <span>{t!(i18n, timeline.delay)}</span> }.into_any()),
        "reply" => Some(view! { <span>{t!(i18n, track.reply_from_team)}</span> }.into_any()),
        "customer_reply" if for_staff => Some(view! { <span>{t!(i18n, timeline.customer_wrote)}</span> }.into_any()),
        "customer_reply" => Some(view! { <span>{t!(i18n, timeline.you_wrote)}</span> }.into_any()),
        "customer_cancel" => Some(view! { <span>{t!(i18n, timeline.customer_cancelled)}</span> }.into_any()),
        "fix_not_held" if for_staff => Some(view! { <span>{t!(i18n, timeline.fix_not_held_staff)}</span> }.into_any()),
        "fix_not_held" => Some(view! { <span>{t!(i18n, timeline.fix_not_held)}</span> }.into_any()),
        "reschedule" => {
            let windows = detail.windows.clone();
            Some(
                view! {
                    <span>
                        {t!(i18n, timeline.reschedule)} " "
                        {move || windows.iter().map(|w| window_text(i18n, *w)).collect::<Vec<_>>().join("; ")}
                    </span>
                }
                .into_any(),
            )
        }
        "assigned" if body.is_some() => Some(view! { <span>{t!(i18n, timeline.assigned)}</span> }.into_any()),
        "assigned" => Some(view! { <span>{t!(i18n, timeline.unassigned)}</span> }.into_any()),
        _ => None,
    };
    view! { {lead} {body_view} {eta} }
}

pub fn sla_name(i18n: I18nContext<Locale>, sla: crate::domain::sla::SlaState) -> &'static str {
    use crate::domain::sla::SlaState;
    match sla {
        SlaState::Met => t_string!(i18n, sla.met),
        SlaState::OnTrack => t_string!(i18n, sla.on_track),
        SlaState::DueSoon => t_string!(i18n, sla.due_soon),
        SlaState::Breached => t_string!(i18n, sla.breached),
    }
}

/// The first-response state as a badge (breached and due-soon stand out), with the deadline.
#[component]
pub fn SlaBadge(sla: crate::domain::sla::SlaState, due_at: i64) -> impl IntoView {
    let i18n = use_i18n();
    let class = format!("sla sla-{}", sla.as_str());
    view! {
        <span class=class>
            {move || sla_name(i18n, sla)} " (" {t!(i18n, sla.due)} " " <Timestamp at=due_at /> ")"
        </span>
    }
}
