-- The FAQ knowledge base: categories and articles with one translation per locale, every save kept as a
-- revision, a read counter, "was this helpful?" votes (one per visitor and article) and the searches that
-- found nothing. Full-text search is per backend: here an FTS5 table over (title, body_text) kept in sync by
-- triggers; PostgreSQL has a generated tsvector column instead. body_text is the article's plain text (the
-- Markdown without its markup), written by the application with every save.
CREATE TABLE kb_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE kb_category_translations (
    category_id BIGINT NOT NULL REFERENCES kb_categories(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (category_id, locale)
);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    category_id BIGINT NOT NULL REFERENCES kb_categories(id),
    status TEXT NOT NULL,
    read_count BIGINT NOT NULL DEFAULT 0,
    author_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX kb_articles_category ON kb_articles(category_id, status);

CREATE TABLE kb_translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_text TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (article_id, locale)
);

-- External-content FTS5 index: the text lives in kb_translations, the index follows it by triggers.
-- porter stems English words (leaks/leaking -> leak) as PostgreSQL's english configuration does.
CREATE VIRTUAL TABLE kb_search USING fts5(
    title, body_text,
    content = 'kb_translations', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_translations_ai AFTER INSERT ON kb_translations BEGIN
    INSERT INTO kb_search(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
CREATE TRIGGER kb_translations_ad AFTER DELETE ON kb_translations BEGIN
    INSERT INTO kb_search(kb_search, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
END;
CREATE TRIGGER kb_translations_au AFTER UPDATE ON kb_translations BEGIN
    INSERT INTO kb_search(kb_search, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
    INSERT INTO kb_search(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;

CREATE TABLE kb_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_revisions_article ON kb_revisions(article_id, id);

-- visitor is "user:<id>" for a signed-in reader, else "anon:<hash of the visitor cookie>".
CREATE TABLE kb_votes (
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    visitor TEXT NOT NULL,
    helpful BIGINT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, visitor)
);

-- The content-gap queue: normalized queries that found nothing, per locale.
CREATE TABLE kb_zero_results (
    query TEXT NOT NULL,
    locale TEXT NOT NULL,
    count BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (query, locale)
);
