//! The durable scheduler on both backends: due jobs run once, failures back off and end failed, an expired
//! lease (a runner that died) lets another runner take the job, two runners on one PostgreSQL run each job
//! once; the appointment reminder follows the confirmed window and is mailed in the request's language; the
//! SLA-breach alert fires only without a first response; the admin page and its retry are admin-only.
#![cfg(feature = "ssr")]

mod common;

use std::sync::Arc;

use portal::domain::job::JobStatus;
use portal::domain::request::RequestInput;
use portal::domain::schedule::{PartOfDay, Window, WindowInput};
use portal::domain::time::{day_of, format_day, DAY_MS};
use portal::domain::CurrentUser;
use portal::i18n::Locale;
use portal::server::config::Config;
use portal::server::db::scheduler::{self as sdb, NewScheduled, ScheduledRow};
use portal::server::db::{requests, Db};
use portal::server::events::EventBus;
use portal::server::jobs::{add_message, assign, change_status, customer_cancel, schedule, WindowChoice};
use portal::server::requests::{submit, track, Access};
use portal::server::scheduler::{backoff_ms, JobKind, Pass, Runner, LEASE_MS, MAX_ATTEMPTS};

const NOW: i64 = 1_800_000_000_000; // 2027-01-15 08:00 UTC
const HOUR: i64 = 3_600_000;
/// Category 1 (plumbing) promises a first response within 4 hours.
const SLA_DUE: i64 = NOW + 4 * HOUR;

fn window(days_ahead: i64, part: PartOfDay) -> WindowInput {
    WindowInput { day: format_day(day_of(NOW) + days_ahead), part: part.as_str().into() }
}

struct Fixture {
    db: Db,
    bus: EventBus,
    config: Arc<Config>,
    staff: CurrentUser,
    runner: Runner,
}

impl Fixture {
    /// A staff member (Tess) and an admin (Adam): the team an unassigned SLA alert goes to.
    async fn new(db: Db) -> Self {
        let bus = EventBus::new(db.backend());
        let password = "a-long-test-password";
        let row = common::create_user(&db, &bus, "tech@example.com", "staff", Some("Tess"), password, NOW).await;
        common::create_user(&db, &bus, "boss@example.com", "admin", Some("Adam"), password, NOW).await;
        let staff = portal::server::auth::session::current_user(&row).unwrap();
        let config = Arc::new(common::test_config("unused", "127.0.0.1:3000".parse().unwrap()));
        let runner = Runner::new(db.clone(), config.clone());
        Fixture { db, bus, config, staff, runner }
    }

    /// Files a request in `locale` (windows: tomorrow morning, the day after in the evening) and returns
    /// (id, token).
    async fn file(&self, email: &str, key: &str, locale: Locale) -> (i64, String) {
        let input = RequestInput {
            name: "Ana Kowalska".into(),
            email: email.into(),
            phone: "".into(),
            address: "ul. Długa 5, Kraków".into(),
            category: "1".into(),
            summary: "Leaking sink".into(),
            description: "Water drips under the kitchen sink.".into(),
            windows: vec![window(1, PartOfDay::Morning), window(2, PartOfDay::Evening)],
        };
        let filed = submit(&self.db, &self.bus, &self.config, &input, key, None, locale, NOW).await.unwrap();
        let id = track(&self.db, Access::Token(&filed.token), NOW).await.unwrap().unwrap().request.id;
        (id, filed.token)
    }

    async fn version(&self, id: i64) -> i64 {
        let mut conn = self.db.acquire().await.unwrap();
        requests::by_id(&mut conn, id).await.unwrap().unwrap().version
    }

    async fn job(&self, kind: JobKind, request_id: i64) -> Option<ScheduledRow> {
        let mut conn = self.db.acquire().await.unwrap();
        sdb::find(&mut conn, kind.as_str(), &request_id.to_string()).await.unwrap()
    }

    async fn job_by_id(&self, id: i64) -> ScheduledRow {
        let mut conn = self.db.acquire().await.unwrap();
        sdb::by_id(&mut conn, id).await.unwrap().unwrap()
    }

    async fn confirm(&self, id: i64, choice: WindowChoice, now: i64) {
        let v = self.version(id).await;
        schedule(&self.db, &self.bus, &self.config, &self.staff, id, v, choice, now).await.unwrap();
    }
}

/// Every mail in the outbox as (kind, recipient, subject, body), oldest first.
async fn outbox(db: &Db) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT kind, recipient, subject, body_text FROM outbox ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

async fn mails_of_kind(db: &Db, kind: &str) -> Vec<(String, String, String, String)> {
    outbox(db).await.into_iter().filter(|m| m.0 == kind).collect()
}

async fn due_jobs_run_once_and_jobs_not_yet_due_wait(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-aaaaaaaaaaaa", Locale::en).await;
    let alert = f.job(JobKind::SlaBreachAlert, id).await.expect("filing a request schedules its SLA alert");
    assert_eq!((alert.run_at, alert.status.as_str(), alert.attempts), (SLA_DUE, "pending", 0));
    assert_eq!(alert.request_id, Some(id));
    let next_due = |db: Db| async move { sdb::next_due(&mut db.acquire().await.unwrap()).await.unwrap() };
    assert_eq!(next_due(f.db.clone()).await, Some(SLA_DUE), "the runner sleeps until then");

    assert_eq!(f.runner.run_due(SLA_DUE - 1).await.unwrap(), Pass::default(), "not due yet");
    assert!(mails_of_kind(&f.db, "sla_alert").await.is_empty());

    let pass = f.runner.run_due(SLA_DUE).await.unwrap();
    assert_eq!(pass, Pass { claimed: 1, done: 1, failed: 0 });
    let job = f.job_by_id(alert.id).await;
    assert_eq!(
        (job.status.as_str(), job.attempts, job.finished_at, job.claimed_until),
        ("done", 1, Some(SLA_DUE), None)
    );
    assert_eq!(next_due(f.db.clone()).await, None, "nothing left to run");

    // Later passes (and another runner) find nothing to do: the job ran once.
    assert_eq!(f.runner.run_due(SLA_DUE + DAY_MS).await.unwrap(), Pass::default());
    let other = Runner::new(Db::connect(f.db.url()).await.unwrap(), f.config.clone());
    assert_eq!(other.run_due(SLA_DUE + DAY_MS).await.unwrap(), Pass::default());
    let alerts = mails_of_kind(&f.db, "sla_alert").await;
    let recipients: Vec<_> = alerts.iter().map(|m| m.1.as_str()).collect();
    assert_eq!(recipients, ["boss@example.com", "tech@example.com"], "the whole team, once each");
}

async fn the_sla_alert_fires_only_without_a_first_response(db: Db) {
    let f = Fixture::new(db).await;
    let (answered, _) = f.file("ana@example.com", "key-sched-bbbbbbbbbbb1", Locale::en).await;
    let (assigned, _) = f.file("bob@example.com", "key-sched-bbbbbbbbbbb2", Locale::en).await;
    let (ignored, _) = f.file("cid@example.com", "key-sched-bbbbbbbbbbb3", Locale::en).await;
    let (cancelled, token) = f.file("dee@example.com", "key-sched-bbbbbbbbbbb4", Locale::en).await;

    // A public reply is a first response; an internal note and an assignment are not.
    add_message(&f.db, &f.bus, &f.config, &f.staff, answered, "We will call you today.", true, NOW + HOUR)
        .await
        .unwrap();
    add_message(&f.db, &f.bus, &f.config, &f.staff, assigned, "Needs a ladder.", false, NOW + HOUR).await.unwrap();
    let v = f.version(assigned).await;
    assign(&f.db, &f.bus, &f.config, &f.staff, assigned, v, Some(f.staff.id), NOW + HOUR).await.unwrap();
    customer_cancel(&f.db, &f.bus, &f.config, None, Access::Token(&token), "Fixed it", NOW + HOUR).await.unwrap();

    let pass = f.runner.run_due(SLA_DUE).await.unwrap();
    assert_eq!((pass.claimed, pass.done), (4, 4));
    let alerts = mails_of_kind(&f.db, "sla_alert").await;
    let reference = |id: i64| format!("SR-2027-{id:06}");
    let to: Vec<_> = alerts.iter().map(|m| (m.1.as_str(), m.2.ends_with(&reference(assigned)))).collect();
    assert_eq!(alerts.len(), 3, "{to:?}");
    // The assigned job's alert goes to its technician only; the ignored one to the whole team.
    let about = |id: i64| -> Vec<&str> {
        alerts.iter().filter(|m| m.2.ends_with(&format!(" {}", reference(id)))).map(|m| m.1.as_str()).collect()
    };
    assert_eq!(about(assigned), ["tech@example.com"]);
    assert_eq!(about(ignored), ["boss@example.com", "tech@example.com"]);
    assert!(about(answered).is_empty() && about(cancelled).is_empty());
    let body = &alerts.iter().find(|m| m.2.ends_with(&reference(ignored))).unwrap().3;
    assert!(body.contains("Plumbing (4 h)") && body.contains("Leaking sink"), "{body}");
    assert!(body.contains(&format!("http://127.0.0.1:3000/staff/jobs/{ignored}")), "{body}");
    assert!(alerts[0].2.starts_with("No first response yet:"), "staff alerts are in English");
}

async fn a_raised_target_postpones_the_alert(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-cccccccccccc", Locale::en).await;
    {
        let mut conn = f.db.acquire().await.unwrap();
        assert!(requests::update_category(&mut conn, 1, "Plumbing", 8, true).await.unwrap());
    }
    let pass = f.runner.run_due(SLA_DUE).await.unwrap();
    assert_eq!((pass.claimed, pass.done), (1, 1));
    let job = f.job(JobKind::SlaBreachAlert, id).await.unwrap();
    assert_eq!((job.status.as_str(), job.run_at, job.attempts), ("pending", NOW + 8 * HOUR, 0));
    assert!(mails_of_kind(&f.db, "sla_alert").await.is_empty());
    f.runner.run_due(NOW + 8 * HOUR).await.unwrap();
    assert_eq!(mails_of_kind(&f.db, "sla_alert").await.len(), 2);
}

/// A job the runner cannot run: its payload does not read.
async fn broken_job(db: &Db, run_at: i64) -> i64 {
    let mut conn = db.acquire().await.unwrap();
    let job = NewScheduled {
        kind: JobKind::AppointmentReminder.as_str(),
        dedupe_key: "broken",
        request_id: None,
        payload: "{oops",
        run_at,
        max_attempts: MAX_ATTEMPTS,
    };
    sdb::upsert(&mut conn, &job, NOW).await.unwrap()
}

async fn a_failing_job_backs_off_then_fails_and_an_admin_retry_runs_it_again(db: Db) {
    let f = Fixture::new(db).await;
    let id = broken_job(&f.db, NOW).await;
    let mut at = NOW;
    for attempt in 1..=MAX_ATTEMPTS {
        assert_eq!(f.runner.run_due(at - 1).await.unwrap(), Pass::default(), "not before its time (attempt {attempt})");
        assert_eq!(f.runner.run_due(at).await.unwrap(), Pass { claimed: 1, done: 0, failed: 1 });
        let job = f.job_by_id(id).await;
        assert_eq!(job.attempts, attempt);
        assert!(job.last_error.as_deref().unwrap().starts_with("payload:"), "{:?}", job.last_error);
        if attempt < MAX_ATTEMPTS {
            assert_eq!((job.status.as_str(), job.run_at), ("pending", at + backoff_ms(attempt)));
            at = job.run_at;
        } else {
            assert_eq!((job.status.as_str(), job.finished_at), ("failed", Some(at)));
        }
    }
    assert_eq!(backoff_ms(2), 2 * backoff_ms(1), "the wait doubles");
    assert_eq!(f.runner.run_due(at + 30 * DAY_MS).await.unwrap(), Pass::default(), "failed jobs stay failed");

    // The admin's retry: pending at once, with its attempts counted afresh. Only a failed job can be retried.
    let later = at + 31 * DAY_MS;
    assert!(portal::server::scheduler::retry(&f.db, id, later).await.unwrap());
    assert!(!portal::server::scheduler::retry(&f.db, id, later).await.unwrap());
    let job = f.job_by_id(id).await;
    assert_eq!((job.status.as_str(), job.run_at, job.attempts, job.finished_at), ("pending", later, 0, None));
    assert_eq!(f.runner.run_due(later).await.unwrap().failed, 1);
    assert_eq!(f.job_by_id(id).await.attempts, 1);
}

async fn an_expired_lease_lets_a_new_runner_take_the_job(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-dddddddddddd", Locale::en).await;
    // A runner claims the alert and dies before finishing it.
    let dead = {
        let mut conn = f.db.acquire().await.unwrap();
        let claimed = sdb::claim_due(&mut conn, f.db.backend(), SLA_DUE, SLA_DUE + LEASE_MS, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        claimed.into_iter().next().unwrap()
    };
    assert_eq!(dead.status, "running");

    // After a restart: a new process (its own pool) on the same database. The lease still holds...
    let restarted = Runner::new(Db::connect(f.db.url()).await.unwrap(), f.config.clone());
    assert_eq!(restarted.run_due(SLA_DUE + LEASE_MS - 1).await.unwrap(), Pass::default());
    // ...until it expires: then the job runs, once.
    let pass = restarted.run_due(SLA_DUE + LEASE_MS + 1).await.unwrap();
    assert_eq!(pass, Pass { claimed: 1, done: 1, failed: 0 });
    let job = f.job(JobKind::SlaBreachAlert, id).await.unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("done", 2));
    assert_eq!(mails_of_kind(&f.db, "sla_alert").await.len(), 2, "one mail to each of the team, not two");

    // The dead runner, had it only been slow, could no longer record its run: its lease is not current.
    let mut conn = f.db.acquire().await.unwrap();
    assert!(!sdb::finish(&mut conn, dead.id, dead.claimed_until.unwrap(), SLA_DUE + LEASE_MS + 2).await.unwrap());

    // A job whose last allowed attempt died with its runner ends failed instead of looping.
    let broken = broken_job(&f.db, NOW).await;
    for attempt in 1..=MAX_ATTEMPTS {
        let t = NOW + attempt * LEASE_MS * 2;
        let claimed = sdb::claim_due(&mut conn, f.db.backend(), t, t + LEASE_MS, 10).await.unwrap();
        assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [broken], "attempt {attempt}");
    }
    drop(conn);
    let t = NOW + (MAX_ATTEMPTS + 1) * LEASE_MS * 2;
    assert_eq!(restarted.run_due(t).await.unwrap(), Pass::default());
    let job = f.job_by_id(broken).await;
    assert_eq!((job.status.as_str(), job.last_error.as_deref()), ("failed", Some("lease expired")));
}

async fn confirming_a_window_schedules_the_reminder_and_reconfirming_moves_it(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-eeeeeeeeeeee", Locale::en).await;
    assert!(f.job(JobKind::AppointmentReminder, id).await.is_none(), "no window, no reminder");

    // The day after tomorrow, evening (17:00): reminded tomorrow at 17:00.
    f.confirm(id, WindowChoice::Preferred(2), NOW + 1).await;
    let evening = Window { day: day_of(NOW) + 2, part: PartOfDay::Evening };
    let first = f.job(JobKind::AppointmentReminder, id).await.unwrap();
    assert_eq!((first.status.as_str(), first.run_at), ("pending", evening.starts_at() - DAY_MS));
    assert_eq!(first.run_at, NOW + DAY_MS + 9 * HOUR);

    // Moved to another window: the same reminder moves (one row, a new time and window).
    let other = WindowChoice::Other(window(4, PartOfDay::Afternoon));
    f.confirm(id, other, NOW + 2).await;
    let afternoon = Window { day: day_of(NOW) + 4, part: PartOfDay::Afternoon };
    let moved = f.job(JobKind::AppointmentReminder, id).await.unwrap();
    assert_eq!((moved.id, moved.status.as_str(), moved.run_at), (first.id, "pending", afternoon.starts_at() - DAY_MS));
    assert!(moved.payload.contains("Afternoon"), "{}", moved.payload);

    // Nothing goes at the old time; at the new one, one reminder.
    f.runner.run_due(first.run_at).await.unwrap();
    assert!(mails_of_kind(&f.db, "job_update").await.iter().all(|m| !m.2.starts_with("Reminder")));
    f.runner.run_due(moved.run_at).await.unwrap();
    let reminders: Vec<_> =
        outbox(&f.db).await.into_iter().filter(|m| m.2.starts_with("Reminder: your visit is tomorrow")).collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].3.contains(&format!("{}, Afternoon (12:00–17:00)", format_day(afternoon.day))));

    // A window less than 24 hours ahead gets no reminder; a cancelled job loses the one it had.
    let (soon, _) = f.file("bob@example.com", "key-sched-eeeeeeeeeee2", Locale::en).await;
    f.confirm(soon, WindowChoice::Preferred(1), NOW + 1).await;
    assert!(f.job(JobKind::AppointmentReminder, soon).await.is_none(), "tomorrow 08:00 is exactly 24 h away");
    let (dropped, dropped_token) = f.file("cid@example.com", "key-sched-eeeeeeeeeee3", Locale::en).await;
    f.confirm(dropped, WindowChoice::Preferred(2), NOW + 1).await;
    let access = Access::Token(&dropped_token);
    customer_cancel(&f.db, &f.bus, &f.config, None, access, "Not needed", NOW + 2).await.unwrap();
    assert_eq!(f.job(JobKind::AppointmentReminder, dropped).await.unwrap().status, "cancelled");
    // A job that moves on (on the way, on site, completed): the same.
    f.confirm(id, WindowChoice::Other(window(6, PartOfDay::Morning)), NOW + 3).await;
    assert_eq!(f.job(JobKind::AppointmentReminder, id).await.unwrap().status, "pending");
    for status in [JobStatus::EnRoute, JobStatus::OnSite, JobStatus::Completed] {
        let v = f.version(id).await;
        let eta = portal::domain::time::datetime_value(NOW + HOUR);
        change_status(&f.db, &f.bus, &f.config, &f.staff, id, status, v, Some(&eta), NOW + 4).await.unwrap();
    }
    assert_eq!(f.job(JobKind::AppointmentReminder, id).await.unwrap().status, "cancelled");
}

async fn the_reminder_is_mailed_in_the_request_language_with_a_working_link(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-ffffffffffff", Locale::pl).await;
    f.confirm(id, WindowChoice::Preferred(2), NOW + 1).await;
    let reminder = f.job(JobKind::AppointmentReminder, id).await.unwrap();
    let pass = f.runner.run_due(reminder.run_at).await.unwrap();
    assert!(pass.done >= 1 && pass.failed == 0, "{pass:?}");
    let mails = outbox(&f.db).await;
    let mail = mails.iter().find(|m| m.2.starts_with("Przypomnienie: wizyta jutro")).expect("a Polish reminder");
    assert_eq!(mail.1, "ana@example.com");
    assert!(mail.3.contains("Przypominamy o wizycie:") && mail.3.contains("Wieczorem"), "{}", mail.3);
    let token = mail.3.split("/track/").nth(1).unwrap().trim();
    let tracked = track(&f.db, Access::Token(token), NOW).await.unwrap().expect("the mailed link opens the job");
    assert_eq!(tracked.request.id, id);
}

async fn a_stale_reminder_is_not_sent(db: Db) {
    // The runner checks the job again when the reminder is due: a window changed behind its back (here
    // directly in the table) means no mail.
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "key-sched-gggggggggggg", Locale::en).await;
    f.confirm(id, WindowChoice::Preferred(2), NOW + 1).await;
    let reminder = f.job(JobKind::AppointmentReminder, id).await.unwrap();
    sqlx::query("UPDATE service_requests SET confirmed_part = 'morning' WHERE id = $1")
        .bind(id)
        .execute(f.db.pool())
        .await
        .unwrap();
    assert_eq!(f.runner.run_due(reminder.run_at).await.unwrap().done, 2, "the reminder and the SLA alert");
    assert_eq!(f.job_by_id(reminder.id).await.status, "done");
    assert!(outbox(&f.db).await.iter().all(|m| !m.2.starts_with("Reminder")));
}

on_both_backends!(
    due_jobs_run_once_and_jobs_not_yet_due_wait,
    the_sla_alert_fires_only_without_a_first_response,
    a_raised_target_postpones_the_alert,
    a_failing_job_backs_off_then_fails_and_an_admin_retry_runs_it_again,
    an_expired_lease_lets_a_new_runner_take_the_job,
    confirming_a_window_schedules_the_reminder_and_reconfirming_moves_it,
    the_reminder_is_mailed_in_the_request_language_with_a_working_link,
    a_stale_reminder_is_not_sent,
);

/// Two instances (separate pools) claiming at the same time on one PostgreSQL: each of 50 jobs runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_on_one_postgres_run_each_job_once() {
    common::with_db(true, |db| async move {
        let f = Fixture::new(db).await;
        let mut ids = Vec::new();
        for n in 0..50 {
            ids.push(f.file(&format!("c{n}@example.com"), &format!("key-sched-two-{n:08}"), Locale::en).await.0);
        }
        let a = Runner::new(Db::connect(f.db.url()).await.unwrap(), f.config.clone());
        let b = Runner::new(Db::connect(f.db.url()).await.unwrap(), f.config.clone());
        let (pa, pb) = tokio::join!(
            tokio::spawn(async move { a.run_due(SLA_DUE).await.unwrap() }),
            tokio::spawn(async move { b.run_due(SLA_DUE).await.unwrap() })
        );
        let (pa, pb) = (pa.unwrap(), pb.unwrap());
        assert_eq!(pa.done + pb.done, 50, "{pa:?} {pb:?}");
        assert_eq!(pa.claimed + pb.claimed, 50, "no job claimed twice: {pa:?} {pb:?}");
        // Each request's alert went once to each of the two team members.
        let alerts = mails_of_kind(&f.db, "sla_alert").await;
        assert_eq!(alerts.len(), 100);
        for id in ids {
            let n = alerts.iter().filter(|m| m.2.ends_with(&format!("SR-2027-{id:06}"))).count();
            assert_eq!(n, 2, "request {id}");
            assert_eq!(f.job(JobKind::SlaBreachAlert, id).await.unwrap().attempts, 1);
        }
    })
    .await;
}

/// The page and its server functions are for admins only: customers and staff are refused, and a retry
/// cannot be made without being an admin.
#[tokio::test]
async fn only_admins_reach_the_scheduler_page_and_its_retry() {
    let app = common::TestApp::spawn().await;
    let failed = broken_job(&app.state.db, NOW).await;
    sqlx::query("UPDATE scheduled_jobs SET status = 'failed', attempts = 6, last_error = 'boom' WHERE id = $1")
        .bind(failed)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let id = failed.to_string();
    let status_of = |db: Db| async move {
        let mut conn = db.acquire().await.unwrap();
        sdb::by_id(&mut conn, failed).await.unwrap().unwrap().status
    };

    let anonymous = common::TestApp::client();
    assert_eq!(app.call(&anonymous, "/api/admin/scheduler", &[]).await.status(), 401);
    assert_eq!(app.call(&anonymous, "/api/admin/scheduler/retry", &[("id", &id)]).await.status(), 401);
    let page = anonymous.get(app.url("/admin/scheduler")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 302);
    for (email, roles) in
        [("cust@example.com", "customer"), ("staff@example.com", "staff"), ("ed@example.com", "editor")]
    {
        let client = app.signed_in(email, roles).await;
        assert_eq!(app.call(&client, "/api/admin/scheduler", &[]).await.status(), 403, "{roles}");
        assert_eq!(app.call(&client, "/api/admin/scheduler/retry", &[("id", &id)]).await.status(), 403, "{roles}");
        let page = client.get(app.url("/admin/scheduler")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(page.status(), 403, "{roles}");
        assert!(!page.text().await.unwrap().contains("boom"));
    }
    assert_eq!(status_of(app.state.db.clone()).await, "failed", "nobody but an admin retried it");

    let admin = app.signed_in("admin@example.com", "admin").await;
    let page = admin.get(app.url("/admin/scheduler")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Scheduler") && html.contains("boom") && html.contains("Retry"), "{html}");
    // A cross-site retry is refused; the admin's own goes through.
    let forged = admin
        .post(app.url("/api/admin/scheduler/retry"))
        .header("origin", "http://evil.example")
        .form(&[("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(status_of(app.state.db.clone()).await, "failed");
    assert_eq!(app.call(&admin, "/api/admin/scheduler/retry", &[("id", &id)]).await.status(), 200);
    assert_eq!(status_of(app.state.db.clone()).await, "pending");
    // On a pending job the same button runs it now; an id that is neither pending nor failed is "not found".
    assert_eq!(app.call(&admin, "/api/admin/scheduler/retry", &[("id", &id)]).await.status(), 200);
    assert_eq!(status_of(app.state.db.clone()).await, "pending");
    assert_eq!(app.call(&admin, "/api/admin/scheduler/retry", &[("id", "999999")]).await.status(), 404);
}
