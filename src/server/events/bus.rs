//! The event bus. Publishing appends the event to the `events` table inside the caller's transaction;
//! delivery happens only after commit, so a rolled-back change announces nothing.
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::server::db::{self, events::EventRow, Backend, Conn, Db, DbResult};

/// The PostgreSQL channel that carries event ids (the data itself is read from the table).
pub const PG_CHANNEL: &str = "portal_events";

pub type LiveEvent = Arc<EventRow>;

#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<LiveEvent>,
    backend: Backend,
}

/// An event appended but not yet announced; hand it to [`EventBus::announce`] after the commit.
#[must_use = "announce the event after the transaction commits"]
pub struct Pending(EventRow);

impl EventBus {
    pub fn new(backend: Backend) -> Self {
        // A subscriber that falls this far behind gets `Lagged` and catches up from the table.
        let (tx, _) = broadcast::channel(4096);
        Self { tx, backend }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Appends an event to the log inside the caller's transaction. On PostgreSQL a NOTIFY is queued in the
    /// same transaction, which PostgreSQL delivers only if and when it commits.
    pub async fn append(
        &self,
        conn: &mut Conn,
        topic: &str,
        kind: &str,
        payload: &impl Serialize,
        now: i64,
    ) -> DbResult<Pending> {
        let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let row = db::events::insert(conn, topic, kind, &payload, now).await?;
        if self.backend == Backend::Postgres {
            db::events::pg_notify(conn, PG_CHANNEL, row.id).await?;
        }
        Ok(Pending(row))
    }

    /// Delivers a committed event to this instance's subscribers. On PostgreSQL the listener does that for
    /// every instance (this one included), so here it is a no-op.
    pub fn announce(&self, pending: Pending) {
        if self.backend == Backend::Sqlite {
            let _ = self.tx.send(Arc::new(pending.0));
        }
    }

    /// Runs forever on PostgreSQL: LISTENs on [`PG_CHANNEL`], reads each announced event and broadcasts it.
    /// After a lost connection it reconnects and re-reads whatever was committed meanwhile.
    pub async fn run_pg_listener(self, db: Db) {
        let mut last_id = match db.acquire().await {
            Ok(mut conn) => db::events::max_id(&mut conn).await.unwrap_or(0),
            Err(_) => 0,
        };
        loop {
            if let Err(e) = self.listen_once(&db, &mut last_id).await {
                tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn listen_once(&self, db: &Db, last_id: &mut i64) -> DbResult<()> {
        let mut listener = sqlx::postgres::PgListener::connect(db.url()).await?;
        listener.listen(PG_CHANNEL).await?;
        // Anything committed while we were not listening.
        self.catch_up(db, last_id).await?;
        loop {
            let notification = listener.recv().await?;
            let Ok(id) = notification.payload().parse::<i64>() else { continue };
            if id <= *last_id {
                continue;
            }
            let mut conn = db.acquire().await?;
            if let Some(row) = db::events::by_id(&mut conn, id).await? {
                *last_id = id;
                let _ = self.tx.send(Arc::new(row));
            }
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
