use leptos::prelude::*;

use crate::app::Page;
use crate::i18n::*;
use crate::ui::components::title::PageTitle;
use crate::ui::session::use_session;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, site_name).to_string() />
            <h1>{t!(i18n, home.title)}</h1>
            <p class="lead">{t!(i18n, home.intro)}</p>
            <p>
                <a class="button" href="/requests/new">{t!(i18n, home.request_cta)}</a>
            </p>
            <Greeting />
            <Testimonials />
        </Page>
    }
}

#[component]
fn Greeting() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.0.await {
                    Ok(Some(user)) => {
                        let email = user.email.clone();
                        view! { <p>{t!(i18n, home.signed_in_as, email = move || email.clone())}</p> }.into_any()
                    }
                    _ => {
                        view! {
                            <p>
                                <a href="/sign-in">{t!(i18n, home.sign_in_prompt)}</a>
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// What customers said, once an editor approved it.
#[component]
fn Testimonials() -> impl IntoView {
    let i18n = use_i18n();
    let quotes = Resource::new(|| (), |_| crate::api::feedback::testimonials());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                quotes
                    .await
                    .ok()
                    .filter(|q| !q.is_empty())
                    .map(|quotes| {
                        view! {
                            <section aria-labelledby="testimonials-heading">
                                <h2 id="testimonials-heading">{t!(i18n, home.testimonials)}</h2>
                                <ul class="plain testimonials">
                                    {quotes
                                        .into_iter()
                                        .map(|q| {
                                            view! {
                                                <li>
                                                    <blockquote>
                                                        <p>{q.quote}</p>
                                                        <footer>{format!("{}, {}", q.first_name, q.town)}</footer>
                                                    </blockquote>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            })}
        </Suspense>
    }
}
