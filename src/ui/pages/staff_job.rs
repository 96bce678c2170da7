use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::jobs::{get_job, ChangeJobStatus, JobDetail, PostJobMessage};
use crate::app::Page;
use crate::domain::request::MESSAGE_MAX;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::job::{status_name, StatusChange, Timestamp};
use crate::ui::session::RequireRole;

/// `/staff/jobs/<id>`: one job for the team, with the status form.
#[component]
pub fn StaffJobPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <Title text=move || t_string!(i18n, job.title).to_string() />
            <RequireRole allowed=|u| u.is_staff() children=|_| view! { <Job /> } />
        </Page>
    }
}

#[component]
fn Job() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())).unwrap_or(0);
    let action = ServerAction::<ChangeJobStatus>::new();
    let message = ServerAction::<PostJobMessage>::new();
    let job = Resource::new(move || (action.version().get(), message.version().get()), move |_| get_job(id));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match job.await {
                    Ok(job) => view! { <JobView job action message /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobView(
    job: JobDetail,
    action: ServerAction<ChangeJobStatus>,
    message: ServerAction<PostJobMessage>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let message_error = action_error(message);
    let job_id = job.id;
    // After a successful post the form starts over: an "internal" tick must not carry over to the next message.
    let message_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(message.value().with(|v| v.as_ref().map(Result::is_ok)), Some(true)) {
            if let Some(form) = message_form.get() {
                form.reset();
            }
        }
    });
    let status = job.status;
    let targets = status.allowed_targets();
    view! {
        <h1>{job.reference.clone()} " · " {job.summary.clone()}</h1>
        <p class="status-badge">
            {t!(i18n, track.status)} ": " <strong>{move || status_name(i18n, status)}</strong>
        </p>
        <dl class="facts">
            <dt>{t!(i18n, job.customer)}</dt>
            <dd>{job.name.clone()}</dd>
            <dt>{t!(i18n, request.email)}</dt>
            <dd>{job.email.clone()}</dd>
            <dt>{t!(i18n, job.phone)}</dt>
            <dd>{job.phone.clone().unwrap_or_default()}</dd>
            <dt>{t!(i18n, track.address)}</dt>
            <dd>{job.address.clone()}</dd>
            <dt>{t!(i18n, track.submitted)}</dt>
            <dd>
                <Timestamp at=job.created_at />
            </dd>
        </dl>
        <p class="pre-wrap">{job.description.clone()}</p>
        <crate::ui::components::photos::PhotoList photos=job.photos.clone() />
        {(!targets.is_empty())
            .then(|| {
                view! {
                    <ActionForm action attr:aria-labelledby="status-heading" attr:class="card">
                        <h2 id="status-heading">{t!(i18n, job.change_status)}</h2>
                        <FormErrors error form_id="status" />
                        <input type="hidden" name="id" value=job.id />
                        <input type="hidden" name="version" value=job.version />
                        <div class="field">
                            <label for="status-status">{t!(i18n, job.new_status)}</label>
                            <select id="status-status" name="status">
                                {targets
                                    .iter()
                                    .map(|s| {
                                        let s = *s;
                                        view! { <option value=s.as_str()>{move || status_name(i18n, s)}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <button type="submit">{t!(i18n, job.save_status)}</button>
                    </ActionForm>
                }
            })}
        <ActionForm
            action=message
            node_ref=message_form
            attr:aria-labelledby="message-heading"
            attr:class="card"
            attr:novalidate=true
        >
            <h2 id="message-heading">{t!(i18n, job.message_heading)}</h2>
            <FormErrors error=message_error form_id="message" />
            <input type="hidden" name="id" value=job_id />
            <TextField
                form_id="message"
                name="body"
                multiline=true
                maxlength=MESSAGE_MAX
                required=true
                label=Signal::derive(move || t_string!(i18n, job.message).to_string())
                error=message_error
            />
            <div class="field">
                <label class="checkbox" for="message-internal">
                    <input type="checkbox" id="message-internal" name="internal" value="on" />
                    {t!(i18n, job.internal_note)}
                </label>
            </div>
            <button type="submit">{t!(i18n, job.post_message)}</button>
        </ActionForm>
        <section aria-labelledby="job-timeline-heading">
            <h2 id="job-timeline-heading">{t!(i18n, track.timeline)}</h2>
            <ol class="activity">
                {job
                    .timeline
                    .into_iter()
                    .map(|e| {
                        let status = e.status;
                        view! {
                            <li>
                                <Timestamp at=e.at />
                                " "
                                {status.map(|status| view! { <StatusChange status /> })}
                                {e.body.map(|body| view! { <span class="pre-wrap">{body}</span> })}
                                {e.actor.map(|a| view! { <span class="hint">" · " {a}</span> })}
                                {(!e.public).then(|| view! { <span class="hint">" · " {t!(i18n, job.internal)}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}
