//! Deflection on the request form and the content-gap queue on SQLite and PostgreSQL: suggestions match any
//! word as a prefix and are logged per form session; clicks, submissions and idle leavers are counted;
//! "not helpful" articles with their comments, stale articles by the editors' setting, and closing a
//! zero-result search by linking the article that answers it. Then the same through the real router,
//! with article images.
#![cfg(feature = "ssr")]

mod common;

use common::{create_user, TestApp};
use portal::domain::kb::{ArticleStatus, Slug};
use portal::domain::request::RequestInput;
use portal::domain::FieldError;
use portal::i18n::Locale;
use portal::server::db::{kb, Db};
use portal::server::events::EventBus;
use portal::server::kb::{create_article, ensure_category, search, vote, ArticleInput};
use portal::server::kb_gaps::{self, CloseError};
use portal::server::{deflection, requests};

const NOW: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
const FORM_A: &str = "form-aaaaaaaaaaaaaaaa";
const FORM_B: &str = "form-bbbbbbbbbbbbbbbb";
const FORM_C: &str = "form-cccccccccccccccc";

async fn article(db: &Db, category: i64, slug: &str, status: ArticleStatus, texts: &[(&str, &str, &str)], at: i64) {
    let slug = Slug::parse(slug).unwrap();
    let input = ArticleInput { slug: &slug, category_id: category, status, translations: texts, author_id: None };
    create_article(db, &input, at).await.unwrap();
}

/// Three published articles (one also in Polish, one written 200 days before `now`) and a draft.
async fn seed_at(db: &Db, now: i64) {
    let names = [("en", "Heating", "Boilers and radiators")];
    let heating = ensure_category(db, &Slug::parse("heating").unwrap(), 1, &names, now).await.unwrap();
    let published = ArticleStatus::Published;
    let bleed = [
        ("en", "Bleeding a radiator", "A radiator that is cold at the top has air in it: open the valve with a key."),
        ("pl", "Odpowietrzanie grzejnika", "Grzejnik zimny u góry jest zapowietrzony: odkręć zawór kluczykiem."),
    ];
    article(db, heating, "bleed-radiator", published, &bleed, now).await;
    let pressure = [("en", "Boiler pressure is low", "Top the boiler up to 1.5 bar with the filling loop.")];
    article(db, heating, "boiler-pressure", published, &pressure, now).await;
    let tap = [("en", "Fixing a dripping tap", "A dripping tap usually needs a new washer.")];
    article(db, heating, "dripping-tap", published, &tap, now - 200 * DAY).await;
    let draft = [("en", "Radiator leaking (draft)", "A leaking radiator valve needs a new olive.")];
    article(db, heating, "radiator-leak-draft", ArticleStatus::Draft, &draft, now - 300 * DAY).await;
}

async fn seed(db: &Db) {
    seed_at(db, NOW).await;
}

fn slugs(links: &[portal::api::help::ArticleLink]) -> Vec<&str> {
    links.iter().map(|a| a.slug.as_str()).collect()
}

async fn suggestions_match_any_word_as_a_prefix(db: Db) {
    seed(&db).await;
    let found = deflection::suggest(&db, "en", FORM_A, "My radiators are cold", "", NOW).await.unwrap();
    assert_eq!(slugs(&found), vec!["bleed-radiator"], "'radiators' finds the radiator article: {found:?}");
    // Any word may match; the words of the summary and the description count alike; drafts never show.
    let found =
        deflection::suggest(&db, "en", FORM_A, "Boiler", "the pressure dropped and a radiat", NOW).await.unwrap();
    assert_eq!(slugs(&found), vec!["boiler-pressure", "bleed-radiator"], "{found:?}");
    let found = deflection::suggest(&db, "en", FORM_A, "leaking", "", NOW).await.unwrap();
    assert!(found.is_empty(), "the draft is not suggested: {found:?}");
    assert!(deflection::suggest(&db, "en", FORM_A, "ab", "", NOW).await.unwrap().is_empty(), "too short");
    assert!(deflection::suggest(&db, "en", FORM_A, "Ünknöwn wörds", "", NOW).await.unwrap().is_empty());
    // At most three, in the reader's locale where there is one.
    let many = "radiator boiler tap dripping pressure bleeding";
    assert_eq!(deflection::suggest(&db, "en", FORM_A, many, "", NOW).await.unwrap().len(), 3);
    let pl = deflection::suggest(&db, "pl", FORM_A, "Zimny grzejnik", "", NOW).await.unwrap();
    assert_eq!(pl.len(), 1);
    assert_eq!((pl[0].slug.as_str(), pl[0].locale.as_str()), ("bleed-radiator", "pl"));
    // Suggestions never feed the zero-result log (half-typed words would flood it).
    let mut conn = db.acquire().await.unwrap();
    assert!(kb::zero_results(&mut conn, 10).await.unwrap().is_empty());
}

fn request(summary: &str) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: "ana@example.com".into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: summary.into(),
        description: "The bedroom radiator stays cold.".into(),
        windows: vec![common::window_tomorrow(NOW)],
    }
}

async fn deflection_counts_impressions_clicks_submissions_and_leavers(db: Db) {
    seed(&db).await;
    // A: shown two articles (one of them twice), opens one, never submits.
    deflection::suggest(&db, "en", FORM_A, "radiator", "", NOW).await.unwrap();
    deflection::suggest(&db, "en", FORM_A, "radiator boiler", "", NOW + MINUTE).await.unwrap();
    assert!(deflection::clicked(&db, FORM_A, "bleed-radiator", NOW + 2 * MINUTE).await.unwrap());
    assert!(!deflection::clicked(&db, FORM_A, "dripping-tap", NOW).await.unwrap(), "not suggested to A");
    assert!(!deflection::clicked(&db, FORM_A, "no-such-article", NOW).await.unwrap());
    // B: shown one, submits anyway.
    deflection::suggest(&db, "en", FORM_B, "boiler", "", NOW).await.unwrap();
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    requests::submit(&db, &bus, &config, &request("Boiler pressure"), FORM_B, None, Locale::en, NOW + MINUTE)
        .await
        .unwrap();
    // C: shown nothing (not a session of the count); it submits.
    deflection::suggest(&db, "en", FORM_C, "gutters", "", NOW).await.unwrap();
    requests::submit(&db, &bus, &config, &request("Gutters"), FORM_C, None, Locale::en, NOW).await.unwrap();

    let period = (NOW - DAY, NOW + DAY);
    let early = deflection::counts(&db, period.0, period.1, NOW + 10 * MINUTE).await.unwrap();
    assert_eq!(
        (early.sessions, early.impressions, early.clicks, early.submitted, early.deflected),
        (2, 3, 1, 1, 0),
        "A is still undecided ten minutes in"
    );
    let later = deflection::counts(&db, period.0, period.1, NOW + 40 * MINUTE).await.unwrap();
    assert_eq!((later.submitted, later.deflected), (1, 1), "A left: deflected");
    // Idle is counted from the last thing the session did (its click at +2 min), not its first suggestion.
    let edge = deflection::counts(&db, period.0, period.1, NOW + 31 * MINUTE).await.unwrap();
    assert_eq!(edge.deflected, 0);
    // Sessions belong to the period of their first suggestion.
    let before = deflection::counts(&db, NOW - 2 * DAY, NOW - DAY, NOW + DAY).await.unwrap();
    assert_eq!(before, Default::default());
}

async fn the_queue_lists_not_helpful_articles_with_comments_and_stale_ones(db: Db) {
    seed(&db).await;
    vote(&db, "boiler-pressure", "anon:1", false, Some("No picture of the gauge"), NOW).await.unwrap();
    vote(&db, "boiler-pressure", "anon:2", false, Some("Where is the filling loop?"), NOW + 1).await.unwrap();
    vote(&db, "boiler-pressure", "anon:3", false, None, NOW + 2).await.unwrap();
    vote(&db, "boiler-pressure", "anon:4", true, None, NOW + 3).await.unwrap();
    vote(&db, "bleed-radiator", "anon:1", false, Some("Which key?"), NOW).await.unwrap();
    vote(&db, "dripping-tap", "anon:1", true, None, NOW).await.unwrap();

    let queue = kb_gaps::queue(&db, NOW).await.unwrap();
    let not_helpful: Vec<_> = queue
        .not_helpful
        .iter()
        .map(|(a, comments)| {
            let comments: Vec<_> = comments.iter().map(|c| c.comment.as_str()).collect();
            (a.slug.as_str(), a.title.as_deref(), a.not_helpful, a.helpful, comments)
        })
        .collect();
    assert_eq!(
        not_helpful,
        vec![
            (
                "boiler-pressure",
                Some("Boiler pressure is low"),
                3,
                1,
                vec!["Where is the filling loop?", "No picture of the gauge"]
            ),
            ("bleed-radiator", Some("Bleeding a radiator"), 1, 0, vec!["Which key?"]),
        ]
    );

    // Not updated in 6 months (the default): the tap article (200 days); never the draft.
    assert_eq!(queue.stale_months, 6);
    let stale: Vec<_> = queue.stale.iter().map(|s| (s.slug.as_str(), s.updated_at)).collect();
    assert_eq!(stale, vec![("dripping-tap", NOW - 200 * DAY)]);
    kb_gaps::set_stale_months(&db, 7, NOW).await.unwrap();
    let queue = kb_gaps::queue(&db, NOW).await.unwrap();
    assert_eq!(queue.stale_months, 7);
    assert!(queue.stale.is_empty(), "200 days is not 7 months");
    // Editing any translation makes an article current again.
    kb_gaps::set_stale_months(&db, 1, NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "dripping-tap").await.unwrap().unwrap();
    let text =
        kb::TranslationText { locale: "pl", title: "Cieknący kran", body_md: "Uszczelka.", body_text: "Uszczelka." };
    kb::save_translation(&mut conn, id, &text, ArticleStatus::Published, None, NOW - DAY).await.unwrap();
    drop(conn);
    assert!(kb_gaps::queue(&db, NOW).await.unwrap().stale.is_empty());
}

fn close_refusal(result: Result<(), CloseError>) -> (String, FieldError) {
    match result {
        Err(CloseError::Invalid(errors)) => errors.0.into_iter().next().unwrap(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn closing_a_gap_links_the_article_that_answers_it(db: Db) {
    seed(&db).await;
    let bus = EventBus::new(db.backend());
    let editor = create_user(&db, &bus, "ed@example.com", "editor", Some("Edna"), "a-long-test-password", NOW).await;
    assert!(search(&db, "en", "Filling LOOP hose", NOW).await.unwrap().hits.is_empty());
    assert!(search(&db, "en", "filling loop hose", NOW + 1).await.unwrap().hits.is_empty());
    let open = kb_gaps::queue(&db, NOW).await.unwrap().open;
    assert_eq!(open.iter().map(|g| (g.query.as_str(), g.count)).collect::<Vec<_>>(), vec![("filling loop hose", 2)]);

    let close = |slug: &'static str, query: &'static str| kb_gaps::close(&db, editor.id, query, "en", slug, NOW + 10);
    assert_eq!(close_refusal(close("no-such-article", "filling loop hose").await).0, "slug");
    assert_eq!(close_refusal(close("radiator-leak-draft", "filling loop hose").await).0, "slug", "not published");
    assert_eq!(close_refusal(close("Bad Slug", "filling loop hose").await).0, "slug");
    assert_eq!(close_refusal(close("boiler-pressure", "never searched").await).0, "query");
    close("boiler-pressure", "filling loop hose").await.unwrap();
    assert_eq!(close_refusal(close("bleed-radiator", "filling loop hose").await).0, "query", "already closed");

    let queue = kb_gaps::queue(&db, NOW).await.unwrap();
    assert!(queue.open.is_empty());
    let closed: Vec<_> = queue
        .closed
        .iter()
        .map(|g| (g.query.as_str(), g.slug.as_deref(), g.title.as_deref(), g.closed_by.as_deref(), g.closed_at))
        .collect();
    assert_eq!(
        closed,
        vec![("filling loop hose", Some("boiler-pressure"), Some("Boiler pressure is low"), Some("Edna"), NOW + 10)]
    );

    // The same words now find the linked article, and are not logged as a gap again; other locales are other
    // gaps.
    let found = search(&db, "en", "filling  loop hose!", NOW + 20).await.unwrap();
    assert_eq!(found.hits.iter().map(|h| h.slug.as_str()).collect::<Vec<_>>(), vec!["boiler-pressure"]);
    assert!(kb_gaps::queue(&db, NOW).await.unwrap().open.is_empty());
    assert!(search(&db, "pl", "filling loop hose", NOW + 20).await.unwrap().hits.is_empty());
    assert_eq!(kb_gaps::queue(&db, NOW).await.unwrap().open.len(), 1);

    // When the answer is no longer published, the gap opens again.
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "boiler-pressure").await.unwrap().unwrap();
    kb::set_status(&mut conn, id, ArticleStatus::Archived, NOW + 30).await.unwrap();
    drop(conn);
    assert!(search(&db, "en", "filling loop hose", NOW + 40).await.unwrap().hits.is_empty());
    let queue = kb_gaps::queue(&db, NOW).await.unwrap();
    assert!(queue.closed.is_empty());
    assert!(queue.open.iter().any(|g| g.query == "filling loop hose" && g.locale == "en" && g.count == 3));
}

on_both_backends!(
    suggestions_match_any_word_as_a_prefix,
    deflection_counts_impressions_clicks_submissions_and_leavers,
    the_queue_lists_not_helpful_articles_with_comments_and_stale_ones,
    closing_a_gap_links_the_article_that_answers_it,
);

// ---- Through the router ------------------------------------------------------------------------------------

async fn post_html(app: &TestApp, client: &reqwest::Client, path: &str, from: &str, form: &[(&str, &str)]) -> String {
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

/// A page's HTML without the renderer's `<!>` markers between text pieces.
async fn page(app: &TestApp, client: &reqwest::Client, location: &str) -> String {
    let url = if location.starts_with("http") { location.to_owned() } else { app.url(location) };
    let response = client.get(url).header("accept-language", "en").send().await.unwrap();
    assert_eq!(response.status(), 200, "{location}");
    response.text().await.unwrap().replace("<!>", "")
}

#[tokio::test]
async fn suggestions_over_http_need_a_form_key_and_record_opened_articles() {
    let app = TestApp::spawn().await;
    seed_at(&app.state.db, portal::server::now_ms()).await;
    let visitor = TestApp::client();
    let form = [("form", FORM_A), ("locale", "en"), ("summary", "Radiator cold"), ("description", "")];
    let response = app.call(&visitor, "/api/help/suggest", &form).await;
    assert_eq!(response.status(), 200);
    let found: Vec<portal::api::help::ArticleLink> = response.json().await.unwrap();
    assert_eq!(slugs(&found), vec!["bleed-radiator"]);
    let bad = [("form", "x"), ("locale", "en"), ("summary", "Radiator cold"), ("description", "")];
    assert_eq!(app.call(&visitor, "/api/help/suggest", &bad).await.status(), 400);

    let click = [("form", FORM_A), ("slug", "bleed-radiator")];
    assert_eq!(app.call(&visitor, "/api/help/suggest_click", &click).await.status(), 200);
    let other = [("form", FORM_A), ("slug", "dripping-tap")];
    assert_eq!(app.call(&visitor, "/api/help/suggest_click", &other).await.status(), 404, "never suggested");
    let counts = deflection::counts(&app.state.db, 0, i64::MAX, portal::server::now_ms()).await.unwrap();
    assert_eq!((counts.sessions, counts.impressions, counts.clicks), (1, 1, 1));

    // Another site cannot log anything in a visitor's name.
    let forged = visitor
        .post(app.url("/api/help/suggest_click"))
        .header("origin", "http://evil.example")
        .form(&click)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn the_gap_page_works_without_javascript_for_editors_only() {
    let app = TestApp::spawn().await;
    seed_at(&app.state.db, portal::server::now_ms()).await;
    search(&app.state.db, "en", "<b>flux</b> capacitor", NOW).await.unwrap();
    let staff = app.signed_in("staff@example.com", "staff").await;
    let editor = app.signed_in("editor@example.com", "editor").await;
    let response = staff.get(app.url("/editor/gaps")).header("accept-language", "en").send().await.unwrap();
    assert_eq!(response.status(), 403);
    let close = [("query", "b flux b capacitor"), ("locale", "en"), ("slug", "boiler-pressure")];
    assert_eq!(app.call(&staff, "/api/editor/gaps/close", &close).await.status(), 403);
    assert_eq!(app.call(&TestApp::client(), "/api/editor/gaps/stale_months", &[("months", "3")]).await.status(), 401);

    let html = page(&app, &editor, "/editor/gaps").await;
    for section in [
        "Suggestions on the request form",
        "Searches that found nothing",
        "Closed gaps",
        "Articles voted not helpful",
        "Published articles not updated in 6 months",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("<td>b flux b capacitor</td>"), "{html}");
    assert!(html.contains("Fixing a dripping tap"), "the 200-day-old article is stale");

    // A refused close comes back beside its field; a good one lands on the page with the gap closed.
    let wrong = [("query", "b flux b capacitor"), ("locale", "en"), ("slug", "no-such-article")];
    let location = post_html(&app, &editor, "/api/editor/gaps/close", "/editor/gaps", &wrong).await;
    let html = page(&app, &editor, &location).await;
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    let location = post_html(&app, &editor, "/api/editor/gaps/close", "/editor/gaps", &close).await;
    assert_eq!(location, "/editor/gaps?closed=1");
    let html = page(&app, &editor, &location).await;
    assert!(html.contains("Every recent search found something."), "{html}");
    assert!(html.contains("Boiler pressure is low"), "{html}");

    let location = post_html(&app, &editor, "/api/editor/gaps/stale_months", "/editor/gaps", &[("months", "0")]).await;
    assert!(page(&app, &editor, &location).await.contains("aria-invalid=\"true\""));
    let location = post_html(&app, &editor, "/api/editor/gaps/stale_months", "/editor/gaps", &[("months", "12")]).await;
    assert_eq!(location, "/editor/gaps?saved=1");
    let html = page(&app, &editor, &location).await;
    assert!(html.contains("Published articles not updated in 12 months") && !html.contains("Fixing a dripping tap"));
}

#[tokio::test]
async fn article_images_are_checked_like_photos_and_served_safely() {
    use common::photos::{count, files_under, PNG};
    let app = TestApp::spawn().await;
    seed_at(&app.state.db, portal::server::now_ms()).await;
    let db = &app.state.db;
    let mut conn = db.acquire().await.unwrap();
    let draft = kb::article_id(&mut conn, "radiator-leak-draft").await.unwrap().unwrap().to_string();
    drop(conn);
    let editor = app.signed_in("editor@example.com", "editor").await;
    let customer = app.signed_in("customer@example.com", "customer").await;
    let from = format!("/editor/articles/{draft}");
    let upload = |client: &reqwest::Client, name: &'static str, content: Vec<u8>| {
        let (client, draft, from) = (client.clone(), draft.clone(), from.clone());
        let app = &app;
        async move {
            let fields = [("id", draft.as_str())];
            app.post_multipart(&client, "/api/editor/images", &from, &fields, vec![(name, content)], "application/json")
                .await
        }
    };

    // Editors only; a text file named like a PNG is refused and nothing is kept.
    assert_eq!(upload(&TestApp::client(), "a.png", PNG.to_vec()).await.status(), 401);
    assert_eq!(upload(&customer, "a.png", PNG.to_vec()).await.status(), 403);
    let refused = upload(&editor, "evil.png", b"<svg onload=alert(1)>not an image</svg>".to_vec()).await;
    assert_eq!(refused.status(), 400);
    let error: portal::domain::AppError = refused.json().await.unwrap();
    assert_eq!(error.field_errors().and_then(|f| f.get("photos")), Some(&FieldError::NotAnImage));
    assert_eq!(count(db, "kb_images").await, 0);
    assert!(files_under(app.data_dir.path()).is_empty());

    let stored = upload(&editor, "key.png", PNG.to_vec()).await;
    assert_eq!(stored.status(), 200);
    assert_eq!(
        stored.headers().get("location").unwrap().to_str().unwrap(),
        format!("/editor/articles/{draft}?uploaded=1#images")
    );
    let list = app.call(&editor, "/api/editor/images/list", &[("id", draft.as_str())]).await;
    let images: Vec<portal::api::kb_images::ArticleImage> = list.json().await.unwrap();
    assert_eq!(images.len(), 1);
    let url = images[0].url.clone();
    assert!(url.starts_with("/api/kb-images/"), "{url}");

    // A draft's image is the editors'; once the article is published it is public and cacheable.
    assert_eq!(TestApp::client().get(app.url(&url)).send().await.unwrap().status(), 404);
    let seen = editor.get(app.url(&url)).send().await.unwrap();
    assert_eq!(seen.status(), 200);
    assert_eq!(seen.headers().get("cache-control").unwrap(), "private, no-store");
    let mut conn = db.acquire().await.unwrap();
    let id: i64 = draft.parse().unwrap();
    let body = format!("![The valve]({url})\n\n![x](javascript:alert(1)) ![y](https://evil.example/a.png)");
    let text = kb::TranslationText { locale: "en", title: "Radiator leaking", body_md: &body, body_text: "valve" };
    kb::save_translation(&mut conn, id, &text, ArticleStatus::Published, None, NOW).await.unwrap();
    kb::set_status(&mut conn, id, ArticleStatus::Published, NOW).await.unwrap();
    drop(conn);
    let public = TestApp::client().get(app.url(&url)).send().await.unwrap();
    assert_eq!(public.status(), 200);
    let headers = public.headers().clone();
    assert_eq!(headers.get("content-type").unwrap(), "image/png");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("content-security-policy").unwrap(), "default-src 'none'; sandbox");
    assert_eq!(headers.get("cache-control").unwrap(), "public, max-age=86400");
    assert_eq!(public.bytes().await.unwrap().as_ref(), PNG);
    let html = page(&app, &TestApp::client(), "/help/articles/radiator-leak-draft").await;
    assert!(html.contains(&format!("<img src=\"{url}\" alt=\"The valve\">")), "{html}");
    assert!(!html.contains("javascript:alert") && !html.contains("evil.example"), "{html}");
    assert_eq!(TestApp::client().get(app.url("/api/kb-images/999")).send().await.unwrap().status(), 404);
}
