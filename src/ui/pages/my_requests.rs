use leptos::prelude::*;

use crate::api::requests::my_requests;
use crate::app::Page;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::job::{status_name, Timestamp};
use crate::ui::components::schedule::WindowText;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

/// `/my/requests`: the signed-in customer's requests with their status.
#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, my_requests.title).to_string() />
            <h1>{t!(i18n, my_requests.title)}</h1>
            <RequireRole allowed=|_| true children=|_| view! { <List /> } />
        </Page>
    }
}

#[component]
fn List() -> impl IntoView {
    let i18n = use_i18n();
    let requests = Resource::new(|| (), |_| my_requests());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match requests.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p>{t!(i18n, my_requests.empty)}</p>
                            <p><a href="/requests/new">{t!(i18n, nav.request)}</a></p>
                        }
                            .into_any()
                    }
                    Ok(list) => {
                        view! {
                            <p>{t!(i18n, my_requests.intro)}</p>
                            <ul class="request-list">
                                {list
                                    .into_iter()
                                    .map(|r| {
                                        let status = r.status;
                                        let badge = format!("badge badge-{}", status.as_str());
                                        view! {
                                            <li class="card">
                                                <a href=format!("/my/requests/{}", r.id)>{r.reference} " · " {r.summary}</a>
                                                " " <span class=badge>{move || status_name(i18n, status)}</span>
                                                <p class="hint">
                                                    {t!(i18n, track.submitted)} " " <Timestamp at=r.created_at />
                                                    {r.confirmed.map(|window| view! { " · " {t!(i18n, track.confirmed)} " " <WindowText window /> })}
                                                </p>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
