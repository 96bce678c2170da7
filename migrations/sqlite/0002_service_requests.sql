-- Service requests: the categories they are filed under (with each category's first-response target),
-- the requests themselves, their private tracking tokens (stored hashed) and the job timeline.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    first_response_hours BIGINT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL
);

INSERT INTO categories (slug, name, first_response_hours, position, active) VALUES
    ('plumbing', 'Plumbing', 4, 1, 1),
    ('heating', 'Heating and cooling', 8, 2, 1),
    ('electrical', 'Electrical', 8, 3, 1),
    ('appliances', 'Appliance repair', 24, 4, 1),
    ('it', 'Computers and networks', 24, 5, 1);

CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    customer_id BIGINT REFERENCES users(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    address TEXT NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    first_response_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX service_requests_email ON service_requests(email);
CREATE INDEX service_requests_category_created ON service_requests(category_id, created_at);

CREATE TABLE request_tokens (
    token_hash TEXT PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE TABLE job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status TEXT,
    body TEXT,
    public BIGINT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX job_events_request ON job_events(request_id, id);
