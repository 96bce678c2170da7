//! Authentication: password hashing, server-side sessions, magic links, and who the current user is.
pub mod magic;
pub mod password;
pub mod session;
pub mod tokens;

pub use session::{Sessions, SESSION_COOKIE};
