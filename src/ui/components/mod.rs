//! Reusable pieces of UI.
pub mod browser_notify;
pub mod errors;
pub mod fields;
pub mod inline;
pub mod job;
pub mod photos;
pub mod schedule;
pub mod upload;
