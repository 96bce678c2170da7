//! Durable submissions: requests per second and p50/p99 latency of filing service requests, one transaction
//! per submission (`requests::submit`, the baseline) against the group-commit writer
//! (`submissions::SubmissionWriter`), on SQLite (a file, the app's own pool: WAL, `synchronous=FULL`) and on
//! PostgreSQL (a fresh database, created and dropped here), at 1, 16 and 64 concurrent clients.
//!
//! A benchmark, not a test: `cargo bench --features ssr --bench submissions` (PostgreSQL from
//! TEST_DATABASE_URL, as the tests; `make bench` provides one). Each cell runs on a fresh database: a short
//! untimed warm-up, then BENCH_SECS seconds (default 5) of closed-loop clients, each submitting again as soon as
//! it has its answer. Every submission is checked to have been filed. Other knobs: BENCH_CLIENTS ("1,16,64"),
//! BENCH_BACKENDS ("sqlite,postgres").
#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use portal::domain::request::RequestInput;
use portal::i18n::Locale;
use portal::server::config::Config;
use portal::server::db::{Backend, Db};
use portal::server::events::EventBus;
use portal::server::now_ms;
use portal::server::requests::{submit, SubmitError};
use portal::server::submissions::{Filing, SubmissionWriter};

const WARM_UP: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// One transaction per submission: `submit` as the app had it.
    Baseline,
    /// The group-commit writer.
    GroupCommit,
}

struct Stats {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn input(i: usize) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: "ana@example.com".into(),
        phone: "+48 600 100 200".into(),
        address: "ul. Długa 5, 31-147 Kraków".into(),
        category: "1".into(),
        summary: format!("Leaking sink number {i}"),
        description: "Water drips under the kitchen sink whenever the dishwasher runs.".into(),
        windows: vec![portal::domain::schedule::WindowInput {
            day: portal::domain::time::format_day(portal::domain::time::day_of(portal::server::now_ms()) + 1),
            part: "morning".into(),
        }],
    }
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `q` quantile of sorted samples (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

async fn one_submission(
    path: Path,
    db: &Db,
    bus: &EventBus,
    config: &Config,
    writer: Option<&SubmissionWriter>,
    input: RequestInput,
    key: String,
) -> Result<(), SubmitError> {
    match path {
        Path::Baseline => submit(db, bus, config, &input, &key, None, Locale::en, now_ms()).await.map(|_| ()),
        // What the request form's server function sends (`photos::submit::submit_with_photos`).
        Path::GroupCommit => {
            let filing = Filing {
                input,
                idempotency_key: key,
                photos: Vec::new(),
                customer: None,
                locale: Locale::en,
                now: now_ms(),
            };
            writer.expect("a writer for the group-commit path").file(filing).await.map(|_| ())
        }
    }
}

async fn run_cell(backend: Backend, clients: usize, path: Path, measured: Duration) -> Stats {
    let test_db = match backend {
        Backend::Sqlite => common::TestDb::sqlite().await,
        Backend::Postgres => common::TestDb::postgres().await,
    };
    let db = test_db.db.clone();
    let bus = EventBus::new(backend);
    // Delivery runs as in the server: every commit wakes it and it reads the new events from the log.
    let delivery = tokio::spawn(bus.clone().run(db.clone()));
    let config = Arc::new(common::test_config(&test_db.url, "127.0.0.1:3000".parse().unwrap()));
    let writer = (path == Path::GroupCommit).then(|| SubmissionWriter::spawn(db.clone(), bus.clone(), config.clone()));
    let tag = match path {
        Path::Baseline => "b",
        Path::GroupCommit => "g",
    };

    let start = Instant::now();
    let measure_from = start + WARM_UP;
    let end = measure_from + measured;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (db, bus, config, writer) = (db.clone(), bus.clone(), config.clone(), writer.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let (mut ok, mut errors, mut first_error, mut last_done) = (0usize, 0usize, None, start);
                for i in 0.. {
                    let began = Instant::now();
                    if began >= end {
                        break;
                    }
                    let key = format!("bench-{tag}-{client:03}-{i:010}");
                    let result = one_submission(path, &db, &bus, &config, writer.as_ref(), input(i), key).await;
                    let done = Instant::now();
                    match result {
                        Ok(()) => {
                            ok += 1;
                            if began >= measure_from {
                                latencies.push(done - began);
                                last_done = done;
                            }
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert_with(|| format!("{e:?}"));
                        }
                    }
                }
                (latencies, ok, errors, first_error, last_done)
            })
        })
        .collect();

    let mut latencies = Vec::new();
    let (mut ok, mut errors, mut first_error, mut last_done) = (0, 0, None, measure_from);
    for task in tasks {
        let (l, o, e, f, d) = task.await.expect("a client task");
        latencies.extend(l);
        ok += o;
        errors += e;
        first_error = first_error.or(f);
        last_done = last_done.max(d);
    }
    latencies.sort();
    // Submissions begun in the window, up to the last answer: the throughput of what was filed.
    let window = (last_done - measure_from).as_secs_f64();

    // Nothing reported as filed may be missing.
    let filed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM service_requests").fetch_one(db.pool()).await.expect("count");
    assert_eq!(filed as usize, ok, "every successful submission was filed, and nothing else");

    delivery.abort();
    drop(writer);
    test_db.cleanup().await;
    Stats {
        ok,
        errors,
        first_error,
        per_sec: latencies.len() as f64 / window,
        p50_ms: quantile(&latencies, 0.50),
        p99_ms: quantile(&latencies, 0.99),
    }
}

/// The durability settings of the PostgreSQL server the bench runs against, for the report.
async fn pg_durability() -> String {
    use sqlx::Connection;
    let url = common::pg_admin_url();
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} (set TEST_DATABASE_URL, or BENCH_BACKENDS=sqlite): {e}"));
    let mut settings = Vec::new();
    for name in ["fsync", "synchronous_commit", "server_version"] {
        let value: String = sqlx::query_scalar(&format!("SHOW {name}")).fetch_one(&mut conn).await.unwrap();
        settings.push(format!("{name}={value}"));
    }
    let _ = conn.close().await;
    settings.join(", ")
}

fn ms(v: f64) -> String {
    format!("{v:.1}")
}

async fn run() {
    let secs: f64 = std::env::var("BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let measured = Duration::from_secs_f64(secs);
    let clients: Vec<usize> =
        env_list("BENCH_CLIENTS", "1,16,64").iter().map(|c| c.parse().expect("a number")).collect();
    let backends: Vec<Backend> = env_list("BENCH_BACKENDS", "sqlite,postgres")
        .iter()
        .map(|b| match b.as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("unknown backend {other:?}"),
        })
        .collect();

    let mut notes = vec![format!(
        "closed-loop clients, {secs} s measured per cell after a {} ms warm-up, fresh database per cell; \
         group commit: at most {} submissions per transaction",
        WARM_UP.as_millis(),
        portal::server::submissions::MAX_BATCH
    )];
    notes.push("SQLite: file in a temp dir, WAL, synchronous=FULL, the app's pool (8 connections)".into());
    if backends.contains(&Backend::Postgres) {
        notes.push(format!("PostgreSQL: {}, the app's pool (16 connections)", pg_durability().await));
    }

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for &backend in &backends {
        for &c in &clients {
            let name = match backend {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            };
            eprintln!("[bench] {name}, {c} clients: baseline …");
            let base = run_cell(backend, c, Path::Baseline, measured).await;
            eprintln!("[bench] {name}, {c} clients: group commit …");
            let group = run_cell(backend, c, Path::GroupCommit, measured).await;
            for (label, s) in [("baseline", &base), ("group commit", &group)] {
                if s.errors > 0 {
                    errors.push(format!(
                        "{name}, {c} clients, {label}: {} of {} failed, first: {}",
                        s.errors,
                        s.errors + s.ok,
                        s.first_error.as_deref().unwrap_or("?")
                    ));
                }
            }
            let ratio = group.per_sec / base.per_sec;
            let goal = if ratio >= 3.0 && group.p99_ms <= 50.0 { "yes" } else { "no" };
            rows.push(format!(
                "| {name} | {c} | {:.0} | {} | {} | {:.0} | {} | {} | {ratio:.1}× | {goal} |",
                base.per_sec,
                ms(base.p50_ms),
                ms(base.p99_ms),
                group.per_sec,
                ms(group.p50_ms),
                ms(group.p99_ms),
            ));
            eprintln!("{}", rows.last().unwrap());
        }
    }

    println!("\n### Durable submissions\n");
    for note in &notes {
        println!("- {note}");
    }
    println!();
    println!(
        "| backend | clients | baseline req/s | baseline p50 ms | baseline p99 ms | group commit req/s | \
         group p50 ms | group p99 ms | speed-up | ≥3× and p99 ≤ 50 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        println!("{row}");
    }
    if errors.is_empty() {
        println!("\nNo submission failed.");
    } else {
        println!("\nFailed submissions (counted in neither req/s nor latency):");
        for e in &errors {
            println!("- {e}");
        }
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime").block_on(run());
}
