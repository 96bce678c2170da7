//! Test harness: a fresh database per test on SQLite (a temp file) or PostgreSQL (a database created on the
//! server named by TEST_DATABASE_URL and dropped afterwards), and an in-process server on a free port.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use portal::server::config::Config;
use portal::server::db::Db;
use portal::server::state::AppState;
use sqlx::Connection;

pub mod photos;
pub mod smtp;

pub const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| PG_DEFAULT.to_owned())
}

/// A database that exists for one test.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("portal.db").display());
        let db = Db::connect(&url).await.expect("connect sqlite");
        db.migrate().await.expect("migrate sqlite");
        Self { db, url, cleanup: Cleanup::Dir(dir) }
    }

    pub async fn postgres() -> Self {
        let (url, admin_url, name) = create_pg_database().await;
        let db = Db::connect(&url).await.expect("connect postgres");
        db.migrate().await.expect("migrate postgres");
        Self { db, url, cleanup: Cleanup::Postgres { admin_url, name } }
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        if let Cleanup::Postgres { admin_url, name } = self.cleanup {
            drop_pg_database(&admin_url, &name).await;
        }
    }
}

/// Creates an empty database and returns (its URL, the admin URL, its name).
pub async fn create_pg_database() -> (String, String, String) {
    let admin_url = pg_admin_url();
    let name = format!("portal_test_{}", uuid_like());
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is needed for this test (set TEST_DATABASE_URL): {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
    let _ = conn.close().await;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
    (format!("{base}/{name}"), admin_url, name)
}

pub async fn drop_pg_database(admin_url: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
        let _ = conn.close().await;
    }
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `body` on a fresh database of the given backend and always cleans up, even when it panics.
pub async fn with_db<F, Fut>(postgres: bool, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let test_db = if postgres { TestDb::postgres().await } else { TestDb::sqlite().await };
    let result = AssertUnwindSafe(body(test_db.db.clone())).catch_unwind().await;
    test_db.cleanup().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Declares one test per backend for a suite function `async fn(Db)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    $crate::common::with_db(false, super::$name).await;
                }
                #[tokio::test]
                async fn postgres() {
                    $crate::common::with_db(true, super::$name).await;
                }
            }
        )*
    };
}

pub fn test_config(database_url: &str, addr: SocketAddr) -> Config {
    Config {
        database_url: database_url.to_owned(),
        base_url: url::Url::parse(&format!("http://{addr}")).unwrap(),
        data_dir: std::env::temp_dir(),
        site_addr: addr,
        demo: false,
        session_idle: Duration::from_secs(3600),
        session_absolute: Duration::from_secs(24 * 3600),
        rate_limit_per_ip: 1000,
        rate_limit_per_email: 5,
        rate_limit_window: Duration::from_secs(900),
        photo_store: Default::default(),
        mail: Default::default(),
    }
}

/// Creates an account through the account service (so with its password hash and its team event).
pub async fn create_user(
    db: &Db,
    bus: &portal::server::events::EventBus,
    email: &str,
    roles: &str,
    name: Option<&str>,
    password: &str,
    now: i64,
) -> portal::server::db::users::UserRow {
    portal::server::accounts::create(
        db,
        bus,
        &portal::domain::Email::parse(email).unwrap(),
        &portal::domain::Roles::parse(roles).unwrap(),
        name,
        Some(portal::domain::Password::parse(password).unwrap()),
        now,
    )
    .await
    .unwrap()
}

/// A running in-process server on a free port.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub test_db: TestDb,
    /// This server's own data directory (photos are stored under `photos/` in it).
    pub data_dir: tempfile::TempDir,
}

/// The app's page routes, listed once for the whole test binary: listing them stops every resource in the
/// process from loading while it runs (see `server::http::page_routes`), so a server started while another
/// test's server renders a page made that page wait until the 30 s timeout.
pub fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(portal::server::http::page_routes).clone()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::sqlite().await).await
    }

    pub async fn spawn_on(test_db: TestDb) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&test_db.url, addr);
        config.data_dir = data_dir.path().to_owned();
        let state = AppState::new(config, portal::server::cli::leptos_options(), test_db.db.clone()).unwrap();
        let app = portal::server::http::router_with(state.clone(), page_routes());
        tokio::spawn(async move {
            portal::server::http::serve_on(listener, app, portal::server::http::HEADER_TIMEOUT, std::future::pending())
                .await;
        });
        Self { base: format!("http://{addr}"), state, test_db, data_dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that keeps cookies and never follows redirects (tests look at them).
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Calls a server function the way the hydrated app does (URL-encoded form, JSON answer), from this
    /// portal's own origin.
    pub async fn call(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("origin", &self.base)
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts the request form as the browser does (multipart, it can carry photos): `fields` as text
    /// parts, `files` as `photos` parts named `(file name, content)`. `accept` says JSON (the hydrated app)
    /// or HTML (a plain form post, which also sends the form page as Referer).
    pub async fn submit_request(
        &self,
        client: &reqwest::Client,
        fields: &[(&str, &str)],
        files: Vec<(&str, Vec<u8>)>,
        accept: &str,
    ) -> reqwest::Response {
        self.post_multipart(client, "/api/requests/create", "/requests/new", fields, files, accept).await
    }

    /// Posts a multipart form (text `fields`, `files` as `photos`) to a server function as the page at
    /// `from` would.
    pub async fn post_multipart(
        &self,
        client: &reqwest::Client,
        path: &str,
        from: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, Vec<u8>)>,
        accept: &str,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (file_name, content) in files {
            let part = reqwest::multipart::Part::bytes(content).file_name(file_name.to_owned());
            form = form.part("photos", part.mime_str("image/jpeg").unwrap());
        }
        client
            .post(self.url(path))
            .header("origin", &self.base)
            .header("referer", self.url(from))
            .header("accept", accept)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Reads a request by its tracking token as the tracking page does (the key travels as JSON).
    pub async fn track(&self, client: &reqwest::Client, token: &str) -> reqwest::Response {
        client
            .post(self.url("/api/requests/track"))
            .header("origin", &self.base)
            .json(&serde_json::json!({ "key": { "Token": token } }))
            .send()
            .await
            .unwrap()
    }

    /// Creates a user with a password directly through the account service.
    pub async fn user(&self, email: &str, roles: &str, password: &str) -> i64 {
        let now = portal::server::now_ms();
        create_user(&self.state.db, &self.state.bus, email, roles, None, password, now).await.id
    }

    /// A client signed in as a new user with `roles`.
    pub async fn signed_in(&self, email: &str, roles: &str) -> reqwest::Client {
        let password = "a-long-test-password";
        self.user(email, roles, password).await;
        let client = Self::client();
        let response = self.call(&client, "/api/auth/sign_in", &[("email", email), ("password", password)]).await;
        assert_eq!(response.status(), 200, "sign-in of {email}: {:?}", response.text().await);
        client
    }
}

/// A preferred window the day after `now`, morning, as a form would post it.
#[allow(dead_code)]
pub fn window_tomorrow(now: i64) -> portal::domain::schedule::WindowInput {
    use portal::domain::time::{day_of, format_day};
    portal::domain::schedule::WindowInput { day: format_day(day_of(now) + 1), part: "morning".into() }
}
