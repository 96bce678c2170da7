//! `/help` and `/help/<category>`: the help centre's topics, the most read articles and the search box.
use leptos::prelude::*;
use leptos_i18n::Locale as _;
use leptos_router::hooks::use_params_map;

use crate::api::help::{help_category, help_home, ArticleLink};
use crate::app::Page;
use crate::domain::kb::QUERY_MAX;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::title::PageTitle;

/// The reader's locale as the server functions take it.
pub fn locale_code() -> Memo<String> {
    let i18n = use_i18n();
    Memo::new(move |_| i18n.get_locale().as_str().to_owned())
}

/// The search form: a plain GET to the shareable results page (works without JavaScript).
#[component]
pub fn HelpSearchForm(#[prop(optional, into)] value: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form method="get" action="/help/search" role="search" class="help-search" aria-label=move || t_string!(i18n, help.search_label)>
            <label for="help-q">{t!(i18n, help.search_label)}</label>
            <input id="help-q" name="q" type="search" maxlength=QUERY_MAX value=value.unwrap_or_default() />
            <button type="submit">{t!(i18n, help.search_button)}</button>
        </form>
    }
}

/// A list of article links; an English stand-in is marked with its language.
#[component]
pub fn ArticleLinks(articles: Vec<ArticleLink>) -> impl IntoView {
    let i18n = use_i18n();
    let reader = i18n.get_locale_untracked().as_str();
    view! {
        <ul class="article-list">
            {articles
                .into_iter()
                .map(|a| {
                    let lang = (a.locale != reader).then(|| a.locale.clone());
                    view! {
                        <li>
                            <a href=format!("/help/articles/{}", a.slug) lang=lang>{a.title}</a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
pub fn HelpPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = locale_code();
    let home = Resource::new(move || locale.get(), help_home);
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, help.title).to_string() />
            <h1>{t!(i18n, help.title)}</h1>
            <p>{t!(i18n, help.intro)}</p>
            <HelpSearchForm />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match home.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(home) if home.categories.is_empty() => view! { <p>{t!(i18n, help.no_articles)}</p> }.into_any(),
                        Ok(home) => {
                            view! {
                                <section aria-labelledby="help-popular">
                                    <h2 id="help-popular">{t!(i18n, help.most_read)}</h2>
                                    <ArticleLinks articles=home.popular />
                                </section>
                                <section aria-labelledby="help-topics">
                                    <h2 id="help-topics">{t!(i18n, help.topics)}</h2>
                                    <div class="help-topics">
                                        {home
                                            .categories
                                            .into_iter()
                                            .map(|c| {
                                                view! {
                                                    <section class="card" aria-labelledby=format!("topic-{}", c.slug)>
                                                        <h3 id=format!("topic-{}", c.slug)>
                                                            <a href=format!("/help/{}", c.slug)>{c.name}</a>
                                                        </h3>
                                                        {c.description.map(|d| view! { <p class="hint">{d}</p> })}
                                                        <ArticleLinks articles=c.articles />
                                                    </section>
                                                }
                                            })
                                            .collect_view()}
                                    </div>
                                </section>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// `/help/<category>`: the published articles of one topic.
#[component]
pub fn HelpCategoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = locale_code();
    let slug = use_params_map().with_untracked(|p| p.get("category")).unwrap_or_default();
    let category = Resource::new(move || locale.get(), move |locale| help_category(locale, slug.clone()));
    view! {
        <Page>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match category.await {
                        Err(error) => {
                            view! {
                                <PageTitle text=move || t_string!(i18n, help.title).to_string() />
                                <h1>{t!(i18n, help.title)}</h1>
                                <ErrorNotice error />
                            }
                                .into_any()
                        }
                        Ok(c) => {
                            let title = c.name.clone();
                            view! {
                                <PageTitle text=title />
                                <nav aria-label=move || t_string!(i18n, help.breadcrumb) class="breadcrumb">
                                    <a href="/help">{t!(i18n, help.title)}</a>
                                </nav>
                                <h1>{c.name}</h1>
                                {c.description.map(|d| view! { <p>{d}</p> })}
                                <HelpSearchForm />
                                <h2>{t!(i18n, help.articles)}</h2>
                                {if c.articles.is_empty() {
                                    view! { <p>{t!(i18n, help.no_articles)}</p> }.into_any()
                                } else {
                                    view! { <ArticleLinks articles=c.articles /> }.into_any()
                                }}
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </Page>
    }
}
