//! HTTP-level tests through the real router on a free port: authorization, the Origin check, rate limits,
//! headers, magic links end to end, and the no-JavaScript form flow.
#![cfg(feature = "ssr")]

mod common;

use common::TestApp;
use portal::domain::AppError;

async fn error_of(response: reqwest::Response) -> AppError {
    serde_json::from_str(&response.text().await.unwrap()).expect("the body is the wire error")
}

#[tokio::test]
async fn staff_only_functions_refuse_visitors_401_and_customers_403() {
    let app = TestApp::spawn().await;
    let anonymous = TestApp::client();
    let response = app.call(&anonymous, "/api/admin/users", &[]).await;
    assert_eq!(response.status(), 401);
    assert_eq!(error_of(response).await, AppError::Unauthenticated);
    assert_eq!(app.call(&anonymous, "/api/staff/activity", &[]).await.status(), 401);

    let customer = app.signed_in("cust@example.com", "customer").await;
    let response = app.call(&customer, "/api/admin/users", &[]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_of(response).await, AppError::Forbidden);
    assert_eq!(app.call(&customer, "/api/staff/activity", &[]).await.status(), 403);
    let response = app.call(&customer, "/api/admin/users/roles", &[("user_id", "1"), ("admin", "on")]).await;
    assert_eq!(response.status(), 403);

    let staff = app.signed_in("staff@example.com", "staff").await;
    assert_eq!(app.call(&staff, "/api/staff/activity", &[]).await.status(), 200);
    assert_eq!(app.call(&staff, "/api/admin/users", &[]).await.status(), 403, "staff is not admin");

    let admin = app.signed_in("admin@example.com", "admin").await;
    assert_eq!(app.call(&admin, "/api/admin/users", &[]).await.status(), 200);
}

#[tokio::test]
async fn the_customer_never_gets_promoted_by_a_customer() {
    let app = TestApp::spawn().await;
    let customer = app.signed_in("cust@example.com", "customer").await;
    let me: Option<portal::domain::CurrentUser> = app.call(&customer, "/api/auth/me", &[]).await.json().await.unwrap();
    let me = me.unwrap();
    let id = me.id.to_string();
    app.call(&customer, "/api/admin/users/roles", &[("user_id", &id), ("admin", "on")]).await;
    let again: Option<portal::domain::CurrentUser> =
        app.call(&customer, "/api/auth/me", &[]).await.json().await.unwrap();
    assert_eq!(again.unwrap().roles, portal::domain::Roles::customer());
}

#[tokio::test]
async fn cross_origin_posts_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.user("victim@example.com", "customer", "a-long-test-password").await;
    let admin = app.signed_in("admin@example.com", "admin").await;
    let victim_id = {
        let mut conn = app.state.db.acquire().await.unwrap();
        portal::server::db::users::find_by_email(&mut conn, "victim@example.com").await.unwrap().unwrap().id
    };
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut request = admin
            .post(app.url("/api/admin/users/roles"))
            .header("accept", "application/json")
            .form(&[("user_id", victim_id.to_string().as_str()), ("admin", "on")]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "origin {origin:?}");
    }
    // A cross-site sign-in attempt does not create a session either.
    let response = TestApp::client()
        .post(app.url("/api/auth/sign_in"))
        .header("origin", "http://evil.example")
        .form(&[("email", "victim@example.com"), ("password", "a-long-test-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());

    let mut conn = app.state.db.acquire().await.unwrap();
    let victim = portal::server::db::users::find_by_id(&mut conn, victim_id).await.unwrap().unwrap();
    assert_eq!(victim.roles, "customer");
    // Same-origin with a Referer but no Origin is accepted (older browsers).
    let response = admin
        .post(app.url("/api/admin/users"))
        .header("referer", app.url("/admin/users"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_email_with_429() {
    let app = TestApp::spawn().await;
    app.user("target@example.com", "staff", "a-long-test-password").await;
    let client = TestApp::client();
    for _ in 0..5 {
        let response = app
            .call(&client, "/api/auth/sign_in", &[("email", "target@example.com"), ("password", "wrong-guess")])
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(error_of(response).await, AppError::InvalidCredentials);
    }
    let response = app
        .call(&client, "/api/auth/sign_in", &[("email", "target@example.com"), ("password", "a-long-test-password")])
        .await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    assert!(matches!(error_of(response).await, AppError::RateLimited { retry_after_secs } if retry_after_secs > 0));
    // Another address is not affected.
    app.user("other@example.com", "staff", "a-long-test-password").await;
    let response = app
        .call(&client, "/api/auth/sign_in", &[("email", "other@example.com"), ("password", "a-long-test-password")])
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn magic_link_requests_are_rate_limited() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    for _ in 0..5 {
        assert_eq!(app.call(&client, "/api/auth/request_link", &[("email", "c@example.com")]).await.status(), 200);
    }
    assert_eq!(app.call(&client, "/api/auth/request_link", &[("email", "c@example.com")]).await.status(), 429);
}

#[tokio::test]
async fn magic_link_signs_in_once_and_a_get_uses_nothing() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    assert_eq!(app.call(&client, "/api/auth/request_link", &[("email", "New@Example.com")]).await.status(), 200);
    let body = {
        let mut conn = app.state.db.acquire().await.unwrap();
        portal::server::db::outbox::recent_for(&mut conn, "new@example.com", 1).await.unwrap().remove(0).body_text
    };
    let link = body.lines().find(|l| l.contains("/auth/magic?token=")).unwrap().trim().to_owned();
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // A mail scanner's GET of the link renders the page and changes nothing.
    for _ in 0..2 {
        let page = client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Continue"));
    }
    let me: Option<portal::domain::CurrentUser> = app.call(&client, "/api/auth/me", &[]).await.json().await.unwrap();
    assert!(me.is_none());

    let response = app.call(&client, "/api/auth/use_link", &[("token", &token)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("location").unwrap(), "/account");
    let me: Option<portal::domain::CurrentUser> = app.call(&client, "/api/auth/me", &[]).await.json().await.unwrap();
    assert_eq!(me.unwrap().email, "new@example.com");

    let second = app.call(&TestApp::client(), "/api/auth/use_link", &[("token", &token)]).await;
    assert_eq!(second.status(), 400);
    assert_eq!(error_of(second).await, AppError::LinkExpired);
}

#[tokio::test]
async fn sign_out_deletes_the_server_session() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("s@example.com", "staff").await;
    assert_eq!(app.call(&client, "/api/staff/activity", &[]).await.status(), 200);
    let response = app.call(&client, "/api/auth/sign_out", &[]).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.call(&client, "/api/staff/activity", &[]).await.status(), 401);
}

#[tokio::test]
async fn form_posts_without_javascript_redirect_back_with_the_error() {
    let app = TestApp::spawn().await;
    let response = TestApp::client()
        .post(app.url("/api/auth/sign_in"))
        .header("origin", &app.base)
        .header("referer", app.url("/sign-in"))
        .header("accept", "text/html")
        .form(&[("email", "nobody@example.com"), ("password", "whatever-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers().get("location").unwrap().to_str().unwrap();
    assert!(location.starts_with(&app.url("/sign-in?")), "{location}");
    assert!(location.contains("__err="), "{location}");

    // The page it leads to shows the message.
    let page = TestApp::client().get(location).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Email or password is incorrect."), "{page}");
}

#[tokio::test]
async fn bad_input_is_reported_per_field_and_keeps_the_typed_value() {
    let app = TestApp::spawn().await;
    let response =
        app.call(&TestApp::client(), "/api/auth/sign_in", &[("email", "not-an-email"), ("password", "")]).await;
    assert_eq!(response.status(), 400);
    let AppError::Invalid(errors) = error_of(response).await else { panic!("expected field errors") };
    assert_eq!(errors.get("email"), Some(&portal::domain::FieldError::InvalidEmail));
    assert_eq!(errors.get("password"), Some(&portal::domain::FieldError::Required));
    assert_eq!(errors.value("email"), Some("not-an-email"));
    assert_eq!(errors.value("password"), None, "passwords are never echoed");
}

#[tokio::test]
async fn pages_carry_security_headers_and_status_codes() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let headers = home.headers().clone();
    let csp = headers.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(headers.get("referrer-policy").is_some());
    assert!(headers.get("x-request-id").is_some());
    assert_eq!(headers.get("cache-control").unwrap(), "no-store", "personal pages are not cached");
    let forged = client.get(app.url("/")).header("x-request-id", "<script>forged</script>").send().await.unwrap();
    assert_ne!(forged.headers().get("x-request-id").unwrap(), "<script>forged</script>", "the server assigns ids");
    let html = home.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    assert!(html.contains("How can we help?"));

    let missing = client.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page not found"));

    assert_eq!(client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(client.get(app.url("/readyz")).send().await.unwrap().status(), 200);

    // Anonymous visitors are sent to sign in; customers get 403 on staff pages.
    let staff_page = client.get(app.url("/staff")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(staff_page.status(), 302);
    assert_eq!(staff_page.headers().get("location").unwrap(), "/sign-in?next=/staff");
    let customer = app.signed_in("c@example.com", "customer").await;
    let refused = customer.get(app.url("/staff")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("Access denied"));
}

#[tokio::test]
async fn the_language_cookie_and_accept_language_choose_the_locale() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let polish = client.get(app.url("/")).header("accept-language", "pl-PL,pl;q=0.9").send().await.unwrap();
    assert!(polish.text().await.unwrap().contains("Jak możemy pomóc?"));
    let response = app.call(&client, "/api/locale", &[("locale", "pl")]).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").unwrap().to_str().unwrap().starts_with("i18n_pref_locale=pl"));
    let page = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Jak możemy pomóc?"), "cookie wins over the (absent) header");
    assert_eq!(app.call(&client, "/api/locale", &[("locale", "xx")]).await.status(), 400);
}

/// A database that goes away: `/readyz` fails and pages answer 503; when it returns, the portal recovers by
/// itself. (PostgreSQL, where an outage can be made and ended from outside.)
#[tokio::test]
async fn a_database_outage_answers_503_and_recovers() {
    use sqlx::Connection;
    let test_db = common::TestDb::postgres().await;
    let name = test_db.url.rsplit('/').next().unwrap().to_owned();
    let app = TestApp::spawn_on(test_db).await;
    let client = app.signed_in("s@example.com", "staff").await;
    assert_eq!(client.get(app.url("/account")).send().await.unwrap().status(), 200);

    let mut admin = sqlx::PgConnection::connect(&common::pg_admin_url()).await.unwrap();
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut admin).await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .execute(&mut admin)
    .await
    .unwrap();
    assert_eq!(client.get(app.url("/readyz")).send().await.unwrap().status(), 503);
    let page = client.get(app.url("/account")).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("temporarily unavailable"));
    let call = app.call(&client, "/api/staff/activity", &[]).await;
    assert_eq!(call.status(), 503);

    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut admin).await.unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if client.get(app.url("/readyz")).send().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "readyz recovers");
    assert_eq!(client.get(app.url("/account")).send().await.unwrap().status(), 200, "the session survived");
    let TestApp { test_db, .. } = app;
    test_db.cleanup().await;
}

/// Pages are compressed; live-event streams are not (they are routed outside the compression layer, so an open
/// stream holds no encoder state) but pass through every other layer: security headers and request ids.
#[tokio::test]
async fn pages_are_compressed_and_event_streams_are_not() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let home = client.get(app.url("/")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers().get("content-encoding").unwrap(), "gzip");

    let form: &[(&str, &str)] = &[
        ("name", "Ana"),
        ("email", "ana@example.com"),
        ("phone", ""),
        ("address", "ul. Długa 5, Kraków"),
        ("category", "2"),
        ("summary", "Radiator cold"),
        ("description", "The bedroom radiator stays cold."),
        ("idempotency_key", "key-compression-test"),
        ("window1_day", common::window_tomorrow(portal::server::now_ms()).day.leak()),
        ("window1_part", "morning"),
    ];
    let filed = app.submit_request(&client, form, vec![], "application/json").await;
    let location = filed.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let token = location.trim_start_matches("/track/").split('?').next().unwrap().to_owned();
    let stream = client
        .get(app.url(&format!("/api/track/{token}/events")))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let headers = stream.headers();
    assert_eq!(headers.get("content-type").unwrap(), "text/event-stream");
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(headers.get("x-request-id").is_some());
}

/// Every one of many simultaneous page loads is answered whole, also while other servers start in the same
/// process. A page title that read the locale signal when leptos_meta wrote the `<head>` panicked now and then
/// on a multi-threaded runtime (the request's reactive arena was not the thread's current one by then), and
/// the response was lost: ~2 % of concurrent loads. And a server that listed its page routes while this one
/// rendered stopped every resource in the process from loading for that moment (a process-wide flag in
/// Leptos): the pages rendering then waited until the 30 s timeout (408), about one run in three of this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_page_loads_are_all_answered() {
    use futures::StreamExt;

    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let mut started_tx = Some(started_tx);
    // Three more servers start once the loads are under way.
    let others = tokio::spawn(async move {
        let _ = started_rx.await;
        let mut apps = Vec::new();
        for _ in 0..3 {
            apps.push(TestApp::spawn().await);
        }
        apps
    });
    let loads = (0..1200).map(|i| {
        let (client, url) = (client.clone(), app.url(["/sign-in", "/", "/help"][i % 3]));
        if i == 48 {
            let _ = started_tx.take().map(|tx| tx.send(()));
        }
        async move {
            let response = client.get(url.as_str()).send().await.map_err(|e| format!("{url}: {e:?}"))?;
            let status = response.status();
            let text = response.text().await.map_err(|e| format!("{url}: {status}, body: {e:?}"))?;
            if status == 200 && text.contains("<title>") && text.contains("</html>") {
                Ok(())
            } else {
                Err(format!("{url}: {status}, {} bytes", text.len()))
            }
        }
    });
    let answered: Vec<Result<(), String>> = futures::stream::iter(loads).buffer_unordered(24).collect().await;
    drop(others.await.expect("the other servers started"));
    let lost: Vec<&String> = answered.iter().filter_map(|a| a.as_ref().err()).collect();
    assert!(
        lost.is_empty(),
        "{} of {} concurrent page loads were not answered with a whole page; the first: {:?}",
        lost.len(),
        answered.len(),
        &lost[..lost.len().min(5)]
    );
}

/// A connection that does not finish sending a request's headers in time is closed, and so is a kept-alive one
/// that sends no next request; one that sends its request in time is answered.
#[tokio::test]
async fn slow_or_idle_connections_are_closed_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = TestApp::spawn().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let timeout = std::time::Duration::from_millis(300);
    let router = portal::server::http::router_with(app.state.clone(), common::page_routes());
    tokio::spawn(portal::server::http::serve_on(listener, router, timeout, std::future::pending()));

    // Closed: the server's end of the stream (0 bytes) within a few timeouts.
    async fn closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut got)).await;
        assert!(read.is_ok(), "the server closed the connection");
        got
    }

    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let answer = closed(&mut slow).await;
    assert!(started.elapsed() >= timeout, "not before the timeout");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "no answer to an unfinished request");

    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let answer = String::from_utf8_lossy(&closed(&mut kept).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("ok"), "{answer}");
}
