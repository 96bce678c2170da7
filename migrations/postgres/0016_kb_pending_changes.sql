-- Changes to a published article's text wait here, one per article and locale, while the published text stays
-- what readers see. A change goes through the same workflow as a new article (draft -> in review -> published);
-- publishing it writes it into kb_translations (and a revision) and deletes the row. author_id is the editor who
-- saved it last: with review required, someone else publishes it.
CREATE TABLE kb_pending_changes (
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    step TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, locale)
);
CREATE INDEX kb_pending_changes_step ON kb_pending_changes(step, article_id);
