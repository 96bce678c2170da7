-- Issue 4, the rest of the knowledge base: deflection on the request form, closing content gaps, and images in
-- articles.
--
-- kb_deflection: which published articles were suggested to one rendering of the request form (form_key is
-- that form's idempotency key, so "did this visitor submit anyway?" is a join with service_requests) and
-- whether the visitor opened one. A form whose suggestions led to no request is a deflection; that is decided
-- when the counts are read, not by a timer.
CREATE TABLE kb_deflection (
    form_key TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    shown_at BIGINT NOT NULL,
    clicked_at BIGINT,
    PRIMARY KEY (form_key, article_id)
);
CREATE INDEX kb_deflection_shown ON kb_deflection(shown_at);

-- An editor closes a zero-result search by naming the article that answers it; readers who search for the
-- same words are then shown that article.
ALTER TABLE kb_zero_results ADD COLUMN article_id BIGINT REFERENCES kb_articles(id) ON DELETE SET NULL;
ALTER TABLE kb_zero_results ADD COLUMN closed_at BIGINT;
ALTER TABLE kb_zero_results ADD COLUMN closed_by BIGINT;

-- Images editors upload for articles. The bytes live in the photo store under object_key (a server-generated
-- name), checked by content like request photos; they are public, as articles are.
CREATE TABLE kb_images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    object_key TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_images_article ON kb_images(article_id, id);
