//! Request-level protections: who is asking (session middleware), the Origin check on every mutation,
//! security headers, rate limits, and request ids.
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::CurrentUser;
use crate::i18n::{td_string, Locale};
use crate::server::auth::session::{cookie_value, cookie_values};
use crate::server::now_ms;
use crate::server::state::AppState;
use leptos_i18n::Locale as _;

/// Who is asking, attached to every request by [`session_layer`].
#[derive(Clone, Debug, Default)]
pub struct Auth {
    pub user: Option<CurrentUser>,
    /// The raw session id from the cookie, when it names a live session.
    pub session_id: Option<String>,
}

/// The request id that tower-http assigned (`x-request-id`), for log lines and opaque error messages.
pub fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

/// Paths that never need the session (static files): they skip the database entirely.
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/") || path.starts_with("/favicon.") || path.starts_with("/assets/") || path == "/healthz"
}

/// Resolves the session cookie into an [`Auth`] extension. When the database cannot be reached the request
/// is answered 503 at once (pages and server functions alike); it recovers as soon as the database does.
pub async fn session_layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_static(path) || path == "/readyz" {
        return next.run(request).await;
    }
    let name = state.sessions.cookie_name();
    let candidates: Vec<String> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|h| cookie_values(h, name).map(str::to_owned).collect::<Vec<_>>())
        .take(4)
        .collect();
    let mut auth = Auth::default();
    for raw in candidates {
        match state.sessions.resolve(&raw, now_ms()).await {
            Ok(Some(user)) => {
                auth.user = Some(user);
                auth.session_id = Some(raw);
                break;
            }
            Ok(None) => {}
            Err(e) => {
                let id = request_id(request.headers());
                tracing::error!(request_id = %id, error = %e, "session lookup failed");
                return unavailable(request.headers(), &id);
            }
        }
    }
    request.extensions_mut().insert(auth);
    next.run(request).await
}

/// The visitor's language outside the app (no reactive context): the language cookie, then Accept-Language.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie_value(h, crate::LOCALE_COOKIE))
        .and_then(|v| v.parse().ok());
    let from_header = || {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(|v| {
            v.split(',')
                .filter_map(|tag| tag.split(';').next())
                .filter_map(|tag| tag.trim().split('-').next())
                .find_map(|language| language.to_lowercase().parse().ok())
        })
    };
    from_cookie.or_else(from_header).unwrap_or_default()
}

/// A minimal page for when the database is down (sessions cannot be checked, so the app does not render).
pub fn unavailable(headers: &HeaderMap, request_id: &str) -> Response {
    let locale = request_locale(headers);
    let body = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1><p>{body}</p><p>{reference} {request_id}</p></main></body></html>",
        lang = locale.as_str(),
        title = td_string!(locale, outage.title),
        body = td_string!(locale, outage.body),
        reference = td_string!(locale, outage.reference),
        request_id = request_id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', ""),
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::RETRY_AFTER, "30")],
        body,
    )
        .into_response()
}

/// Whether a request may change state: safe methods always; others only when their `Origin` (or, failing
/// that, `Referer`) is the portal's own. Leptos server functions do not check this themselves.
pub fn origin_allowed(method: &Method, headers: &HeaderMap, own_origin: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    if let Some(origin) = origin.filter(|o| *o != "null") {
        return origin == own_origin;
    }
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .is_some_and(|r| r.origin().ascii_serialization() == own_origin)
}

pub async fn origin_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if origin_allowed(request.method(), request.headers(), &state.config.origin()) {
        return next.run(request).await;
    }
    tracing::warn!(
        request_id = %request_id(request.headers()),
        path = %request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "cross-origin mutation refused"
    );
    let message = td_string!(request_locale(request.headers()), outage.cross_origin);
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

/// The Content-Security-Policy of pages. Scripts only from this origin plus the one inline hydration
/// script, which carries the per-response `nonce`; `wasm-unsafe-eval` lets the WebAssembly compile.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(nonce) => format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; {script}; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Security headers on every response. A page that rendered with a nonce has set its own CSP already.
pub async fn headers_layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if state.config.secure_cookies() {
        response
            .headers_mut()
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&content_security_policy(None)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    // Pages and API answers are personal: never cached by the browser or a proxy. Static files are.
    if !is_static(&path) && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The client address: the TCP peer (the portal does not trust forwarding headers by default).
pub fn client_ip(request_parts: &axum::http::request::Parts) -> IpAddr {
    request_parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// Expired entries are swept once the map holds this many keys…
const SWEEP_AT: usize = 10_000;
/// …and new keys are refused (counted as limited) beyond this many live ones.
const MAX_KEYS: usize = 200_000;

/// Fixed-window counters per key (an IP address or an email), kept in memory by each instance.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    window: Duration,
    counters: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

impl RateLimiter {
    pub fn new(window: Duration) -> Self {
        Self { window, counters: Arc::default() }
    }

    /// Counts one attempt for `key`; `Err(seconds)` to wait when `limit` attempts were already made.
    pub fn hit(&self, key: &str, limit: u32) -> Result<(), u64> {
        self.hit_at(key, limit, Instant::now())
    }

    fn hit_at(&self, key: &str, limit: u32, now: Instant) -> Result<(), u64> {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if counters.len() >= SWEEP_AT && !counters.contains_key(key) {
            let window = self.window;
            counters.retain(|_, (start, _)| now.duration_since(*start) < window);
            // Still full of live entries: a flood of distinct keys. Refuse new keys rather than grow.
            if counters.len() >= MAX_KEYS {
                return Err(self.window.as_secs().max(1));
            }
        }
        let entry = counters.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn origin_rules() {
        let own = "http://127.0.0.1:3000";
        assert!(origin_allowed(&Method::GET, &headers(&[]), own));
        assert!(origin_allowed(&Method::POST, &headers(&[("origin", own)]), own));
        assert!(!origin_allowed(&Method::POST, &headers(&[("origin", "http://evil.example")]), own));
        assert!(!origin_allowed(&Method::POST, &headers(&[]), own));
        assert!(origin_allowed(&Method::POST, &headers(&[("referer", "http://127.0.0.1:3000/sign-in?x=1")]), own));
        assert!(!origin_allowed(&Method::POST, &headers(&[("referer", "http://127.0.0.1:3001/")]), own));
        assert!(!origin_allowed(&Method::DELETE, &headers(&[("origin", "null")]), own));
    }

    #[test]
    fn rate_limiter_windows() {
        let limiter = RateLimiter::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.hit_at("k", 2, t0).is_ok());
        assert!(limiter.hit_at("k", 2, t0).is_ok());
        assert_eq!(limiter.hit_at("k", 2, t0 + Duration::from_secs(10)), Err(50));
        assert!(limiter.hit_at("other", 2, t0).is_ok());
        assert!(limiter.hit_at("k", 2, t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn locale_from_cookie_then_accept_language() {
        assert_eq!(request_locale(&headers(&[])), Locale::en);
        assert_eq!(request_locale(&headers(&[("accept-language", "de-DE, pl-PL;q=0.8")])), Locale::pl);
        assert_eq!(
            request_locale(&headers(&[("accept-language", "pl"), ("cookie", "i18n_pref_locale=en")])),
            Locale::en
        );
        assert_eq!(request_locale(&headers(&[("cookie", "a=b; i18n_pref_locale=pl")])), Locale::pl);
    }

    #[test]
    fn rate_limiter_sweeps_expired_keys() {
        let limiter = RateLimiter::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for n in 0..SWEEP_AT {
            limiter.hit_at(&format!("k{n}"), 5, t0).unwrap();
        }
        limiter.hit_at("late", 5, t0 + Duration::from_secs(61)).unwrap();
        assert_eq!(limiter.counters.lock().unwrap().len(), 1, "expired windows were dropped");
    }

    #[test]
    fn csp_allows_wasm_and_the_nonce_only() {
        let csp = content_security_policy(Some("abc"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(csp.contains("'nonce-abc'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
