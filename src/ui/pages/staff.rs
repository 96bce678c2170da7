use leptos::prelude::*;
use serde::Deserialize;

use crate::api::jobs::{list_jobs, JobSummary};
use crate::api::staff::staff_activity;
use crate::app::Page;
use crate::domain::job::JobStatus;
use crate::domain::sla::SlaState;
use crate::i18n::*;
use crate::live::LiveMessage;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::job::{sla_name, status_name, SlaBadge, Timestamp};
use crate::ui::components::schedule::WindowText;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, staff.title).to_string() />
            <RequireRole allowed=|u| u.is_staff() children=|_| view! { <Workspace /> } />
        </Page>
    }
}

/// What account events carry (see `server::accounts::AccountEvent`).
#[derive(Deserialize, Default)]
struct AccountPayload {
    email: String,
    roles: String,
    by: Option<String>,
}

fn describe(i18n: I18nContext<Locale>, message: &LiveMessage) -> AnyView {
    let value: serde_json::Value = serde_json::from_str(&message.payload).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let p: AccountPayload = serde_json::from_value(value.clone()).unwrap_or_default();
    let (email, roles, by) = (p.email, p.roles, p.by.unwrap_or_default());
    let email = move || email.clone();
    let by = move || by.clone();
    match message.kind.as_str() {
        "user.created" => t!(i18n, staff.event_user_created, email).into_any(),
        "user.roles_changed" => {
            t!(i18n, staff.event_user_roles_changed, by, email, roles = move || roles.clone()).into_any()
        }
        "user.disabled" => t!(i18n, staff.event_user_disabled, by, email).into_any(),
        "user.enabled" => t!(i18n, staff.event_user_enabled, by, email).into_any(),
        "request.created" => {
            let (reference, summary) = (field("reference"), field("summary"));
            t!(
                i18n,
                staff.event_request_created,
                reference = move || reference.clone(),
                summary = move || summary.clone()
            )
            .into_any()
        }
        "job.status" | "job.scheduled" | "job.customer_cancel" => {
            let reference = field("reference");
            let status = JobStatus::parse(&field("status")).unwrap_or(JobStatus::Received);
            t!(
                i18n,
                staff.event_job_status,
                reference = move || reference.clone(),
                status = move || status_name(i18n, status)
            )
            .into_any()
        }
        "job.customer_reply" | "job.reschedule" | "job.reply" | "job.note" | "job.delay" | "job.assigned" => {
            let reference = field("reference");
            let what = match message.kind.as_str() {
                "job.customer_reply" => t_string!(i18n, staff.event_customer_reply),
                "job.reschedule" => t_string!(i18n, staff.event_reschedule),
                "job.reply" => t_string!(i18n, staff.event_reply),
                "job.note" => t_string!(i18n, staff.event_note),
                "job.delay" => t_string!(i18n, staff.event_delay),
                _ => t_string!(i18n, staff.event_assigned),
            };
            view! { <span>{reference} ": " {what}</span> }.into_any()
        }
        other => {
            let kind = other.to_owned();
            t!(i18n, staff.event_other, kind = move || kind.clone()).into_any()
        }
    }
}

/// The board's filters as the URL carries them (a plain GET form: shareable, works without JavaScript).
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    status: Option<String>,
    category: Option<String>,
    technician: Option<String>,
    sla: Option<String>,
    q: Option<String>,
}

fn filters_from_url() -> Memo<Filters> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            Filters {
                status: get("status"),
                category: get("category"),
                technician: get("technician"),
                sla: get("sla"),
                q: get("q"),
            }
        })
    })
}

/// A filter select whose current value comes from the URL.
#[component]
fn FilterSelect(
    name: &'static str,
    label: Signal<String>,
    options: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("board-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id name=name>
                <option value="">{t!(i18n, staff.filter_any)}</option>
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let selected = current.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// The service requests, filtered; reloaded when the activity stream reports a new or changed one. Jobs
/// whose first response is overdue or due soon are highlighted.
#[component]
fn Requests(changes: ReadSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let filters = filters_from_url();
    let jobs = Resource::new(
        move || (changes.get(), filters.get()),
        |(_, f)| list_jobs(f.status, f.category, f.technician, f.sla, f.q),
    );
    let text = |f: fn(I18nContext<Locale>) -> &'static str| Signal::derive(move || f(use_i18n()).to_string());
    view! {
        <section aria-labelledby="requests-heading">
            <h2 id="requests-heading">{t!(i18n, staff.requests_heading)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let board = match jobs.await {
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                        Ok(board) => board,
                    };
                    let f = filters.get_untracked();
                    let statuses = JobStatus::ALL.iter().map(|s| (s.as_str().to_owned(), status_name(i18n, *s).to_owned())).collect();
                    let categories = board.categories.iter().map(|c| (c.id.to_string(), c.name.clone())).collect();
                    let mut technicians: Vec<(String, String)> = vec![("none".into(), t_string!(i18n, staff.unassigned).to_owned())];
                    technicians.extend(board.technicians.iter().map(|t| (t.id.to_string(), t.name.clone())));
                    let slas = SlaState::ALL.iter().map(|s| (s.as_str().to_owned(), sla_name(i18n, *s).to_owned())).collect();
                    let empty = board.jobs.is_empty();
                    view! {
                        <form method="get" action="/staff" class="filters" role="search" aria-label=move || t_string!(i18n, staff.filters)>
                            <div class="field">
                                <label for="board-q">{t!(i18n, staff.search)}</label>
                                <input id="board-q" name="q" type="search" value=f.q.clone().unwrap_or_default() maxlength="100" />
                            </div>
                            <FilterSelect name="status" label=text(|i18n| t_string!(i18n, staff.col_status)) options=statuses current=f.status.clone() />
                            <FilterSelect name="category" label=text(|i18n| t_string!(i18n, track.category)) options=categories current=f.category.clone() />
                            <FilterSelect name="technician" label=text(|i18n| t_string!(i18n, job.technician)) options=technicians current=f.technician.clone() />
                            <FilterSelect name="sla" label=text(|i18n| t_string!(i18n, staff.col_sla)) options=slas current=f.sla.clone() />
                            <button type="submit">{t!(i18n, staff.apply_filters)}</button>
                            " " <a href="/staff">{t!(i18n, staff.clear_filters)}</a>
                        </form>
                        {if empty {
                            view! { <p>{t!(i18n, staff.no_requests)}</p> }.into_any()
                        } else {
                            view! { <BoardTable jobs=board.jobs /> }.into_any()
                        }}
                    }
                        .into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn BoardTable(jobs: Vec<JobSummary>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, staff.col_reference)}</th>
                        <th scope="col">{t!(i18n, staff.col_summary)}</th>
                        <th scope="col">{t!(i18n, staff.col_customer)}</th>
                        <th scope="col">{t!(i18n, track.category)}</th>
                        <th scope="col">{t!(i18n, staff.col_status)}</th>
                        <th scope="col">{t!(i18n, staff.col_sla)}</th>
                        <th scope="col">{t!(i18n, job.technician)}</th>
                        <th scope="col">{t!(i18n, staff.col_visit)}</th>
                        <th scope="col">{t!(i18n, staff.col_created)}</th>
                    </tr>
                </thead>
                <tbody>
                    {jobs
                        .into_iter()
                        .map(|job| {
                            let status = job.status;
                            let row_class = format!("sla-row-{}", job.sla.as_str());
                            view! {
                                <tr class=row_class>
                                    <td>
                                        <a href=format!("/staff/jobs/{}", job.id)>{job.reference}</a>
                                    </td>
                                    <td>{job.summary}</td>
                                    <td>{job.customer}</td>
                                    <td>{job.category}</td>
                                    <td>{move || status_name(i18n, status)}</td>
                                    <td><SlaBadge sla=job.sla due_at=job.due_at /></td>
                                    <td>{job.technician.unwrap_or_default()}</td>
                                    <td>{job.confirmed.map(|window| view! { <WindowText window /> })}</td>
                                    <td>
                                        <Timestamp at=job.created_at />
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The team's activity: the newest entries rendered on the server, then new ones as they happen (SSE).
#[component]
fn Workspace() -> impl IntoView {
    let i18n = use_i18n();
    let initial = Resource::new(|| (), |_| staff_activity());
    let live = RwSignal::new(Vec::<LiveMessage>::new());
    let (changes, set_changes) = signal(0u64);
    #[cfg(not(feature = "hydrate"))]
    let _ = set_changes;
    // Follow the topic from the newest entry the page shows, once that list is known (in the browser only).
    #[cfg(feature = "hydrate")]
    {
        let subscription = StoredValue::new_local(None);
        Effect::new(move |_| {
            let Some(Ok(first)) = initial.get() else { return };
            if subscription.with_value(Option::is_some) {
                return;
            }
            let since = first.iter().map(|m| m.id).max().unwrap_or(0);
            let handle = crate::live::subscribe(crate::live::Topic::Staff, Some(since), move |message| {
                if message.kind.starts_with("request.") || message.kind.starts_with("job.") {
                    set_changes.update(|n| *n += 1);
                }
                live.update(|items| {
                    if !items.iter().any(|m| m.id == message.id) {
                        items.insert(0, message);
                    }
                });
            });
            subscription.set_value(Some(handle));
        });
        on_cleanup(move || subscription.set_value(None));
    }
    view! {
        <h1>{t!(i18n, staff.title)}</h1>
        <p>{t!(i18n, staff.intro)}</p>
        <Requests changes />
        <section aria-labelledby="activity-heading">
            <h2 id="activity-heading">{t!(i18n, staff.activity_heading)}</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match initial.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(first) => {
                            let rows = Signal::derive(move || {
                                let mut all = live.get();
                                all.extend(first.iter().filter(|m| !all.iter().any(|l| l.id == m.id)).cloned().collect::<Vec<_>>());
                                all
                            });
                            view! {
                                <ul class="activity" aria-live="polite">
                                    <For each=move || rows.get() key=|m| m.id let:message>
                                        <li>
                                            <Timestamp at=message.at />
                                            " "
                                            <span>{describe(i18n, &message)}</span>
                                        </li>
                                    </For>
                                </ul>
                                {move || rows.with(Vec::is_empty).then(|| view! { <p>{t!(i18n, staff.no_activity)}</p> })}
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
