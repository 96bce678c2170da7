//! Request photos on both backends (records, visibility, filing with the store, nothing half-kept) and
//! through the real router (multipart form, content checks, downloads only for those who may see them).
#![cfg(feature = "ssr")]

mod common;

use std::path::{Path, PathBuf};

use common::TestApp;
use portal::domain::request::RequestInput;
use portal::domain::{AppError, FieldError};
use portal::i18n::Locale;
use portal::server::db::photos::{self, NewPhoto};
use portal::server::db::{requests, Db};
use portal::server::photos::submit::{submit_with_photos, PhotoSubmitError};
use portal::server::photos::upload::{CheckedPhoto, UploadedForm};
use portal::server::requests::{submit_in, track, SubmitError};
use portal::server::state::AppState;

const NOW: i64 = 1_800_000_000_000;

/// A real 1×1 PNG.
const PNG: [u8; 70] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f, 0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba,
    0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn input(summary: &str) -> RequestInput {
    RequestInput {
        name: "Ana Kowalska".into(),
        email: "ana@example.com".into(),
        phone: "".into(),
        address: "ul. Długa 5, Kraków".into(),
        category: "1".into(),
        summary: summary.into(),
        description: "Water drips under the kitchen sink.".into(),
    }
}

fn new_photo(key: &str) -> NewPhoto {
    NewPhoto { object_key: key.into(), content_type: "image/png".into(), size_bytes: 70 }
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(db.pool()).await.unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
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
    let request = track(&db, &submitted.token, NOW).await.unwrap().unwrap();
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
    assert_eq!(track(&db, &submitted.token, NOW).await.unwrap().unwrap().photos.len(), 2);

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
    let tracked = track(&db, &filed.token, NOW).await.unwrap().unwrap();
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

// ---- through the router ----

fn fields(key: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("phone", ""),
        ("address", "ul. Długa 5, Kraków"),
        ("category", "2"),
        ("summary", "Radiator cold"),
        ("description", "The bedroom radiator stays cold."),
        ("idempotency_key", key),
    ]
}

async fn error_of(response: reqwest::Response) -> AppError {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 400, "{body}");
    serde_json::from_str(&body).expect("the body is the wire error")
}

/// Files a request with one PNG; returns its tracking token and the photo's URL as the tracking page has it.
async fn file_with_photo(app: &TestApp, client: &reqwest::Client, key: &str) -> (String, String) {
    let response = app.submit_request(client, &fields(key), vec![("sink.png", PNG.to_vec())], "application/json").await;
    assert_eq!(response.status(), 200);
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let token = location.trim_start_matches("/track/").trim_end_matches("?new=1").to_owned();
    let tracked = app.call(client, "/api/requests/track", &[("token", &token)]).await;
    let tracked: portal::api::requests::TrackedRequest = tracked.json().await.unwrap();
    assert_eq!(tracked.photos.len(), 1);
    (token, tracked.photos[0].url.clone())
}

#[tokio::test]
async fn a_photo_is_filed_and_served_safely_by_its_tracking_link() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let (token, url) = file_with_photo(&app, &client, "key-http-aaaaaaaaaaaa").await;
    assert!(url.starts_with("/api/photos/") && url.ends_with(&format!("?t={token}")), "{url}");

    let response = TestApp::client().get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let id = url.trim_start_matches("/api/photos/").split('?').next().unwrap();
    assert_eq!(headers.get("content-type").unwrap(), "image/png");
    assert_eq!(
        headers.get("content-disposition").unwrap().to_str().unwrap(),
        format!("inline; filename=\"photo-{id}.png\"")
    );
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("content-security-policy").unwrap(), "default-src 'none'; sandbox");
    assert!(headers.get("cache-control").unwrap().to_str().unwrap().starts_with("private, max-age="));
    assert_eq!(response.bytes().await.unwrap().as_ref(), PNG);

    // The tracking page shows it.
    let page = client.get(app.url(&format!("/track/{token}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&url.replace('&', "&amp;")) && page.contains("Photo 1 of 1"), "{page}");
}

#[tokio::test]
async fn a_renamed_text_file_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let text = b"I am not a picture, only named like one.".to_vec();
    let response = app
        .submit_request(
            &TestApp::client(),
            &fields("key-http-bbbbbbbbbbbb"),
            vec![("evil.jpg", text)],
            "application/json",
        )
        .await;
    let AppError::Invalid(errors) = error_of(response).await else { panic!("expected field errors") };
    assert_eq!(errors.get("photos"), Some(&FieldError::NotAnImage));
    assert_eq!(errors.value("summary"), Some("Radiator cold"), "what was typed comes back");
    assert_eq!(count(&app.state.db, "service_requests").await, 0);
    assert_eq!(count(&app.state.db, "photos").await, 0);
    assert!(files_under(app.data_dir.path()).is_empty());
}

#[tokio::test]
async fn an_oversize_photo_is_refused_with_a_readable_message() {
    let app = TestApp::spawn().await;
    let mut big = PNG.to_vec();
    big.resize(portal::domain::photo::MAX_PHOTO_BYTES + 1, 0);
    let response = app
        .submit_request(
            &TestApp::client(),
            &fields("key-http-cccccccccccc"),
            vec![("big.png", big.clone())],
            "application/json",
        )
        .await;
    let AppError::Invalid(errors) = error_of(response).await else { panic!("expected field errors") };
    assert_eq!(errors.get("photos"), Some(&FieldError::TooLarge { max_mb: 10 }));

    // Without JavaScript: back to the form, which says so beside the field.
    let response = app
        .submit_request(&TestApp::client(), &fields("key-http-cccccccccccc"), vec![("big.png", big)], "text/html")
        .await;
    assert_eq!(response.status(), 302);
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.starts_with(&app.url("/requests/new?")) && location.contains("__err="), "{location}");
    let page = TestApp::client().get(&location).send().await.unwrap().text().await.unwrap();
    let page = page.replace("<!>", ""); // the markers Leptos puts between interpolated text
    assert!(page.contains("Each photo can be at most 10 MB"), "{page}");
    assert!(page.contains("aria-describedby=\"request-photos-hint request-photos-error\""), "beside the field");
    assert!(page.contains("value=\"Radiator cold\""), "typed values are kept");
    assert_eq!(count(&app.state.db, "service_requests").await, 0);
    assert!(files_under(app.data_dir.path()).is_empty());

    // Six photos are one too many.
    let six = vec![("p.png", PNG.to_vec()); 6];
    let response =
        app.submit_request(&TestApp::client(), &fields("key-http-dddddddddddd"), six, "application/json").await;
    let AppError::Invalid(errors) = error_of(response).await else { panic!("expected field errors") };
    assert_eq!(errors.get("photos"), Some(&FieldError::TooManyPhotos { max: 5 }));
}

#[tokio::test]
async fn a_path_like_file_name_is_harmless() {
    let app = TestApp::spawn().await;
    let response = app
        .submit_request(
            &TestApp::client(),
            &fields("key-http-eeeeeeeeeeee"),
            vec![("../../etc/passwd.png", PNG.to_vec())],
            "application/json",
        )
        .await;
    assert_eq!(response.status(), 200);
    let files = files_under(app.data_dir.path());
    assert_eq!(files.len(), 1);
    let stored = &files[0];
    assert_eq!(stored.parent().unwrap(), app.data_dir.path().join("photos"));
    let name = stored.file_name().unwrap().to_str().unwrap();
    assert!(name.len() == 36 && name.ends_with(".png") && !name.contains("passwd"), "{name}");
    let parent = app.data_dir.path().parent().unwrap();
    assert!(!parent.join("etc/passwd.png").exists() && !Path::new("/etc/passwd.png").exists());
}

#[tokio::test]
async fn only_the_team_the_owner_and_that_requests_link_can_download() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in("alice@example.com", "customer").await;
    let (_, url) = file_with_photo(&app, &alice, "key-http-ffffffffffff").await;
    let path = url.split('?').next().unwrap().to_owned();
    let bob = app.signed_in("bob@example.com", "customer").await;
    let (bob_token, _) = file_with_photo(&app, &bob, "key-http-gggggggggggg").await;

    let get = |client: reqwest::Client, target: String| async move { client.get(target).send().await.unwrap() };
    assert_eq!(get(alice.clone(), app.url(&path)).await.status(), 200, "her own request, signed in");
    let refused = get(bob.clone(), app.url(&path)).await;
    assert_eq!(refused.status(), 404, "another customer");
    let refused_body = refused.text().await.unwrap();
    assert_eq!(get(bob.clone(), app.url(&format!("{path}?t={bob_token}"))).await.status(), 404, "his token, her photo");
    assert_eq!(get(TestApp::client(), app.url(&path)).await.status(), 404, "no sign-in, no token");
    assert_eq!(get(TestApp::client(), app.url(&format!("{path}?t=made-up"))).await.status(), 404);
    let missing = get(TestApp::client(), app.url("/api/photos/999999")).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.text().await.unwrap(), refused_body, "a refusal looks like a missing photo");
    assert_eq!(get(TestApp::client(), app.url(&url)).await.status(), 200, "her tracking link");

    let staff = app.signed_in("staff@example.com", "staff").await;
    assert_eq!(get(staff.clone(), app.url(&path)).await.status(), 200);
    let id = path.trim_start_matches("/api/photos/");
    let job: portal::api::jobs::JobDetail =
        app.call(&staff, "/api/jobs/get", &[("id", "1")]).await.json().await.unwrap();
    assert_eq!(job.photos.len(), 1);
    assert_eq!(job.photos[0].url, format!("/api/photos/{id}"));
}

#[tokio::test]
async fn the_form_works_without_javascript_and_refuses_other_encodings() {
    let app = TestApp::spawn().await;
    let response = app
        .submit_request(
            &TestApp::client(),
            &fields("key-http-hhhhhhhhhhhh"),
            vec![("a.webp", b"RIFF\x10\0\0\0WEBPVP8 ".to_vec())],
            "text/html",
        )
        .await;
    assert_eq!(response.status(), 302);
    let location = response.headers().get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with("/track/") && location.ends_with("?new=1"), "{location}");
    assert_eq!(count(&app.state.db, "photos").await, 1);

    // A URL-encoded post cannot carry files: refused before the server function.
    let response = app.call(&TestApp::client(), "/api/requests/create", &fields("key-http-iiiiiiiiiiii")).await;
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn a_body_declared_over_the_upload_limit_is_refused_before_it_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let too_long = portal::server::photos::limits::UPLOAD_BODY_MAX + 1;
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /api/requests/create HTTP/1.1\r\nHost: x\r\nOrigin: {}\r\nAccept: text/html\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {too_long}\r\nConnection: close\r\n\r\n",
        app.base
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("The upload is too large"), "a readable message: {answer}");
    assert_eq!(count(&app.state.db, "service_requests").await, 0);
}

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
    let tracked = track(&test_db.db, &filed.token, NOW).await.unwrap().unwrap();
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
