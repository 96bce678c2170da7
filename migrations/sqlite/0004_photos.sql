-- Photos of a service request. The bytes live in the object store under object_key (a server-generated
-- name); this row says whose they are. event_id ties a photo to a timeline entry (a customer reply, say);
-- NULL means the photo came with the request itself. uploaded_by_user is the signed-in uploader, if any
-- (kept without a foreign key so that removing an account never blocks on its uploads).
CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES service_requests(id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES job_events(id) ON DELETE CASCADE,
    object_key TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by_user BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX photos_request ON photos(request_id, id);
