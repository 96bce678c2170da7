//! Application state, built once at start and handed to handlers (axum state) and server functions (context).
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::auth::Sessions;
use super::config::{Config, ConfigError};
use super::db::Db;
use super::events::EventBus;
use super::photos::PhotoStore;
use super::security::RateLimiter;
use super::submissions::SubmissionWriter;

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub bus: EventBus,
    pub sessions: Sessions,
    pub limiter: RateLimiter,
    pub photos: PhotoStore,
    /// Service-request submissions, committed in batches by one writer task.
    pub submissions: SubmissionWriter,
    /// Wakes this instance's scheduler runner when an admin makes a job due now.
    pub scheduler_wake: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Fails only when the photo store cannot be opened (a directory that cannot be created, an invalid
    /// S3 setting). Needs a running Tokio runtime: it starts the submission writer.
    pub fn new(config: Config, leptos_options: LeptosOptions, db: Db) -> Result<Self, ConfigError> {
        let sessions = Sessions::new(db.clone(), config.session_idle, config.session_absolute, config.secure_cookies());
        let bus = EventBus::new(db.backend());
        let photos = PhotoStore::from_config(&config)?;
        let config = Arc::new(config);
        Ok(Self {
            leptos_options,
            submissions: SubmissionWriter::spawn(db.clone(), bus.clone(), config.clone()),
            bus,
            limiter: RateLimiter::new(config.rate_limit_window),
            photos,
            config,
            db,
            sessions,
            scheduler_wake: Arc::default(),
        })
    }

    /// Background work that runs beside the server: the PostgreSQL event listener, mail delivery, the
    /// scheduler's runner and periodic clean-up.
    pub fn spawn_background(&self) {
        tokio::spawn(self.bus.clone().run(self.db.clone()));
        self.spawn_mail_delivery();
        let runner = super::scheduler::Runner::new(self.db.clone(), self.config.clone());
        tokio::spawn(runner.with_wake(self.scheduler_wake.clone()).run());
        let db = self.db.clone();
        let idle = self.config.session_idle.as_millis() as i64;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = purge_expired(&db, idle).await {
                    tracing::warn!(error = %e, "purging expired sessions and links failed");
                }
            }
        });
    }

    fn spawn_mail_delivery(&self) {
        use super::mail::{worker, Mailer};
        // The configuration was checked when it was read, so building the transport cannot fail here.
        match Mailer::new(&self.config.mail) {
            Ok(mailer) => {
                let policy = worker::Policy::default();
                let worker = worker::Worker::new(self.db.clone(), Arc::new(mailer), self.config.mail.domain(), policy);
                tokio::spawn(worker.run(std::time::Duration::from_secs(1)));
            }
            Err(e) => tracing::error!(error = %e, "mail delivery is off"),
        }
    }
}

async fn purge_expired(db: &Db, idle_ms: i64) -> Result<(), sqlx::Error> {
    let now = super::now_ms();
    let mut conn = db.acquire().await?;
    let sessions = super::db::sessions::delete_expired(&mut conn, now, idle_ms).await?;
    let links = super::db::magic_links::delete_expired(&mut conn, now).await?;
    tracing::debug!(sessions, links, "purged expired sessions and sign-in links");
    Ok(())
}
