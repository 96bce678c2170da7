//! Group commit for service-request submissions. A durable commit costs one disk flush (SQLite with
//! `synchronous=FULL`, PostgreSQL with `fsync`), and on PostgreSQL every event-writing transaction also holds
//! the event lock until it commits; one transaction per submission therefore serializes on the disk.
//!
//! A writer task takes whatever submissions are queued (up to [`MAX_BATCH`]) into one transaction, commits
//! once, announces the events and only then answers the callers whose work committed. When the transaction
//! cannot begin or commit, every caller of that batch gets an error: nothing uncommitted is ever reported as
//! filed.
//!
//! On PostgreSQL there are two writers, which take turns: a writer holds the queue from taking its batch until
//! the batch is written, and lets go of it for the commit, so the next batch is written while this one commits.
//! Batches are therefore taken and numbered in queue order, and written one at a time (the event lock, held
//! from a batch's events to its commit, keeps the events in commit order). SQLite writes one transaction at a
//! time anyway and has one writer. A busy writer keeps its connection from one batch to the next ([`Kept`]).
//!
//! Request forms ([`Filing`], what the server function sends) are filed together by [`batch`]: a handful of
//! statements for the whole batch rather than a dozen per form, since the writer is bound by round trips.
//! Should that fail at the database, the writer rolls back and files the same forms one by one, each under its
//! own `SAVEPOINT`, so that only the form at fault fails. Any other work ([`Job`]: a closure over the
//! connection) always runs that way, after the forms.
mod batch;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor};
use tokio::sync::{mpsc, oneshot, Mutex, MutexGuard};

use crate::domain::request::RequestInput;
use crate::domain::CurrentUser;
use crate::i18n::Locale;
use crate::server::config::Config;
use crate::server::db::photos::NewPhoto;
use crate::server::db::{is_connection_lost, is_unavailable, Backend, Conn, Db, DbResult};
use crate::server::events::bus::Pending;
use crate::server::events::EventBus;
use crate::server::requests::{submit_in, SubmitError, Submitted};

/// What a job gives back: the caller's answer and the event to announce once its batch has committed.
pub type JobResult = Result<(Submitted, Option<Pending>), SubmitError>;

/// One submission's work inside the batch's transaction. It must not commit or roll back itself.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send>;

/// The most submissions one transaction commits. Larger batches raise throughput only a little once the
/// flush is shared, while the last caller of a batch waits for all of it.
pub const MAX_BATCH: usize = 64;

/// Writer tasks on PostgreSQL: one writes a batch while the other commits.
const POSTGRES_WRITERS: usize = 2;

/// Submissions waiting for the writer; a caller beyond this waits to enqueue (backpressure, not an error).
const QUEUE: usize = 1024;

/// A request form to file: what `requests::submit_in` takes, owned.
#[derive(Debug, Clone)]
pub struct Filing {
    pub input: RequestInput,
    pub idempotency_key: String,
    /// Photos already in the store, recorded with the request (not when the form was filed before).
    pub photos: Vec<NewPhoto>,
    pub customer: Option<CurrentUser>,
    pub locale: Locale,
    pub now: i64,
}

/// A filed form's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub submitted: Submitted,
    /// False when the form's idempotency key had been filed before (earlier, or by a copy in the same
    /// batch): it only got a tracking link, and its photos were not recorded (the caller removes them).
    pub new: bool,
}

enum Work {
    Filing(Box<Filing>),
    Job(Job),
}

type Reply = oneshot::Sender<Result<Filed, SubmitError>>;

struct Queued {
    work: Work,
    reply: Reply,
}

/// The handle server functions submit through. Cheap to clone; the writer task stops when the last handle is
/// dropped.
#[derive(Clone, Debug)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Queued>,
}

/// What the writer task needs besides its queue.
struct Writer {
    db: Db,
    bus: EventBus,
    config: Arc<Config>,
}

impl SubmissionWriter {
    /// Starts the writer tasks (needs a running Tokio runtime). `config` makes the tracking links of the
    /// confirmation mails.
    pub fn spawn(db: Db, bus: EventBus, config: Arc<Config>) -> Self {
        let writers = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => POSTGRES_WRITERS,
        };
        let (queue, rx) = mpsc::channel(QUEUE);
        let writer = Arc::new(Writer { db, bus, config });
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers {
            tokio::spawn(run(writer.clone(), rx.clone()));
        }
        Self { queue }
    }

    /// Submissions waiting for the writer right now.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Files the form in the next batch and answers once that batch has committed (or the form has failed).
    pub async fn file(&self, filing: Filing) -> Result<Filed, SubmitError> {
        self.send(Work::Filing(Box::new(filing))).await
    }

    /// Runs `job` in the next batch and answers once that batch has committed (or the job has failed).
    pub async fn submit<F>(&self, job: F) -> Result<Submitted, SubmitError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send + 'static,
    {
        self.send(Work::Job(Box::new(job))).await.map(|filed| filed.submitted)
    }

    async fn send(&self, work: Work) -> Result<Filed, SubmitError> {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Queued { work, reply }).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }
}

/// Boxes a closure as a [`Job`] (the bound lets the compiler see that its future borrows the connection).
pub fn job<F>(f: F) -> Job
where
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send + 'static,
{
    Box::new(f)
}

fn writer_gone() -> SubmitError {
    SubmitError::Db(sqlx::Error::WorkerCrashed)
}

/// One writer: takes the queue, takes what is queued as its batch, writes and commits it (letting go of the
/// queue before the commit), and again.
async fn run(writer: Arc<Writer>, rx: Arc<Mutex<mpsc::Receiver<Queued>>>) {
    let mut kept = None;
    loop {
        let mut queue = idle(&mut kept, rx.lock()).await;
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if idle(&mut kept, queue.recv_many(&mut batch, MAX_BATCH)).await == 0 {
            return;
        }
        kept = commit_batch(&writer, batch, queue, kept).await;
    }
}

/// Waits for `next` while the writer is idle; a connection it keeps goes back to the pool once it has been
/// idle for [`KEEP_IDLE`].
async fn idle<F: Future>(kept: &mut Option<Kept>, next: F) -> F::Output {
    let Some(until) = kept.as_ref().map(|k| k.used + KEEP_IDLE) else {
        return next.await;
    };
    let mut next = std::pin::pin!(next);
    match tokio::time::timeout_at(until.into(), &mut next).await {
        Ok(output) => output,
        Err(_) => {
            *kept = None;
            next.await
        }
    }
}

/// How long a writer keeps its connection for the next batch. The pool tests a connection with a round trip
/// when it hands it out and with another when it gets it back; a busy writer skips both by keeping its own.
/// One left unused for longer goes back to the pool (see [`idle`]), as does one held for longer than
/// [`KEEP_AT_MOST`] (so that the pool's lifetime rules still apply) or one that failed; the next batch then
/// takes a tested one.
const KEEP_IDLE: Duration = Duration::from_secs(1);
const KEEP_AT_MOST: Duration = Duration::from_secs(60);

/// A writer's connection, kept between batches.
struct Kept {
    conn: PoolConnection<Any>,
    taken: Instant,
    used: Instant,
}

impl Kept {
    async fn acquire(db: &Db) -> DbResult<Self> {
        let now = Instant::now();
        Ok(Self { conn: db.acquire().await?, taken: now, used: now })
    }

    fn fresh(&self) -> bool {
        self.used.elapsed() < KEEP_IDLE && self.taken.elapsed() < KEEP_AT_MOST
    }
}

/// Work that ran and now waits for the commit.
struct Done {
    reply: Reply,
    filed: Filed,
}

/// Files `batch` and commits it on the writer's `kept` connection, or on a fresh one, which it gives back if
/// nothing failed. `queue` (the writer's turn) is let go of once the batch is written or has failed, so that
/// the other writer can take the next batch meanwhile.
async fn commit_batch(
    w: &Writer,
    batch: Vec<Queued>,
    queue: MutexGuard<'_, mpsc::Receiver<Queued>>,
    kept: Option<Kept>,
) -> Option<Kept> {
    // A caller that has gone away (its request was cancelled) would never learn the outcome: skip its work, as
    // if it had never been sent.
    let batch: Vec<Queued> = batch.into_iter().filter(|q| !q.reply.is_closed()).collect();
    if batch.is_empty() {
        return kept;
    }
    let kept = kept.filter(Kept::fresh);
    let mut retry = kept.is_some();
    let mut conn = match kept {
        Some(conn) => conn,
        None => match Kept::acquire(&w.db).await {
            Ok(conn) => conn,
            Err(e) => return fail_all(&e, Vec::new(), batch.into_iter().map(|q| q.reply)),
        },
    };
    let mut tx = loop {
        let error = match w.db.begin_on(&mut conn.conn).await {
            Ok(tx) => break tx,
            Err(e) => e,
        };
        if !retry || !is_connection_lost(&error) {
            return fail_all(&error, Vec::new(), batch.into_iter().map(|q| q.reply));
        }
        // Nothing was sent but the BEGIN, and the kept connection may have died since the last batch (the
        // database restarted, say): the pool would have tested it. Take a tested one instead, once.
        tracing::info!(error = %error, "a submission writer's kept connection failed; taking another");
        retry = false;
        conn = match Kept::acquire(&w.db).await {
            Ok(conn) => conn,
            Err(e) => return fail_all(&e, Vec::new(), batch.into_iter().map(|q| q.reply)),
        };
    };
    let (mut filings, mut replies, mut jobs) = (Vec::new(), Vec::new(), Vec::new());
    for Queued { work, reply } in batch {
        match work {
            Work::Filing(filing) => {
                filings.push(*filing);
                replies.push(reply);
            }
            Work::Job(job) => jobs.push((job, reply)),
        }
    }
    let mut done = Vec::with_capacity(filings.len() + jobs.len());
    let mut pending = Vec::new();
    if !filings.is_empty() {
        match file_together(w, &mut tx, &filings).await {
            Ok((answers, event)) => {
                pending.extend(event);
                for (reply, answer) in replies.into_iter().zip(answers) {
                    match answer {
                        Ok(filed) => done.push(Done { reply, filed }),
                        // Wrote nothing: this caller's failure is final whatever the batch does.
                        Err(e) => {
                            let _ = reply.send(Err(e));
                        }
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, forms = filings.len(), "filing a batch together failed; filing one by one");
                let _ = tx.rollback().await;
                tx = match w.db.begin_on(&mut conn.conn).await {
                    Ok(tx) => tx,
                    Err(e) => {
                        return fail_all(&e, Vec::new(), replies.into_iter().chain(jobs.into_iter().map(|j| j.1)))
                    }
                };
                let singly = filings.into_iter().map(|filing| filing_job(w, filing)).zip(replies);
                jobs = singly.chain(jobs).collect();
            }
        }
    }
    if !jobs.is_empty() {
        if let Err(e) = run_jobs(&mut tx, jobs, &mut done, &mut pending).await {
            return fail_all(&e.error, done, e.waiting.into_iter());
        }
    }
    drop(queue);
    if let Err(e) = tx.commit().await {
        return fail_all(&e, done, std::iter::empty());
    }
    for event in pending {
        w.bus.announce(event);
    }
    for Done { reply, filed } in done {
        let _ = reply.send(Ok(filed));
    }
    conn.used = Instant::now();
    Some(conn)
}

/// [`batch::file_all`], with a panic turned into an error (then the forms are filed one by one, and the one
/// that panics again is rolled back alone).
async fn file_together(w: &Writer, tx: &mut Conn, forms: &[Filing]) -> Result<batch::Outcomes, sqlx::Error> {
    let backend = w.db.backend();
    match AssertUnwindSafe(batch::file_all(tx, backend, &w.bus, &w.config, forms)).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::WorkerCrashed),
    }
}

/// A form as a job of its own: `requests::submit_in` under a savepoint.
fn filing_job(w: &Writer, filing: Filing) -> Job {
    let (bus, config) = (w.bus.clone(), w.config.clone());
    job(move |tx| {
        Box::pin(async move {
            let Filing { input, idempotency_key, photos, customer, locale, now } = filing;
            submit_in(tx, &bus, &config, &input, &idempotency_key, &photos, customer.as_ref(), locale, now).await
        })
    })
}

/// The savepoint failed: the transaction cannot be trusted (it rolls back on drop), and these callers are
/// still waiting.
struct Broken {
    error: sqlx::Error,
    waiting: Vec<Reply>,
}

/// Runs each job under its own savepoint, collecting the successes in `done` (answering failures at once).
async fn run_jobs(
    tx: &mut Conn,
    jobs: Vec<(Job, Reply)>,
    done: &mut Vec<Done>,
    pending: &mut Vec<Pending>,
) -> Result<(), Broken> {
    if let Err(error) = (&mut *tx).execute(FIRST_SAVEPOINT).await {
        return Err(Broken { error, waiting: jobs.into_iter().map(|j| j.1).collect() });
    }
    let mut jobs = jobs.into_iter();
    while let Some((job, reply)) = jobs.next() {
        match run_one(&mut *tx, job).await {
            Ok(Ok((submitted, event))) => {
                let new = event.is_some();
                pending.extend(event);
                done.push(Done { reply, filed: Filed { submitted, new } });
            }
            // Rolled back to its savepoint: this caller's failure is final whatever the batch does.
            Ok(Err(e)) => {
                let _ = reply.send(Err(e));
            }
            Err(error) => {
                let _ = reply.send(Err(SubmitError::Db(replicate(&error))));
                let waiting = jobs.map(|j| j.1).filter(|r| !r.is_closed()).collect();
                return Err(Broken { error, waiting });
            }
        }
    }
    Ok(())
}

/// Every job runs under the savepoint `submission`, set before the first. Moving on costs one round trip
/// either way: after a failed job, back to the savepoint (which undoes its writes and stays set for the next
/// job); after a successful one, release it (keeping the writes) and set it again. COMMIT ends the last one.
const FIRST_SAVEPOINT: &str = "SAVEPOINT submission";
const AFTER_SUCCESS: &str = "RELEASE SAVEPOINT submission; SAVEPOINT submission";
const AFTER_FAILURE: &str = "ROLLBACK TO SAVEPOINT submission";

/// Runs one job under the savepoint. The outer `Err` means the transaction is broken; the inner result is the
/// job's own, already rolled back when it failed.
async fn run_one(conn: &mut Conn, job: Job) -> Result<JobResult, sqlx::Error> {
    // A panicking job must not take the writer (and every later submission) down with it.
    let result = match AssertUnwindSafe(async { job(&mut *conn).await }).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!("a submission job panicked; rolled back");
            Err(SubmitError::Db(sqlx::Error::WorkerCrashed))
        }
    };
    conn.execute(if result.is_ok() { AFTER_SUCCESS } else { AFTER_FAILURE }).await?;
    Ok(result)
}

/// The batch did not commit: every caller still waiting gets an error, and no event is announced. The
/// writer's connection (if any) goes back to the pool, which tests it.
fn fail_all(error: &sqlx::Error, done: Vec<Done>, waiting: impl Iterator<Item = Reply>) -> Option<Kept> {
    let replies: Vec<Reply> = done.into_iter().map(|d| d.reply).chain(waiting).collect();
    tracing::error!(error = %error, callers = replies.len(), "a batch of submissions failed");
    for reply in replies {
        let _ = reply.send(Err(SubmitError::Db(replicate(error))));
    }
    None
}

/// `sqlx::Error` cannot be cloned; each caller gets one of the same kind, so an outage still answers 503.
fn replicate(error: &sqlx::Error) -> sqlx::Error {
    match error {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        e if is_unavailable(e) => sqlx::Error::Io(std::io::Error::other(e.to_string())),
        e => sqlx::Error::AnyDriverError(format!("batch not committed: {e}").into()),
    }
}
