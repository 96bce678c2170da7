//! Request photos on both backends: records, visibility, filing with the store and nothing half-kept; and
//! the S3-compatible store when a run names one. (Through the router: `photo_uploads.rs`.)
#![cfg(feature = "ssr")]

mod common;

use std::path::Path;

use common::photos::{count, files_under, PNG};
use portal::domain::request::RequestInput;
use portal::domain::FieldError;
use portal::i18n::Locale;
use portal::server::db::photos::{self, NewPhoto};
use portal::server::db::{requests, Db};
use portal::server::photos::submit::{submit_with_photos, PhotoSubmitError};
use portal::server::photos::upload::{CheckedPhoto, UploadedForm};
use portal::server::requests::{submit_in, track, SubmitError};
use portal::server::state::AppState;

const NOW: i64 = 1_800_000_000_000;

fn input(summary: &str) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: "ana@example.com".into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: summary.into(),
        description: "Water drips under the kitchen sink.".into(),
        windows: vec![common::window_tomorrow(NOW)],
    }
}

fn new_photo(key: &str) -> NewPhoto {
    NewPhoto { object_key: key.into(), content_type: "image/png".into(), size_bytes: 70 }
}

async fn photos_are_filed_with_the_request_and_the_customer_side_sees_only_public_ones(db: Db) {
    let bus = portal::server::events::EventBus::new(db.backend());
    let config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    let customer = {
        let row = common::create_user(&db, &bus, "c@example.com", "customer", None, "a-long-test-password", NOW).await;
        portal::server::auth::session::current_user(&row).unwrap()
    };
    let filed = [new_photo("a.png"), new_photo("b.png")];
    let mut tx = db.begin().await.unwrap();
    let (submitted, pending) = submit_in(
        &mut tx,
        &bus,
        &config,
        &input("Leaking sink"),
        "key-photos-aaaaaaaaaa",
        &filed,
        Some(&customer),
        Locale::en,
        NOW,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(pending.is_some());
    let request = track(&db, portal::server::requests::Access::Token(&submitted.token), NOW).await.unwrap().unwrap();
    assert_eq!(request.photos.iter().map(|p| p.object_key.as_str()).collect::<Vec<_>>(), ["a.png", "b.png"]);
    assert_eq!(request.photos[0].uploaded_by_user, Some(customer.id));
    assert_eq!(request.photos[0].event_id, None);

    // A photo on an internal note: the team sees it, the customer side does not.
    let mut conn = db.acquire().await.unwrap();
    let id = request.request.id;
    let note = requests::NewJobEvent {
        request_id: id,
        kind: "note",
        status: None,
        body: Some("meter reading"),
        public: false,
        actor_id: None,
        detail: None,
    };
    let note_id = requests::add_event(&mut conn, &note, NOW + 1).await.unwrap();
    let internal = photos::insert(&mut conn, id, Some(note_id), &new_photo("c.png"), None, NOW + 1).await.unwrap();
    assert_eq!(photos::all_for_request(&mut conn, id).await.unwrap().len(), 3);
    assert_eq!(photos::public_for_request(&mut conn, id).await.unwrap().len(), 2);
    let access = photos::for_download(&mut conn, internal).await.unwrap().unwrap();
    assert_eq!((access.public, access.request_id), (0, id));
    let first = photos::for_download(&mut conn, request.photos[0].id).await.unwrap().unwrap();
    assert_eq!((first.public, first.customer_id, first.content_type.as_str()), (1, Some(customer.id), "image/png"));
    assert!(photos::for_download(&mut conn, 999_999).await.unwrap().is_none());
    drop(conn);
    assert_eq!(
        track(&db, portal::server::requests::Access::Token(&submitted.token), NOW).await.unwrap().unwrap().photos.len(),
        2
    );

    // The same form again: no second request and no second set of photo records.
    let mut tx = db.begin().await.unwrap();
    let (again, pending) = submit_in(
        &mut tx,
        &bus,
        &config,
        &input("Leaking sink"),
        "key-photos-aaaaaaaaaa",
        &[new_photo("d.png")],
        None,
        Locale::en,
        NOW + 2,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(pending.is_none());
    assert_eq!(again.reference, submitted.reference);
    assert_eq!(count(&db, "photos").await, 3);
    assert_eq!(count(&db, "service_requests").await, 1);
}

/// An application state with its own photo directory.
fn state_for(db: &Db, dir: &Path) -> AppState {
    let mut config = common::test_config("unused", "127.0.0.1:3000".parse().unwrap());
    config.data_dir = dir.to_owned();
    AppState::new(config, portal::server::cli::leptos_options(), db.clone()).unwrap()
}

fn form(summary: &str, key: &str, files: usize) -> UploadedForm {
    let photo = CheckedPhoto { kind: portal::domain::photo::ImageKind::Png, content: PNG.to_vec().into() };
    UploadedForm {
        input: input(summary),
        idempotency_key: key.into(),
        photos: vec![photo; files],
        errors: Default::default(),
    }
}

async fn filing_with_photos_keeps_files_and_records_together_or_neither(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let store_dir = dir.path().join("photos");
    let state = state_for(&db, dir.path());

    // Bad text: nothing stored, nothing recorded.
    let refused = submit_with_photos(&state, form("Hi", "key-store-aaaaaaaaaaa", 2), None, Locale::en, NOW).await;
    match refused {
        Err(PhotoSubmitError::Submit(SubmitError::Invalid(errors))) => {
            assert_eq!(errors.get("summary"), Some(&FieldError::TooShort { min: 5 }))
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert!(files_under(&store_dir).is_empty());

    // Filed: two files with generated names, two records pointing at them.
    let filed = submit_with_photos(&state, form("Leaking sink", "key-store-bbbbbbbbbbb", 2), None, Locale::en, NOW)
        .await
        .unwrap();
    let files = files_under(&store_dir);
    assert_eq!(files.len(), 2);
    let tracked = track(&db, portal::server::requests::Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    for photo in &tracked.photos {
        assert!(store_dir.join(&photo.object_key).is_file(), "{}", photo.object_key);
        assert_eq!(std::fs::read(store_dir.join(&photo.object_key)).unwrap(), PNG);
    }

    // A retry of the same form stores no second copy.
    let again = submit_with_photos(&state, form("Leaking sink", "key-store-bbbbbbbbbbb", 2), None, Locale::en, NOW)
        .await
        .unwrap();
    assert_eq!(again.reference, filed.reference);
    assert_eq!(files_under(&store_dir).len(), 2);
    assert_eq!(count(&db, "photos").await, 2);

    // The database fails after the files were written: they are removed again.
    sqlx::query("DROP TABLE photos").execute(db.pool()).await.unwrap();
    let failed =
        submit_with_photos(&state, form("Dripping tap", "key-store-ccccccccccc", 3), None, Locale::en, NOW).await;
    assert!(matches!(failed, Err(PhotoSubmitError::Submit(SubmitError::Db(_)))), "{failed:?}");
    assert_eq!(files_under(&store_dir).len(), 2, "only the filed request's photos remain");
    assert_eq!(count(&db, "service_requests").await, 1, "the failed request was rolled back");
}

on_both_backends!(
    photos_are_filed_with_the_request_and_the_customer_side_sees_only_public_ones,
    filing_with_photos_keeps_files_and_records_together_or_neither,
);

/// The S3-compatible store against a real server, when the run names one: `TEST_S3_BUCKET` (already
/// created) plus the usual `AWS_ENDPOINT`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and
/// `AWS_ALLOW_HTTP`. Without `TEST_S3_BUCKET` it says so and does nothing (no such server in CI).
#[tokio::test]
async fn photos_round_trip_through_an_s3_compatible_store() {
    let Ok(bucket) = std::env::var("TEST_S3_BUCKET") else {
        eprintln!("skipped: TEST_S3_BUCKET is not set");
        return;
    };
    let test_db = common::TestDb::sqlite().await;
    let mut config = common::test_config(&test_db.url, "127.0.0.1:3000".parse().unwrap());
    config.photo_store = portal::server::config::PhotoStoreLocation::S3 { bucket, prefix: "portal-test/photos".into() };
    let state = AppState::new(config, portal::server::cli::leptos_options(), test_db.db.clone()).unwrap();
    let filed = submit_with_photos(&state, form("Leaking sink", "key-s3-aaaaaaaaaaaaaa", 2), None, Locale::en, NOW)
        .await
        .unwrap();
    let tracked =
        track(&test_db.db, portal::server::requests::Access::Token(&filed.token), NOW).await.unwrap().unwrap();
    assert_eq!(tracked.photos.len(), 2);
    let keys: Vec<String> = tracked.photos.iter().map(|p| p.object_key.clone()).collect();
    for key in &keys {
        let stored = state.photos.get(key).await.unwrap().bytes().await.unwrap();
        assert_eq!(stored.as_ref(), PNG);
    }
    state.photos.delete_all(&keys).await;
    assert!(matches!(state.photos.get(&keys[0]).await, Err(object_store::Error::NotFound { .. })));
    test_db.cleanup().await;
}
