-- The editor side of the knowledge base: old slugs of published articles answer with a permanent redirect to
-- the article's current address; portal-wide settings (key/value, e.g. whether articles need a second
-- editor's review before publishing); and a note on a revision (why a review sent an article back).
CREATE TABLE kb_slug_redirects (
    old_slug TEXT PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE kb_revisions ADD COLUMN note TEXT;
