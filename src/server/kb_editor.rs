//! Writing the knowledge base: creating and editing articles (every save a revision), the editorial workflow
//! with its optional second-editor review, restoring old revisions, and the redirects that keep a published
//! article's old address working after its slug changes. The rules are checked here, whatever the page shows.
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::kb::{check_transition, edits_wait, ArticleStatus, Slug, WorkflowRefusal};
use crate::domain::{FieldError, FieldErrors};
use crate::server::db::{kb, kb_changes, settings, Conn, Db, DbResult};
use crate::server::markdown;
use crate::server::state::AppState;

/// The settings key of "articles need another editor's review before they are published".
pub const REQUIRE_REVIEW: &str = "kb.require_review";

#[derive(Debug)]
pub enum EditorError {
    NotFound,
    /// Field errors (a taken slug, an unknown category, a refused status change).
    Invalid(FieldErrors),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for EditorError {
    fn from(e: sqlx::Error) -> Self {
        EditorError::Db(e)
    }
}

fn field(name: &str, error: FieldError) -> EditorError {
    let mut errors = FieldErrors::new();
    errors.add(name, error);
    EditorError::Invalid(errors)
}

/// One locale's text of an article with its slug and category, as the edit form sends it (already parsed).
pub struct Edit<'a> {
    pub slug: &'a Slug,
    pub category_id: i64,
    pub locale: &'a str,
    pub title: &'a str,
    pub body_md: &'a str,
}

fn status_of(raw: &str) -> ArticleStatus {
    ArticleStatus::parse(raw).unwrap_or(ArticleStatus::Draft)
}

/// Whether publishing needs a second editor (off until an admin turns it on).
pub async fn require_review(db: &Db) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    Ok(settings::get(&mut conn, REQUIRE_REVIEW).await?.as_deref() == Some("on"))
}

pub async fn set_require_review(db: &Db, on: bool, now: i64) -> DbResult<()> {
    let mut conn = db.acquire().await?;
    settings::set(&mut conn, REQUIRE_REVIEW, if on { "on" } else { "off" }, now).await
}

/// Creates a draft with its first translation (its first revision); returns its id.
pub async fn create(db: &Db, author_id: i64, edit: &Edit<'_>, now: i64) -> Result<i64, EditorError> {
    let mut tx = db.begin().await?;
    if !kb::category_exists(&mut tx, edit.category_id).await? {
        return Err(field("category", FieldError::InvalidChoice));
    }
    let new = kb::NewArticle {
        slug: edit.slug.as_str(),
        category_id: edit.category_id,
        status: ArticleStatus::Draft,
        author_id: Some(author_id),
    };
    let Ok(id) = kb::insert_article_unique(&mut tx, &new, now).await? else {
        return Err(field("slug", FieldError::AlreadyTaken));
    };
    write_text(&mut tx, id, edit.locale, edit.title, edit.body_md, ArticleStatus::Draft, author_id, now).await?;
    tx.commit().await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn write_text(
    conn: &mut Conn,
    id: i64,
    locale: &str,
    title: &str,
    body_md: &str,
    status: ArticleStatus,
    author_id: i64,
    now: i64,
) -> DbResult<()> {
    let body_text = markdown::plain_text(body_md);
    let text = kb::TranslationText { locale, title, body_md, body_text: &body_text };
    kb::save_translation(conn, id, &text, status, Some(author_id), now).await
}

/// Writes one locale's text as the article's own (status `status`), or, for a published article, as its waiting
/// change; either way it is a revision.
async fn write_edit(
    conn: &mut Conn,
    id: i64,
    status: ArticleStatus,
    text: &kb::TranslationRow,
    author_id: i64,
    now: i64,
) -> DbResult<()> {
    if !edits_wait(status) {
        return write_text(conn, id, &text.locale, &text.title, &text.body_md, status, author_id, now).await;
    }
    let step = kb_changes::save(conn, id, text, author_id, now).await?;
    kb::add_revision(conn, id, text, status_of(&step), author_id, None, now).await
}

/// Saves an article's slug, category and one locale's text (a new revision); a published article's text waits
/// as a change. A published article whose slug changes keeps answering at its old address, with a permanent
/// redirect.
pub async fn save(db: &Db, author_id: i64, id: i64, edit: &Edit<'_>, now: i64) -> Result<(), EditorError> {
    let mut tx = db.begin().await?;
    let Some(article) = kb::editor_article(&mut tx, id).await? else { return Err(EditorError::NotFound) };
    if !kb::category_exists(&mut tx, edit.category_id).await? {
        return Err(field("category", FieldError::InvalidChoice));
    }
    let status = status_of(&article.status);
    if kb::update_article(&mut tx, id, edit.slug.as_str(), edit.category_id, now).await?.is_err() {
        return Err(field("slug", FieldError::AlreadyTaken));
    }
    if article.slug != edit.slug.as_str() && status == ArticleStatus::Published {
        kb::add_redirect(&mut tx, &article.slug, id, now).await?;
    }
    let text =
        kb::TranslationRow { locale: edit.locale.into(), title: edit.title.into(), body_md: edit.body_md.into() };
    write_edit(&mut tx, id, status, &text, author_id, now).await?;
    tx.commit().await?;
    Ok(())
}

fn refusal(r: WorkflowRefusal) -> EditorError {
    match r {
        WorkflowRefusal::NotAllowed => field("status", FieldError::InvalidChoice),
        WorkflowRefusal::OwnArticle => field("status", FieldError::OwnArticle),
        WorkflowRefusal::CommentRequired => field("comment", FieldError::Required),
    }
}

/// Moves an article in the workflow. With review required, its author cannot publish it; sending it back
/// from review to draft needs `comment`, which is kept as a note on a revision.
pub async fn change_status(
    db: &Db,
    actor_id: i64,
    id: i64,
    to: ArticleStatus,
    comment: Option<&str>,
    now: i64,
) -> Result<(), EditorError> {
    let require_review = require_review(db).await?;
    let mut tx = db.begin().await?;
    let Some(article) = kb::editor_article(&mut tx, id).await? else { return Err(EditorError::NotFound) };
    let from = status_of(&article.status);
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    check_transition(from, to, require_review, article.author_id == Some(actor_id), comment.is_some())
        .map_err(refusal)?;
    kb::set_status(&mut tx, id, to, now).await?;
    if from == ArticleStatus::Published {
        // No longer public: the waiting changes become the article's text, to be reworked from there.
        for change in kb_changes::for_article(&mut tx, id).await? {
            let author = change.author_id.unwrap_or(actor_id);
            write_text(&mut tx, id, &change.locale, &change.title, &change.body_md, to, author, now).await?;
            kb_changes::delete(&mut tx, id, &change.locale).await?;
        }
    }
    if let Some(comment) = comment {
        if let Some(text) = kb::translations(&mut tx, id).await?.into_iter().next() {
            kb::add_revision(&mut tx, id, &text, to, actor_id, Some(comment), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Moves the waiting change of one locale of a published article in the workflow, by the article workflow's
/// rules (`check_transition`; the change's author is the editor who saved it last). Publishing it makes it the
/// text readers see (a revision) and ends the change; sending it back from review needs `comment`.
#[allow(clippy::too_many_arguments)]
pub async fn change_pending(
    db: &Db,
    actor_id: i64,
    id: i64,
    locale: &str,
    to: ArticleStatus,
    comment: Option<&str>,
    now: i64,
) -> Result<(), EditorError> {
    let require_review = require_review(db).await?;
    let mut tx = db.begin().await?;
    if kb::editor_article(&mut tx, id).await?.is_none() {
        return Err(EditorError::NotFound);
    }
    let Some(change) = kb_changes::get(&mut tx, id, locale).await? else { return Err(EditorError::NotFound) };
    let from = status_of(&change.step);
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    check_transition(from, to, require_review, change.author_id == Some(actor_id), comment.is_some())
        .map_err(refusal)?;
    if to == ArticleStatus::Published {
        write_text(&mut tx, id, locale, &change.title, &change.body_md, to, actor_id, now).await?;
        kb_changes::delete(&mut tx, id, locale).await?;
        kb::touch_article(&mut tx, id, now).await?;
    } else {
        kb_changes::set_step(&mut tx, id, locale, to, now).await?;
        if let Some(comment) = comment {
            let text = kb::TranslationRow { locale: change.locale, title: change.title, body_md: change.body_md };
            kb::add_revision(&mut tx, id, &text, to, actor_id, Some(comment), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Drops the waiting change of one locale (readers keep the published text; its saves stay in the history).
pub async fn discard_pending(db: &Db, id: i64, locale: &str) -> Result<(), EditorError> {
    let mut conn = db.acquire().await?;
    if kb_changes::delete(&mut conn, id, locale).await? {
        Ok(())
    } else {
        Err(EditorError::NotFound)
    }
}

/// Makes an old revision's text current again, as a new revision (history is never rewritten); for a published
/// article, its waiting change.
pub async fn restore(db: &Db, actor_id: i64, id: i64, revision_id: i64, now: i64) -> Result<(), EditorError> {
    let mut tx = db.begin().await?;
    let Some(article) = kb::editor_article(&mut tx, id).await? else { return Err(EditorError::NotFound) };
    let Some(old) = kb::revision(&mut tx, id, revision_id).await? else { return Err(EditorError::NotFound) };
    let status = status_of(&article.status);
    let text = kb::TranslationRow { locale: old.locale, title: old.title, body_md: old.body_md };
    write_edit(&mut tx, id, status, &text, actor_id, now).await?;
    if !edits_wait(status) {
        kb::touch_article(&mut tx, id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `GET /help/articles/<old slug>` of a published article that was renamed answers 301 with its new address
/// (the query string kept). Only that path is looked at; everything else passes through untouched.
pub async fn slug_redirect_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() == Method::GET {
        let slug = request.uri().path().strip_prefix("/help/articles/").and_then(|s| Slug::parse(s).ok());
        if let Some(slug) = slug {
            let target = match state.db.acquire().await {
                Ok(mut conn) => kb::redirect_target(&mut conn, slug.as_str()).await,
                Err(e) => Err(e),
            };
            match target {
                Ok(Some(new_slug)) => {
                    let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
                    let location = format!("/help/articles/{new_slug}{query}");
                    if let Ok(location) = HeaderValue::from_str(&location) {
                        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, location)]).into_response();
                    }
                }
                Ok(None) => {}
                // The page itself reports the outage; a redirect lookup failing must not hide the article.
                Err(e) => tracing::warn!(error = %e, "slug redirect lookup failed"),
            }
        }
    }
    next.run(request).await
}

/// A line diff of two texts with `similar`: each line with `'+'` (added), `'-'` (removed) or `' '`.
pub fn line_diff(old: &str, new: &str) -> Vec<(char, String)> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|change| {
            let sign = match change.tag() {
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Equal => ' ',
            };
            (sign, change.value().trim_end_matches(['\n', '\r']).to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_diff_marks_added_and_removed_lines() {
        let diff = super::line_diff("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(diff, vec![(' ', "a".into()), ('-', "b".into()), ('+', "B".into()), (' ', "c".into())]);
    }
}
