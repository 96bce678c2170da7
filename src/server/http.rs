//! The axum router: Leptos pages and server functions, SSE, health checks, static files, and the layers
//! every request passes through.
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderName, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::future::IntoFuture;
use tower::ServiceBuilder;
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
    // Pages, server functions and files are compressed. Live-event streams are not (an event stream is never
    // compressed anyway) and stay outside that layer: its response body would hold a ~6 KB encoder state for
    // as long as each stream is open.
    let compressed = Router::new()
        // The dashboard's CSV exports (staff only).
        .route("/staff/insights/jobs.csv", get(super::insights::jobs_handler))
        .route("/staff/insights/feedback.csv", get(super::insights::feedback_handler))
        .leptos_routes_with_context(&state, routes, || {}, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // A renamed help article's old address answers 301 to the new one.
        .layer(from_fn_with_state(state.clone(), crate::server::kb_editor::slug_redirect_layer))
        .layer(CompressionLayer::new());
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/api/events/{topic}", get(sse::handler))
        .route("/api/track/{token}/events", get(sse::track_handler))
        // Photos are already compressed: they stay outside the compression layer too.
        .route("/api/photos/{id}", get(photos::download::handler))
        .route("/api/kb-images/{id}", get(super::kb_images::handler))
        .merge(compressed)
        .layer(from_fn_with_state(state.clone(), security::session_layer))
        .layer(from_fn_with_state(state.clone(), security::origin_layer))
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
                    // The id is ours to give: one sent by the client could forge log lines.
                    request.headers_mut().remove(REQUEST_ID);
                    request
                }))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                    let id = security::request_id(request.headers());
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(from_fn_with_state(state.clone(), security::headers_layer))
                // 30 s for everything but the forms with photos (see `photos::limits`).
                .layer(axum::middleware::from_fn(photos::limits::timeout))
                .layer(axum::middleware::from_fn(photos::limits::body_limit)),
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
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = stop_rx.changed().await;
        });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = &mut server => return result,
        _ = shutdown_signal() => {}
    }
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    // Live-event streams never end by themselves; give ordinary requests a moment, then stop.
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
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
