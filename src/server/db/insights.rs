//! What the KPI dashboard and its CSV exports read: for a period `[from, to)` (epoch ms) and optional
//! filters, only the columns or SQL aggregates each KPI needs (`domain::insights` does the arithmetic).
//! Counts are aggregated in SQL (per week, per score, per group); the durations behind the percentiles
//! are fetched as one column for the filtered set and ranked in Rust (nearest rank), which both backends
//! then agree on exactly.
use sqlx::FromRow;

use super::{Conn, DbResult};
use crate::domain::insights::WEEK_MS;
use crate::domain::time::DAY_MS;

/// The dashboard's filters; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub category_id: Option<i64>,
    /// `Some(0)`: jobs nobody is assigned to.
    pub technician_id: Option<i64>,
    /// `web`, `phone` or `email`.
    pub channel: Option<String>,
}

enum Arg {
    Int(i64),
    Text(String),
}

/// SQL under construction: `?` in a pushed clause becomes the next numbered parameter.
struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql { text: text.to_owned(), args: Vec::new() }
    }

    fn push(&mut self, clause: &str, arg: Option<Arg>) -> &mut Self {
        match arg {
            Some(arg) => {
                self.args.push(arg);
                self.text.push_str(&clause.replace('?', &format!("${}", self.args.len())));
            }
            None => self.text.push_str(clause),
        }
        self
    }

    /// `AND` clauses on the request alias `r` for the filter.
    fn filter(&mut self, filter: &Filter) -> &mut Self {
        if let Some(c) = filter.category_id {
            self.push(" AND r.category_id = ?", Some(Arg::Int(c)));
        }
        match filter.technician_id {
            Some(0) => {
                self.push(" AND r.technician_id IS NULL", None);
            }
            Some(t) => {
                self.push(" AND r.technician_id = ?", Some(Arg::Int(t)));
            }
            None => {}
        }
        if let Some(channel) = &filter.channel {
            self.push(" AND r.channel = ?", Some(Arg::Text(channel.clone())));
        }
        self
    }

    async fn fetch<T>(&self, conn: &mut Conn) -> DbResult<Vec<T>>
    where
        T: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let mut query = sqlx::query_as::<_, T>(&self.text);
        for arg in &self.args {
            query = match arg {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
            };
        }
        query.fetch_all(conn).await
    }
}

/// The week number of a timestamp column in SQL, as `domain::insights::week_of` (Monday-based; integer
/// division of BIGINTs truncates on both backends, and the values are positive).
fn week(column: &str) -> String {
    format!("(({column} + {}) / {WEEK_MS})", 3 * DAY_MS)
}

/// Time to first response (ms) of each request created in the period that has had one.
pub async fn first_responses(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Vec<i64>> {
    let mut sql = Sql::new("SELECT r.first_response_at - r.created_at FROM service_requests r WHERE ");
    sql.push("r.created_at >= ?", Some(Arg::Int(from))).push(" AND r.created_at < ?", Some(Arg::Int(to)));
    sql.push(" AND r.first_response_at IS NOT NULL", None).filter(filter);
    let rows: Vec<(i64,)> = sql.fetch(conn).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// `(time to resolution in ms, revisits)` of each job first completed in the period.
pub async fn completions(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Vec<(i64, i64)>> {
    let mut sql = Sql::new("SELECT r.completed_at - r.created_at, r.revisits FROM service_requests r WHERE ");
    sql.push("r.completed_at >= ?", Some(Arg::Int(from))).push(" AND r.completed_at < ?", Some(Arg::Int(to)));
    sql.filter(filter);
    sql.fetch(conn).await
}

/// Requests created in one week of the period, and how many of them met or breached their
/// first-response target by `now` (the rule of `domain::insights::sla_outcome`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct WeekRequests {
    pub week: i64,
    pub requests: i64,
    pub met: i64,
    pub breached: i64,
}

pub async fn requests_by_week(
    conn: &mut Conn,
    filter: &Filter,
    from: i64,
    to: i64,
    now: i64,
) -> DbResult<Vec<WeekRequests>> {
    const DUE: &str = "(r.created_at + c.first_response_hours * 3600000)";
    let mut sql = Sql::new(&format!(
        "SELECT {week} AS week, COUNT(*) AS requests, \
         CAST(SUM(CASE WHEN r.first_response_at <= {DUE} THEN 1 ELSE 0 END) AS BIGINT) AS met, \
         CAST(SUM(CASE WHEN r.first_response_at > {DUE} OR (r.first_response_at IS NULL AND ",
        week = week("r.created_at")
    ));
    sql.push(&format!("? > {DUE}) THEN 1 ELSE 0 END) AS BIGINT) AS breached "), Some(Arg::Int(now)));
    sql.push("FROM service_requests r JOIN categories c ON c.id = r.category_id WHERE ", None);
    sql.push("r.created_at >= ?", Some(Arg::Int(from))).push(" AND r.created_at < ?", Some(Arg::Int(to)));
    sql.filter(filter).push(" GROUP BY 1", None);
    sql.fetch(conn).await
}

/// Answers of one kind given in the period, by the week they were given and the score.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ScoreCount {
    pub week: i64,
    pub score: i64,
    pub answers: i64,
}

/// `kind`: `csat` or `nps` (or `fix_held`).
pub async fn scores_by_week(
    conn: &mut Conn,
    kind: &str,
    filter: &Filter,
    from: i64,
    to: i64,
) -> DbResult<Vec<ScoreCount>> {
    let mut sql = Sql::new(&format!(
        "SELECT {} AS week, s.score, COUNT(*) AS answers \
         FROM surveys s JOIN service_requests r ON r.id = s.request_id WHERE ",
        week("s.answered_at")
    ));
    sql.push("s.kind = ?", Some(Arg::Text(kind.to_owned())));
    sql.push(" AND s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.push(" AND s.score IS NOT NULL", None).filter(filter).push(" GROUP BY 1, 2", None);
    sql.fetch(conn).await
}

/// CSAT answers given in the period by category, technician, channel and score: the polarisation
/// view sums them per group.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct GroupScore {
    pub category_id: i64,
    pub technician_id: Option<i64>,
    pub channel: String,
    pub score: i64,
    pub answers: i64,
}

pub async fn csat_by_group(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Vec<GroupScore>> {
    let mut sql = Sql::new(
        "SELECT r.category_id, r.technician_id, r.channel, s.score, COUNT(*) AS answers \
         FROM surveys s JOIN service_requests r ON r.id = s.request_id WHERE s.kind = 'csat'",
    );
    sql.push(" AND s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.push(" AND s.score IS NOT NULL", None).filter(filter).push(" GROUP BY 1, 2, 3, 4", None);
    sql.fetch(conn).await
}

/// A CSAT answer with a comment, and the groups it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CsatComment {
    pub category_id: i64,
    pub technician_id: Option<i64>,
    pub channel: String,
    pub score: i64,
    pub comment: String,
    pub answered_at: i64,
}

/// The newest `limit` CSAT comments given in the period.
pub async fn csat_comments(
    conn: &mut Conn,
    filter: &Filter,
    from: i64,
    to: i64,
    limit: i64,
) -> DbResult<Vec<CsatComment>> {
    let mut sql = Sql::new(
        "SELECT r.category_id, r.technician_id, r.channel, s.score, s.comment, s.answered_at \
         FROM surveys s JOIN service_requests r ON r.id = s.request_id WHERE s.kind = 'csat'",
    );
    sql.push(" AND s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.push(" AND s.score IS NOT NULL AND s.comment IS NOT NULL AND s.comment <> ''", None).filter(filter);
    sql.push(" ORDER BY s.answered_at DESC, s.id DESC LIMIT ?", Some(Arg::Int(limit)));
    sql.fetch(conn).await
}

/// One line of the jobs export.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct JobExportRow {
    pub reference: Option<String>,
    pub created_at: i64,
    pub category: String,
    pub first_response_hours: i64,
    pub technician: Option<String>,
    pub channel: String,
    pub status: String,
    pub first_response_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub revisits: i64,
}

/// The requests created in the period, oldest first.
pub async fn jobs_export(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Vec<JobExportRow>> {
    let mut sql = Sql::new(
        "SELECT r.reference, r.created_at, c.name AS category, c.first_response_hours, \
         COALESCE(u.display_name, u.email) AS technician, r.channel, r.status, r.first_response_at, \
         r.completed_at, r.revisits \
         FROM service_requests r JOIN categories c ON c.id = r.category_id \
         LEFT JOIN users u ON u.id = r.technician_id WHERE ",
    );
    sql.push("r.created_at >= ?", Some(Arg::Int(from))).push(" AND r.created_at < ?", Some(Arg::Int(to)));
    sql.filter(filter).push(" ORDER BY r.created_at, r.id", None);
    sql.fetch(conn).await
}

/// One line of the feedback export.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct FeedbackExportRow {
    pub reference: Option<String>,
    pub kind: String,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: i64,
    pub category: String,
    pub technician: Option<String>,
    pub channel: String,
}

/// The survey answers given in the period, oldest first.
pub async fn feedback_export(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Vec<FeedbackExportRow>> {
    let mut sql = Sql::new(
        "SELECT r.reference, s.kind, s.score, s.comment, s.answered_at, c.name AS category, \
         COALESCE(u.display_name, u.email) AS technician, r.channel \
         FROM surveys s JOIN service_requests r ON r.id = s.request_id JOIN categories c ON c.id = r.category_id \
         LEFT JOIN users u ON u.id = r.technician_id WHERE ",
    );
    sql.push("s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.filter(filter).push(" ORDER BY s.answered_at, s.id", None);
    sql.fetch(conn).await
}
