use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::requests::{track_request, TrackedRequest};
use crate::app::Page;
use crate::domain::AppError;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::job::{status_name, StatusChange, Timestamp};

/// `/track/<token>`: the job behind a private link. After submitting, `?new=1` adds the confirmation.
#[component]
pub fn TrackPage() -> impl IntoView {
    let i18n = use_i18n();
    let token = use_params_map().with_untracked(|p| p.get("token")).unwrap_or_default();
    let is_new = use_query_map().with_untracked(|q| q.get("new").is_some());
    let resource_token = token.clone();
    let tracked = Resource::new(move || resource_token.clone(), track_request);
    // Live: every change staff make to this job reloads the view (the stream carries the job's public events
    // only). Started once the first view is known, from the log position it was read at.
    #[cfg(feature = "hydrate")]
    {
        let subscription = StoredValue::new_local(None);
        Effect::new(move |_| {
            let Some(Ok(first)) = tracked.get() else { return };
            if subscription.with_value(Option::is_some) {
                return;
            }
            let url = format!("/api/track/{}/events", token);
            let handle = crate::live::subscribe_url(url, Some(first.live_since), move |_| tracked.refetch());
            subscription.set_value(Some(handle));
        });
        on_cleanup(move || subscription.set_value(None));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = token;
    view! {
        <Page>
            <Title text=move || t_string!(i18n, track.title).to_string() />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match tracked.await {
                        Ok(request) => view! { <Tracked request is_new /> }.into_any(),
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
                })}
            </Transition>
        </Page>
    }
}

#[component]
fn Tracked(request: TrackedRequest, is_new: bool) -> impl IntoView {
    let i18n = use_i18n();
    let hours = request.expected_first_response_hours;
    let status = request.status;
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
        <p class="status-badge">
            {t!(i18n, track.status)} ": " <strong>{move || status_name(i18n, status)}</strong>
        </p>
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
                    .map(|entry| {
                        let status = entry.status;
                        view! {
                            <li>
                                <Timestamp at=entry.at />
                                " "
                                {status.map(|status| view! { <StatusChange status /> })}
                                {entry
                                    .body
                                    .map(|body| {
                                        view! {
                                            <span>{t!(i18n, track.reply_from_team)}</span>
                                            " "
                                            <span class="pre-wrap">{body}</span>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}
