-- The language a request was filed in: the customer's notifications about it are written in it.
ALTER TABLE service_requests ADD COLUMN locale TEXT;
