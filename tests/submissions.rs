//! The group-commit writer on both backends: one failing submission in a batch rolls back only itself, one
//! idempotency key files one request even inside a batch, a failed commit fails every caller of its batch,
//! and concurrent callers all get requests of their own.
#![cfg(feature = "ssr")]

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use portal::domain::request::RequestInput;
use portal::domain::FieldError;
use portal::i18n::Locale;
use portal::server::config::Config;
use portal::server::db::photos::NewPhoto;
use portal::server::db::{Backend, Db};
use portal::server::events::EventBus;
use portal::server::requests::{submit_in, track, Access, SubmitError, Submitted};
use portal::server::submissions::{job, Filed, Filing, Job, SubmissionWriter};
use sqlx::Executor;
use tokio::sync::oneshot;

const NOW: i64 = 1_800_000_000_000;

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

struct Fixture {
    db: Db,
    bus: EventBus,
    config: Arc<Config>,
    writer: SubmissionWriter,
}

impl Fixture {
    fn new(db: Db) -> Self {
        let bus = EventBus::new(db.backend());
        let config = Arc::new(common::test_config("unused", "127.0.0.1:3000".parse().unwrap()));
        let writer = SubmissionWriter::spawn(db.clone(), bus.clone(), config.clone());
        Self { db, bus, config, writer }
    }

    /// The form the request form's server function files.
    fn filing(&self, input: RequestInput, key: &str) -> Filing {
        Filing {
            input,
            idempotency_key: key.to_owned(),
            photos: Vec::new(),
            customer: None,
            locale: Locale::en,
            now: NOW,
        }
    }

    /// Files `filing` from a task of its own, as the server function would.
    fn spawn_filing(&self, filing: Filing) -> tokio::task::JoinHandle<Result<Filed, SubmitError>> {
        let writer = self.writer.clone();
        tokio::spawn(async move { writer.file(filing).await })
    }

    /// [`Self::spawn_filing`], answering with what the customer sees.
    fn spawn_form(&self, filing: Filing) -> tokio::task::JoinHandle<Result<Submitted, SubmitError>> {
        let writer = self.writer.clone();
        tokio::spawn(async move { writer.file(filing).await.map(|filed| filed.submitted) })
    }

    /// Submits `job` from a task of its own, as a server function would.
    fn spawn(&self, job: Job) -> tokio::task::JoinHandle<Result<Submitted, SubmitError>> {
        let writer = self.writer.clone();
        tokio::spawn(async move { writer.submit(job).await })
    }

    /// Occupies the writer with a job that waits for the returned sender, so that the next submissions queue up
    /// and are committed together as one batch. Dropping the sender lets it finish (it writes nothing).
    async fn hold_writer(&self) -> (oneshot::Sender<()>, tokio::task::JoinHandle<Result<Submitted, SubmitError>>) {
        let (release, released) = oneshot::channel::<()>();
        let (started_tx, started) = oneshot::channel::<()>();
        let blocker = self.spawn(job(move |_tx| {
            Box::pin(async move {
                let _ = started_tx.send(());
                let _ = released.await;
                Err(SubmitError::Invalid(Default::default()))
            })
        }));
        started.await.expect("the writer runs the blocking job");
        (release, blocker)
    }

    /// Waits until `n` submissions are queued behind the held writer.
    async fn until_queued(&self, n: usize) {
        for _ in 0..1000 {
            if self.writer.queued() == n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        panic!("expected {n} queued submissions, found {}", self.writer.queued());
    }

    async fn requests(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM service_requests").fetch_one(self.db.pool()).await.unwrap()
    }

    async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(self.db.pool()).await.unwrap()
    }

    /// Queues `filing` behind the held writer and waits until it is queued, so that a batch keeps this order.
    async fn queue(&self, filing: Filing) -> tokio::task::JoinHandle<Result<Filed, SubmitError>> {
        let before = self.writer.queued();
        let caller = self.spawn_filing(filing);
        self.until_queued(before + 1).await;
        caller
    }

    async fn created_events(&self) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'request.created'")
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }
}

async fn one_failing_submission_in_a_batch_rolls_back_only_itself(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let first = f.spawn_form(f.filing(input("Leaking sink"), "key-batch-aaaaaaaaaaaa"));
    let mut bad = input("Hi");
    bad.category = "999".into();
    let invalid = f.spawn_form(f.filing(bad, "key-batch-bbbbbbbbbbbb"));
    // A job that writes a request and then fails: its write must be undone, the others' kept.
    let (bus, config) = (f.bus.clone(), f.config.clone());
    let half_done = f.spawn(job(move |tx| {
        Box::pin(async move {
            submit_in(tx, &bus, &config, &input("Half done"), "key-batch-cccccccccccc", &[], None, Locale::en, NOW)
                .await?;
            tx.execute("SELECT * FROM no_such_table").await?;
            unreachable!("the query fails")
        })
    }));
    let last = f.spawn_form(f.filing(input("Dripping tap"), "key-batch-dddddddddddd"));
    f.until_queued(4).await;
    drop(release);
    assert!(matches!(blocker.await.unwrap(), Err(SubmitError::Invalid(_))));

    let first = first.await.unwrap().expect("the first valid submission is filed");
    let last = last.await.unwrap().expect("the last valid submission is filed");
    match invalid.await.unwrap() {
        Err(SubmitError::Invalid(errors)) => {
            assert_eq!(errors.get("summary"), Some(&FieldError::TooShort { min: 5 }));
            assert_eq!(errors.get("category"), Some(&FieldError::InvalidChoice));
        }
        other => panic!("expected the caller's own field errors, got {other:?}"),
    }
    assert!(matches!(half_done.await.unwrap(), Err(SubmitError::Db(_))));

    assert_eq!(f.requests().await, 2, "the half-done request was rolled back");
    assert_eq!(f.created_events().await, 2);
    assert_eq!(
        track(&f.db, portal::server::requests::Access::Token(&first.token), NOW)
            .await
            .unwrap()
            .unwrap()
            .request
            .summary,
        "Leaking sink"
    );
    assert_eq!(
        track(&f.db, portal::server::requests::Access::Token(&last.token), NOW).await.unwrap().unwrap().request.summary,
        "Dripping tap"
    );
    let half: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_requests WHERE summary = 'Half done'")
        .fetch_one(f.db.pool())
        .await
        .unwrap();
    assert_eq!(half, 0);
}

async fn one_idempotency_key_twice_in_a_batch_files_one_request(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let key = "key-twice-aaaaaaaaaaaa";
    let a = f.spawn_form(f.filing(input("Leaking sink"), key));
    let b = f.spawn_form(f.filing(input("Leaking sink"), key));
    f.until_queued(2).await;
    drop(release);
    let _ = blocker.await.unwrap();
    let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
    assert_eq!(a.reference, b.reference);
    assert_ne!(a.token, b.token, "each caller gets a working link of its own");
    assert_eq!(f.requests().await, 1);
    assert_eq!(f.created_events().await, 1);
    for token in [&a.token, &b.token] {
        assert_eq!(
            track(&f.db, portal::server::requests::Access::Token(token), NOW)
                .await
                .unwrap()
                .unwrap()
                .request
                .reference
                .as_ref(),
            Some(&a.reference)
        );
    }
}

/// SQL that succeeds when run but makes the transaction's COMMIT fail (a check deferred to commit).
fn fails_at_commit(backend: Backend) -> &'static str {
    match backend {
        // Foreign keys are checked at commit once deferred: a timeline entry of a request that does not exist.
        Backend::Sqlite => {
            "PRAGMA defer_foreign_keys = ON; \
             INSERT INTO job_events (request_id, kind, public, created_at) VALUES (999999, 'status', 1, 0);"
        }
        // A constraint trigger deferred to commit that always raises.
        Backend::Postgres => {
            "CREATE TEMP TABLE fail_at_commit (x BIGINT); \
             CREATE FUNCTION pg_temp.fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS \
               $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$; \
             CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON fail_at_commit \
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.fail_at_commit(); \
             INSERT INTO fail_at_commit VALUES (1);"
        }
    }
}

async fn a_failed_commit_fails_every_caller_of_the_batch(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let a = f.spawn_form(f.filing(input("Leaking sink"), "key-commit-aaaaaaaaaaa"));
    let (bus, config, sql) = (f.bus.clone(), f.config.clone(), fails_at_commit(f.db.backend()));
    let poison = f.spawn(job(move |tx| {
        Box::pin(async move {
            let filed = submit_in(
                tx,
                &bus,
                &config,
                &input("Dripping tap"),
                "key-commit-bbbbbbbbbbb",
                &[],
                None,
                Locale::en,
                NOW,
            )
            .await?;
            tx.execute(sql).await?;
            Ok(filed)
        })
    }));
    let c = f.spawn_form(f.filing(input("Radiator cold"), "key-commit-ccccccccccc"));
    f.until_queued(3).await;
    drop(release);
    let _ = blocker.await.unwrap();
    for (name, answer) in [("a", a), ("poison", poison), ("c", c)] {
        let answer = answer.await.unwrap();
        assert!(matches!(answer, Err(SubmitError::Db(_))), "{name}: nothing committed, so no success: {answer:?}");
    }
    assert_eq!(f.requests().await, 0);
    assert_eq!(f.created_events().await, 0);

    // The writer carries on with the next batch.
    let later = f.writer.file(f.filing(input("Leaking sink"), "key-commit-aaaaaaaaaaa")).await.unwrap().submitted;
    assert!(track(&f.db, portal::server::requests::Access::Token(&later.token), NOW).await.unwrap().is_some());
    assert_eq!(f.requests().await, 1);
}

async fn concurrent_submissions_all_get_distinct_references(db: Db) {
    let f = Fixture::new(db);
    let callers: Vec<_> = (0..150)
        .map(|i| f.spawn_form(f.filing(input(&format!("Request number {i}")), &format!("key-many-{i:016}"))))
        .collect();
    let mut references = HashSet::new();
    let mut tokens = HashSet::new();
    for caller in callers {
        let filed = caller.await.unwrap().expect("every submission is filed");
        assert!(filed.reference.starts_with("SR-2027-"), "{}", filed.reference);
        references.insert(filed.reference);
        tokens.insert(filed.token);
    }
    assert_eq!(references.len(), 150);
    assert_eq!(tokens.len(), 150);
    assert_eq!(f.requests().await, 150);
    assert_eq!(f.created_events().await, 150);
    // Batches are taken, numbered and announced one after another (on PostgreSQL the two writers take turns,
    // one writing while the other commits): the team's events, in commit order, name ever larger numbers.
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'request.created' ORDER BY id")
            .fetch_all(f.db.pool())
            .await
            .unwrap();
    let numbers: Vec<i64> = payloads
        .iter()
        .map(|p| number(serde_json::from_str::<serde_json::Value>(p).unwrap()["reference"].as_str().unwrap()))
        .collect();
    assert!(numbers.windows(2).all(|n| n[0] < n[1]), "{numbers:?}");
    // Each link opens its own request.
    for token in tokens.iter().take(5) {
        let tracked = track(&f.db, portal::server::requests::Access::Token(token), NOW).await.unwrap().unwrap();
        assert!(references.contains(tracked.request.reference.as_ref().unwrap()));
    }
}

/// The number at the end of a reference (`SR-2027-000042` → 42).
fn number(reference: &str) -> i64 {
    reference.rsplit('-').next().unwrap().parse().unwrap()
}

fn photo(key: &str) -> NewPhoto {
    NewPhoto { object_key: key.into(), content_type: "image/png".into(), size_bytes: 70 }
}

async fn valid_and_invalid_forms_in_one_batch_are_answered_each_on_its_own(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let good_a = f.queue(f.filing(input("Leaking sink"), "key-mixed-aaaaaaaaaaaa")).await;
    let mut no_category = input("Broken boiler");
    no_category.category = "".into();
    let bad_category = f.queue(f.filing(no_category, "key-mixed-bbbbbbbbbbbb")).await;
    let bad_key = f.queue(f.filing(input("Radiator cold"), "short")).await;
    let good_b = f.queue(f.filing(input("Dripping tap"), "key-mixed-dddddddddddd")).await;
    drop(release);
    let _ = blocker.await.unwrap();

    let a = good_a.await.unwrap().expect("the first valid form is filed");
    let b = good_b.await.unwrap().expect("the last valid form is filed");
    assert!(a.new && b.new);
    assert_eq!(number(&b.submitted.reference), number(&a.submitted.reference) + 1);
    match bad_category.await.unwrap() {
        Err(SubmitError::Invalid(errors)) => {
            assert_eq!(errors.get("category"), Some(&FieldError::Required));
            assert_eq!(errors.get("summary"), None);
        }
        other => panic!("expected the caller's own field errors, got {other:?}"),
    }
    match bad_key.await.unwrap() {
        Err(SubmitError::Invalid(errors)) => {
            assert_eq!(errors.get("idempotency_key"), Some(&FieldError::InvalidChoice));
            assert_eq!(errors.get("category"), None);
        }
        other => panic!("expected the caller's own field errors, got {other:?}"),
    }
    assert_eq!(f.requests().await, 2);
    for table in ["request_tokens", "request_windows", "job_events", "outbox", "scheduled_jobs"] {
        assert_eq!(f.count(table).await, 2, "{table}: one row per filed form, none for the invalid ones");
    }
    assert_eq!(f.created_events().await, 2);
}

async fn copies_of_a_form_share_its_request_in_one_batch_and_across_batches(db: Db) {
    let f = Fixture::new(db);
    let earlier = f.writer.file(f.filing(input("Leaking sink"), "key-copies-aaaaaaaaaaa")).await.unwrap();
    assert!(earlier.new);
    let with_photo = |key: &str, object_key: &str| {
        let mut filing = f.filing(input("Dripping tap"), key);
        filing.photos = vec![photo(object_key)];
        filing
    };
    let (release, blocker) = f.hold_writer().await;
    let again = f.queue(with_photo("key-copies-aaaaaaaaaaa", "again.png")).await;
    let first = f.queue(with_photo("key-copies-bbbbbbbbbbb", "first.png")).await;
    let copy = f.queue(with_photo("key-copies-bbbbbbbbbbb", "copy.png")).await;
    drop(release);
    let _ = blocker.await.unwrap();
    let (again, first, copy) =
        (again.await.unwrap().unwrap(), first.await.unwrap().unwrap(), copy.await.unwrap().unwrap());

    assert_eq!(again.submitted.reference, earlier.submitted.reference, "a key filed before finds its request");
    assert!(!again.new, "and files nothing");
    assert!(first.new);
    assert_eq!(copy.submitted.reference, first.submitted.reference, "a copy in the same batch finds the first");
    assert!(!copy.new);
    assert_eq!(f.requests().await, 2);
    assert_eq!(f.created_events().await, 2);
    assert_eq!(f.count("outbox").await, 2, "one confirmation per request");
    assert_eq!(f.count("request_tokens").await, 4, "a link for every caller");
    let photos: Vec<String> =
        sqlx::query_scalar("SELECT object_key FROM photos ORDER BY id").fetch_all(f.db.pool()).await.unwrap();
    assert_eq!(photos, ["first.png"], "only the form that filed its request records its photos");
    for filed in [&earlier, &again, &first, &copy] {
        let tracked = track(&f.db, Access::Token(&filed.submitted.token), NOW).await.unwrap().unwrap();
        assert_eq!(tracked.request.reference.as_ref(), Some(&filed.submitted.reference));
    }
}

async fn one_batch_numbers_its_requests_in_queue_order(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let mut callers = Vec::new();
    for i in 0..8 {
        callers.push(f.queue(f.filing(input(&format!("Request number {i}")), &format!("key-order-{i:016}"))).await);
    }
    drop(release);
    let _ = blocker.await.unwrap();
    let mut references = Vec::new();
    for caller in callers {
        references.push(caller.await.unwrap().unwrap().submitted.reference);
    }
    let first = number(&references[0]);
    let expected: Vec<i64> = (first..first + 8).collect();
    assert_eq!(references.iter().map(|r| number(r)).collect::<Vec<_>>(), expected, "{references:?}");
    // The team's events and the confirmations follow the same order.
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'request.created' ORDER BY id")
            .fetch_all(f.db.pool())
            .await
            .unwrap();
    let subjects: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM outbox ORDER BY id").fetch_all(f.db.pool()).await.unwrap();
    for (i, reference) in references.iter().enumerate() {
        assert!(
            payloads[i].contains(reference.as_str()) && payloads[i].contains(&format!("number {i}")),
            "{payloads:?}"
        );
        assert!(subjects[i].ends_with(reference.as_str()), "{subjects:?}");
    }
}

async fn a_form_the_database_refuses_fails_alone(db: Db) {
    let f = Fixture::new(db);
    let (release, blocker) = f.hold_writer().await;
    let a = f.queue(f.filing(input("Leaking sink"), "key-refuse-aaaaaaaaaaa")).await;
    let mut owner = f.filing(input("Dripping tap"), "key-refuse-bbbbbbbbbbb");
    owner.photos = vec![photo("same.png")];
    let owner = f.queue(owner).await;
    // The same object key again: the photos table refuses it (its key is unique).
    let mut clash = f.filing(input("Radiator cold"), "key-refuse-ccccccccccc");
    clash.photos = vec![photo("same.png")];
    let clash = f.queue(clash).await;
    let e = f.queue(f.filing(input("Noisy fan"), "key-refuse-eeeeeeeeeee")).await;
    drop(release);
    let _ = blocker.await.unwrap();

    for (name, caller) in [("a", a), ("owner", owner), ("e", e)] {
        let filed = caller.await.unwrap().unwrap_or_else(|e| panic!("{name} is filed: {e:?}"));
        assert!(filed.new, "{name}");
    }
    match clash.await.unwrap() {
        Err(SubmitError::Db(e)) => assert!(portal::server::db::is_unique_violation(&e), "{e:?}"),
        other => panic!("expected the database's refusal, got {other:?}"),
    }
    assert_eq!(f.requests().await, 3);
    assert_eq!(f.created_events().await, 3);
    assert_eq!(f.count("outbox").await, 3);
    assert_eq!(f.count("photos").await, 1);
    let clashed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_requests WHERE summary = 'Radiator cold'")
        .fetch_one(f.db.pool())
        .await
        .unwrap();
    assert_eq!(clashed, 0, "the refused form left nothing behind");
}

/// Everything one request wrote, with what must differ between two requests (id, reference, token) masked.
async fn written(db: &Db, submitted: &Submitted) -> Vec<String> {
    let pool = db.pool();
    let id: i64 = sqlx::query_scalar("SELECT id FROM service_requests WHERE reference = $1")
        .bind(&submitted.reference)
        .fetch_one(pool)
        .await
        .unwrap();
    let hash = portal::server::auth::tokens::hash_token(&submitted.token);
    let mask = |text: String| {
        text.replace(&submitted.reference, "REF")
            .replace(&submitted.token, "TOKEN")
            .replace(&hash, "HASH")
            .replace(&format!("{{\"request_id\":{id}}}"), "{\"request_id\":ID}")
    };
    let masked = |row: &sqlx::any::AnyRow| {
        format!("{:?}", text_columns(row).into_iter().map(|c| c.map(&mask)).collect::<Vec<_>>())
    };
    let queries = [
        "SELECT CAST(customer_id AS TEXT), name, email, phone, address, CAST(category_id AS TEXT), summary, \
         description, status, CAST(version AS TEXT), CAST(created_at AS TEXT), CAST(updated_at AS TEXT), locale, \
         CAST(first_response_at AS TEXT), CAST(technician_id AS TEXT) FROM service_requests WHERE id = $1",
        "SELECT day, part, CAST(superseded AS TEXT), CAST(created_at AS TEXT) FROM request_windows \
         WHERE request_id = $1 ORDER BY id",
        "SELECT kind, status, body, CAST(public AS TEXT), CAST(actor_id AS TEXT), detail, CAST(created_at AS TEXT) \
         FROM job_events WHERE request_id = $1 ORDER BY id",
        "SELECT CAST(event_id AS TEXT), content_type, CAST(size_bytes AS TEXT), CAST(uploaded_by_user AS TEXT), \
         CAST(created_at AS TEXT) FROM photos WHERE request_id = $1 ORDER BY id",
        "SELECT kind, CASE WHEN dedupe_key = CAST(request_id AS TEXT) THEN 'ID' ELSE dedupe_key END, payload, CAST(run_at AS TEXT), status, CAST(attempts AS TEXT), \
         CAST(max_attempts AS TEXT), CAST(created_at AS TEXT), CAST(updated_at AS TEXT) FROM scheduled_jobs \
         WHERE request_id = $1 ORDER BY id",
        "SELECT token_hash, CAST(created_at AS TEXT) FROM request_tokens WHERE request_id = $1",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        for row in sqlx::query(sql).bind(id).fetch_all(pool).await.unwrap() {
            rows.push(masked(&row));
        }
    }
    let like = format!("%{}%", submitted.reference);
    for sql in [
        "SELECT kind, recipient, subject, body_text, body_html, status, CAST(attempts AS TEXT), \
         CAST(next_attempt_at AS TEXT), CAST(created_at AS TEXT) FROM outbox WHERE subject LIKE $1",
        "SELECT topic, kind, payload, CAST(created_at AS TEXT) FROM events WHERE payload LIKE $1",
    ] {
        for row in sqlx::query(sql).bind(&like).fetch_all(pool).await.unwrap() {
            rows.push(masked(&row));
        }
    }
    rows
}

fn text_columns(row: &sqlx::any::AnyRow) -> Vec<Option<String>> {
    use sqlx::Row;
    (0..row.len()).map(|i| row.get::<Option<String>, _>(i)).collect()
}

async fn a_batch_writes_what_one_submission_writes(db: Db) {
    let f = Fixture::new(db);
    let customer = {
        let row =
            common::create_user(&f.db, &f.bus, "c@example.com", "customer", None, "a-long-test-password", NOW).await;
        portal::server::auth::session::current_user(&row).unwrap()
    };
    let mut tx = f.db.begin().await.unwrap();
    let (one, _pending) = submit_in(
        &mut tx,
        &f.bus,
        &f.config,
        &input("Leaking sink"),
        "key-same-aaaaaaaaaaaaa",
        &[photo("one.png")],
        Some(&customer),
        Locale::pl,
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut filing = f.filing(input("Leaking sink"), "key-same-bbbbbbbbbbbbb");
    filing.photos = vec![photo("two.png")];
    filing.customer = Some(customer);
    filing.locale = Locale::pl;
    let batched = f.writer.file(filing).await.unwrap().submitted;

    let (one, batched) = (written(&f.db, &one).await, written(&f.db, &batched).await);
    assert_eq!(one.len(), 8, "request, window, timeline entry, photo, alert, token, mail, event: {one:#?}");
    assert_eq!(one, batched);
}

/// A batch takes its request ids before it inserts (so that each request is inserted with its reference); a
/// request filed on its own takes the next id when it is inserted. Both draw on the same numbering.
async fn batches_and_single_submissions_share_one_numbering(db: Db) {
    let f = Fixture::new(db);
    let mut numbers = Vec::new();
    for round in 0..2 {
        let (release, blocker) = f.hold_writer().await;
        let mut callers = Vec::new();
        for i in 0..3 {
            callers.push(
                f.queue(f.filing(input(&format!("Batched {round}.{i}")), &format!("key-mix-{round}-{i:011}"))).await,
            );
        }
        drop(release);
        let _ = blocker.await.unwrap();
        for caller in callers {
            numbers.push(number(&caller.await.unwrap().unwrap().submitted.reference));
        }
        let single = portal::server::requests::submit(
            &f.db,
            &f.bus,
            &f.config,
            &input(&format!("On its own {round}")),
            &format!("key-mix-single-{round:07}"),
            None,
            Locale::en,
            NOW,
        )
        .await
        .unwrap();
        numbers.push(number(&single.reference));
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "one increasing numbering: {numbers:?}");
    assert_eq!(f.requests().await, 8);
    // The next batch's ids come after all of them (a clash would only show as the batch failing over to
    // filing its forms one by one).
    let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM service_requests").fetch_one(f.db.pool()).await.unwrap();
    let mut tx = f.db.begin().await.unwrap();
    let next = portal::server::db::batch::categories_and_ids(&mut tx, f.db.backend(), 2).await.unwrap().ids;
    assert!(next[0] > last && next[1] > next[0], "{next:?} after {last}");
}

/// On PostgreSQL a batch's events take the event lock in the statement that writes them (a round trip fewer
/// than a statement of its own) and hold it to the commit, as every event-writing transaction does: that keeps
/// the log's commits in id order.
#[tokio::test]
async fn a_batch_holds_the_event_lock_from_writing_its_events_to_its_commit() {
    let test_db = common::TestDb::postgres().await;
    let db = test_db.db.clone();
    let bus = EventBus::new(db.backend());
    let free = || async {
        let mut other = db.begin().await.unwrap();
        let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(portal::server::db::Lock::Events as i64)
            .fetch_one(&mut *other)
            .await
            .unwrap();
        other.rollback().await.unwrap();
        free
    };
    let payload = serde_json::json!({ "reference": "SR-2027-000001", "summary": "Leaking sink" });
    let live = bus.batch_events("staff", "request.created", &[(payload, NOW)]).unwrap().unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(free().await, "not taken before the events are written");
    portal::server::db::batch::write_all(&mut tx, db.backend(), &[live.write], live.notify).await.unwrap();
    assert!(!free().await, "held once they are");
    tx.commit().await.unwrap();
    bus.announce(live.pending);
    assert!(free().await, "let go of at the commit");
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events").fetch_one(db.pool()).await.unwrap();
    assert_eq!(events, 1);
    test_db.cleanup().await;
}

/// A writer keeps its connection between batches. When it has died meanwhile (here: every connection to the
/// database is terminated), the writer's next batch finds out at its BEGIN, before anything of it was sent,
/// and runs on a connection from the pool (which tests it) instead: no caller sees the dead one.
#[tokio::test]
async fn a_writer_whose_connection_died_files_on_a_new_one() {
    use sqlx::Connection;
    let test_db = common::TestDb::postgres().await;
    let name = test_db.url.rsplit('/').next().unwrap().to_owned();
    let f = Fixture::new(test_db.db.clone());
    // Both writers (they take turns) have a connection to keep.
    for key in ["key-revive-before-000001", "key-revive-before-000002"] {
        f.writer.file(f.filing(input("Leaking sink"), key)).await.unwrap();
    }
    let mut admin = sqlx::PgConnection::connect(&common::pg_admin_url()).await.unwrap();
    let terminate = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1";
    sqlx::query(terminate).bind(&name).execute(&mut admin).await.unwrap();
    for n in 0..4 {
        let filed = f.writer.file(f.filing(input("Dripping tap"), &format!("key-revive-after-{n:06}"))).await;
        assert!(matches!(filed, Ok(Filed { new: true, .. })), "form {n}: {filed:?}");
    }
    assert_eq!(f.requests().await, 6);
    drop(f);
    test_db.cleanup().await;
}

/// A writer that has nothing to do gives its connection back to the pool (after a second), so an idle portal
/// holds none and the pool can close.
async fn an_idle_writer_gives_its_connection_back(db: Db) {
    let f = Fixture::new(db);
    f.writer.file(f.filing(input("Leaking sink"), "key-idle-writer-0000001")).await.unwrap();
    let pool = f.db.pool().clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pool.num_idle() < pool.size() as usize {
        assert!(std::time::Instant::now() < deadline, "{} of {} connections idle", pool.num_idle(), pool.size());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

on_both_backends!(
    an_idle_writer_gives_its_connection_back,
    one_failing_submission_in_a_batch_rolls_back_only_itself,
    one_idempotency_key_twice_in_a_batch_files_one_request,
    a_failed_commit_fails_every_caller_of_the_batch,
    concurrent_submissions_all_get_distinct_references,
    valid_and_invalid_forms_in_one_batch_are_answered_each_on_its_own,
    copies_of_a_form_share_its_request_in_one_batch_and_across_batches,
    one_batch_numbers_its_requests_in_queue_order,
    a_form_the_database_refuses_fails_alone,
    a_batch_writes_what_one_submission_writes,
    batches_and_single_submissions_share_one_numbering,
);
