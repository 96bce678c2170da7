-- Scheduling a job: the customer's preferred time windows (a new proposal supersedes the previous one),
-- the window the team confirmed, the technician, the ETA while en route, and a structured detail on
-- timeline entries (the window, ETA or windows an entry is about) so each locale can render it.
ALTER TABLE service_requests ADD COLUMN technician_id BIGINT REFERENCES users(id);
ALTER TABLE service_requests ADD COLUMN confirmed_day TEXT;
ALTER TABLE service_requests ADD COLUMN confirmed_part TEXT;
ALTER TABLE service_requests ADD COLUMN eta_at BIGINT;
ALTER TABLE job_events ADD COLUMN detail TEXT;

CREATE TABLE request_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    part TEXT NOT NULL,
    superseded BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX request_windows_request ON request_windows(request_id, superseded);
CREATE INDEX service_requests_customer ON service_requests(customer_id, id);
CREATE INDEX service_requests_status ON service_requests(status, created_at);
CREATE INDEX service_requests_technician ON service_requests(technician_id);
