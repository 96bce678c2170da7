//! Server functions by area: thin public endpoints that authorize, parse, call the server layer and return.
//! Each has a stable path under `/api/`.
pub mod account;
pub mod admin;
pub mod auth;
pub mod categories;
pub mod editor;
pub mod feedback;
pub mod gaps;
pub mod help;
pub mod insights;
pub mod jobs;
pub mod kb_images;
pub mod outbox;
pub mod preferences;
pub mod requests;
pub mod scheduler;
pub mod staff;

#[cfg(feature = "ssr")]
pub mod guard;
