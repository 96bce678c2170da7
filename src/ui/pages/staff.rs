use leptos::prelude::*;
use leptos_meta::Title;
use serde::Deserialize;

use crate::api::jobs::list_jobs;
use crate::api::staff::staff_activity;
use crate::app::Page;
use crate::domain::job::JobStatus;
use crate::i18n::*;
use crate::live::LiveMessage;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::job::{status_name, Timestamp};
use crate::ui::session::RequireRole;
use leptos_i18n::I18nContext;

#[component]
pub fn StaffPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <Title text=move || t_string!(i18n, staff.title).to_string() />
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
        "job.status" => {
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
        other => {
            let kind = other.to_owned();
            t!(i18n, staff.event_other, kind = move || kind.clone()).into_any()
        }
    }
}

/// The newest service requests; reloaded when the activity stream reports a new or changed one.
#[component]
fn Requests(changes: ReadSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let jobs = Resource::new(move || changes.get(), |_| list_jobs());
    view! {
        <section aria-labelledby="requests-heading">
            <h2 id="requests-heading">{t!(i18n, staff.requests_heading)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(jobs) if jobs.is_empty() => view! { <p>{t!(i18n, staff.no_requests)}</p> }.into_any(),
                        Ok(jobs) => {
                            view! {
                                <div class="table-wrap">
                                    <table>
                                        <thead>
                                            <tr>
                                                <th scope="col">{t!(i18n, staff.col_reference)}</th>
                                                <th scope="col">{t!(i18n, staff.col_summary)}</th>
                                                <th scope="col">{t!(i18n, staff.col_customer)}</th>
                                                <th scope="col">{t!(i18n, staff.col_status)}</th>
                                                <th scope="col">{t!(i18n, staff.col_created)}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {jobs
                                                .into_iter()
                                                .map(|job| {
                                                    let status = job.status;
                                                    view! {
                                                        <tr>
                                                            <td>
                                                                <a href=format!("/staff/jobs/{}", job.id)>{job.reference}</a>
                                                            </td>
                                                            <td>{job.summary}</td>
                                                            <td>{job.customer}</td>
                                                            <td>{move || status_name(i18n, status)}</td>
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
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
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
