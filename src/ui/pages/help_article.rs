//! `/help/articles/<slug>`: one article with its table of contents, related articles and the
//! "was this helpful?" form.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::help::{help_article, ArticleView, VoteArticle};
use crate::app::Page;
use crate::domain::kb::COMMENT_MAX;
use crate::i18n::*;
use crate::ui::components::errors::ErrorNotice;
use crate::ui::components::fields::{action_error, TextField};
use crate::ui::components::job::Timestamp;

use super::help::{locale_code, ArticleLinks, HelpSearchForm};
use crate::ui::components::title::PageTitle;

#[component]
pub fn HelpArticlePage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = locale_code();
    let slug = use_params_map().with_untracked(|p| p.get("slug")).unwrap_or_default();
    let article = Resource::new(move || locale.get(), move |locale| help_article(locale, slug.clone()));
    view! {
        <Page>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match article.await {
                        Err(error) => {
                            view! {
                                <PageTitle text=move || t_string!(i18n, help.title).to_string() />
                                <h1>{t!(i18n, help.title)}</h1>
                                <ErrorNotice error />
                                <p><a href="/help">{t!(i18n, help.back)}</a></p>
                            }
                                .into_any()
                        }
                        Ok(article) => view! { <Article article /> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn Article(article: ArticleView) -> impl IntoView {
    let i18n = use_i18n();
    let ArticleView {
        slug,
        title,
        locale,
        fallback,
        html,
        toc,
        updated_at,
        category_slug,
        category_name,
        related,
        my_vote,
    } = article;
    view! {
        <PageTitle text=title.clone() />
        <nav aria-label=move || t_string!(i18n, help.breadcrumb) class="breadcrumb">
            <a href="/help">{t!(i18n, help.title)}</a>
            " › "
            <a href=format!("/help/{category_slug}")>{category_name}</a>
        </nav>
        {fallback.then(|| view! { <p class="notice" role="note">{t!(i18n, help.fallback_notice)}</p> })}
        <article class="kb-article" lang=locale aria-labelledby="article-title">
            <h1 id="article-title">{title}</h1>
            <p class="hint">{t!(i18n, help.updated)} " " <Timestamp at=updated_at /></p>
            {(!toc.is_empty())
                .then(|| {
                    view! {
                        <nav class="toc" aria-labelledby="toc-heading">
                            <h2 id="toc-heading">{t!(i18n, help.toc)}</h2>
                            <ul>
                                {toc
                                    .into_iter()
                                    .map(|h| {
                                        let class = format!("toc-level-{}", h.level);
                                        view! { <li class=class><a href=format!("#{}", h.id)>{h.text}</a></li> }
                                    })
                                    .collect_view()}
                            </ul>
                        </nav>
                    }
                })}
            // Rendered from Markdown and sanitized to an allow-list on the server (server::markdown).
            <div class="kb-body" inner_html=html></div>
        </article>
        <Feedback slug my_vote />
        {(!related.is_empty())
            .then(|| {
                view! {
                    <section aria-labelledby="related-heading">
                        <h2 id="related-heading">{t!(i18n, help.related)}</h2>
                        <ArticleLinks articles=related />
                    </section>
                }
            })}
        <HelpSearchForm />
    }
}

/// "Was this helpful?" Two submit buttons (the one pressed says yes or no) and an optional comment for a no.
/// A plain form post without JavaScript; voting again replaces the earlier vote.
#[component]
fn Feedback(slug: String, my_vote: Option<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<VoteArticle>::new();
    let error = action_error(action);
    let voted_before_hydration = use_query_map().with_untracked(|q| q.get("voted").is_some());
    let thanks = move || voted_before_hydration || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section id="feedback" class="card feedback" aria-labelledby="feedback-heading">
            <h2 id="feedback-heading">{t!(i18n, help.feedback_heading)}</h2>
            <div role="status">{move || thanks().then(|| view! { <p>{t!(i18n, help.thanks)}</p> })}</div>
            {move || {
                if thanks() {
                    return None;
                }
                my_vote.map(|yes| view! { <p>{if yes { t!(i18n, help.voted_yes).into_any() } else { t!(i18n, help.voted_no).into_any() }}</p> })
            }}
            {move || error.get().filter(|e| e.field_errors().is_none()).map(|error| view! { <ErrorNotice error /> })}
            <ActionForm action attr:id="feedback-form">
                <input type="hidden" name="slug" value=slug.clone() />
                <TextField
                    form_id="feedback"
                    name="comment"
                    label=Signal::derive(move || t_string!(i18n, help.comment_label).to_string())
                    hint=Signal::derive(move || t_string!(i18n, help.comment_hint).to_string())
                    maxlength=COMMENT_MAX
                    multiline=true
                    error
                />
                <div class="button-row">
                    <button type="submit" name="helpful" value="yes">{t!(i18n, help.yes)}</button>
                    " "
                    <button type="submit" name="helpful" value="no">{t!(i18n, help.no)}</button>
                </div>
            </ActionForm>
        </section>
    }
}
