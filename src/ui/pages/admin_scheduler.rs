use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

use crate::api::scheduler::{list_scheduled, RetryScheduled, ScheduledSummary};
use crate::app::Page;
use crate::domain::scheduled::JobKind;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::schedule::EtaText;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

/// `/admin/scheduler`: the scheduler's upcoming, failed and recently done jobs, with a retry for failed ones.
#[component]
pub fn AdminSchedulerPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, scheduler.title).to_string() />
            <RequireRole allowed=|u| u.is_admin() children=|_| view! { <Scheduler /> } />
        </Page>
    }
}

fn kind_name(i18n: I18nContext<Locale>, kind: &str) -> &'static str {
    match JobKind::parse(kind) {
        Some(JobKind::AppointmentReminder) => t_string!(i18n, scheduler.kind_appointment_reminder),
        Some(JobKind::SlaBreachAlert) => t_string!(i18n, scheduler.kind_sla_breach_alert),
        Some(JobKind::FixHeldFollowup) => t_string!(i18n, scheduler.kind_fix_held_followup),
        Some(JobKind::SalienceSurvey) => t_string!(i18n, scheduler.kind_salience_survey),
        None => t_string!(i18n, scheduler.kind_other),
    }
}

/// Which list a table shows: its columns differ a little.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Upcoming,
    Failed,
    Done,
}

#[component]
fn Scheduler() -> impl IntoView {
    let i18n = use_i18n();
    let retry = ServerAction::<RetryScheduled>::new();
    let error = action_error(retry);
    let overview = Resource::new(move || retry.version().get(), |_| list_scheduled());
    // `?retried=1` is where a successful retry lands, with or without JavaScript.
    let query = use_query_map();
    let retried = move || query.with(|q| q.get("retried").is_some()) && error.get().is_none();
    view! {
        <h1>{t!(i18n, scheduler.title)}</h1>
        <p>{t!(i18n, scheduler.intro)}</p>
        <FormErrors error form_id="retry" />
        <div role="status">
            {move || retried().then(|| view! { <p class="notice notice-ok">{t!(i18n, scheduler.retried)}</p> })}
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(o) => {
                        view! {
                            <JobTable list=List::Upcoming jobs=o.upcoming retry />
                            <JobTable list=List::Failed jobs=o.failed retry />
                            <JobTable list=List::Done jobs=o.done retry />
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobTable(list: List, jobs: Vec<ScheduledSummary>, retry: ServerAction<RetryScheduled>) -> impl IntoView {
    let i18n = use_i18n();
    let (id, heading) = match list {
        List::Upcoming => ("upcoming", t_string!(i18n, scheduler.upcoming)),
        List::Failed => ("failed", t_string!(i18n, scheduler.failed)),
        List::Done => ("done", t_string!(i18n, scheduler.done)),
    };
    let heading_id = format!("{id}-heading");
    let body = if jobs.is_empty() {
        view! { <p>{t!(i18n, scheduler.none)}</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table aria-labelledby=heading_id.clone()>
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, scheduler.col_kind)}</th>
                            <th scope="col">{t!(i18n, scheduler.col_job)}</th>
                            <th scope="col">
                                {if list == List::Upcoming {
                                    t_string!(i18n, scheduler.col_run_at)
                                } else {
                                    t_string!(i18n, scheduler.col_finished)
                                }}
                            </th>
                            <th scope="col">{t!(i18n, scheduler.col_attempts)}</th>
                            <th scope="col">{t!(i18n, scheduler.col_error)}</th>
                            {(list != List::Done).then(|| view! { <th scope="col">{t!(i18n, scheduler.col_actions)}</th> })}
                        </tr>
                    </thead>
                    <tbody>{jobs.into_iter().map(|job| view! { <JobRow list job retry /> }).collect_view()}</tbody>
                </table>
            </div>
        }
            .into_any()
    };
    view! {
        <section aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{heading}</h2>
            {body}
        </section>
    }
}

#[component]
fn JobRow(list: List, job: ScheduledSummary, retry: ServerAction<RetryScheduled>) -> impl IntoView {
    let i18n = use_i18n();
    let label = job.reference.clone().unwrap_or_else(|| job.key.clone());
    let job_cell = match job.request_id {
        Some(request_id) => view! { <a href=format!("/staff/jobs/{request_id}")>{label.clone()}</a> }.into_any(),
        None => view! { <span>{label.clone()}</span> }.into_any(),
    };
    let at = if list == List::Upcoming { Some(job.run_at) } else { job.finished_at };
    let kind = job.kind.clone();
    view! {
        <tr>
            <td>{move || kind_name(i18n, &kind)}</td>
            <td>{job_cell}</td>
            <td>
                {at.map(|at| view! { <EtaText at /> })}
                {job.running.then(|| view! { " (" {t!(i18n, scheduler.running)} ")" })}
            </td>
            <td>{job.attempts} " / " {job.max_attempts}</td>
            <td>{job.last_error.clone().unwrap_or_default()}</td>
            {(list != List::Done)
                .then(|| {
                    let can_run = list == List::Failed || !job.running;
                    view! {
                        <td class="actions">
                            {can_run
                                .then(|| {
                                    view! {
                                        <ActionForm action=retry attr:class="inline-form">
                                            <input type="hidden" name="id" value=job.id />
                                            <button type="submit">
                                                {move || {
                                                    if list == List::Failed {
                                                        t_string!(i18n, scheduler.retry)
                                                    } else {
                                                        t_string!(i18n, scheduler.run_now)
                                                    }
                                                }}
                                                <span class="visually-hidden">" " {label.clone()}</span>
                                            </button>
                                        </ActionForm>
                                    }
                                })}
                        </td>
                    }
                })}
        </tr>
    }
}
