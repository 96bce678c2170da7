//! Service requests on both backends: submitting, idempotency, nothing half-saved, tracking tokens that
//! open one job only, and a timeline without internal notes.
#![cfg(feature = "ssr")]

mod common;

use portal::domain::request::RequestInput;
use portal::domain::FieldError;
use portal::i18n::Locale;
use portal::server::db::{outbox, requests, Db};
use portal::server::events::EventBus;
use portal::server::requests::{submit, track, Access, SubmitError};

const NOW: i64 = 1_800_000_000_000; // 2027-01-15

fn input(summary: &str) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: "ana@example.com".into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: summary.into(),
        description: "Water drips under the kitchen sink.".into(),
        windows: vec![common::window_tomorrow(NOW)],
    }
}

/// A staff member to act on jobs.
async fn staff_member(db: &Db, bus: &EventBus, email: &str, name: Option<&str>) -> portal::domain::CurrentUser {
    let row = common::create_user(db, bus, email, "staff", name, "a-long-test-password", NOW).await;
    portal::server::auth::session::current_user(&row).unwrap()
}

async fn count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM service_requests").fetch_one(db.pool()).await.unwrap()
}

async fn submitting_files_a_request_with_reference_token_mail_and_timeline(db: Db) {
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let first = submit(&db, &bus, &config, &input("Leaking sink"), "key-aaaaaaaaaaaaaaaa", None, Locale::en, NOW)
        .await
        .unwrap();
    assert!(first.reference.starts_with("SR-2027-"), "{}", first.reference);
    assert_eq!(first.token.len(), 43);

    let tracked = track(&db, Access::Token(&first.token), NOW).await.unwrap().expect("the token opens the request");
    assert_eq!(tracked.request.summary, "Leaking sink");
    assert_eq!(tracked.request.status, "received");
    assert_eq!(tracked.category.slug, "plumbing");
    assert_eq!(tracked.expected_hours, 4, "the category's target while there is no history");
    assert_eq!(tracked.events.len(), 1);
    assert_eq!(tracked.events[0].status.as_deref(), Some("received"));

    let mut conn = db.acquire().await.unwrap();
    let mail = outbox::recent_for(&mut conn, "ana@example.com", 5).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains(&first.reference));
    assert!(mail[0].body_text.contains(&format!("http://127.0.0.1:3000/track/{}", first.token)));
    let events = portal::server::db::events::since(&mut conn, "staff", 0, 10).await.unwrap();
    assert_eq!(events.last().unwrap().kind, "request.created");
    drop(conn);

    // A second request: its own reference and token; neither token opens the other's job.
    let second = submit(&db, &bus, &config, &input("Dripping tap"), "key-bbbbbbbbbbbbbbbb", None, Locale::en, NOW)
        .await
        .unwrap();
    assert_ne!(second.reference, first.reference);
    assert_eq!(track(&db, Access::Token(&second.token), NOW).await.unwrap().unwrap().request.summary, "Dripping tap");
    assert_eq!(track(&db, Access::Token(&first.token), NOW).await.unwrap().unwrap().request.summary, "Leaking sink");
    assert!(track(&db, Access::Token("not-a-token"), NOW).await.unwrap().is_none());
}

async fn a_repeated_submission_files_one_request(db: Db) {
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let key = "key-cccccccccccccccc";
    let a = submit(&db, &bus, &config, &input("Leaking sink"), key, None, Locale::en, NOW).await.unwrap();
    let b = submit(&db, &bus, &config, &input("Leaking sink"), key, None, Locale::en, NOW + 5).await.unwrap();
    assert_eq!(a.reference, b.reference);
    assert_ne!(a.token, b.token, "the retry gets a working link of its own");
    assert_eq!(track(&db, Access::Token(&b.token), NOW).await.unwrap().unwrap().request.reference, Some(a.reference));
    assert_eq!(count(&db).await, 1);
}

async fn bad_input_saves_nothing(db: Db) {
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let mut bad = input("Hi");
    bad.category = "999".into();
    let Err(SubmitError::Invalid(errors)) =
        submit(&db, &bus, &config, &bad, "key-dddddddddddddddd", None, Locale::en, NOW).await
    else {
        panic!("expected field errors");
    };
    assert_eq!(errors.get("summary"), Some(&FieldError::TooShort { min: 5 }));
    assert_eq!(errors.get("category"), Some(&FieldError::InvalidChoice));
    let Err(SubmitError::Invalid(errors)) =
        submit(&db, &bus, &config, &input("Leaking sink"), "bad key", None, Locale::en, NOW).await
    else {
        panic!("expected a refused key");
    };
    assert_eq!(errors.get("idempotency_key"), Some(&FieldError::InvalidChoice));
    assert_eq!(count(&db).await, 0);
    let mut conn = db.acquire().await.unwrap();
    assert!(outbox::recent_for(&mut conn, "ana@example.com", 5).await.unwrap().is_empty());
}

async fn internal_notes_stay_off_the_tracking_page(db: Db) {
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let filed = submit(&db, &bus, &config, &input("Leaking sink"), "key-eeeeeeeeeeeeeeee", None, Locale::en, NOW)
        .await
        .unwrap();
    let id = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap().request.id;
    let mut conn = db.acquire().await.unwrap();
    let note = requests::NewJobEvent {
        request_id: id,
        kind: "note",
        status: None,
        body: Some("customer seemed annoyed"),
        public: false,
        actor_id: None,
        detail: None,
    };
    requests::add_event(&mut conn, &note, NOW + 1).await.unwrap();
    drop(conn);
    let tracked = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    assert!(tracked.events.iter().all(|e| e.body.as_deref() != Some("customer seemed annoyed")));
    assert_eq!(tracked.events.len(), 1);
}

async fn staff_move_jobs_through_allowed_transitions_only(db: Db) {
    use portal::domain::job::JobStatus;
    use portal::server::jobs::{schedule, WindowChoice};
    use portal::server::requests::{change_status, JobError};
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let filed = submit(&db, &bus, &config, &input("Leaking sink"), "key-hhhhhhhhhhhhhhhh", None, Locale::en, NOW)
        .await
        .unwrap();
    let job = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap().request;
    let staff = staff_member(&db, &bus, "tech@example.com", Some("Tess Tech")).await;

    // received -> on_site skips steps: refused, nothing changes.
    let refused =
        change_status(&db, &bus, &config, &staff, job.id, JobStatus::OnSite, job.version, None, NOW + 1).await;
    assert!(matches!(refused, Err(JobError::InvalidTransition { from: JobStatus::Received, to: JobStatus::OnSite })));
    // Scheduling goes through confirming a window.
    let unconfirmed =
        change_status(&db, &bus, &config, &staff, job.id, JobStatus::Scheduled, job.version, None, NOW + 1).await;
    assert!(matches!(&unconfirmed, Err(JobError::Invalid(e)) if e.get("status") == Some(&FieldError::WindowRequired)));
    schedule(&db, &bus, &config, &staff, job.id, job.version, WindowChoice::Preferred(1), NOW + 2).await.unwrap();

    // A second save based on the old version is refused with who changed it.
    let stale =
        change_status(&db, &bus, &config, &staff, job.id, JobStatus::Cancelled, job.version, None, NOW + 3).await;
    match stale {
        Err(JobError::Conflict { by, at }) => {
            assert_eq!(by.as_deref(), Some("Tess Tech"));
            assert_eq!(at, NOW + 2);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let now = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    assert_eq!(now.request.status, "scheduled");
    assert_eq!(now.events.iter().filter_map(|e| e.status.as_deref()).collect::<Vec<_>>(), ["received", "scheduled"]);
    let eta = portal::domain::time::datetime_value(NOW + 7_200_000);
    let missing_eta =
        change_status(&db, &bus, &config, &staff, job.id, JobStatus::EnRoute, now.request.version, None, NOW + 4);
    assert!(matches!(missing_eta.await, Err(JobError::Invalid(e)) if e.get("eta") == Some(&FieldError::Required)));
    change_status(&db, &bus, &config, &staff, job.id, JobStatus::EnRoute, now.request.version, Some(&eta), NOW + 4)
        .await
        .unwrap();

    // The job's public topic got the status events; the first response was recorded.
    let mut conn = db.acquire().await.unwrap();
    let topic = portal::server::requests::job_topic(job.id);
    let events = portal::server::db::events::since(&mut conn, &topic, 0, 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "job.scheduled");
    assert!(events[1].payload.contains("en_route"));
    let tracked = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    assert_eq!(tracked.request.eta_at, Some(NOW + 7_200_000 - (NOW + 7_200_000) % 60_000));
    let first: Option<i64> = sqlx::query_scalar("SELECT first_response_at FROM service_requests WHERE id = $1")
        .bind(job.id)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(first, Some(NOW + 2));
    assert!(matches!(
        change_status(&db, &bus, &config, &staff, 999_999, JobStatus::Cancelled, 1, None, NOW).await,
        Err(JobError::NotFound)
    ));
}

async fn internal_notes_never_reach_the_customer_replies_do(db: Db) {
    use portal::server::requests::{add_message, job_topic, JobError};
    let bus = EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let filed = submit(&db, &bus, &config, &input("Leaking sink"), "key-iiiiiiiiiiiiiiii", None, Locale::en, NOW)
        .await
        .unwrap();
    let id = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap().request.id;
    let staff = staff_member(&db, &bus, "tech2@example.com", None).await;

    add_message(&db, &bus, &config, &staff, id, "Gate code is 1234, customer was rude", false, NOW + 1).await.unwrap();
    add_message(&db, &bus, &config, &staff, id, "We will call you this afternoon.", true, NOW + 2).await.unwrap();
    assert!(matches!(
        add_message(&db, &bus, &config, &staff, id, "   ", true, NOW + 3).await,
        Err(JobError::Invalid(e)) if e.get("body") == Some(&FieldError::Required)
    ));

    // The tracking view: the reply, never the note.
    let tracked = track(&db, Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    let bodies: Vec<_> = tracked.events.iter().filter_map(|e| e.body.clone()).collect();
    assert_eq!(bodies, ["We will call you this afternoon."]);
    // The customer's live stream: only the reply was announced there; the note went to the team only.
    let mut conn = db.acquire().await.unwrap();
    let public = portal::server::db::events::since(&mut conn, &job_topic(id), 0, 10).await.unwrap();
    assert_eq!(public.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["job.reply"]);
    assert!(public.iter().all(|e| !e.payload.contains("Gate code")));
    let team = portal::server::db::events::since(&mut conn, "staff", 0, 100).await.unwrap();
    assert!(team.iter().any(|e| e.kind == "job.note"));
    assert!(team.iter().all(|e| !e.payload.contains("Gate code")), "note bodies are read from the job, not events");
    let all = requests::all_events(&mut conn, id).await.unwrap();
    assert!(all.iter().any(|e| e.public == 0 && e.body.as_deref() == Some("Gate code is 1234, customer was rude")));
}

on_both_backends!(
    internal_notes_never_reach_the_customer_replies_do,
    staff_move_jobs_through_allowed_transitions_only,
    submitting_files_a_request_with_reference_token_mail_and_timeline,
    a_repeated_submission_files_one_request,
    bad_input_saves_nothing,
    internal_notes_stay_off_the_tracking_page,
);

#[tokio::test]
async fn over_http_a_request_is_filed_and_tracked_by_its_link_only() {
    let app = common::TestApp::spawn().await;
    let client = common::TestApp::client();
    let tomorrow = common::window_tomorrow(portal::server::now_ms()).day;
    let form: &[(&str, &str)] = &[
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("phone", ""),
        ("address", "ul. Długa 5, Kraków"),
        ("category", "2"),
        ("summary", "Radiator cold"),
        ("description", "The bedroom radiator stays cold."),
        ("idempotency_key", "key-ffffffffffffffff"),
        ("window1_day", &tomorrow),
        ("window1_part", "afternoon"),
    ];
    let response = app.submit_request(&client, form, vec![], "application/json").await;
    assert_eq!(response.status(), 200);
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.starts_with("/track/") && location.ends_with("?new=1"), "{location}");
    let page = client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Request received") && html.contains("SR-") && html.contains("Radiator cold"));

    let missing = client.get(app.url("/track/guessed-token-value")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Request not found"));

    // Bad input: 400 with one error per field, nothing filed.
    let mut bad = form.to_vec();
    bad[0] = ("name", "");
    bad[4] = ("category", "");
    bad[7] = ("idempotency_key", "key-gggggggggggggggg");
    let response = app.submit_request(&client, &bad, vec![], "application/json").await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 400, "{body}");
    let error: portal::domain::AppError = serde_json::from_str(&body).unwrap();
    let errors = error.field_errors().unwrap();
    assert_eq!(errors.get("name"), Some(&FieldError::Required));
    assert_eq!(errors.get("category"), Some(&FieldError::Required));
    assert_eq!(errors.value("summary"), Some("Radiator cold"), "what was typed comes back");
    let sqlite_count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM service_requests").fetch_one(app.state.db.pool()).await.unwrap();
    assert_eq!(sqlite_count, 1);
}

#[tokio::test]
async fn job_functions_are_for_staff_only() {
    let app = common::TestApp::spawn().await;
    let anonymous = common::TestApp::client();
    for (n, path) in [
        "/api/jobs/list",
        "/api/jobs/get",
        "/api/jobs/status",
        "/api/jobs/message",
        "/api/jobs/schedule",
        "/api/jobs/delay",
        "/api/jobs/assign",
    ]
    .into_iter()
    .enumerate()
    {
        let form: &[(&str, &str)] = &[
            ("id", "1"),
            ("status", "scheduled"),
            ("version", "1"),
            ("body", "hi"),
            ("choice", "1"),
            ("eta", "2030-01-01T10:00"),
            ("reason", "traffic"),
            ("technician", ""),
        ];
        let call = |client| app.call(client, path, if path == "/api/jobs/list" { &[] } else { form });
        assert_eq!(call(&anonymous).await.status(), 401, "{path}");
        let customer = app.signed_in(&format!("c{n}@example.com"), "customer").await;
        assert_eq!(call(&customer).await.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn a_tracking_stream_needs_a_real_token() {
    let app = common::TestApp::spawn().await;
    let response = common::TestApp::client().get(app.url("/api/track/made-up-token/events")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn demo_requests_are_filed_once() {
    let test_db = common::TestDb::sqlite().await;
    let bus = EventBus::new(test_db.db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    portal::server::demo::seed(&test_db.db, &bus).await.unwrap();
    let first = portal::server::demo::seed_requests(&test_db.db, &bus, &config).await.unwrap();
    assert_eq!(first.len(), 3);
    assert!(first[0].1.starts_with("http://127.0.0.1:3000/track/"));
    let again = portal::server::demo::seed_requests(&test_db.db, &bus, &config).await.unwrap();
    assert!(again.is_empty());
    assert_eq!(count(&test_db.db).await, 3);
    let token = first[0].1.rsplit('/').next().unwrap();
    assert_eq!(track(&test_db.db, Access::Token(token), NOW).await.unwrap().unwrap().request.status, "scheduled");
    test_db.cleanup().await;
}

#[tokio::test]
async fn customers_act_on_their_own_jobs_only_and_categories_are_for_admins() {
    let app = common::TestApp::spawn().await;
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let mut input = input("Leaking sink");
    input.windows = vec![common::window_tomorrow(portal::server::now_ms())];
    let filed = submit(
        &app.state.db,
        &app.state.bus,
        &config,
        &input,
        "key-http-aaaaaaaaaaaa",
        None,
        Locale::en,
        portal::server::now_ms(),
    )
    .await
    .unwrap();
    let id = track(&app.state.db, Access::Token(&filed.token), 0).await.unwrap().unwrap().request.id.to_string();

    // By id: signed out is 401; another customer gets 404 for reading and for every action.
    let anonymous = common::TestApp::client();
    let day = common::window_tomorrow(portal::server::now_ms()).day;
    let by_id: &[(&str, &str)] =
        &[("id", &id), ("body", "hello"), ("reason", "no"), ("window1_day", &day), ("window1_part", "morning")];
    let reply = |client, fields, files| {
        app.post_multipart(client, "/api/requests/reply", "/my/requests/1", fields, files, "application/json")
    };
    assert_eq!(reply(&anonymous, by_id, vec![]).await.status(), 401);
    let other = app.signed_in("someone-else@example.com", "customer").await;
    assert_eq!(reply(&other, by_id, vec![]).await.status(), 404);
    for path in ["/api/requests/cancel", "/api/requests/reschedule"] {
        assert_eq!(app.call(&other, path, by_id).await.status(), 404, "{path}");
    }
    let key = serde_json::json!({ "key": { "Id": id.parse::<i64>().unwrap() } });
    let read =
        other.post(app.url("/api/requests/track")).header("origin", app.base.as_str()).json(&key).send().await.unwrap();
    assert_eq!(read.status(), 404);
    // By token anyone with the link may write; a wrong token finds nothing.
    let by_token: &[(&str, &str)] = &[("token", &filed.token), ("body", "The gate code is 4321.")];
    // A renamed non-image is refused beside the photos field, and nothing is saved.
    let refused = reply(&anonymous, by_token, vec![("gate.jpg", b"not an image at all".to_vec())]).await;
    assert_eq!(refused.status(), 400);
    let error: portal::domain::AppError = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert_eq!(error.field_errors().unwrap().get("photos"), Some(&FieldError::NotAnImage));
    assert_eq!(error.field_errors().unwrap().value("body"), Some("The gate code is 4321."));
    // With a real photo the message and the photo arrive together.
    let sent = reply(&anonymous, by_token, vec![("gate.png", common::photos::PNG.to_vec())]).await;
    assert_eq!(sent.status(), 200);
    let tracked = track(&app.state.db, Access::Token(&filed.token), 0).await.unwrap().unwrap();
    let replies: Vec<_> = tracked.events.iter().filter(|e| e.kind == "customer_reply").collect();
    assert_eq!(replies.len(), 1, "the refused message was not saved");
    assert_eq!(tracked.photos.len(), 1);
    let forged = "A".repeat(43);
    let wrong: &[(&str, &str)] = &[("token", &forged), ("body", "hi")];
    // A made-up token: refused before any photo is written.
    let files_before = common::photos::files_under(app.data_dir.path()).len();
    assert_eq!(reply(&anonymous, wrong, vec![("x.png", common::photos::PNG.to_vec())]).await.status(), 404);
    assert_eq!(common::photos::files_under(app.data_dir.path()).len(), files_before);

    // Categories: admins only.
    let staff = app.signed_in("staff-cat@example.com", "staff").await;
    let add: &[(&str, &str)] = &[("slug", "roofing"), ("name", "Roofing"), ("hours", "48")];
    assert_eq!(app.call(&staff, "/api/admin/categories/add", add).await.status(), 403);
    assert_eq!(app.call(&anonymous, "/api/admin/categories", &[]).await.status(), 401);
    let admin = app.signed_in("admin-cat@example.com", "admin").await;
    assert_eq!(app.call(&admin, "/api/admin/categories/add", add).await.status(), 200);
    let again = app.call(&admin, "/api/admin/categories/add", add).await;
    assert_eq!(again.status(), 400, "a taken slug is a field error");
    let bad: &[(&str, &str)] = &[("id", "1"), ("name", "Plumbing"), ("hours", "0")];
    let response = app.call(&admin, "/api/admin/categories/save", bad).await;
    assert_eq!(response.status(), 400);
    let error: portal::domain::AppError = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert!(matches!(error.field_errors().unwrap().get("hours"), Some(FieldError::OutOfRange { min: 1, max: 720 })));
}
