//! Domain types and rules. Compiled for both the server and the browser, free of I/O, unit-tested beside the code.
pub mod category;
pub mod email;
pub mod error;
pub mod feedback;
pub mod insights;
pub mod job;
pub mod kb;
pub mod password;
pub mod photo;
pub mod preferences;
pub mod request;
pub mod role;
pub mod schedule;
pub mod scheduled;
pub mod sla;
pub mod time;
pub mod user;

pub use email::Email;
pub use error::{AppError, FieldError, FieldErrors};
pub use password::Password;
pub use role::{Role, Roles};
pub use user::{CurrentUser, DisplayName, UserId};
