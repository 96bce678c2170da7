//! Customer notifications about their job, written to the outbox inside the transaction of the change that
//! causes them (a change that rolls back sends nothing). Each mail is in the language the request was filed
//! in and carries a fresh private tracking link (tracking tokens are stored hashed, so the first one cannot
//! be repeated).
use crate::domain::job::JobStatus;
use crate::domain::schedule::{PartOfDay, Window};
use crate::domain::time::format_utc;
use crate::i18n::{td_string, Locale};
use crate::server::auth::tokens::{hash_token, random_token};
use crate::server::config::Config;
use crate::server::db::{requests, Conn, DbResult};
use crate::server::feedback::SurveyLinks;
use crate::server::mail::{self, templates::render, templates::Template};
use crate::server::preferences;
use crate::ui::pages::feedback::csat_label;

/// What happened, as far as the customer is told by mail.
pub enum Notice<'a> {
    Confirmed(Window),
    Status(JobStatus, Option<i64>),
    Delay {
        eta: i64,
        reason: &'a str,
    },
    Reply(&'a str),
    /// The job is done: the mail asks how it went (one link per satisfaction score, and the NPS question
    /// when it is this customer's turn).
    Completed(SurveyLinks),
    /// The visit in this window is tomorrow (sent by the scheduler).
    Reminder(Window),
}

impl Notice<'_> {
    /// What a customer who asked for "only the important changes" still gets: everything about the visit
    /// itself (confirmed, tomorrow, on the way, delayed, done, stopped or needing another visit); messages from
    /// the team are read on the tracking page.
    pub fn is_important(&self) -> bool {
        !matches!(self, Notice::Reply(_))
    }
}

fn part_name(locale: Locale, part: PartOfDay) -> &'static str {
    match part {
        PartOfDay::Morning => td_string!(locale, schedule.morning),
        PartOfDay::Afternoon => td_string!(locale, schedule.afternoon),
        PartOfDay::Evening => td_string!(locale, schedule.evening),
    }
}

fn window_text(locale: Locale, window: Window) -> String {
    let (from, to) = window.part.hours();
    format!("{}, {} ({from:02}:00–{to:02}:00)", window.day_str(), part_name(locale, window.part))
}

fn eta_text(eta: i64) -> String {
    format!("{} UTC", format_utc(eta))
}

/// The subject and first lines of a notice; `None` for changes the customer is not mailed about.
fn compose(locale: Locale, notice: &Notice<'_>) -> Option<(&'static str, String)> {
    Some(match notice {
        Notice::Confirmed(window) => (
            td_string!(locale, notify.confirmed_subject),
            format!("{} {}", td_string!(locale, notify.confirmed), window_text(locale, *window)),
        ),
        Notice::Status(JobStatus::EnRoute, eta) => (
            td_string!(locale, notify.en_route_subject),
            match eta {
                Some(eta) => format!("{} {}", td_string!(locale, notify.en_route_eta), eta_text(*eta)),
                None => td_string!(locale, notify.en_route_subject).to_owned(),
            },
        ),
        // The same words with or without the survey links that follow them.
        Notice::Completed(_) | Notice::Status(JobStatus::Completed, _) => {
            (td_string!(locale, notify.completed_subject), td_string!(locale, notify.completed).to_owned())
        }
        Notice::Status(JobStatus::Cancelled, _) => {
            (td_string!(locale, notify.cancelled_subject), td_string!(locale, notify.cancelled).to_owned())
        }
        Notice::Status(JobStatus::NeedsRevisit, _) => {
            (td_string!(locale, notify.revisit_subject), td_string!(locale, notify.revisit).to_owned())
        }
        Notice::Status(..) => return None,
        Notice::Delay { eta, reason } => (
            td_string!(locale, notify.delay_subject),
            format!(
                "{} {}\n{} {reason}",
                td_string!(locale, notify.delay_eta),
                eta_text(*eta),
                td_string!(locale, notify.delay_reason)
            ),
        ),
        Notice::Reminder(window) => (
            td_string!(locale, notify.reminder_subject),
            format!("{} {}", td_string!(locale, notify.reminder), window_text(locale, *window)),
        ),
        Notice::Reply(body) => {
            (td_string!(locale, notify.reply_subject), format!("{}\n\n{body}", td_string!(locale, notify.reply)))
        }
    })
}

/// Writes the customer's mail about `notice` for `request` into the outbox (with a new tracking link), in
/// the caller's transaction. Returns whether a mail was written.
pub async fn notify(
    conn: &mut Conn,
    config: &Config,
    request: &requests::RequestRow,
    notice: &Notice<'_>,
    now: i64,
) -> DbResult<bool> {
    let locale: Locale = request.locale.as_deref().and_then(|l| l.parse().ok()).unwrap_or_default();
    let Some((subject, lead)) = compose(locale, notice) else {
        return Ok(false);
    };
    if !preferences::of(conn, &request.email).await?.wants_update(notice.is_important()) {
        return Ok(false);
    }
    let token = random_token();
    requests::add_token(conn, &hash_token(&token), request.id, now).await?;
    let reference = request.reference.clone().unwrap_or_default();
    let link = config.link(&format!("/track/{token}"));
    let rendered = match notice {
        // Each score opens the survey with that score chosen; only the page's form records it.
        Notice::Completed(links) => {
            let choices: Vec<(String, String)> = (1..=5)
                .rev()
                .map(|score| {
                    (format!("{score} – {}", csat_label(locale, score)), format!("{}?score={score}", links.csat))
                })
                .collect();
            let template = Template::Survey {
                name: &request.name,
                reference: &reference,
                subject,
                lead: &lead,
                prompt: td_string!(locale, notify.rate_prompt),
                choices: &choices,
                more: links.nps.as_deref().map(|nps| (td_string!(locale, notify.nps_prompt), nps)),
                link: Some(&link),
                preferences: Some(&links.preferences),
            };
            render(locale, &template)
        }
        _ => render(
            locale,
            &Template::JobUpdate { name: &request.name, reference: &reference, subject, lead: &lead, link: &link },
        ),
    };
    mail::queue(conn, "job_update", &request.email, &rendered, now).await?;
    Ok(true)
}
