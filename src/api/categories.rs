//! Request categories and their first-response targets (admin role).
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub first_response_hours: i64,
    pub active: bool,
}

#[server(prefix = "/api", endpoint = "admin/categories")]
pub async fn list_categories() -> Result<Vec<CategorySummary>, AppError> {
    use super::guard::{db_error, require, state};
    use crate::server::db::requests;

    require(|u| u.is_admin())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    let rows = requests::all_categories(&mut conn).await.map_err(db_error)?;
    Ok(rows
        .into_iter()
        .map(|c| CategorySummary {
            id: c.id,
            slug: c.slug,
            name: c.name,
            first_response_hours: c.first_response_hours,
            active: c.active == 1,
        })
        .collect())
}

/// Renames a category, changes its first-response target, or retires it (`active` unchecked): retired
/// categories keep their requests but cannot be chosen for new ones.
#[server(prefix = "/api", endpoint = "admin/categories/save")]
pub async fn save_category(id: i64, name: String, hours: String, active: Option<String>) -> Result<(), AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::server::db::requests;

    require(|u| u.is_admin())?;
    let (name, hours) = crate::domain::category::parse(&name, &hours).map_err(|mut errors| {
        // Which category's form the errors belong to (the page shows one form per category).
        errors.keep("id", &id.to_string());
        fail(AppError::Invalid(errors))
    })?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    if !requests::update_category(&mut conn, id, &name, hours, active.is_some()).await.map_err(db_error)? {
        return Err(fail(AppError::NotFound));
    }
    leptos_axum::redirect("/admin/categories?saved=1");
    Ok(())
}

/// Adds a category (active, last in the list).
#[server(prefix = "/api", endpoint = "admin/categories/add")]
pub async fn add_category(slug: String, name: String, hours: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, invalid, require, state};
    use crate::domain::FieldError;
    use crate::server::db::requests;

    require(|u| u.is_admin())?;
    let parsed = crate::domain::category::parse(&name, &hours);
    let slug_parsed = crate::domain::category::slug(&slug);
    let ((name, hours), slug) = match (parsed, slug_parsed) {
        (Ok(p), Ok(s)) => (p, s),
        (parsed, slug_parsed) => {
            let mut errors = crate::domain::FieldErrors::new();
            errors.keep("slug", &slug);
            if let Err(e) = slug_parsed {
                errors.add("slug", e);
            }
            if let Err(more) = parsed {
                errors.0.extend(more.0);
                errors.1.extend(more.1);
            }
            return Err(fail(AppError::Invalid(errors)));
        }
    };
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    if requests::insert_category(&mut conn, &slug, &name, hours).await.map_err(db_error)?.is_none() {
        return Err(invalid("slug", FieldError::AlreadyTaken));
    }
    leptos_axum::redirect("/admin/categories");
    Ok(())
}
