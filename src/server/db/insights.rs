//! What the KPI dashboard and its CSV exports read: for a period `[from, to)` (epoch ms) and optional
//! filters, only SQL aggregates (`domain::insights` does the arithmetic on them). Counts are aggregated per
//! week, per score and per group; the percentiles of durations are ranked in SQL too (nearest rank, exactly
//! `domain::insights::percentile`), so a page load decodes a few hundred rows whatever the period holds.
use sqlx::FromRow;

use super::{Conn, DbResult};
use crate::domain::insights::{Durations, WEEK_MS};
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

    /// Replaces the statement so far by `outer(statement)`, a query that reads it as a subquery (its
    /// parameters keep their numbers).
    fn wrap(&mut self, outer: impl FnOnce(&str) -> String) -> &mut Self {
        self.text = outer(&self.text);
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

/// A query that ranks the rows of `values` (any query with a BIGINT column `v`) by `v` and returns one row:
/// how many there are (`count`), and the values at the nearest ranks ⌈50·n/100⌉ (`median`) and ⌈90·n/100⌉
/// (`p90`), as `domain::insights::percentile` picks them (`ROW_NUMBER` counts ties one by one, as a sorted
/// list does); NULLs when there are none. `extra`: more aggregates over the inner rows, each after a comma.
fn nearest_ranks(values: &str, extra: &str) -> String {
    let rank = |p: u32| format!("({p} * n + 99) / 100");
    format!(
        "SELECT COUNT(*) AS count, MIN(CASE WHEN rn = {p50} THEN v END) AS median, \
         MIN(CASE WHEN rn = {p90} THEN v END) AS p90{extra} \
         FROM (SELECT vals.*, ROW_NUMBER() OVER (ORDER BY vals.v) AS rn, COUNT(*) OVER () AS n \
         FROM ({values}) vals) ranked",
        p50 = rank(50),
        p90 = rank(90),
    )
}

#[derive(FromRow)]
struct Ranked {
    count: i64,
    median: Option<i64>,
    p90: Option<i64>,
}

impl Ranked {
    fn durations(self) -> Durations {
        Durations { count: u64::try_from(self.count).unwrap_or_default(), median_ms: self.median, p90_ms: self.p90 }
    }
}

/// Median and p90 of the time to first response (ms) of the requests created in the period that have had
/// one.
pub async fn first_responses(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Durations> {
    let mut sql = Sql::new("SELECT r.first_response_at - r.created_at AS v FROM service_requests r WHERE ");
    sql.push("r.created_at >= ?", Some(Arg::Int(from))).push(" AND r.created_at < ?", Some(Arg::Int(to)));
    sql.push(" AND r.first_response_at IS NOT NULL", None).filter(filter);
    sql.wrap(|values| nearest_ranks(values, ""));
    let row: Option<Ranked> = sql.fetch(conn).await?.pop();
    Ok(row.map(Ranked::durations).unwrap_or_default())
}

/// The jobs first completed in the period: median and p90 of their time to resolution (ms), and how many
/// of them were never revisited (first-time fixes; `resolution.count` is all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Completions {
    pub resolution: Durations,
    pub first_time_fixes: u64,
}

#[derive(FromRow)]
struct RankedCompletions {
    #[sqlx(flatten)]
    ranked: Ranked,
    first_time_fixes: i64,
}

pub async fn completions(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Completions> {
    let mut sql = Sql::new("SELECT r.completed_at - r.created_at AS v, r.revisits FROM service_requests r WHERE ");
    sql.push("r.completed_at >= ?", Some(Arg::Int(from))).push(" AND r.completed_at < ?", Some(Arg::Int(to)));
    sql.filter(filter);
    sql.wrap(|values| nearest_ranks(values, ", COUNT(CASE WHEN revisits = 0 THEN 1 END) AS first_time_fixes"));
    let row: Option<RankedCompletions> = sql.fetch(conn).await?.pop();
    Ok(row
        .map(|r| Completions {
            resolution: r.ranked.durations(),
            first_time_fixes: u64::try_from(r.first_time_fixes).unwrap_or_default(),
        })
        .unwrap_or_default())
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
    // CROSS JOIN makes SQLite read the requests first (through their covering index on `created_at`)
    // rather than loop over the categories and visit each request row; PostgreSQL treats it as the inner
    // join it is.
    sql.push("FROM service_requests r CROSS JOIN categories c WHERE c.id = r.category_id", None);
    sql.push(" AND r.created_at >= ?", Some(Arg::Int(from))).push(" AND r.created_at < ?", Some(Arg::Int(to)));
    sql.filter(filter).push(" GROUP BY 1", None);
    sql.fetch(conn).await
}

/// Answers of one kind given in the period, by the week they were given and the score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreCount {
    pub week: i64,
    pub score: i64,
    pub answers: i64,
}

/// CSAT answers given in the period by category, technician, channel and score: the polarisation
/// view sums them per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupScore {
    pub category_id: i64,
    pub technician_id: Option<i64>,
    pub channel: String,
    pub score: i64,
    pub answers: i64,
}

/// The CSAT and NPS answers given in the period (with a score), counted per week and score, and the CSAT
/// ones also per group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub csat_by_week: Vec<ScoreCount>,
    pub nps_by_week: Vec<ScoreCount>,
    pub csat_by_group: Vec<GroupScore>,
}

/// One row of [`answers`]' statement: a weekly count (`part` is the kind, `week` set) or a CSAT group's
/// count (`part` is `group`, the group's columns set).
#[derive(FromRow)]
struct AnswerCount {
    part: String,
    week: Option<i64>,
    category_id: Option<i64>,
    technician_id: Option<i64>,
    channel: Option<String>,
    score: i64,
    answers: i64,
}

/// Every count of [`Answers`] from one statement: the answers are joined to their requests (and filtered)
/// once, into a materialised set that both groupings read.
pub async fn answers(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Answers> {
    let mut sql = Sql::new(&format!(
        "WITH answers AS MATERIALIZED (SELECT s.kind, s.score, {} AS week, \
         r.category_id, r.technician_id, r.channel \
         FROM surveys s JOIN service_requests r ON r.id = s.request_id \
         WHERE s.kind IN ('csat', 'nps')",
        week("s.answered_at")
    ));
    sql.push(" AND s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.push(" AND s.score IS NOT NULL", None).filter(filter);
    sql.push(
        ") SELECT kind AS part, week, NULL AS category_id, NULL AS technician_id, NULL AS channel, score, \
         COUNT(*) AS answers FROM answers GROUP BY kind, week, score \
         UNION ALL SELECT 'group', NULL, category_id, technician_id, channel, score, COUNT(*) \
         FROM answers WHERE kind = 'csat' GROUP BY category_id, technician_id, channel, score",
        None,
    );
    let mut out = Answers::default();
    for row in sql.fetch::<AnswerCount>(conn).await? {
        let AnswerCount { part, week, category_id, technician_id, channel, score, answers } = row;
        match (part.as_str(), week, category_id, channel) {
            ("csat", Some(week), ..) => out.csat_by_week.push(ScoreCount { week, score, answers }),
            ("nps", Some(week), ..) => out.nps_by_week.push(ScoreCount { week, score, answers }),
            ("group", _, Some(category_id), Some(channel)) => {
                out.csat_by_group.push(GroupScore { category_id, technician_id, channel, score, answers })
            }
            _ => {}
        }
    }
    Ok(out)
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

/// The newest `limit` CSAT comments given in the period (read newest first through `surveys_commented`, which
/// holds only the answers with a comment).
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
