-- Issue 4, search speed: a ranked term index beside the tsvector column, so that search and the request
-- form's suggestions rank a bounded set of candidates instead of every article that contains a common word.
--
-- kb_search_terms holds, for every translation and every lexeme of its search_document (english or simple
-- configuration by locale, as the tsvector has it), the lexeme's weight in that text: 2.2 when it is in the
-- title (weight A, so one title hit outranks any number of body hits) plus bm25's saturating term frequency
-- of the body hits (k1 = 1.2, b = 0.75, measured against a nominal 200-word article, so no row has to be
-- re-weighted when others change). kb_search_terms_best lists each term's translations best first: the top
-- of that list is the term's "champion list" the search draws its candidates from.
--
-- kb_search_vocabulary counts the translations each term is in (the document frequency the idf comes from);
-- the empty term counts the indexed translations. Terms compare byte-wise (COLLATE "C"), so a prefix is a
-- range of the index whatever the database's collation.
--
-- Both follow kb_translations by a trigger, from the tsvector PostgreSQL already computes.
CREATE TABLE kb_search_terms (
    translation_id BIGINT NOT NULL,
    term TEXT COLLATE "C" NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (translation_id, term)
);
CREATE INDEX kb_search_terms_best ON kb_search_terms (term, weight DESC) INCLUDE (translation_id);

CREATE TABLE kb_search_vocabulary (
    term TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    docs BIGINT NOT NULL
);

-- A translation's terms are replaced by a row trigger; the counts it changes are collected in a temporary
-- table of the session and added to kb_search_vocabulary once, when the transaction commits (a deferred
-- trigger). Counting row by row would update the row of a common term once per article: within one
-- transaction (an import of thousands of articles) every update walks the versions left by the previous
-- ones, and the import slows down quadratically.
CREATE FUNCTION kb_search_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.kb_search_vocabulary_changes') IS NULL THEN
        CREATE TEMPORARY TABLE kb_search_vocabulary_changes (term TEXT COLLATE "C" NOT NULL, delta BIGINT NOT NULL)
            ON COMMIT DELETE ROWS;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        WITH gone AS (DELETE FROM kb_search_terms WHERE translation_id = OLD.id RETURNING term)
        INSERT INTO pg_temp.kb_search_vocabulary_changes (term, delta)
            SELECT term, -1 FROM gone
            UNION ALL SELECT '', -1 WHERE EXISTS (SELECT 1 FROM gone);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        WITH added AS (
            INSERT INTO kb_search_terms (translation_id, term, weight)
            SELECT NEW.id, h.lexeme,
                CASE WHEN h.title_hits > 0 THEN 2.2 ELSE 0.0 END
                + h.body_hits * 2.2 / (h.body_hits + 1.2 * (0.25 + 0.75 * l.len / 200.0))
            FROM (SELECT u.lexeme, COUNT(*) FILTER (WHERE w = 'A') AS title_hits,
                         COUNT(*) FILTER (WHERE w <> 'A') AS body_hits
                  FROM unnest(NEW.search_document) u, unnest(u.weights) w GROUP BY u.lexeme) h,
                 (SELECT COALESCE(SUM(cardinality(positions)), 0) AS len FROM unnest(NEW.search_document)) l
            RETURNING term)
        INSERT INTO pg_temp.kb_search_vocabulary_changes (term, delta)
            SELECT term, 1 FROM added
            UNION ALL SELECT '', 1 WHERE EXISTS (SELECT 1 FROM added);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER kb_search_terms_sync AFTER INSERT OR DELETE OR UPDATE OF title, body_text ON kb_translations
    FOR EACH ROW EXECUTE FUNCTION kb_search_terms_sync();

-- Fires at commit once per changed row: the first adds up every change of the transaction (in term order,
-- so concurrent commits lock the rows in the same order), the others find nothing left.
CREATE FUNCTION kb_search_vocabulary_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    applied BIGINT;
BEGIN
    IF to_regclass('pg_temp.kb_search_vocabulary_changes') IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO kb_search_vocabulary (term, docs)
        SELECT term, SUM(delta) FROM pg_temp.kb_search_vocabulary_changes GROUP BY term ORDER BY term
        ON CONFLICT (term) DO UPDATE SET docs = kb_search_vocabulary.docs + excluded.docs;
    GET DIAGNOSTICS applied = ROW_COUNT;
    IF applied > 0 THEN
        TRUNCATE pg_temp.kb_search_vocabulary_changes;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER kb_search_vocabulary_apply AFTER INSERT OR DELETE OR UPDATE OF title, body_text
    ON kb_translations DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kb_search_vocabulary_apply();

-- The translations written before this migration.
UPDATE kb_translations SET title = title;
