-- The KPI dashboard (issue 6) reads, for a period, the requests created in it, the jobs completed in it and
-- the survey answers given in it together with their request's category, technician and channel. Covering
-- indexes let each of those reads stay inside one narrow index instead of visiting the wide request rows
-- (names, addresses, descriptions) one by one; the filters (category, technician, channel) are then checked
-- in the index too.
CREATE INDEX service_requests_created_kpis
    ON service_requests(created_at, category_id, technician_id, channel, first_response_at);
-- Supersedes service_requests_completed (0012): same leading column, so it serves every read that used it.
CREATE INDEX service_requests_completed_kpis
    ON service_requests(completed_at, category_id, technician_id, channel, created_at, revisits);
DROP INDEX service_requests_completed;
-- What a survey answer's request is grouped and filtered by, looked up by the request's id.
CREATE INDEX service_requests_groups ON service_requests(id, category_id, technician_id, channel);
-- The newest comments of a kind: only the answers that have one (most have none).
CREATE INDEX surveys_commented ON surveys(kind, answered_at) WHERE comment IS NOT NULL AND comment <> '';
