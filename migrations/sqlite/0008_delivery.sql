-- Delivery of the outbox: each mail's state, its lease while a worker sends it, and every attempt.
-- status: pending (waiting or retrying), sent, failed (permanently refused, or out of attempts).
-- message_id is fixed when a worker first claims the row, so a resend after a crash carries the same one.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN transport TEXT;
ALTER TABLE outbox ADD COLUMN body_html TEXT;

-- Mails written before delivery existed are old (expired sign-in links among them): they are not sent now.
UPDATE outbox SET status = 'failed', last_error = 'written before mail delivery existed; not sent',
    next_attempt_at = created_at;

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE outbox_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    worker TEXT NOT NULL,
    transport TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reply TEXT
);

CREATE INDEX outbox_attempts_by_mail ON outbox_attempts (outbox_id, id);
