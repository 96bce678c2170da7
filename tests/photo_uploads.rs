//! Photos through the real router: the multipart form with and without JavaScript, content and size
//! checks, harmless file names, and downloads only for those who may see the request.
#![cfg(feature = "ssr")]

mod common;

use std::path::Path;

use common::photos::{count, files_under, PNG};
use common::TestApp;
use portal::domain::{AppError, FieldError};

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
        ("window1_day", common::window_tomorrow(portal::server::now_ms()).day.leak()),
        ("window1_part", "morning"),
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
    let tracked = app.track(client, &token).await;
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
