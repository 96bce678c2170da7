//! The KPI dashboard's data load (`server::insights::dashboard`: every query the page makes) on a large
//! database: 100,000 jobs over two years and 200,000 survey rows, on SQLite and PostgreSQL, for a 90-day
//! period without a filter and with each filter. Prints p50/p95 per backend and filter as Markdown.
//!
//! A benchmark, not a test: `cargo bench --features ssr --bench insights` (PostgreSQL from
//! TEST_DATABASE_URL, as the tests; `make bench` provides one). Knobs: BENCH_JOBS (100000), BENCH_RUNS (30
//! timed runs per cell after 3 untimed), BENCH_BACKENDS ("sqlite,postgres"); BENCH_BREAKDOWN=1 also prints the
//! median of each statement of an unfiltered load to stderr.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use portal::domain::insights::Period;
use portal::domain::time::{day_of, DAY_MS};
use portal::server::db::insights::Filter;
use portal::server::db::{Backend, Db};
use portal::server::insights::dashboard;
use portal::server::now_ms;

const H: i64 = 3_600_000;
const TECHNICIANS: i64 = 20;
const ROWS_PER_INSERT: usize = 500;
/// The goal: the whole page's data in at most this long at p95.
const GOAL_MS: f64 = 200.0;

/// A small deterministic generator (xorshift64*), so every run builds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Runs `rows` as multi-row INSERTs of `ROWS_PER_INSERT` (the values are numbers and fixed words, written
/// into the statement) inside one transaction.
async fn insert_batches(db: &Db, head: &str, rows: &[String]) {
    let mut tx = db.begin().await.unwrap();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!("{head} VALUES {}", chunk.join(", "));
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `jobs` requests created uniformly over the two years before `now` and two survey rows per job on
/// average (every job a CSAT row, half a fix-held, a quarter NPS, a quarter salience; 80 % answered).
async fn generate(db: &Db, jobs: usize, now: i64) -> (usize, usize) {
    let users: Vec<String> =
        (1..=TECHNICIANS).map(|t| format!("('tech{t}@bench.example', 'Tech {t}', 'staff', {now}, {now})")).collect();
    insert_batches(db, "INSERT INTO users (email, display_name, roles, created_at, updated_at)", &users).await;
    let first_user: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(db.pool()).await.unwrap();

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let span = 730 * DAY_MS;
    let mut requests = Vec::with_capacity(jobs);
    let mut surveys = Vec::with_capacity(jobs * 2);
    for i in 0..jobs {
        let id = i + 1;
        let created = now - span + (rng.below(span as u64) as i64);
        let category = 1 + rng.below(5);
        let technician = if rng.chance(5) {
            "NULL".to_owned()
        } else {
            (first_user + rng.below(TECHNICIANS as u64) as i64).to_string()
        };
        let channel = match rng.below(10) {
            0..=6 => "web",
            7..=8 => "phone",
            _ => "email",
        };
        let first_response = created + (rng.below(12 * H as u64) as i64);
        let first_response =
            if rng.chance(95) && first_response < now { first_response.to_string() } else { "NULL".to_owned() };
        let completed = created + H + (rng.below(120 * H as u64) as i64);
        let (status, completed) = if rng.chance(85) && completed < now {
            ("completed", completed.to_string())
        } else {
            ("scheduled", "NULL".to_owned())
        };
        let revisits = u64::from(rng.chance(10));
        requests.push(format!(
            "({id}, 'B-{id}', 'bench-{id}', 'Bench Customer', 'c{id}@bench.example', 'Street {id}', {category}, \
             'Bench job', 'Generated', '{status}', 1, {created}, {created}, {technician}, '{channel}', \
             {first_response}, {completed}, {revisits})"
        ));
        let mut kinds = vec!["csat"];
        if i % 2 == 0 {
            kinds.push("fix_held");
        }
        kinds.push(if i % 4 == 1 {
            "nps"
        } else if i % 4 == 3 {
            "salience"
        } else {
            ""
        });
        for kind in kinds.into_iter().filter(|k| !k.is_empty()) {
            let asked = created + 2 * H;
            let answered = asked + (rng.below(14 * DAY_MS as u64) as i64);
            let answered_ok = rng.chance(80) && answered < now;
            let score = match kind {
                // Some technicians split opinions, the rest are steadier.
                "csat" if technician.ends_with('3') => [1, 5][rng.below(2) as usize].to_string(),
                "csat" => (3 + rng.below(3)).to_string(),
                "fix_held" => u64::from(rng.chance(90)).to_string(),
                "nps" => rng.below(11).to_string(),
                _ => "NULL".to_owned(),
            };
            let comment = if kind == "salience" || rng.chance(30) { "'Generated comment'" } else { "NULL" };
            let (answered, score, comment) = if answered_ok {
                (answered.to_string(), score, comment)
            } else {
                ("NULL".to_owned(), "NULL".to_owned(), "NULL")
            };
            let n = surveys.len();
            surveys.push(format!(
                "({id}, '{kind}', 'c{id}@bench.example', 'bench-token-{n}', {asked}, {}, {answered}, {score}, {comment})",
                asked + 30 * DAY_MS
            ));
        }
    }
    insert_batches(
        db,
        "INSERT INTO service_requests (id, reference, idempotency_key, name, email, address, category_id, summary, \
         description, status, version, created_at, updated_at, technician_id, channel, first_response_at, \
         completed_at, revisits)",
        &requests,
    )
    .await;
    insert_batches(
        db,
        "INSERT INTO surveys (request_id, kind, email, token_hash, created_at, expires_at, answered_at, score, comment)",
        &surveys,
    )
    .await;
    if db.backend() == Backend::Postgres {
        // The explicit ids above bypassed the identity sequence; and fresh statistics, as autovacuum would.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('service_requests', 'id'), (SELECT MAX(id) FROM service_requests))",
        )
        .execute(db.pool())
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    } else {
        sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();
    }
    (requests.len(), surveys.len())
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), to print beside the numbers: on a shared machine
/// they say how much the timings can be trusted.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

async fn time_cell(db: &Db, filter: &Filter, period: Period, now: i64, runs: usize) -> (f64, f64, u64) {
    let mut conn = db.acquire().await.unwrap();
    let mut requests = 0;
    for _ in 0..3 {
        requests = dashboard(&mut conn, filter, period, now).await.unwrap().kpis.requests;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let d = dashboard(&mut conn, filter, period, now).await.unwrap();
        samples.push(start.elapsed());
        assert_eq!(d.kpis.requests, requests);
    }
    samples.sort();
    (quantile(&samples, 0.5), quantile(&samples, 0.95), requests)
}

/// The median time of each of the dashboard's statements, unfiltered (the load's parts, for finding its cost).
async fn breakdown(db: &Db, period: Period, now: i64, runs: usize) {
    use portal::server::db::{insights as q, requests, users};
    let mut conn = db.acquire().await.unwrap();
    let (from, to) = period.bounds();
    let f = Filter::default();
    let mut parts: Vec<(&str, Vec<Duration>)> = Vec::new();
    for run in 0..runs + 3 {
        let mut times = Vec::new();
        let mut lap = Instant::now();
        let mut mark = |name: &'static str, times: &mut Vec<(&'static str, Duration)>| {
            times.push((name, lap.elapsed()));
            lap = Instant::now();
        };
        requests::all_categories(&mut conn).await.unwrap();
        mark("categories", &mut times);
        users::active_with_role(&mut conn, "staff").await.unwrap();
        mark("technicians", &mut times);
        q::first_responses(&mut conn, &f, from, to).await.unwrap();
        mark("first_responses", &mut times);
        q::completions(&mut conn, &f, from, to).await.unwrap();
        mark("completions", &mut times);
        q::requests_by_week(&mut conn, &f, from, to, now).await.unwrap();
        mark("requests_by_week", &mut times);
        q::answers(&mut conn, &f, from, to).await.unwrap();
        mark("answers", &mut times);
        q::csat_comments(&mut conn, &f, from, to, 500).await.unwrap();
        mark("csat_comments", &mut times);
        portal::server::deflection::counts_in(&mut conn, from, to, now).await.unwrap();
        mark("deflection", &mut times);
        if run >= 3 {
            for (i, (name, elapsed)) in times.into_iter().enumerate() {
                if parts.len() <= i {
                    parts.push((name, Vec::new()));
                }
                parts[i].1.push(elapsed);
            }
        }
    }
    for (name, mut samples) in parts {
        samples.sort();
        eprintln!("[breakdown] {name}: median {:.2} ms", quantile(&samples, 0.5));
    }
}

async fn run() {
    let jobs: usize = std::env::var("BENCH_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let now = now_ms();
    let period = Period { from_day: day_of(now) - 89, to_day: day_of(now) };
    let mut rows = Vec::new();
    let mut loads = Vec::new();
    let mut sizes = String::new();
    for backend in backends.split(',').map(str::trim) {
        let (name, test_db) = match backend {
            "sqlite" => ("SQLite", common::TestDb::sqlite().await),
            "postgres" => ("PostgreSQL", common::TestDb::postgres().await),
            other => panic!("unknown backend {other:?}"),
        };
        let db = test_db.db.clone();
        eprintln!("[bench] {name}: generating {jobs} jobs …");
        let started = Instant::now();
        let (n_jobs, n_surveys) = generate(&db, jobs, now).await;
        eprintln!("[bench] {name}: {n_jobs} jobs, {n_surveys} survey rows in {:.1} s", started.elapsed().as_secs_f64());
        sizes = format!("{n_jobs} jobs and {n_surveys} survey rows over two years");
        let technician: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(db.pool()).await.unwrap();
        let cells = [
            ("no filter", Filter::default()),
            ("category", Filter { category_id: Some(2), ..Filter::default() }),
            ("technician", Filter { technician_id: Some(technician), ..Filter::default() }),
            ("channel", Filter { channel: Some("phone".into()), ..Filter::default() }),
            (
                "all three",
                Filter { category_id: Some(2), technician_id: Some(technician), channel: Some("web".into()) },
            ),
        ];
        if std::env::var("BENCH_BREAKDOWN").is_ok_and(|v| v == "1") {
            breakdown(&db, period, now, runs).await;
        }
        let load_before = load_average();
        for (label, filter) in cells {
            let (p50, p95, requests) = time_cell(&db, &filter, period, now, runs).await;
            let goal = if p95 <= GOAL_MS { "yes" } else { "no" };
            rows.push(format!("| {name} | {label} | {requests} | {p50:.1} | {p95:.1} | {goal} |"));
            eprintln!("{}", rows.last().unwrap());
        }
        loads.push(format!("{name} {load_before} → {}", load_average()));
        eprintln!("[bench] {name}: load average {}", loads.last().unwrap());
        test_db.cleanup().await;
    }
    println!("\n### Insights dashboard\n");
    println!("- {sizes}; a 90-day period; {runs} timed loads per cell after 3 untimed, one connection");
    println!("- one load = every query of `/staff/insights` (`server::insights::dashboard`)");
    println!("- load average (1, 5, 15 min) before → after the timed cells: {}\n", loads.join("; "));
    println!("| backend | filter | requests in period | p50 ms | p95 ms | p95 ≤ {GOAL_MS:.0} ms |");
    println!("|---|---|---:|---:|---:|---|");
    for row in rows {
        println!("{row}");
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime").block_on(run());
}
