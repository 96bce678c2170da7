//! The KPI dashboard on both backends against a small fixture whose every number is worked out by hand
//! below, the CSV exports, and who may reach the page and the exports over HTTP.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use portal::domain::insights::{Dimension, Durations, Period, Ratio};
use portal::domain::time::{day_of, DAY_MS};
use portal::server::db::insights::Filter;
use portal::server::db::Db;
use portal::server::events::EventBus;
use portal::server::insights::{dashboard, feedback_csv, jobs_csv};

const H: i64 = 3_600_000;
/// Friday 2027-01-15 08:00 UTC.
const NOW: i64 = 1_800_000_000_000;
/// Saturday 2027-01-02 00:00 UTC, the period's first day.
const JAN2: i64 = (NOW / DAY_MS - 13) * DAY_MS;

/// Midnight UTC of January `d`, 2027 (negative and zero days fall in December 2026).
fn jan(d: i64) -> i64 {
    JAN2 + (d - 2) * DAY_MS
}

/// 2027-01-02 to 2027-01-15 inclusive: `[Jan 2, Jan 16)`, three weeks (from Dec 28, Jan 4, Jan 11).
fn period() -> Period {
    Period { from_day: day_of(NOW) - 13, to_day: day_of(NOW) }
}

struct Job {
    reference: &'static str,
    created_at: i64,
    category: i64,
    /// 1 = technician A, 2 = technician B.
    technician: Option<usize>,
    channel: &'static str,
    first_response: Option<i64>,
    completed: Option<i64>,
    revisits: i64,
}

/// Category 1 (plumbing) has a 4-hour first-response target, category 2 (heating) 8 hours.
fn jobs() -> Vec<Job> {
    let job = |reference, created_at, category, technician, channel, first_response, completed, revisits| Job {
        reference,
        created_at,
        category,
        technician,
        channel,
        first_response,
        completed,
        revisits,
    };
    vec![
        // Created in the period:
        job("R1", jan(4) + 10 * H, 1, Some(1), "web", Some(H), Some(24 * H), 0), // SLA met
        job("R2", jan(5) + 10 * H, 1, Some(1), "phone", Some(5 * H), Some(48 * H), 1), // breached, revisited
        job("R3", jan(6) + 10 * H, 2, Some(2), "email", Some(2 * H), Some(10 * H), 0), // met
        job("R4", jan(2) + 12 * H, 2, Some(2), "web", Some(3 * H), None, 0),     // met, open
        job("R5", jan(14) + 8 * H, 1, None, "web", None, None, 0), // unanswered past 12:00 on the 14th: breached
        job("R6", jan(15) + 6 * H, 2, None, "web", None, None, 0), // due at 14:00 on the 15th: not known yet
        // Created before the period; R7 completed in it (336 h), R8 and R9 before it.
        job("R7", jan(-11) + 10 * H, 1, Some(1), "web", Some(H), Some(336 * H), 0),
        job("R8", jan(-9), 1, Some(1), "phone", Some(H), Some(24 * H), 0),
        job("R9", jan(-30), 1, Some(1), "web", Some(H), Some(96 * H), 0),
    ]
}

/// `(reference, kind, score, answered_at, comment)`; `answered_at` None = asked, not answered.
type Answer = (&'static str, &'static str, Option<i64>, Option<i64>, Option<&'static str>);

fn answers() -> Vec<Answer> {
    vec![
        ("R7", "csat", Some(5), Some(jan(3) + 12 * H), Some("=cmd|' /C calc'!A0")),
        ("R8", "csat", Some(2), Some(jan(2) + 13 * H), Some("So-so")),
        ("R1", "csat", Some(5), Some(jan(5) + 12 * H), Some("Quick and tidy")),
        ("R3", "csat", Some(4), Some(jan(7) + 12 * H), None),
        ("R2", "csat", Some(1), Some(jan(8) + 12 * H), Some("Had to come back twice")),
        ("R9", "csat", Some(1), Some(jan(12) + 12 * H), Some("Still leaking, \"rude\"")),
        ("R1", "nps", Some(10), Some(jan(6) + 12 * H), None),
        ("R2", "nps", Some(3), Some(jan(9) + 12 * H), Some("Too slow")),
        ("R7", "nps", Some(9), Some(jan(4) + 12 * H), None),
        ("R8", "nps", Some(7), Some(jan(3) + 12 * H), None),
        ("R3", "nps", None, None, None),
        ("R9", "nps", Some(0), Some(jan(-20)), Some("before the period")),
        ("R1", "fix_held", Some(1), Some(jan(10) + 12 * H), None),
        ("R2", "fix_held", Some(0), Some(jan(9) + 12 * H), None),
        ("R7", "fix_held", Some(1), Some(jan(-1)), None),
        ("R9", "salience", None, Some(jan(13) + 12 * H), Some("Remember the smell")),
    ]
}

/// Inserts the fixture; returns the ids of technicians A and B.
async fn insert_fixture(db: &Db) -> (i64, i64) {
    let bus = EventBus::new(db.backend());
    let a =
        common::create_user(db, &bus, "a@example.com", "staff", Some("Ada Tech"), "a-long-test-password", NOW).await.id;
    let b =
        common::create_user(db, &bus, "b@example.com", "staff", Some("Bo Tech"), "a-long-test-password", NOW).await.id;
    let pool = db.pool();
    let mut ids = std::collections::HashMap::new();
    for j in jobs() {
        let technician = j.technician.map(|t| if t == 1 { a } else { b });
        let status = if j.completed.is_some() { "completed" } else { "received" };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_requests (reference, idempotency_key, name, email, address, category_id, summary, \
             description, status, version, created_at, updated_at, technician_id, channel, first_response_at, \
             completed_at, revisits) \
             VALUES ($1, $1, 'Ana', 'ana@example.com', 'Street 1', $2, 'Sink', 'Drips', $3, 1, $4, $4, $5, $6, $7, \
             $8, $9) RETURNING id",
        )
        .bind(j.reference)
        .bind(j.category)
        .bind(status)
        .bind(j.created_at)
        .bind(technician)
        .bind(j.channel)
        .bind(j.first_response.map(|d| j.created_at + d))
        .bind(j.completed.map(|d| j.created_at + d))
        .bind(j.revisits)
        .fetch_one(pool)
        .await
        .unwrap();
        ids.insert(j.reference, id);
    }
    for (n, (reference, kind, score, answered_at, comment)) in answers().into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO surveys (request_id, kind, email, token_hash, created_at, expires_at, answered_at, score, \
             comment) VALUES ($1, $2, 'ana@example.com', $3, $4, $5, $6, $7, $8)",
        )
        .bind(ids[reference])
        .bind(kind)
        .bind(format!("hash-{n}"))
        .bind(jan(-40))
        .bind(jan(40))
        .bind(answered_at)
        .bind(score)
        .bind(comment)
        .execute(pool)
        .await
        .unwrap();
    }
    (a, b)
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-9, "{actual} ≠ {expected}");
}

async fn every_kpi_of_the_fixture(db: Db) {
    let (a, _b) = insert_fixture(&db).await;
    let mut conn = db.acquire().await.unwrap();
    let d = dashboard(&mut conn, &Filter::default(), period(), NOW).await.unwrap();
    let k = d.kpis;
    assert_eq!(k.requests, 6, "R1-R6 were created in the period");
    // First responses of R1-R4: 1, 5, 2, 3 h → sorted 1, 2, 3, 5; median rank ⌈2⌉ = 2 h, p90 rank ⌈3.6⌉ = 5 h.
    assert_eq!(k.first_response, Durations { count: 4, median_ms: Some(2 * H), p90_ms: Some(5 * H) });
    // Completed in the period: R1 24 h, R2 48 h, R3 10 h, R7 336 h → median rank 2 = 24 h, p90 rank 4 = 336 h.
    assert_eq!(k.resolution, Durations { count: 4, median_ms: Some(24 * H), p90_ms: Some(336 * H) });
    // R2 was revisited: 3 of 4.
    assert_eq!(k.first_time_fix, Ratio { part: 3, whole: 4 });
    // Met: R1, R3, R4; breached: R2 (late), R5 (none, past due); R6 not known yet → 3 of 5 = 60 %.
    assert_eq!(k.sla, Ratio { part: 3, whole: 5 });
    assert_eq!(k.sla.percent(), Some(60.0));
    // CSAT in the period: 5, 2, 5, 4, 1, 1 → [2, 1, 0, 1, 2]; mean 18/6 = 3; variance (4·2 + 1 + 1 + 4·2)/6 = 3.
    assert_eq!(k.csat.distribution, [2, 1, 0, 1, 2]);
    assert_eq!(k.csat.count, 6);
    close(k.csat.mean, 3.0);
    close(k.csat.sd, 3f64.sqrt());
    // NPS in the period: 10, 3, 9, 7 (R3 unanswered, R9's 0 before the period) → 2 − 1 of 4 = 25.
    assert_eq!((k.nps.promoters, k.nps.passives, k.nps.detractors), (2, 1, 1));
    close(k.nps.score, 25.0);
    assert_eq!(k.deflection, None, "no form was shown suggestions: no data, not zero");
    // Weeks from Mondays Dec 28, Jan 4, Jan 11: requests R4 | R1 R2 R3 | R5 R6;
    // CSAT 5, 2 → 3.5 | 5, 4, 1 → 10/3 | 1.
    let weeks: Vec<(i64, u64, u64)> = k.weeks.iter().map(|w| (w.start, w.requests, w.csat_count)).collect();
    assert_eq!(weeks, [(jan(-3), 1, 2), (jan(4), 3, 3), (jan(11), 2, 1)]);
    close(k.weeks[0].csat_mean, 3.5);
    close(k.weeks[1].csat_mean, 10.0 / 3.0);
    close(k.weeks[2].csat_mean, 1.0);
    // Plumbing (R7 5, R8 2, R1 5, R2 1, R9 1) and technician A (the same five answers): mean 2.8,
    // variance (2.2²·2 + 0.8² + 1.8²·2)/5 = 3.36 → sd 1.833. Heating, B and every channel have under 5.
    let groups: Vec<(Dimension, String, String, u64)> =
        k.polarised.iter().map(|g| (g.dimension, g.key.clone(), g.label.clone(), g.csat.count)).collect();
    assert_eq!(
        groups,
        [
            (Dimension::Category, "1".to_owned(), "Plumbing".to_owned(), 5),
            (Dimension::Technician, a.to_string(), "Ada Tech".to_owned(), 5)
        ]
    );
    close(k.polarised[0].csat.mean, 2.8);
    close(k.polarised[0].csat.sd, 3.36f64.sqrt());
    // The newest three comments: R9 (12th), R2 (8th), R1 (5th).
    let comments: Vec<&str> = k.polarised[0].comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(comments, ["Still leaking, \"rude\"", "Had to come back twice", "Quick and tidy"]);
    assert_eq!(k.polarised[1].comments.len(), 3);
    assert_eq!(d.period, period());
    assert_eq!(d.technicians.len(), 2);
}

async fn filters_narrow_every_kpi(db: Db) {
    let (a, b) = insert_fixture(&db).await;
    let mut conn = db.acquire().await.unwrap();
    let load = |filter: Filter| {
        let db = db.clone();
        async move {
            let mut conn = db.acquire().await.unwrap();
            dashboard(&mut conn, &filter, period(), NOW).await.unwrap().kpis
        }
    };
    // Heating: R3, R4, R6 created; first responses 2, 3 h → median rank 1 = 2 h, p90 rank 2 = 3 h.
    let k = load(Filter { category_id: Some(2), ..Filter::default() }).await;
    assert_eq!(k.requests, 3);
    assert_eq!(k.first_response, Durations { count: 2, median_ms: Some(2 * H), p90_ms: Some(3 * H) });
    assert_eq!(k.resolution, Durations { count: 1, median_ms: Some(10 * H), p90_ms: Some(10 * H) });
    assert_eq!((k.first_time_fix, k.sla), (Ratio { part: 1, whole: 1 }, Ratio { part: 2, whole: 2 }));
    assert_eq!((k.csat.distribution, k.csat.mean, k.csat.sd), ([0, 0, 0, 1, 0], Some(4.0), Some(0.0)));
    assert_eq!((k.nps.promoters + k.nps.passives + k.nps.detractors, k.nps.score), (0, None));
    assert!(k.polarised.is_empty());

    // Unassigned: R5 (breached) and R6 (not known).
    let k = load(Filter { technician_id: Some(0), ..Filter::default() }).await;
    assert_eq!((k.requests, k.sla, k.first_response.count), (2, Ratio { part: 0, whole: 1 }, 0));
    assert_eq!(k.first_response.median_ms, None);
    assert_eq!(k.csat.count, 0);

    // Technician B: R3 and R4.
    let k = load(Filter { technician_id: Some(b), ..Filter::default() }).await;
    assert_eq!((k.requests, k.sla, k.resolution.count), (2, Ratio { part: 2, whole: 2 }, 1));

    // Phone: R2 created (5 h, breached, 48 h, revisited); CSAT R2 1, R8 2 → mean 1.5, sd 0.5;
    // NPS R2 3, R8 7 → one detractor, one passive → −50.
    let k = load(Filter { channel: Some("phone".into()), ..Filter::default() }).await;
    assert_eq!(k.requests, 1);
    assert_eq!(k.first_response, Durations { count: 1, median_ms: Some(5 * H), p90_ms: Some(5 * H) });
    assert_eq!((k.first_time_fix, k.sla), (Ratio { part: 0, whole: 1 }, Ratio { part: 0, whole: 1 }));
    assert_eq!(k.csat.distribution, [1, 1, 0, 0, 0]);
    close(k.csat.mean, 1.5);
    close(k.csat.sd, 0.5);
    close(k.nps.score, -50.0);

    // Filters combine: technician A on the web, plumbing: R1 (and R5 is unassigned, so not).
    let k = load(Filter { category_id: Some(1), technician_id: Some(a), channel: Some("web".into()) }).await;
    assert_eq!((k.requests, k.first_response.count, k.resolution.count), (1, 1, 2));

    // A period with nothing in it says so rather than showing zeros.
    let empty = Period { from_day: day_of(NOW) - 400, to_day: day_of(NOW) - 390 };
    let k = dashboard(&mut conn, &Filter::default(), empty, NOW).await.unwrap().kpis;
    assert_eq!((k.requests, k.sla.percent(), k.first_time_fix.percent(), k.csat.mean), (0, None, None, None));
    assert_eq!(k.weeks.len(), 2);
}

async fn csv_exports_quote_and_neutralise(db: Db) {
    insert_fixture(&db).await;
    let mut conn = db.acquire().await.unwrap();
    let jobs = jobs_csv(&mut conn, &Filter::default(), period(), NOW).await.unwrap();
    let lines: Vec<&str> = jobs.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "reference,created_at,category,technician,channel,status,first_response_at,first_response_minutes,sla,\
         completed_at,resolution_hours,revisits,first_time_fix"
    );
    assert_eq!(lines.len(), 7, "a header and R1-R6, oldest first");
    assert_eq!(
        lines[1],
        "R4,2027-01-02T12:00Z,Heating and cooling,Bo Tech,web,received,2027-01-02T15:00Z,180.0,met,,,0,"
    );
    assert_eq!(
        lines[3],
        "R2,2027-01-05T10:00Z,Plumbing,Ada Tech,phone,completed,2027-01-05T15:00Z,300.0,breached,\
         2027-01-07T10:00Z,48.00,1,no"
    );
    assert!(lines[6].starts_with("R6,") && lines[6].contains(",pending,"), "{}", lines[6]);

    let feedback = feedback_csv(&mut conn, &Filter::default(), period()).await.unwrap();
    let lines: Vec<&str> = feedback.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "reference,kind,score,comment,answered_at,category,technician,channel");
    // 6 CSAT + 4 NPS + 2 fix-held + 1 salience answered in the period.
    assert_eq!(lines.len(), 14);
    assert_eq!(lines[1], "R8,csat,2,So-so,2027-01-02T13:00Z,Plumbing,Ada Tech,phone");
    assert!(lines.contains(&"R7,csat,5,'=cmd|' /C calc'!A0,2027-01-03T12:00Z,Plumbing,Ada Tech,web"));
    assert!(lines.contains(&"R9,csat,1,\"Still leaking, \"\"rude\"\"\",2027-01-12T12:00Z,Plumbing,Ada Tech,web"));
    assert!(lines.contains(&"R9,salience,,Remember the smell,2027-01-13T12:00Z,Plumbing,Ada Tech,web"));
    let phone = feedback_csv(&mut conn, &Filter { channel: Some("phone".into()), ..Filter::default() }, period())
        .await
        .unwrap();
    assert_eq!(phone.lines().count(), 1 + 5, "R2: csat, nps, fix-held; R8: csat, nps");
}

/// One set of durations for [`percentiles_are_the_nearest_rank_ones`] and its median and p90 worked
/// out by hand.
struct DurationSet {
    values: Vec<i64>,
    expected: Durations,
}

fn duration_sets() -> Vec<DurationSet> {
    let set = |values: Vec<i64>, count, median_ms, p90_ms| DurationSet {
        values,
        expected: Durations { count, median_ms, p90_ms },
    };
    // 101 values from a small linear congruential generator, up to 20 h, with repeats.
    let mut x: i64 = 12_345;
    let spread: Vec<i64> = (0..101)
        .map(|_| {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            (x % 1_200) * 60_000
        })
        .collect();
    let spread_expected = portal::domain::insights::durations(spread.clone());
    vec![
        // Nothing: no data, not zero.
        set(vec![], 0, None, None),
        // One value is every percentile.
        set(vec![7 * H], 1, Some(7 * H), Some(7 * H)),
        // Two: ranks ⌈1⌉ = 1 and ⌈1.8⌉ = 2.
        set(vec![9 * H, 5 * H], 2, Some(5 * H), Some(9 * H)),
        // An even count: the median is the lower middle value (rank 2 of 4), p90 rank ⌈3.6⌉ = 4.
        set(vec![4 * H, H, 3 * H, 2 * H], 4, Some(2 * H), Some(4 * H)),
        // Ties are ranked one by one: 1 5 5 5 9 → rank ⌈2.5⌉ = 3 is 5, rank ⌈4.5⌉ = 5 is 9.
        set(vec![5 * H, 9 * H, 5 * H, H, 5 * H], 5, Some(5 * H), Some(9 * H)),
        // 1..10 h: ranks 5 and 9 exactly.
        set((1..=10).rev().map(|i| i * H).collect(), 10, Some(5 * H), Some(9 * H)),
        // 1..11 h: ranks ⌈5.5⌉ = 6 and ⌈9.9⌉ = 10.
        set((1..=11).map(|i| i * H).collect(), 11, Some(6 * H), Some(10 * H)),
        set(spread, 101, spread_expected.median_ms, spread_expected.p90_ms),
    ]
}

/// The median and p90 the dashboard reads (the durations come from one joined text per statement) are the
/// ones `domain::insights::percentile` defines, for first responses and resolutions alike, on sets chosen for
/// their edges.
async fn percentiles_are_the_nearest_rank_ones(db: Db) {
    let sets = duration_sets();
    // Set k lives on day k after JAN2: each value once as a first response (of a request created that day)
    // and once as a time to resolution (of a job completed that day at 20:00), and an unanswered, open
    // request that counts for neither.
    let mut n = 0;
    for (k, set) in sets.iter().enumerate() {
        let day = jan(2) + k as i64 * DAY_MS;
        let open = std::iter::once((day + H, None, None));
        let rows = set.values.iter().map(|v| (day + 20 * H - v, Some(day + 20 * H), Some(day + 20 * H)));
        for (created_at, first_response_at, completed_at) in rows.chain(open) {
            n += 1;
            sqlx::query(
                "INSERT INTO service_requests (reference, idempotency_key, name, email, address, category_id, \
                 summary, description, status, version, created_at, updated_at, channel, first_response_at, \
                 completed_at, revisits) \
                 VALUES ($1, $1, 'Ana', 'ana@example.com', 'Street 1', 1, 'Sink', 'Drips', 'received', 1, $2, $2, \
                 'web', $3, $4, 0)",
            )
            .bind(format!("P{n}"))
            .bind(created_at)
            .bind(first_response_at)
            .bind(completed_at)
            .execute(db.pool())
            .await
            .unwrap();
        }
    }
    let mut conn = db.acquire().await.unwrap();
    for (k, set) in sets.iter().enumerate() {
        let from_day = day_of(jan(2)) + k as i64;
        let (from, to) = Period { from_day, to_day: from_day }.bounds();
        assert_eq!(portal::domain::insights::durations(set.values.clone()), set.expected, "set {k}: the definition");
        let first = portal::server::db::insights::first_responses(&mut conn, &Filter::default(), from, to).await;
        assert_eq!(first.unwrap(), set.expected, "set {k}: first responses");
        let done = portal::server::db::insights::completions(&mut conn, &Filter::default(), from, to).await.unwrap();
        assert_eq!(done.resolution, set.expected, "set {k}: resolutions");
        assert_eq!(done.first_time_fixes, set.expected.count, "set {k}: none was revisited");
    }
}

on_both_backends!(
    every_kpi_of_the_fixture,
    filters_narrow_every_kpi,
    csv_exports_quote_and_neutralise,
    percentiles_are_the_nearest_rank_ones
);

#[tokio::test]
async fn only_staff_reach_the_dashboard_and_the_exports() {
    let app = TestApp::spawn().await;
    let anonymous = TestApp::client();
    let page = anonymous.get(app.url("/staff/insights")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 302);
    assert_eq!(page.headers().get("location").unwrap(), "/sign-in?next=/staff/insights");
    for csv in ["/staff/insights/jobs.csv", "/staff/insights/feedback.csv"] {
        assert_eq!(anonymous.get(app.url(csv)).send().await.unwrap().status(), 403, "{csv}");
    }
    assert_eq!(app.call(&anonymous, "/api/staff/insights", &[]).await.status(), 401);

    let customer = app.signed_in("c@example.com", "customer").await;
    let page = customer.get(app.url("/staff/insights")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 403);
    for csv in ["/staff/insights/jobs.csv", "/staff/insights/feedback.csv"] {
        let response = customer.get(app.url(csv)).send().await.unwrap();
        assert_eq!(response.status(), 403, "{csv}");
        assert!(!response.text().await.unwrap().contains("reference"), "no data leaks");
    }
    assert_eq!(app.call(&customer, "/api/staff/insights", &[]).await.status(), 403);

    // A staff member sees the page and gets both files for the period and filter asked for.
    let staff = app.signed_in("s@example.com", "staff").await;
    let now = portal::server::now_ms();
    sqlx::query(
        "INSERT INTO service_requests (reference, idempotency_key, name, email, address, category_id, summary, \
         description, status, version, created_at, updated_at, channel) \
         VALUES ('SR-TEST', 'k1', 'Ana', 'ana@example.com', 'Street 1', 2, 'Boiler', 'Cold', 'received', 1, $1, $1, \
         'phone')",
    )
    .bind(now)
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let page = staff.get(app.url("/staff/insights")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("First-time fix rate") && html.contains("role=\"img\""), "cards and a chart");
    let response = staff.get(app.url("/staff/insights/jobs.csv?channel=phone&category=2")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("content-type").unwrap(), "text/csv; charset=utf-8");
    assert!(response.headers().get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment;"));
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    assert!(lines[0].starts_with("reference,created_at,category,"));
    assert!(lines[1].starts_with("SR-TEST,") && lines[1].contains(",Heating and cooling,,phone,received,"));
    let other = staff.get(app.url("/staff/insights/jobs.csv?channel=web")).send().await.unwrap().text().await.unwrap();
    assert_eq!(other.lines().count(), 1, "the filter applies: only the header");
    let feedback = staff.get(app.url("/staff/insights/feedback.csv")).send().await.unwrap();
    assert_eq!(feedback.status(), 200);
    assert_eq!(
        feedback.text().await.unwrap().lines().next(),
        Some("reference,kind,score,comment,answered_at,category,technician,channel")
    );
}
