//! The delivery worker: claim due mails, send them, record each outcome. The three steps are separate
//! functions taking the time as an argument, so tests can run them one by one (and stop between sending and
//! recording, as a crash would) without waiting for real time to pass.
use std::sync::Arc;
use std::time::Duration;

use super::{Mailer, Outcome};
use crate::server::db::outbox::{self, ClaimedMail, NewAttempt, Next};
use crate::server::db::{Db, DbResult};

/// Leases, batches and retries.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How long a claim holds a mail (ms): far longer than one SMTP conversation, so a live worker never
    /// loses a mail to another one; a dead worker's mails come due again when it runs out.
    pub lease_ms: i64,
    /// Mails claimed (and sent side by side) at a time.
    pub batch: i64,
    /// Attempts before a mail that keeps failing temporarily is given up as failed.
    pub max_attempts: i64,
    /// The wait after the first temporary failure (ms); it doubles after each further one...
    pub first_retry_ms: i64,
    /// ...up to this (ms).
    pub max_retry_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        // 1, 2, 4, … 60 min: eight attempts span about four hours.
        Self { lease_ms: 5 * 60_000, batch: 10, max_attempts: 8, first_retry_ms: 60_000, max_retry_ms: 3_600_000 }
    }
}

impl Policy {
    /// The wait before the next attempt, after `failures` temporary failures in a row (1 or more).
    pub fn backoff_ms(&self, failures: i64) -> i64 {
        let doublings = (failures - 1).clamp(0, 30) as u32;
        self.first_retry_ms.saturating_mul(1 << doublings).min(self.max_retry_ms)
    }
}

/// One delivery worker. Several may run against one PostgreSQL (one per instance); on SQLite one runs.
pub struct Worker {
    db: Db,
    mailer: Arc<Mailer>,
    id: String,
    domain: String,
    policy: Policy,
}

impl Worker {
    /// `domain` names the Message-IDs (the sender's domain).
    pub fn new(db: Db, mailer: Arc<Mailer>, domain: &str, policy: Policy) -> Self {
        let id = format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Self { db, mailer, id, domain: domain.to_owned(), policy }
    }

    /// This worker's name in leases and the attempt log.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Leases the mails due at `now` (at most one batch).
    pub async fn claim(&self, now: i64) -> DbResult<Vec<ClaimedMail>> {
        let mut conn = self.db.acquire().await?;
        let lease_until = now + self.policy.lease_ms;
        outbox::claim_due(&mut conn, self.db.backend(), &self.id, &self.domain, now, lease_until, self.policy.batch)
            .await
    }

    /// Sends one claimed mail; records nothing.
    pub async fn send(&self, mail: &ClaimedMail) -> Outcome {
        self.mailer.send(mail).await
    }

    /// Records the attempt and moves the mail on: sent; retried after a backoff; or failed (a permanent
    /// refusal, or the last attempt allowed). One transaction; the lease is released.
    pub async fn finish(&self, mail: &ClaimedMail, outcome: &Outcome, now: i64) -> DbResult<()> {
        let transport = self.mailer.transport_name();
        let failures = mail.attempts + 1;
        let next = match outcome {
            Outcome::Sent { .. } => Next::Sent { transport },
            Outcome::Temporary { error } if failures < self.policy.max_attempts => {
                Next::Retry { at: now + self.policy.backoff_ms(failures), error }
            }
            Outcome::Temporary { error } | Outcome::Permanent { error } => Next::Failed { error },
        };
        let attempt = NewAttempt {
            outbox_id: mail.id,
            worker: &self.id,
            transport,
            outcome: outcome.as_str(),
            reply: Some(outcome.reply()),
        };
        let mut tx = self.db.begin().await?;
        outbox::add_attempt(&mut tx, &attempt, now).await?;
        let changed = outbox::finish(&mut tx, mail.id, &self.id, &next, now).await?;
        tx.commit().await?;
        match (outcome, &next) {
            _ if !changed => tracing::warn!(outbox_id = mail.id, "the lease ran out before the outcome was recorded"),
            (Outcome::Sent { .. }, _) => tracing::debug!(outbox_id = mail.id, "mail sent"),
            (_, Next::Retry { at, .. }) => {
                tracing::warn!(outbox_id = mail.id, error = outcome.reply(), retry_at = at, "mail not sent; will retry")
            }
            _ => tracing::error!(outbox_id = mail.id, error = outcome.reply(), "mail failed for good"),
        }
        Ok(())
    }

    /// Claims one batch, sends its mails side by side and records each outcome; `clock` gives the time at
    /// each step. Returns how many mails were attempted.
    pub async fn run_once(&self, clock: impl Fn() -> i64) -> DbResult<usize> {
        let claimed = self.claim(clock()).await?;
        let outcomes = futures::future::join_all(claimed.iter().map(|mail| self.send(mail))).await;
        for (mail, outcome) in claimed.iter().zip(&outcomes) {
            self.finish(mail, outcome, clock()).await?;
        }
        Ok(claimed.len())
    }

    /// Runs until the process ends: a full batch is followed at once by the next, otherwise the worker looks
    /// again after `poll` (a new mail waits at most that long).
    pub async fn run(self, poll: Duration) {
        tracing::info!(worker = %self.id, transport = self.mailer.transport_name(), "mail delivery started");
        loop {
            match self.run_once(crate::server::now_ms).await {
                Ok(n) if n as i64 >= self.policy.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail delivery could not reach the database"),
            }
            tokio::time::sleep(poll).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = Policy::default();
        let waits: Vec<_> = (1..=8).map(|n| p.backoff_ms(n) / 60_000).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(p.backoff_ms(1_000), p.max_retry_ms);
    }
}
