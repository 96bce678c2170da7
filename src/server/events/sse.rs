//! `GET /api/events/{topic}`: a Server-Sent Events stream of one topic. A browser that reconnects sends
//! `Last-Event-ID` (or `?last_event_id=` when it had to open a new EventSource) and first receives what it
//! missed from the log, then live events.
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use bytes::Bytes;
use futures::Stream;
use http_body::Frame;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Sleep;

use crate::domain::CurrentUser;
use crate::live::Topic;
use crate::server::db::{self, events::EventRow};
use crate::server::events::bus::encode;
use crate::server::security::Auth;
use crate::server::state::AppState;

/// Replayed events are read from the log in pages of this size.
const REPLAY_PAGE: i64 = 500;

#[derive(Deserialize)]
pub struct SseQuery {
    last_event_id: Option<i64>,
}

/// Who may read a topic. Checked on every connection, never in the browser.
pub fn may_subscribe(user: &CurrentUser, topic: &Topic) -> bool {
    match topic {
        Topic::Staff => user.is_staff(),
        Topic::User(id) => user.id == *id,
        // By tracking link see `track_handler`; signed in, the team may, and the customer whose job it is
        // (`owns_job`).
        Topic::Job(_) => user.is_staff(),
    }
}

/// [`may_subscribe`], or a customer following their own job from "My requests".
async fn may_read(state: &AppState, user: &CurrentUser, topic: &Topic) -> Result<bool, sqlx::Error> {
    if may_subscribe(user, topic) {
        return Ok(true);
    }
    let Topic::Job(request_id) = topic else {
        return Ok(false);
    };
    let mut conn = state.db.acquire().await?;
    let access = crate::server::requests::Access::Owner { request_id: *request_id, customer_id: user.id };
    Ok(crate::server::requests::open(&mut conn, access).await?.is_some())
}

pub async fn handler(
    State(state): State<AppState>,
    Extension(auth): Extension<Auth>,
    Path(topic): Path<String>,
    Query(query): Query<SseQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(user) = auth.user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(topic) = Topic::parse(&topic) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match may_read(&state, &user, &topic).await {
        Ok(true) => {}
        Ok(false) => return StatusCode::FORBIDDEN.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "stream authorization failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let resume_from = resume_from(&headers, &query);
    let Some(session_id) = auth.session_id else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let watch = Watch { session_id, topic: topic.clone() };
    respond(state, topic.key(), resume_from, Some(watch))
}

/// Re-checks, while a stream is open, that its session still may read the topic: signing out, being
/// disabled or losing a role ends the stream within [`RECHECK`].
pub struct Watch {
    session_id: String,
    topic: Topic,
}

const RECHECK: Duration = Duration::from_secs(15);

impl Watch {
    async fn still_allowed(&self, state: &AppState) -> bool {
        match state.sessions.resolve(&self.session_id, crate::server::now_ms()).await {
            // An ownership lookup that fails (database briefly away) keeps the stream, like a failed resolve.
            Ok(Some(user)) => may_read(state, &user, &self.topic).await.unwrap_or(true),
            Ok(None) => false,
            // The database is briefly away: keep the stream; the next check decides.
            Err(_) => true,
        }
    }
}

/// Where a reconnecting browser left off: the `Last-Event-ID` header its EventSource sends, or the query
/// parameter a freshly opened one carries.
fn resume_from(headers: &HeaderMap, query: &SseQuery) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id)
}

/// How often an idle stream sends a comment, so that proxies and browsers keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The first frame: how long the browser waits before it reconnects, and a comment that says the stream has
/// read its starting position (every later event reaches it).
const CONNECTED: &[u8] = b"retry: 2000\n: connected\n\n";
/// An empty comment.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

/// The SSE response for `topic`, kept alive through proxies.
fn respond(state: AppState, topic: String, resume_from: Option<i64>, watch: Option<Watch>) -> Response {
    let body = EventStream::new(stream(state, topic, resume_from, watch), KEEP_ALIVE);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, Body::new(body)).into_response()
}

/// The SSE frame of one event: its id (what the browser sends back as `Last-Event-ID` when it reconnects) and
/// its data, the event as JSON on one line (serde_json writes line breaks inside strings as `\n`).
pub fn frame(id: i64, data: &str) -> Bytes {
    Bytes::from(format!("id: {id}\ndata: {data}\n\n"))
}

/// An event stream's body: the frames of [`stream`], and a keep-alive comment every [`KEEP_ALIVE`]. A live
/// event's frame is encoded once for all its subscribers ([`super::bus::Live`]); a stream only hands it on.
struct EventStream {
    frames: Pin<Box<dyn Stream<Item = Bytes> + Send>>,
    every: Duration,
    keep_alive: Pin<Box<Sleep>>,
    /// The waker the keep-alive timer holds. While it is the one the body is polled with, the timer is only
    /// looked at, not polled (polling it for every event was a few per cent of delivering one).
    keep_alive_waker: Option<Waker>,
}

impl EventStream {
    fn new(frames: impl Stream<Item = Bytes> + Send + 'static, every: Duration) -> Self {
        Self {
            frames: Box::pin(frames),
            every,
            keep_alive: Box::pin(tokio::time::sleep(every)),
            keep_alive_waker: None,
        }
    }
}

impl http_body::Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.frames.as_mut().poll_next(cx) {
            Poll::Ready(Some(frame)) => return Poll::Ready(Some(Ok(Frame::data(frame)))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        let registered = self.keep_alive_waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
        if registered && !self.keep_alive.is_elapsed() {
            return Poll::Pending;
        }
        match self.keep_alive.as_mut().poll(cx) {
            Poll::Ready(()) => {
                let next = tokio::time::Instant::now() + self.every;
                self.keep_alive.as_mut().reset(next);
                self.keep_alive_waker = None;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(KEEP_ALIVE_FRAME)))))
            }
            Poll::Pending => {
                self.keep_alive_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Replay from the log after `last_id`, then live events. The live receiver is subscribed *before* the replay
/// query so nothing committed in between is lost; ids already sent are skipped.
///
/// Without `resume_from` the stream starts at the newest event: a page renders what happened so far itself and
/// passes its newest id when it subscribes.
///
/// The stream lives as long as the connection, thousands at once, so its own state is kept small: the database
/// calls it makes now and then are boxed (their futures are large and would otherwise be part of every open
/// stream), and only a stream with a session to re-check has a timer for it.
pub fn stream(
    state: AppState,
    topic: String,
    resume_from: Option<i64>,
    watch: Option<Watch>,
) -> impl Stream<Item = Bytes> {
    let mut rx = state.bus.subscribe_to(&topic);
    async_stream::stream! {
        let mut last_id = match resume_from {
            Some(id) => id,
            None => match Box::pin(newest_id(&state)).await {
                Ok(id) => id,
                Err(e) => {
                    tracing::warn!(error = %e, "SSE start failed; closing so the browser reconnects");
                    return;
                }
            },
        };
        yield Bytes::from_static(CONNECTED);
        let mut replay = true;
        let mut recheck = match &watch {
            Some(_) => {
                let mut interval = tokio::time::interval(RECHECK);
                interval.tick().await;
                Some(interval)
            }
            None => None,
        };
        loop {
            if replay {
                match Box::pin(replay_page(&state, &topic, last_id)).await {
                    Ok(rows) => {
                        let more = rows.len() as i64 == REPLAY_PAGE;
                        for row in &rows {
                            last_id = row.id;
                            yield encode(row);
                        }
                        replay = more;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "SSE replay failed; closing so the browser reconnects");
                        break;
                    }
                }
            }
            let received = tokio::select! {
                received = rx.recv() => received,
                _ = tick(&mut recheck) => {
                    if let Some(watch) = &watch {
                        if !Box::pin(watch.still_allowed(&state)).await {
                            break;
                        }
                    }
                    continue;
                }
            };
            match received {
                // Its own topic's channel carries only its own topic's events.
                Ok(live) if live.row.id > last_id => {
                    last_id = live.row.id;
                    yield live.frame.clone();
                }
                Ok(_) => {}
                // Too slow a reader: read what it missed from the log instead.
                Err(RecvError::Lagged(_)) => replay = true,
                Err(RecvError::Closed) => break,
            }
        }
    }
}

/// The next tick of an optional interval; never, without one.
async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn newest_id(state: &AppState) -> Result<i64, sqlx::Error> {
    let mut conn = state.db.acquire().await?;
    db::events::max_id(&mut conn).await
}

async fn replay_page(state: &AppState, topic: &str, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let mut conn = state.db.acquire().await?;
    db::events::since(&mut conn, topic, after, REPLAY_PAGE).await
}

/// `GET /api/track/{token}/events`: the live changes of the one job a private tracking link opens. Only the
/// job's public topic is ever streamed here, so internal notes cannot leak through it.
pub async fn track_handler(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<SseQuery>,
    headers: HeaderMap,
) -> Response {
    let request = match crate::server::requests::request_id_for_token(&state.db, &token).await {
        Ok(Some(id)) => id,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "tracking stream lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let resume_from = resume_from(&headers, &query);
    respond(state, Topic::Job(request).key(), resume_from, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use http_body::Body as _;

    const EVERY: Duration = Duration::from_millis(100);

    async fn next_frame(body: &mut EventStream) -> Option<Bytes> {
        std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx))
            .await
            .map(|frame| frame.unwrap().into_data().expect("a data frame"))
    }

    #[tokio::test]
    async fn an_idle_stream_sends_a_keep_alive_comment_every_interval() {
        let mut stream = EventStream::new(futures::stream::pending(), EVERY);
        let started = std::time::Instant::now();
        for n in 1..=3u32 {
            assert_eq!(next_frame(&mut stream).await.as_deref(), Some(KEEP_ALIVE_FRAME));
            assert!(started.elapsed() >= EVERY * n, "not before its time");
        }
    }

    #[tokio::test]
    async fn events_go_out_as_they_come_and_the_keep_alive_still_follows() {
        let events = futures::stream::iter([frame(1, "{}"), frame(2, "{}")]).chain(futures::stream::pending());
        let mut stream = EventStream::new(events, EVERY);
        let started = std::time::Instant::now();
        assert_eq!(next_frame(&mut stream).await, Some(frame(1, "{}")));
        assert_eq!(next_frame(&mut stream).await, Some(frame(2, "{}")));
        assert!(started.elapsed() < EVERY, "events are not held back");
        assert_eq!(next_frame(&mut stream).await.as_deref(), Some(KEEP_ALIVE_FRAME));
        assert!(started.elapsed() >= EVERY);
    }

    #[test]
    fn a_frame_is_the_id_and_one_data_line() {
        assert_eq!(&frame(42, r#"{"a":"x\ny"}"#)[..], b"id: 42\ndata: {\"a\":\"x\\ny\"}\n\n");
    }
}
