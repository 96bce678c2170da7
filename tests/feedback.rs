//! Feedback on both backends: the completion mail's one-click satisfaction links, answers recorded only by
//! POST and changeable until the link expires, "did the fix hold?" reopening the job, NPS at most once per
//! period, testimonials through moderation; and over HTTP, that opening a rating link records nothing.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use portal::domain::feedback::{AnswerInput, Moderation, SurveyKind};
use portal::domain::job::JobStatus;
use portal::domain::request::RequestInput;
use portal::domain::schedule::WindowInput;
use portal::domain::time::{datetime_value, day_of, format_day, DAY_MS};
use portal::domain::{CurrentUser, FieldError};
use portal::i18n::Locale;
use portal::server::config::Config;
use portal::server::db::{outbox, requests, Db};
use portal::server::events::EventBus;
use portal::server::feedback::{self, FeedbackError, SurveyKey};
use portal::server::jobs::{change_status, schedule, WindowChoice};
use portal::server::requests::{submit, track, Access};

const NOW: i64 = 1_800_000_000_000; // 2027-01-15 08:00 UTC

struct Fixture {
    db: Db,
    bus: EventBus,
    config: Config,
    staff: CurrentUser,
}

impl Fixture {
    async fn new(db: Db) -> Self {
        let bus = EventBus::new(db.backend());
        let row =
            common::create_user(&db, &bus, "tech@example.com", "staff", Some("Tess"), "a-long-test-password", NOW)
                .await;
        let staff = portal::server::auth::session::current_user(&row).unwrap();
        let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
        Fixture { db, bus, config, staff }
    }

    /// Files a request, takes it through the lifecycle to `completed` at `at`, and returns (id, tracking token).
    async fn completed_job(&self, email: &str, key: &str, at: i64) -> (i64, String) {
        completed_job(&self.db, &self.bus, &self.config, &self.staff, email, key, at).await
    }

    async fn row(&self, id: i64) -> requests::RequestRow {
        let mut conn = self.db.acquire().await.unwrap();
        requests::by_id(&mut conn, id).await.unwrap().unwrap()
    }

    /// The survey links in the newest mail of `kind` to `email`: (satisfaction or follow-up link, NPS link).
    async fn links(&self, email: &str, kind: &str) -> Vec<String> {
        let mut conn = self.db.acquire().await.unwrap();
        let mail = outbox::recent_for(&mut conn, email, 20).await.unwrap().into_iter().find(|m| m.kind == kind);
        let body = mail.unwrap_or_else(|| panic!("no {kind} mail to {email}")).body_text;
        let mut tokens: Vec<String> = body
            .split("/feedback/")
            .skip(1)
            .map(|rest| rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
            .collect();
        tokens.dedup();
        tokens
    }
}

fn input(email: &str, at: i64) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: email.into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: "Leaking sink".into(),
        description: "Water drips under the kitchen sink.".into(),
        windows: vec![WindowInput { day: format_day(day_of(at) + 1), part: "morning".into() }],
    }
}

async fn completed_job(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    staff: &CurrentUser,
    email: &str,
    key: &str,
    at: i64,
) -> (i64, String) {
    let filed = submit(db, bus, config, &input(email, at), key, None, Locale::en, at).await.unwrap();
    let id = track(db, Access::Token(&filed.token), at).await.unwrap().unwrap().request.id;
    let version = |db: &Db| {
        let db = db.clone();
        async move { requests::by_id(&mut db.acquire().await.unwrap(), id).await.unwrap().unwrap().version }
    };
    schedule(db, bus, config, staff, id, version(db).await, WindowChoice::Preferred(1), at + 1).await.unwrap();
    let eta = datetime_value(at + 3_600_000);
    change_status(db, bus, config, staff, id, JobStatus::EnRoute, version(db).await, Some(&eta), at + 2).await.unwrap();
    change_status(db, bus, config, staff, id, JobStatus::OnSite, version(db).await, None, at + 3).await.unwrap();
    change_status(db, bus, config, staff, id, JobStatus::Completed, version(db).await, None, at + 4).await.unwrap();
    (id, filed.token)
}

fn score(score: &str) -> AnswerInput {
    AnswerInput { score: Some(score.into()), ..Default::default() }
}

async fn the_completion_mail_asks_and_answers_can_change_until_the_link_expires(db: Db) {
    let f = Fixture::new(db).await;
    let (id, token) = f.completed_job("ana@example.com", "key-feedback-aaaaaaaa", NOW).await;
    assert_eq!(f.row(id).await.completed_at, Some(NOW + 4), "the first completion is kept for the KPIs");
    let links = f.links("ana@example.com", "job_update").await;
    assert_eq!(links.len(), 2, "one satisfaction link (five scores) and the NPS question: {links:?}");
    let (csat, nps) = (&links[0], &links[1]);
    let mut conn = f.db.acquire().await.unwrap();
    let body = outbox::recent_for(&mut conn, "ana@example.com", 1).await.unwrap().remove(0).body_text;
    drop(conn);
    for n in 1..=5 {
        assert!(body.contains(&format!("/feedback/{csat}?score={n}")), "score {n} link in {body}");
    }

    // Reading the survey records nothing.
    let view = feedback::view(&f.db, SurveyKey::Token(csat), NOW + 10).await.unwrap().unwrap();
    assert_eq!((view.kind, view.score, view.answered_at, view.expired), (SurveyKind::Csat, None, None, false));
    let nps_view = feedback::view(&f.db, SurveyKey::Token(nps), NOW + 10).await.unwrap().unwrap();
    assert_eq!(nps_view.kind, SurveyKind::Nps);

    // An answer, then a changed one; the tracking page sees the same survey.
    let answer = |token: &str, input: AnswerInput, at: i64| {
        let (db, bus, config, token) = (f.db.clone(), f.bus.clone(), f.config.clone(), token.to_owned());
        async move { feedback::answer(&db, &bus, &config, SurveyKey::Token(&token), &input, at).await }
    };
    answer(csat, score("4"), NOW + 20).await.unwrap();
    let mut changed = score("2");
    changed.comment = Some("  Late, and mud on the carpet. ".into());
    answer(csat, changed, NOW + 30).await.unwrap();
    let by_page = feedback::view(&f.db, SurveyKey::Job(Access::Token(&token)), NOW + 40).await.unwrap().unwrap();
    assert_eq!(by_page.score, Some(2));
    assert_eq!(by_page.comment.as_deref(), Some("Late, and mud on the carpet."));
    assert_eq!(by_page.answered_at, Some(NOW + 30));

    // Out-of-scale scores are refused beside the field and change nothing.
    let refused = answer(csat, score("9"), NOW + 50).await;
    assert!(
        matches!(&refused, Err(FeedbackError::Invalid(e)) if e.get("score") == Some(&FieldError::OutOfRange { min: 1, max: 5 }))
    );
    let nps_refused = answer(nps, score("11"), NOW + 50).await;
    assert!(
        matches!(&nps_refused, Err(FeedbackError::Invalid(e)) if e.get("score") == Some(&FieldError::OutOfRange { min: 0, max: 10 }))
    );
    answer(nps, score("10"), NOW + 60).await.unwrap();
    assert_eq!(feedback::view(&f.db, SurveyKey::Token(csat), NOW).await.unwrap().unwrap().score, Some(2));

    // After 30 days the link still shows, but answers no more.
    let late = NOW + 4 + 30 * DAY_MS + 1;
    assert!(feedback::view(&f.db, SurveyKey::Token(csat), late).await.unwrap().unwrap().expired);
    assert!(matches!(answer(csat, score("5"), late).await, Err(FeedbackError::Expired)));
    assert_eq!(feedback::view(&f.db, SurveyKey::Token(csat), NOW).await.unwrap().unwrap().score, Some(2));

    // Unknown or over-long tokens open nothing.
    assert!(feedback::view(&f.db, SurveyKey::Token("nope"), NOW).await.unwrap().is_none());
    assert!(feedback::view(&f.db, SurveyKey::Token(&"x".repeat(500)), NOW).await.unwrap().is_none());
}

async fn one_jobs_link_answers_only_that_job(db: Db) {
    let f = Fixture::new(db).await;
    let (a, _) = f.completed_job("ana@example.com", "key-feedback-bbbbbbbb", NOW).await;
    let (b, b_token) = f.completed_job("bob@example.com", "key-feedback-cccccccc", NOW).await;
    let a_link = f.links("ana@example.com", "job_update").await.remove(0);
    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&a_link), &score("5"), NOW + 10).await.unwrap();
    let mut conn = f.db.acquire().await.unwrap();
    let a_survey = portal::server::db::feedback::of_request(&mut conn, a, "csat").await.unwrap().unwrap();
    let b_survey = portal::server::db::feedback::of_request(&mut conn, b, "csat").await.unwrap().unwrap();
    assert_eq!((a_survey.score, b_survey.score), (Some(5), None));
    // Job B's tracking link reaches B's survey only.
    let via_b = feedback::view(&f.db, SurveyKey::Job(Access::Token(&b_token)), NOW).await.unwrap().unwrap();
    assert_eq!(via_b.score, None);
    // A job that is not completed has no survey to answer from its page.
    let filed =
        submit(&f.db, &f.bus, &f.config, &input("cy@example.com", NOW), "key-feedback-dddddddd", None, Locale::en, NOW)
            .await
            .unwrap();
    let open =
        feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Job(Access::Token(&filed.token)), &score("5"), NOW).await;
    assert!(matches!(open, Err(FeedbackError::NotFound)), "{open:?}");
}

async fn a_fix_that_did_not_hold_reopens_the_job(db: Db) {
    let f = Fixture::new(db).await;
    let (id, token) = f.completed_job("ana@example.com", "key-feedback-eeeeeeee", NOW).await;
    let (held, _) = f.completed_job("bob@example.com", "key-feedback-ffffffff", NOW).await;
    let later = NOW + 7 * DAY_MS;
    for job in [id, held] {
        let mut conn = f.db.acquire().await.unwrap();
        assert!(feedback::send_followup(&mut conn, &f.config, job, SurveyKind::FixHeld, later).await.unwrap());
    }
    let no = f.links("ana@example.com", "fix_held").await.remove(0);
    let yes = f.links("bob@example.com", "fix_held").await.remove(0);
    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&yes), &score("1"), later + 1).await.unwrap();
    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&no), &score("0"), later + 1).await.unwrap();

    let row = f.row(id).await;
    assert_eq!((row.status.as_str(), row.revisits), ("needs_revisit", 1), "reopened, and no first-time fix");
    assert_eq!(f.row(held).await.status, "completed");
    assert_eq!(f.row(held).await.revisits, 0);
    let tracked = track(&f.db, Access::Token(&token), later + 2).await.unwrap().unwrap();
    let last = tracked.events.last().unwrap();
    assert_eq!((last.kind.as_str(), last.status.as_deref()), ("fix_not_held", Some("needs_revisit")));

    // Saying "no" again does not reopen twice; the follow-up is not sent for a job that is open again.
    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&no), &score("0"), later + 3).await.unwrap();
    assert_eq!(f.row(id).await.revisits, 1);
    let mut conn = f.db.acquire().await.unwrap();
    assert!(!feedback::send_followup(&mut conn, &f.config, id, SurveyKind::Salience, later + 4).await.unwrap());
    // An answered follow-up is not asked again.
    assert!(!feedback::send_followup(&mut conn, &f.config, held, SurveyKind::FixHeld, later + 5).await.unwrap());
    assert!(feedback::send_followup(&mut conn, &f.config, held, SurveyKind::Salience, later + 5).await.unwrap());
}

async fn nps_is_asked_at_most_once_per_period(db: Db) {
    let f = Fixture::new(db).await;
    f.completed_job("ana@example.com", "key-feedback-gggggggg", NOW).await;
    assert_eq!(f.links("ana@example.com", "job_update").await.len(), 2, "first job: CSAT and NPS");
    f.completed_job("ana@example.com", "key-feedback-hhhhhhhh", NOW + 30 * DAY_MS).await;
    assert_eq!(f.links("ana@example.com", "job_update").await.len(), 1, "30 days later: CSAT only");
    f.completed_job("ana@example.com", "key-feedback-iiiiiiii", NOW + 91 * DAY_MS).await;
    assert_eq!(f.links("ana@example.com", "job_update").await.len(), 2, "after the 90-day period: NPS again");
}

async fn praise_becomes_a_testimonial_only_after_moderation(db: Db) {
    let f = Fixture::new(db).await;
    f.completed_job("ana@example.com", "key-feedback-jjjjjjjj", NOW).await;
    let link = f.links("ana@example.com", "job_update").await.remove(0);
    let quoted = AnswerInput {
        score: Some("5".into()),
        comment: Some("On time and spotless.".into()),
        quote: true,
        first_name: Some("Ana".into()),
        town: Some("Kraków".into()),
    };
    // Consent with a poor score is refused beside the box, and nothing is saved.
    let mut poor = quoted.clone();
    poor.score = Some("2".into());
    let refused = feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&link), &poor, NOW + 1).await;
    assert!(
        matches!(&refused, Err(FeedbackError::Invalid(e)) if e.get("quote") == Some(&FieldError::QuoteNotPositive))
    );
    assert_eq!(feedback::view(&f.db, SurveyKey::Token(&link), NOW).await.unwrap().unwrap().answered_at, None);

    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&link), &quoted, NOW + 2).await.unwrap();
    let view = feedback::view(&f.db, SurveyKey::Token(&link), NOW).await.unwrap().unwrap();
    assert_eq!(view.moderation, Some(Moderation::Pending));
    assert!(feedback::approved_testimonials(&f.db, 10).await.unwrap().is_empty(), "not public before approval");
    let queue = feedback::testimonial_queue(&f.db).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].quote.as_str(), queue[0].first_name.as_str(), queue[0].town.as_str()),
        ("On time and spotless.", "Ana", "Kraków")
    );
    assert!(feedback::moderate(&f.db, queue[0].id, Moderation::Approved, f.staff.id, NOW + 3).await.unwrap());
    let public = feedback::approved_testimonials(&f.db, 10).await.unwrap();
    assert_eq!(public.len(), 1);
    assert!(!feedback::moderate(&f.db, 999_999, Moderation::Approved, f.staff.id, NOW).await.unwrap());

    // Changing the answer without consent withdraws the quote at once.
    feedback::answer(&f.db, &f.bus, &f.config, SurveyKey::Token(&link), &score("5"), NOW + 4).await.unwrap();
    assert!(feedback::approved_testimonials(&f.db, 10).await.unwrap().is_empty());
    assert!(feedback::testimonial_queue(&f.db).await.unwrap().is_empty());
}

async fn the_scheduler_sends_the_follow_ups_at_the_configured_days(db: Db) {
    use portal::domain::feedback::SurveyTiming;
    use portal::server::scheduler::Runner;
    let f = Fixture::new(db).await;
    let timing = SurveyTiming { fix_held_days: 3, salience_days: 60, nps_period_days: 90 };
    feedback::set_timing(&f.db, timing, NOW).await.unwrap();
    let (id, _) = f.completed_job("ana@example.com", "key-feedback-kkkkkkkk", NOW).await;
    let completed = NOW + 4;
    let mut conn = f.db.acquire().await.unwrap();
    for (kind, days) in [("fix_held_followup", 3), ("salience_survey", 60)] {
        let job = portal::server::db::scheduler::find(&mut conn, kind, &id.to_string()).await.unwrap().unwrap();
        assert_eq!(job.run_at, completed + days * DAY_MS, "{kind}");
    }
    drop(conn);
    let runner = Runner::new(f.db.clone(), std::sync::Arc::new(f.config.clone()));
    runner.run_due(completed + 3 * DAY_MS - 1).await.unwrap();
    let mut conn = f.db.acquire().await.unwrap();
    let kinds = |mails: Vec<outbox::OutboxRow>| mails.into_iter().map(|m| m.kind).collect::<Vec<_>>();
    assert!(!kinds(outbox::recent_for(&mut conn, "ana@example.com", 20).await.unwrap()).contains(&"fix_held".into()));
    runner.run_due(completed + 3 * DAY_MS).await.unwrap();
    let sent = kinds(outbox::recent_for(&mut conn, "ana@example.com", 20).await.unwrap());
    assert_eq!(sent.iter().filter(|k| *k == "fix_held").count(), 1, "{sent:?}");
    assert!(!sent.contains(&"salience".into()));
    runner.run_due(completed + 60 * DAY_MS).await.unwrap();
    runner.run_due(completed + 61 * DAY_MS).await.unwrap();
    let sent = kinds(outbox::recent_for(&mut conn, "ana@example.com", 20).await.unwrap());
    assert_eq!(sent.iter().filter(|k| *k == "salience").count(), 1, "{sent:?}");
    assert_eq!(sent.iter().filter(|k| *k == "fix_held").count(), 1, "each runs once");
    drop(conn);
    let link = f.links("ana@example.com", "salience").await.remove(0);
    let view = feedback::view(&f.db, SurveyKey::Token(&link), completed + 61 * DAY_MS).await.unwrap().unwrap();
    assert_eq!(view.kind, SurveyKind::Salience);
}

/// The private preferences link in survey mail: "only the important changes" stops the team's replies but not
/// the visit's steps; "no surveys" is honoured by the very next mail and follow-up, and the tracking page still
/// offers the rating.
async fn mail_preferences_are_honoured_at_once(db: Db) {
    use portal::domain::preferences::{MailPreferences, Updates};
    use portal::server::preferences;
    let f = Fixture::new(db).await;
    f.completed_job("ana@example.com", "key-feedback-llllllll", NOW).await;
    let mut conn = f.db.acquire().await.unwrap();
    let body = outbox::recent_for(&mut conn, "ana@example.com", 1).await.unwrap().remove(0).body_text;
    drop(conn);
    let token = body.split("/preferences/").nth(1).expect("a preferences link in the survey mail");
    let token: String = token.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    // Reading the preferences changes nothing; an unknown link opens nothing.
    let (email, prefs) = preferences::by_token(&f.db, &token).await.unwrap().unwrap();
    assert_eq!((email.as_str(), prefs), ("ana@example.com", MailPreferences::default()));
    assert!(preferences::by_token(&f.db, "nope").await.unwrap().is_none());
    let off = MailPreferences { updates: Updates::Important, surveys: false };
    assert!(!preferences::save(&f.db, "nope", off, NOW).await.unwrap());
    assert!(preferences::save(&f.db, &token, off, NOW + 5).await.unwrap());

    // The next job: the reply is not mailed, the visit's steps are; the completion mail has no survey links.
    let at = NOW + DAY_MS;
    let filed =
        submit(&f.db, &f.bus, &f.config, &input("ana@example.com", at), "key-feedback-mmmmmmmm", None, Locale::en, at)
            .await
            .unwrap();
    let id = track(&f.db, Access::Token(&filed.token), at).await.unwrap().unwrap().request.id;
    let count = |kind: &'static str| {
        let db = f.db.clone();
        async move {
            let mut conn = db.acquire().await.unwrap();
            let mails = outbox::recent_for(&mut conn, "ana@example.com", 50).await.unwrap();
            mails.iter().filter(|m| m.kind == kind).count()
        }
    };
    let before = count("job_update").await;
    portal::server::jobs::add_message(&f.db, &f.bus, &f.config, &f.staff, id, "We ordered the part.", true, at + 1)
        .await
        .unwrap();
    assert_eq!(count("job_update").await, before, "a reply is not important");
    let version = f.row(id).await.version;
    schedule(&f.db, &f.bus, &f.config, &f.staff, id, version, WindowChoice::Preferred(1), at + 2).await.unwrap();
    assert_eq!(count("job_update").await, before + 1, "the confirmed visit is");
    for status in [JobStatus::EnRoute, JobStatus::OnSite, JobStatus::Completed] {
        let version = f.row(id).await.version;
        let eta = (status == JobStatus::EnRoute).then(|| datetime_value(at + 3_600_000));
        change_status(&f.db, &f.bus, &f.config, &f.staff, id, status, version, eta.as_deref(), at + 3).await.unwrap();
    }
    let mut conn = f.db.acquire().await.unwrap();
    let last = outbox::recent_for(&mut conn, "ana@example.com", 1).await.unwrap().remove(0);
    assert!(last.subject.starts_with("Your job is completed"), "{}", last.subject);
    assert!(!last.body_text.contains("/feedback/"), "no survey links after unsubscribing: {}", last.body_text);
    assert!(!feedback::send_followup(&mut conn, &f.config, id, SurveyKind::FixHeld, at + 7 * DAY_MS).await.unwrap());
    drop(conn);
    let rating = feedback::view(&f.db, SurveyKey::Job(Access::Token(&filed.token)), at + 4).await.unwrap();
    assert!(rating.is_some(), "the tracking page still asks");
}

on_both_backends!(
    mail_preferences_are_honoured_at_once,
    the_scheduler_sends_the_follow_ups_at_the_configured_days,
    the_completion_mail_asks_and_answers_can_change_until_the_link_expires,
    one_jobs_link_answers_only_that_job,
    a_fix_that_did_not_hold_reopens_the_job,
    nps_is_asked_at_most_once_per_period,
    praise_becomes_a_testimonial_only_after_moderation,
);

/// Mail scanners open links: a GET of the emailed rating link shows the score chosen and records nothing;
/// the form's POST records it. Editors alone moderate testimonials.
#[tokio::test]
async fn opening_a_rating_link_records_nothing_over_http() {
    let app = TestApp::spawn().await;
    let now = portal::server::now_ms();
    let s = &app.state;
    let staff_row =
        common::create_user(&s.db, &s.bus, "lead@example.com", "staff", None, "a-long-test-password", now).await;
    let staff = portal::server::auth::session::current_user(&staff_row).unwrap();
    completed_job(&s.db, &s.bus, &s.config, &staff, "ana@example.com", "key-feedback-http-aaaaaa", now).await;
    let mut conn = s.db.acquire().await.unwrap();
    let body = outbox::recent_for(&mut conn, "ana@example.com", 1).await.unwrap().remove(0).body_text;
    drop(conn);
    let link = body.lines().find(|l| l.contains("?score=5")).unwrap().split_whitespace().last().unwrap().to_owned();
    let path = link.trim_start_matches(&app.base).to_owned();
    let token = path.trim_start_matches("/feedback/").split('?').next().unwrap().to_owned();
    let client = TestApp::client();

    let page = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("value=\"5\" checked"), "the clicked score is preselected");
    let hash = portal::server::auth::tokens::hash_token(&token);
    let answered = |db: Db| {
        let hash = hash.clone();
        async move {
            let mut conn = db.acquire().await.unwrap();
            portal::server::db::feedback::by_token(&mut conn, &hash).await.unwrap().unwrap().answered_at
        }
    };
    // However often it is opened (scanners, previews, HEAD), nothing is recorded.
    client.get(app.url(&path)).send().await.unwrap();
    client.head(app.url(&path)).send().await.unwrap();
    assert_eq!(answered(s.db.clone()).await, None);

    // A post from another site is refused; the page's own post records the score.
    let foreign = client
        .post(app.url("/api/feedback/answer"))
        .header("origin", "https://evil.example")
        .form(&[("token", token.as_str()), ("score", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert_eq!(answered(s.db.clone()).await, None);
    let posted = app.call(&client, "/api/feedback/answer", &[("token", &token), ("score", "5")]).await;
    assert!(posted.status().is_success() || posted.status().is_redirection(), "{}", posted.status());
    assert!(answered(s.db.clone()).await.is_some());

    // Customers and staff cannot moderate; editors can.
    let customer = app.signed_in("cy@example.com", "customer").await;
    let queue = app.call(&customer, "/api/editor/testimonials", &[]).await;
    assert_eq!(queue.status(), 403);
    let moderate =
        app.call(&customer, "/api/editor/testimonials/moderate", &[("id", "1"), ("decision", "approved")]).await;
    assert_eq!(moderate.status(), 403);
    let editor = app.signed_in("ed@example.com", "editor").await;
    assert_eq!(app.call(&editor, "/api/editor/testimonials", &[]).await.status(), 200);

    // Survey timing is an admin setting: customers and staff are refused, reading and saving.
    let timing = [("fix_held_days", "3"), ("salience_days", "60"), ("nps_period_days", "90")];
    for client in [&customer, &editor] {
        assert_eq!(app.call(client, "/api/admin/surveys", &[]).await.status(), 403);
        assert_eq!(app.call(client, "/api/admin/surveys/save", &timing).await.status(), 403);
    }
    assert_eq!(app.call(&TestApp::client(), "/api/admin/surveys/save", &timing).await.status(), 401);
    let mut conn = s.db.acquire().await.unwrap();
    assert_eq!(feedback::timing(&mut conn).await.unwrap(), portal::domain::feedback::SurveyTiming::default());
    drop(conn);
    let admin = app.signed_in("boss@example.com", "admin").await;
    assert!(app.call(&admin, "/api/admin/surveys/save", &timing).await.status().is_success());
    let mut conn = s.db.acquire().await.unwrap();
    assert_eq!(feedback::timing(&mut conn).await.unwrap().fix_held_days, 3);
    drop(conn);
    app.test_db.cleanup().await;
}
