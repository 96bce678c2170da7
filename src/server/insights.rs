//! The KPI dashboard's data load (one function, also what the benchmark times) and its CSV exports
//! (`GET /staff/insights/jobs.csv` and `/staff/insights/feedback.csv`, staff only).
use std::collections::HashMap;

use axum::extract::{Query as QueryParams, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

use crate::api::insights::Dashboard;
use crate::api::jobs::Choice;
use crate::domain::insights::{
    self, csat, csat_histogram, csv_line, nps, weekly, Comment, Deflection, Dimension, Group, Kpis, Period, Ratio,
    POLARISED_MIN_ANSWERS, POLARISED_SD,
};
use crate::domain::time::{day_of, format_day, iso8601};
use crate::server::db::insights::{self as db, Filter};
use crate::server::db::{requests, users, Conn, DbResult};
use crate::server::now_ms;
use crate::server::security::{request_id, Auth};
use crate::server::state::AppState;

/// How many of the newest CSAT comments the polarisation view draws from, and how many it shows per group.
const COMMENT_POOL: i64 = 500;
const COMMENTS_PER_GROUP: usize = 3;

/// The dashboard's query string, as the page's GET form sends it (the exports take the same).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Query {
    pub from: Option<String>,
    pub to: Option<String>,
    pub category: Option<String>,
    pub technician: Option<String>,
    pub channel: Option<String>,
}

/// The period and filter a query asks for; what cannot be read means "any" / the default period.
pub fn parse_query(query: &Query, now: i64) -> (Period, Filter) {
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let period = Period::parse(nonempty(&query.from).as_deref(), nonempty(&query.to).as_deref(), day_of(now));
    let filter = Filter {
        category_id: nonempty(&query.category).and_then(|c| c.parse().ok()).filter(|c| *c > 0),
        technician_id: nonempty(&query.technician).and_then(|t| {
            if t == "none" {
                Some(0)
            } else {
                t.parse().ok().filter(|t| *t > 0)
            }
        }),
        channel: nonempty(&query.channel).and_then(|c| insights::parse_channel(&c)).map(str::to_owned),
    };
    (period, filter)
}

/// The knowledge base's deflection for `[from, to)` (forms shown suggestions in the period, as counted by the
/// request form: `server::deflection`). The help centre's counts are not split by category, technician or
/// channel, so the filters do not narrow them.
async fn deflection(conn: &mut Conn, from: i64, to: i64, now: i64) -> DbResult<Option<Deflection>> {
    let c = crate::server::deflection::counts_in(conn, from, to, now).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Ok((c.sessions > 0).then(|| Deflection {
        impressions: count(c.sessions),
        clicks: count(c.clicks),
        submitted: count(c.submitted),
        deflected: count(c.deflected),
    }))
}

/// Everything the dashboard shows: KPIs for the period and filter, and the filters' choices.
pub async fn dashboard(conn: &mut Conn, filter: &Filter, period: Period, now: i64) -> DbResult<Dashboard> {
    let categories: Vec<Choice> =
        requests::all_categories(conn).await?.into_iter().map(|c| Choice { id: c.id, name: c.name }).collect();
    let technicians: Vec<Choice> =
        users::active_with_role(conn, "staff").await?.into_iter().map(|(id, name)| Choice { id, name }).collect();
    let kpis = kpis(conn, filter, period, now, &categories, &technicians).await?;
    Ok(Dashboard { period, kpis, categories, technicians })
}

/// The KPIs of one period and filter. `categories` and `technicians` name the polarisation groups.
pub async fn kpis(
    conn: &mut Conn,
    filter: &Filter,
    period: Period,
    now: i64,
    categories: &[Choice],
    technicians: &[Choice],
) -> DbResult<Kpis> {
    let (from, to) = period.bounds();
    let first_response = db::first_responses(conn, filter, from, to).await?;
    let completions = db::completions(conn, filter, from, to).await?;
    let first_time_fix = Ratio { part: completions.first_time_fixes, whole: completions.resolution.count };
    let by_week = db::requests_by_week(conn, filter, from, to, now).await?;
    let requests = by_week.iter().map(|w| w.requests as u64).sum();
    let met: u64 = by_week.iter().map(|w| w.met as u64).sum();
    let sla = Ratio { part: met, whole: met + by_week.iter().map(|w| w.breached as u64).sum::<u64>() };
    let answers = db::answers(conn, filter, from, to).await?;
    let csat_total = csat(csat_histogram(answers.csat_by_week.iter().map(|s| (s.score, s.answers as u64))));
    let nps = nps(answers.nps_by_week.iter().map(|s| (s.score, s.answers as u64)));
    let weeks = weekly(
        from,
        to,
        by_week.iter().map(|w| (w.week, w.requests as u64)),
        answers.csat_by_week.iter().map(|s| (s.week, s.score, s.answers as u64)),
    );
    let polarised = polarised_groups(conn, filter, from, to, &answers.csat_by_group, categories, technicians).await?;
    Ok(Kpis {
        requests,
        first_response,
        resolution: completions.resolution,
        first_time_fix,
        sla,
        csat: csat_total,
        nps,
        deflection: deflection(conn, from, to, now).await?,
        weeks,
        polarised,
    })
}

/// The key of a job's group along each dimension.
fn keys(category_id: i64, technician_id: Option<i64>, channel: &str) -> [(Dimension, String); 3] {
    [
        (Dimension::Category, category_id.to_string()),
        (Dimension::Technician, technician_id.map_or_else(|| "none".to_owned(), |t| t.to_string())),
        (Dimension::Channel, channel.to_owned()),
    ]
}

/// The polarised groups among the CSAT counts per group (`by_group`), each with its newest comments.
async fn polarised_groups(
    conn: &mut Conn,
    filter: &Filter,
    from: i64,
    to: i64,
    by_group: &[db::GroupScore],
    categories: &[Choice],
    technicians: &[Choice],
) -> DbResult<Vec<Group>> {
    let mut histograms: HashMap<(Dimension, String), [u64; 5]> = HashMap::new();
    for row in by_group {
        for key in keys(row.category_id, row.technician_id, &row.channel) {
            let histogram = histograms.entry(key).or_default();
            for (total, add) in histogram.iter_mut().zip(csat_histogram([(row.score, row.answers as u64)])) {
                *total += add;
            }
        }
    }
    let label = |dimension: Dimension, key: &str| {
        let named = |choices: &[Choice]| {
            choices
                .iter()
                .find(|c| c.id.to_string() == key)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| format!("#{key}"))
        };
        match dimension {
            Dimension::Category => named(categories),
            Dimension::Technician if key == "none" => String::new(),
            Dimension::Technician => named(technicians),
            Dimension::Channel => key.to_owned(),
        }
    };
    let groups = histograms
        .into_iter()
        .map(|((dimension, key), histogram)| Group {
            dimension,
            label: label(dimension, &key),
            key,
            csat: csat(histogram),
            comments: Vec::new(),
        })
        .collect();
    let mut polarised = insights::polarised(groups, POLARISED_MIN_ANSWERS, POLARISED_SD);
    if polarised.is_empty() {
        return Ok(polarised);
    }
    for comment in db::csat_comments(conn, filter, from, to, COMMENT_POOL).await? {
        for key in keys(comment.category_id, comment.technician_id, &comment.channel) {
            if let Some(group) = polarised.iter_mut().find(|g| (g.dimension, &g.key) == (key.0, &key.1)) {
                if group.comments.len() < COMMENTS_PER_GROUP {
                    group.comments.push(Comment {
                        score: comment.score,
                        text: comment.comment.clone(),
                        at: comment.answered_at,
                    });
                }
            }
        }
    }
    Ok(polarised)
}

const JOBS_HEADER: [&str; 13] = [
    "reference",
    "created_at",
    "category",
    "technician",
    "channel",
    "status",
    "first_response_at",
    "first_response_minutes",
    "sla",
    "completed_at",
    "resolution_hours",
    "revisits",
    "first_time_fix",
];

const FEEDBACK_HEADER: [&str; 8] =
    ["reference", "kind", "score", "comment", "answered_at", "category", "technician", "channel"];

/// The jobs export: one line per request created in the period.
pub async fn jobs_csv(conn: &mut Conn, filter: &Filter, period: Period, now: i64) -> DbResult<String> {
    let (from, to) = period.bounds();
    let mut out = csv_line(&JOBS_HEADER);
    let time = |at: Option<i64>| at.map(iso8601).unwrap_or_default();
    for r in db::jobs_export(conn, filter, from, to).await? {
        let sla = match insights::sla_outcome(r.created_at, r.first_response_hours, r.first_response_at, now) {
            Some(true) => "met",
            Some(false) => "breached",
            None => "pending",
        };
        let ftf = match r.completed_at {
            Some(_) if r.revisits == 0 => "yes",
            Some(_) => "no",
            None => "",
        };
        out.push_str(&csv_line(&[
            r.reference.unwrap_or_default(),
            iso8601(r.created_at),
            r.category,
            r.technician.unwrap_or_default(),
            r.channel,
            r.status,
            time(r.first_response_at),
            r.first_response_at.map(|at| format!("{:.1}", (at - r.created_at) as f64 / 60_000.0)).unwrap_or_default(),
            sla.to_owned(),
            time(r.completed_at),
            r.completed_at.map(|at| format!("{:.2}", (at - r.created_at) as f64 / 3_600_000.0)).unwrap_or_default(),
            r.revisits.to_string(),
            ftf.to_owned(),
        ]));
    }
    Ok(out)
}

/// The feedback export: one line per survey answer given in the period.
pub async fn feedback_csv(conn: &mut Conn, filter: &Filter, period: Period) -> DbResult<String> {
    let (from, to) = period.bounds();
    let mut out = csv_line(&FEEDBACK_HEADER);
    for r in db::feedback_export(conn, filter, from, to).await? {
        out.push_str(&csv_line(&[
            r.reference.unwrap_or_default(),
            r.kind,
            r.score.map(|s| s.to_string()).unwrap_or_default(),
            r.comment.unwrap_or_default(),
            iso8601(r.answered_at),
            r.category,
            r.technician.unwrap_or_default(),
            r.channel,
        ]));
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Export {
    Jobs,
    Feedback,
}

pub async fn jobs_handler(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    QueryParams(query): QueryParams<Query>,
    headers: HeaderMap,
) -> Response {
    export(&state, &auth, &query, &headers, Export::Jobs).await
}

pub async fn feedback_handler(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    QueryParams(query): QueryParams<Query>,
    headers: HeaderMap,
) -> Response {
    export(&state, &auth, &query, &headers, Export::Feedback).await
}

/// Staff and admins only: anyone else (signed out included) gets 403.
async fn export(state: &AppState, auth: &Auth, query: &Query, headers: &HeaderMap, which: Export) -> Response {
    if !auth.user.as_ref().is_some_and(|u| u.is_staff()) {
        return (StatusCode::FORBIDDEN, [(header::CACHE_CONTROL, "no-store")], "forbidden").into_response();
    }
    let now = now_ms();
    let (period, filter) = parse_query(query, now);
    let body = async {
        let mut conn = state.db.acquire().await?;
        match which {
            Export::Jobs => jobs_csv(&mut conn, &filter, period, now).await,
            Export::Feedback => feedback_csv(&mut conn, &filter, period).await,
        }
    };
    let body = match body.await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(request_id = %request_id(headers), %error, "insights export failed");
            let status = if crate::server::db::is_unavailable(&error) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            return status.into_response();
        }
    };
    let name = match which {
        Export::Jobs => "jobs",
        Export::Feedback => "feedback",
    };
    let disposition =
        format!("attachment; filename=\"{name}-{}-{}.csv\"", format_day(period.from_day), format_day(period.to_day));
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
