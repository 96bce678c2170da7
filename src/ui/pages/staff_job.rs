use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::jobs::{get_job, AssignJob, ChangeJobStatus, JobDetail, PostDelay, PostJobMessage, ScheduleJob};
use crate::app::Page;
use crate::domain::job::JobStatus;
use crate::domain::request::{MESSAGE_MAX, REASON_MAX};
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, SelectField, TextField};
use crate::ui::components::job::{status_name, SlaBadge, TimelineText, Timestamp};
use crate::ui::components::schedule::{part_options, window_text, EtaText, WindowText};
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

/// `/staff/jobs/<id>`: one job for the team: schedule, assign, move, reply, note.
#[component]
pub fn StaffJobPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, job.title).to_string() />
            <RequireRole allowed=|u| u.is_staff() children=|_| view! { <Job /> } />
        </Page>
    }
}

/// Every form on the page; a success of any reloads the job. The drafts keep half-written text while a
/// live update renders the job again.
#[derive(Clone, Copy)]
struct Actions {
    status: ServerAction<ChangeJobStatus>,
    message: ServerAction<PostJobMessage>,
    schedule: ServerAction<ScheduleJob>,
    delay: ServerAction<PostDelay>,
    assign: ServerAction<AssignJob>,
    message_draft: RwSignal<String>,
    delay_draft: RwSignal<String>,
}

/// Clears `draft` once `action` succeeds.
fn clear_after<S>(action: ServerAction<S>, draft: RwSignal<String>)
where
    S: leptos::server_fn::ServerFn<Error = crate::domain::AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().with(|v| v.as_ref().map(Result::is_ok)), Some(true)) {
            draft.set(String::new());
        }
    });
}

#[component]
fn Job() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())).unwrap_or(0);
    let actions = Actions {
        status: ServerAction::new(),
        message: ServerAction::new(),
        schedule: ServerAction::new(),
        delay: ServerAction::new(),
        assign: ServerAction::new(),
        message_draft: RwSignal::new(String::new()),
        delay_draft: RwSignal::new(String::new()),
    };
    clear_after(actions.message, actions.message_draft);
    clear_after(actions.delay, actions.delay_draft);
    let job = Resource::new(
        move || {
            (
                actions.status.version().get(),
                actions.message.version().get(),
                actions.schedule.version().get(),
                actions.delay.version().get(),
                actions.assign.version().get(),
            )
        },
        move |_| get_job(id),
    );
    // Live: the customer's replies, cancellations and new windows (and colleagues' public changes) arrive on
    // the job's topic.
    #[cfg(feature = "hydrate")]
    {
        let subscription = StoredValue::new_local(None);
        Effect::new(move |_| {
            let Some(Ok(first)) = job.get() else { return };
            if subscription.with_value(Option::is_some) {
                return;
            }
            let handle =
                crate::live::subscribe(crate::live::Topic::Job(id), Some(first.live_since), move |_| job.refetch());
            subscription.set_value(Some(handle));
        });
        on_cleanup(move || subscription.set_value(None));
    }
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match job.await {
                    Ok(job) => view! { <JobView job actions /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn label(f: fn(leptos_i18n::I18nContext<Locale>) -> &'static str) -> Signal<String> {
    Signal::derive(move || f(use_i18n()).to_string())
}

#[component]
fn JobView(job: JobDetail, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let status = job.status;
    let technician = job.technicians.iter().find(|t| Some(t.id) == job.technician_id).map(|t| t.name.clone());
    view! {
        <h1>{job.reference.clone()} " · " {job.summary.clone()}</h1>
        <div class="status-panel">
            <p class="status-badge">
                {t!(i18n, track.status)} ": " <strong>{move || status_name(i18n, status)}</strong>
                " " <SlaBadge sla=job.sla due_at=job.due_at />
            </p>
            {job.confirmed.map(|window| view! { <p>{t!(i18n, track.confirmed)} " " <strong><WindowText window /></strong></p> })}
            {job.eta.map(|at| view! { <p>{t!(i18n, track.eta)} " " <strong><EtaText at /></strong></p> })}
            <p>{t!(i18n, job.technician)} ": " {technician.unwrap_or_else(|| t_string!(i18n, job.nobody).to_string())}</p>
        </div>
        <dl class="facts">
            <dt>{t!(i18n, job.customer)}</dt>
            <dd>{job.name.clone()}</dd>
            <dt>{t!(i18n, request.email)}</dt>
            <dd>{job.email.clone()}</dd>
            <dt>{t!(i18n, job.phone)}</dt>
            <dd>{job.phone.clone().unwrap_or_default()}</dd>
            <dt>{t!(i18n, track.address)}</dt>
            <dd>{job.address.clone()}</dd>
            <dt>{t!(i18n, track.category)}</dt>
            <dd>{job.category.clone()}</dd>
            <dt>{t!(i18n, track.submitted)}</dt>
            <dd>
                <Timestamp at=job.created_at />
            </dd>
        </dl>
        <p class="pre-wrap">{job.description.clone()}</p>
        <crate::ui::components::photos::PhotoList photos=job.photos.clone() />
        <div class="job-forms">
            {status.is_open().then(|| view! { <ScheduleForm job=job.clone() action=actions.schedule /> })}
            <StatusForm job=job.clone() action=actions.status />
            {matches!(status, JobStatus::Scheduled | JobStatus::EnRoute)
                .then(|| view! { <DelayForm job=job.clone() action=actions.delay draft=actions.delay_draft /> })}
            <AssignForm job=job.clone() action=actions.assign />
            <MessageForm job_id=job.id action=actions.message draft=actions.message_draft />
        </div>
        <section aria-labelledby="job-timeline-heading">
            <h2 id="job-timeline-heading">{t!(i18n, track.timeline)}</h2>
            <ol class="activity">
                {job
                    .timeline
                    .into_iter()
                    .map(|e| {
                        view! {
                            <li>
                                <Timestamp at=e.at />
                                " "
                                <TimelineText kind=e.kind status=e.status body=e.body detail=e.detail for_staff=true />
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

#[component]
fn ScheduleForm(job: JobDetail, action: ServerAction<ScheduleJob>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let choices = job
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (n, w) = (i + 1, *w);
            let id = format!("schedule-choice-{n}");
            let label_for = id.clone();
            view! {
                <label class="checkbox" for=label_for>
                    <input type="radio" id=id name="choice" value=n.to_string() checked=n == 1 />
                    {move || window_text(i18n, w)}
                </label>
            }
        })
        .collect_view();
    let no_windows = job.windows.is_empty();
    view! {
        <ActionForm action attr:aria-labelledby="schedule-heading" attr:class="card" attr:novalidate=true>
            <h2 id="schedule-heading">{t!(i18n, job.schedule_heading)}</h2>
            <FormErrors error form_id="schedule" />
            <input type="hidden" name="id" value=job.id />
            <input type="hidden" name="version" value=job.version />
            <fieldset id="schedule-choice">
                <legend>{t!(i18n, job.schedule_choice)}</legend>
                {choices}
                <label class="checkbox" for="schedule-choice-other">
                    <input type="radio" id="schedule-choice-other" name="choice" value="other" checked=no_windows />
                    {t!(i18n, job.schedule_other)}
                </label>
            </fieldset>
            <TextField form_id="schedule" name="day" input_type="date" label=label(|i18n| t_string!(i18n, schedule.date)) error />
            <SelectField form_id="schedule" name="part" options=part_options(i18n) required=false
                label=label(|i18n| t_string!(i18n, schedule.part))
                placeholder=label(|i18n| t_string!(i18n, schedule.choose_part)) error />
            <button type="submit">{t!(i18n, job.schedule_save)}</button>
        </ActionForm>
    }
}

#[component]
fn StatusForm(job: JobDetail, action: ServerAction<ChangeJobStatus>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let targets = job.status.allowed_targets();
    let options = targets.iter().map(|s| (s.as_str().to_owned(), status_name(i18n, *s).to_owned())).collect::<Vec<_>>();
    (!targets.is_empty()).then(|| {
        view! {
            <ActionForm action attr:aria-labelledby="status-heading" attr:class="card" attr:novalidate=true>
                <h2 id="status-heading">{t!(i18n, job.change_status)}</h2>
                <FormErrors error form_id="status" />
                <input type="hidden" name="id" value=job.id />
                <input type="hidden" name="version" value=job.version />
                <SelectField form_id="status" name="status" options
                    label=label(|i18n| t_string!(i18n, job.new_status))
                    placeholder=label(|i18n| t_string!(i18n, job.choose_status)) error />
                <TextField form_id="status" name="eta" input_type="datetime-local"
                    label=label(|i18n| t_string!(i18n, job.eta_label)) hint=label(|i18n| t_string!(i18n, job.eta_hint)) error />
                <button type="submit">{t!(i18n, job.save_status)}</button>
            </ActionForm>
        }
    })
}

#[component]
fn DelayForm(job: JobDetail, action: ServerAction<PostDelay>, draft: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    view! {
        <ActionForm action attr:aria-labelledby="delay-heading" attr:class="card" attr:novalidate=true>
            <h2 id="delay-heading">{t!(i18n, job.delay_heading)}</h2>
            <FormErrors error form_id="delay" />
            <input type="hidden" name="id" value=job.id />
            <input type="hidden" name="version" value=job.version />
            <TextField form_id="delay" name="eta" input_type="datetime-local" required=true
                label=label(|i18n| t_string!(i18n, job.new_eta)) hint=label(|i18n| t_string!(i18n, job.eta_hint)) error />
            <TextField form_id="delay" name="reason" multiline=true maxlength=REASON_MAX required=true draft
                label=label(|i18n| t_string!(i18n, job.delay_reason)) error />
            <button type="submit">{t!(i18n, job.delay_send)}</button>
        </ActionForm>
    }
}

#[component]
fn AssignForm(job: JobDetail, action: ServerAction<AssignJob>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    let options = job.technicians.iter().map(|t| (t.id.to_string(), t.name.clone())).collect::<Vec<_>>();
    view! {
        <ActionForm action attr:aria-labelledby="assign-heading" attr:class="card" attr:novalidate=true>
            <h2 id="assign-heading">{t!(i18n, job.assign_heading)}</h2>
            <FormErrors error form_id="assign" />
            <input type="hidden" name="id" value=job.id />
            <input type="hidden" name="version" value=job.version />
            <SelectField form_id="assign" name="technician" options required=false
                value=job.technician_id.map(|t| t.to_string()).unwrap_or_default()
                label=label(|i18n| t_string!(i18n, job.technician))
                placeholder=label(|i18n| t_string!(i18n, job.nobody)) error />
            <button type="submit">{t!(i18n, job.assign_save)}</button>
        </ActionForm>
    }
}

#[component]
fn MessageForm(job_id: i64, action: ServerAction<PostJobMessage>, draft: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    // After a successful post the form starts over: an "internal" tick must not carry over to the next message.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(action.value().with(|v| v.as_ref().map(Result::is_ok)), Some(true)) {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <ActionForm action node_ref=form attr:aria-labelledby="message-heading" attr:class="card" attr:novalidate=true>
            <h2 id="message-heading">{t!(i18n, job.message_heading)}</h2>
            <FormErrors error form_id="message" />
            <input type="hidden" name="id" value=job_id />
            <TextField form_id="message" name="body" multiline=true maxlength=MESSAGE_MAX required=true draft
                label=label(|i18n| t_string!(i18n, job.message)) error />
            <div class="field">
                <label class="checkbox" for="message-internal">
                    <input type="checkbox" id="message-internal" name="internal" value="on" />
                    {t!(i18n, job.internal_note)}
                </label>
            </div>
            <button type="submit">{t!(i18n, job.post_message)}</button>
        </ActionForm>
    }
}
