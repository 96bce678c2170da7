//! Reusable pieces of UI.
pub mod browser_notify;
pub mod errors;
pub mod fields;
pub mod inline;
pub mod job;
pub mod kb_images;
pub mod photos;
pub mod schedule;
pub mod suggestions;
pub mod title;
pub mod upload;
