//! `/editor/new` and `/editor/articles/<id>`: one article's text per language with a preview rendered by the
//! public page's sanitizer, its workflow, and its revision history with diffs and restore. Every form is a
//! plain post or GET, so all of it works without JavaScript; with it, the preview follows typing.
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::editor::{
    diff_revisions, editor_article, editor_categories, preview_article, ArticleDraft, ChangeArticleStatus,
    ChangePendingStatus, ChangeView, DiffKind, DiffLine, DiscardPendingChange, RestoreRevision, RevisionView,
    SaveArticle,
};
use crate::api::jobs::Choice;
use crate::app::Page;
use crate::domain::kb::{ArticleStatus, BODY_MAX, SLUG_MAX, TITLE_MAX};
use crate::domain::Role;
use crate::i18n::*;
use crate::ui::components::errors::{ErrorNotice, FormErrors};
use crate::ui::components::fields::{action_error, SelectField, TextField};
use crate::ui::components::job::Timestamp;
use crate::ui::components::kb_images::ArticleImages;
use crate::ui::session::RequireRole;

use super::editor::{locale_text, status_text, LOCALES};
use crate::ui::components::title::PageTitle;

#[component]
pub fn EditorNewPage() -> impl IntoView {
    let i18n = use_i18n();
    let categories = Resource::new(|| (), |_| editor_categories());
    let save = ServerAction::<SaveArticle>::new();
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, editor.new_title).to_string() />
            <RequireRole
                allowed=|u| u.has(Role::Editor)
                children=move |_| {
                    view! {
                        <p><a href="/editor">{t!(i18n, editor.back)}</a></p>
                        <h1>{t!(i18n, editor.new_title)}</h1>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                match categories.await {
                                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                    Ok(categories) => {
                                        view! {
                                            <ArticleForm
                                                id=None
                                                slug=String::new()
                                                category_id=None
                                                categories
                                                locale="en".to_owned()
                                                title=String::new()
                                                body=String::new()
                                                save
                                            />
                                        }
                                            .into_any()
                                    }
                                }
                            })}
                        </Suspense>
                    }
                }
            />
        </Page>
    }
}

#[component]
pub fn EditorArticlePage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_params_map().with_untracked(|p| p.get("id")).and_then(|i| i.parse::<i64>().ok()).unwrap_or(0);
    // The page owns the actions: each success reloads the article (with JavaScript a redirect may land on the
    // URL already shown, where nothing else would reload it), and so does a new query (locale, diff, preview).
    let actions = Actions {
        save: ServerAction::<SaveArticle>::new(),
        status: ServerAction::<ChangeArticleStatus>::new(),
        restore: ServerAction::<RestoreRevision>::new(),
        change: ServerAction::<ChangePendingStatus>::new(),
        discard: ServerAction::<DiscardPendingChange>::new(),
        images: RwSignal::new(0),
    };
    let query = use_query_map();
    let article = Resource::new(
        move || {
            (
                actions.save.version().get(),
                actions.status.version().get(),
                actions.restore.version().get(),
                actions.change.version().get(),
                actions.discard.version().get(),
                actions.images.get(),
                query.get(),
            )
        },
        move |_| editor_article(id),
    );
    view! {
        <Page>
            <PageTitle text=move || t_string!(i18n, editor.edit_title).to_string() />
            <RequireRole
                allowed=|u| u.has(Role::Editor)
                children=move |_| {
                    view! {
                        <p><a href="/editor">{t!(i18n, editor.back)}</a></p>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                match article.await {
                                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                    Ok(article) => view! { <EditArticle article actions /> }.into_any(),
                                }
                            })}
                        </Suspense>
                    }
                }
            />
        </Page>
    }
}

/// The forms' actions, shared by the page so that their results reload it.
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveArticle>,
    status: ServerAction<ChangeArticleStatus>,
    restore: ServerAction<RestoreRevision>,
    change: ServerAction<ChangePendingStatus>,
    discard: ServerAction<DiscardPendingChange>,
    /// Images uploaded from this page (with JavaScript the upload stays on the page).
    images: RwSignal<u64>,
}

#[component]
fn EditArticle(article: ArticleDraft, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let locale = query
        .with_untracked(|q| q.get("locale"))
        .filter(|l| LOCALES.contains(&l.as_str()))
        .unwrap_or_else(|| "en".to_owned());
    // A published article's form continues its waiting change, if this locale has one.
    let change = article.changes.iter().find(|c| c.locale == locale).cloned();
    let text = article.translations.iter().find(|t| t.locale == locale).cloned();
    let (title, body) = match &change {
        Some(c) => (c.title.clone(), c.body_md.clone()),
        None => text.map(|t| (t.title, t.body_md)).unwrap_or_default(),
    };
    let other_changes: Vec<String> =
        article.changes.iter().filter(|c| c.locale != locale).map(|c| c.locale.clone()).collect();
    let published = article.status == ArticleStatus::Published;
    let saved = query.with_untracked(|q| q.get("saved").is_some());
    let public = (article.status == ArticleStatus::Published).then(|| format!("/help/articles/{}", article.slug));
    view! {
        <h1>{t!(i18n, editor.edit_title)} ": " {article.slug.clone()}</h1>
        <div role="status">{saved.then(|| view! { <p class="notice notice-ok">{t!(i18n, editor.saved)}</p> })}</div>
        <p>
            {t!(i18n, editor.current_status)} ": " <strong>{status_text(i18n, article.status)}</strong>
            {public.map(|href| view! { " · " <a href=href>{t!(i18n, editor.view_public)}</a> })}
        </p>
        <form method="get" action=format!("/editor/articles/{}", article.id) class="inline-form">
            <label for="switch-locale">{t!(i18n, editor.translation_label)}</label>
            " "
            <select id="switch-locale" name="locale">
                {LOCALES
                    .into_iter()
                    .map(|l| {
                        let selected = l == locale;
                        view! { <option value=l selected=selected>{locale_text(i18n, l)}</option> }
                    })
                    .collect_view()}
            </select>
            " "
            <button type="submit">{t!(i18n, editor.switch_locale)}</button>
        </form>
        {published.then(|| view! { <p class="hint">{t!(i18n, editor.published_hint)}</p> })}
        {(!other_changes.is_empty()).then(|| {
            let id = article.id;
            view! {
                <p>
                    {t!(i18n, editor.changes_other_locales)} " "
                    {other_changes
                        .into_iter()
                        .map(|l| {
                            let href = format!("/editor/articles/{id}?locale={l}");
                            view! { <a href=href>{locale_text(i18n, &l)}</a> " " }
                        })
                        .collect_view()}
                </p>
            }
        })}
        <ArticleForm
            id=Some(article.id)
            slug=article.slug.clone()
            category_id=Some(article.category_id)
            categories=article.categories.clone()
            locale
            title
            body
            save=actions.save
        />
        {change.map(|change| {
            let own_needs_review = change.own && article.require_review;
            view! { <PendingChange id=article.id change own_needs_review actions /> }
        })}
        <ArticleImages id=article.id images=article.images.clone() uploads=actions.images />
        <Workflow
            id=article.id
            next=article.next_statuses.clone()
            own_needs_review=article.own && article.require_review
            action=actions.status
        />
        <History id=article.id revisions=article.revisions restore=actions.restore />
    }
}

/// Slug, category and one language's title and body. "Preview" without JavaScript is a GET of this page
/// with the form's fields (the page shows them and their preview); with JavaScript it only refreshes the
/// preview, which also follows typing (400 ms after the last key).
#[component]
fn ArticleForm(
    id: Option<i64>,
    slug: String,
    category_id: Option<i64>,
    categories: Vec<Choice>,
    locale: String,
    title: String,
    body: String,
    save: ServerAction<SaveArticle>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(save);
    let query = use_query_map();
    let previewing = query.with_untracked(|q| q.get("preview").is_some());
    let from_preview = |name: &str, stored: String| {
        if previewing {
            query.with_untracked(|q| q.get(name)).unwrap_or(stored)
        } else {
            stored
        }
    };
    let slug = from_preview("slug", slug);
    let title = from_preview("title", title);
    let body = from_preview("body", body);
    let category = from_preview("category", category_id.map(|c| c.to_string()).unwrap_or_default());
    let kept_body = error
        .with_untracked(|e| e.as_ref().and_then(|e| e.field_errors()).and_then(|f| f.value("body")).map(str::to_owned));
    let typed = RwSignal::new(kept_body.unwrap_or(body.clone()));
    let shown = RwSignal::new(if previewing { body } else { String::new() });
    let preview = Resource::new(
        move || shown.get(),
        |text| async move {
            if text.trim().is_empty() {
                Ok(String::new())
            } else {
                preview_article(text).await
            }
        },
    );
    // Live preview: the text is sent 400 ms after the last change.
    Effect::new(move |previous: Option<Option<leptos::leptos_dom::helpers::TimeoutHandle>>| {
        let text = typed.get();
        if let Some(Some(handle)) = previous {
            handle.clear();
        }
        set_timeout_with_handle(move || shown.set(text), std::time::Duration::from_millis(400)).ok()
    });
    let form_id = "article";
    let here = match id {
        Some(id) => format!("/editor/articles/{id}"),
        None => "/editor/new".to_owned(),
    };
    let options: Vec<(String, String)> = categories.into_iter().map(|c| (c.id.to_string(), c.name)).collect();
    view! {
        <ActionForm action=save attr:class="card" attr:novalidate=true attr:aria-label=move || t_string!(i18n, editor.edit_title)>
            <FormErrors error form_id />
            <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
            <input type="hidden" name="locale" value=locale.clone() />
            <p>{t!(i18n, editor.translation_label)} ": " <strong>{locale_text(i18n, &locale)}</strong></p>
            <SelectField form_id name="category" options value=category
                label=Signal::derive(move || t_string!(i18n, editor.category_label).to_string())
                placeholder=Signal::derive(move || t_string!(i18n, editor.any_category).to_string()) error />
            <TextField form_id name="slug" value=slug maxlength=SLUG_MAX required=true
                label=Signal::derive(move || t_string!(i18n, editor.slug_label).to_string())
                hint=Signal::derive(move || t_string!(i18n, editor.slug_hint).to_string()) error />
            <TextField form_id name="title" value=title maxlength=TITLE_MAX required=true
                label=Signal::derive(move || t_string!(i18n, editor.title_label).to_string()) error />
            <TextField form_id name="body" multiline=true maxlength=BODY_MAX required=true draft=typed
                label=Signal::derive(move || t_string!(i18n, editor.body_label).to_string())
                hint=Signal::derive(move || t_string!(i18n, editor.body_hint).to_string()) error />
            <div class="button-row">
                <button type="submit">{t!(i18n, editor.save)}</button>
                " "
                <button
                    type="submit"
                    name="preview"
                    value="1"
                    formmethod="get"
                    formaction=here
                    on:click=move |ev| {
                        ev.prevent_default();
                        shown.set(typed.get_untracked());
                    }
                >
                    {t!(i18n, editor.preview)}
                </button>
            </div>
        </ActionForm>
        <section class="card" aria-labelledby="preview-heading" aria-live="polite">
            <h2 id="preview-heading">{t!(i18n, editor.preview_heading)}</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match preview.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(html) if html.is_empty() => view! { <p class="hint">{t!(i18n, editor.preview_empty)}</p> }.into_any(),
                        // Rendered and sanitized on the server by the public page's code (server::markdown).
                        Ok(html) => view! { <div class="kb-body" inner_html=html></div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The status changes this article can make, each a submit button of one form with an optional comment.
#[component]
fn Workflow(
    id: i64,
    next: Vec<ArticleStatus>,
    /// Review is required and this editor wrote the article: another editor publishes it.
    own_needs_review: bool,
    action: ServerAction<ChangeArticleStatus>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(action);
    view! {
        <ActionForm action attr:class="card" attr:aria-labelledby="workflow-heading" attr:novalidate=true>
            <h2 id="workflow-heading">{t!(i18n, editor.workflow_heading)}</h2>
            <FormErrors error form_id="workflow" />
            <input type="hidden" name="id" value=id />
            <TextField form_id="workflow" name="comment" multiline=true maxlength=crate::domain::kb::COMMENT_MAX
                label=Signal::derive(move || t_string!(i18n, editor.comment_label).to_string())
                hint=Signal::derive(move || t_string!(i18n, editor.comment_hint).to_string()) error />
            {own_needs_review.then(|| view! { <p class="hint">{t!(i18n, editor.own_article)}</p> })}
            <div class="button-row" id="workflow-status">
                {next
                    .into_iter()
                    .filter(|to| !(own_needs_review && *to == ArticleStatus::Published))
                    .map(|to| {
                        let text = match to {
                            ArticleStatus::Draft => t_string!(i18n, editor.to_draft),
                            ArticleStatus::InReview => t_string!(i18n, editor.to_in_review),
                            ArticleStatus::Published => t_string!(i18n, editor.to_published),
                            ArticleStatus::Archived => t_string!(i18n, editor.to_archived),
                        };
                        view! { <button type="submit" name="to" value=to.as_str()>{text}</button> " " }
                    })
                    .collect_view()}
            </div>
        </ActionForm>
    }
}

/// A published article's waiting change of one locale: its step, who saved it, what it changes, and the
/// workflow buttons (the same rules as the article's own workflow) and Discard.
#[component]
fn PendingChange(id: i64, change: ChangeView, own_needs_review: bool, actions: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let error = action_error(actions.change);
    let discard_error = action_error(actions.discard);
    let author = change.author.clone().unwrap_or_else(|| t_string!(i18n, editor.unknown_author).to_string());
    let (change_locale, discard_locale) = (change.locale.clone(), change.locale.clone());
    view! {
        <section class="card" aria-labelledby="changes-heading">
            <h2 id="changes-heading">{t!(i18n, editor.changes_heading)}</h2>
            <p>
                {t!(i18n, editor.change_step)} ": " <strong>{status_text(i18n, change.step)}</strong> " · "
                {t!(i18n, editor.change_saved_by)} " " {author} " · " <Timestamp at=change.at />
            </p>
            <h3>{t!(i18n, editor.change_diff_heading)}</h3>
            <DiffView lines=change.diff />
            <ActionForm action=actions.change attr:novalidate=true attr:aria-label=move || t_string!(i18n, editor.changes_form_label)>
                <FormErrors error form_id="changes" />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="locale" value=change_locale />
                <TextField form_id="changes" name="comment" multiline=true maxlength=crate::domain::kb::COMMENT_MAX
                    label=Signal::derive(move || t_string!(i18n, editor.comment_label).to_string())
                    hint=Signal::derive(move || t_string!(i18n, editor.comment_hint).to_string()) error />
                {own_needs_review.then(|| view! { <p class="hint">{t!(i18n, editor.change_own)}</p> })}
                <div class="button-row">
                    {change
                        .next_steps
                        .into_iter()
                        .filter(|to| !(own_needs_review && *to == ArticleStatus::Published))
                        .map(|to| {
                            let text = match to {
                                ArticleStatus::InReview => t_string!(i18n, editor.change_to_in_review),
                                ArticleStatus::Published => t_string!(i18n, editor.change_to_published),
                                _ => t_string!(i18n, editor.change_to_draft),
                            };
                            view! { <button type="submit" name="to" value=to.as_str()>{text}</button> " " }
                        })
                        .collect_view()}
                </div>
            </ActionForm>
            <ActionForm action=actions.discard attr:aria-label=move || t_string!(i18n, editor.change_discard)>
                <FormErrors error=discard_error form_id="discard" />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="locale" value=discard_locale />
                <p class="hint">{t!(i18n, editor.change_discard_hint)}</p>
                <button type="submit">{t!(i18n, editor.change_discard)}</button>
            </ActionForm>
        </section>
    }
}

/// A line diff, added and removed lines marked (and titled for screen readers); "no changes" when equal.
#[component]
fn DiffView(lines: Vec<DiffLine>) -> impl IntoView {
    let i18n = use_i18n();
    if lines.iter().all(|l| l.kind == DiffKind::Same) {
        return view! { <p>{t!(i18n, editor.no_changes)}</p> }.into_any();
    }
    view! {
        <pre class="diff">
            {lines
                .into_iter()
                .map(|line| match line.kind {
                    DiffKind::Added => view! {
                        <ins title=move || t_string!(i18n, editor.diff_added)>{format!("+ {}\n", line.text)}</ins>
                    }.into_any(),
                    DiffKind::Removed => view! {
                        <del title=move || t_string!(i18n, editor.diff_removed)>{format!("- {}\n", line.text)}</del>
                    }.into_any(),
                    DiffKind::Same => view! { <span>{format!("  {}\n", line.text)}</span> }.into_any(),
                })
                .collect_view()}
        </pre>
    }
    .into_any()
}

/// The revisions, newest first, with Restore; and a GET form comparing two of them.
#[component]
fn History(id: i64, revisions: Vec<RevisionView>, restore: ServerAction<RestoreRevision>) -> impl IntoView {
    let i18n = use_i18n();
    let restore_error = action_error(restore);
    let query = use_query_map();
    let pick = |k: &str| query.with_untracked(|q| q.get(k)).and_then(|v| v.parse::<i64>().ok());
    let (from, to) = (pick("from"), pick("to"));
    let diff = Resource::new(
        || (),
        move |_| async move {
            match (from, to) {
                (Some(from), Some(to)) => diff_revisions(id, from, to).await.map(Some),
                _ => Ok(None),
            }
        },
    );
    let choice = |selected: Option<i64>, r: &RevisionView| {
        let label = format!("#{} · {} · {}", r.id, r.locale, r.title);
        view! { <option value=r.id selected=selected == Some(r.id)>{label}</option> }
    };
    let from_options = revisions.iter().map(|r| choice(from, r)).collect_view();
    let to_options = revisions.iter().map(|r| choice(to, r)).collect_view();
    view! {
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">{t!(i18n, editor.history_heading)}</h2>
            <FormErrors error=restore_error form_id="restore" />
            <table class="revisions">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">{t!(i18n, editor.col_time)}</th>
                        <th scope="col">{t!(i18n, editor.col_author)}</th>
                        <th scope="col">{t!(i18n, editor.col_locale)}</th>
                        <th scope="col">{t!(i18n, editor.col_title)}</th>
                        <th scope="col">{t!(i18n, editor.col_note)}</th>
                        <th scope="col"></th>
                    </tr>
                </thead>
                <tbody>
                    {revisions
                        .into_iter()
                        .map(|r| {
                            let author = r.author.unwrap_or_else(|| t_string!(i18n, editor.unknown_author).to_string());
                            view! {
                                <tr>
                                    <td>{r.id}</td>
                                    <td><Timestamp at=r.at /></td>
                                    <td>{author}</td>
                                    <td>{r.locale}</td>
                                    <td>{r.title} " (" {status_text(i18n, r.status)} ")"</td>
                                    <td>{r.note}</td>
                                    <td>
                                        <ActionForm action=restore attr:class="inline-form">
                                            <input type="hidden" name="id" value=id />
                                            <input type="hidden" name="revision" value=r.id />
                                            <button type="submit">{t!(i18n, editor.restore)}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <form method="get" action=format!("/editor/articles/{id}") class="compare">
                <div class="field">
                    <label for="diff-from">{t!(i18n, editor.from_label)}</label>
                    <select id="diff-from" name="from">{from_options}</select>
                </div>
                <div class="field">
                    <label for="diff-to">{t!(i18n, editor.to_label)}</label>
                    <select id="diff-to" name="to">{to_options}</select>
                </div>
                <button type="submit">{t!(i18n, editor.compare)}</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match diff.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Ok(Some(lines)) => {
                            view! {
                                <h3>{t!(i18n, editor.diff_heading)}</h3>
                                <DiffView lines />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
