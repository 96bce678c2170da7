-- The KPI dashboard (issue 6) reads jobs by when they were first completed (time to resolution, first-time
-- fix), and survey answers by kind and time together with their request and score: the second index
-- covers those reads without visiting the survey rows.
CREATE INDEX service_requests_completed ON service_requests(completed_at);
CREATE INDEX surveys_kind_answered_covering ON surveys(kind, answered_at, request_id, score);
