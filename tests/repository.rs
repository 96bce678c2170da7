//! One repository suite, run against SQLite and PostgreSQL.
#![cfg(feature = "ssr")]

mod common;

use std::time::Duration;

use portal::domain::{Email, Password, Roles};
use portal::i18n::Locale;
use portal::server::accounts::{self, AccountError};
use portal::server::auth::magic::{self, Issued, MAGIC_LINK_TTL_MS};
use portal::server::auth::Sessions;
use portal::server::db::{outbox, users, Db};
use portal::server::events::EventBus;

const NOW: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn sessions(db: &Db) -> Sessions {
    Sessions::new(db.clone(), Duration::from_secs(3600), Duration::from_secs(24 * 3600), false)
}

async fn create(db: &Db, bus: &EventBus, email: &str, roles: &str) -> i64 {
    common::create_user(db, bus, email, roles, Some("Test Person"), "a-long-test-password", NOW).await.id
}

async fn users_create_find_and_unique_email(db: Db) {
    let bus = EventBus::new(db.backend());
    let id = create(&db, &bus, "Ana@Example.com", "staff,editor").await;
    let mut conn = db.acquire().await.unwrap();
    let found = users::find_by_email(&mut conn, "ana@example.com").await.unwrap().expect("found by normalised email");
    assert_eq!(found.id, id);
    assert_eq!(found.roles, "staff,editor");
    assert_eq!(found.display_name.as_deref(), Some("Test Person"));
    assert!(found.password_hash.as_deref().unwrap().starts_with("$argon2id$"));
    assert_eq!(found.disabled_at, None);
    drop(conn);
    let again =
        accounts::create(&db, &bus, &Email::parse("ana@example.com").unwrap(), &Roles::customer(), None, None, NOW)
            .await;
    assert!(matches!(again, Err(AccountError::EmailTaken)), "{again:?}");
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(users::list(&mut conn).await.unwrap().len(), 1, "nothing half-saved by the rejected insert");
}

async fn last_admin_cannot_be_removed_or_disabled(db: Db) {
    let bus = EventBus::new(db.backend());
    let admin = create(&db, &bus, "admin@example.com", "admin").await;
    let staff_only = Roles::parse("staff").unwrap();
    let result = accounts::set_roles(&db, &bus, "x", admin, &staff_only, NOW).await;
    assert!(matches!(result, Err(AccountError::LastAdmin)));
    assert!(matches!(accounts::set_disabled(&db, &bus, "x", admin, true, NOW).await, Err(AccountError::LastAdmin)));
    let second = create(&db, &bus, "admin2@example.com", "staff,admin").await;
    accounts::set_roles(&db, &bus, "x", admin, &staff_only, NOW).await.unwrap();
    assert!(matches!(accounts::set_disabled(&db, &bus, "x", second, true, NOW).await, Err(AccountError::LastAdmin)));
    let mut conn = db.acquire().await.unwrap();
    assert_eq!(users::count_active_with_role(&mut conn, "admin").await.unwrap(), 1);
}

async fn sessions_rotate_expire_and_end(db: Db) {
    let bus = EventBus::new(db.backend());
    let user = create(&db, &bus, "s@example.com", "customer").await;
    let sessions = sessions(&db);
    let first = sessions.start(user, None, NOW).await.unwrap();
    assert!(first.cookie.contains("HttpOnly") && first.cookie.contains("SameSite=Lax"));
    assert!(!first.cookie.contains("Secure"), "plain http base URL");
    assert_eq!(sessions.resolve(&first.raw_id, NOW + 1).await.unwrap().unwrap().id, user);

    // Signing in again rotates the id: the old one stops working.
    let second = sessions.start(user, Some(&first.raw_id), NOW + 2).await.unwrap();
    assert_ne!(second.raw_id, first.raw_id);
    assert!(sessions.resolve(&first.raw_id, NOW + 3).await.unwrap().is_none());
    assert!(sessions.resolve(&second.raw_id, NOW + 3).await.unwrap().is_some());

    // Idle expiry: more than an hour without a request.
    assert!(sessions.resolve(&second.raw_id, NOW + 3 + HOUR + 1).await.unwrap().is_none());

    // Absolute expiry: kept alive by activity, still ends after 24 hours.
    let third = sessions.start(user, None, NOW).await.unwrap();
    let mut t = NOW;
    while t < NOW + 23 * HOUR {
        t += HOUR / 2;
        assert!(sessions.resolve(&third.raw_id, t).await.unwrap().is_some(), "alive at {t}");
    }
    assert!(sessions.resolve(&third.raw_id, NOW + 24 * HOUR + 1).await.unwrap().is_none());

    // Sign-out deletes it on the server.
    let fourth = sessions.start(user, None, NOW).await.unwrap();
    sessions.end(&fourth.raw_id).await.unwrap();
    assert!(sessions.resolve(&fourth.raw_id, NOW + 1).await.unwrap().is_none());
    assert!(sessions.resolve("not-a-session", NOW).await.unwrap().is_none());
}

async fn disabling_a_user_ends_their_sessions(db: Db) {
    let bus = EventBus::new(db.backend());
    create(&db, &bus, "boss@example.com", "admin").await;
    let user = create(&db, &bus, "d@example.com", "staff").await;
    let sessions = sessions(&db);
    let started = sessions.start(user, None, NOW).await.unwrap();
    accounts::set_disabled(&db, &bus, "boss@example.com", user, true, NOW).await.unwrap();
    assert!(sessions.resolve(&started.raw_id, NOW + 1).await.unwrap().is_none());
    // Re-enabling does not bring the old session back.
    accounts::set_disabled(&db, &bus, "boss@example.com", user, false, NOW).await.unwrap();
    assert!(sessions.resolve(&started.raw_id, NOW + 2).await.unwrap().is_none());
}

async fn a_new_password_ends_every_session_and_team_roles_need_one(db: Db) {
    let bus = EventBus::new(db.backend());
    create(&db, &bus, "boss@example.com", "admin").await;
    let user = create(&db, &bus, "p@example.com", "customer").await;
    let sessions = sessions(&db);
    let (a, b) = (sessions.start(user, None, NOW).await.unwrap(), sessions.start(user, None, NOW).await.unwrap());
    accounts::set_password(&db, user, Password::parse("another long password").unwrap(), NOW).await.unwrap();
    assert!(sessions.resolve(&a.raw_id, NOW + 1).await.unwrap().is_none());
    assert!(sessions.resolve(&b.raw_id, NOW + 1).await.unwrap().is_none());

    // A customer who signs in by link only (no password) cannot be given a team role.
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let email = Email::parse("linkonly@example.com").unwrap();
    let Issued::Sent { link } = magic::issue(&db, &config, &email, Locale::en, NOW).await.unwrap() else { panic!() };
    let linked = magic::redeem(&db, &token_of(&link), NOW).await.unwrap().unwrap();
    let result =
        accounts::set_roles(&db, &bus, "boss@example.com", linked.id, &Roles::parse("staff").unwrap(), NOW).await;
    assert!(matches!(result, Err(AccountError::NoPassword)), "{result:?}");
    let staff = Roles::parse("staff").unwrap();
    accounts::set_roles(&db, &bus, "boss@example.com", user, &staff, NOW).await.expect("has a password now");
}

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

async fn magic_links_are_single_use_and_expire(db: Db) {
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let email = Email::parse("new.customer@example.com").unwrap();
    let Issued::Sent { link } = magic::issue(&db, &config, &email, Locale::en, NOW).await.unwrap() else {
        panic!("refused")
    };
    assert!(link.starts_with("http://127.0.0.1:3000/auth/magic?token="));
    let token = token_of(&link);

    // The mail is in the outbox, written in the same transaction.
    let mut conn = db.acquire().await.unwrap();
    let mails = outbox::recent_for(&mut conn, email.as_str(), 5).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body_text.contains(&link));
    assert_eq!(mails[0].subject, "Your sign-in link");
    drop(conn);

    // Looking does not consume; the first use signs in (creating a customer), the second does nothing.
    assert!(magic::is_usable(&db, &token, NOW + 1).await.unwrap());
    assert!(magic::is_usable(&db, &token, NOW + 2).await.unwrap());
    let user = magic::redeem(&db, &token, NOW + 3).await.unwrap().expect("first use");
    assert_eq!(user.email, "new.customer@example.com");
    assert_eq!(user.roles, "customer");
    assert!(magic::redeem(&db, &token, NOW + 4).await.unwrap().is_none(), "second use");
    assert!(!magic::is_usable(&db, &token, NOW + 5).await.unwrap());

    // A second link for the same address signs into the same account.
    let Issued::Sent { link } = magic::issue(&db, &config, &email, Locale::en, NOW).await.unwrap() else { panic!() };
    assert_eq!(magic::redeem(&db, &token_of(&link), NOW + 1).await.unwrap().unwrap().id, user.id);

    // Expiry after 15 minutes.
    let Issued::Sent { link } = magic::issue(&db, &config, &email, Locale::en, NOW).await.unwrap() else { panic!() };
    let late = token_of(&link);
    assert!(!magic::is_usable(&db, &late, NOW + MAGIC_LINK_TTL_MS).await.unwrap());
    assert!(magic::redeem(&db, &late, NOW + MAGIC_LINK_TTL_MS).await.unwrap().is_none());

    // The mail is written in the visitor's language.
    let polish = Email::parse("klient@example.com").unwrap();
    magic::issue(&db, &config, &polish, Locale::pl, NOW).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let mail = outbox::recent_for(&mut conn, polish.as_str(), 1).await.unwrap().remove(0);
    assert_eq!(mail.subject, "Twój link do logowania");
    assert!(mail.body_text.contains("wygasa po 15 minutach"));
    drop(conn);

    // Unknown tokens are nothing.
    assert!(magic::redeem(&db, "forged", NOW).await.unwrap().is_none());
}

async fn magic_links_refuse_team_accounts(db: Db) {
    let bus = EventBus::new(db.backend());
    create(&db, &bus, "tech@example.com", "staff").await;
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let result = magic::issue(&db, &config, &Email::parse("tech@example.com").unwrap(), Locale::en, NOW).await.unwrap();
    assert_eq!(result, Issued::Refused);
    let mut conn = db.acquire().await.unwrap();
    assert!(outbox::recent_for(&mut conn, "tech@example.com", 5).await.unwrap().is_empty());
}

async fn events_replay_and_rollback(db: Db) {
    let bus = EventBus::new(db.backend());
    let mut rx = bus.subscribe();
    let runner = tokio::spawn(bus.clone().run(db.clone()));
    // The runner starts from the newest event; give it a moment to read where that is.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for n in 0..3 {
        let mut tx = db.begin().await.unwrap();
        let pending = bus.append(&mut tx, "staff", "test.event", &serde_json::json!({ "n": n }), NOW).await.unwrap();
        tx.commit().await.unwrap();
        bus.announce(pending);
    }
    // A rolled-back change leaves no event and announces nothing.
    {
        let mut tx = db.begin().await.unwrap();
        let pending = bus.append(&mut tx, "staff", "test.rolled_back", &1, NOW).await.unwrap();
        tx.rollback().await.unwrap();
        drop(pending);
    }
    let mut conn = db.acquire().await.unwrap();
    let all = portal::server::db::events::since(&mut conn, "staff", 0, 100).await.unwrap();
    assert_eq!(all.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["test.event"; 3]);
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let after_first = portal::server::db::events::since(&mut conn, "staff", ids[0], 100).await.unwrap();
    assert_eq!(after_first.len(), 2);
    assert_eq!(after_first[0].payload, r#"{"n":1}"#);
    assert!(portal::server::db::events::since(&mut conn, "user-1", 0, 100).await.unwrap().is_empty());
    drop(conn);

    // Delivered to subscribers after commit, in order (on PostgreSQL through LISTEN/NOTIFY; across two
    // server processes in tests/two_instances.rs).
    for id in &ids {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("delivered").unwrap();
        assert_eq!(event.row.id, *id);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err(), "the rolled-back event was not delivered");
    runner.abort();
}

/// Concurrent writers on both backends: every event is delivered exactly once and in id order.
async fn events_from_concurrent_writers_arrive_in_order(db: Db) {
    let bus = EventBus::new(db.backend());
    let mut rx = bus.subscribe();
    let runner = tokio::spawn(bus.clone().run(db.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let writers = (0..8).map(|w| {
        let (db, bus) = (db.clone(), bus.clone());
        tokio::spawn(async move {
            for n in 0..5 {
                let mut tx = db.begin().await.unwrap();
                let pending = bus.append(&mut tx, "staff", "test.event", &(w, n), NOW).await.unwrap();
                tx.commit().await.unwrap();
                bus.announce(pending);
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < 40 {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("all delivered").unwrap();
        seen.push(event.row.id);
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order, no duplicates: {seen:?}");
    runner.abort();
}

on_both_backends!(
    users_create_find_and_unique_email,
    last_admin_cannot_be_removed_or_disabled,
    a_new_password_ends_every_session_and_team_roles_need_one,
    sessions_rotate_expire_and_end,
    disabling_a_user_ends_their_sessions,
    magic_links_are_single_use_and_expire,
    magic_links_refuse_team_accounts,
    events_replay_and_rollback,
    events_from_concurrent_writers_arrive_in_order,
);

/// Both migration sets must produce the same tables and columns (with the same nullability).
#[tokio::test]
async fn migrations_agree_between_backends() {
    let sqlite = common::TestDb::sqlite().await;
    let postgres = common::TestDb::postgres().await;
    let a = sqlite.db.schema().await.unwrap();
    let b = postgres.db.schema().await.unwrap();
    sqlite.cleanup().await;
    postgres.cleanup().await;
    assert!(a.len() > 10, "schema read: {a:?}");
    assert_eq!(a, b);
}
