//! One module per page.
pub mod account;
pub mod admin_categories;
pub mod admin_users;
pub mod error;
pub mod forbidden;
pub mod help;
pub mod help_article;
pub mod help_search;
pub mod home;
pub mod magic;
pub mod my_requests;
pub mod not_found;
pub mod request_new;
pub mod sign_in;
pub mod staff;
pub mod staff_job;
pub mod track;
