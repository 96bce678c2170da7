//! Surveys (answered by private link or, for satisfaction, from the tracking page) and testimonials.
// A form post's fields arrive as one argument each (that is what works without JavaScript).
#![allow(clippy::too_many_arguments)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::feedback::SurveyView;
use crate::domain::AppError;

#[cfg(feature = "ssr")]
fn feedback_error(error: crate::server::feedback::FeedbackError) -> AppError {
    use super::guard::{db_error, fail, job_error};
    use crate::server::feedback::FeedbackError;
    match error {
        FeedbackError::NotFound => fail(AppError::NotFound),
        FeedbackError::Expired => fail(AppError::LinkExpired),
        FeedbackError::Invalid(errors) => fail(AppError::Invalid(errors)),
        FeedbackError::Job(e) => job_error(e),
        FeedbackError::Db(e) => db_error(e),
    }
}

#[cfg(feature = "ssr")]
fn answer_input(
    score: Option<String>,
    comment: Option<String>,
    quote: Option<String>,
    first_name: Option<String>,
    town: Option<String>,
) -> crate::domain::feedback::AnswerInput {
    crate::domain::feedback::AnswerInput { score, comment, quote: quote.is_some(), first_name, town }
}

/// The survey behind a private link. Reading it records nothing (mail scanners open links).
#[server(prefix = "/api", endpoint = "feedback/survey")]
pub async fn get_survey(token: String) -> Result<SurveyView, AppError> {
    use super::guard::{db_error, fail, state};
    use crate::server::feedback::{view, SurveyKey};
    use crate::server::now_ms;

    view(&state().db, SurveyKey::Token(&token), now_ms())
        .await
        .map_err(db_error)?
        .ok_or_else(|| fail(AppError::NotFound))
}

/// Records or changes the answer to the survey behind a private link (POST only), then shows it.
#[server(prefix = "/api", endpoint = "feedback/answer")]
pub async fn answer_survey(
    token: String,
    score: Option<String>,
    comment: Option<String>,
    quote: Option<String>,
    first_name: Option<String>,
    town: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{rate_limit, state};
    use crate::server::feedback::{answer, SurveyKey};
    use crate::server::now_ms;

    // Anyone holding a link can post: limit per address.
    rate_limit("survey", None)?;
    let state = state();
    let input = answer_input(score, comment, quote, first_name, town);
    answer(&state.db, &state.bus, &state.config, SurveyKey::Token(&token), &input, now_ms())
        .await
        .map_err(feedback_error)?;
    leptos_axum::redirect(&format!("/feedback/{token}?saved=1"));
    Ok(())
}

/// The satisfaction rating from the job's own page (by tracking link or signed in as its owner).
#[server(prefix = "/api", endpoint = "feedback/rate-job")]
pub async fn rate_job(
    token: Option<String>,
    id: Option<i64>,
    score: Option<String>,
    comment: Option<String>,
    quote: Option<String>,
    first_name: Option<String>,
    town: Option<String>,
) -> Result<(), AppError> {
    use super::guard::{auth, rate_limit, state};
    use super::requests::{access, JobKey};
    use crate::server::feedback::{answer, SurveyKey};
    use crate::server::now_ms;

    rate_limit("survey", None)?;
    let user = auth().user;
    let key = JobKey::from_form(token, id);
    let access = access(&key, user.as_ref())?;
    let state = state();
    let input = answer_input(score, comment, quote, first_name, town);
    answer(&state.db, &state.bus, &state.config, SurveyKey::Job(access), &input, now_ms())
        .await
        .map_err(feedback_error)?;
    leptos_axum::redirect(&key.map(|k| format!("{}#rating-heading", k.path())).unwrap_or_default());
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Testimonial {
    pub id: i64,
    pub quote: String,
    pub first_name: String,
    pub town: String,
    pub status: crate::domain::feedback::Moderation,
    pub created_at: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::server::db::feedback::TestimonialRow> for Testimonial {
    fn from(row: crate::server::db::feedback::TestimonialRow) -> Self {
        use crate::domain::feedback::Moderation;
        Testimonial {
            id: row.id,
            status: Moderation::parse(&row.status).unwrap_or(Moderation::Pending),
            quote: row.quote,
            first_name: row.first_name,
            town: row.town,
            created_at: row.created_at,
        }
    }
}

/// Approved testimonials (public: the home page shows them).
#[server(prefix = "/api", endpoint = "feedback/testimonials")]
pub async fn testimonials() -> Result<Vec<Testimonial>, AppError> {
    use super::guard::{db_error, state};
    let rows = crate::server::feedback::approved_testimonials(&state().db, 6).await.map_err(db_error)?;
    Ok(rows.into_iter().map(Testimonial::from).collect())
}

/// The moderation queue (editors).
#[server(prefix = "/api", endpoint = "editor/testimonials")]
pub async fn testimonial_queue() -> Result<Vec<Testimonial>, AppError> {
    use super::guard::{db_error, require, state};
    require(|u| u.has(crate::domain::Role::Editor))?;
    let rows = crate::server::feedback::testimonial_queue(&state().db).await.map_err(db_error)?;
    Ok(rows.into_iter().map(Testimonial::from).collect())
}

/// An editor approves or rejects a testimonial (`decision`: `approved` or `rejected`).
#[server(prefix = "/api", endpoint = "editor/testimonials/moderate")]
pub async fn moderate_testimonial(id: i64, decision: String) -> Result<(), AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::domain::feedback::Moderation;
    use crate::domain::{FieldError, FieldErrors};
    use crate::server::now_ms;

    let editor = require(|u| u.has(crate::domain::Role::Editor))?;
    let decision = match Moderation::parse(&decision) {
        Some(d @ (Moderation::Approved | Moderation::Rejected)) => d,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add("decision", FieldError::InvalidChoice);
            return Err(fail(AppError::Invalid(errors)));
        }
    };
    let found =
        crate::server::feedback::moderate(&state().db, id, decision, editor.id, now_ms()).await.map_err(db_error)?;
    if !found {
        return Err(fail(AppError::NotFound));
    }
    Ok(())
}

/// When the later surveys go out (admins).
#[server(prefix = "/api", endpoint = "admin/surveys")]
pub async fn survey_timing() -> Result<crate::domain::feedback::SurveyTiming, AppError> {
    use super::guard::{db_error, require, state};
    require(|u| u.is_admin())?;
    let mut conn = state().db.acquire().await.map_err(db_error)?;
    crate::server::feedback::timing(&mut conn).await.map_err(db_error)
}

#[server(prefix = "/api", endpoint = "admin/surveys/save")]
pub async fn save_survey_timing(
    fix_held_days: String,
    salience_days: String,
    nps_period_days: String,
) -> Result<(), AppError> {
    use super::guard::{db_error, fail, require, state};
    use crate::domain::feedback::SurveyTiming;
    use crate::server::now_ms;

    require(|u| u.is_admin())?;
    let timing = SurveyTiming::parse(&fix_held_days, &salience_days, &nps_period_days)
        .map_err(|errors| fail(AppError::Invalid(errors)))?;
    crate::server::feedback::set_timing(&state().db, timing, now_ms()).await.map_err(db_error)?;
    leptos_axum::redirect("/admin/surveys?saved=1");
    Ok(())
}
