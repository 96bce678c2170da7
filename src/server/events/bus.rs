//! The event bus. Publishing appends the event to the `events` table inside the caller's transaction and
//! delivery happens only after commit, so a rolled-back change announces nothing.
//!
//! Delivery always reads committed events from the table in id order (`id > last delivered`), on both
//! backends. That is gap-free because event-writing transactions commit in id order: SQLite has one writer
//! at a time (`BEGIN IMMEDIATE`), and on PostgreSQL `append` takes a transaction-scoped advisory lock before
//! the insert. On PostgreSQL each instance is woken by LISTEN/NOTIFY (the payload is only a wake-up), so
//! events published on any instance reach the subscribers of all.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::{broadcast, Notify};

use crate::live::LiveMessage;
use crate::server::db::{self, events::EventRow, Backend, Conn, Db, DbResult, Lock};

/// The PostgreSQL channel that wakes the listeners of every instance.
pub const PG_CHANNEL: &str = "portal_events";

/// A committed event as every subscriber gets it: the row, and its SSE frame, encoded once for all of them
/// (with thousands of streams on one job, encoding it per stream was a large part of delivering it).
#[derive(Debug)]
pub struct Live {
    pub row: EventRow,
    pub frame: Bytes,
}

impl Live {
    pub fn new(row: EventRow) -> Self {
        let frame = encode(&row);
        Self { row, frame }
    }
}

/// The SSE frame of an event: its id, and a [`LiveMessage`] as JSON for its data.
pub fn encode(row: &EventRow) -> Bytes {
    let message = LiveMessage { id: row.id, kind: row.kind.clone(), payload: row.payload.clone(), at: row.created_at };
    super::sse::frame(row.id, &serde_json::to_string(&message).unwrap_or_default())
}

pub type LiveEvent = Arc<Live>;

#[derive(Clone, Debug)]
pub struct EventBus {
    /// Every event, for the few consumers of all topics.
    tx: broadcast::Sender<LiveEvent>,
    /// One channel per topic with subscribers, so an event wakes only the streams of its own topic: with
    /// thousands of open streams, waking each for every other topic's event costs more than delivering.
    topics: Arc<Mutex<Topics>>,
    backend: Backend,
    wake: Arc<Notify>,
}

/// Events a subscriber of one topic may fall behind by before it gets `Lagged` and reads from the log
/// instead. Each topic's buffer is allocated up front, hence small.
const TOPIC_CAPACITY: usize = 32;

#[derive(Debug, Default)]
struct Topics {
    senders: HashMap<String, broadcast::Sender<LiveEvent>>,
    /// Topics whose last subscriber has gone are dropped when the map has grown to this size.
    sweep_at: usize,
}

impl Topics {
    fn subscribe(&mut self, topic: &str) -> broadcast::Receiver<LiveEvent> {
        if self.senders.len() >= self.sweep_at {
            self.senders.retain(|_, tx| tx.receiver_count() > 0);
            self.sweep_at = (2 * self.senders.len()).max(64);
        }
        match self.senders.get(topic) {
            Some(tx) => tx.subscribe(),
            None => {
                let (tx, rx) = broadcast::channel(TOPIC_CAPACITY);
                self.senders.insert(topic.to_owned(), tx);
                rx
            }
        }
    }
}

/// A batch's live events: the write for `db::batch::write_all` (which takes the event lock), the channel it
/// must notify, and the event to announce after the commit.
pub struct BatchEvents {
    pub write: db::batch::Write,
    pub notify: Option<&'static str>,
    pub pending: Pending,
}

/// An event appended but not yet announced; hand it to [`EventBus::announce`] after the commit.
#[must_use = "announce the event after the transaction commits"]
pub struct Pending(());

impl EventBus {
    pub fn new(backend: Backend) -> Self {
        // A subscriber that falls this far behind gets `Lagged` and catches up from the table.
        let (tx, _) = broadcast::channel(4096);
        Self { tx, topics: Arc::default(), backend, wake: Arc::default() }
    }

    /// Every event of every topic.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// The events of one topic only.
    pub fn subscribe_to(&self, topic: &str) -> broadcast::Receiver<LiveEvent> {
        self.topics.lock().unwrap_or_else(PoisonError::into_inner).subscribe(topic)
    }

    /// Hands a committed event to the subscribers of all topics and to those of its own.
    fn publish(&self, event: LiveEvent) {
        let _ = self.tx.send(event.clone());
        let topic = self.topics.lock().unwrap_or_else(PoisonError::into_inner).senders.get(&event.row.topic).cloned();
        if let Some(tx) = topic {
            // Sent outside the lock: waking thousands of subscribers takes a while.
            let _ = tx.send(event);
        }
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

    /// The live events of a batch of submissions (`server::submissions`): several of one topic and kind
    /// (`(payload, time)`, in this order), written together with the batch's other rows by
    /// `db::batch::write_all` with [`BatchEvents::notify`]. That statement takes the event lock, held to the
    /// commit as [`append`](Self::append)'s. `None` when there is nothing to append.
    pub fn batch_events<P: Serialize>(
        &self,
        topic: &str,
        kind: &str,
        events: &[(P, i64)],
    ) -> DbResult<Option<BatchEvents>> {
        if events.is_empty() {
            return Ok(None);
        }
        let rows = events
            .iter()
            .map(|(payload, at)| {
                let payload = serde_json::to_string(payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                Ok(db::batch::NewLiveEvent { topic, kind, payload, created_at: *at })
            })
            .collect::<DbResult<Vec<_>>>()?;
        let write = db::batch::Write::events(&rows)?;
        let notify = (self.backend == Backend::Postgres).then_some(PG_CHANNEL);
        Ok(Some(BatchEvents { write, notify, pending: Pending(()) }))
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
                self.publish(Arc::new(Live::new(row)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, topic: &str) -> LiveEvent {
        Arc::new(Live::new(EventRow {
            id,
            topic: topic.into(),
            kind: "test".into(),
            payload: "{}".into(),
            created_at: 0,
        }))
    }

    #[test]
    fn the_frame_is_the_id_and_the_live_message_as_json() {
        let live = event(7, "job-1");
        let text = std::str::from_utf8(&live.frame).unwrap();
        let data = text.strip_prefix("id: 7\ndata: ").and_then(|t| t.strip_suffix("\n\n")).expect("one SSE frame");
        let message: LiveMessage = serde_json::from_str(data).unwrap();
        assert_eq!(message, LiveMessage { id: 7, kind: "test".into(), payload: "{}".into(), at: 0 });
    }

    #[test]
    fn a_topic_subscriber_gets_its_topic_only() {
        let bus = EventBus::new(Backend::Sqlite);
        let mut all = bus.subscribe();
        let mut job = bus.subscribe_to("job-1");
        let mut staff = bus.subscribe_to("staff");
        bus.publish(event(1, "job-1"));
        bus.publish(event(2, "staff"));
        bus.publish(event(3, "job-2"));
        assert_eq!(job.try_recv().unwrap().row.id, 1);
        assert!(job.try_recv().is_err());
        assert_eq!(staff.try_recv().unwrap().row.id, 2);
        assert!(staff.try_recv().is_err());
        assert_eq!([1, 2, 3].map(|_| all.try_recv().unwrap().row.id), [1, 2, 3]);
    }

    #[test]
    fn topics_without_subscribers_are_dropped() {
        let bus = EventBus::new(Backend::Sqlite);
        let kept = bus.subscribe_to("staff");
        for n in 0..1000 {
            drop(bus.subscribe_to(&format!("job-{n}")));
        }
        let topics = bus.topics.lock().unwrap();
        assert!(topics.senders.len() <= 64, "{} topics kept", topics.senders.len());
        assert!(topics.senders.contains_key("staff"));
        drop(kept);
    }
}
