//! The editor side of the knowledge base: revisions, slug clashes, redirects of renamed published articles
//! and the review workflow on SQLite and PostgreSQL; access control, the 301 and the sanitized preview through
//! the real router.
#![cfg(feature = "ssr")]

mod common;

use common::{create_user, TestApp};
use portal::domain::kb::{ArticleStatus, Slug};
use portal::domain::FieldError;
use portal::server::db::kb_changes;
use portal::server::db::{kb, Db};
use portal::server::events::EventBus;
use portal::server::kb::ensure_category;
use portal::server::kb_editor::{
    change_pending, change_status, create, discard_pending, restore, save, set_require_review, Edit, EditorError,
};

const NOW: i64 = 1_700_000_000_000;

async fn editor(db: &Db, email: &str) -> i64 {
    create_user(db, &EventBus::new(db.backend()), email, "editor", None, "a-long-test-password", NOW).await.id
}

async fn heating(db: &Db) -> i64 {
    ensure_category(db, &Slug::parse("heating").unwrap(), 1, &[("en", "Heating", "Boilers")], NOW).await.unwrap()
}

fn edit<'a>(slug: &'a Slug, category_id: i64, title: &'a str, body: &'a str) -> Edit<'a> {
    Edit { slug, category_id, locale: "en", title, body_md: body }
}

fn field_error(result: Result<impl std::fmt::Debug, EditorError>, name: &str) -> FieldError {
    match result {
        Err(EditorError::Invalid(errors)) => errors.get(name).cloned().expect("an error on the field"),
        other => panic!("expected a field error on {name}, got {other:?}"),
    }
}

async fn publish(db: &Db, reviewer: i64, id: i64) {
    change_status(db, reviewer, id, ArticleStatus::InReview, None, NOW).await.unwrap();
    change_status(db, reviewer, id, ArticleStatus::Published, None, NOW).await.unwrap();
}

async fn every_save_and_restore_is_a_new_revision(db: Db) {
    let author = editor(&db, "ed@example.com").await;
    let cat = heating(&db).await;
    let slug = Slug::parse("bleed").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Bleeding", "first text"), NOW).await.unwrap();
    save(&db, author, id, &edit(&slug, cat, "Bleeding", "second text"), NOW + 1).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let revisions = kb::revisions(&mut conn, id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0].body_md, "second text");
    assert_eq!(revisions[0].author.as_deref(), Some("ed@example.com"), "the author is recorded");
    let first = revisions[1].id;
    drop(conn);

    restore(&db, author, id, first, NOW + 2).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let revisions = kb::revisions(&mut conn, id).await.unwrap();
    assert_eq!(revisions.len(), 3, "a restore is a new revision, history is kept");
    assert_eq!(revisions[0].body_md, "first text");
    assert_eq!(kb::translations(&mut conn, id).await.unwrap()[0].body_md, "first text");
    drop(conn);
    assert!(matches!(restore(&db, author, id, 999_999, NOW).await, Err(EditorError::NotFound)));
}

async fn a_slug_clash_is_a_field_error(db: Db) {
    let author = editor(&db, "ed@example.com").await;
    let cat = heating(&db).await;
    let (a, b) = (Slug::parse("alpha").unwrap(), Slug::parse("beta").unwrap());
    create(&db, author, &edit(&a, cat, "A", "a"), NOW).await.unwrap();
    let clash = create(&db, author, &edit(&a, cat, "A2", "a2"), NOW).await;
    assert_eq!(field_error(clash, "slug"), FieldError::AlreadyTaken);
    let id_b = create(&db, author, &edit(&b, cat, "B", "b"), NOW).await.unwrap();
    let rename = save(&db, author, id_b, &edit(&a, cat, "B", "b"), NOW).await;
    assert_eq!(field_error(rename, "slug"), FieldError::AlreadyTaken);
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::revision_count(&mut conn, id_b).await.unwrap(), 1, "a refused save leaves no revision");
    drop(conn);
    let unknown_category = create(&db, author, &edit(&Slug::parse("gamma").unwrap(), 9999, "G", "g"), NOW).await;
    assert_eq!(field_error(unknown_category, "category"), FieldError::InvalidChoice);
}

async fn renaming_a_published_article_leaves_a_redirect(db: Db) {
    let author = editor(&db, "ed@example.com").await;
    let cat = heating(&db).await;
    let (old, new, draft_old, draft_new) = (
        Slug::parse("old-name").unwrap(),
        Slug::parse("new-name").unwrap(),
        Slug::parse("draft-old").unwrap(),
        Slug::parse("draft-new").unwrap(),
    );
    let id = create(&db, author, &edit(&old, cat, "T", "b"), NOW).await.unwrap();
    publish(&db, author, id).await;
    save(&db, author, id, &edit(&new, cat, "T", "b"), NOW).await.unwrap();
    let draft = create(&db, author, &edit(&draft_old, cat, "D", "d"), NOW).await.unwrap();
    save(&db, author, draft, &edit(&draft_new, cat, "D", "d"), NOW).await.unwrap();

    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::redirect_target(&mut conn, "old-name").await.unwrap().as_deref(), Some("new-name"));
    assert_eq!(kb::redirect_target(&mut conn, "draft-old").await.unwrap(), None, "drafts had no public address");
    drop(conn);

    // A new article may take the old name: it stops redirecting.
    create(&db, author, &edit(&old, cat, "Other", "o"), NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::redirect_target(&mut conn, "old-name").await.unwrap(), None);
}

async fn review_keeps_editors_from_publishing_their_own_articles(db: Db) {
    let author = editor(&db, "author@example.com").await;
    let reviewer = editor(&db, "reviewer@example.com").await;
    let cat = heating(&db).await;
    set_require_review(&db, true, NOW).await.unwrap();
    let slug = Slug::parse("review-me").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Review me", "text"), NOW).await.unwrap();

    let skip = change_status(&db, author, id, ArticleStatus::Published, None, NOW).await;
    assert_eq!(field_error(skip, "status"), FieldError::InvalidChoice, "no publishing a draft directly");
    change_status(&db, author, id, ArticleStatus::InReview, None, NOW).await.unwrap();
    let own = change_status(&db, author, id, ArticleStatus::Published, None, NOW).await;
    assert_eq!(field_error(own, "status"), FieldError::OwnArticle);

    // Sent back with a comment, which the history keeps.
    let silent = change_status(&db, reviewer, id, ArticleStatus::Draft, Some("  "), NOW).await;
    assert_eq!(field_error(silent, "comment"), FieldError::Required);
    change_status(&db, reviewer, id, ArticleStatus::Draft, Some("Add a photo of the valve."), NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let revisions = kb::revisions(&mut conn, id).await.unwrap();
    assert_eq!(revisions[0].note.as_deref(), Some("Add a photo of the valve."));
    assert_eq!(revisions[0].author.as_deref(), Some("reviewer@example.com"));
    drop(conn);

    change_status(&db, author, id, ArticleStatus::InReview, None, NOW).await.unwrap();
    change_status(&db, reviewer, id, ArticleStatus::Published, None, NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::published_id(&mut conn, "review-me").await.unwrap(), Some(id), "another editor published it");
    drop(conn);

    change_status(&db, author, id, ArticleStatus::Archived, None, NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::published_article(&mut conn, "en", "review-me").await.unwrap(), None, "archived is hidden");
    drop(conn);

    // Without review, an author may publish their own (after sending it for review).
    set_require_review(&db, false, NOW).await.unwrap();
    let slug = Slug::parse("solo").unwrap();
    let solo = create(&db, author, &edit(&slug, cat, "Solo", "text"), NOW).await.unwrap();
    publish(&db, author, solo).await;
}

async fn the_list_filters_by_status_category_locale_and_text(db: Db) {
    let author = editor(&db, "ed@example.com").await;
    let cat = heating(&db).await;
    let (a, b) = (Slug::parse("radiator-noise").unwrap(), Slug::parse("boiler-reset").unwrap());
    let id_a = create(&db, author, &edit(&a, cat, "Noisy radiator", "Knocking 50% of the time"), NOW).await.unwrap();
    create(&db, author, &edit(&b, cat, "Resetting the boiler", "Press reset."), NOW).await.unwrap();
    let pl = Edit { slug: &a, category_id: cat, locale: "pl", title: "Hałaśliwy grzejnik", body_md: "Stukanie." };
    save(&db, author, id_a, &pl, NOW + 5).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let ids = |rows: Vec<kb::EditorListRow>| {
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.dedup();
        ids
    };
    let f = |status: &str, locale: &str, text: &str| kb::EditorFilter {
        status: status.into(),
        category_id: 0,
        locale: locale.into(),
        text: text.into(),
    };
    assert_eq!(ids(kb::editor_list(&mut conn, &f("", "", ""), 50).await.unwrap()).len(), 2);
    assert_eq!(ids(kb::editor_list(&mut conn, &f("", "pl", ""), 50).await.unwrap()), vec![id_a]);
    assert_eq!(ids(kb::editor_list(&mut conn, &f("", "", "KNOCKING"), 50).await.unwrap()), vec![id_a]);
    assert_eq!(ids(kb::editor_list(&mut conn, &f("", "", "50%"), 50).await.unwrap()), vec![id_a]);
    assert!(kb::editor_list(&mut conn, &f("", "", "%_"), 50).await.unwrap().is_empty(), "wildcards are literal");
    assert!(kb::editor_list(&mut conn, &f("published", "", ""), 50).await.unwrap().is_empty());
}

/// The text readers get for `slug` in English.
async fn public_body(db: &Db, slug: &str) -> Option<String> {
    let mut conn = db.acquire().await.unwrap();
    kb::published_article(&mut conn, "en", slug).await.unwrap().map(|a| a.body_md)
}

async fn edits_to_a_published_article_wait_for_the_workflow(db: Db) {
    let author = editor(&db, "author@example.com").await;
    let reviewer = editor(&db, "reviewer@example.com").await;
    let cat = heating(&db).await;
    set_require_review(&db, true, NOW).await.unwrap();
    let slug = Slug::parse("pressure").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Pressure", "Old advice."), NOW).await.unwrap();
    change_status(&db, author, id, ArticleStatus::InReview, None, NOW).await.unwrap();
    change_status(&db, reviewer, id, ArticleStatus::Published, None, NOW).await.unwrap();

    // The author's save waits; readers keep the published text, the history has the save.
    save(&db, author, id, &edit(&slug, cat, "Pressure", "New advice."), NOW + 1).await.unwrap();
    assert_eq!(public_body(&db, "pressure").await.as_deref(), Some("Old advice."));
    let mut conn = db.acquire().await.unwrap();
    let change = kb_changes::get(&mut conn, id, "en").await.unwrap().expect("a waiting change");
    assert_eq!((change.body_md.as_str(), change.step.as_str()), ("New advice.", "draft"));
    assert_eq!(change.author_id, Some(author));
    assert_eq!(kb::revisions(&mut conn, id).await.unwrap()[0].body_md, "New advice.");
    drop(conn);

    // Its own workflow: no publishing a draft, no publishing one's own with review on, a comment to send back.
    let skip = change_pending(&db, reviewer, id, "en", ArticleStatus::Published, None, NOW).await;
    assert_eq!(field_error(skip, "status"), FieldError::InvalidChoice);
    change_pending(&db, author, id, "en", ArticleStatus::InReview, None, NOW + 2).await.unwrap();
    let own = change_pending(&db, author, id, "en", ArticleStatus::Published, None, NOW).await;
    assert_eq!(field_error(own, "status"), FieldError::OwnArticle);
    let silent = change_pending(&db, reviewer, id, "en", ArticleStatus::Draft, None, NOW).await;
    assert_eq!(field_error(silent, "comment"), FieldError::Required);
    change_pending(&db, reviewer, id, "en", ArticleStatus::Draft, Some("Say which valve."), NOW + 3).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::revisions(&mut conn, id).await.unwrap()[0].note.as_deref(), Some("Say which valve."));
    drop(conn);
    assert_eq!(public_body(&db, "pressure").await.as_deref(), Some("Old advice."), "still the published text");

    // Saved again (it stays at its step), reviewed, and published by the other editor: readers get it.
    save(&db, author, id, &edit(&slug, cat, "Pressure", "Open the blue valve."), NOW + 4).await.unwrap();
    change_pending(&db, author, id, "en", ArticleStatus::InReview, None, NOW + 5).await.unwrap();
    save(&db, author, id, &edit(&slug, cat, "Pressure", "Open the blue valve slowly."), NOW + 6).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb_changes::get(&mut conn, id, "en").await.unwrap().unwrap().step, "in_review");
    drop(conn);
    change_pending(&db, reviewer, id, "en", ArticleStatus::Published, None, NOW + 7).await.unwrap();
    assert_eq!(public_body(&db, "pressure").await.as_deref(), Some("Open the blue valve slowly."));
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb_changes::get(&mut conn, id, "en").await.unwrap(), None, "the change is done");
    let article = kb::editor_article(&mut conn, id).await.unwrap().unwrap();
    assert_eq!((article.status.as_str(), article.updated_at), ("published", NOW + 7));
    let newest = &kb::revisions(&mut conn, id).await.unwrap()[0];
    assert_eq!((newest.status.as_str(), newest.author.as_deref()), ("published", Some("reviewer@example.com")));
    drop(conn);
    let gone = change_pending(&db, reviewer, id, "en", ArticleStatus::Published, None, NOW).await;
    assert!(matches!(gone, Err(EditorError::NotFound)), "{gone:?}");
}

async fn a_new_translation_of_a_published_article_waits_too(db: Db) {
    let author = editor(&db, "author@example.com").await;
    let cat = heating(&db).await;
    let slug = Slug::parse("thermostat").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Thermostat", "Set it to 20."), NOW).await.unwrap();
    publish(&db, author, id).await;
    let pl = Edit { slug: &slug, category_id: cat, locale: "pl", title: "Termostat", body_md: "Ustaw 20." };
    save(&db, author, id, &pl, NOW + 1).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::published_article(&mut conn, "pl", "thermostat").await.unwrap().unwrap().locale, "en");
    drop(conn);
    // Without review required, the author takes it through both steps.
    change_pending(&db, author, id, "pl", ArticleStatus::InReview, None, NOW + 2).await.unwrap();
    change_pending(&db, author, id, "pl", ArticleStatus::Published, None, NOW + 3).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let polish = kb::published_article(&mut conn, "pl", "thermostat").await.unwrap().unwrap();
    assert_eq!((polish.locale.as_str(), polish.body_md.as_str()), ("pl", "Ustaw 20."));
}

async fn restoring_discarding_and_unpublishing_with_a_waiting_change(db: Db) {
    let author = editor(&db, "author@example.com").await;
    let cat = heating(&db).await;
    let slug = Slug::parse("frozen-pipe").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Frozen pipe", "First."), NOW).await.unwrap();
    publish(&db, author, id).await;
    let mut conn = db.acquire().await.unwrap();
    let first = kb::revisions(&mut conn, id).await.unwrap()[0].id;
    drop(conn);

    // A restore of a published article is a waiting change too; discarding it keeps the published text.
    save(&db, author, id, &edit(&slug, cat, "Frozen pipe", "Second."), NOW + 1).await.unwrap();
    change_pending(&db, author, id, "en", ArticleStatus::InReview, None, NOW + 2).await.unwrap();
    change_pending(&db, author, id, "en", ArticleStatus::Published, None, NOW + 3).await.unwrap();
    restore(&db, author, id, first, NOW + 4).await.unwrap();
    assert_eq!(public_body(&db, "frozen-pipe").await.as_deref(), Some("Second."));
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb_changes::get(&mut conn, id, "en").await.unwrap().unwrap().body_md, "First.");
    drop(conn);
    discard_pending(&db, id, "en").await.unwrap();
    assert!(matches!(discard_pending(&db, id, "en").await, Err(EditorError::NotFound)));
    assert_eq!(public_body(&db, "frozen-pipe").await.as_deref(), Some("Second."));

    // Back to draft: no longer public, so the waiting change becomes the article's text.
    save(&db, author, id, &edit(&slug, cat, "Frozen pipe", "Third."), NOW + 5).await.unwrap();
    change_status(&db, author, id, ArticleStatus::Draft, None, NOW + 6).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb_changes::for_article(&mut conn, id).await.unwrap(), vec![]);
    assert_eq!(kb::translations(&mut conn, id).await.unwrap()[0].body_md, "Third.");
    drop(conn);
    // A draft's saves replace its text at once.
    save(&db, author, id, &edit(&slug, cat, "Frozen pipe", "Fourth."), NOW + 7).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::translations(&mut conn, id).await.unwrap()[0].body_md, "Fourth.");
    assert_eq!(kb_changes::for_article(&mut conn, id).await.unwrap(), vec![]);
}

async fn the_list_marks_and_finds_waiting_changes(db: Db) {
    let author = editor(&db, "author@example.com").await;
    let cat = heating(&db).await;
    let slug = Slug::parse("descale").unwrap();
    let id = create(&db, author, &edit(&slug, cat, "Descale", "Vinegar."), NOW).await.unwrap();
    publish(&db, author, id).await;
    let filter = |status: &str| kb::EditorFilter { status: status.into(), ..Default::default() };
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::editor_list(&mut conn, &filter(""), 50).await.unwrap()[0].change_step, None);
    drop(conn);
    save(&db, author, id, &edit(&slug, cat, "Descale", "Citric acid."), NOW + 1).await.unwrap();
    change_pending(&db, author, id, "en", ArticleStatus::InReview, None, NOW + 2).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let rows = kb::editor_list(&mut conn, &filter("in_review"), 50).await.unwrap();
    assert_eq!(rows.len(), 1, "a reviewer looking for work in review finds the change");
    assert_eq!((rows[0].status.as_str(), rows[0].change_step.as_deref()), ("published", Some("in_review")));
    assert_eq!(kb::editor_list(&mut conn, &filter("published"), 50).await.unwrap().len(), 1);
    assert!(kb::editor_list(&mut conn, &filter("draft"), 50).await.unwrap().is_empty());
}

on_both_backends!(
    edits_to_a_published_article_wait_for_the_workflow,
    a_new_translation_of_a_published_article_waits_too,
    restoring_discarding_and_unpublishing_with_a_waiting_change,
    the_list_marks_and_finds_waiting_changes,
    every_save_and_restore_is_a_new_revision,
    a_slug_clash_is_a_field_error,
    renaming_a_published_article_leaves_a_redirect,
    review_keeps_editors_from_publishing_their_own_articles,
    the_list_filters_by_status_category_locale_and_text,
);

const ENDPOINTS: &[(&str, &[(&str, &str)])] = &[
    ("/api/editor/list", &[]),
    ("/api/editor/categories", &[]),
    ("/api/editor/article", &[("id", "1")]),
    ("/api/editor/preview", &[("body", "x")]),
    ("/api/editor/save", &[("slug", "a"), ("category", "1"), ("locale", "en"), ("title", "t"), ("body", "b")]),
    ("/api/editor/status", &[("id", "1"), ("to", "in_review")]),
    ("/api/editor/restore", &[("id", "1"), ("revision", "1")]),
    ("/api/editor/diff", &[("id", "1"), ("from", "1"), ("to", "1")]),
    ("/api/editor/require_review", &[("on", "on")]),
    ("/api/editor/changes/status", &[("id", "1"), ("locale", "en"), ("to", "published")]),
    ("/api/editor/changes/discard", &[("id", "1"), ("locale", "en")]),
    ("/api/editor/gaps", &[]),
    ("/api/editor/gaps/close", &[("query", "q"), ("locale", "en"), ("slug", "a")]),
    ("/api/editor/gaps/stale_months", &[("months", "3")]),
    ("/api/editor/images/list", &[("id", "1")]),
];

#[tokio::test]
async fn editor_functions_need_the_editor_role() {
    let app = TestApp::spawn().await;
    let anonymous = TestApp::client();
    let customer = app.signed_in("customer@example.com", "customer").await;
    let staff = app.signed_in("staff@example.com", "staff").await;
    let editor = app.signed_in("editor@example.com", "editor").await;
    for (path, form) in ENDPOINTS {
        assert_eq!(app.call(&anonymous, path, form).await.status(), 401, "{path}");
        assert_eq!(app.call(&customer, path, form).await.status(), 403, "{path}");
        assert_eq!(app.call(&staff, path, form).await.status(), 403, "{path}");
    }
    // The review switch is the admins'.
    assert_eq!(app.call(&editor, "/api/editor/require_review", &[("on", "on")]).await.status(), 403);
    assert_eq!(app.call(&editor, "/api/editor/list", &[]).await.status(), 200);

    // The page: 403 for staff, the list for an editor.
    for path in ["/editor", "/editor/new", "/editor/articles/1", "/editor/gaps"] {
        let page = staff.get(app.url(path)).header("accept-language", "en").send().await.unwrap();
        assert_eq!(page.status(), 403, "{path}");
        let page = anonymous.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(page.status(), 302, "{path}");
        assert_eq!(page.headers().get("location").unwrap().to_str().unwrap(), format!("/sign-in?next={path}"));
    }
    let page = editor.get(app.url("/editor")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("href=\"/editor/new\""));
}

#[tokio::test]
async fn the_preview_is_sanitized_like_the_public_page() {
    let app = TestApp::spawn().await;
    let editor = app.signed_in("editor@example.com", "editor").await;
    let body = "## Hello\n\n<script>alert('x')</script>\n\n[a](javascript:alert(1)) <b>bold</b>";
    let response = app.call(&editor, "/api/editor/preview", &[("body", body)]).await;
    assert_eq!(response.status(), 200);
    let html: String = response.json().await.unwrap();
    assert!(html.contains("<h2 id=\"kb-hello\">Hello</h2>"), "{html}");
    assert!(!html.contains("<script") && !html.contains("alert('x')"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
}

#[tokio::test]
async fn the_old_address_of_a_renamed_article_answers_301() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let author = editor(db, "author@example.com").await;
    let cat = heating(db).await;
    let old = Slug::parse("old-name").unwrap();
    let id = create(db, author, &edit(&old, cat, "Title", "Body text."), NOW).await.unwrap();
    publish(db, author, id).await;

    // The rename goes through the server function, as the edit form sends it.
    let client = app.signed_in("editor@example.com", "editor").await;
    let form = [
        ("id", id.to_string()),
        ("slug", "new-name".into()),
        ("category", cat.to_string()),
        ("locale", "en".into()),
        ("title", "Title".into()),
        ("body", "Body text, edited.".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = app.call(&client, "/api/editor/save", &form).await;
    assert!(saved.status().is_success() || saved.status().is_redirection(), "{}", saved.status());

    let anonymous = TestApp::client();
    let response = anonymous.get(app.url("/help/articles/old-name?x=1")).send().await.unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers().get("location").unwrap(), "/help/articles/new-name?x=1");
    let response =
        anonymous.get(app.url("/help/articles/new-name")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(response.status(), 200);
    // The new address answers at once; the edited text waits as a change until it is published.
    let page = response.text().await.unwrap();
    assert!(page.contains("Body text.") && !page.contains("Body text, edited."), "{page}");
    let response = anonymous.get(app.url("/help/articles/never-existed")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

/// Posts a form as a browser without JavaScript does, from the page at `from`.
async fn post_form(app: &TestApp, client: &reqwest::Client, path: &str, from: &str, form: &[(&str, &str)]) -> String {
    let response = client
        .post(app.url(path))
        .header("origin", &app.base)
        .header("referer", app.url(from))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{path}: {}", response.status());
    response.headers().get("location").unwrap().to_str().unwrap().to_owned()
}

async fn html(app: &TestApp, client: &reqwest::Client, location: &str) -> String {
    let url = if location.starts_with("http") { location.to_owned() } else { app.url(location) };
    let response = client.get(url).header("accept-language", "en").send().await.unwrap();
    assert_eq!(response.status(), 200, "{location}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_editor_works_without_javascript() {
    let app = TestApp::spawn().await;
    let cat = heating(&app.state.db).await.to_string();
    let client = app.signed_in("editor@example.com", "editor").await;
    let page = html(&app, &client, "/").await;
    assert!(page.contains("href=\"/editor\""), "the header links editors to the editor");

    // Create, then save a second version.
    let article = |id: &'static str, body: &'static str| {
        [("id", id), ("slug", "gauge"), ("category", ""), ("locale", "en"), ("title", "The gauge"), ("body", body)]
    };
    let mut form = article("", "Line one\nLine two <script>x</script>\n");
    form[2].1 = &cat;
    let location = post_form(&app, &client, "/api/editor/save", "/editor/new", &form).await;
    let id: i64 = location.trim_start_matches("/editor/articles/").split('?').next().unwrap().parse().unwrap();
    let page = html(&app, &client, &location).await;
    assert!(page.contains("Saved. A new revision was recorded."), "{page}");
    let id_text = id.to_string();
    let mut form = article("", "Line one\nLine 2 changed\n");
    form[0].1 = &id_text;
    form[2].1 = &cat;
    let from = format!("/editor/articles/{id}");
    post_form(&app, &client, "/api/editor/save", &from, &form).await;

    // A clash comes back beside the slug field, with what was typed.
    let mut other = article("", "Other text");
    other[1].1 = "gauge";
    other[2].1 = &cat;
    other[4].1 = "Another title";
    let location = post_form(&app, &client, "/api/editor/save", "/editor/new", &other).await;
    assert!(location.contains("__err="), "{location}");
    let page = html(&app, &client, &location).await;
    assert!(page.contains("id=\"article-slug-error\"") && page.contains("This is already taken"), "{page}");
    assert!(page.contains("value=\"Another title\""), "what was typed is kept");

    // The preview without JavaScript: a GET of the page with the form's fields.
    let preview = format!(
        "/editor/articles/{id}?locale=en&slug=gauge&category={cat}&title=T&preview=1&body=%23%23+Steps%0A%0A%3Cscript%3Ealert(1)%3C%2Fscript%3E%3C%2Ftextarea%3E%3Cform+action%3Devil%3E"
    );
    let page = html(&app, &client, &preview).await;
    assert!(page.contains("<h2 id=\"kb-steps\">Steps</h2>"), "{page}");
    assert!(!page.contains("<script>alert(1)"), "the preview and the field are sanitized");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;/textarea&gt;&lt;form action=evil&gt;"),
        "the field keeps the text"
    );
    assert!(!page.contains("<form action=evil"), "nothing ends the field early");
    assert!(page.contains("## Steps"), "the typed text stays in the field");

    // The history, and a diff of its two revisions, escaped.
    let mut conn = app.state.db.acquire().await.unwrap();
    let revisions = kb::revisions(&mut conn, id).await.unwrap();
    drop(conn);
    assert_eq!(revisions.len(), 2);
    let (new, old) = (revisions[0].id, revisions[1].id);
    let page = html(&app, &client, &format!("/editor/articles/{id}?from={old}&to={new}")).await;
    assert!(page.contains("- Line two &lt;script&gt;x&lt;/script&gt;"), "{page}");
    assert!(page.contains("<ins") && page.contains("+ Line 2 changed"), "{page}");

    // Restore the first revision: a third one, with the old text.
    let restore = [("id", id_text.as_str()), ("revision", &old.to_string())];
    let restore: Vec<(&str, &str)> = restore.iter().map(|(k, v)| (*k, *v)).collect();
    post_form(&app, &client, "/api/editor/restore", &from, &restore).await;
    let mut conn = app.state.db.acquire().await.unwrap();
    assert_eq!(kb::revision_count(&mut conn, id).await.unwrap(), 3);
    drop(conn);

    // Workflow buttons as plain posts, and the list filtered by a GET form.
    let to_review = [("id", id_text.as_str()), ("to", "in_review"), ("comment", "")];
    post_form(&app, &client, "/api/editor/status", &from, &to_review).await;
    let page = html(&app, &client, "/editor?status=in_review&q=GAUGE").await;
    assert!(page.contains(&format!("href=\"/editor/articles/{id}\"")), "{page}");
    let page = html(&app, &client, "/editor?status=published").await;
    assert!(page.contains("No articles match these filters."), "{page}");

    // The content-gap queue lists searches that found nothing, as text.
    let search = html(&app, &TestApp::client(), "/help/search?q=%3Cb%3Eflux%3C%2Fb%3E+capacitor").await;
    assert!(search.contains("/requests/new"), "nothing was found");
    let page = html(&app, &client, "/editor/gaps").await;
    assert!(page.contains("<td>b flux b capacitor<!></td>"), "{page}");
}

#[tokio::test]
async fn with_review_required_the_page_offers_publishing_to_other_editors_only() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let cat = heating(db).await;
    let author = app.signed_in("author@example.com", "editor").await;
    let reviewer = app.signed_in("reviewer@example.com", "editor").await;
    let admin = app.signed_in("admin@example.com", "editor,admin").await;

    // Only admins see the switch; they turn it on with a plain form post.
    assert!(!html(&app, &author, "/editor").await.contains("name=\"on\""));
    assert!(html(&app, &admin, "/editor").await.contains("name=\"on\""));
    let location = post_form(&app, &admin, "/api/editor/require_review", "/editor", &[("on", "on")]).await;
    assert!(html(&app, &admin, &location).await.contains("Review is required"));

    let cat = cat.to_string();
    let form = [("slug", "mine"), ("category", cat.as_str()), ("locale", "en"), ("title", "Mine"), ("body", "Text")];
    let location = post_form(&app, &author, "/api/editor/save", "/editor/new", &form).await;
    let id = location.trim_start_matches("/editor/articles/").split('?').next().unwrap().to_owned();
    let page = format!("/editor/articles/{id}");
    post_form(&app, &author, "/api/editor/status", &page, &[("id", &id), ("to", "in_review")]).await;

    let mine = html(&app, &author, &page).await;
    assert!(mine.contains("another editor must publish this article"), "{mine}");
    assert!(!mine.contains("value=\"published\""), "no Publish button for the author");
    // The server refuses it anyway.
    let refused = app.call(&author, "/api/editor/status", &[("id", &id), ("to", "published")]).await;
    assert_eq!(refused.status(), 400);

    let theirs = html(&app, &reviewer, &page).await;
    assert!(theirs.contains("value=\"published\""), "{theirs}");
    post_form(&app, &reviewer, "/api/editor/status", &page, &[("id", &id), ("to", "published")]).await;
    let public = TestApp::client().get(app.url("/help/articles/mine")).send().await.unwrap();
    assert_eq!(public.status(), 200);

    // The author edits the published article: the change waits, shown with its diff; readers see the old text.
    let edit = [
        ("id", id.as_str()),
        ("slug", "mine"),
        ("category", cat.as_str()),
        ("locale", "en"),
        ("title", "Mine"),
        ("body", "Better text"),
    ];
    post_form(&app, &author, "/api/editor/save", &page, &edit).await;
    assert!(html(&app, &TestApp::client(), "/help/articles/mine").await.contains("<p>Text</p>"));
    assert!(!html(&app, &TestApp::client(), "/help/articles/mine").await.contains("Better text"));
    let mine = html(&app, &author, &page).await;
    assert!(mine.contains("Changes waiting to be published") && mine.contains("+ Better text"), "{mine}");
    let change = [("id", id.as_str()), ("locale", "en"), ("to", "in_review"), ("comment", "")];
    post_form(&app, &author, "/api/editor/changes/status", &page, &change).await;
    let mine = html(&app, &author, &page).await;
    assert!(mine.contains("another editor publishes them") && !mine.contains("Publish changes"), "{mine}");
    let list = html(&app, &reviewer, "/editor?status=in_review").await;
    assert!(list.contains("changes in review"), "{list}");
    let theirs = html(&app, &reviewer, &page).await;
    assert!(theirs.contains("Publish changes"), "{theirs}");
    let publish = [("id", id.as_str()), ("locale", "en"), ("to", "published"), ("comment", "")];
    let refused = app.call(&author, "/api/editor/changes/status", &publish).await;
    assert_eq!(refused.status(), 400, "the server refuses the author too");
    post_form(&app, &reviewer, "/api/editor/changes/status", &page, &publish).await;
    assert!(html(&app, &TestApp::client(), "/help/articles/mine").await.contains("Better text"));
    assert!(!html(&app, &reviewer, &page).await.contains("Changes waiting to be published"));
}
