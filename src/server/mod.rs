//! Everything that only exists on the server: configuration, state, the database layer, authentication,
//! live events and the HTTP router. Compiled only with the `ssr` feature.
pub mod accounts;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod deflection;
pub mod demo;
pub mod demo_kb;
pub mod events;
pub mod feedback;
pub mod http;
pub mod insights;
pub mod jobs;
pub mod kb;
pub mod kb_editor;
pub mod kb_gaps;
pub mod kb_highlight;
pub mod kb_images;
pub mod mail;
pub mod markdown;
pub mod notify;
pub mod photos;
pub mod preferences;
pub mod requests;
pub mod scheduler;
pub mod security;
pub mod state;
pub mod submissions;

/// Milliseconds since the Unix epoch: the one time representation stored on both backends.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
