//! `/help/search?q=…`: the shareable results page of a help search (a plain GET form, works without
//! JavaScript). Hits are marked with `<mark>` around escaped text: nothing of a query or an article's text
//! can become markup here.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::help::help_search;
use crate::app::Page;
use crate::domain::kb::Fragment;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;

use super::help::{locale_code, HelpSearchForm};
use crate::ui::components::title::PageTitle;

/// Text with its search hits marked.
#[component]
fn Marked(fragments: Vec<Fragment>) -> impl IntoView {
    fragments
        .into_iter()
        .map(|f| if f.hit { view! { <mark>{f.text}</mark> }.into_any() } else { f.text.into_any() })
        .collect_view()
}

#[component]
pub fn HelpSearchPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = locale_code();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let results = Resource::new(move || (locale.get(), q.get()), |(locale, q)| help_search(locale, q));
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, help.search_title).to_string() />
            <h1>{t!(i18n, help.search_title)}</h1>
            {move || view! { <HelpSearchForm value=q.get() /> }}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match results.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(r) if r.query.is_empty() => view! { <p>{t!(i18n, help.enter_query)}</p> }.into_any(),
                        Ok(r) if r.hits.is_empty() => {
                            view! {
                                <p role="status">{t!(i18n, help.no_results)}</p>
                                <p><a href="/requests/new">{t!(i18n, help.request_link)}</a></p>
                            }
                                .into_any()
                        }
                        Ok(r) => {
                            let count = r.hits.len();
                            view! {
                                <p role="status">{t!(i18n, help.result_count, n = move || count)}</p>
                                <ol class="search-results">
                                    {r
                                        .hits
                                        .into_iter()
                                        .map(|hit| {
                                            view! {
                                                <li lang=hit.locale>
                                                    <h2>
                                                        <a href=format!("/help/articles/{}", hit.slug)><Marked fragments=hit.title /></a>
                                                    </h2>
                                                    <p><Marked fragments=hit.snippet /></p>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ol>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Page>
    }
}
