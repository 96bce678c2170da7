//! Files a whole batch of request forms with a handful of statements (`db::batch`), each writing its table's
//! rows for every submission at once: the same rows `requests::submit_in` writes for one. On PostgreSQL that
//! is five round trips for any number of forms (begin, the categories with new ids, the requests, all the rest
//! as one statement, which also takes the event lock, and the commit).
//!
//! The categories are read once; each form is checked in memory, and one that fails gets its own field
//! errors while the others go on. The first form with an idempotency key files the request, later copies in
//! the batch (and forms whose key was filed before) only get a tracking link of their own for it. Any
//! database error fails the whole call: the writer then rolls back and files the forms one by one under
//! savepoints, so that only the form that causes it fails.
use std::collections::{HashMap, HashSet};

use super::{Filed, Filing};
use crate::domain::job::{reference, JobStatus};
use crate::domain::request::NewRequest;
use crate::server::auth::tokens::{hash_token, random_token};
use crate::server::config::Config;
use crate::server::db::batch as db;
use crate::server::db::{Backend, Conn, DbResult};
use crate::server::events::bus::Pending;
use crate::server::events::EventBus;
use crate::server::mail::templates::{render, Rendered, Template};
use crate::server::requests::{check_against, reference_year, request_row, CreatedEvent, SubmitError, Submitted};
use crate::server::scheduler::{sla_alert, JobKind, MAX_ATTEMPTS};

/// Each form's answer, in the order given, and the event to announce once the batch has committed.
pub(super) type Outcomes = (Vec<Result<Filed, SubmitError>>, Option<Pending>);

/// A form that passed the checks.
struct Valid<'f> {
    /// Its position in the batch.
    at: usize,
    filing: &'f Filing,
    new: NewRequest,
    token: String,
}

/// A request this batch filed.
struct Created<'v, 'f> {
    form: &'v Valid<'f>,
    id: i64,
    reference: String,
}

/// Files `filings` inside the caller's transaction; the caller commits, then announces the event.
pub(super) async fn file_all(
    conn: &mut Conn,
    backend: Backend,
    bus: &EventBus,
    config: &Config,
    filings: &[Filing],
) -> DbResult<Outcomes> {
    // An id for each key, though a form may then be refused: the ids come with the categories they are checked
    // against, in one round trip.
    let keys: HashSet<&str> = filings.iter().map(|f| f.idempotency_key.as_str()).collect();
    let db::BatchStart { categories, ids: new_ids } = db::categories_and_ids(&mut *conn, backend, keys.len()).await?;
    let category_ids: Vec<i64> = categories.iter().map(|c| c.0).collect();
    let target_hours: HashMap<i64, i64> = categories.into_iter().collect();

    let mut answers: Vec<Option<Result<Filed, SubmitError>>> = filings.iter().map(|_| None).collect();
    let mut valid = Vec::with_capacity(filings.len());
    for (at, filing) in filings.iter().enumerate() {
        match check_against(&category_ids, &filing.input, &filing.idempotency_key, filing.now) {
            Ok(new) => valid.push(Valid { at, filing, new, token: random_token() }),
            Err(e) => answers[at] = Some(Err(e)),
        }
    }
    if valid.is_empty() {
        return Ok((answers.into_iter().map(|a| a.expect("every form answered")).collect(), None));
    }

    // The first form of each key may file a request; later ones in the batch are copies of it.
    let mut seen = HashSet::new();
    let firsts: Vec<&Valid<'_>> =
        valid.iter().filter(|form| seen.insert(form.filing.idempotency_key.as_str())).collect();
    let ids = &new_ids[..firsts.len()];
    let references: Vec<String> =
        firsts.iter().zip(ids).map(|(form, &id)| reference(reference_year(form.filing.now), id)).collect();
    let rows: Vec<db::TimedRequest<'_>> = firsts
        .iter()
        .zip(ids.iter().zip(&references))
        .map(|(&form, (&id, reference))| {
            let row =
                request_row(&form.new, &form.filing.idempotency_key, form.filing.customer.as_ref(), form.filing.locale);
            db::TimedRequest { id, reference, row, created_at: form.filing.now }
        })
        .collect();
    let inserted: HashSet<i64> = db::insert_requests(&mut *conn, backend, &rows).await?.into_iter().collect();

    // key → (request id, reference), for the requests filed now and those filed before.
    let mut requests: HashMap<&str, (i64, String)> = HashMap::new();
    let mut created = Vec::with_capacity(inserted.len());
    let mut before = Vec::new();
    for (&form, (&id, reference)) in firsts.iter().zip(ids.iter().zip(references)) {
        let key = form.filing.idempotency_key.as_str();
        if inserted.contains(&id) {
            requests.insert(key, (id, reference.clone()));
            created.push(Created { form, id, reference });
        } else {
            before.push(key);
        }
    }
    if !before.is_empty() {
        for (id, reference, key) in db::requests_by_keys(&mut *conn, backend, &before).await? {
            if let Some(key) = before.iter().find(|k| **k == key) {
                requests.insert(key, (id, reference.unwrap_or_default()));
            }
        }
    }

    let tokens: Vec<(String, i64, i64)> = valid
        .iter()
        .map(|form| {
            let (id, _) = requests.get(form.filing.idempotency_key.as_str()).ok_or(sqlx::Error::RowNotFound)?;
            Ok((hash_token(&form.token), *id, form.filing.now))
        })
        .collect::<DbResult<_>>()?;
    let tokens: Vec<db::NewToken<'_>> = tokens
        .iter()
        .map(|(hash, id, at)| db::NewToken { token_hash: hash, request_id: *id, created_at: *at })
        .collect();

    let mut writes = created_writes(config, &created, &target_hours)?;
    writes.push(db::Write::tokens(&tokens)?);
    let events: Vec<_> = created
        .iter()
        .map(|c| (CreatedEvent { reference: &c.reference, summary: &c.form.new.summary }, c.form.filing.now))
        .collect();
    let live = bus.batch_events("staff", "request.created", &events)?;
    let notify = live.as_ref().and_then(|live| live.notify);
    let pending = live.map(|live| {
        writes.push(live.write);
        live.pending
    });
    db::write_all(&mut *conn, backend, &writes, notify).await?;

    let filed_now: HashSet<usize> = created.iter().map(|c| c.form.at).collect();
    for form in &valid {
        let (_, reference) = &requests[form.filing.idempotency_key.as_str()];
        let submitted = Submitted { reference: reference.clone(), token: form.token.clone() };
        answers[form.at] = Some(Ok(Filed { submitted, new: filed_now.contains(&form.at) }));
    }
    Ok((answers.into_iter().map(|a| a.expect("every form answered")).collect(), pending))
}

/// What the new requests come with besides their tracking tokens: preferred windows, the SLA
/// alerts, the first timeline entries, photos and the confirmation mails. Nothing when none was created.
fn created_writes(
    config: &Config,
    created: &[Created<'_, '_>],
    target_hours: &HashMap<i64, i64>,
) -> DbResult<Vec<db::Write>> {
    if created.is_empty() {
        return Ok(Vec::new());
    }
    let mut writes = Vec::new();

    let windows: Vec<_> = created
        .iter()
        .flat_map(|c| {
            c.form.new.windows.iter().map(|w| db::NewWindow {
                request_id: c.id,
                day: w.day_str(),
                part: w.part.as_str(),
                created_at: c.form.filing.now,
            })
        })
        .collect();
    if !windows.is_empty() {
        writes.push(db::Write::windows(&windows)?);
    }

    let alerts = created
        .iter()
        .map(|c| {
            let hours = *target_hours.get(&c.form.new.category_id).ok_or(sqlx::Error::RowNotFound)?;
            let alert = sla_alert::Alert::for_request(c.id, c.form.filing.now, hours);
            let payload = serde_json::to_string(&alert.payload).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
            Ok(db::NewScheduledJob {
                kind: JobKind::SlaBreachAlert.as_str(),
                dedupe_key: alert.dedupe_key,
                request_id: Some(c.id),
                payload,
                run_at: alert.run_at,
                max_attempts: MAX_ATTEMPTS,
                created_at: c.form.filing.now,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    writes.push(db::Write::jobs(&alerts)?);

    let received: Vec<_> = created
        .iter()
        .map(|c| db::NewTimelineEntry {
            request_id: c.id,
            kind: "status",
            status: Some(JobStatus::Received.as_str()),
            body: None,
            public: 1,
            actor_id: None,
            detail: None,
            created_at: c.form.filing.now,
        })
        .collect();
    writes.push(db::Write::timeline(&received)?);

    let photos: Vec<_> = created
        .iter()
        .flat_map(|c| {
            let uploader = c.form.filing.customer.as_ref().map(|u| u.id);
            c.form.filing.photos.iter().map(move |p| db::NewRequestPhoto {
                request_id: c.id,
                object_key: &p.object_key,
                content_type: &p.content_type,
                size_bytes: p.size_bytes,
                uploaded_by_user: uploader,
                created_at: c.form.filing.now,
            })
        })
        .collect();
    if !photos.is_empty() {
        writes.push(db::Write::photos(&photos)?);
    }

    let rendered: Vec<Rendered> = created.iter().map(|c| confirmation(config, c)).collect();
    let mails: Vec<_> = created
        .iter()
        .zip(&rendered)
        .map(|(c, mail)| db::NewOutboxMail {
            kind: "request_received",
            recipient: c.form.new.email.as_str(),
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: Some(&mail.html),
            created_at: c.form.filing.now,
        })
        .collect();
    writes.push(db::Write::mails(&mails)?);
    Ok(writes)
}

/// The "request received" mail with the form's own tracking link.
fn confirmation(config: &Config, c: &Created<'_, '_>) -> Rendered {
    let link = config.link(&format!("/track/{}", c.form.token));
    let template = Template::RequestReceived {
        name: &c.form.new.name,
        reference: &c.reference,
        summary: &c.form.new.summary,
        link: &link,
    };
    render(c.form.filing.locale, &template)
}
