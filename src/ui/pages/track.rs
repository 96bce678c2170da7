use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::feedback::RateJob;
use crate::api::requests::{track_request, CustomerCancel, CustomerReply, CustomerReschedule, JobKey, TrackedRequest};
use crate::app::Page;
use crate::domain::request::{MESSAGE_MAX, REASON_MAX};
use crate::domain::AppError;
use crate::i18n::*;
use crate::ui::components::browser_notify::{BrowserNotify, NotifyButton};
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::job::{status_name, TimelineText, Timestamp};
use crate::ui::components::photos::PhotoField;
use crate::ui::components::schedule::{EtaText, WindowFields, WindowText};
use crate::ui::components::title::PageTitle;
use crate::ui::components::upload::{Upload, UploadForm, UploadProgress};
use crate::ui::session::RequireRole;

/// `/track/<token>`: the job behind a private link. After submitting, `?new=1` adds the confirmation.
#[component]
pub fn TrackPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let is_new = use_query_map().with_untracked(|q| q.get("new").is_some());
    view! {
        <Page>
            <CustomerJob key=JobKey::Token(token) is_new />
        </Page>
    }
}

/// `/my/requests/<id>`: the same view for the signed-in customer whose request it is.
#[component]
pub fn MyRequestPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())).unwrap_or(0);
    view! {
        <Page>
            <RequireRole allowed=|_| true children=move |_| view! { <CustomerJob key=JobKey::Id(id) is_new=false /> } />
        </Page>
    }
}

/// The customer's view of one job, kept current live: every change the team makes that the customer may
/// see reloads it (the stream carries the job's public events only).
#[component]
fn CustomerJob(key: JobKey, is_new: bool) -> impl IntoView {
    let i18n = use_i18n();
    let reply = Upload::new::<CustomerReply>();
    let cancel = ServerAction::<CustomerCancel>::new();
    let reschedule = ServerAction::<CustomerReschedule>::new();
    let rate = ServerAction::<RateJob>::new();
    let resource_key = key.clone();
    let tracked = Resource::new(
        move || (reply.done.get(), cancel.version().get(), reschedule.version().get(), rate.version().get()),
        move |_| track_request(resource_key.clone()),
    );
    // Started once the first view is known, from the log position it was read at.
    #[cfg(feature = "hydrate")]
    {
        let subscription = StoredValue::new_local(None);
        let live_key = key.clone();
        Effect::new(move |_| {
            let Some(Ok(first)) = tracked.get() else { return };
            if subscription.with_value(Option::is_some) {
                return;
            }
            let since = Some(first.live_since);
            let handle = match &live_key {
                JobKey::Token(token) => {
                    crate::live::subscribe_url(format!("/api/track/{token}/events"), since, move |_| tracked.refetch())
                }
                JobKey::Id(id) => {
                    crate::live::subscribe(crate::live::Topic::Job(*id), since, move |_| tracked.refetch())
                }
            };
            subscription.set_value(Some(handle));
        });
        on_cleanup(move || subscription.set_value(None));
    }
    // A status change that arrives while the page is in the background: a browser notification, if asked for.
    let notify = BrowserNotify::new();
    #[cfg(feature = "hydrate")]
    {
        let last_status = StoredValue::new(None);
        Effect::new(move |_| {
            let Some(Ok(request)) = tracked.get() else { return };
            let before = last_status.get_value();
            last_status.set_value(Some(request.status));
            if before.is_some_and(|b| b != request.status) {
                let body = format!("{}: {}", t_string!(i18n, track.status), status_name(i18n, request.status));
                notify.announce(&request.reference, &body);
            }
        });
    }
    // Half-written messages survive the view being rendered again by a live update; a send clears them.
    let (reply_draft, cancel_draft) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    Effect::new(move |previous: Option<()>| {
        reply.done.track();
        if previous.is_some() {
            reply_draft.set(String::new());
        }
    });
    Effect::new(move |_| {
        if matches!(cancel.value().with(|v| v.as_ref().map(Result::is_ok)), Some(true)) {
            cancel_draft.set(String::new());
        }
    });
    let actions = CustomerActions { key, reply, cancel, reschedule, rate, reply_draft, cancel_draft, notify };
    view! {
        <PageTitle text=move || t_string!(i18n, track.title).to_string() />
        <Transition fallback=|| ()>
            {move || {
                let actions = actions.clone();
                Suspend::new(async move {
                    match tracked.await {
                        Ok(request) => view! { <Tracked request is_new actions /> }.into_any(),
                        Err(AppError::NotFound) => {
                            crate::ui::set_status(404);
                            view! {
                                <h1>{t!(i18n, track.not_found_title)}</h1>
                                <p>{t!(i18n, track.not_found_body)}</p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// The customer's forms and the key they act on.
#[derive(Clone)]
struct CustomerActions {
    key: JobKey,
    reply: Upload,
    cancel: ServerAction<CustomerCancel>,
    reschedule: ServerAction<CustomerReschedule>,
    rate: ServerAction<RateJob>,
    reply_draft: RwSignal<String>,
    cancel_draft: RwSignal<String>,
    /// The page's browser-notification switch (it outlives the view that live updates render again).
    notify: BrowserNotify,
}

/// The hidden fields that name the job in a customer's form.
fn key_fields(key: &JobKey) -> impl IntoView {
    match key {
        JobKey::Token(token) => view! { <input type="hidden" name="token" value=token.clone() /> }.into_any(),
        JobKey::Id(id) => view! { <input type="hidden" name="id" value=*id /> }.into_any(),
    }
}

#[component]
fn Tracked(request: TrackedRequest, is_new: bool, actions: CustomerActions) -> impl IntoView {
    let i18n = use_i18n();
    let hours = request.expected_first_response_hours;
    let status = request.status;
    let can_change = request.can_change;
    let windows = request.windows.clone();
    view! {
        <h1>{t!(i18n, track.title)}</h1>
        {is_new
            .then(|| {
                view! {
                    <div class="notice notice-ok" role="status">
                        <h2>{t!(i18n, track.received_title)}</h2>
                        <p>{t!(i18n, track.received_body)}</p>
                        <p>{t!(i18n, track.keep_link)}</p>
                    </div>
                }
            })}
        <div class="status-panel">
            <p class="status-badge">
                {t!(i18n, track.status)} ": " <strong>{move || status_name(i18n, status)}</strong>
            </p>
            {request.confirmed.map(|window| view! { <p>{t!(i18n, track.confirmed)} " " <strong><WindowText window /></strong></p> })}
            {request.eta.map(|at| view! { <p>{t!(i18n, track.eta)} " " <strong><EtaText at /></strong></p> })}
            <NotifyButton notify=actions.notify />
        </div>
        <dl class="facts">
            <dt>{t!(i18n, track.reference)}</dt>
            <dd>{request.reference.clone()}</dd>
            <dt>{t!(i18n, track.expected)}</dt>
            <dd>{t!(i18n, track.expected_value, hours = move || hours)}</dd>
            <dt>{t!(i18n, track.category)}</dt>
            <dd>{request.category.clone()}</dd>
            <dt>{t!(i18n, track.summary)}</dt>
            <dd>{request.summary.clone()}</dd>
            <dt>{t!(i18n, track.address)}</dt>
            <dd>{request.address.clone()}</dd>
            <dt>{t!(i18n, track.submitted)}</dt>
            <dd>
                <Timestamp at=request.created_at />
            </dd>
            <dt>{t!(i18n, track.preferred)}</dt>
            <dd>
                <ul class="plain">
                    {windows.into_iter().map(|window| view! { <li><WindowText window /></li> }).collect_view()}
                </ul>
            </dd>
        </dl>
        <h2>{t!(i18n, track.description)}</h2>
        <p class="pre-wrap">{request.description.clone()}</p>
        <crate::ui::components::photos::PhotoList photos=request.photos.clone() />
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t!(i18n, track.timeline)}</h2>
            <ol class="activity">
                {request
                    .timeline
                    .into_iter()
                    .map(|e| {
                        view! {
                            <li>
                                <Timestamp at=e.at />
                                " "
                                <TimelineText kind=e.kind status=e.status body=e.body detail=e.detail />
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
        {request.rating.clone().map(|rating| {
            let key_fields = key_fields(&actions.key).into_any();
            view! { <crate::ui::pages::feedback::RatingForm rating key_fields action=actions.rate /> }
        })}
        <ReplyForm actions=actions.clone() />
        {can_change.then(|| view! { <RescheduleForm actions=actions.clone() /> <CancelForm actions=actions.clone() /> })}
    }
}

/// The customer's message, with photos: multipart like the request form (progress once hydrated).
#[component]
fn ReplyForm(actions: CustomerActions) -> impl IntoView {
    let i18n = use_i18n();
    let upload = actions.reply;
    let (error, pending) = (upload.error(), upload.pending);
    view! {
        <UploadForm upload attr:aria-labelledby="reply-heading" attr:class="card" attr:novalidate=true>
            <h2 id="reply-heading">{t!(i18n, track.reply_heading)}</h2>
            <FormErrors error form_id="reply" />
            {key_fields(&actions.key)}
            <TextField form_id="reply" name="body" multiline=true maxlength=MESSAGE_MAX required=true
                draft=actions.reply_draft
                label=Signal::derive(move || t_string!(i18n, track.reply_label).to_string()) error />
            <PhotoField form_id="reply" upload />
            <UploadProgress upload />
            <button type="submit" disabled=move || pending.get()>{t!(i18n, track.reply_send)}</button>
        </UploadForm>
    }
}

#[component]
fn RescheduleForm(actions: CustomerActions) -> impl IntoView {
    let i18n = use_i18n();
    let action = actions.reschedule;
    let error = action_error(action);
    view! {
        <ActionForm action attr:aria-labelledby="reschedule-heading" attr:class="card" attr:novalidate=true>
            <h2 id="reschedule-heading">{t!(i18n, track.reschedule_heading)}</h2>
            <p>{t!(i18n, track.reschedule_intro)}</p>
            <FormErrors error form_id="reschedule" />
            {key_fields(&actions.key)}
            <WindowFields form_id="reschedule" error />
            <button type="submit">{t!(i18n, track.reschedule_send)}</button>
        </ActionForm>
    }
}

#[component]
fn CancelForm(actions: CustomerActions) -> impl IntoView {
    let i18n = use_i18n();
    let action = actions.cancel;
    let error = action_error(action);
    view! {
        <ActionForm action attr:aria-labelledby="cancel-heading" attr:class="card" attr:novalidate=true>
            <h2 id="cancel-heading">{t!(i18n, track.cancel_heading)}</h2>
            <FormErrors error form_id="cancel" />
            {key_fields(&actions.key)}
            <TextField form_id="cancel" name="reason" multiline=true maxlength=REASON_MAX required=true
                draft=actions.cancel_draft
                label=Signal::derive(move || t_string!(i18n, track.cancel_reason).to_string()) error />
            <button type="submit" class="danger">{t!(i18n, track.cancel_send)}</button>
        </ActionForm>
    }
}
