//! Group commit for service-request submissions. A durable commit costs one disk flush (SQLite with
//! `synchronous=FULL`, PostgreSQL with `fsync`), and on PostgreSQL every event-writing transaction also holds
//! the event lock until it commits; one transaction per submission therefore serializes on the disk.
//!
//! One writer task takes whatever submissions are queued (up to [`MAX_BATCH`]), runs each inside one shared
//! transaction under its own `SAVEPOINT` — so a submission that fails rolls back only itself and gets its own
//! error — commits once, announces the events and only then answers the callers whose work committed. When the
//! transaction cannot begin or commit, every caller of that batch gets an error: nothing uncommitted is ever
//! reported as filed.
//!
//! The writer runs any job over the connection ([`Job`]): the server function decides what a submission is
//! (today `requests::submit_in`), the writer only decides when it commits.
use std::panic::AssertUnwindSafe;

use futures::future::BoxFuture;
use futures::FutureExt;
use sqlx::Executor;
use tokio::sync::{mpsc, oneshot};

use crate::server::db::{is_unavailable, Conn, Db};
use crate::server::events::bus::Pending;
use crate::server::events::EventBus;
use crate::server::requests::{SubmitError, Submitted};

/// What a job gives back: the caller's answer and the event to announce once its batch has committed.
pub type JobResult = Result<(Submitted, Option<Pending>), SubmitError>;

/// One submission's work inside the batch's transaction. It must not commit or roll back itself.
pub type Job = Box<dyn for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send>;

/// The most submissions one transaction commits. Larger batches raise throughput only a little once the
/// flush is shared, while the last caller of a batch waits for all of it.
pub const MAX_BATCH: usize = 64;

/// Submissions waiting for the writer; a caller beyond this waits to enqueue (backpressure, not an error).
const QUEUE: usize = 1024;

struct Queued {
    job: Job,
    reply: oneshot::Sender<Result<Submitted, SubmitError>>,
}

/// The handle server functions submit through. Cheap to clone; the writer task stops when the last handle is
/// dropped.
#[derive(Clone, Debug)]
pub struct SubmissionWriter {
    queue: mpsc::Sender<Queued>,
}

impl SubmissionWriter {
    /// Starts the writer task (needs a running Tokio runtime).
    pub fn spawn(db: Db, bus: EventBus) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, bus, rx));
        Self { queue }
    }

    /// Submissions waiting for the writer right now.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Runs `job` in the next batch and answers once that batch has committed (or the job has failed).
    pub async fn submit<F>(&self, job: F) -> Result<Submitted, SubmitError>
    where
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.queue.send(Queued { job: Box::new(job), reply }).await.map_err(|_| writer_gone())?;
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

async fn run(db: Db, bus: EventBus, mut rx: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&db, &bus, std::mem::take(&mut batch)).await;
    }
}

/// A job that ran and now waits for the commit.
struct Done {
    reply: oneshot::Sender<Result<Submitted, SubmitError>>,
    submitted: Submitted,
    pending: Option<Pending>,
}

async fn commit_batch(db: &Db, bus: &EventBus, batch: Vec<Queued>) {
    // A caller that has gone away (its request was cancelled) would never learn the outcome: skip its job, as
    // if it had never been sent.
    let batch: Vec<Queued> = batch.into_iter().filter(|q| !q.reply.is_closed()).collect();
    if batch.is_empty() {
        return;
    }
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return fail_all(&e, Vec::new(), batch),
    };
    if let Err(e) = tx.execute(FIRST_SAVEPOINT).await {
        return fail_all(&e, Vec::new(), batch);
    }
    let mut done = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(Queued { job, reply }) = jobs.next() {
        match run_one(&mut tx, job).await {
            Ok(Ok((submitted, pending))) => done.push(Done { reply, submitted, pending }),
            // Rolled back to its savepoint: this caller's failure is final whatever the batch does.
            Ok(Err(e)) => {
                let _ = reply.send(Err(e));
            }
            Err(e) => {
                // The savepoint itself failed: the transaction cannot be trusted; it rolls back on drop.
                let mut rest: Vec<Queued> = jobs.collect();
                let _ = reply.send(Err(SubmitError::Db(replicate(&e))));
                rest.retain(|q| !q.reply.is_closed());
                return fail_all(&e, done, rest);
            }
        }
    }
    if let Err(e) = tx.commit().await {
        return fail_all(&e, done, Vec::new());
    }
    for Done { reply, submitted, pending } in done {
        if let Some(pending) = pending {
            bus.announce(pending);
        }
        let _ = reply.send(Ok(submitted));
    }
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

/// The batch did not commit: every caller still waiting gets an error, and no event is announced.
fn fail_all(error: &sqlx::Error, done: Vec<Done>, queued: Vec<Queued>) {
    tracing::error!(error = %error, callers = done.len() + queued.len(), "a batch of submissions failed");
    let replies = done.into_iter().map(|d| d.reply).chain(queued.into_iter().map(|q| q.reply));
    for reply in replies {
        let _ = reply.send(Err(SubmitError::Db(replicate(error))));
    }
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
