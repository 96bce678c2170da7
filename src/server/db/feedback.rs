//! Surveys about jobs and the testimonials that come from them.
use sqlx::FromRow;

use super::{Conn, DbResult};

#[derive(Debug, Clone, FromRow)]
pub struct SurveyRow {
    pub id: i64,
    pub request_id: i64,
    pub kind: String,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub answered_at: Option<i64>,
    pub score: Option<i64>,
    pub comment: Option<String>,
}

const SURVEY_COLUMNS: &str =
    "s.id, s.request_id, s.kind, s.email, s.created_at, s.expires_at, s.answered_at, s.score, s.comment";

/// Opens the survey of `kind` about a request with a new link (`token_hash`), valid until `expires_at`. A
/// survey asked again (a job completed a second time after a revisit) keeps its answer and gets the new
/// link; the old one stops working.
pub async fn open(
    conn: &mut Conn,
    request_id: i64,
    kind: &str,
    email: &str,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> DbResult<i64> {
    sqlx::query_scalar(
        "INSERT INTO surveys (request_id, kind, email, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (request_id, kind) DO UPDATE SET token_hash = excluded.token_hash, \
         expires_at = excluded.expires_at RETURNING id",
    )
    .bind(request_id)
    .bind(kind)
    .bind(email)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(conn)
    .await
}

pub async fn by_token(conn: &mut Conn, token_hash: &str) -> DbResult<Option<SurveyRow>> {
    sqlx::query_as(&format!("SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

pub async fn of_request(conn: &mut Conn, request_id: i64, kind: &str) -> DbResult<Option<SurveyRow>> {
    sqlx::query_as(&format!("SELECT {SURVEY_COLUMNS} FROM surveys s WHERE s.request_id = $1 AND s.kind = $2"))
        .bind(request_id)
        .bind(kind)
        .fetch_optional(conn)
        .await
}

/// Whether `email` was asked a survey of `kind` since `since` (NPS is asked at most once per period).
pub async fn asked_since(conn: &mut Conn, email: &str, kind: &str, since: i64) -> DbResult<bool> {
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM surveys WHERE email = $1 AND kind = $2 AND created_at >= $3")
            .bind(email)
            .bind(kind)
            .bind(since)
            .fetch_one(conn)
            .await?;
    Ok(count > 0)
}

/// Records (or changes) the answer.
pub async fn answer(conn: &mut Conn, id: i64, score: Option<i64>, comment: Option<&str>, now: i64) -> DbResult<()> {
    sqlx::query("UPDATE surveys SET score = $1, comment = $2, answered_at = $3 WHERE id = $4")
        .bind(score)
        .bind(comment)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct TestimonialRow {
    pub id: i64,
    pub survey_id: i64,
    pub quote: String,
    pub first_name: String,
    pub town: String,
    pub status: String,
    pub created_at: i64,
    /// The score the quote came with and its survey's kind.
    pub score: Option<i64>,
    pub kind: String,
}

pub struct NewTestimonial<'a> {
    pub survey_id: i64,
    pub quote: &'a str,
    pub first_name: &'a str,
    pub town: &'a str,
}

/// Offers a quote for moderation. A changed answer replaces the earlier quote and waits for an editor again.
pub async fn offer_testimonial(conn: &mut Conn, new: &NewTestimonial<'_>, now: i64) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO testimonials (survey_id, quote, first_name, town, status, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5) \
         ON CONFLICT (survey_id) DO UPDATE SET quote = excluded.quote, first_name = excluded.first_name, \
         town = excluded.town, status = 'pending', created_at = excluded.created_at, moderated_by = NULL, \
         moderated_at = NULL",
    )
    .bind(new.survey_id)
    .bind(new.quote)
    .bind(new.first_name)
    .bind(new.town)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The customer took their consent back (or changed the answer to one that cannot be quoted).
pub async fn withdraw_testimonial(conn: &mut Conn, survey_id: i64) -> DbResult<()> {
    sqlx::query("DELETE FROM testimonials WHERE survey_id = $1").bind(survey_id).execute(conn).await.map(|_| ())
}

pub async fn testimonial_of(conn: &mut Conn, survey_id: i64) -> DbResult<Option<TestimonialRow>> {
    sqlx::query_as(
        "SELECT t.id, t.survey_id, t.quote, t.first_name, t.town, t.status, t.created_at, s.score, s.kind \
         FROM testimonials t JOIN surveys s ON s.id = t.survey_id WHERE t.survey_id = $1",
    )
    .bind(survey_id)
    .fetch_optional(conn)
    .await
}

/// Testimonials in one moderation state, newest first.
pub async fn testimonials(conn: &mut Conn, status: &str, limit: i64) -> DbResult<Vec<TestimonialRow>> {
    sqlx::query_as(
        "SELECT t.id, t.survey_id, t.quote, t.first_name, t.town, t.status, t.created_at, s.score, s.kind \
         FROM testimonials t JOIN surveys s ON s.id = t.survey_id WHERE t.status = $1 \
         ORDER BY t.created_at DESC, t.id DESC LIMIT $2",
    )
    .bind(status)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Approves or rejects a testimonial; false when there is none with that id.
pub async fn moderate(conn: &mut Conn, id: i64, status: &str, by: i64, now: i64) -> DbResult<bool> {
    let done = sqlx::query("UPDATE testimonials SET status = $1, moderated_by = $2, moderated_at = $3 WHERE id = $4")
        .bind(status)
        .bind(by)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
