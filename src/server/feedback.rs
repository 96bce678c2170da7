//! Surveys about a job: opened (with their private links) in the transaction of the change that causes them,
//! answered only by a POST (mail scanners follow GET links), changeable until the link expires. A "no" to
//! "did the fix hold?" reopens the job in the same transaction as the answer.
use crate::domain::feedback::{AnswerInput, Moderation, Quote, SurveyKind, SurveyTiming, SurveyView, SURVEY_DAYS};
use crate::domain::job::JobStatus;
use crate::domain::time::DAY_MS;
use crate::domain::FieldErrors;
use crate::i18n::{td_string, Locale};
use crate::server::auth::tokens::{hash_token, plausible, random_token};
use crate::server::config::Config;
use crate::server::db::feedback::{self as db, NewTestimonial};
use crate::server::db::{requests, settings, Conn, Db, DbResult};
use crate::server::events::EventBus;
use crate::server::jobs::{self, JobError};
use crate::server::mail::{self, templates::render, templates::Template};
use crate::server::preferences;
use crate::server::requests::{open, Access};

const FIX_HELD_DAYS: &str = "feedback.fix_held_days";
const SALIENCE_DAYS: &str = "feedback.salience_days";
const NPS_PERIOD_DAYS: &str = "feedback.nps_period_days";

async fn days(conn: &mut Conn, key: &str, default: i64) -> DbResult<i64> {
    Ok(settings::get(conn, key).await?.and_then(|v| v.parse().ok()).unwrap_or(default))
}

/// When the later surveys go out (admin settings; the defaults until an admin changes them).
pub async fn timing(conn: &mut Conn) -> DbResult<SurveyTiming> {
    let defaults = SurveyTiming::default();
    Ok(SurveyTiming {
        fix_held_days: days(conn, FIX_HELD_DAYS, defaults.fix_held_days).await?,
        salience_days: days(conn, SALIENCE_DAYS, defaults.salience_days).await?,
        nps_period_days: days(conn, NPS_PERIOD_DAYS, defaults.nps_period_days).await?,
    })
}

pub async fn set_timing(db: &Db, timing: SurveyTiming, now: i64) -> DbResult<()> {
    let mut tx = db.begin().await?;
    settings::set(&mut tx, FIX_HELD_DAYS, &timing.fix_held_days.to_string(), now).await?;
    settings::set(&mut tx, SALIENCE_DAYS, &timing.salience_days.to_string(), now).await?;
    settings::set(&mut tx, NPS_PERIOD_DAYS, &timing.nps_period_days.to_string(), now).await?;
    tx.commit().await
}

/// The links a completion mail carries.
#[derive(Debug, Clone)]
pub struct SurveyLinks {
    /// `/feedback/<token>`, to which each score adds `?score=N`.
    pub csat: String,
    pub nps: Option<String>,
    /// The customer's mail preferences (unsubscribe from surveys).
    pub preferences: String,
}

/// Opens a survey with a new private link (valid [`SURVEY_DAYS`]) and returns the link.
async fn open_survey(
    conn: &mut Conn,
    config: &Config,
    request: &requests::RequestRow,
    kind: SurveyKind,
    now: i64,
) -> DbResult<String> {
    let token = random_token();
    db::open(conn, request.id, kind.as_str(), &request.email, &hash_token(&token), now, now + SURVEY_DAYS * DAY_MS)
        .await?;
    Ok(config.link(&format!("/feedback/{token}")))
}

/// In the transaction that completes a job: the satisfaction survey, and NPS unless this customer was asked
/// within the NPS period.
/// A customer who unsubscribed from surveys gets no survey links (the tracking page still offers the rating).
pub async fn open_on_completion(
    conn: &mut Conn,
    config: &Config,
    request: &requests::RequestRow,
    now: i64,
) -> DbResult<Option<SurveyLinks>> {
    let csat = open_survey(conn, config, request, SurveyKind::Csat, now).await?;
    if !preferences::of(conn, &request.email).await?.surveys {
        return Ok(None);
    }
    let period = timing(conn).await?.nps_period_days;
    let asked = db::asked_since(conn, &request.email, SurveyKind::Nps.as_str(), now - period * DAY_MS).await?;
    let nps = if asked { None } else { Some(open_survey(conn, config, request, SurveyKind::Nps, now).await?) };
    let preferences = preferences::link(conn, config, &request.email, now).await?;
    Ok(Some(SurveyLinks { csat, nps, preferences }))
}

/// The later surveys ("did the fix hold?", the salience survey), mailed by the scheduler: opens the survey and
/// writes its mail in the request's language. Nothing is sent for a job that is no longer completed (it was
/// reopened meanwhile) or whose survey was already answered.
pub async fn send_followup(
    conn: &mut Conn,
    config: &Config,
    request_id: i64,
    kind: SurveyKind,
    now: i64,
) -> DbResult<bool> {
    let Some(request) = requests::by_id(conn, request_id).await? else { return Ok(false) };
    if request.status != JobStatus::Completed.as_str() {
        return Ok(false);
    }
    if db::of_request(conn, request.id, kind.as_str()).await?.is_some_and(|s| s.answered_at.is_some()) {
        return Ok(false);
    }
    // Unsubscribed: honoured for every survey not yet sent.
    if !preferences::of(conn, &request.email).await?.surveys {
        return Ok(false);
    }
    let locale: Locale = request.locale.as_deref().and_then(|l| l.parse().ok()).unwrap_or_default();
    let link = open_survey(conn, config, &request, kind, now).await?;
    let yes_no = [
        (td_string!(locale, feedback.yes).to_owned(), format!("{link}?score=1")),
        (td_string!(locale, feedback.no).to_owned(), format!("{link}?score=0")),
    ];
    let answer = [(td_string!(locale, feedback.your_answer).to_owned(), link.clone())];
    let (subject, lead, prompt, choices): (_, _, _, &[(String, String)]) = match kind {
        SurveyKind::FixHeld => (
            td_string!(locale, notify.fix_held_subject),
            td_string!(locale, notify.fix_held),
            td_string!(locale, feedback.fix_held_question),
            &yes_no,
        ),
        SurveyKind::Salience => (
            td_string!(locale, notify.salience_subject),
            td_string!(locale, notify.salience),
            td_string!(locale, feedback.salience_question),
            &answer,
        ),
        SurveyKind::Csat | SurveyKind::Nps => return Ok(false),
    };
    let reference = request.reference.clone().unwrap_or_default();
    let preferences = preferences::link(conn, config, &request.email, now).await?;
    let template = Template::Survey {
        name: &request.name,
        reference: &reference,
        subject,
        lead,
        prompt,
        choices,
        more: None,
        link: None,
        preferences: Some(&preferences),
    };
    mail::queue(conn, kind.as_str(), &request.email, &render(locale, &template), now).await?;
    Ok(true)
}

/// How a survey is reached: its own link, or (satisfaction only) the job's tracking page.
#[derive(Clone, Copy)]
pub enum SurveyKey<'a> {
    Token(&'a str),
    Job(Access<'a>),
}

#[derive(Debug)]
pub enum FeedbackError {
    NotFound,
    /// The link is older than [`SURVEY_DAYS`].
    Expired,
    Invalid(FieldErrors),
    Job(JobError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for FeedbackError {
    fn from(e: sqlx::Error) -> Self {
        FeedbackError::Db(e)
    }
}

async fn find(conn: &mut Conn, key: SurveyKey<'_>) -> DbResult<Option<db::SurveyRow>> {
    match key {
        SurveyKey::Token(token) if !plausible(token) => Ok(None),
        SurveyKey::Token(token) => db::by_token(conn, &hash_token(token)).await,
        SurveyKey::Job(access) => match open(conn, access).await? {
            Some(request) => db::of_request(conn, request.id, SurveyKind::Csat.as_str()).await,
            None => Ok(None),
        },
    }
}

/// What the survey page shows: the question, the job, and the answer so far. Reading records nothing.
pub async fn view(db: &Db, key: SurveyKey<'_>, now: i64) -> DbResult<Option<SurveyView>> {
    let mut conn = db.acquire().await?;
    let Some(survey) = find(&mut conn, key).await? else { return Ok(None) };
    let Some(kind) = SurveyKind::parse(&survey.kind) else { return Ok(None) };
    let Some(request) = requests::by_id(&mut conn, survey.request_id).await? else { return Ok(None) };
    let testimonial = db::testimonial_of(&mut conn, survey.id).await?;
    Ok(Some(SurveyView {
        kind,
        reference: request.reference.unwrap_or_default(),
        summary: request.summary,
        score: survey.score,
        comment: survey.comment,
        answered_at: survey.answered_at,
        expired: now > survey.expires_at,
        quote: testimonial.as_ref().map(|t| Quote { first_name: t.first_name.clone(), town: t.town.clone() }),
        moderation: testimonial.and_then(|t| Moderation::parse(&t.status)),
    }))
}

/// Records (or changes) an answer. A quote offered with praise waits for an editor; a changed answer
/// without consent withdraws it. "The fix did not hold" moves a completed job to `needs_revisit` with a
/// timeline entry the team sees live, in the same transaction.
pub async fn answer(
    db: &Db,
    bus: &EventBus,
    config: &Config,
    key: SurveyKey<'_>,
    input: &AnswerInput,
    now: i64,
) -> Result<SurveyKind, FeedbackError> {
    let mut tx = db.begin().await?;
    let survey = find(&mut tx, key).await?.ok_or(FeedbackError::NotFound)?;
    let kind = SurveyKind::parse(&survey.kind).ok_or(FeedbackError::NotFound)?;
    if now > survey.expires_at {
        return Err(FeedbackError::Expired);
    }
    let answer = input.parse(kind).map_err(FeedbackError::Invalid)?;
    db::answer(&mut tx, survey.id, answer.score, answer.comment.as_deref(), now).await?;
    match (&answer.quote, &answer.comment) {
        (Some(quote), Some(comment)) => {
            let new = NewTestimonial {
                survey_id: survey.id,
                quote: comment,
                first_name: &quote.first_name,
                town: &quote.town,
            };
            db::offer_testimonial(&mut tx, &new, now).await?;
        }
        _ => db::withdraw_testimonial(&mut tx, survey.id).await?,
    }
    let mut pending = Vec::new();
    if answer.fix_failed(kind) {
        pending =
            jobs::fix_did_not_hold(&mut tx, bus, config, survey.request_id, now).await.map_err(FeedbackError::Job)?;
    }
    tx.commit().await?;
    for p in pending {
        bus.announce(p);
    }
    Ok(kind)
}

/// Approved testimonials for the home page, newest first.
pub async fn approved_testimonials(db: &Db, limit: i64) -> DbResult<Vec<db::TestimonialRow>> {
    let mut conn = db.acquire().await?;
    db::testimonials(&mut conn, Moderation::Approved.as_str(), limit).await
}

/// An editor's decision on a testimonial; false when there is no such testimonial.
pub async fn moderate(db: &Db, id: i64, decision: Moderation, editor: i64, now: i64) -> DbResult<bool> {
    let mut conn = db.acquire().await?;
    db::moderate(&mut conn, id, decision.as_str(), editor, now).await
}

/// The moderation queue (pending first, then the latest decisions).
pub async fn testimonial_queue(db: &Db) -> DbResult<Vec<db::TestimonialRow>> {
    let mut conn = db.acquire().await?;
    let mut rows = db::testimonials(&mut conn, Moderation::Pending.as_str(), 100).await?;
    rows.extend(db::testimonials(&mut conn, Moderation::Approved.as_str(), 20).await?);
    rows.extend(db::testimonials(&mut conn, Moderation::Rejected.as_str(), 20).await?);
    Ok(rows)
}
