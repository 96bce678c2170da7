//! The knowledge base service: what the help pages show, search with its content-gap log, votes, and writing
//! articles (every save a revision). Markdown becomes safe HTML here, on the server, through
//! [`crate::server::markdown`].
use crate::api::help::{ArticleLink, ArticleView, CategoryArticles, HelpIndex, SearchHit, SearchResults, TocEntry};
use crate::domain::kb::{split_hits, ArticleStatus, SearchQuery, Slug, TOC_MIN_HEADINGS};
use crate::server::db::{kb, kb_gaps, kb_search, Db, DbResult};
use crate::server::markdown;

/// How many articles the "most read" list and a search show, and how many related articles an article lists.
pub const MOST_READ: i64 = 5;
pub const SEARCH_RESULTS: i64 = 20;
pub const RELATED: i64 = 5;
/// More published articles than a help centre has; bounds the home page's query.
const ALL_ARTICLES: i64 = 500;

fn link(row: kb::ArticleListRow) -> ArticleLink {
    ArticleLink { slug: row.slug, title: row.title, locale: row.locale }
}

/// `/help`: every category with its published articles, and the most read articles.
pub async fn home(db: &Db, locale: &str) -> DbResult<HelpIndex> {
    let mut conn = db.acquire().await?;
    let categories = kb::categories(&mut conn, locale).await?;
    let articles = kb::published(&mut conn, locale, ALL_ARTICLES).await?;
    let popular = kb::most_read(&mut conn, locale, MOST_READ).await?;
    let categories = categories
        .into_iter()
        .map(|c| CategoryArticles {
            articles: articles.iter().filter(|a| a.category_id == c.id).cloned().map(link).collect(),
            slug: c.slug,
            name: c.name,
            description: c.description,
        })
        .filter(|c| !c.articles.is_empty())
        .collect();
    Ok(HelpIndex { categories, popular: popular.into_iter().map(link).collect() })
}

/// `/help/<category>`: one category with its published articles; `None` for an unknown category.
pub async fn category(db: &Db, locale: &str, slug: &str) -> DbResult<Option<CategoryArticles>> {
    let mut conn = db.acquire().await?;
    let Some(c) = kb::categories(&mut conn, locale).await?.into_iter().find(|c| c.slug == slug) else {
        return Ok(None);
    };
    let articles = kb::in_category(&mut conn, locale, c.id, 0, ALL_ARTICLES).await?;
    Ok(Some(CategoryArticles {
        slug: c.slug,
        name: c.name,
        description: c.description,
        articles: articles.into_iter().map(link).collect(),
    }))
}

/// An article to read, counted as one read; `visitor` (see [`visitor_key`]) finds the reader's own vote.
/// `None` when there is no such published article.
pub async fn read_article(db: &Db, locale: &str, slug: &str, visitor: Option<&str>) -> DbResult<Option<ArticleView>> {
    let mut conn = db.acquire().await?;
    let Some(row) = kb::published_article(&mut conn, locale, slug).await? else { return Ok(None) };
    kb::count_read(&mut conn, row.id).await?;
    let category = kb::categories(&mut conn, locale).await?.into_iter().find(|c| c.id == row.category_id);
    let related = kb::in_category(&mut conn, locale, row.category_id, row.id, RELATED).await?;
    let my_vote = match visitor {
        Some(visitor) => kb::vote_of(&mut conn, row.id, visitor).await?,
        None => None,
    };
    let rendered = markdown::render(&row.body_md);
    let toc = if rendered.headings.len() >= TOC_MIN_HEADINGS {
        rendered.headings.into_iter().map(|h| TocEntry { level: h.level, id: h.id, text: h.text }).collect()
    } else {
        Vec::new()
    };
    Ok(Some(ArticleView {
        fallback: row.locale != locale,
        slug: row.slug,
        title: row.title,
        locale: row.locale,
        html: rendered.html,
        toc,
        updated_at: row.updated_at,
        category_slug: category.as_ref().map(|c| c.slug.clone()).unwrap_or_default(),
        category_name: category.map(|c| c.name).unwrap_or_default(),
        related: related.into_iter().map(link).collect(),
        my_vote,
    }))
}

/// Searches published articles in the reader's locale (or English). A query that finds nothing gets the
/// article an editor linked to it when closing that gap, else it is logged for the content-gap queue; a
/// query with nothing searchable in it is neither run nor logged.
pub async fn search(db: &Db, locale: &str, raw: &str, now: i64) -> DbResult<SearchResults> {
    let Some(query) = SearchQuery::parse(raw) else {
        return Ok(SearchResults { query: String::new(), hits: Vec::new() });
    };
    let mut conn = db.acquire().await?;
    let mut rows = kb_search::search(&mut conn, db.backend(), locale, &query.terms(), SEARCH_RESULTS).await?;
    if rows.is_empty() {
        // An editor may have closed this gap by linking the article that answers it.
        match kb_gaps::linked_answer(&mut conn, &query.normalized(), locale).await? {
            Some(answer) => rows.push(answer),
            None => kb::log_zero_result(&mut conn, &query.normalized(), locale, now).await?,
        }
    }
    Ok(SearchResults {
        query: query.normalized(),
        hits: rows
            .into_iter()
            .map(|r| SearchHit {
                slug: r.slug,
                locale: r.locale,
                title: split_hits(&r.title),
                snippet: split_hits(&r.snippet),
            })
            .collect(),
    })
}

/// Who a vote belongs to: the signed-in user, else the anonymous visitor cookie (only its hash is stored).
pub fn visitor_key(user_id: Option<i64>, visitor_cookie: Option<&str>) -> Option<String> {
    match (user_id, visitor_cookie) {
        (Some(id), _) => Some(format!("user:{id}")),
        (None, Some(token)) if !token.is_empty() => {
            Some(format!("anon:{}", crate::server::auth::tokens::hash_token(token)))
        }
        _ => None,
    }
}

/// Records (or changes) a visitor's vote on a published article; `false` when there is no such article.
pub async fn vote(
    db: &Db,
    slug: &str,
    visitor: &str,
    helpful: bool,
    comment: Option<&str>,
    now: i64,
) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    let Some(article_id) = kb::published_id(&mut conn, slug).await? else { return Ok(false) };
    // A comment says what was missing: it belongs to a "no".
    let comment = comment.filter(|_| !helpful);
    kb::vote(&mut conn, article_id, visitor, helpful, comment, now).await?;
    Ok(true)
}

/// An article as the seed data or an editor gives it: its category, status, and text per locale as
/// `(locale, title, markdown)`.
pub struct ArticleInput<'a> {
    pub slug: &'a Slug,
    pub category_id: i64,
    pub status: ArticleStatus,
    pub translations: &'a [(&'a str, &'a str, &'a str)],
    pub author_id: Option<i64>,
}

/// Creates an article with its translations in one transaction (each saved as a revision).
pub async fn create_article(db: &Db, input: &ArticleInput<'_>, now: i64) -> DbResult<i64> {
    let mut tx = db.begin().await?;
    let new = kb::NewArticle {
        slug: input.slug.as_str(),
        category_id: input.category_id,
        status: input.status,
        author_id: input.author_id,
    };
    let id = kb::insert_article(&mut tx, &new, now).await?;
    for (locale, title, body_md) in input.translations {
        let body_text = markdown::plain_text(body_md);
        let text = kb::TranslationText { locale, title, body_md, body_text: &body_text };
        kb::save_translation(&mut tx, id, &text, input.status, input.author_id, now).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Creates a category named in each of `names` (`(locale, name, description)`), or returns the existing one.
pub async fn ensure_category(
    db: &Db,
    slug: &Slug,
    position: i64,
    names: &[(&str, &str, &str)],
    now: i64,
) -> DbResult<i64> {
    let mut tx = db.begin().await?;
    let id = match kb::category_id(&mut tx, slug.as_str()).await? {
        Some(id) => id,
        None => kb::insert_category(&mut tx, slug.as_str(), position, now).await?,
    };
    for (locale, name, description) in names {
        kb::set_category_name(&mut tx, id, locale, name, Some(description)).await?;
    }
    tx.commit().await?;
    Ok(id)
}
