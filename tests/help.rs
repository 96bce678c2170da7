//! The help centre through the real router: the pages render on the server, stored markup is neutralized, a
//! hostile search query comes back escaped, and votes work as a plain form post with the visitor cookie.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use portal::domain::kb::{ArticleStatus, Slug};
use portal::server::kb::{create_article, ensure_category, ArticleInput};

const HOSTILE: &str = "Check the gauge first.\n\n<script>alert('stored')</script>\n\n\
    [Click me](javascript:alert('link')) <img src=x onerror=\"alert('img')\">\n\n\
    ## Step one\n\nOpen the valve.\n\n## Step two\n\nClose it.\n\n## Step three\n\nUse 1 < 2 & <b>bold</b>.";

async fn seed(app: &TestApp) {
    let db = &app.state.db;
    let now = portal::server::now_ms();
    let names = [("en", "Heating", "Boilers and radiators")];
    let heating = ensure_category(db, &Slug::parse("heating").unwrap(), 1, &names, now).await.unwrap();
    let slug = Slug::parse("boiler-gauge").unwrap();
    let texts = [("en", "Reading the boiler gauge", HOSTILE)];
    let input = ArticleInput {
        slug: &slug,
        category_id: heating,
        status: ArticleStatus::Published,
        translations: &texts,
        author_id: None,
    };
    create_article(db, &input, now).await.unwrap();
    let slug = Slug::parse("thermostat").unwrap();
    let texts = [("en", "Thermostat schedules", "Comfort and setback temperatures.")];
    let input = ArticleInput {
        slug: &slug,
        category_id: heating,
        status: ArticleStatus::Published,
        translations: &texts,
        author_id: None,
    };
    create_article(db, &input, now).await.unwrap();
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).header("accept-language", "en").send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn assert_no_injected_script(body: &str) {
    assert!(!body.contains("alert('stored')"), "a script's content reached the page");
    assert!(!body.contains("<script>alert"), "a stored script reached the page");
    assert!(!body.contains("href=\"javascript"), "a javascript: link reached the page");
    assert!(!body.contains("<img"), "an image with a handler reached the page");
}

#[tokio::test]
async fn help_pages_render_on_the_server() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let client = TestApp::client();

    let (status, body) = page(&app, &client, "/help").await;
    assert_eq!(status, 200);
    assert!(body.contains("Reading the boiler gauge") && body.contains("href=\"/help/heating\""), "{body}");
    assert!(body.contains("href=\"/help\""), "the header links to help");

    let (status, body) = page(&app, &client, "/help/heating").await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Heating") && body.contains("Thermostat schedules"), "{body}");

    let (status, body) = page(&app, &client, "/help/articles/boiler-gauge").await;
    assert_eq!(status, 200);
    assert!(body.contains("Check the gauge first."), "the body is on the page");
    assert!(body.contains("<h2 id=\"kb-step-one\">Step one</h2>"), "headings carry their ids: {body}");
    assert!(body.contains("href=\"#kb-step-two\""), "the table of contents links to them");
    assert!(body.contains("1 &lt; 2 &amp;"), "text is escaped");
    assert_no_injected_script(&body);
    assert!(body.contains("Thermostat schedules"), "related articles are listed");

    let (status, _) = page(&app, &client, "/help/articles/no-such-article").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_hostile_search_query_comes_back_escaped() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let client = TestApp::client();
    let (status, body) = page(&app, &client, "/help/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E").await;
    assert_eq!(status, 200);
    assert!(!body.contains("<script>alert(1)"), "the query came back as markup");
    let input = body.split("id=\"help-q\"").nth(1).expect("the search box").split('>').next().unwrap().to_owned();
    assert!(input.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;\""), "{input}");

    // A real hit: the matched word is marked, the article's text around it stays text.
    let (status, body) = page(&app, &client, "/help/search?q=gauge").await;
    assert_eq!(status, 200);
    assert!(body.contains("<mark>gauge"), "{body}");
    assert!(body.contains("href=\"/help/articles/boiler-gauge\""));
    assert_no_injected_script(&body);

    // Nothing found: logged for the editors.
    let (status, body) = page(&app, &client, "/help/search?q=Flux+Capacitor").await;
    assert_eq!(status, 200);
    assert!(body.contains("href=\"/requests/new\""), "{body}");
    let mut conn = app.state.db.acquire().await.unwrap();
    let log = portal::server::db::kb::zero_results(&mut conn, 10).await.unwrap();
    let mut logged: Vec<_> = log.iter().map(|r| (r.query.as_str(), r.count)).collect();
    logged.sort();
    // The hostile query found nothing too: it is logged as its words, never as markup.
    assert_eq!(logged, vec![("flux capacitor", 1), ("script alert 1 script", 1)]);
}

#[tokio::test]
async fn votes_work_without_javascript_and_replace_each_other() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let client = TestApp::client();
    let vote = |helpful: &'static str, comment: &'static str| {
        client
            .post(app.url("/api/help/vote"))
            .header("origin", &app.base)
            .header("referer", app.url("/help/articles/boiler-gauge"))
            .header("accept", "text/html")
            .form(&[("slug", "boiler-gauge"), ("helpful", helpful), ("comment", comment)])
            .send()
    };
    let response = vote("no", "A photo of the gauge <script>x</script>").await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        response.headers().get("location").unwrap().to_str().unwrap(),
        "/help/articles/boiler-gauge?voted=1#feedback"
    );
    let cookie = response.headers().get("set-cookie").expect("the visitor cookie").to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portal_visitor="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    let response = vote("yes", "").await.unwrap();
    assert!(response.status().is_redirection());
    assert!(response.headers().get("set-cookie").is_none(), "the same visitor keeps their cookie");

    let mut conn = app.state.db.acquire().await.unwrap();
    let id = portal::server::db::kb::article_id(&mut conn, "boiler-gauge").await.unwrap().unwrap();
    assert_eq!(
        portal::server::db::kb::vote_counts(&mut conn, id).await.unwrap(),
        (1, 0),
        "the second vote replaced the first"
    );
    drop(conn);

    // The article page knows this visitor's vote.
    let (_, body) = page(&app, &client, "/help/articles/boiler-gauge").await;
    assert!(body.contains("You found this article helpful."), "{body}");

    let bad = client
        .post(app.url("/api/help/vote"))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .form(&[("slug", "boiler-gauge"), ("helpful", "maybe")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
