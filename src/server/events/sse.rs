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
use crate::live::{LiveMessage, Topic};
use crate::server::db::{self, events::EventRow};
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
    }
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
    if !may_subscribe(&user, &topic) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id)
        .unwrap_or(0);
    Sse::new(stream(state, topic.key(), last_id))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn to_sse(row: &EventRow) -> Event {
    let message = LiveMessage { id: row.id, kind: row.kind.clone(), payload: row.payload.clone(), at: row.created_at };
    Event::default().id(row.id.to_string()).data(serde_json::to_string(&message).unwrap_or_default())
}

/// Replay from the log after `last_id`, then live events. The live receiver is subscribed *before* the replay
/// query so nothing committed in between is lost; ids already sent are skipped.
pub fn stream(state: AppState, topic: String, mut last_id: i64) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut rx = state.bus.subscribe();
    async_stream::stream! {
        yield Ok(Event::default().retry(Duration::from_secs(2)).comment("connected"));
        let mut replay = true;
        loop {
            if replay {
                match replay_page(&state, &topic, last_id).await {
                    Ok(rows) => {
                        let more = rows.len() as i64 == REPLAY_PAGE;
                        for row in &rows {
                            last_id = row.id;
                            yield Ok(to_sse(row));
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
            match rx.recv().await {
                Ok(row) if row.topic == topic && row.id > last_id => {
                    last_id = row.id;
                    yield Ok(to_sse(&row));
                }
                Ok(_) => {}
                // Too slow a reader: read what it missed from the log instead.
                Err(RecvError::Lagged(_)) => replay = true,
                Err(RecvError::Closed) => break,
            }
        }
    }
}

async fn replay_page(state: &AppState, topic: &str, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    let mut conn = state.db.acquire().await?;
    db::events::since(&mut conn, topic, after, REPLAY_PAGE).await
}
