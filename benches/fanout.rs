//! Fan-out: one status change delivered to N concurrent SSE subscribers of one job's tracking stream
//! (`/api/track/{token}/events`) on one instance. Measures, per subscriber, the time from sending the staff
//! member's status change to receiving the event (p50/p99/max), and the server's resident memory per open
//! stream ((VmRSS after connecting − before) / N).
//!
//! A benchmark, not a test: `cargo bench --features ssr --bench fanout`. The server is the release `portal`
//! binary (built by cargo for this bench with the bench profile, which inherits `release`), started as a child
//! process on a free port and a fresh SQLite database, so its memory is measured alone. The subscribers are
//! raw TCP connections in this process (one small task each); every one stays open until all have received
//! the event. BENCH_FANOUT ("1000,10000") sets N; BENCH_CLIENT_THREADS (1) the subscribers' threads (see
//! `client_threads`) and BENCH_CLIENT_SCHED (normal) their scheduling policy (see `ClientSched`);
//! BENCH_PORTAL runs another server binary; BENCH_PAUSE is for profiling (see `profiling_pause`). Besides the
//! table, it prints when the first, 10th, 50th, 90th and 99th percentile and last subscriber got the event,
//! and the CPU time the server's threads and the subscribers took for the delivery.
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// The server binary: this build's, or BENCH_PORTAL (to compare another build under the same load).
fn portal_bin() -> String {
    std::env::var("BENCH_PORTAL").unwrap_or_else(|_| env!("CARGO_BIN_EXE_portal").to_owned())
}
const STAFF_EMAIL: &str = "bench-staff@example.com";
const STAFF_PASSWORD: &str = "a-long-bench-password";
/// Connections being opened at once (each costs the server two queries before its stream starts).
const CONNECTING: usize = 200;
/// Streams opened and closed before the "before" memory reading, so one-time allocations are not counted.
const WARM_UP_STREAMS: usize = 100;

/// Raises this process's open-file limit to the hard limit; the server child inherits it.
fn raise_open_files() -> u64 {
    // SAFETY: plain libc calls with a valid, initialized struct.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            return 0;
        }
        limit.rlim_cur
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// CPU time each thread of process `pid` has run, in nanoseconds, by thread name and id
/// (`/proc/<pid>/task/<tid>/schedstat`, whose first field is the time on a CPU).
fn thread_cpu_ns(pid: u32) -> Vec<(String, u32, u64)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid: u32 = task.file_name().to_str()?.parse().ok()?;
            let ns = std::fs::read_to_string(task.path().join("schedstat")).ok()?.split(' ').next()?.parse().ok()?;
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default().trim().to_owned();
            Some((name, tid, ns))
        })
        .collect()
}

/// The CPU milliseconds each thread ran between two [`thread_cpu_ns`] readings, busiest first, threads that
/// ran under 1 ms left out; and their sum.
fn cpu_between(before: &[(String, u32, u64)], after: &[(String, u32, u64)]) -> (f64, String) {
    let mut ran: Vec<(f64, &str)> = after
        .iter()
        .map(|(name, tid, ns)| {
            let was = before.iter().find(|b| b.1 == *tid).map_or(0, |b| b.2);
            (ns.saturating_sub(was) as f64 / 1e6, name.as_str())
        })
        .collect();
    ran.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total = ran.iter().map(|r| r.0).sum();
    let busy: Vec<String> = ran.iter().filter(|r| r.0 >= 1.0).map(|(ms, name)| format!("{name} {ms:.0}")).collect();
    (total, busy.join(", "))
}

/// The CPU time this process has taken, user and system, in nanoseconds.
fn process_cpu_ns() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    (micros(usage.ru_utime) + micros(usage.ru_stime)) * 1000
}

/// The server's resident memory in KiB (VmRSS).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

struct Server {
    child: Child,
    base: String,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn portal(dir: &Path, addr: &str) -> Command {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    let mut cmd = Command::new(portal_bin());
    cmd.env("PORTAL_DATA_DIR", dir)
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.join("portal.db").display()))
        .env("LEPTOS_SITE_ADDR", addr)
        .env("LEPTOS_SITE_ROOT", &site)
        .env("RUST_LOG", "warn")
        .env_remove("PORTAL_BASE_URL");
    // The server dies with the bench, even when the bench is killed.
    // SAFETY: prctl is async-signal-safe and touches nothing of this process.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // The server runs under the normal policy whatever the subscribers' (see `ClientSched`).
            let normal = libc::sched_param { sched_priority: 0 };
            libc::sched_setscheduler(0, libc::SCHED_OTHER, &normal);
            Ok(())
        });
    }
    cmd
}

async fn start_server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut create = portal(dir.path(), &addr)
        .args(["create-user", "--email", STAFF_EMAIL, "--role", "staff", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("portal create-user");
    use std::io::Write;
    writeln!(create.stdin.take().unwrap(), "{STAFF_PASSWORD}").unwrap();
    assert!(create.wait().unwrap().success(), "portal create-user failed");

    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = portal(dir.path(), &addr)
        .arg("serve")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("portal serve");
    let server = Server { child, base: format!("http://{addr}"), addr, _dir: dir };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await {
            if r.status().is_success() {
                return server;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start; see its log");
}

/// A server function call the way the hydrated app makes it, from the portal's own origin.
async fn call(client: &reqwest::Client, server: &Server, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let response = client
        .post(format!("{}{path}", server.base))
        .header("origin", &server.base)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .expect("a server function call");
    assert_eq!(response.status(), 200, "{path}");
    response
}

/// Files one request through the public form, posted as the browser posts it (multipart: the form can carry
/// photos), with a preferred window tomorrow morning; returns its tracking token.
async fn file_request(server: &Server) -> String {
    use portal::domain::time::{day_of, format_day};
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let tomorrow = format_day(day_of(portal::server::now_ms()) + 1);
    let fields = [
        ("name", "Ana Kowalska"),
        ("email", "ana@example.com"),
        ("phone", ""),
        ("address", "ul. Długa 5, Kraków"),
        ("category", "1"),
        ("summary", "Leaking sink"),
        ("description", "Water drips under the kitchen sink."),
        ("idempotency_key", "bench-fanout-key-0001"),
        ("window1_day", tomorrow.as_str()),
        ("window1_part", "morning"),
    ];
    let form = fields
        .iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, value)| form.text(name.to_string(), value.to_string()));
    let response = client
        .post(format!("{}/api/requests/create", server.base))
        .header("origin", &server.base)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("the request form");
    assert!(response.status().is_success() || response.status().is_redirection(), "{}", response.status());
    let location = response.headers()["location"].to_str().unwrap();
    location.trim_start_matches("/track/").split('?').next().unwrap().to_owned()
}

/// Signs the staff member in; returns the client (it keeps the session cookie), the job id and its version.
async fn staff(server: &Server) -> (reqwest::Client, i64, i64) {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    call(&client, server, "/api/auth/sign_in", &[("email", STAFF_EMAIL), ("password", STAFF_PASSWORD)]).await;
    let jobs: serde_json::Value = call(&client, server, "/api/jobs/list", &[]).await.json().await.unwrap();
    let id = jobs["jobs"][0]["id"].as_i64().expect("the filed job");
    let job: serde_json::Value =
        call(&client, server, "/api/jobs/get", &[("id", &id.to_string())]).await.json().await.unwrap();
    (client, id, job["version"].as_i64().expect("its version"))
}

/// Reads from `stream` until `needle` has arrived (it may be split across reads).
async fn read_until(stream: &mut TcpStream, needle: &[u8]) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        tail.extend_from_slice(&buf[..n]);
        if tail.windows(needle.len()).any(|w| w == needle) {
            return Ok(());
        }
        let keep = needle.len().min(tail.len());
        tail.drain(..tail.len() - keep);
    }
}

/// Opens a tracking stream and waits for the server's `: connected` comment (sent once the stream has read its
/// starting position, so every later event reaches it).
async fn subscribe(addr: &str, token: &str) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "GET /api/track/{token}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    read_until(&mut stream, b"connected").await?;
    Ok(stream)
}

struct Outcome {
    subscribers: usize,
    connected: usize,
    delivered: usize,
    connect_secs: f64,
    trigger_ms: f64,
    min_ms: f64,
    p10_ms: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    server_cpu_ms: f64,
    server_threads: String,
    client_cpu_ms: f64,
    rss_before_kib: u64,
    rss_after_kib: u64,
}

/// BENCH_PAUSE=<seconds>: wait that long before the status change and before closing the streams, to
/// attach a profiler to the server (e.g. `perf record -p <pid> -- sleep 1`).
fn profiling_pause() -> Option<Duration> {
    std::env::var("BENCH_PAUSE").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn run_once(n: usize) -> Outcome {
    let server = start_server().await;
    let pid = server.child.id();
    let token = file_request(&server).await;
    let (staff, job_id, version) = staff(&server).await;
    eprintln!("[bench] server {pid} at {}: job {job_id} filed, staff signed in", server.base);

    let warm: Vec<_> = (0..WARM_UP_STREAMS).map(|_| subscribe(&server.addr, &token)).collect();
    for s in futures::future::join_all(warm).await {
        drop(s.expect("a warm-up stream"));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before_kib = rss_kib(pid);

    // Every subscriber: connect (at most CONNECTING at once), report ready, wait for the event, note the time.
    let gate = std::sync::Arc::new(Semaphore::new(CONNECTING));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel::<bool>();
    let connecting = Instant::now();
    let subscribers: Vec<_> = (0..n)
        .map(|_| {
            let (gate, ready, addr, token) = (gate.clone(), ready_tx.clone(), server.addr.clone(), token.clone());
            tokio::spawn(async move {
                let permit = gate.acquire_owned().await.unwrap();
                let stream = subscribe(&addr, &token).await;
                drop(permit);
                let _ = ready.send(stream.is_ok());
                drop(ready);
                let mut stream = stream.ok()?;
                read_until(&mut stream, b"job.scheduled").await.ok()?;
                // The connection stays open until every subscriber is done: closing it now would make the
                // server tear connections down while it is still delivering to the others.
                Some((Instant::now(), stream))
            })
        })
        .collect();
    drop(ready_tx);
    let mut connected = 0;
    for _ in 0..n {
        connected += usize::from(ready_rx.recv().await.expect("every subscriber reports"));
    }
    let connect_secs = connecting.elapsed().as_secs_f64();
    eprintln!("[bench] {connected} of {n} streams open after {connect_secs:.1} s");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after_kib = rss_kib(pid);

    if let Some(pause) = profiling_pause() {
        eprintln!("[bench] server pid {pid}: the status change follows in {} s", pause.as_secs());
        tokio::time::sleep(pause).await;
    }
    let (server_cpu_before, client_cpu_before) = (thread_cpu_ns(pid), process_cpu_ns());
    let sent = Instant::now();
    let id = job_id.to_string();
    let version = version.to_string();
    // Confirming the customer's first window moves the job from received to scheduled.
    call(&staff, &server, "/api/jobs/schedule", &[("id", &id), ("version", &version), ("choice", "1")]).await;
    let trigger_ms = sent.elapsed().as_secs_f64() * 1000.0;

    let mut latencies = Vec::with_capacity(n);
    let mut open = Vec::with_capacity(n);
    let all = futures::future::join_all(subscribers);
    match tokio::time::timeout(Duration::from_secs(60), all).await {
        Ok(results) => {
            for (received, stream) in results.into_iter().flatten().flatten() {
                latencies.push((received - sent).as_secs_f64() * 1000.0);
                open.push(stream);
            }
        }
        Err(_) => eprintln!("[bench] some subscribers got nothing within 60 s"),
    }
    let (server_cpu_ms, server_threads) = cpu_between(&server_cpu_before, &thread_cpu_ns(pid));
    let client_cpu_ms = (process_cpu_ns() - client_cpu_before) as f64 / 1e6;
    if let Some(pause) = profiling_pause() {
        // Closing 10,000 connections is work too; keep it out of a profile of the delivery.
        tokio::time::sleep(pause).await;
    }
    drop(open);
    latencies.sort_by(f64::total_cmp);
    drop(server);
    Outcome {
        subscribers: n,
        connected,
        delivered: latencies.len(),
        connect_secs,
        trigger_ms,
        min_ms: latencies.first().copied().unwrap_or(f64::NAN),
        p10_ms: quantile(&latencies, 0.10),
        p50_ms: quantile(&latencies, 0.50),
        p90_ms: quantile(&latencies, 0.90),
        p99_ms: quantile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        server_cpu_ms,
        server_threads,
        client_cpu_ms,
        rss_before_kib,
        rss_after_kib,
    }
}

async fn run() {
    let limit = raise_open_files();
    let sizes: Vec<usize> = std::env::var("BENCH_FANOUT")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("a number of subscribers"))
        .collect();
    let (mut rows, mut spread) = (Vec::new(), Vec::new());
    for &n in &sizes {
        assert!((n as u64) + 200 < limit, "{n} connections need more open files than the limit {limit}");
        eprintln!("[bench] fan-out to {n} subscribers …");
        let o = run_once(n).await;
        let per_conn_kib = (o.rss_after_kib as f64 - o.rss_before_kib as f64) / o.subscribers as f64;
        let goal = if o.delivered == o.subscribers && o.p99_ms <= 100.0 && per_conn_kib <= 20.0 { "yes" } else { "no" };
        rows.push(format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {per_conn_kib:.1} | {:.1} | {goal} |",
            o.subscribers,
            o.connected,
            o.delivered,
            o.p50_ms,
            o.p99_ms,
            o.max_ms,
            o.trigger_ms,
            o.rss_before_kib as f64 / 1024.0,
            o.rss_after_kib as f64 / 1024.0,
            o.connect_secs,
        ));
        eprintln!("{}", rows.last().unwrap());
        spread.push(format!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} ({}) | {:.0} |",
            o.subscribers,
            o.min_ms,
            o.p10_ms,
            o.p50_ms,
            o.p90_ms,
            o.p99_ms,
            o.max_ms,
            o.server_cpu_ms,
            o.server_threads,
            o.client_cpu_ms,
        ));
        eprintln!("{}", spread.last().unwrap());
    }
    println!("\n### SSE fan-out\n");
    println!(
        "- one status change by a signed-in staff member (confirming the customer's window, `/api/jobs/schedule`), N streams of that job's tracking \
         link; latency from sending the change to each subscriber reading the event; release server as a child \
         process on SQLite; memory = (VmRSS with N streams open − VmRSS before) / N; subscribers on {} thread(s), \
         scheduled as {}",
        client_threads(),
        ClientSched::from_env().name(),
    );
    println!();
    println!(
        "| subscribers | connected | delivered | p50 ms | p99 ms | max ms | status change answered ms | \
         RSS before MiB | RSS after MiB | KiB per connection | connecting took s | p99 ≤ 100 ms and ≤ 20 KiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in &rows {
        println!("{row}");
    }
    println!(
        "\nWhen the subscribers got the event (ms after the change was sent), and the CPU time the server's \
         threads (busiest first, those over 1 ms) and the subscribers ran from sending the change to the last \
         delivery:\n"
    );
    println!("| subscribers | first | p10 | p50 | p90 | p99 | last | server CPU ms (threads) | subscribers' CPU ms |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    for row in &spread {
        println!("{row}");
    }
}

/// The subscribers' runtime threads: BENCH_CLIENT_THREADS, default 1. Real subscribers are thousands of
/// devices; here they share this machine's cores with the server, and on one thread they take at most one core
/// (with two threads on a two-core machine, the subscribers' wake-ups contended with the server's deliveries
/// and p99 at 10,000 streams came out ~10–20 ms higher).
fn client_threads() -> usize {
    std::env::var("BENCH_CLIENT_THREADS").ok().and_then(|s| s.parse().ok()).unwrap_or(1)
}

/// The subscribers' scheduling policy, BENCH_CLIENT_SCHED: `normal` (the default) or `batch`. Real subscribers
/// are devices elsewhere; here they share the two cores with the server, and under the normal policy each
/// event the server writes can wake the subscribers' thread, which then preempts the server's thread on that
/// core right after its `sendto` (a tenth of the server's profile was that switch). Under `SCHED_BATCH` a
/// woken subscriber waits for its fair share instead of preempting and reads more streams per wake-up (its CPU
/// time still counts, on the same cores): p99 came out a little lower, within the run-to-run noise, so the
/// default stays as the earlier measurements were taken. The server child is always scheduled normally.
#[derive(Clone, Copy)]
enum ClientSched {
    Batch,
    Normal,
}

impl ClientSched {
    fn from_env() -> Self {
        match std::env::var("BENCH_CLIENT_SCHED").as_deref() {
            Ok("normal") | Err(_) => Self::Normal,
            Ok("batch") => Self::Batch,
            Ok(other) => panic!("BENCH_CLIENT_SCHED is batch or normal, not {other}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Batch => "SCHED_BATCH (BENCH_CLIENT_SCHED=batch)",
            Self::Normal => "SCHED_OTHER (BENCH_CLIENT_SCHED=normal)",
        }
    }

    /// Applies the policy to this thread; threads started afterwards (the runtime's) inherit it.
    fn apply(self) {
        let policy = match self {
            Self::Batch => libc::SCHED_BATCH,
            Self::Normal => libc::SCHED_OTHER,
        };
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a plain libc call on this thread with a valid, initialized struct.
        let set = unsafe { libc::sched_setscheduler(0, policy, &param) };
        assert_eq!(set, 0, "sched_setscheduler: {}", std::io::Error::last_os_error());
    }
}

fn main() {
    ClientSched::from_env().apply();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads())
        .enable_all()
        .build()
        .expect("a Tokio runtime")
        .block_on(run());
}
