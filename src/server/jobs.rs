//! Changing a job: the team's actions (status, schedule, ETA and delays, assignment, replies and notes) and
//! the customer's (reply, cancel, propose new windows). Every change is one transaction: the job's state
//! under an optimistic version check, its append-only timeline entries, and the live events, which are
//! announced only after the commit.
// Each action takes the database, the event bus and the configuration (for links in mails) besides its own
// inputs; bundling them would only hide what an action touches.
#![allow(clippy::too_many_arguments)]
use serde::Serialize;

use crate::domain::job::{transition, JobStatus};
use crate::domain::request::{text, MESSAGE_MAX};
use crate::domain::schedule::{parse_eta, parse_window, parse_windows, EventDetail, Window, WindowInput};
use crate::domain::{CurrentUser, FieldError, FieldErrors};
use crate::server::config::Config;
use crate::server::db::photos::{self, NewPhoto};
use crate::server::db::Conn;
use crate::server::db::{requests, users, Db};
use crate::server::events::bus::Pending;
use crate::server::events::EventBus;
use crate::server::feedback;
use crate::server::notify::{notify, Notice};
use crate::server::requests::{open, windows_of, Access};
use crate::server::scheduler::reminder;

pub use crate::domain::request::REASON_MAX;

#[derive(Debug)]
pub enum JobError {
    NotFound,
    /// The lifecycle does not allow this move.
    InvalidTransition {
        from: JobStatus,
        to: JobStatus,
    },
    /// Someone else changed the job since the form was loaded: who and when (the latest timeline entry).
    Conflict {
        by: Option<String>,
        at: i64,
    },
    /// A form field was refused (all of them, with what was typed).
    Invalid(FieldErrors),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Db(e)
    }
}

impl JobError {
    fn field(field: &str, error: FieldError, typed: Option<&str>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, error);
        if let Some(typed) = typed {
            errors.keep(field, typed);
        }
        JobError::Invalid(errors)
    }
}

/// The topic a job's customer-visible changes are published on.
pub fn job_topic(request_id: i64) -> String {
    crate::live::Topic::Job(request_id).key()
}

/// The changeable part of a job, read from and saved to its row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JobState {
    status: JobStatus,
    technician_id: Option<i64>,
    confirmed: Option<Window>,
    eta: Option<i64>,
}

impl JobState {
    fn of(row: &requests::RequestRow) -> Self {
        JobState {
            status: JobStatus::parse(&row.status).unwrap_or(JobStatus::Received),
            technician_id: row.technician_id,
            confirmed: Window::from_stored(row.confirmed_day.as_deref(), row.confirmed_part.as_deref()),
            eta: row.eta_at,
        }
    }

    fn row(&self) -> requests::JobStateRow {
        requests::JobStateRow {
            status: self.status.as_str().to_owned(),
            technician_id: self.technician_id,
            confirmed_day: self.confirmed.map(|w| w.day_str()),
            confirmed_part: self.confirmed.map(|w| w.part.as_str().to_owned()),
            eta_at: self.eta,
        }
    }

    /// Moves through the lifecycle; an ETA belongs to a technician on the way and goes when they are not.
    fn move_to(&mut self, target: JobStatus) -> Result<(), JobError> {
        self.status =
            transition(self.status, target).map_err(|e| JobError::InvalidTransition { from: e.from, to: e.to })?;
        if target != JobStatus::EnRoute {
            self.eta = None;
        }
        // Another visit needs a new window: the old one is history (it stays in the timeline).
        if target == JobStatus::NeedsRevisit {
            self.confirmed = None;
        }
        Ok(())
    }
}

/// One timeline entry a change writes.
struct Entry {
    kind: &'static str,
    status: Option<JobStatus>,
    body: Option<String>,
    public: bool,
    detail: EventDetail,
    /// The entry's `detail.windows` become the customer's current preferred windows.
    proposes_windows: bool,
    /// Photos (already in the store) that came with the entry.
    photos: Vec<NewPhoto>,
}

impl Entry {
    fn public(kind: &'static str) -> Self {
        Entry {
            kind,
            status: None,
            body: None,
            public: true,
            detail: EventDetail::default(),
            proposes_windows: false,
            photos: Vec::new(),
        }
    }
}

/// Who acts, on which job: a team member on a job id (checked against the version they saw; their public
/// entries answer the customer), or the customer through their access (signed in or by link).
#[derive(Clone, Copy)]
pub enum Actor<'a> {
    /// `expected_version: None` for a change that depends on no state (a message).
    Staff {
        user: &'a CurrentUser,
        request_id: i64,
        expected_version: Option<i64>,
    },
    Customer {
        user: Option<&'a CurrentUser>,
        access: Access<'a>,
    },
    /// The customer answering a survey about the job (its link was checked by the caller).
    Survey {
        request_id: i64,
    },
}

/// What a change sees besides the state: the job as stored and the customer's current windows.
struct Job {
    row: requests::RequestRow,
    windows: Vec<Window>,
}

#[derive(Serialize)]
struct LivePayload<'a> {
    reference: &'a str,
    status: &'a str,
}

/// Loads the job, applies `change` to its state, then saves the state (only if it changed, under the version
/// check) and the entries, and publishes: public entries on the job's own topic (the customer's stream),
/// every entry on the team's topic.
async fn update(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    actor: Actor<'_>,
    change: impl FnOnce(&Job, &mut JobState) -> Result<Vec<Entry>, JobError>,
    now: i64,
) -> Result<(), JobError> {
    let mut tx = db.begin().await?;
    let pending = update_in(&mut tx, bus, config, actor, change, now).await?;
    tx.commit().await?;
    for p in pending {
        bus.announce(p);
    }
    Ok(())
}

/// [`update`] inside the caller's transaction; the caller announces the returned events after its commit.
async fn update_in(
    tx: &mut Conn,
    bus: &EventBus,
    config: &Config,
    actor: Actor<'_>,
    change: impl FnOnce(&Job, &mut JobState) -> Result<Vec<Entry>, JobError>,
    now: i64,
) -> Result<Vec<Pending>, JobError> {
    let row = match actor {
        Actor::Staff { request_id, .. } | Actor::Survey { request_id } => requests::by_id(&mut *tx, request_id).await?,
        Actor::Customer { access, .. } => open(&mut *tx, access).await?,
    };
    let row = row.ok_or(JobError::NotFound)?;
    if let Actor::Staff { expected_version: Some(expected_version), .. } = actor {
        if row.version != expected_version {
            let last = requests::all_events(&mut *tx, row.id).await?.pop();
            return Err(JobError::Conflict {
                by: last.as_ref().and_then(|e| e.actor.clone()),
                at: last.map(|e| e.created_at).unwrap_or(row.created_at),
            });
        }
    }
    let job = Job { windows: windows_of(&requests::current_windows(&mut *tx, row.id).await?), row };
    let before = JobState::of(&job.row);
    let mut state = before.clone();
    let entries = change(&job, &mut state)?;
    let (actor_id, by_staff) = match actor {
        Actor::Staff { user, .. } => (Some(user.id), true),
        Actor::Customer { user, .. } => (user.map(|u| u.id), false),
        Actor::Survey { .. } => (None, false),
    };
    let answers = by_staff && entries.iter().any(|e| e.public);
    // New preferred windows change what staff choose from: like a state change, they move the version on,
    // so a confirmation based on the old list is refused.
    if state != before || entries.iter().any(|e| e.proposes_windows) {
        if !requests::save_state(&mut *tx, job.row.id, &state.row(), job.row.version, answers, now).await? {
            return Err(JobError::Conflict { by: None, at: now });
        }
    } else if answers {
        requests::mark_first_response(&mut *tx, job.row.id, now).await?;
    }
    // The appointment reminder follows the confirmed window, in this same transaction.
    let remindable = |s: &JobState| reminder::remindable(s.status, s.confirmed);
    if remindable(&state) != remindable(&before) {
        reminder::sync(&mut *tx, job.row.id, remindable(&state), now).await?;
    }
    let reference = job.row.reference.clone().unwrap_or_default();
    let payload = LivePayload { reference: &reference, status: state.status.as_str() };
    let mut pending = Vec::new();
    for entry in &entries {
        if entry.proposes_windows {
            let windows: Vec<_> = entry.detail.windows.iter().map(|w| (w.day_str(), w.part.as_str())).collect();
            requests::propose_windows(&mut *tx, job.row.id, &windows, now).await?;
        }
        // The customer hears of the team's public steps by mail, written in this same transaction; the
        // completion mail asks how it went.
        if by_staff && entry.public {
            if entry.kind == "status" && entry.status == Some(JobStatus::Completed) {
                let notice = match feedback::open_on_completion(&mut *tx, config, &job.row, now).await? {
                    Some(surveys) => Notice::Completed(surveys),
                    None => Notice::Status(JobStatus::Completed, None),
                };
                crate::server::scheduler::surveys::after_completion(&mut *tx, job.row.id, now).await?;
                notify(&mut *tx, config, &job.row, &notice, now).await?;
            } else if let Some(notice) = notice_of(entry) {
                notify(&mut *tx, config, &job.row, &notice, now).await?;
            }
        }
        let detail = entry.detail.to_stored();
        let new = requests::NewJobEvent {
            request_id: job.row.id,
            kind: entry.kind,
            status: entry.status.map(JobStatus::as_str),
            body: entry.body.as_deref(),
            public: entry.public,
            actor_id,
            detail: detail.as_deref(),
        };
        let event_id = requests::add_event(&mut *tx, &new, now).await?;
        for photo in &entry.photos {
            photos::insert(&mut *tx, job.row.id, Some(event_id), photo, actor_id, now).await?;
        }
        let kind = format!("job.{}", entry.kind);
        if entry.public {
            pending.push(bus.append(&mut *tx, &job_topic(job.row.id), &kind, &payload, now).await?);
        }
        pending.push(bus.append(&mut *tx, "staff", &kind, &payload, now).await?);
    }
    Ok(pending)
}

/// What the customer is mailed about a team entry, if anything.
fn notice_of(entry: &Entry) -> Option<Notice<'_>> {
    match entry.kind {
        "scheduled" => entry.detail.window.map(Notice::Confirmed),
        "status" => entry.status.map(|s| Notice::Status(s, entry.detail.eta)),
        "delay" => Some(Notice::Delay { eta: entry.detail.eta?, reason: entry.body.as_deref().unwrap_or_default() }),
        "reply" => entry.body.as_deref().map(Notice::Reply),
        _ => None,
    }
}

/// Moves a job through its lifecycle (allowed transitions only). Going `en_route` needs an ETA; going
/// `scheduled` needs a confirmed window (see [`schedule`]).
pub async fn change_status(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: &CurrentUser,
    request_id: i64,
    target: JobStatus,
    expected_version: i64,
    eta: Option<&str>,
    now: i64,
) -> Result<(), JobError> {
    let eta = match target {
        JobStatus::EnRoute => {
            let raw = eta.unwrap_or_default();
            Some(parse_eta(raw, now).map_err(|e| JobError::field("eta", e, Some(raw)))?)
        }
        _ => None,
    };
    let actor = Actor::Staff { user, request_id, expected_version: Some(expected_version) };
    let change = |_: &Job, state: &mut JobState| {
        state.move_to(target)?;
        if target == JobStatus::Scheduled && state.confirmed.is_none_or(|w| w.ends_at() <= now) {
            return Err(JobError::field("status", FieldError::WindowRequired, None));
        }
        state.eta = eta.or(state.eta);
        let mut entry = Entry::public("status");
        entry.status = Some(target);
        entry.detail.eta = eta;
        Ok(vec![entry])
    };
    update(db, bus, config, actor, change, now).await
}

/// Which window staff confirm: one of the customer's (1-based) or another one they agreed on.
#[derive(Debug, Clone)]
pub enum WindowChoice {
    Preferred(usize),
    Other(WindowInput),
}

/// Confirms the visit's window: the job becomes (or stays) `scheduled`; a technician on the way is put back
/// to `scheduled` for the new window.
pub async fn schedule(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: &CurrentUser,
    request_id: i64,
    expected_version: i64,
    choice: WindowChoice,
    now: i64,
) -> Result<(), JobError> {
    let other = match &choice {
        WindowChoice::Other(input) => {
            let mut errors = FieldErrors::new();
            let Some(window) = parse_window(input, 1, now, &mut errors) else {
                return Err(JobError::Invalid(rename_window_fields(errors)));
            };
            Some(window)
        }
        WindowChoice::Preferred(_) => None,
    };
    let actor = Actor::Staff { user, request_id, expected_version: Some(expected_version) };
    let change = |job: &Job, state: &mut JobState| {
        let window = match (other, &choice) {
            (Some(window), _) => window,
            (None, WindowChoice::Preferred(n)) => *n
                .checked_sub(1)
                .and_then(|i| job.windows.get(i))
                .ok_or_else(|| JobError::field("choice", FieldError::InvalidChoice, None))?,
            (None, WindowChoice::Other(_)) => return Err(JobError::field("choice", FieldError::InvalidChoice, None)),
        };
        let mut entry = Entry::public("scheduled");
        if state.status != JobStatus::Scheduled {
            state.move_to(JobStatus::Scheduled)?;
            entry.status = Some(JobStatus::Scheduled);
        }
        state.confirmed = Some(window);
        state.eta = None;
        entry.detail.window = Some(window);
        Ok(vec![entry])
    };
    update(db, bus, config, actor, change, now).await
}

/// The schedule form names its own window fields `day` and `part`, not the request form's `window1_*`.
fn rename_window_fields(errors: FieldErrors) -> FieldErrors {
    let rename = |f: String| f.replace("window1_", "");
    FieldErrors(
        errors.0.into_iter().map(|(f, e)| (rename(f), e)).collect(),
        errors.1.into_iter().map(|(f, v)| (rename(f), v)).collect(),
    )
}

/// A delay notice: a new ETA and the reason, while the visit is still ahead.
pub async fn delay(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: &CurrentUser,
    request_id: i64,
    expected_version: i64,
    eta: &str,
    reason: &str,
    now: i64,
) -> Result<(), JobError> {
    let mut errors = FieldErrors::new();
    errors.keep("eta", eta);
    errors.keep("reason", reason);
    let new_eta = errors.check("eta", parse_eta(eta, now));
    let why = errors.check("reason", text(reason, 1, REASON_MAX, true));
    let (Some(new_eta), Some(why)) = (new_eta, why) else {
        return Err(JobError::Invalid(errors));
    };
    let actor = Actor::Staff { user, request_id, expected_version: Some(expected_version) };
    let change = |_: &Job, state: &mut JobState| {
        if !matches!(state.status, JobStatus::Scheduled | JobStatus::EnRoute) {
            return Err(JobError::field("eta", FieldError::NotNow, Some(eta)));
        }
        state.eta = Some(new_eta);
        let mut entry = Entry::public("delay");
        entry.body = Some(why);
        entry.detail.eta = Some(new_eta);
        Ok(vec![entry])
    };
    update(db, bus, config, actor, change, now).await
}

/// Assigns a technician (an active staff member), or nobody with `None`. The entry is internal: the
/// customer's timeline does not list the roster.
pub async fn assign(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: &CurrentUser,
    request_id: i64,
    expected_version: i64,
    technician: Option<i64>,
    now: i64,
) -> Result<(), JobError> {
    let name = match technician {
        None => None,
        Some(id) => {
            let mut conn = db.acquire().await?;
            let staff = users::active_with_role(&mut conn, "staff").await?;
            let found = staff.into_iter().find(|(sid, _)| *sid == id).map(|(_, name)| name);
            Some(found.ok_or_else(|| JobError::field("technician", FieldError::InvalidChoice, None))?)
        }
    };
    let actor = Actor::Staff { user, request_id, expected_version: Some(expected_version) };
    let change = |_: &Job, state: &mut JobState| {
        state.technician_id = technician;
        let mut entry = Entry::public("assigned");
        entry.public = false;
        entry.body = name;
        Ok(vec![entry])
    };
    update(db, bus, config, actor, change, now).await
}

/// A public reply (the customer sees it, live) or an internal note (written with `public = 0`, which the
/// customer's queries never select, and announced only on the team's topic). Messages change no state, so
/// they are not checked against a version.
pub async fn add_message(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: &CurrentUser,
    request_id: i64,
    body: &str,
    public: bool,
    now: i64,
) -> Result<(), JobError> {
    let text = text(body, 1, MESSAGE_MAX, true).map_err(|e| JobError::field("body", e, Some(body)))?;
    let actor = Actor::Staff { user, request_id, expected_version: None };
    let change = |_: &Job, _: &mut JobState| {
        let mut entry = Entry::public(if public { "reply" } else { "note" });
        entry.public = public;
        entry.body = Some(text);
        Ok(vec![entry])
    };
    update(db, bus, config, actor, change, now).await
}

/// What [`customer_reply`] checks before anything is stored: that `access` opens a job and the text is
/// acceptable (so photos of a refused message are never written).
pub async fn check_customer_reply(db: &Db, access: Access<'_>, body: &str) -> Result<(), JobError> {
    text(body, 1, MESSAGE_MAX, true).map_err(|e| JobError::field("body", e, Some(body)))?;
    let mut conn = db.acquire().await?;
    open(&mut conn, access).await?.map(|_| ()).ok_or(JobError::NotFound)
}

/// The customer writes to the team (shown on both sides, live), with photos already in the store.
pub async fn customer_reply(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: Option<&CurrentUser>,
    access: Access<'_>,
    body: &str,
    photos: &[NewPhoto],
    now: i64,
) -> Result<(), JobError> {
    let text = text(body, 1, MESSAGE_MAX, true).map_err(|e| JobError::field("body", e, Some(body)))?;
    let change = |_: &Job, _: &mut JobState| {
        let mut entry = Entry::public("customer_reply");
        entry.body = Some(text);
        entry.photos = photos.to_vec();
        Ok(vec![entry])
    };
    update(db, bus, config, Actor::Customer { user, access }, change, now).await
}

/// The customer cancels, with a reason, until the technician is on site.
pub async fn customer_cancel(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: Option<&CurrentUser>,
    access: Access<'_>,
    reason: &str,
    now: i64,
) -> Result<(), JobError> {
    let why = text(reason, 1, REASON_MAX, true).map_err(|e| JobError::field("reason", e, Some(reason)))?;
    let change = |_: &Job, state: &mut JobState| {
        if !state.status.customer_may_cancel() {
            return Err(JobError::field("reason", FieldError::NotNow, Some(reason)));
        }
        state.move_to(JobStatus::Cancelled)?;
        let mut entry = Entry::public("customer_cancel");
        entry.status = Some(JobStatus::Cancelled);
        entry.body = Some(why);
        Ok(vec![entry])
    };
    update(db, bus, config, Actor::Customer { user, access }, change, now).await
}

/// The customer answered "no" to "did the fix hold?": a completed job goes back to `needs_revisit` (it then
/// counts against first-time fix), with a timeline entry the team sees live. Inside the caller's transaction
/// (the one recording the answer); a job that is no longer completed is left as it is.
pub async fn fix_did_not_hold(
    tx: &mut Conn,
    bus: &EventBus,
    config: &Config,
    request_id: i64,
    now: i64,
) -> Result<Vec<Pending>, JobError> {
    let change = |_: &Job, state: &mut JobState| {
        if state.status != JobStatus::Completed {
            return Ok(Vec::new());
        }
        state.move_to(JobStatus::NeedsRevisit)?;
        let mut entry = Entry::public("fix_not_held");
        entry.status = Some(JobStatus::NeedsRevisit);
        Ok(vec![entry])
    };
    update_in(tx, bus, config, Actor::Survey { request_id }, change, now).await
}

/// The customer proposes new windows (a reschedule request) until the technician is on site; the team then
/// confirms one. The earlier proposal is kept in the timeline but superseded.
pub async fn customer_reschedule(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    user: Option<&CurrentUser>,
    access: Access<'_>,
    inputs: &[WindowInput],
    now: i64,
) -> Result<(), JobError> {
    let mut errors = FieldErrors::new();
    let Some(windows) = parse_windows(inputs, now, &mut errors) else {
        return Err(JobError::Invalid(errors));
    };
    let change = |_: &Job, state: &mut JobState| {
        if !state.status.customer_may_cancel() {
            return Err(JobError::field("window1_day", FieldError::NotNow, None));
        }
        let mut entry = Entry::public("reschedule");
        entry.detail.windows = windows;
        entry.proposes_windows = true;
        Ok(vec![entry])
    };
    update(db, bus, config, Actor::Customer { user, access }, change, now).await
}
