//! The axum router: Leptos pages and server functions, SSE, health checks, static files, and the layers
//! every request passes through.
use std::future::Future;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::{shell, App};

use super::events::sse;
use super::photos;
use super::security;
use super::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The app's page routes. leptos_axum lists them by rendering the whole app once, and while it does, Leptos
/// keeps every resource *in the process* from loading (`leptos_server::SuppressResourceLoad` is a process-wide
/// flag, not a per-render one): a page rendering anywhere else at that moment waits for its data forever. So
/// this runs once per process, before any page is served — at start-up here, once per test binary in the tests
/// (`tests/common`), whose servers start while others serve.
pub fn page_routes() -> Vec<AxumRouteListing> {
    generate_route_list(App)
}

/// The router with freshly listed page routes: for a process that builds one router, before it serves.
pub fn router(state: AppState) -> Router {
    router_with(state, page_routes())
}

/// The router for `routes` (from [`page_routes`]).
pub fn router_with(state: AppState, routes: Vec<AxumRouteListing>) -> Router {
    let leptos_options = state.leptos_options.clone();
    // Pages, server functions and files are compressed.
    let compressed = Router::new()
        // The dashboard's CSV exports (staff only).
        .route("/staff/insights/jobs.csv", get(super::insights::jobs_handler))
        .route("/staff/insights/feedback.csv", get(super::insights::feedback_handler))
        .leptos_routes_with_context(&state, routes, || {}, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // A renamed help article's old address answers 301 to the new one.
        .layer(from_fn_with_state(state.clone(), crate::server::kb_editor::slug_redirect_layer))
        .layer(CompressionLayer::new());
    // Live-event streams stay open as long as their page, thousands at once, and every event they send passes
    // through whatever wraps their body. They get the session, the request id and the security headers, not
    // the machinery around an ordinary request: no trace span (entered for every event), no request timeout or
    // body limit, no compression (an event stream is never compressed, and its encoder would hold ~6 KB for
    // as long as the stream is open).
    let streams = Router::new()
        .route("/api/events/{topic}", get(sse::handler))
        .route("/api/track/{token}/events", get(sse::track_handler))
        .layer(from_fn_with_state(state.clone(), security::session_layer))
        .layer(from_fn_with_state(state.clone(), security::origin_layer));
    let requests = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        // Photos are already compressed: they stay outside the compression layer too.
        .route("/api/photos/{id}", get(photos::download::handler))
        .route("/api/kb-images/{id}", get(super::kb_images::handler))
        .merge(compressed)
        .layer(from_fn_with_state(state.clone(), security::session_layer))
        .layer(from_fn_with_state(state.clone(), security::origin_layer))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                    let id = security::request_id(request.headers());
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                }))
                // 30 s for everything but the forms with photos (see `photos::limits`).
                .layer(axum::middleware::from_fn(photos::limits::timeout))
                .layer(axum::middleware::from_fn(photos::limits::body_limit)),
        );
    Router::new()
        .merge(streams)
        .merge(requests)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
                    // The id is ours to give: one sent by the client could forge log lines.
                    request.headers_mut().remove(REQUEST_ID);
                    request
                }))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(from_fn_with_state(state.clone(), security::headers_layer)),
        )
        .with_state(state)
}

/// Ready when the database answers; a load balancer stops sending traffic while it does not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(Duration::from_secs(3), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database timeout"),
    }
}

/// Binds and serves until Ctrl-C / SIGTERM, with the background workers beside it.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let addr = state.config.site_addr;
    let state_origin = state.config.origin();
    state.spawn_background();
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{}; public URL and allowed origin {}", listener.local_addr()?, state_origin);
    serve_on(listener, app, HEADER_TIMEOUT, shutdown_signal()).await;
    Ok(())
}

/// How long a connection may take to send a request's headers. It also ends a kept-alive connection that sends
/// no next request for that long. Without it, a stranger could hold connections open (a file descriptor and a
/// read buffer each) by sending a few bytes, or none.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` over HTTP/1.1 on `listener` until `stop` completes; then stops accepting and gives the requests
/// in flight 5 s (live-event streams never end by themselves). A connection has `header_timeout` to send each
/// request's headers (see [`HEADER_TIMEOUT`]).
///
/// Not `axum::serve`: it serves through hyper-util's HTTP/1-or-2 detection, which reads the first 24 bytes of
/// every connection on their own, so hyper's first read of the request is short and its read buffer grows
/// from 8 to 16 KiB — for as long as the connection is open, and a live-event stream is open for hours. This
/// serves HTTP/1.1 only (what browsers speak without TLS, and what a TLS-terminating proxy forwards), each
/// connection with hyper's own 8 KiB buffer.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let connections = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    // A chunk goes out as one buffer (size line, data and CRLF copied together) rather than as three slices of a
    // vectored write: an event is a few hundred bytes, and with thousands of streams the copy is the cheaper of
    // the two (fan-out benchmark, 10,000 streams: p99 90–110 ms → 88–99 ms).
    http.writev(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        // Events and small answers go out at once rather than waiting to be joined with more.
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let connection =
            connections.watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down");
    let _ = tokio::time::timeout(Duration::from_secs(5), connections.shutdown()).await;
}

/// A refused accept: a connection that went away before it was accepted is nothing; anything else (out of
/// file descriptors, say) is logged and the loop pauses before the next accept rather than spinning.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
