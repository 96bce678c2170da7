-- Issue 4, search speed: a ranked term index beside the FTS5 table, so that search and the request form's
-- suggestions rank a bounded set of candidates instead of every article that contains a common word.
--
-- kb_search_terms holds, for every translation and every distinct term of it (as the FTS5 tokenizer makes
-- it: porter-stemmed, lowercase, without diacritics), the term's weight in that text: 2.2 when the term is in
-- the title (so one title hit outranks any number of body hits) plus bm25's saturating term frequency of the
-- body hits (k1 = 1.2, b = 0.75, measured against a nominal 200-word article, so no row has to be
-- re-weighted when others change). kb_search_terms_best lists each term's translations best first: the top
-- of that list is the term's "champion list" the search draws its candidates from.
--
-- kb_search_vocabulary counts the translations each term is in (the document frequency the idf comes from);
-- the empty term counts the indexed translations.
--
-- Both follow kb_translations by triggers. The terms of a text come from kb_search_scratch, a contentless
-- FTS5 table with kb_search's tokenizer that holds only the text being indexed, read through fts5vocab.
CREATE TABLE kb_search_terms (
    translation_id BIGINT NOT NULL,
    term TEXT NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (translation_id, term)
) WITHOUT ROWID;
CREATE INDEX kb_search_terms_best ON kb_search_terms (term, weight DESC);

CREATE TABLE kb_search_vocabulary (
    term TEXT NOT NULL PRIMARY KEY,
    docs BIGINT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE kb_search_scratch USING fts5(
    title, body_text,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE kb_search_scratch_terms USING fts5vocab(kb_search_scratch, 'col');

CREATE TRIGGER kb_search_terms_ai AFTER INSERT ON kb_translations BEGIN
    INSERT INTO kb_search_scratch(kb_search_scratch) VALUES ('delete-all');
    INSERT INTO kb_search_scratch(rowid, title, body_text) VALUES (1, new.title, new.body_text);
    INSERT INTO kb_search_terms (translation_id, term, weight)
        SELECT new.id, h.term,
            CASE WHEN h.title_hits > 0 THEN 2.2 ELSE 0.0 END
            + h.body_hits * 2.2 / (h.body_hits + 1.2 * (0.25 + 0.75 * l.len / 200.0))
        FROM (SELECT term, SUM(CASE WHEN col = 'title' THEN cnt ELSE 0 END) AS title_hits,
                     SUM(CASE WHEN col = 'title' THEN 0 ELSE cnt END) AS body_hits
              FROM kb_search_scratch_terms GROUP BY term) h,
             (SELECT SUM(cnt) AS len FROM kb_search_scratch_terms) l;
    INSERT INTO kb_search_vocabulary (term, docs)
        SELECT term, 1 FROM kb_search_terms WHERE translation_id = new.id
        ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
    INSERT INTO kb_search_vocabulary (term, docs)
        SELECT '', 1 WHERE EXISTS (SELECT 1 FROM kb_search_terms WHERE translation_id = new.id)
        ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
END;

CREATE TRIGGER kb_search_terms_ad AFTER DELETE ON kb_translations BEGIN
    UPDATE kb_search_vocabulary SET docs = docs - 1
        WHERE term IN (SELECT term FROM kb_search_terms WHERE translation_id = old.id);
    UPDATE kb_search_vocabulary SET docs = docs - 1
        WHERE term = '' AND EXISTS (SELECT 1 FROM kb_search_terms WHERE translation_id = old.id);
    DELETE FROM kb_search_terms WHERE translation_id = old.id;
END;

CREATE TRIGGER kb_search_terms_au AFTER UPDATE OF title, body_text ON kb_translations BEGIN
    UPDATE kb_search_vocabulary SET docs = docs - 1
        WHERE term IN (SELECT term FROM kb_search_terms WHERE translation_id = old.id);
    UPDATE kb_search_vocabulary SET docs = docs - 1
        WHERE term = '' AND EXISTS (SELECT 1 FROM kb_search_terms WHERE translation_id = old.id);
    DELETE FROM kb_search_terms WHERE translation_id = old.id;
    INSERT INTO kb_search_scratch(kb_search_scratch) VALUES ('delete-all');
    INSERT INTO kb_search_scratch(rowid, title, body_text) VALUES (1, new.title, new.body_text);
    INSERT INTO kb_search_terms (translation_id, term, weight)
        SELECT new.id, h.term,
            CASE WHEN h.title_hits > 0 THEN 2.2 ELSE 0.0 END
            + h.body_hits * 2.2 / (h.body_hits + 1.2 * (0.25 + 0.75 * l.len / 200.0))
        FROM (SELECT term, SUM(CASE WHEN col = 'title' THEN cnt ELSE 0 END) AS title_hits,
                     SUM(CASE WHEN col = 'title' THEN 0 ELSE cnt END) AS body_hits
              FROM kb_search_scratch_terms GROUP BY term) h,
             (SELECT SUM(cnt) AS len FROM kb_search_scratch_terms) l;
    INSERT INTO kb_search_vocabulary (term, docs)
        SELECT term, 1 FROM kb_search_terms WHERE translation_id = new.id
        ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
    INSERT INTO kb_search_vocabulary (term, docs)
        SELECT '', 1 WHERE EXISTS (SELECT 1 FROM kb_search_terms WHERE translation_id = new.id)
        ON CONFLICT (term) DO UPDATE SET docs = docs + 1;
END;

-- The translations written before this migration: the update trigger indexes each (the FTS5 table's own
-- update trigger re-indexes it too, to the same text).
UPDATE kb_translations SET title = title;
