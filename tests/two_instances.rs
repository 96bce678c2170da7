//! Two `portal` processes on one PostgreSQL database: an event published through instance A reaches an SSE
//! client connected to instance B (LISTEN/NOTIFY), and a client that reconnects to B with Last-Event-ID
//! receives what it missed.
#![cfg(feature = "ssr")]

mod common;

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn portal(database_url: &str, port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal"));
    command
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PORTAL_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    command
}

async fn start(database_url: &str) -> Instance {
    let port = free_port();
    let child = portal(database_url, port).arg("serve").spawn().expect("start portal");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "instance on {port} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Instance { child, base }
}

fn create_user(database_url: &str, email: &str, role: &str) {
    let mut child = portal(database_url, free_port())
        .args(["create-user", "--email", email, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a-long-test-password\n").unwrap();
    assert!(child.wait().unwrap().success());
}

async fn sign_in(instance: &Instance, email: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = client
        .post(format!("{}/api/auth/sign_in", instance.base))
        .header("origin", &instance.base)
        .header("accept", "application/json")
        .form(&[("email", email), ("password", "a-long-test-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    client
}

async fn set_roles(instance: &Instance, client: &reqwest::Client, user_id: i64, roles: &[&str]) {
    let id = user_id.to_string();
    let mut form = vec![("user_id", id.as_str())];
    form.extend(roles.iter().map(|r| (*r, "on")));
    let response = client
        .post(format!("{}/api/admin/users/roles", instance.base))
        .header("origin", &instance.base)
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
}

/// A minimal SSE reader: yields (id, data) of each event.
struct SseReader {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    async fn open(client: &reqwest::Client, url: &str, last_event_id: Option<i64>) -> Self {
        let mut request = client.get(url);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers().get("content-type").unwrap(), "text/event-stream");
        Self { stream: response.bytes_stream().boxed(), buffer: String::new() }
    }

    async fn next_event(&mut self) -> (i64, serde_json::Value) {
        let read = async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut id = None;
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim().parse().ok();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim());
                        }
                    }
                    if let Some(id) = id {
                        return (id, serde_json::from_str(&data).unwrap());
                    }
                    continue;
                }
                let chunk = self.stream.next().await.expect("stream open").unwrap();
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.expect("an event within 10 s")
    }
}

#[tokio::test]
async fn events_cross_instances_and_replay_after_reconnect() {
    let (url, admin_url, name) = common::create_pg_database().await;
    {
        let db = portal::server::db::Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        db.close().await;
    }
    create_user(&url, "admin@example.com", "admin");
    create_user(&url, "staff@example.com", "staff");
    create_user(&url, "someone@example.com", "customer");

    let a = start(&url).await;
    let b = start(&url).await;
    let admin_on_a = sign_in(&a, "admin@example.com").await;
    let staff_on_b = sign_in(&b, "staff@example.com").await;
    let (someone, seen) = {
        let db = portal::server::db::Db::connect(&url).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        let row = portal::server::db::users::find_by_email(&mut conn, "someone@example.com").await.unwrap().unwrap();
        // The accounts created above are events too; the client has "seen" them.
        let seen = portal::server::db::events::max_id(&mut conn).await.unwrap();
        drop(conn);
        db.close().await;
        (row.id, seen)
    };

    let events_url = format!("{}/api/events/staff", b.base);
    let mut live = SseReader::open(&staff_on_b, &events_url, Some(seen)).await;
    set_roles(&a, &admin_on_a, someone, &["staff"]).await;
    let (first_id, first) = live.next_event().await;
    assert_eq!(first["kind"], "user.roles_changed");
    assert!(first["payload"].as_str().unwrap().contains("someone@example.com"));
    drop(live);

    // While B's client is away, two more changes happen on A.
    set_roles(&a, &admin_on_a, someone, &["staff", "editor"]).await;
    set_roles(&a, &admin_on_a, someone, &["editor"]).await;

    let mut resumed = SseReader::open(&staff_on_b, &events_url, Some(first_id)).await;
    let (second_id, second) = resumed.next_event().await;
    let (third_id, third) = resumed.next_event().await;
    assert!(first_id < second_id && second_id < third_id);
    assert!(second["payload"].as_str().unwrap().contains("staff,editor"));
    assert!(third["payload"].as_str().unwrap().contains(r#""roles":"editor""#));

    // And live delivery continues on the resumed stream.
    set_roles(&a, &admin_on_a, someone, &[]).await;
    let (fourth_id, fourth) = resumed.next_event().await;
    assert!(fourth_id > third_id);
    assert!(fourth["payload"].as_str().unwrap().contains(r#""roles":"customer""#));

    // A customer may not follow the staff topic, on either instance.
    let customer = sign_in(&b, "someone@example.com").await;
    assert_eq!(customer.get(&events_url).send().await.unwrap().status(), 403);
    let anonymous = reqwest::Client::new();
    assert_eq!(anonymous.get(&events_url).send().await.unwrap().status(), 401);

    drop(resumed);
    drop(a);
    drop(b);
    common::drop_pg_database(&admin_url, &name).await;
}
