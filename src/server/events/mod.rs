//! Live events: an append-only log in the database, fanned out to SSE subscribers. On SQLite the fan-out is an
//! in-process broadcast; on PostgreSQL every instance LISTENs, so an event published on one reaches all.
pub mod bus;
pub mod sse;

pub use bus::{EventBus, LiveEvent};
