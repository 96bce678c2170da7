//! `/editor`: the knowledge base's articles for editors, filtered by a plain GET form (shareable, works
//! without JavaScript), and for admins the "require review" switch.
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_query_map;

use crate::api::editor::{editor_list, EditorIndex, SetRequireReview};
use crate::app::Page;
use crate::domain::kb::ArticleStatus;
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::action_error;
use crate::ui::components::job::Timestamp;
use crate::ui::components::title::PageTitle;
use crate::ui::session::RequireRole;

/// The name of a workflow status in the page's language.
pub fn status_text(i18n: I18nContext<Locale>, status: ArticleStatus) -> String {
    match status {
        ArticleStatus::Draft => t_string!(i18n, editor.status_draft),
        ArticleStatus::InReview => t_string!(i18n, editor.status_in_review),
        ArticleStatus::Published => t_string!(i18n, editor.status_published),
        ArticleStatus::Archived => t_string!(i18n, editor.status_archived),
    }
    .to_string()
}

/// How the list marks a published article whose changes wait at `step`.
fn change_mark(i18n: I18nContext<Locale>, step: ArticleStatus) -> String {
    match step {
        ArticleStatus::InReview => t_string!(i18n, editor.list_change_in_review),
        _ => t_string!(i18n, editor.list_change_draft),
    }
    .to_string()
}

/// The name of an article language in the page's language.
pub fn locale_text(i18n: I18nContext<Locale>, locale: &str) -> String {
    match locale {
        "pl" => t_string!(i18n, editor.locale_pl).to_string(),
        "en" => t_string!(i18n, editor.locale_en).to_string(),
        other => other.to_owned(),
    }
}

/// The article languages the portal has.
pub const LOCALES: [&str; 2] = ["en", "pl"];

#[component]
pub fn EditorPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, editor.title).to_string() />
            <RequireRole
                allowed=|u| u.has(Role::Editor)
                children=|user| view! { <ArticleList is_admin=user.is_admin() /> }
            />
        </Page>
    }
}

#[component]
fn ArticleList(is_admin: bool) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let get = move |k: &str| query.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let list = Resource::new(
        move || (get("status"), get("category"), get("locale"), get("q")),
        |(status, category, locale, q)| editor_list(status, category, locale, q),
    );
    view! {
        <h1>{t!(i18n, editor.title)}</h1>
        <p>{t!(i18n, editor.intro)}</p>
        <p>
            <a class="button" href="/editor/new">{t!(i18n, editor.new_article)}</a>
            " "
            <a href="/editor/testimonials">{t!(i18n, editor.testimonials_link)}</a>
            " "
            <a href="/editor/gaps">{t!(i18n, editor.gaps_link)}</a>
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(index) => view! { <ListBody index is_admin /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListBody(index: EditorIndex, is_admin: bool) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let current = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    let (status, category, locale, text) = (current("status"), current("category"), current("locale"), current("q"));
    let EditorIndex { articles, categories, require_review } = index;
    view! {
        <form method="get" action="/editor" class="card filters" aria-labelledby="editor-filter-heading">
            <h2 id="editor-filter-heading">{t!(i18n, editor.filter_heading)}</h2>
            <div class="field">
                <label for="editor-status">{t!(i18n, editor.status_label)}</label>
                <select id="editor-status" name="status">
                    <option value="">{t!(i18n, editor.any_status)}</option>
                    {ArticleStatus::ALL
                        .into_iter()
                        .map(|s| {
                            let selected = status == s.as_str();
                            view! { <option value=s.as_str() selected=selected>{status_text(i18n, s)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="editor-category">{t!(i18n, editor.category_label)}</label>
                <select id="editor-category" name="category">
                    <option value="">{t!(i18n, editor.any_category)}</option>
                    {categories
                        .into_iter()
                        .map(|c| {
                            let selected = category == c.id.to_string();
                            view! { <option value=c.id selected=selected>{c.name}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="editor-locale">{t!(i18n, editor.locale_label)}</label>
                <select id="editor-locale" name="locale">
                    <option value="">{t!(i18n, editor.any_locale)}</option>
                    {LOCALES
                        .into_iter()
                        .map(|l| {
                            let selected = locale == l;
                            view! { <option value=l selected=selected>{locale_text(i18n, l)}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="editor-q">{t!(i18n, editor.text_label)}</label>
                <input id="editor-q" name="q" type="search" value=text maxlength=crate::api::editor::FILTER_MAX />
            </div>
            <button type="submit">{t!(i18n, editor.apply)}</button>
        </form>
        {if articles.is_empty() {
            view! { <p>{t!(i18n, editor.no_articles)}</p> }.into_any()
        } else {
            view! {
                <table class="editor-articles">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, editor.col_title)}</th>
                            <th scope="col">{t!(i18n, editor.col_status)}</th>
                            <th scope="col">{t!(i18n, editor.col_category)}</th>
                            <th scope="col">{t!(i18n, editor.col_locales)}</th>
                            <th scope="col">{t!(i18n, editor.col_updated)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {articles
                            .into_iter()
                            .map(|a| {
                                let locales = a.locales.join(", ");
                                view! {
                                    <tr>
                                        <td>
                                            <a href=format!("/editor/articles/{}", a.id)>{a.title}</a>
                                            <br />
                                            <code>{a.slug}</code>
                                        </td>
                                        <td>
                                            {status_text(i18n, a.status)}
                                            {a.change.map(|step| view! { " · " <em>{change_mark(i18n, step)}</em> })}
                                        </td>
                                        <td>{a.category}</td>
                                        <td>{locales}</td>
                                        <td><Timestamp at=a.updated_at /></td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
                .into_any()
        }}
        {is_admin.then(|| view! { <ReviewSetting require_review /> })}
    }
}

/// The admin's switch: a checkbox in a plain form post.
#[component]
fn ReviewSetting(require_review: bool) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetRequireReview>::new();
    let error = action_error(action);
    view! {
        <ActionForm action attr:class="card" attr:aria-labelledby="review-heading">
            <h2 id="review-heading">{t!(i18n, editor.review_heading)}</h2>
            <FormErrors error form_id="review" />
            <p role="status">
                {if require_review {
                    t!(i18n, editor.require_review_on).into_any()
                } else {
                    t!(i18n, editor.require_review_off).into_any()
                }}
            </p>
            <div class="field">
                <label class="checkbox" for="review-on">
                    <input type="checkbox" id="review-on" name="on" value="on" checked=require_review />
                    {t!(i18n, editor.require_review_label)}
                </label>
            </div>
            <button type="submit">{t!(i18n, editor.save_setting)}</button>
        </ActionForm>
    }
}
