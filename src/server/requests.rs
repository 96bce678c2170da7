//! Submitting and tracking service requests. A submission is one transaction: the request, its reference,
//! a tracking token, the first timeline entry, the confirmation mail in the outbox and the team's live event.
use serde::Serialize;

use crate::domain::job::{reference, JobStatus};
use crate::domain::request::{expected_first_response_hours, NewRequest, RequestInput};
use crate::domain::schedule::Window;
use crate::domain::time::DAY_MS;
use crate::domain::{CurrentUser, FieldError, FieldErrors, Role};
use crate::i18n::Locale;
use crate::server::auth::tokens::{hash_token, plausible, random_token};
use crate::server::config::Config;
use crate::server::db::photos::NewPhoto;
use crate::server::db::{requests, Conn, Db, DbResult};
use crate::server::events::bus::Pending;
use crate::server::events::EventBus;
use crate::server::mail::{self, templates::render, templates::Template};
use crate::server::scheduler::sla_alert;
use leptos_i18n::Locale as _;

pub use super::jobs::{add_message, change_status, job_topic, JobError};

#[derive(Debug)]
pub enum SubmitError {
    Invalid(FieldErrors),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for SubmitError {
    fn from(e: sqlx::Error) -> Self {
        SubmitError::Db(e)
    }
}

/// What the customer gets back: the reference to quote and the private tracking token (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub reference: String,
    pub token: String,
}

/// The team's live event for a new request (`request.created` on the `staff` topic).
#[derive(Serialize)]
pub struct CreatedEvent<'a> {
    pub reference: &'a str,
    pub summary: &'a str,
}

/// The year of `now` (UTC), the one a new request's reference carries.
pub fn reference_year(now: i64) -> i32 {
    crate::domain::time::format_utc(now)[..4].parse().unwrap_or(1970)
}

/// A form's idempotency key: random, URL-safe, of sane length. It also names the form's deflection session
/// (`server::deflection`).
pub fn valid_key(key: &str) -> bool {
    (16..=100).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Files a request. Submitting the same form twice (a double click, a retry after a lost answer) finds the
/// first request by its idempotency key and only issues another tracking link for it.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    input: &RequestInput,
    idempotency_key: &str,
    customer: Option<&CurrentUser>,
    locale: Locale,
    now: i64,
) -> Result<Submitted, SubmitError> {
    let mut tx = db.begin().await?;
    let (submitted, pending) =
        submit_in(&mut tx, bus, config, input, idempotency_key, &[], customer, locale, now).await?;
    tx.commit().await?;
    if let Some(pending) = pending {
        bus.announce(pending);
    }
    Ok(submitted)
}

/// Checks the form against the active categories, the date `now` and the idempotency key's shape, saving
/// nothing.
pub async fn check(
    conn: &mut Conn,
    input: &RequestInput,
    idempotency_key: &str,
    now: i64,
) -> Result<NewRequest, SubmitError> {
    let categories = requests::categories(conn).await?;
    let ids: Vec<i64> = categories.iter().map(|c| c.id).collect();
    check_against(&ids, input, idempotency_key, now)
}

/// [`check`] against the ids of the active categories, already read (a batch reads them once for all its
/// submissions).
pub fn check_against(
    category_ids: &[i64],
    input: &RequestInput,
    idempotency_key: &str,
    now: i64,
) -> Result<NewRequest, SubmitError> {
    let parsed = input.parse(category_ids, now);
    if !valid_key(idempotency_key) {
        let mut errors = parsed.err().unwrap_or_default();
        errors.add("idempotency_key", FieldError::InvalidChoice);
        return Err(SubmitError::Invalid(errors));
    }
    parsed.map_err(SubmitError::Invalid)
}

/// The row a checked form is inserted as: received, in the form's language, and attached to the signed-in user
/// only when that user is a customer. One submission and a batch both insert exactly this.
pub fn request_row<'a>(
    new: &'a NewRequest,
    idempotency_key: &'a str,
    customer: Option<&CurrentUser>,
    locale: Locale,
) -> requests::NewRequestRow<'a> {
    requests::NewRequestRow {
        idempotency_key,
        customer_id: customer.filter(|u| u.has(Role::Customer)).map(|u| u.id),
        name: &new.name,
        email: new.email.as_str(),
        phone: new.phone.as_deref(),
        address: &new.address,
        category_id: new.category_id,
        summary: &new.summary,
        description: &new.description,
        status: JobStatus::Received.as_str(),
        locale: locale.as_str(),
    }
}

/// The whole submission inside the caller's transaction; the caller commits, then announces the returned
/// event (none when the form had been submitted before: then `photos` are not recorded either, and the
/// caller removes their objects).
#[allow(clippy::too_many_arguments)]
pub async fn submit_in(
    tx: &mut Conn,
    bus: &EventBus,
    config: &Config,
    input: &RequestInput,
    idempotency_key: &str,
    photos: &[NewPhoto],
    customer: Option<&CurrentUser>,
    locale: Locale,
    now: i64,
) -> Result<(Submitted, Option<Pending>), SubmitError> {
    let new = check(&mut *tx, input, idempotency_key, now).await?;
    let token = random_token();
    if let Some(existing) = requests::by_idempotency_key(&mut *tx, idempotency_key).await? {
        requests::add_token(&mut *tx, &hash_token(&token), existing.id, now).await?;
        return Ok((Submitted { reference: existing.reference.unwrap_or_default(), token }, None));
    }
    let row = request_row(&new, idempotency_key, customer, locale);
    let id = requests::insert(&mut *tx, &row, now).await?;
    let category = requests::category(&mut *tx, new.category_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    sla_alert::schedule_for(&mut *tx, id, now, category.first_response_hours).await?;
    let windows: Vec<_> = new.windows.iter().map(|w| (w.day_str(), w.part.as_str())).collect();
    requests::propose_windows(&mut *tx, id, &windows, now).await?;
    let reference = reference(reference_year(now), id);
    requests::set_reference(&mut *tx, id, &reference).await?;
    requests::add_token(&mut *tx, &hash_token(&token), id, now).await?;
    let received = requests::NewJobEvent {
        request_id: id,
        kind: "status",
        status: Some(JobStatus::Received.as_str()),
        body: None,
        public: true,
        actor_id: None,
        detail: None,
    };
    requests::add_event(&mut *tx, &received, now).await?;
    for photo in photos {
        crate::server::db::photos::insert(&mut *tx, id, None, photo, customer.map(|u| u.id), now).await?;
    }

    let link = config.link(&format!("/track/{token}"));
    let template =
        Template::RequestReceived { name: &new.name, reference: &reference, summary: &new.summary, link: &link };
    mail::queue(&mut *tx, "request_received", new.email.as_str(), &render(locale, &template), now).await?;
    let event = CreatedEvent { reference: &reference, summary: &new.summary };
    let pending = bus.append(&mut *tx, "staff", "request.created", &event, now).await?;
    Ok((Submitted { reference, token }, Some(pending)))
}

/// A request as its customer sees it: only customer-visible facts and timeline entries.
pub struct Tracked {
    pub request: requests::RequestRow,
    pub category: requests::CategoryRow,
    pub expected_hours: i64,
    /// The customer's current preferred windows.
    pub windows: Vec<Window>,
    pub events: Vec<requests::JobEventRow>,
    /// The photos the customer side may see.
    pub photos: Vec<crate::server::db::photos::PhotoRow>,
    /// The live-event log position this view corresponds to.
    pub live_since: i64,
}

/// How a customer reaches one request: its private tracking link, or their own account.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    Token(&'a str),
    Owner { request_id: i64, customer_id: i64 },
}

/// The request a customer's access opens, if any: a token opens its one request, an account only its own
/// (someone else's id answers exactly like an unknown one).
pub async fn open(conn: &mut Conn, access: Access<'_>) -> DbResult<Option<requests::RequestRow>> {
    match access {
        // Anything longer than a token is not looked up at all.
        Access::Token(token) if !plausible(token) => Ok(None),
        Access::Token(token) => requests::by_token(conn, &hash_token(token)).await,
        Access::Owner { request_id, customer_id } => {
            Ok(requests::by_id(conn, request_id).await?.filter(|r| r.customer_id == Some(customer_id)))
        }
    }
}

/// The request a tracking token opens, if any.
pub async fn request_id_for_token(db: &Db, token: &str) -> DbResult<Option<i64>> {
    let mut conn = db.acquire().await?;
    Ok(open(&mut conn, Access::Token(token)).await?.map(|r| r.id))
}

/// Stored `(day, part)` pairs as windows, skipping any that no longer read.
pub fn windows_of(rows: &[(String, String)]) -> Vec<Window> {
    rows.iter().filter_map(|(d, p)| Window::from_stored(Some(d), Some(p))).collect()
}

pub async fn track(db: &Db, access: Access<'_>, now: i64) -> DbResult<Option<Tracked>> {
    let mut conn = db.acquire().await?;
    // Read the log position first: anything after it may be missing from this view and will be streamed.
    let live_since = crate::server::db::events::max_id(&mut conn).await?;
    let Some(request) = open(&mut conn, access).await? else {
        return Ok(None);
    };
    let category = requests::category(&mut conn, request.category_id).await?.ok_or(sqlx::Error::RowNotFound)?;
    let mut recent = requests::recent_first_responses(&mut conn, category.id, now - 30 * DAY_MS, 1000).await?;
    let expected_hours = expected_first_response_hours(category.first_response_hours, &mut recent);
    let windows = windows_of(&requests::current_windows(&mut conn, request.id).await?);
    let events = requests::public_events(&mut conn, request.id).await?;
    let photos = crate::server::db::photos::public_for_request(&mut conn, request.id).await?;
    Ok(Some(Tracked { request, category, expected_hours, windows, events, photos, live_since }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn idempotency_keys_are_checked() {
        assert!(super::valid_key("abcdefghijklmnop"));
        assert!(!super::valid_key("short"));
        assert!(!super::valid_key("has spaces in it, quite long"));
    }
}
