//! Mail delivery against a real SMTP conversation over TCP (`common::smtp`, a server the test starts on
//! 127.0.0.1): success, a temporary failure and its retry, a permanent failure, a worker that dies between
//! sending and recording, two workers on one PostgreSQL, and the development mailbox.
mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::smtp::{SmtpServer, Step};
use common::{TestApp, TestDb};
use portal::server::db::outbox::{self, NewMail, OutboxRow};
use portal::server::db::Db;
use portal::server::mail::worker::{Policy, Worker};
use portal::server::mail::{MailConfig, Mailer};

const NOW: i64 = 1_767_261_600_000;

fn smtp_config(server: &SmtpServer) -> MailConfig {
    let base = url::Url::parse("http://portal.test").unwrap();
    MailConfig::parse(Some(server.url()), Some("Service Portal <no-reply@portal.test>".into()), &base).unwrap()
}

fn worker_with(db: &Db, config: &MailConfig, policy: Policy) -> Worker {
    Worker::new(db.clone(), Arc::new(Mailer::new(config).unwrap()), config.domain(), policy)
}

fn smtp_worker(db: &Db, server: &SmtpServer) -> Worker {
    worker_with(db, &smtp_config(server), Policy::default())
}

async fn queue(db: &Db, recipient: &str, subject: &str, now: i64) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let token = recipient.split('@').next().unwrap();
    let body = format!("Hello\n\nFollow your job:\nhttp://portal.test/track/{token}\n");
    let mail = NewMail { kind: "request_received", recipient, subject, body_text: &body };
    let id = outbox::insert(&mut tx, &mail, now).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn row(db: &Db, id: i64) -> OutboxRow {
    outbox::find(&mut db.acquire().await.unwrap(), id).await.unwrap().unwrap()
}

async fn attempts(db: &Db, id: i64) -> Vec<(String, String)> {
    let rows = outbox::attempts(&mut db.acquire().await.unwrap(), id).await.unwrap();
    rows.into_iter().map(|a| (a.outcome, a.reply.unwrap_or_default())).collect()
}

async fn a_mail_is_sent_over_smtp_with_its_message_id(db: Db) {
    let server = SmtpServer::start().await;
    let worker = smtp_worker(&db, &server);
    let id = queue(&db, "ana@example.com", "We received your request SR-1", NOW).await;

    assert_eq!(worker.run_once(|| NOW + 5).await.unwrap(), 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(
        (message.mail_from.as_str(), message.rcpt_to.as_slice()),
        ("no-reply@portal.test", &["ana@example.com".to_owned()][..])
    );
    assert_eq!(message.header("To").as_deref(), Some("ana@example.com"));
    assert_eq!(message.header("Subject").as_deref(), Some("We received your request SR-1"));
    let expected_id = format!("<outbox.{id}.{NOW}@portal.test>");
    assert_eq!(message.header("Message-ID"), Some(expected_id.clone()));
    assert!(message.data.contains("http://portal.test/track/ana"), "{}", message.data);

    let sent = row(&db, id).await;
    assert_eq!(sent.status, "sent");
    assert_eq!((sent.sent_at, sent.attempts, sent.transport.as_deref()), (Some(NOW + 5), 1, Some("smtp")));
    assert_eq!(sent.message_id, Some(expected_id));
    let log = attempts(&db, id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0, "sent");
    assert!(log[0].1.starts_with("250"), "{log:?}");
    // Sent is sent: nothing is due any more, however late it gets.
    assert_eq!(worker.run_once(|| NOW + 86_400_000).await.unwrap(), 0);
    assert_eq!(server.received().len(), 1);
}

async fn a_temporary_failure_is_retried_after_its_backoff(db: Db) {
    let server = SmtpServer::start().await;
    let worker = smtp_worker(&db, &server);
    let retry = Policy::default().backoff_ms(1);
    let id = queue(&db, "ben@example.com", "Your visit is confirmed", NOW).await;
    server.fail_next(Step::RcptTo, "451 4.3.0 Mailbox busy, try again later");

    assert_eq!(worker.run_once(|| NOW).await.unwrap(), 1);
    assert!(server.received().is_empty());
    let waiting = row(&db, id).await;
    assert_eq!((waiting.status.as_str(), waiting.attempts, waiting.next_attempt_at), ("pending", 1, NOW + retry));
    assert!(waiting.last_error.as_deref().unwrap().contains("try again later"), "{:?}", waiting.last_error);

    // Not before the backoff has passed...
    assert_eq!(worker.run_once(|| NOW + retry - 1).await.unwrap(), 0);
    // ...then it goes, with the Message-ID it was first given.
    assert_eq!(worker.run_once(|| NOW + retry).await.unwrap(), 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("Message-ID"), waiting.message_id);
    let sent = row(&db, id).await;
    assert_eq!((sent.status.as_str(), sent.attempts, sent.sent_at), ("sent", 2, Some(NOW + retry)));
    assert_eq!(sent.last_error, None);
    let log = attempts(&db, id).await;
    let outcomes: Vec<_> = log.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["temporary", "sent"]);
    assert!(log[0].1.contains("451"), "{log:?}");
}

async fn a_mail_that_keeps_failing_gives_up_after_the_last_attempt(db: Db) {
    // A port nobody listens on: every attempt is a connection failure, which is temporary.
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let base = url::Url::parse("http://portal.test").unwrap();
    let config = MailConfig::parse(Some(format!("smtp://{closed}")), None, &base).unwrap();
    let policy = Policy { max_attempts: 3, ..Policy::default() };
    let worker = worker_with(&db, &config, policy);
    let id = queue(&db, "cat@example.com", "Your technician is on the way", NOW).await;

    let mut at = NOW;
    for failures in 1..=3 {
        assert_eq!(worker.run_once(|| at).await.unwrap(), 1, "attempt {failures}");
        at += policy.backoff_ms(failures);
    }
    let failed = row(&db, id).await;
    assert_eq!((failed.status.as_str(), failed.attempts), ("failed", 3));
    assert!(failed.last_error.is_some());
    assert_eq!(attempts(&db, id).await.iter().filter(|(o, _)| o == "temporary").count(), 3);
    assert_eq!(worker.run_once(|| at + 86_400_000).await.unwrap(), 0, "a failed mail is not tried again");
}

async fn a_permanent_failure_is_recorded_at_once(db: Db) {
    let server = SmtpServer::start().await;
    let worker = smtp_worker(&db, &server);
    let id = queue(&db, "nobody@example.com", "Your sign-in link", NOW).await;
    server.fail_next(Step::RcptTo, "550 5.1.1 No such user here");

    assert_eq!(worker.run_once(|| NOW).await.unwrap(), 1);
    let failed = row(&db, id).await;
    assert_eq!((failed.status.as_str(), failed.attempts, failed.sent_at), ("failed", 1, None));
    let error = failed.last_error.unwrap();
    assert!(error.contains("550") && error.contains("No such user here"), "{error}");
    assert_eq!(attempts(&db, id).await, [("permanent".to_owned(), error)]);
    assert_eq!(worker.run_once(|| NOW + 86_400_000).await.unwrap(), 0);
    assert!(server.received().is_empty());
}

async fn a_rejected_message_body_is_a_permanent_failure_too(db: Db) {
    let server = SmtpServer::start().await;
    let worker = smtp_worker(&db, &server);
    let id = queue(&db, "dan@example.com", "Your job is completed", NOW).await;
    server.fail_next(Step::EndOfData, "554 5.7.1 Message rejected as spam");
    assert_eq!(worker.run_once(|| NOW).await.unwrap(), 1);
    let failed = row(&db, id).await;
    assert_eq!(failed.status, "failed");
    assert!(failed.last_error.unwrap().contains("rejected as spam"));
}

async fn a_worker_that_dies_after_sending_leaves_the_mail_to_be_resent_with_the_same_message_id(db: Db) {
    let server = SmtpServer::start().await;
    let id = queue(&db, "eve@example.com", "Your visit is delayed", NOW).await;
    let lease = Policy::default().lease_ms;

    // The first worker claims and sends, then dies before recording anything.
    let doomed = smtp_worker(&db, &server);
    let claimed = doomed.claim(NOW).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(matches!(doomed.send(&claimed[0]).await, portal::server::mail::Outcome::Sent { .. }));
    drop(doomed);
    assert_eq!(server.received().len(), 1);

    // Its lease holds the mail until it runs out; then the next worker sends it again.
    let next = smtp_worker(&db, &server);
    assert_eq!(next.run_once(|| NOW + lease - 1).await.unwrap(), 0);
    assert_eq!(row(&db, id).await.status, "pending");
    assert_eq!(next.run_once(|| NOW + lease).await.unwrap(), 1);

    let received = server.received();
    assert_eq!(received.len(), 2, "at least once: the mail was not lost");
    let first = received[0].header("Message-ID").unwrap();
    assert_eq!(received[1].header("Message-ID").unwrap(), first, "the duplicate carries the same Message-ID");
    assert_eq!(Some(first), row(&db, id).await.message_id);
    let sent = row(&db, id).await;
    assert_eq!((sent.status.as_str(), sent.attempts, sent.sent_at), ("sent", 1, Some(NOW + lease)));
    assert_eq!(attempts(&db, id).await.len(), 1, "sent once as far as the outbox knows");
}

async fn a_templated_mail_goes_out_as_plain_text_and_html_alternatives(db: Db) {
    use portal::server::mail::templates::{render, Template};
    let server = SmtpServer::start().await;
    let worker = smtp_worker(&db, &server);
    let template = Template::RequestReceived {
        name: "Hana Kowalska",
        reference: "SR-2026-000077",
        summary: "Boiler E119",
        link: "http://portal.test/track/hana",
    };
    let rendered = render(portal::i18n::Locale::pl, &template);
    let id = {
        let mut tx = db.begin().await.unwrap();
        let id = portal::server::mail::queue(&mut tx, "request_received", "hana@example.com", &rendered, NOW).await;
        tx.commit().await.unwrap();
        id.unwrap()
    };
    assert_eq!(row(&db, id).await.body_html.as_deref(), Some(rendered.html.as_str()));
    assert_eq!(worker.run_once(|| NOW).await.unwrap(), 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let content_type = received[0].header("Content-Type").unwrap();
    assert!(content_type.starts_with("multipart/alternative"), "{content_type}");
    let data = &received[0].data;
    assert!(data.contains("Content-Type: text/plain; charset=utf-8"), "{data}");
    assert!(data.contains("Content-Type: text/html; charset=utf-8"), "{data}");
    // The Polish subject travels as an RFC 2047 encoded word.
    assert!(received[0].header("Subject").unwrap().starts_with("=?utf-8?"), "{:?}", received[0].header("Subject"));
    assert_eq!(row(&db, id).await.status, "sent");
}

async fn without_smtp_mails_land_in_the_development_mailbox(db: Db) {
    let worker = worker_with(&db, &MailConfig::default(), Policy::default());
    let id = queue(&db, "fay@example.com", "We received your request SR-9", NOW).await;
    assert_eq!(worker.run_once(|| NOW + 1).await.unwrap(), 1);
    let sent = row(&db, id).await;
    assert_eq!((sent.status.as_str(), sent.transport.as_deref(), sent.sent_at), ("sent", Some("dev"), Some(NOW + 1)));
    assert_eq!(attempts(&db, id).await, [("sent".to_owned(), "development mailbox".to_owned())]);
    let mailbox = outbox::recent(&mut db.acquire().await.unwrap(), 10).await.unwrap();
    assert_eq!(mailbox.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
}

on_both_backends!(
    a_mail_is_sent_over_smtp_with_its_message_id,
    a_temporary_failure_is_retried_after_its_backoff,
    a_mail_that_keeps_failing_gives_up_after_the_last_attempt,
    a_permanent_failure_is_recorded_at_once,
    a_rejected_message_body_is_a_permanent_failure_too,
    a_worker_that_dies_after_sending_leaves_the_mail_to_be_resent_with_the_same_message_id,
    a_templated_mail_goes_out_as_plain_text_and_html_alternatives,
    without_smtp_mails_land_in_the_development_mailbox,
);

/// Two instances, each with its own pool and worker, on one PostgreSQL: every mail is sent exactly once.
#[tokio::test]
async fn two_workers_on_one_postgresql_never_both_send_a_mail() {
    let test_db = TestDb::postgres().await;
    let server = SmtpServer::start().await;
    let mut ids = Vec::new();
    for n in 0..50 {
        ids.push(queue(&test_db.db, &format!("customer{n}@example.com"), &format!("Mail {n}"), NOW).await);
    }
    let policy = Policy { batch: 4, ..Policy::default() };
    let start = Arc::new(tokio::sync::Barrier::new(2));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let db = Db::connect(&test_db.url).await.unwrap();
        let worker = worker_with(&db, &smtp_config(&server), policy);
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut attempted = 0;
            loop {
                match worker.run_once(|| NOW).await.unwrap() {
                    0 => break,
                    n => attempted += n,
                }
            }
            db.close().await;
            attempted
        }));
    }
    let mut per_worker = Vec::new();
    for task in tasks {
        per_worker.push(task.await.unwrap());
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    for message in server.received() {
        *seen.entry(message.header("Message-ID").unwrap()).or_default() += 1;
    }
    assert_eq!(seen.len(), 50, "every mail was sent");
    assert!(seen.values().all(|&n| n == 1), "no mail was sent twice: {seen:?}");
    assert_eq!(per_worker.iter().sum::<usize>(), 50);
    assert!(per_worker.iter().all(|&n| n > 0), "both workers took part: {per_worker:?}");
    for id in ids {
        let sent = row(&test_db.db, id).await;
        assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 1));
    }
    test_db.cleanup().await;
}

/// The mailbox is for admins: visitors get 401, other roles 403; admins read the mail and its links.
#[tokio::test]
async fn the_development_mailbox_is_for_admins_only() {
    let app = TestApp::spawn().await;
    let id = queue(&app.state.db, "gus@example.com", "We received your request SR-3", NOW).await;
    let worker = worker_with(&app.state.db, &app.state.config.mail, Policy::default());
    assert_eq!(worker.run_once(|| NOW).await.unwrap(), 1);

    let anonymous = TestApp::client();
    assert_eq!(app.call(&anonymous, "/api/admin/outbox", &[]).await.status(), 401);
    let staff = app.signed_in("staff@example.com", "staff").await;
    assert_eq!(app.call(&staff, "/api/admin/outbox", &[]).await.status(), 403);
    assert_eq!(app.call(&staff, "/api/admin/outbox/mail", &[("id", &id.to_string())]).await.status(), 403);
    let page = staff.get(app.url(&format!("/admin/outbox/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), 403);
    assert!(!page.text().await.unwrap().contains("/track/gus"), "no body for a non-admin");

    let admin = app.signed_in("root@example.com", "admin").await;
    let list: serde_json::Value = app.call(&admin, "/api/admin/outbox", &[]).await.json().await.unwrap();
    assert_eq!(list["development"], true);
    assert_eq!(list["mails"][0]["recipient"], "gus@example.com");
    assert_eq!(list["mails"][0]["status"], "sent");
    let page = admin.get(app.url(&format!("/admin/outbox/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<a href="http://portal.test/track/gus" rel="noreferrer">"#),
        "the tracking link is clickable: {html}"
    );
    let missing = admin.get(app.url("/admin/outbox/999999")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    app.test_db.cleanup().await;
}
