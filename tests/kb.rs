//! The knowledge base's repository and search on SQLite and PostgreSQL: ranking, prefixes, locale fallback,
//! visibility by status, the zero-result log, votes, reads and revisions.
#![cfg(feature = "ssr")]

mod common;

use portal::domain::kb::{ArticleStatus, Fragment, Slug};
use portal::server::db::{kb, Db};
use portal::server::kb::{create_article, ensure_category, read_article, search, vote, ArticleInput};

const NOW: i64 = 1_700_000_000_000;

async fn category(db: &Db, slug: &str) -> i64 {
    let names = [("en", "Heating", "Boilers and radiators"), ("pl", "Ogrzewanie", "Kotły i grzejniki")];
    ensure_category(db, &Slug::parse(slug).unwrap(), 1, &names, NOW).await.unwrap()
}

async fn article(db: &Db, category_id: i64, slug: &str, status: ArticleStatus, texts: &[(&str, &str, &str)]) -> i64 {
    let slug = Slug::parse(slug).unwrap();
    let input = ArticleInput { slug: &slug, category_id, status, translations: texts, author_id: None };
    create_article(db, &input, NOW).await.unwrap()
}

/// Three published articles (one translated to Polish), a draft and an archived one.
async fn seed(db: &Db) -> i64 {
    let heating = category(db, "heating").await;
    article(
        db,
        heating,
        "bleed-radiator",
        ArticleStatus::Published,
        &[
            ("en", "Bleeding a radiator", "Turn the heating off and open the valve with a key until water comes."),
            ("pl", "Odpowietrzanie grzejnika", "Wyłącz ogrzewanie i odkręć zawór kluczykiem, aż pojawi się woda."),
        ],
    )
    .await;
    article(
        db,
        heating,
        "boiler-pressure",
        ArticleStatus::Published,
        &[(
            "en",
            "Boiler pressure is low",
            "Low pressure often follows bleeding a radiator. After the radiator work, top up: every radiator \
             you bled lets some water out, and the radiator circuit needs 1 to 1.5 bar.",
        )],
    )
    .await;
    article(
        db,
        heating,
        "thermostat-schedule",
        ArticleStatus::Published,
        &[("en", "Setting a thermostat schedule", "Program comfort and setback temperatures for each day.")],
    )
    .await;
    article(
        db,
        heating,
        "radiator-draft",
        ArticleStatus::Draft,
        &[("en", "Radiator cold at the top (draft)", "A radiator that is cold at the top has air in it.")],
    )
    .await;
    article(
        db,
        heating,
        "radiator-archived",
        ArticleStatus::Archived,
        &[("en", "Old radiator advice", "Radiator radiator radiator.")],
    )
    .await;
    heating
}

fn text(fragments: &[Fragment]) -> String {
    fragments.iter().map(|f| f.text.as_str()).collect()
}

fn hits(fragments: &[Fragment]) -> Vec<String> {
    fragments.iter().filter(|f| f.hit).map(|f| f.text.to_lowercase()).collect()
}

async fn a_title_match_ranks_above_body_matches(db: Db) {
    seed(&db).await;
    let results = search(&db, "en", "radiator", NOW).await.unwrap();
    let slugs: Vec<_> = results.hits.iter().map(|h| h.slug.as_str()).collect();
    // boiler-pressure says "radiator" four times in its body; bleed-radiator has it once, in its title.
    assert_eq!(slugs, vec!["bleed-radiator", "boiler-pressure"], "{results:?}");
    let first = &results.hits[0];
    assert_eq!(text(&first.title), "Bleeding a radiator");
    assert_eq!(hits(&first.title), vec!["radiator"]);
    assert!(hits(&results.hits[1].snippet).iter().all(|h| h.starts_with("radiator")), "{results:?}");
    assert!(!hits(&results.hits[1].snippet).is_empty(), "the body hit is marked: {results:?}");
}

async fn the_last_word_matches_as_a_prefix(db: Db) {
    seed(&db).await;
    let slugs = |r: portal::api::help::SearchResults| r.hits.into_iter().map(|h| h.slug).collect::<Vec<_>>();
    assert_eq!(slugs(search(&db, "en", "thermo", NOW).await.unwrap()), vec!["thermostat-schedule"]);
    assert_eq!(slugs(search(&db, "en", "boiler press", NOW).await.unwrap()), vec!["boiler-pressure"]);
    // Only the last word is a prefix: a cut-off word earlier in the query must match whole.
    assert!(slugs(search(&db, "en", "thermo schedule", NOW).await.unwrap()).is_empty());
    // Query syntax is not passed through: quotes, operators and stars are just separators.
    assert_eq!(slugs(search(&db, "en", "\"boiler\" OR* (pressure", NOW).await.unwrap()), vec!["boiler-pressure"]);
}

async fn readers_get_their_locale_or_english(db: Db) {
    seed(&db).await;
    let pl = search(&db, "pl", "grzejnika", NOW).await.unwrap();
    assert_eq!(pl.hits.len(), 1, "{pl:?}");
    assert_eq!((pl.hits[0].slug.as_str(), pl.hits[0].locale.as_str()), ("bleed-radiator", "pl"));
    // Without a Polish translation, the English text stands in.
    let fallback = search(&db, "pl", "boiler", NOW).await.unwrap();
    assert_eq!(fallback.hits.len(), 1);
    assert_eq!(fallback.hits[0].locale, "en");
    // With one, the English text is not what a Polish reader searches.
    assert!(search(&db, "pl", "valve", NOW).await.unwrap().hits.is_empty());

    let read = read_article(&db, "pl", "bleed-radiator", None).await.unwrap().unwrap();
    assert_eq!((read.locale.as_str(), read.fallback, read.title.as_str()), ("pl", false, "Odpowietrzanie grzejnika"));
    assert_eq!(read.category_name, "Ogrzewanie");
    let read = read_article(&db, "pl", "boiler-pressure", None).await.unwrap().unwrap();
    assert_eq!((read.locale.as_str(), read.fallback), ("en", true));
    let read = read_article(&db, "en", "boiler-pressure", None).await.unwrap().unwrap();
    assert!(!read.fallback);
    let home = portal::server::kb::home(&db, "pl").await.unwrap();
    let titles: Vec<_> = home.categories[0].articles.iter().map(|a| a.title.as_str()).collect();
    assert!(titles.contains(&"Odpowietrzanie grzejnika") && titles.contains(&"Boiler pressure is low"), "{titles:?}");
}

async fn only_published_articles_are_visible(db: Db) {
    seed(&db).await;
    for slug in ["radiator-draft", "radiator-archived"] {
        assert!(read_article(&db, "en", slug, None).await.unwrap().is_none(), "{slug}");
        assert!(!vote(&db, slug, "anon:x", true, None, NOW).await.unwrap(), "{slug}");
    }
    let found = search(&db, "en", "radiator cold top", NOW).await.unwrap();
    assert!(found.hits.is_empty(), "{found:?}");
    let home = portal::server::kb::home(&db, "en").await.unwrap();
    let slugs: Vec<_> = home.categories.iter().flat_map(|c| c.articles.iter().map(|a| a.slug.as_str())).collect();
    assert_eq!(slugs.len(), 3, "{slugs:?}");
    assert!(!slugs.iter().any(|s| s.starts_with("radiator-")));
    // Publishing makes it visible, to search too.
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "radiator-draft").await.unwrap().unwrap();
    kb::set_status(&mut conn, id, ArticleStatus::Published, NOW).await.unwrap();
    drop(conn);
    assert_eq!(search(&db, "en", "radiator cold top", NOW).await.unwrap().hits.len(), 1);
}

async fn searches_that_find_nothing_are_logged_normalized(db: Db) {
    seed(&db).await;
    assert!(search(&db, "en", "  Flux  CAPACITOR!! ", NOW).await.unwrap().hits.is_empty());
    assert!(search(&db, "en", "flux capacitor", NOW + 5).await.unwrap().hits.is_empty());
    assert!(search(&db, "pl", "flux capacitor", NOW + 6).await.unwrap().hits.is_empty());
    // Found something, or nothing searchable: not logged.
    assert!(!search(&db, "en", "boiler", NOW).await.unwrap().hits.is_empty());
    assert!(search(&db, "en", " !!! ", NOW).await.unwrap().hits.is_empty());
    let mut conn = db.acquire().await.unwrap();
    let log = kb::zero_results(&mut conn, 10).await.unwrap();
    let summary: Vec<_> = log.iter().map(|r| (r.query.as_str(), r.locale.as_str(), r.count, r.last_seen_at)).collect();
    assert_eq!(summary, vec![("flux capacitor", "en", 2, NOW + 5), ("flux capacitor", "pl", 1, NOW + 6)]);
}

async fn one_vote_per_visitor_which_can_change(db: Db) {
    seed(&db).await;
    assert!(vote(&db, "boiler-pressure", "anon:abc", true, Some("ignored on yes"), NOW).await.unwrap());
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "boiler-pressure").await.unwrap().unwrap();
    assert_eq!(kb::vote_of(&mut conn, id, "anon:abc").await.unwrap(), Some(true));
    drop(conn);
    assert!(vote(&db, "boiler-pressure", "anon:abc", false, Some("No picture of the gauge"), NOW + 1).await.unwrap());
    assert!(vote(&db, "boiler-pressure", "user:7", true, None, NOW + 2).await.unwrap());
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::vote_of(&mut conn, id, "anon:abc").await.unwrap(), Some(false));
    assert_eq!(kb::vote_counts(&mut conn, id).await.unwrap(), (1, 1));
    let comment: Option<String> =
        sqlx::query_scalar("SELECT comment FROM kb_votes WHERE article_id = $1 AND visitor = $2")
            .bind(id)
            .bind("anon:abc")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(comment.as_deref(), Some("No picture of the gauge"));
    drop(conn);
    let read = read_article(&db, "en", "boiler-pressure", Some("anon:abc")).await.unwrap().unwrap();
    assert_eq!(read.my_vote, Some(false));
}

async fn reads_are_counted_and_rank_the_most_read(db: Db) {
    seed(&db).await;
    for _ in 0..3 {
        read_article(&db, "en", "thermostat-schedule", None).await.unwrap().unwrap();
    }
    read_article(&db, "en", "boiler-pressure", None).await.unwrap().unwrap();
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "thermostat-schedule").await.unwrap().unwrap();
    assert_eq!(kb::read_count(&mut conn, id).await.unwrap(), 3);
    drop(conn);
    let home = portal::server::kb::home(&db, "en").await.unwrap();
    let popular: Vec<_> = home.popular.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(&popular[..2], &["thermostat-schedule", "boiler-pressure"]);
    let read = read_article(&db, "en", "bleed-radiator", None).await.unwrap().unwrap();
    let related: Vec<_> = read.related.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(related, vec!["thermostat-schedule", "boiler-pressure"], "same category, most read first");
}

async fn every_save_is_a_revision_and_the_index_follows_edits(db: Db) {
    seed(&db).await;
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "bleed-radiator").await.unwrap().unwrap();
    assert_eq!(kb::revision_count(&mut conn, id).await.unwrap(), 2, "one per translation");
    let text = kb::TranslationText {
        locale: "en",
        title: "Venting a heater",
        body_md: "Open the vent screw.",
        body_text: "Open the vent screw.",
    };
    kb::save_translation(&mut conn, id, &text, ArticleStatus::Published, None, NOW + 10).await.unwrap();
    assert_eq!(kb::revision_count(&mut conn, id).await.unwrap(), 3);
    drop(conn);
    let slugs = |r: portal::api::help::SearchResults| r.hits.into_iter().map(|h| h.slug).collect::<Vec<_>>();
    assert_eq!(slugs(search(&db, "en", "venting", NOW).await.unwrap()), vec!["bleed-radiator"]);
    assert!(slugs(search(&db, "en", "valve", NOW).await.unwrap()).is_empty(), "the old text left the index");
}

async fn demo_content_is_added_once_and_searchable(db: Db) {
    let added = portal::server::demo_kb::seed(&db).await.unwrap();
    assert!(added >= 20, "{added}");
    assert_eq!(portal::server::demo_kb::seed(&db).await.unwrap(), 0, "a second run adds nothing");
    let home = portal::server::kb::home(&db, "en").await.unwrap();
    assert_eq!(home.categories.len(), 5);
    let found = search(&db, "en", "boiler pressure", NOW).await.unwrap();
    assert_eq!(found.hits[0].slug, "boiler-pressure-low", "{found:?}");
    let pl = search(&db, "pl", "grzejnik", NOW).await.unwrap();
    assert!(pl.hits.iter().any(|h| h.slug == "bleed-a-radiator" && h.locale == "pl"), "{pl:?}");
}

/// `count` published articles with `title` and `body`, written in one transaction.
async fn bulk(db: &Db, category_id: i64, prefix: &str, count: usize, title: &str, body: &str) {
    let mut tx = db.begin().await.unwrap();
    for n in 0..count {
        let slug = format!("{prefix}-{n}");
        let new = kb::NewArticle { slug: &slug, category_id, status: ArticleStatus::Published, author_id: None };
        let id = kb::insert_article(&mut tx, &new, NOW).await.unwrap();
        let text = kb::TranslationText { locale: "en", title, body_md: body, body_text: body };
        kb::save_translation(&mut tx, id, &text, ArticleStatus::Published, None, NOW).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn common_words_rank_a_bounded_set_and_rare_combinations_are_all_found(db: Db) {
    let heating = category(&db, "heating").await;
    // Far more articles per word than a search ranks: 150 with "boiler" in the title, 150 with "valve".
    bulk(&db, heating, "boiler", 150, "Boiler service", "Book the yearly boiler service.").await;
    bulk(&db, heating, "valve", 150, "Valve check", "Check every valve once a year.").await;
    // Three say both words, in the body only: they are on neither word's list of best articles.
    bulk(&db, heating, "both", 3, "Yearly visit", "The engineer looks at the boiler and each valve.").await;
    article(&db, heating, "draft", ArticleStatus::Draft, &[("en", "Boiler valve (draft)", "Boiler valve.")]).await;
    let slugs = |r: portal::api::help::SearchResults| r.hits.into_iter().map(|h| h.slug).collect::<Vec<_>>();
    let found = slugs(search(&db, "en", "boiler", NOW).await.unwrap());
    assert_eq!(found.len(), 20, "a full page: {found:?}");
    assert!(found.iter().all(|s| s.starts_with("boiler-")), "title matches first: {found:?}");
    let mut both = slugs(search(&db, "en", "boiler valve", NOW).await.unwrap());
    both.sort();
    assert_eq!(both, vec!["both-0", "both-1", "both-2"], "every article with both words, no draft");
    let prefix = search(&db, "en", "boiler val", NOW).await.unwrap();
    assert_eq!(prefix.hits.len(), 3, "{prefix:?}");
    assert_eq!(hits(&prefix.hits[0].snippet), vec!["boiler", "valve"], "{prefix:?}");
    // Nothing has both of these: nothing is found, and the search is logged as a gap.
    assert!(search(&db, "en", "boiler flux", NOW).await.unwrap().hits.is_empty());
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(kb::zero_results(&mut conn, 10).await.unwrap()[0].query, "boiler flux");
}

async fn term_counts(db: &Db, term: &str) -> (i64, i64) {
    let mut conn = db.acquire().await.unwrap();
    let docs: Option<i64> = sqlx::query_scalar("SELECT docs FROM kb_search_vocabulary WHERE term = $1")
        .bind(term)
        .fetch_optional(&mut *conn)
        .await
        .unwrap();
    let postings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kb_search_terms WHERE term = $1")
        .bind(term)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    (docs.unwrap_or(0), postings)
}

async fn the_term_index_follows_saves_and_deletes(db: Db) {
    seed(&db).await;
    // "radiator" (stemmed) is in four English texts: two published, the draft and the archived one.
    let radiator = term_counts(&db, "radiat").await;
    let (every_text, _) = term_counts(&db, "").await;
    assert_eq!(radiator, (4, 4));
    assert_eq!(every_text, 6, "six translations");
    let mut conn = db.acquire().await.unwrap();
    let id = kb::article_id(&mut conn, "radiator-draft").await.unwrap().unwrap();
    let text = kb::TranslationText { locale: "en", title: "Cold spots", body_md: "Air.", body_text: "Air." };
    kb::save_translation(&mut conn, id, &text, ArticleStatus::Draft, None, NOW + 1).await.unwrap();
    drop(conn);
    assert_eq!(term_counts(&db, "radiat").await, (3, 3), "the old words left");
    assert_eq!(term_counts(&db, "air").await.0, 1, "the new ones came");
    let mut conn = db.acquire().await.unwrap();
    sqlx::query("DELETE FROM kb_articles WHERE slug = $1").bind("radiator-archived").execute(&mut *conn).await.unwrap();
    drop(conn);
    assert_eq!(term_counts(&db, "radiat").await, (2, 2));
    assert_eq!(term_counts(&db, "").await.0, 5);
}

on_both_backends!(
    common_words_rank_a_bounded_set_and_rare_combinations_are_all_found,
    the_term_index_follows_saves_and_deletes,
    demo_content_is_added_once_and_searchable,
    a_title_match_ranks_above_body_matches,
    the_last_word_matches_as_a_prefix,
    readers_get_their_locale_or_english,
    only_published_articles_are_visible,
    searches_that_find_nothing_are_logged_normalized,
    one_vote_per_visitor_which_can_change,
    reads_are_counted_and_rank_the_most_read,
    every_save_is_a_revision_and_the_index_follows_edits,
);
