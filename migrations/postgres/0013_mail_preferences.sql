-- What each customer (by email address) wants to be mailed: every change of their jobs or only the important
-- ones, and whether surveys may be sent. Non-essential mail (surveys) carries a private link to change this
-- without signing in; its token is stored hashed.
CREATE TABLE mail_preferences (
    email TEXT PRIMARY KEY,
    updates TEXT NOT NULL,
    surveys BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE preference_tokens (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
