//! The event bus. Publishing appends the event to the `events` table inside the caller's transaction and
//! delivery happens only after commit, so a rolled-back change announces nothing.
//!
//! Delivery always reads committed events from the table in id order (`id > last delivered`), on both
//! backends. That is gap-free because event-writing transactions commit in id order: SQLite has one writer
//! at a time (`BEGIN IMMEDIATE`), and on PostgreSQL `append` takes a transaction-scoped advisory lock before
//! the insert. On PostgreSQL each instance is woken by LISTEN/NOTIFY (the payload is only a wake-up), so
//! events published on any instance reach the subscribers of all.
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, Notify};

use crate::server::db::{self, events::EventRow, Backend, Conn, Db, DbResult, Lock};

/// The PostgreSQL channel that wakes the listeners of every instance.
pub const PG_CHANNEL: &str = "portal_events";

pub type LiveEvent = Arc<EventRow>;

#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<LiveEvent>,
    backend: Backend,
    wake: Arc<Notify>,
}

/// An event appended but not yet announced; hand it to [`EventBus::announce`] after the commit.
#[must_use = "announce the event after the transaction commits"]
pub struct Pending(());

impl EventBus {
    pub fn new(backend: Backend) -> Self {
        // A subscriber that falls this far behind gets `Lagged` and catches up from the table.
        let (tx, _) = broadcast::channel(4096);
        Self { tx, backend, wake: Arc::default() }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Appends an event to the log inside the caller's transaction. On PostgreSQL it first takes the event
    /// lock (so commits happen in id order) and queues a NOTIFY, which PostgreSQL delivers only on commit.
    pub async fn append(
        &self,
        conn: &mut Conn,
        topic: &str,
        kind: &str,
        payload: &impl Serialize,
        now: i64,
    ) -> DbResult<Pending> {
        let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        db::lock(conn, self.backend, Lock::Events).await?;
        db::events::insert(conn, topic, kind, &payload, now).await?;
        if self.backend == Backend::Postgres {
            db::events::pg_notify(conn, PG_CHANNEL).await?;
        }
        Ok(Pending(()))
    }

    /// Call after the commit: wakes this instance's delivery (PostgreSQL's NOTIFY wakes every instance).
    pub fn announce(&self, _pending: Pending) {
        self.wake.notify_one();
    }

    /// Delivers committed events to subscribers, forever. Runs once per instance beside the server.
    pub async fn run(self, db: Db) {
        let mut last_id = loop {
            match db.acquire().await {
                Ok(mut conn) => match db::events::max_id(&mut conn).await {
                    Ok(id) => break id,
                    Err(e) => tracing::warn!(error = %e, "event bus cannot read the log yet"),
                },
                Err(e) => tracing::warn!(error = %e, "event bus cannot reach the database yet"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        loop {
            let result = match self.backend {
                Backend::Sqlite => self.deliver_on_wake(&db, &mut last_id).await,
                Backend::Postgres => self.listen(&db, &mut last_id).await,
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, "event delivery interrupted; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn deliver_on_wake(&self, db: &Db, last_id: &mut i64) -> DbResult<()> {
        loop {
            self.wake.notified().await;
            self.catch_up(db, last_id).await?;
        }
    }

    async fn listen(&self, db: &Db, last_id: &mut i64) -> DbResult<()> {
        let mut listener = sqlx::postgres::PgListener::connect(db.url()).await?;
        listener.listen(PG_CHANNEL).await?;
        // Anything committed while nobody was listening.
        self.catch_up(db, last_id).await?;
        loop {
            // `Ok(None)`: the connection was lost and re-established; notifications may have been missed,
            // and catching up from the table covers them either way.
            listener.try_recv().await?;
            self.catch_up(db, last_id).await?;
        }
    }

    async fn catch_up(&self, db: &Db, last_id: &mut i64) -> DbResult<()> {
        let mut conn = db.acquire().await?;
        loop {
            let rows = db::events::all_since(&mut conn, *last_id, 500).await?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in rows {
                *last_id = row.id;
                let _ = self.tx.send(Arc::new(row));
            }
        }
    }
}
