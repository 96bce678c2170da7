//! Live updates shared by server and browser: topic names, the message format, and (in the browser) a
//! subscription on gloo-net's EventSource that reconnects by itself and resumes from the last event id.
use serde::{Deserialize, Serialize};

use crate::domain::UserId;

/// A stream of events one page can follow. Who may follow which is decided on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// Team-wide activity (staff only).
    Staff,
    /// One user's own account activity.
    User(UserId),
    /// One job's customer-visible changes (internal notes are never published here).
    Job(i64),
}

impl Topic {
    pub fn key(&self) -> String {
        match self {
            Topic::Staff => "staff".into(),
            Topic::User(id) => format!("user-{id}"),
            Topic::Job(id) => format!("job-{id}"),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "staff" => Some(Topic::Staff),
            _ => {
                if let Some(id) = raw.strip_prefix("user-") {
                    id.parse().ok().map(Topic::User)
                } else {
                    raw.strip_prefix("job-").and_then(|id| id.parse().ok()).map(Topic::Job)
                }
            }
        }
    }

    pub fn url(&self) -> String {
        format!("/api/events/{}", self.key())
    }
}

/// One event as it travels in an SSE `data:` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveMessage {
    pub id: i64,
    pub kind: String,
    /// JSON, shaped by `kind`.
    pub payload: String,
    /// Epoch milliseconds.
    pub at: i64,
}

#[cfg(feature = "hydrate")]
pub use browser::{subscribe, subscribe_url, Subscription};

#[cfg(feature = "hydrate")]
mod browser {
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;
    use leptos::task::spawn_local;

    use super::{LiveMessage, Topic};

    /// Follows `topic` until the returned guard is dropped (the page unmounts), calling `on_message` for each
    /// event. The browser's EventSource reconnects by itself and sends `Last-Event-ID`; when it gives up
    /// (the server answered an error), a new one is opened after a pause with `?last_event_id=` so the server
    /// replays what was missed.
    /// `since`: the newest event the page already shows (the stream resumes after it); `None` starts at now.
    pub fn subscribe(topic: Topic, since: Option<i64>, on_message: impl Fn(LiveMessage) + 'static) -> Subscription {
        subscribe_url(topic.url(), since, on_message)
    }

    /// Like [`subscribe`], for a stream at any URL (e.g. a job followed by its private tracking link).
    pub fn subscribe_url(base: String, since: Option<i64>, on_message: impl Fn(LiveMessage) + 'static) -> Subscription {
        let (stop_tx, stop_rx) = futures::channel::oneshot::channel::<()>();
        spawn_local(async move {
            let mut last_id: Option<i64> = since;
            let mut stop = std::pin::pin!(stop_rx);
            let mut delay_ms = 1_000u32;
            loop {
                let url = match last_id {
                    Some(id) => format!("{base}?last_event_id={id}"),
                    None => base.clone(),
                };
                let Ok(mut source) = EventSource::new(&url) else { return };
                let Ok(mut messages) = source.subscribe("message") else { return };
                loop {
                    let next = futures::future::select(messages.next(), stop.as_mut());
                    match next.await {
                        futures::future::Either::Right(_) => {
                            source.close();
                            return;
                        }
                        futures::future::Either::Left((Some(Ok((_, event))), _)) => {
                            delay_ms = 1_000;
                            let Some(data) = event.data().as_string() else { continue };
                            if let Ok(message) = serde_json::from_str::<LiveMessage>(&data) {
                                last_id = Some(message.id);
                                on_message(message);
                            }
                        }
                        // An error: if the browser is still reconnecting on its own, keep waiting.
                        futures::future::Either::Left((Some(Err(_)), _)) => {
                            if source.state() != gloo_net::eventsource::State::Closed {
                                continue;
                            }
                            break;
                        }
                        futures::future::Either::Left((None, _)) => break,
                    }
                }
                source.close();
                gloo_timers_sleep(delay_ms).await;
                delay_ms = (delay_ms * 2).min(30_000);
            }
        });
        Subscription(Some(stop_tx))
    }

    async fn gloo_timers_sleep(ms: u32) {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::from_millis(ms as u64),
        );
        let _ = rx.await;
    }

    /// Stops the subscription when dropped.
    pub struct Subscription(Option<futures::channel::oneshot::Sender<()>>);

    impl Drop for Subscription {
        fn drop(&mut self) {
            if let Some(stop) = self.0.take() {
                let _ = stop.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_keys_round_trip() {
        for topic in [Topic::Staff, Topic::User(42), Topic::Job(7)] {
            assert_eq!(Topic::parse(&topic.key()), Some(topic));
        }
        assert_eq!(Topic::parse("user-x"), None);
        assert_eq!(Topic::parse("jobs"), None);
    }
}
