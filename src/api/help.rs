//! The help centre for readers: categories, articles, search and "was this helpful?" votes. No sign-in
//! needed. Pages pass the locale they render in; an unknown one falls back to the request's.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::kb::Fragment;
use crate::domain::AppError;

/// An article in a list, in the locale it will be shown in (`lang` differs when English stands in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleLink {
    pub slug: String,
    pub title: String,
    pub locale: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryArticles {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub articles: Vec<ArticleLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpIndex {
    pub categories: Vec<CategoryArticles>,
    pub popular: Vec<ArticleLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// An article to read. `html` was rendered from Markdown and sanitized on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleView {
    pub slug: String,
    pub title: String,
    /// The locale of the text; `fallback` when it is English standing in for the reader's.
    pub locale: String,
    pub fallback: bool,
    pub html: String,
    /// Empty for a short article.
    pub toc: Vec<TocEntry>,
    pub updated_at: i64,
    pub category_slug: String,
    pub category_name: String,
    pub related: Vec<ArticleLink>,
    /// This visitor's vote, if they voted.
    pub my_vote: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub slug: String,
    pub locale: String,
    pub title: Vec<Fragment>,
    pub snippet: Vec<Fragment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The query as searched (normalized); empty when nothing searchable was given.
    pub query: String,
    pub hits: Vec<SearchHit>,
}

/// The reader's locale: the page's, if it is one the portal has, else the request's.
#[cfg(feature = "ssr")]
fn reader_locale(locale: &str) -> &'static str {
    use leptos_i18n::Locale as _;
    let locale: crate::i18n::Locale =
        locale.parse().unwrap_or_else(|_| crate::server::security::request_locale(&super::guard::parts().headers));
    locale.as_str()
}

/// The anonymous visitor cookie: set by the server on a first vote, HttpOnly, only its hash is stored.
pub const VISITOR_COOKIE: &str = "portal_visitor";

/// Who is voting: the signed-in user or the visitor cookie's holder (`None` for a first-time visitor).
#[cfg(feature = "ssr")]
fn visitor() -> Option<String> {
    use crate::server::auth::session::cookie_value;
    let cookie = super::guard::parts()
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, VISITOR_COOKIE).map(str::to_owned));
    crate::server::kb::visitor_key(super::guard::auth().user.map(|u| u.id), cookie.as_deref())
}

#[server(prefix = "/api", endpoint = "help/home")]
pub async fn help_home(locale: String) -> Result<HelpIndex, AppError> {
    use super::guard::{db_error, state};
    crate::server::kb::home(&state().db, reader_locale(&locale)).await.map_err(db_error)
}

#[server(prefix = "/api", endpoint = "help/category")]
pub async fn help_category(locale: String, slug: String) -> Result<CategoryArticles, AppError> {
    use super::guard::{db_error, fail, state};
    let category = crate::server::kb::category(&state().db, reader_locale(&locale), &slug).await.map_err(db_error)?;
    category.ok_or_else(|| fail(AppError::NotFound))
}

/// One article; each call counts as a read (the page calls it once per view, assets never do).
#[server(prefix = "/api", endpoint = "help/article")]
pub async fn help_article(locale: String, slug: String) -> Result<ArticleView, AppError> {
    use super::guard::{db_error, fail, state};
    let visitor = visitor();
    let article = crate::server::kb::read_article(&state().db, reader_locale(&locale), &slug, visitor.as_deref())
        .await
        .map_err(db_error)?;
    article.ok_or_else(|| fail(AppError::NotFound))
}

#[server(prefix = "/api", endpoint = "help/search")]
pub async fn help_search(locale: String, q: String) -> Result<SearchResults, AppError> {
    use super::guard::{db_error, rate_limit, state};
    use crate::server::now_ms;
    // Every search may write (the zero-result log): limit per address.
    rate_limit("help_search", None)?;
    crate::server::kb::search(&state().db, reader_locale(&locale), &q, now_ms()).await.map_err(db_error)
}

/// "Was this helpful?": `helpful` is `yes` or `no`; a "no" may say what was missing. One vote per visitor
/// and article; voting again replaces it. A first-time anonymous visitor gets the visitor cookie.
#[server(prefix = "/api", endpoint = "help/vote")]
pub async fn vote_article(slug: String, helpful: String, comment: Option<String>) -> Result<(), AppError> {
    use super::guard::{db_error, fail, invalid, rate_limit, set_cookie, state};
    use crate::domain::kb::COMMENT_MAX;
    use crate::domain::FieldError;
    use crate::server::auth::tokens::random_token;
    use crate::server::now_ms;

    rate_limit("help_vote", None)?;
    let slug = crate::domain::kb::Slug::parse(&slug).map_err(|_| fail(AppError::NotFound))?;
    let helpful = match helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(invalid("helpful", FieldError::InvalidChoice)),
    };
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > COMMENT_MAX) {
        return Err(invalid("comment", FieldError::TooLong { max: COMMENT_MAX }));
    }
    let state = state();
    let visitor = match visitor() {
        Some(visitor) => visitor,
        None => {
            let token = random_token();
            let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
            set_cookie(&format!(
                "{VISITOR_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
                365 * 24 * 3600
            ));
            crate::server::kb::visitor_key(None, Some(&token)).unwrap_or_default()
        }
    };
    let found = crate::server::kb::vote(&state.db, slug.as_str(), &visitor, helpful, comment.as_deref(), now_ms())
        .await
        .map_err(db_error)?;
    if !found {
        return Err(fail(AppError::NotFound));
    }
    leptos_axum::redirect(&format!("/help/articles/{slug}?voted=1#feedback"));
    Ok(())
}

/// Up to three published articles for what the customer has typed on the request form so far (its summary
/// and description), in `locale` or English. `form` is the form's idempotency key: it names this form session,
/// under which the suggestions are recorded as shown. Called while typing, so its own, higher rate limit.
#[server(prefix = "/api", endpoint = "help/suggest")]
pub async fn suggest_articles(
    form: String,
    locale: String,
    summary: String,
    description: String,
) -> Result<Vec<ArticleLink>, AppError> {
    use super::guard::{db_error, invalid, rate_limit_per_ip, state};
    use crate::domain::FieldError;
    use crate::server::now_ms;

    let state = state();
    rate_limit_per_ip("help_suggest", state.config.rate_limit_per_ip.saturating_mul(SUGGEST_RATE_FACTOR))?;
    if !crate::server::requests::valid_key(&form) {
        return Err(invalid("form", FieldError::InvalidChoice));
    }
    crate::server::deflection::suggest(&state.db, reader_locale(&locale), &form, &summary, &description, now_ms())
        .await
        .map_err(db_error)
}

/// Suggestions are asked for while typing (every 300 ms pause): they may be asked this many times as often as
/// the per-address limit of the other public forms allows.
pub const SUGGEST_RATE_FACTOR: u32 = 10;

/// The customer opened a suggested article (in a new tab) from the request form `form`.
#[server(prefix = "/api", endpoint = "help/suggest_click")]
pub async fn suggestion_opened(form: String, slug: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, rate_limit_per_ip, state};
    use crate::server::now_ms;

    let state = state();
    rate_limit_per_ip("help_suggest", state.config.rate_limit_per_ip.saturating_mul(SUGGEST_RATE_FACTOR))?;
    if !crate::server::requests::valid_key(&form) {
        return Err(fail(AppError::NotFound));
    }
    let recorded = crate::server::deflection::clicked(&state.db, &form, &slug, now_ms()).await.map_err(db_error)?;
    if recorded {
        Ok(())
    } else {
        Err(fail(AppError::NotFound))
    }
}
