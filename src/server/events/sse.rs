//! `GET /api/events/{topic}`: a Server-Sent Events stream of one topic. A browser that reconnects sends
//! `Last-Event-ID` (or `?last_event_id=` when it had to open a new EventSource) and first receives what it
//! missed from the log, then live events.
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

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

/// The SSE response for `topic`, kept alive through proxies.
fn respond(state: AppState, topic: String, resume_from: Option<i64>, watch: Option<Watch>) -> Response {
    Sse::new(stream(state, topic, resume_from, watch))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn to_sse(row: &EventRow, data: &str) -> Event {
    Event::default().id(row.id.to_string()).data(data)
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
) -> impl Stream<Item = Result<Event, Infallible>> {
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
        yield Ok(Event::default().retry(Duration::from_secs(2)).comment("connected"));
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
                            yield Ok(to_sse(row, &encode(row)));
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
                Ok(live) if live.row.topic == topic && live.row.id > last_id => {
                    last_id = live.row.id;
                    yield Ok(to_sse(&live.row, &live.data));
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
