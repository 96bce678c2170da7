//! Help-centre search latency on a generated corpus: p50/p95/p99 of `server::kb::search` (the search page,
//! every word required, the last one a prefix, highlighted title and snippet, zero-result logging) and of
//! `server::deflection::suggest` (the request form's suggestions: any word, each a prefix, impressions
//! logged), on SQLite (a file, the app's own pool) and PostgreSQL (a fresh database, created and dropped
//! here). Goal: p95 ≤ 10 ms at 10,000 articles.
//!
//! A benchmark, not a test: `cargo bench --features ssr --bench kb_search` (PostgreSQL from
//! TEST_DATABASE_URL, as the tests; `make bench` provides one). One client, one query after the other, after
//! an untimed pass over every query. Knobs: BENCH_ARTICLES (10000), BENCH_QUERIES (300 of each kind),
//! BENCH_BACKENDS ("sqlite,postgres"); BENCH_SLOWEST=n prints each kind's n slowest queries to stderr, and
//! BENCH_KEEP=1 keeps the PostgreSQL database (its URL is printed) for EXPLAIN ANALYZE.
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use portal::domain::kb::ArticleStatus;
use portal::server::db::{kb, Backend, Db};
use portal::server::markdown::plain_text;
use portal::server::{deflection, now_ms};

/// Words of the trade, most common first: article text draws from them with a Zipf-like skew, so common
/// words are in thousands of articles and rare ones in a handful, as in a real help centre.
const VOCABULARY: &[&str] = &[
    "water",
    "heating",
    "boiler",
    "radiator",
    "pressure",
    "valve",
    "leak",
    "pipe",
    "tap",
    "drain",
    "sink",
    "toilet",
    "shower",
    "bath",
    "kitchen",
    "bathroom",
    "thermostat",
    "temperature",
    "cold",
    "hot",
    "warm",
    "noise",
    "knocking",
    "dripping",
    "blocked",
    "flush",
    "cistern",
    "washer",
    "seal",
    "filter",
    "pump",
    "tank",
    "gas",
    "smell",
    "meter",
    "fuse",
    "socket",
    "switch",
    "light",
    "circuit",
    "breaker",
    "wiring",
    "appliance",
    "dishwasher",
    "washing",
    "machine",
    "fridge",
    "freezer",
    "oven",
    "hob",
    "extractor",
    "fan",
    "vent",
    "condensation",
    "mould",
    "damp",
    "window",
    "door",
    "lock",
    "hinge",
    "roof",
    "gutter",
    "tile",
    "grout",
    "silicone",
    "sealant",
    "floor",
    "ceiling",
    "wall",
    "plaster",
    "paint",
    "insulation",
    "loft",
    "cellar",
    "garden",
    "hose",
    "outdoor",
    "frost",
    "frozen",
    "thaw",
    "winter",
    "summer",
    "service",
    "annual",
    "check",
    "inspection",
    "certificate",
    "safety",
    "warranty",
    "invoice",
    "payment",
    "visit",
    "technician",
    "engineer",
    "appointment",
    "reschedule",
    "cancel",
    "estimate",
    "quote",
    "parts",
    "replacement",
    "repair",
    "install",
    "installation",
    "upgrade",
    "energy",
    "efficiency",
    "bill",
    "tariff",
    "solar",
    "panel",
    "battery",
    "inverter",
    "charger",
    "heat",
    "underfloor",
    "manifold",
    "zone",
    "timer",
    "schedule",
    "programme",
    "display",
    "error",
    "code",
    "reset",
    "restart",
    "pilot",
    "ignition",
    "flame",
    "burner",
    "flue",
    "condensate",
    "trap",
    "overflow",
    "expansion",
    "vessel",
    "loop",
    "filling",
    "bleed",
    "key",
    "air",
    "lockshield",
    "spanner",
    "wrench",
    "screwdriver",
    "bucket",
    "towel",
    "isolate",
    "stopcock",
    "mains",
    "supply",
    "limescale",
    "descale",
    "softener",
    "hardness",
    "pressure-relief",
    "discharge",
    "immersion",
    "cylinder",
    "combi",
    "system",
    "regular",
    "unvented",
    "vented",
    "showerhead",
    "mixer",
    "cartridge",
    "aerator",
    "spout",
];
/// Filler that every text has (the search drops common words from queries; the index keeps them).
const FILLER: &[&str] = &["the", "a", "and", "to", "of", "your", "if", "it", "is", "with", "for", "on", "this"];

/// A small deterministic generator (xorshift64*): the same corpus on every run and backend.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A vocabulary index skewed to the front (roughly Zipf: index ~ n^u).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }

    fn word(&mut self) -> &'static str {
        VOCABULARY[self.skewed(VOCABULARY.len())]
    }
}

/// An article: a 3-6 word title, then 3-6 paragraphs of 25-40 words (about 150 words), some under headings.
fn article(rng: &mut Rng, n: usize) -> (String, String) {
    let title_words: Vec<&str> = (0..3 + rng.below(4)).map(|_| rng.word()).collect();
    let mut title = title_words.join(" ");
    title[..1].make_ascii_uppercase();
    let mut body = String::new();
    for p in 0..3 + rng.below(4) {
        if p > 0 && rng.below(2) == 0 {
            body.push_str(&format!("## {} {}\n\n", rng.word(), rng.word()));
        }
        let words: Vec<&str> = (0..25 + rng.below(16))
            .map(|_| if rng.below(3) == 0 { FILLER[rng.below(FILLER.len())] } else { rng.word() })
            .collect();
        body.push_str(&words.join(" "));
        body.push_str(&format!(". Reference {n}.\n\n"));
    }
    (title, body)
}

async fn generate(db: &Db, articles: usize) -> Duration {
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tx = db.begin().await.expect("a transaction");
    let mut categories = Vec::new();
    for c in 0..5 {
        let id = kb::insert_category(&mut tx, &format!("topic-{c}"), c, 0).await.expect("a category");
        kb::set_category_name(&mut tx, id, "en", &format!("Topic {c}"), None).await.expect("its name");
        categories.push(id);
    }
    for n in 0..articles {
        let (title, body) = article(&mut rng, n);
        // One in ten is a draft or archived: search must skip them, as in a real help centre.
        let status = match n % 10 {
            0 => ArticleStatus::Draft,
            5 => ArticleStatus::Archived,
            _ => ArticleStatus::Published,
        };
        let slug = format!("article-{n}");
        let new = kb::NewArticle { slug: &slug, category_id: categories[n % 5], status, author_id: None };
        let id = kb::insert_article(&mut tx, &new, 0).await.expect("an article");
        let body_text = plain_text(&body);
        let text = kb::TranslationText { locale: "en", title: &title, body_md: &body, body_text: &body_text };
        kb::save_translation(&mut tx, id, &text, status, None, 0).await.expect("its text");
    }
    tx.commit().await.expect("commit");
    // Fresh planner statistics, as autovacuum / `PRAGMA optimize` would have after a while.
    sqlx::query("ANALYZE").execute(db.pool()).await.expect("analyze");
    started.elapsed()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The search page: one to three whole words, the last one sometimes cut short (typed as a prefix).
    Search,
    /// Words that are in no article: the zero-result path (search, find nothing, log it).
    Miss,
    /// The request form: a summary and the start of a description (any word matches).
    Suggest,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Search => "search (1-3 words, prefix)",
            Kind::Miss => "search, no result (logged)",
            Kind::Suggest => "suggestions (any word)",
        }
    }
}

fn queries(kind: Kind, count: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ kind as u64);
    (0..count)
        .map(|i| match kind {
            Kind::Search => {
                let mut words: Vec<String> = (0..1 + rng.below(3)).map(|_| rng.word().to_owned()).collect();
                if rng.below(2) == 0 {
                    let last = words.last_mut().unwrap();
                    let keep = 3.max(last.len() * 2 / 3).min(last.len());
                    last.truncate(keep);
                }
                (words.join(" "), String::new())
            }
            Kind::Miss => (format!("zyxq{i} wombat{}", i % 7), String::new()),
            Kind::Suggest => {
                let summary: Vec<&str> = (0..3 + rng.below(3)).map(|_| rng.word()).collect();
                let description: Vec<&str> = (0..8 + rng.below(8)).map(|_| rng.word()).collect();
                (format!("My {}", summary.join(" ")), description.join(" the "))
            }
        })
        .collect()
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

async fn one(db: &Db, kind: Kind, (a, b): &(String, String), form: &str) -> usize {
    match kind {
        Kind::Search | Kind::Miss => {
            portal::server::kb::search(db, "en", a, now_ms()).await.expect("search").hits.len()
        }
        Kind::Suggest => deflection::suggest(db, "en", form, a, b, now_ms()).await.expect("suggest").len(),
    }
}

struct Row {
    kind: Kind,
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean_hits: f64,
}

async fn run_backend(backend: Backend, articles: usize, per_kind: usize, slowest: usize) -> (Duration, Vec<Row>) {
    let test_db = match backend {
        Backend::Sqlite => common::TestDb::sqlite().await,
        Backend::Postgres => common::TestDb::postgres().await,
    };
    let db = test_db.db.clone();
    let generated = generate(&db, articles).await;
    let mut rows = Vec::new();
    for kind in [Kind::Search, Kind::Miss, Kind::Suggest] {
        let queries = queries(kind, per_kind);
        for (i, q) in queries.iter().enumerate() {
            one(&db, kind, q, &format!("bench-warm-{i:012}")).await;
        }
        let mut timed = Vec::with_capacity(queries.len());
        let mut hits = 0;
        for (i, q) in queries.iter().enumerate() {
            let started = Instant::now();
            hits += one(&db, kind, q, &format!("bench-form-{i:012}")).await;
            timed.push((started.elapsed(), q));
        }
        timed.sort_by_key(|(elapsed, _)| std::cmp::Reverse(*elapsed));
        for (elapsed, (a, b)) in timed.iter().take(slowest) {
            eprintln!("[slow] {} {:.2} ms: {a:?} {b:?}", kind.name(), elapsed.as_secs_f64() * 1000.0);
        }
        let mut latencies: Vec<Duration> = timed.iter().map(|(elapsed, _)| *elapsed).collect();
        latencies.sort();
        rows.push(Row {
            kind,
            p50: quantile(&latencies, 0.50),
            p95: quantile(&latencies, 0.95),
            p99: quantile(&latencies, 0.99),
            max: latencies.last().unwrap().as_secs_f64() * 1000.0,
            mean_hits: hits as f64 / queries.len() as f64,
        });
    }
    if backend == Backend::Postgres && std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") {
        eprintln!("[keep] the database stays: {}", test_db.url);
    } else {
        test_db.cleanup().await;
    }
    (generated, rows)
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cpus} CPUs, load average {}", load.join(" "))
}

async fn run() {
    let articles: usize = std::env::var("BENCH_ARTICLES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let per_kind: usize = std::env::var("BENCH_QUERIES").ok().and_then(|s| s.parse().ok()).unwrap_or(300);
    let slowest: usize = std::env::var("BENCH_SLOWEST").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let backends: Vec<Backend> = std::env::var("BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .split(',')
        .filter(|b| !b.trim().is_empty())
        .map(|b| match b.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("unknown backend {other:?}"),
        })
        .collect();
    let mut lines = Vec::new();
    for backend in backends {
        let name = match backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        };
        eprintln!("{name}: generating {articles} articles…");
        let (generated, rows) = run_backend(backend, articles, per_kind, slowest).await;
        eprintln!("{name}: corpus written in {:.1} s", generated.as_secs_f64());
        for row in rows {
            let met = if row.p95 <= 10.0 { "yes" } else { "no" };
            lines.push(format!(
                "| {name} | {} | {per_kind} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | {met} |",
                row.kind.name(),
                row.mean_hits,
                row.p50,
                row.p95,
                row.p99,
                row.max
            ));
            eprintln!("{}", lines.last().unwrap());
        }
    }
    println!("\n### Help-centre search, {articles} articles ({})\n", machine());
    println!("| backend | queries | count | mean hits | p50 ms | p95 ms | p99 ms | max ms | p95 ≤ 10 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for line in &lines {
        println!("{line}");
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime").block_on(run());
}
