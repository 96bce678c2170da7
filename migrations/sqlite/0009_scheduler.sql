-- Delayed work that must survive restarts: appointment reminders, SLA-breach alerts, follow-ups. One row per
-- (kind, dedupe_key): scheduling the same thing again moves the existing row instead of adding another.
-- A runner claims due rows by setting `running` with a lease (`claimed_until`); a lease that expires (the
-- instance died mid-run) makes the row claimable again. `attempts` counts claims and fences a stale runner.
CREATE TABLE scheduled_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    request_id BIGINT REFERENCES service_requests(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    last_error TEXT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (kind, dedupe_key)
);
CREATE INDEX scheduled_jobs_status_run_at ON scheduled_jobs(status, run_at);
CREATE INDEX scheduled_jobs_request ON scheduled_jobs(request_id);
