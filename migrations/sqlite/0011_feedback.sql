-- Feedback and insights. Each survey about a job (CSAT on completion, did the fix hold, NPS, the salience
-- survey) is one row answered through its own private link (the token is stored hashed) until it expires;
-- a customer may change the answer until then. Testimonials wait for an editor's approval.
-- The request gains the facts the KPI dashboard reads without replaying the timeline: the channel it came
-- through, when it was first completed and how often it had to be revisited (first-time fix).
ALTER TABLE service_requests ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE service_requests ADD COLUMN completed_at BIGINT;
ALTER TABLE service_requests ADD COLUMN revisits BIGINT NOT NULL DEFAULT 0;
CREATE INDEX service_requests_created ON service_requests(created_at);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    answered_at BIGINT,
    score BIGINT,
    comment TEXT,
    UNIQUE (request_id, kind)
);
CREATE INDEX surveys_kind_answered ON surveys(kind, answered_at);
CREATE INDEX surveys_email ON surveys(email, kind, created_at);

CREATE TABLE testimonials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id BIGINT NOT NULL UNIQUE REFERENCES surveys(id) ON DELETE CASCADE,
    quote TEXT NOT NULL,
    first_name TEXT NOT NULL,
    town TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    moderated_by BIGINT REFERENCES users(id),
    moderated_at BIGINT
);
CREATE INDEX testimonials_status ON testimonials(status, created_at);
