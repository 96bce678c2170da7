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
use portal::server::db::{Backend, Db};
use portal::server::events::EventBus;
use portal::server::requests::{submit_in, track, SubmitError, Submitted};
use portal::server::submissions::{job, Job, SubmissionWriter};
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
        let writer = SubmissionWriter::spawn(db.clone(), bus.clone());
        Self { db, bus, config, writer }
    }

    /// The job the request form submits.
    fn filing(&self, input: RequestInput, key: &str) -> Job {
        let (bus, config, key) = (self.bus.clone(), self.config.clone(), key.to_owned());
        job(move |tx| {
            Box::pin(async move { submit_in(tx, &bus, &config, &input, &key, &[], None, Locale::en, NOW).await })
        })
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
    let first = f.spawn(f.filing(input("Leaking sink"), "key-batch-aaaaaaaaaaaa"));
    let mut bad = input("Hi");
    bad.category = "999".into();
    let invalid = f.spawn(f.filing(bad, "key-batch-bbbbbbbbbbbb"));
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
    let last = f.spawn(f.filing(input("Dripping tap"), "key-batch-dddddddddddd"));
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
    let a = f.spawn(f.filing(input("Leaking sink"), key));
    let b = f.spawn(f.filing(input("Leaking sink"), key));
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
    let a = f.spawn(f.filing(input("Leaking sink"), "key-commit-aaaaaaaaaaa"));
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
    let c = f.spawn(f.filing(input("Radiator cold"), "key-commit-ccccccccccc"));
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
    let later = f.writer.submit(f.filing(input("Leaking sink"), "key-commit-aaaaaaaaaaa")).await.unwrap();
    assert!(track(&f.db, portal::server::requests::Access::Token(&later.token), NOW).await.unwrap().is_some());
    assert_eq!(f.requests().await, 1);
}

async fn concurrent_submissions_all_get_distinct_references(db: Db) {
    let f = Fixture::new(db);
    let callers: Vec<_> = (0..60)
        .map(|i| f.spawn(f.filing(input(&format!("Request number {i}")), &format!("key-many-{i:016}"))))
        .collect();
    let mut references = HashSet::new();
    let mut tokens = HashSet::new();
    for caller in callers {
        let filed = caller.await.unwrap().expect("every submission is filed");
        assert!(filed.reference.starts_with("SR-2027-"), "{}", filed.reference);
        references.insert(filed.reference);
        tokens.insert(filed.token);
    }
    assert_eq!(references.len(), 60);
    assert_eq!(tokens.len(), 60);
    assert_eq!(f.requests().await, 60);
    assert_eq!(f.created_events().await, 60);
    // Each link opens its own request.
    for token in tokens.iter().take(5) {
        let tracked = track(&f.db, portal::server::requests::Access::Token(token), NOW).await.unwrap().unwrap();
        assert!(references.contains(tracked.request.reference.as_ref().unwrap()));
    }
}

on_both_backends!(
    one_failing_submission_in_a_batch_rolls_back_only_itself,
    one_idempotency_key_twice_in_a_batch_files_one_request,
    a_failed_commit_fails_every_caller_of_the_batch,
    concurrent_submissions_all_get_distinct_references,
);
