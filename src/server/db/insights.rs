//! What the KPI dashboard and its CSV exports read: for a period `[from, to)` (epoch ms) and optional
//! filters. Requests are counted per week in SQL; the durations to rank and the survey answers to count come
//! back as one joined text per statement ([`Records`]), ranked and counted here (`domain::insights` does the
//! arithmetic), so a page load decodes a handful of rows whatever the period holds.
use sqlx::FromRow;

use std::collections::BTreeMap;

use super::{Backend, Conn, DbResult};
use crate::domain::insights::{durations, week_of, Durations, WEEK_MS};
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

/// `service_requests r` read through the covering index `index` on SQLite. With the STAT4 statistics that
/// sqlx's bundled SQLite gathers, its planner otherwise reads a `created_at` range by skip-scanning
/// `service_requests_status (status, created_at)` and then visits every request row of the period: ~35 ms
/// instead of ~3 for a 90-day period of 12,000 requests. (PostgreSQL's planner has no such trouble.)
fn requests_through(conn: &Conn, index: &str) -> String {
    match Backend::of(conn) {
        Backend::Sqlite => format!("service_requests r INDEXED BY {index}"),
        Backend::Postgres => "service_requests r".to_owned(),
    }
}

/// The week number of a timestamp column in SQL, as `domain::insights::week_of` (Monday-based; integer
/// division of BIGINTs truncates on both backends, and the values are positive).
fn week(column: &str) -> String {
    format!("(({column} + {}) / {WEEK_MS})", 3 * DAY_MS)
}

/// What separates the records of [`Records`]: no column it joins holds it.
const RECORD_SEPARATOR: &str = "\u{1e}";

/// One statement's rows joined into one text by `string_agg` (SQLite since 3.44, and PostgreSQL): SQLite
/// sorts rows one by one for a window or a GROUP BY and hands each row over to sqlx separately, which made
/// ranking or grouping the ~12,000 rows of a 90-day period most of the dashboard's time. An aggregate that
/// joins them costs a fraction of that, and the values are ranked and counted in Rust.
#[derive(FromRow)]
struct Records {
    records: Option<String>,
}

impl Records {
    fn split(&self) -> impl Iterator<Item = &str> {
        self.records.as_deref().unwrap_or_default().split(RECORD_SEPARATOR).filter(|r| !r.is_empty())
    }
}

/// `string_agg` of a TEXT expression, as the column `records`; its separator is bound as the next parameter.
fn records(sql: &mut Sql, text: &str) {
    sql.push(&format!("SELECT string_agg({text}, ?) AS records"), Some(Arg::Text(RECORD_SEPARATOR.to_owned())));
}

/// A record that does not parse: the statement and the parser disagree.
fn malformed(record: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("malformed insights record {record:?}").into())
}

fn int(field: &str) -> DbResult<i64> {
    field.parse().map_err(|_| malformed(field))
}

/// Median and p90 of the durations `records` holds, one integer per record.
fn ranked(records: &Records) -> DbResult<Durations> {
    Ok(durations(records.split().map(int).collect::<DbResult<_>>()?))
}

/// Median and p90 of the time to first response (ms) of the requests created in the period that have had
/// one.
pub async fn first_responses(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Durations> {
    let mut sql = Sql::new("");
    records(&mut sql, "CAST(r.first_response_at - r.created_at AS TEXT)");
    let requests = requests_through(conn, "service_requests_created_kpis");
    sql.push(&format!(" FROM {requests} WHERE r.created_at >= ?"), Some(Arg::Int(from)));
    sql.push(" AND r.created_at < ?", Some(Arg::Int(to))).push(" AND r.first_response_at IS NOT NULL", None);
    sql.filter(filter);
    match sql.fetch::<Records>(conn).await?.pop() {
        Some(row) => ranked(&row),
        None => Ok(Durations::default()),
    }
}

/// The jobs first completed in the period: median and p90 of their time to resolution (ms), and how many
/// of them were never revisited (first-time fixes; `resolution.count` is all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Completions {
    pub resolution: Durations,
    pub first_time_fixes: u64,
}

#[derive(FromRow)]
struct CompletionRecords {
    #[sqlx(flatten)]
    records: Records,
    first_time_fixes: i64,
}

pub async fn completions(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Completions> {
    let mut sql = Sql::new("");
    records(&mut sql, "CAST(r.completed_at - r.created_at AS TEXT)");
    let requests = requests_through(conn, "service_requests_completed_kpis");
    sql.push(&format!(", COUNT(CASE WHEN r.revisits = 0 THEN 1 END) AS first_time_fixes FROM {requests}"), None);
    sql.push(" WHERE r.completed_at >= ?", Some(Arg::Int(from))).push(" AND r.completed_at < ?", Some(Arg::Int(to)));
    sql.filter(filter);
    match sql.fetch::<CompletionRecords>(conn).await?.pop() {
        Some(row) => Ok(Completions {
            resolution: ranked(&row.records)?,
            first_time_fixes: u64::try_from(row.first_time_fixes).unwrap_or_default(),
        }),
        None => Ok(Completions::default()),
    }
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
    let requests = requests_through(conn, "service_requests_created_kpis");
    sql.push(&format!("FROM {requests} CROSS JOIN categories c WHERE c.id = r.category_id"), None);
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

/// Every count of [`Answers`] from one statement: each answer (joined to its request and filtered) is one
/// record `kind answered_at score category technician channel` (`-` for no technician; the channel last, as
/// it is text), counted here per week and score and per group.
pub async fn answers(conn: &mut Conn, filter: &Filter, from: i64, to: i64) -> DbResult<Answers> {
    let mut sql = Sql::new("");
    records(
        &mut sql,
        "s.kind || ' ' || CAST(s.answered_at AS TEXT) || ' ' || CAST(s.score AS TEXT) || ' ' || \
         CAST(r.category_id AS TEXT) || ' ' || COALESCE(CAST(r.technician_id AS TEXT), '-') || ' ' || r.channel",
    );
    sql.push(" FROM surveys s JOIN service_requests r ON r.id = s.request_id WHERE s.kind IN ('csat', 'nps')", None);
    sql.push(" AND s.answered_at >= ?", Some(Arg::Int(from))).push(" AND s.answered_at < ?", Some(Arg::Int(to)));
    sql.push(" AND s.score IS NOT NULL", None).filter(filter);
    let Some(row) = sql.fetch::<Records>(conn).await?.pop() else {
        return Ok(Answers::default());
    };
    let mut csat_by_week: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut nps_by_week: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut by_group: BTreeMap<(i64, Option<i64>, &str, i64), i64> = BTreeMap::new();
    for record in row.split() {
        let mut fields = record.splitn(6, ' ');
        let mut next = || fields.next().ok_or_else(|| malformed(record));
        let (kind, answered_at, score, category_id, technician, channel) =
            (next()?, int(next()?)?, int(next()?)?, int(next()?)?, next()?, next()?);
        let week = week_of(answered_at);
        match kind {
            "csat" => {
                *csat_by_week.entry((week, score)).or_default() += 1;
                let technician_id = if technician == "-" { None } else { Some(int(technician)?) };
                *by_group.entry((category_id, technician_id, channel, score)).or_default() += 1;
            }
            "nps" => *nps_by_week.entry((week, score)).or_default() += 1,
            _ => return Err(malformed(record)),
        }
    }
    let weekly = |counts: BTreeMap<(i64, i64), i64>| {
        counts.into_iter().map(|((week, score), answers)| ScoreCount { week, score, answers }).collect()
    };
    Ok(Answers {
        csat_by_week: weekly(csat_by_week),
        nps_by_week: weekly(nps_by_week),
        csat_by_group: by_group
            .into_iter()
            .map(|((category_id, technician_id, channel, score), answers)| GroupScore {
                category_id,
                technician_id,
                channel: channel.to_owned(),
                score,
                answers,
            })
            .collect(),
    })
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
