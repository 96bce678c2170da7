//! Scheduling and running jobs on both backends: confirming windows, ETAs and delays, assignment, the
//! customer's reply / cancel / reschedule, who can reach which job, "My requests" and the staff board.
#![cfg(feature = "ssr")]

mod common;

use portal::domain::job::JobStatus;
use portal::domain::request::RequestInput;
use portal::domain::schedule::{PartOfDay, WindowInput};
use portal::domain::time::{datetime_value, day_of, format_day};
use portal::domain::{CurrentUser, FieldError};
use portal::i18n::Locale;
use portal::server::db::{requests, Db};
use portal::server::events::EventBus;
use portal::server::jobs::{
    assign, change_status, customer_cancel, customer_reply, customer_reschedule, delay, schedule, JobError,
    WindowChoice,
};
use portal::server::requests::{submit, track, Access};

const NOW: i64 = 1_800_000_000_000; // 2027-01-15 08:00 UTC
const HOUR: i64 = 3_600_000;

fn window(days_ahead: i64, part: PartOfDay) -> WindowInput {
    WindowInput { day: format_day(day_of(NOW) + days_ahead), part: part.as_str().into() }
}

fn input(email: &str, name: &str, summary: &str) -> RequestInput {
    RequestInput {
        name: name.into(),
        email: email.into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: summary.into(),
        description: "Water drips under the kitchen sink.".into(),
        windows: vec![window(1, PartOfDay::Morning), window(2, PartOfDay::Evening)],
    }
}

struct Fixture {
    db: Db,
    bus: EventBus,
    config: portal::server::config::Config,
    staff: CurrentUser,
}

impl Fixture {
    async fn new(db: Db) -> Self {
        let bus = EventBus::new(db.backend());
        let row =
            common::create_user(&db, &bus, "tech@example.com", "staff", Some("Tess Tech"), "a-long-test-password", NOW)
                .await;
        let staff = portal::server::auth::session::current_user(&row).unwrap();
        let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
        Fixture { db, bus, config, staff }
    }

    /// Files a request and returns (id, token).
    async fn file(&self, email: &str, summary: &str, key: &str) -> (i64, String) {
        self.file_in(email, summary, key, Locale::en).await
    }

    /// Files a request in `locale` and returns (id, token).
    async fn file_in(&self, email: &str, summary: &str, key: &str, locale: Locale) -> (i64, String) {
        let input = input(email, "Ana Kowalska", summary);
        let filed = submit(&self.db, &self.bus, &self.config, &input, key, None, locale, NOW).await.unwrap();
        let id = track(&self.db, Access::Token(&filed.token), NOW).await.unwrap().unwrap().request.id;
        (id, filed.token)
    }

    async fn row(&self, id: i64) -> requests::RequestRow {
        let mut conn = self.db.acquire().await.unwrap();
        requests::by_id(&mut conn, id).await.unwrap().unwrap()
    }
}

async fn staff_confirm_a_window_set_an_eta_and_post_a_delay(db: Db) {
    let f = Fixture::new(db).await;
    let (id, token) = f.file("ana@example.com", "Leaking sink", "key-jobs-aaaaaaaaaaaa").await;
    let tracked = track(&f.db, Access::Token(&token), NOW).await.unwrap().unwrap();
    assert_eq!(tracked.windows.len(), 2, "both preferred windows are kept");
    assert_eq!(tracked.windows[1].part, PartOfDay::Evening);

    // A window number the customer did not give is refused; the second one is confirmed.
    let v = f.row(id).await.version;
    let bad = schedule(&f.db, &f.bus, &f.config, &f.staff, id, v, WindowChoice::Preferred(3), NOW + 1).await;
    assert!(matches!(&bad, Err(JobError::Invalid(e)) if e.get("choice") == Some(&FieldError::InvalidChoice)));
    schedule(&f.db, &f.bus, &f.config, &f.staff, id, v, WindowChoice::Preferred(2), NOW + 2).await.unwrap();
    let row = f.row(id).await;
    assert_eq!(row.status, "scheduled");
    assert_eq!(row.confirmed_day.as_deref(), Some(format_day(day_of(NOW) + 2).as_str()));
    assert_eq!(row.confirmed_part.as_deref(), Some("evening"));
    assert_eq!(row.first_response_at, Some(NOW + 2), "confirming answers the customer");

    // Another window agreed on the phone: the form's own fields are named in the error.
    let past = WindowChoice::Other(WindowInput { day: format_day(day_of(NOW) - 1), part: "morning".into() });
    let refused = schedule(&f.db, &f.bus, &f.config, &f.staff, id, row.version, past, NOW + 3).await;
    assert!(matches!(&refused, Err(JobError::Invalid(e)) if e.get("day") == Some(&FieldError::DateInPast)));

    // On the way with an ETA, then a delay with a new one and a reason.
    let eta = datetime_value(NOW + 2 * HOUR);
    change_status(&f.db, &f.bus, &f.config, &f.staff, id, JobStatus::EnRoute, row.version, Some(&eta), NOW + 4)
        .await
        .unwrap();
    let row = f.row(id).await;
    assert_eq!(row.eta_at, Some(NOW + 2 * HOUR));
    let bad = delay(&f.db, &f.bus, &f.config, &f.staff, id, row.version, "later", "", NOW + 5).await;
    match bad {
        Err(JobError::Invalid(e)) => {
            assert_eq!(e.get("eta"), Some(&FieldError::InvalidDate));
            assert_eq!(e.get("reason"), Some(&FieldError::Required));
            assert_eq!(e.value("eta"), Some("later"));
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    let later = datetime_value(NOW + 3 * HOUR);
    delay(&f.db, &f.bus, &f.config, &f.staff, id, row.version, &later, "Traffic on the bridge", NOW + 6).await.unwrap();
    assert_eq!(f.row(id).await.eta_at, Some(NOW + 3 * HOUR));

    // Arriving clears the ETA; a delay is no longer possible.
    let row = f.row(id).await;
    change_status(&f.db, &f.bus, &f.config, &f.staff, id, JobStatus::OnSite, row.version, None, NOW + 7).await.unwrap();
    let row = f.row(id).await;
    assert_eq!(row.eta_at, None);
    let late = delay(&f.db, &f.bus, &f.config, &f.staff, id, row.version, &later, "x", NOW + 8).await;
    assert!(matches!(&late, Err(JobError::Invalid(e)) if e.get("eta") == Some(&FieldError::NotNow)));

    // The customer's timeline shows the schedule, the ETA and the delay with its reason.
    let tracked = track(&f.db, Access::Token(&token), NOW).await.unwrap().unwrap();
    let kinds: Vec<_> = tracked.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["status", "scheduled", "status", "delay", "status"]);
    let delay_entry = &tracked.events[3];
    assert_eq!(delay_entry.body.as_deref(), Some("Traffic on the bridge"));
    assert!(delay_entry.detail.as_deref().unwrap().contains(&(NOW + 3 * HOUR).to_string()));
}

async fn assignment_is_internal_and_only_to_staff(db: Db) {
    let f = Fixture::new(db).await;
    let (id, token) = f.file("ana@example.com", "Leaking sink", "key-jobs-bbbbbbbbbbbb").await;
    let customer =
        common::create_user(&f.db, &f.bus, "cust@example.com", "customer", None, "a-long-test-password", NOW).await;
    let v = f.row(id).await.version;
    let refused = assign(&f.db, &f.bus, &f.config, &f.staff, id, v, Some(customer.id), NOW + 1).await;
    assert!(matches!(&refused, Err(JobError::Invalid(e)) if e.get("technician") == Some(&FieldError::InvalidChoice)));
    assign(&f.db, &f.bus, &f.config, &f.staff, id, v, Some(f.staff.id), NOW + 2).await.unwrap();
    assert_eq!(f.row(id).await.technician_id, Some(f.staff.id));
    let tracked = track(&f.db, Access::Token(&token), NOW).await.unwrap().unwrap();
    assert!(tracked.events.iter().all(|e| e.kind != "assigned"), "the roster stays internal");
    let mut conn = f.db.acquire().await.unwrap();
    let topic = portal::server::jobs::job_topic(id);
    assert!(portal::server::db::events::since(&mut conn, &topic, 0, 10).await.unwrap().is_empty());
}

async fn customers_reply_reschedule_and_cancel_until_the_technician_arrives(db: Db) {
    let f = Fixture::new(db).await;
    let (id, token) = f.file("ana@example.com", "Leaking sink", "key-jobs-cccccccccccc").await;
    let access = Access::Token(&token);

    customer_reply(&f.db, &f.bus, &f.config, None, access, "The gate code is 4321.", &[], NOW + 1).await.unwrap();
    let empty = customer_reply(&f.db, &f.bus, &f.config, None, access, "  ", &[], NOW + 1).await;
    assert!(matches!(&empty, Err(JobError::Invalid(e)) if e.get("body") == Some(&FieldError::Required)));
    assert_eq!(f.row(id).await.first_response_at, None, "a customer's own message answers nobody");

    // New windows replace the old proposal; bad ones name their field and change nothing.
    let bad = [WindowInput { day: "2027-02-30".into(), part: "morning".into() }];
    let refused = customer_reschedule(&f.db, &f.bus, &f.config, None, access, &bad, NOW + 2).await;
    assert!(matches!(&refused, Err(JobError::Invalid(e)) if e.get("window1_day") == Some(&FieldError::InvalidDate)));
    let seen = f.row(id).await.version;
    let new = [window(5, PartOfDay::Afternoon)];
    customer_reschedule(&f.db, &f.bus, &f.config, None, access, &new, NOW + 3).await.unwrap();
    // Staff who loaded the old windows cannot confirm "window 1" of a list that has changed.
    let stale = schedule(&f.db, &f.bus, &f.config, &f.staff, id, seen, WindowChoice::Preferred(1), NOW + 3).await;
    assert!(matches!(stale, Err(JobError::Conflict { .. })), "{stale:?}");
    let tracked = track(&f.db, access, NOW).await.unwrap().unwrap();
    assert_eq!(tracked.windows.len(), 1);
    assert_eq!(tracked.windows[0].part, PartOfDay::Afternoon);

    // The team sees both live on their topic; the customer's stream carries them too.
    let mut conn = f.db.acquire().await.unwrap();
    let team: Vec<_> = portal::server::db::events::since(&mut conn, "staff", 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(team.contains(&"job.customer_reply".to_owned()) && team.contains(&"job.reschedule".to_owned()));
    drop(conn);

    // Once the technician is on site, cancelling is refused with a reason to call.
    let v = f.row(id).await.version;
    schedule(&f.db, &f.bus, &f.config, &f.staff, id, v, WindowChoice::Preferred(1), NOW + 4).await.unwrap();
    let v = f.row(id).await.version;
    let eta = datetime_value(NOW + HOUR);
    change_status(&f.db, &f.bus, &f.config, &f.staff, id, JobStatus::EnRoute, v, Some(&eta), NOW + 5).await.unwrap();
    let v = f.row(id).await.version;
    change_status(&f.db, &f.bus, &f.config, &f.staff, id, JobStatus::OnSite, v, None, NOW + 6).await.unwrap();
    let late = customer_cancel(&f.db, &f.bus, &f.config, None, access, "Changed my mind", NOW + 7).await;
    assert!(matches!(&late, Err(JobError::Invalid(e)) if e.get("reason") == Some(&FieldError::NotNow)));
    assert_eq!(f.row(id).await.status, "on_site");

    // A second job is cancelled with its reason on the timeline; a reason is required.
    let (other, other_token) = f.file("ana@example.com", "Dripping tap", "key-jobs-dddddddddddd").await;
    let access = Access::Token(&other_token);
    let no_reason = customer_cancel(&f.db, &f.bus, &f.config, None, access, "", NOW + 8).await;
    assert!(matches!(&no_reason, Err(JobError::Invalid(e)) if e.get("reason") == Some(&FieldError::Required)));
    customer_cancel(&f.db, &f.bus, &f.config, None, access, "Fixed it myself", NOW + 9).await.unwrap();
    assert_eq!(f.row(other).await.status, "cancelled");
    let tracked = track(&f.db, access, NOW).await.unwrap().unwrap();
    let last = tracked.events.last().unwrap();
    assert_eq!((last.kind.as_str(), last.body.as_deref()), ("customer_cancel", Some("Fixed it myself")));
}

async fn a_customer_reaches_only_their_own_jobs(db: Db) {
    let f = Fixture::new(db).await;
    let (a_id, a_token) = f.file("ana@example.com", "Leaking sink", "key-jobs-eeeeeeeeeeee").await;
    let (b_id, _) = f.file("bob@example.com", "Broken boiler", "key-jobs-ffffffffffff").await;

    // Ana signs in by a link to her address: her earlier request becomes hers; Bob's does not.
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let email = portal::domain::Email::parse("ana@example.com").unwrap();
    let issued = portal::server::auth::magic::issue(&f.db, &config, &email, Locale::en, NOW).await.unwrap();
    let portal::server::auth::magic::Issued::Sent { link } = issued else { panic!("a link for a new customer") };
    let token = link.split("token=").nth(1).unwrap();
    let ana = portal::server::auth::magic::redeem(&f.db, token, NOW + 1).await.unwrap().unwrap();
    let mut conn = f.db.acquire().await.unwrap();
    let mine: Vec<_> = requests::by_customer(&mut conn, ana.id, 10).await.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(mine, [a_id]);
    drop(conn);

    // By id, only the owner; someone else's id answers like an unknown one.
    let own = Access::Owner { request_id: a_id, customer_id: ana.id };
    assert!(track(&f.db, own, NOW).await.unwrap().is_some());
    let guessed = Access::Owner { request_id: b_id, customer_id: ana.id };
    assert!(track(&f.db, guessed, NOW).await.unwrap().is_none());
    let ana_user = portal::server::auth::session::current_user(&ana).unwrap();
    for result in [
        customer_reply(&f.db, &f.bus, &f.config, Some(&ana_user), guessed, "hello", &[], NOW + 2).await,
        customer_cancel(&f.db, &f.bus, &f.config, Some(&ana_user), guessed, "no", NOW + 2).await,
        customer_reschedule(
            &f.db,
            &f.bus,
            &f.config,
            Some(&ana_user),
            guessed,
            &[window(3, PartOfDay::Morning)],
            NOW + 2,
        )
        .await,
    ] {
        assert!(matches!(result, Err(JobError::NotFound)), "{result:?}");
    }
    assert_eq!(f.row(b_id).await.status, "received");
    // A token opens its own job only, and a forged one nothing.
    assert_eq!(track(&f.db, Access::Token(&a_token), NOW).await.unwrap().unwrap().request.id, a_id);
    assert!(track(&f.db, Access::Token("x".repeat(43).as_str()), NOW).await.unwrap().is_none());
}

async fn the_board_filters_by_status_search_technician_and_sla(db: Db) {
    let f = Fixture::new(db).await;
    let (a, _) = f.file("ana@example.com", "Leaking sink", "key-jobs-gggggggggggg").await;
    let (b, _) = f.file("bob@example.com", "Broken 50% boiler", "key-jobs-hhhhhhhhhhhh").await;
    sqlx::query("UPDATE service_requests SET name = 'Łukasz Żółć' WHERE id = $1")
        .bind(b)
        .execute(f.db.pool())
        .await
        .unwrap();
    let v = f.row(a).await.version;
    schedule(&f.db, &f.bus, &f.config, &f.staff, a, v, WindowChoice::Preferred(1), NOW + HOUR).await.unwrap();
    let v = f.row(a).await.version;
    assign(&f.db, &f.bus, &f.config, &f.staff, a, v, Some(f.staff.id), NOW + HOUR).await.unwrap();

    let ids = |rows: Vec<requests::BoardRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let board = |filter: requests::BoardFilter, now: i64| {
        let db = f.db.clone();
        async move {
            let mut conn = db.acquire().await.unwrap();
            requests::board(&mut conn, &filter, now, 50).await.unwrap()
        }
    };
    assert_eq!(ids(board(Default::default(), NOW).await), [b, a]);
    let status = requests::BoardFilter { status: Some("scheduled".into()), ..Default::default() };
    assert_eq!(ids(board(status, NOW).await), [a]);
    let search = requests::BoardFilter { search: Some("BOB@".into()), ..Default::default() };
    assert_eq!(ids(board(search, NOW).await), [b]);
    let accented = requests::BoardFilter { search: Some("Łukasz".into()), ..Default::default() };
    assert_eq!(ids(board(accented, NOW).await), [b], "non-ASCII names are found as typed");
    let literal = requests::BoardFilter { search: Some("%".into()), ..Default::default() };
    assert!(ids(board(literal, NOW).await).is_empty(), "LIKE wildcards are taken literally");
    let reference = f.row(a).await.reference.unwrap();
    let by_reference = requests::BoardFilter { search: Some(reference.to_lowercase()), ..Default::default() };
    assert_eq!(ids(board(by_reference, NOW).await), [a]);
    let mine = requests::BoardFilter { technician_id: Some(f.staff.id), ..Default::default() };
    assert_eq!(ids(board(mine, NOW).await), [a]);
    let nobody = requests::BoardFilter { technician_id: Some(0), ..Default::default() };
    assert_eq!(ids(board(nobody, NOW).await), [b]);

    // Plumbing's target is 4 h: a answered after 1 h (met); b unanswered is on track, then due soon, then
    // overdue; the SQL filter agrees with the domain rule.
    let sla = |s: &str| requests::BoardFilter { sla: Some(s.into()), ..Default::default() };
    assert_eq!(ids(board(sla("met"), NOW).await), [a]);
    assert_eq!(ids(board(sla("on_track"), NOW + HOUR).await), [b]);
    assert_eq!(ids(board(sla("due_soon"), NOW + 3 * HOUR + 1).await), [b]);
    assert!(ids(board(sla("breached"), NOW + 4 * HOUR).await).is_empty());
    assert_eq!(ids(board(sla("breached"), NOW + 4 * HOUR + 1).await), [b]);
    for (now, state) in [(NOW + HOUR, "on_track"), (NOW + 3 * HOUR + 1, "due_soon"), (NOW + 5 * HOUR, "breached")] {
        let row = board(Default::default(), now).await.into_iter().find(|r| r.id == b).unwrap();
        let computed =
            portal::domain::sla::sla_state(row.created_at, row.first_response_hours, row.first_response_at, now);
        assert_eq!(computed.as_str(), state);
    }
}

/// The mails a customer got about their job, oldest first (the confirmation of the request excluded).
async fn job_mails(db: &Db, email: &str) -> Vec<portal::server::db::outbox::OutboxRow> {
    let mut conn = db.acquire().await.unwrap();
    let mut mails = portal::server::db::outbox::recent_for(&mut conn, email, 50).await.unwrap();
    mails.retain(|m| m.kind == "job_update");
    mails.reverse();
    mails
}

async fn the_customer_is_mailed_about_the_teams_public_steps_in_their_language(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file_in("ola@example.com", "Cieknący kran", "key-jobs-mmmmmmmmmmmm", Locale::pl).await;
    let v = f.row(id).await.version;
    schedule(&f.db, &f.bus, &f.config, &f.staff, id, v, WindowChoice::Preferred(1), NOW + 1).await.unwrap();
    let v = f.row(id).await.version;
    // Internal steps send nothing.
    assign(&f.db, &f.bus, &f.config, &f.staff, id, v, Some(f.staff.id), NOW + 2).await.unwrap();
    portal::server::jobs::add_message(&f.db, &f.bus, &f.config, &f.staff, id, "Gate code 1234", false, NOW + 2)
        .await
        .unwrap();
    portal::server::jobs::add_message(&f.db, &f.bus, &f.config, &f.staff, id, "Bring the ladder? No.", true, NOW + 3)
        .await
        .unwrap();
    let v = f.row(id).await.version;
    let eta = datetime_value(NOW + 2 * HOUR);
    change_status(&f.db, &f.bus, &f.config, &f.staff, id, JobStatus::EnRoute, v, Some(&eta), NOW + 4).await.unwrap();
    // The customer's own message is not mailed back to them.
    let (_, token) = f.file_in("ola@example.com", "Drugi", "key-jobs-nnnnnnnnnnnn", Locale::pl).await;
    customer_reply(&f.db, &f.bus, &f.config, None, Access::Token(&token), "Dzięki", &[], NOW + 5).await.unwrap();

    let mails = job_mails(&f.db, "ola@example.com").await;
    let subjects: Vec<_> = mails.iter().map(|m| m.subject.split(" SR-").next().unwrap().to_owned()).collect();
    assert_eq!(subjects, ["Wizyta potwierdzona", "Nowa wiadomość w sprawie zgłoszenia", "Technik jest w drodze"]);
    assert!(mails[0].body_text.contains(&format!("{}, Rano (08:00–12:00)", format_day(day_of(NOW) + 1))));
    assert!(mails[1].body_text.contains("Bring the ladder? No.") && !mails[1].body_text.contains("Gate code"));
    assert!(mails[2].body_text.contains(&format!("{} UTC", portal::domain::time::format_utc(NOW + 2 * HOUR))));
    // Every mail carries a private link that opens this job.
    for mail in &mails {
        let link = mail.body_text.lines().find(|l| l.contains("/track/")).unwrap();
        let token = link.rsplit('/').next().unwrap();
        assert_eq!(track(&f.db, Access::Token(token), NOW).await.unwrap().unwrap().request.id, id);
    }
}

async fn a_change_that_rolls_back_mails_nothing(db: Db) {
    let f = Fixture::new(db).await;
    let (id, _) = f.file("ana@example.com", "Leaking sink", "key-jobs-oooooooooooo").await;
    let v = f.row(id).await.version;
    schedule(&f.db, &f.bus, &f.config, &f.staff, id, v, WindowChoice::Preferred(1), NOW + 1).await.unwrap();
    assert_eq!(job_mails(&f.db, "ana@example.com").await.len(), 1);
    // The timeline entry fails after the mail was written in the same transaction (a trigger refuses it).
    let trigger = match f.db.backend() {
        portal::server::db::Backend::Sqlite => vec![
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON job_events WHEN NEW.body = 'boom' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        portal::server::db::Backend::Postgres => vec![
            "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.body = 'boom' THEN \
             RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON job_events FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
        ],
    };
    for sql in trigger {
        sqlx::query(sql).execute(f.db.pool()).await.unwrap();
    }
    let row = f.row(id).await;
    let later = datetime_value(NOW + 3 * HOUR);
    let failed = delay(&f.db, &f.bus, &f.config, &f.staff, id, row.version, &later, "boom", NOW + 2).await;
    assert!(matches!(failed, Err(JobError::Db(_))), "{failed:?}");
    assert_eq!(job_mails(&f.db, "ana@example.com").await.len(), 1, "the delay mail went with the rollback");
    let after = f.row(id).await;
    assert_eq!((after.version, after.eta_at), (row.version, row.eta_at), "and so did the change itself");
}

on_both_backends!(
    the_customer_is_mailed_about_the_teams_public_steps_in_their_language,
    a_change_that_rolls_back_mails_nothing,
    staff_confirm_a_window_set_an_eta_and_post_a_delay,
    assignment_is_internal_and_only_to_staff,
    customers_reply_reschedule_and_cancel_until_the_technician_arrives,
    a_customer_reaches_only_their_own_jobs,
    the_board_filters_by_status_search_technician_and_sla,
);
