//! The editor side of the knowledge base: the article list, create and edit with a sanitized preview, the
//! workflow, revision history with diffs and restore, and the admin's "require review" switch. Every function
//! needs the editor role (the switch: admin); the rules themselves live in `server::kb_editor`.
// A form post's fields arrive as one argument each (that is what works without JavaScript).
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::jobs::Choice;
use crate::domain::kb::ArticleStatus;
use crate::domain::AppError;

/// An article in the editor's list, titled in English (or its first translation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorArticleSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: ArticleStatus,
    pub category: String,
    pub locales: Vec<String>,
    pub updated_at: i64,
    /// A published article with changes waiting: the furthest step they are at (draft or in review).
    pub change: Option<ArticleStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorIndex {
    pub articles: Vec<EditorArticleSummary>,
    pub categories: Vec<Choice>,
    pub require_review: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslationView {
    pub locale: String,
    pub title: String,
    pub body_md: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionView {
    pub id: i64,
    pub locale: String,
    pub title: String,
    pub status: ArticleStatus,
    pub author: Option<String>,
    /// Why a reviewer sent the article back.
    pub note: Option<String>,
    pub at: i64,
}

/// A published article's waiting change of one locale, with its difference from the published text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub locale: String,
    pub title: String,
    pub body_md: String,
    /// Draft or in review.
    pub step: ArticleStatus,
    /// The editor who saved it last.
    pub author: Option<String>,
    /// The signed-in editor saved it last (with review required they cannot publish it).
    pub own: bool,
    pub at: i64,
    pub next_steps: Vec<ArticleStatus>,
    /// The published text → the change, title line first.
    pub diff: Vec<DiffLine>,
}

/// An article to edit, with what its forms offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDraft {
    pub id: i64,
    pub slug: String,
    pub category_id: i64,
    pub status: ArticleStatus,
    /// The signed-in editor wrote it (with review required they cannot publish it).
    pub own: bool,
    pub require_review: bool,
    pub translations: Vec<TranslationView>,
    /// The waiting changes of a published article, per locale.
    pub changes: Vec<ChangeView>,
    pub revisions: Vec<RevisionView>,
    pub categories: Vec<Choice>,
    pub next_statuses: Vec<ArticleStatus>,
    /// Images uploaded for the article, newest first.
    pub images: Vec<crate::api::kb_images::ArticleImage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffKind {
    Same,
    Added,
    Removed,
}

/// One line of a diff; the page shows `text` as text (escaped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// The longest text filter the list accepts (longer is cut: it comes from a shareable URL).
pub const FILTER_MAX: usize = 100;

#[cfg(feature = "ssr")]
fn require_editor() -> Result<crate::domain::CurrentUser, AppError> {
    super::guard::require(|u| u.has(crate::domain::Role::Editor))
}

#[cfg(feature = "ssr")]
fn editor_error(error: crate::server::kb_editor::EditorError) -> AppError {
    use super::guard::{db_error, fail};
    use crate::server::kb_editor::EditorError;
    match error {
        EditorError::NotFound => fail(AppError::NotFound),
        EditorError::Invalid(errors) => fail(AppError::Invalid(errors)),
        EditorError::Db(e) => db_error(e),
    }
}

#[cfg(feature = "ssr")]
async fn category_choices(conn: &mut crate::server::db::Conn) -> Result<Vec<Choice>, AppError> {
    let rows = crate::server::db::kb::categories(conn, "en").await.map_err(super::guard::db_error)?;
    Ok(rows.into_iter().map(|c| Choice { id: c.id, name: c.name }).collect())
}

/// The list, filtered by `status`, `category` (id), `locale` (has that translation) and text `q`. Unknown
/// filter values are ignored, not errors: they come from a shareable URL.
#[server(prefix = "/api", endpoint = "editor/list")]
pub async fn editor_list(
    status: Option<String>,
    category: Option<String>,
    locale: Option<String>,
    q: Option<String>,
) -> Result<EditorIndex, AppError> {
    use super::guard::{db_error, state};
    use crate::server::db::kb;

    require_editor()?;
    let filter = kb::EditorFilter {
        status: status.filter(|s| ArticleStatus::parse(s).is_some()).unwrap_or_default(),
        category_id: category.and_then(|c| c.parse().ok()).unwrap_or(0),
        locale: locale.filter(|l| l.parse::<crate::i18n::Locale>().is_ok()).unwrap_or_default(),
        text: q.map(|q| q.trim().chars().take(FILTER_MAX).collect()).unwrap_or_default(),
    };
    let state = state();
    let require_review = crate::server::kb_editor::require_review(&state.db).await.map_err(db_error)?;
    let mut conn = state.db.acquire().await.map_err(db_error)?;
    let rows = kb::editor_list(&mut conn, &filter, 500).await.map_err(db_error)?;
    let categories = category_choices(&mut conn).await?;
    let mut articles: Vec<EditorArticleSummary> = Vec::new();
    for row in rows {
        match articles.last_mut() {
            Some(last) if last.id == row.id => last.locales.push(row.locale),
            _ => articles.push(EditorArticleSummary {
                id: row.id,
                slug: row.slug,
                title: row.title,
                status: ArticleStatus::parse(&row.status).unwrap_or(ArticleStatus::Draft),
                category: categories
                    .iter()
                    .find(|c| c.id == row.category_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                locales: vec![row.locale],
                updated_at: row.updated_at,
                change: row.change_step.as_deref().and_then(ArticleStatus::parse),
            }),
        }
    }
    Ok(EditorIndex { articles, categories, require_review })
}

/// The categories a new article can go in.
#[server(prefix = "/api", endpoint = "editor/categories")]
pub async fn editor_categories() -> Result<Vec<Choice>, AppError> {
    use super::guard::{db_error, state};
    require_editor()?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    category_choices(&mut conn).await
}

#[server(prefix = "/api", endpoint = "editor/article")]
pub async fn editor_article(id: i64) -> Result<ArticleDraft, AppError> {
    use super::guard::{db_error, fail, state};
    use crate::domain::kb::next_statuses;
    use crate::server::db::kb;

    let user = require_editor()?;
    let state = state();
    let require_review = crate::server::kb_editor::require_review(&state.db).await.map_err(db_error)?;
    let mut conn = state.db.acquire().await.map_err(db_error)?;
    let Some(article) = kb::editor_article(&mut conn, id).await.map_err(db_error)? else {
        return Err(fail(AppError::NotFound));
    };
    let translations = kb::translations(&mut conn, id).await.map_err(db_error)?;
    let changes = crate::server::db::kb_changes::for_article(&mut conn, id).await.map_err(db_error)?;
    let revisions = kb::revisions(&mut conn, id).await.map_err(db_error)?;
    let images = crate::server::db::kb_images::for_article(&mut conn, id).await.map_err(db_error)?;
    let categories = category_choices(&mut conn).await?;
    let status = ArticleStatus::parse(&article.status).unwrap_or(ArticleStatus::Draft);
    let changes = changes
        .into_iter()
        .map(|c| {
            let live = translations.iter().find(|t| t.locale == c.locale);
            let old = live.map(|t| format!("# {}\n{}", t.title, t.body_md)).unwrap_or_default();
            let step = ArticleStatus::parse(&c.step).unwrap_or(ArticleStatus::Draft);
            ChangeView {
                diff: diff_lines(&old, &format!("# {}\n{}", c.title, c.body_md)),
                locale: c.locale,
                title: c.title,
                body_md: c.body_md,
                step,
                author: c.author,
                own: c.author_id == Some(user.id),
                at: c.updated_at,
                next_steps: crate::domain::kb::next_change_steps(step),
            }
        })
        .collect();
    Ok(ArticleDraft {
        id,
        slug: article.slug,
        category_id: article.category_id,
        status,
        own: article.author_id == Some(user.id),
        require_review,
        translations: translations
            .into_iter()
            .map(|t| TranslationView { locale: t.locale, title: t.title, body_md: t.body_md })
            .collect(),
        changes,
        revisions: revisions
            .into_iter()
            .map(|r| RevisionView {
                id: r.id,
                locale: r.locale,
                title: r.title,
                status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
                author: r.author,
                note: r.note,
                at: r.created_at,
            })
            .collect(),
        categories,
        next_statuses: next_statuses(status),
        images: images
            .into_iter()
            .map(|i| crate::api::kb_images::ArticleImage { id: i.id, url: crate::server::kb_images::image_url(i.id) })
            .collect(),
    })
}

/// Markdown as the public page would show it: rendered and sanitized by the same server code.
#[server(prefix = "/api", endpoint = "editor/preview")]
pub async fn preview_article(body: String) -> Result<String, AppError> {
    use super::guard::invalid;
    use crate::domain::kb::BODY_MAX;
    use crate::domain::FieldError;

    require_editor()?;
    if body.chars().count() > BODY_MAX {
        return Err(invalid("body", FieldError::TooLong { max: BODY_MAX }));
    }
    Ok(crate::server::markdown::render(&body).html)
}

/// Creates (`id` empty) or saves an article: slug, category and one locale's title and body. Every save is a
/// revision. Lands on the article's edit page in that locale.
#[server(prefix = "/api", endpoint = "editor/save")]
pub async fn save_article(
    id: Option<String>,
    slug: String,
    category: String,
    locale: String,
    title: String,
    body: String,
) -> Result<(), AppError> {
    use super::guard::fail;
    use crate::domain::kb::{Slug, BODY_MAX, TITLE_MAX};
    use crate::domain::{FieldError, FieldErrors};
    use crate::server::kb_editor::{create, save, Edit};
    use crate::server::now_ms;

    let user = require_editor()?;
    let id = match id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| fail(AppError::NotFound))?),
        None => None,
    };
    let mut errors = FieldErrors::new();
    for (name, value) in [("slug", &slug), ("category", &category), ("title", &title), ("body", &body)] {
        errors.keep(name, value);
    }
    let parsed_slug = errors.check("slug", Slug::parse(&slug));
    let category_id = errors.check("category", category.parse::<i64>().map_err(|_| FieldError::Required));
    let title = title.trim();
    if title.is_empty() {
        errors.add("title", FieldError::Required);
    } else if title.chars().count() > crate::domain::kb::TITLE_MAX {
        errors.add("title", FieldError::TooLong { max: TITLE_MAX });
    }
    if body.trim().is_empty() {
        errors.add("body", FieldError::Required);
    } else if body.chars().count() > BODY_MAX {
        errors.add("body", FieldError::TooLong { max: BODY_MAX });
    }
    // A new article starts in English; translations are added to an existing one.
    let locale_ok = locale.parse::<crate::i18n::Locale>().is_ok() && (id.is_some() || locale == "en");
    if !locale_ok {
        errors.add("locale", FieldError::InvalidChoice);
    }
    let (Some(slug), Some(category_id), true) = (parsed_slug, category_id, errors.is_empty()) else {
        return Err(fail(AppError::Invalid(errors)));
    };
    let edit = Edit { slug: &slug, category_id, locale: &locale, title, body_md: &body };
    let db = &super::guard::state().db;
    let with_values = |e: AppError| match e {
        AppError::Invalid(mut found) => {
            found.1 = errors.1.clone();
            AppError::Invalid(found)
        }
        other => other,
    };
    let id = match id {
        Some(id) => {
            save(db, user.id, id, &edit, now_ms()).await.map_err(|e| with_values(editor_error(e)))?;
            id
        }
        None => create(db, user.id, &edit, now_ms()).await.map_err(|e| with_values(editor_error(e)))?,
    };
    leptos_axum::redirect(&format!("/editor/articles/{id}?locale={locale}&saved=1"));
    Ok(())
}

/// Moves an article in the workflow (`to` is a status name); `comment` is needed to send one back from
/// review. With review required, the author cannot publish their own article.
#[server(prefix = "/api", endpoint = "editor/status")]
pub async fn change_article_status(id: i64, to: String, comment: Option<String>) -> Result<(), AppError> {
    use super::guard::{invalid, state};
    use crate::domain::FieldError;
    use crate::server::now_ms;

    let user = require_editor()?;
    let Some(to) = ArticleStatus::parse(&to) else { return Err(invalid("status", FieldError::InvalidChoice)) };
    crate::server::kb_editor::change_status(&state().db, user.id, id, to, comment.as_deref(), now_ms())
        .await
        .map_err(editor_error)?;
    leptos_axum::redirect(&format!("/editor/articles/{id}"));
    Ok(())
}

/// Makes an old revision current again (as a new revision).
#[server(prefix = "/api", endpoint = "editor/restore")]
pub async fn restore_revision(id: i64, revision: i64) -> Result<(), AppError> {
    use super::guard::state;
    use crate::server::now_ms;

    let user = require_editor()?;
    crate::server::kb_editor::restore(&state().db, user.id, id, revision, now_ms()).await.map_err(editor_error)?;
    leptos_axum::redirect(&format!("/editor/articles/{id}?saved=1"));
    Ok(())
}

/// A line diff of two revisions of an article: title line first, then the Markdown.
#[server(prefix = "/api", endpoint = "editor/diff")]
pub async fn diff_revisions(id: i64, from: i64, to: i64) -> Result<Vec<DiffLine>, AppError> {
    use super::guard::{db_error, fail, state};
    use crate::server::db::kb;

    require_editor()?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let (Some(old), Some(new)) = (
        kb::revision(&mut conn, id, from).await.map_err(db_error)?,
        kb::revision(&mut conn, id, to).await.map_err(db_error)?,
    ) else {
        return Err(fail(AppError::NotFound));
    };
    let old_text = format!("# {}\n{}", old.title, old.body_md);
    let new_text = format!("# {}\n{}", new.title, new.body_md);
    Ok(diff_lines(&old_text, &new_text))
}

#[cfg(feature = "ssr")]
fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    crate::server::kb_editor::line_diff(old, new)
        .into_iter()
        .map(|(kind, text)| DiffLine {
            kind: match kind {
                '+' => DiffKind::Added,
                '-' => DiffKind::Removed,
                _ => DiffKind::Same,
            },
            text,
        })
        .collect()
}

/// Moves a published article's waiting change of `locale` in the workflow (`to`: in_review, published or
/// draft; `comment` is needed to send it back from review). With review required, the editor who saved it
/// last cannot publish it.
#[server(prefix = "/api", endpoint = "editor/changes/status")]
pub async fn change_pending_status(
    id: i64,
    locale: String,
    to: String,
    comment: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{invalid, state};
    use crate::domain::FieldError;
    use crate::server::now_ms;

    let user = require_editor()?;
    let Some(to) = ArticleStatus::parse(&to) else { return Err(invalid("status", FieldError::InvalidChoice)) };
    crate::server::kb_editor::change_pending(&state().db, user.id, id, &locale, to, comment.as_deref(), now_ms())
        .await
        .map_err(editor_error)?;
    leptos_axum::redirect(&format!("/editor/articles/{id}?locale={}", locale_param(&locale)));
    Ok(())
}

/// Drops a published article's waiting change of `locale`; readers keep the published text.
#[server(prefix = "/api", endpoint = "editor/changes/discard")]
pub async fn discard_pending_change(id: i64, locale: String) -> Result<(), AppError> {
    use super::guard::state;

    require_editor()?;
    crate::server::kb_editor::discard_pending(&state().db, id, &locale).await.map_err(editor_error)?;
    leptos_axum::redirect(&format!("/editor/articles/{id}?locale={}", locale_param(&locale)));
    Ok(())
}

/// A locale for a redirect's query string: a known one, else English (the value came from a form).
#[cfg(feature = "ssr")]
fn locale_param(locale: &str) -> &str {
    if locale.parse::<crate::i18n::Locale>().is_ok() {
        locale
    } else {
        "en"
    }
}

/// Turns "require review" on (`on` present, a checked box) or off. Admins only.
#[server(prefix = "/api", endpoint = "editor/require_review")]
pub async fn set_require_review(on: Option<String>) -> Result<(), AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::now_ms;

    require(|u| u.is_admin())?;
    crate::server::kb_editor::set_require_review(&state().db, on.is_some(), now_ms()).await.map_err(db_error)?;
    leptos_axum::redirect("/editor?saved=1");
    Ok(())
}
