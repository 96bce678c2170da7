//! Help-centre search and the request form's suggestions, over the ranked term index of migration 0015.
//!
//! A common word is in thousands of articles; ranking every match (bm25 / ts_rank over the full-text index)
//! before taking the first 20 made one query cost ~100 ms at 10,000 articles. Here every translation's terms
//! are stored with a precomputed weight (`kb_search_terms`, kept by triggers), and a query ranks only a
//! bounded set of candidates: the best-weighted translations of each of its words (each word's "champion
//! list", longer for rarer words), scored by Σ idf × weight over every query word. When that finds fewer
//! results than asked, every article the full-text index has with all the words is ranked instead, so a
//! search that finds little finds all there is, and one that finds nothing is exactly one that matches
//! nothing. Highlighting runs for the rows returned only.
//!
//! Words are turned into index terms by the backend's own tokenizer, as the full-text index does: FTS5's
//! porter tokenizer (through a per-connection scratch table) on SQLite, `to_tsvector` with the english or
//! simple configuration on PostgreSQL.
use sqlx::FromRow;

use super::kb::{SearchRow, READER_SEES};
use super::{Backend, Conn, DbResult};
use crate::domain::kb::Combine;
use crate::server::kb_highlight;

/// A search ranks about this many candidates, shared among its words by their idf…
const CANDIDATES: i64 = 160;
/// …but at least this many from each term's champion list (fewer for suggestions: up to twelve terms, and
/// every candidate costs a lookup per term).
const CHAMPION_MIN: i64 = 16;
const SUGGEST_CHAMPION_MIN: i64 = 4;
/// A word typed as a prefix stands for at most this many of its completions, the most common ones (fewer
/// for suggestions, where every word is a prefix and each completion costs a lookup per candidate).
const PREFIX_COMPLETIONS: i64 = 5;
const SUGGEST_PREFIX_COMPLETIONS: i64 = 2;
/// The second pass ranks at most this many of the articles that have every word.
const FULL_TEXT_MAX: i64 = 400;
/// Suggestions look up at most this many of the typed words: the summary's before the description's, the
/// most selective (fewest articles) first. Common words add little to the ranking and much to its cost.
pub const SUGGEST_WORDS_RANKED: usize = 6;
/// Suggestions rank this many candidates, shared among their words like a search's.
const SUGGEST_CANDIDATES: i64 = 60;

/// The tokenizer of `kb_search` (migration 0005), for the scratch table that turns words into terms.
const TOKENIZER: &str = "porter unicode61 remove_diacritics 2";

/// An article suggested while a customer types (no snippet: the title is what they see).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SuggestionRow {
    pub id: i64,
    pub slug: String,
    pub locale: String,
    pub title: String,
}

/// One ranked translation, before highlighting.
#[derive(Debug, Clone, FromRow)]
struct RankedRow {
    article_id: i64,
    slug: String,
    locale: String,
    title: String,
    body_text: String,
}

/// The words of a query as the index has them, and the number of indexed translations (for the idf).
#[derive(Debug, Clone)]
struct Found {
    words: Vec<Word>,
    total: i64,
}

/// A query word found in the index: the index terms it stands for (itself, or a prefix's completions) with
/// the number of translations each is in.
#[derive(Debug, Clone)]
struct Word {
    /// The word's position in the query.
    position: i64,
    terms: Vec<(String, i64)>,
}

impl Word {
    /// The word's document frequency: that of its most common term (a prefix is about as selective as
    /// its most common completion).
    fn docs(&self) -> i64 {
        self.terms.iter().map(|(_, docs)| *docs).max().unwrap_or(0)
    }

    /// bm25's idf of the word among `total` translations (never negative: a word in almost every
    /// article still counts a little).
    fn idf(&self, total: i64) -> f64 {
        let (n, df) = (total.max(1) as f64, self.docs() as f64);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }
}

/// Published articles matching every term (the last as a prefix), best first: a title hit outranks any
/// number of body hits. Only the translation the reader sees is searched; titles and snippets carry the hit
/// markers.
pub async fn search(
    conn: &mut Conn,
    backend: Backend,
    locale: &str,
    terms: &[&str],
    limit: i64,
) -> DbResult<Vec<SearchRow>> {
    let prefixes: Vec<bool> = (0..terms.len()).map(|i| i + 1 == terms.len()).collect();
    let Some(found) = lookup(conn, backend, locale, terms, &prefixes, PREFIX_COMPLETIONS).await? else {
        return Ok(Vec::new());
    };
    // A word with no index term at all matches nothing (on PostgreSQL a stop word has no term and is left
    // out, as `to_tsquery` leaves it out).
    if found.words.is_empty() || found.words.iter().any(|w| w.terms.is_empty()) {
        return Ok(Vec::new());
    }
    let every_word = found.words.len() as i64;
    let limits = champion_limits(&found, CANDIDATES, CHAMPION_MIN);
    let mut rows = rank(conn, backend, locale, &found, &Candidates::Champions(&limits), every_word, limit).await?;
    if (rows.len() as i64) < limit {
        // Few articles have all the words (or few of the best candidates are visible to this reader): the
        // full-text index finds every one of them (an intersection without ranking is cheap), ranked alike.
        rows = rank(conn, backend, locale, &found, &Candidates::FullText(terms), every_word, limit).await?;
    }
    Ok(highlight(terms, &found.words, rows))
}

/// Published articles matching any of the terms (each a prefix), best first, ranked like [`search`] over
/// the [`SUGGEST_WORDS_RANKED`] most telling words; the first `summary_words` terms are the summary's.
pub async fn suggest(
    conn: &mut Conn,
    backend: Backend,
    locale: &str,
    terms: &[&str],
    summary_words: usize,
    limit: i64,
) -> DbResult<Vec<SuggestionRow>> {
    let prefixes = vec![true; terms.len()];
    let Some(mut found) = lookup(conn, backend, locale, terms, &prefixes, SUGGEST_PREFIX_COMPLETIONS).await? else {
        return Ok(Vec::new());
    };
    found.words = telling_words(found.words, summary_words);
    if found.words.is_empty() {
        return Ok(Vec::new());
    }
    let limits = champion_limits(&found, SUGGEST_CANDIDATES, SUGGEST_CHAMPION_MIN);
    let rows = rank(conn, backend, locale, &found, &Candidates::Champions(&limits), 1, limit).await?;
    Ok(rows
        .into_iter()
        .map(|r| SuggestionRow { id: r.article_id, slug: r.slug, locale: r.locale, title: r.title })
        .collect())
}

/// The [`SUGGEST_WORDS_RANKED`] words of a suggestion query that say most: found in the index, the summary's
/// (the first `summary_words`) before the description's, the rarer before the more common.
fn telling_words(mut words: Vec<Word>, summary_words: usize) -> Vec<Word> {
    words.retain(|w| !w.terms.is_empty());
    words.sort_by_key(|w| (w.position as usize >= summary_words, w.docs(), w.position));
    words.truncate(SUGGEST_WORDS_RANKED);
    words
}

/// How many translations to take from each term's champion list: `candidates` shared among the words by
/// their idf (a rare word's list decides more of the ranking than a common one's), and a word's share among
/// its completions.
fn champion_limits(found: &Found, candidates: i64, minimum: i64) -> Vec<Vec<i64>> {
    let idf_sum: f64 = found.words.iter().map(|w| w.idf(found.total)).sum::<f64>().max(f64::MIN_POSITIVE);
    found
        .words
        .iter()
        .map(|w| {
            let share = candidates as f64 * w.idf(found.total) / idf_sum / w.terms.len().max(1) as f64;
            vec![(share.ceil() as i64).max(minimum); w.terms.len()]
        })
        .collect()
}

/// The index terms of each query word that the tokenizer makes a term of (`None`: nothing to look up).
async fn lookup(
    conn: &mut Conn,
    backend: Backend,
    locale: &str,
    terms: &[&str],
    prefixes: &[bool],
    completions: i64,
) -> DbResult<Option<Found>> {
    if terms.is_empty() {
        return Ok(None);
    }
    let stems = stems(conn, backend, locale, terms).await?;
    let mut words: Vec<Word> = Vec::new();
    for (position, _) in &stems {
        if !words.iter().any(|w| w.position == *position) {
            words.push(Word { position: *position, terms: Vec::new() });
        }
    }
    if stems.is_empty() {
        return Ok(Some(Found { words, total: 0 }));
    }
    // A word is the range [stem, upper) of the vocabulary: only the stem itself, or every completion.
    let values: Vec<String> = (0..stems.len()).map(|i| format!("(CAST($p{0} AS BIGINT), $s{0}, $u{0})", i)).collect();
    let sql = number_placeholders(&format!(
        "WITH s(position, stem, upper) AS (VALUES {}) \
         SELECT CAST(position AS BIGINT), term, docs FROM (\
           SELECT s.position, v.term, v.docs, \
             ROW_NUMBER() OVER (PARTITION BY s.position ORDER BY v.docs DESC, v.term) AS n \
           FROM s JOIN kb_search_vocabulary v ON v.term >= s.stem AND v.term < s.upper AND v.docs > 0) x \
         WHERE n <= {completions} \
         UNION ALL SELECT CAST(-1 AS BIGINT), term, docs FROM kb_search_vocabulary WHERE term = ''",
        values.join(", ")
    ));
    let mut query = sqlx::query_as::<_, (i64, String, i64)>(&sql);
    for (position, stem) in &stems {
        // Text never holds U+0001, so [stem, stem + U+0001) is the stem alone; U+10FFFF sorts after every
        // character, so [stem, stem + U+10FFFF) is every term that starts with it.
        let prefix = prefixes.get(*position as usize).copied().unwrap_or(false);
        let upper = format!("{stem}{}", if prefix { '\u{10FFFF}' } else { '\u{1}' });
        query = query.bind(*position).bind(stem.clone()).bind(upper);
    }
    let mut total = 0;
    for (position, term, docs) in query.fetch_all(&mut *conn).await? {
        match words.iter_mut().find(|w| w.position == position) {
            Some(word) if !word.terms.iter().any(|(t, _)| *t == term) => word.terms.push((term, docs)),
            Some(_) => {}
            None => total = docs,
        }
    }
    Ok(Some(Found { words, total }))
}

/// Each word's index terms as the backend's tokenizer makes them, as `(position of the word, stem)`.
async fn stems(conn: &mut Conn, backend: Backend, locale: &str, terms: &[&str]) -> DbResult<Vec<(i64, String)>> {
    match backend {
        Backend::Sqlite => {
            // A temporary table belongs to this connection: filling it takes no write lock on the database.
            sqlx::query(&format!(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_query_words USING fts5(word, content = '', \
                 tokenize = '{TOKENIZER}'); \
                 CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_query_stems \
                 USING fts5vocab(temp, kb_query_words, 'instance'); \
                 INSERT INTO temp.kb_query_words(kb_query_words) VALUES ('delete-all')"
            ))
            .execute(&mut *conn)
            .await?;
            let values: Vec<String> = (0..terms.len()).map(|i| format!("({}, $w{i})", i + 1)).collect();
            let sql = number_placeholders(&format!(
                "INSERT INTO temp.kb_query_words(rowid, word) VALUES {}",
                values.join(", ")
            ));
            let mut insert = sqlx::query(&sql);
            for term in terms {
                insert = insert.bind(*term);
            }
            insert.execute(&mut *conn).await?;
            sqlx::query_as("SELECT CAST(doc - 1 AS BIGINT), term FROM temp.kb_query_stems ORDER BY doc, offset")
                .fetch_all(conn)
                .await
        }
        Backend::Postgres => {
            // English text is indexed with the english configuration, other locales with simple: a reader
            // of another locale also sees English articles, so both forms of the word are looked up.
            let configs: &[&str] = if locale == "en" { &["english"] } else { &["english", "simple"] };
            let values: Vec<String> = (0..terms.len()).map(|i| format!("({i}, $w{i})")).collect();
            let lexemes: Vec<String> = configs
                .iter()
                .map(|c| format!("SELECT w.position, x.lexeme FROM w, unnest(tsvector_to_array(to_tsvector('{c}', w.word))) x(lexeme)"))
                .collect();
            let sql = number_placeholders(&format!(
                "WITH w(position, word) AS (VALUES {}) \
                 SELECT DISTINCT CAST(position AS BIGINT), lexeme FROM ({}) l ORDER BY 1, 2",
                values.join(", "),
                lexemes.join(" UNION ALL ")
            ));
            let mut query = sqlx::query_as(&sql);
            for term in terms {
                query = query.bind(*term);
            }
            query.fetch_all(conn).await
        }
    }
}

/// Where the translations to rank come from.
enum Candidates<'a> {
    /// The first `limits[w][t]` translations of each word's terms, best weighted first.
    Champions(&'a [Vec<i64>]),
    /// Every translation with all of these words (the last a prefix), up to [`FULL_TEXT_MAX`], as the
    /// full-text index finds them.
    FullText(&'a [&'a str]),
}

/// Ranks the candidates by Σ idf × weight and returns the best `limit` published ones the reader sees that
/// match at least `min_words` of the words.
async fn rank(
    conn: &mut Conn,
    backend: Backend,
    locale: &str,
    found: &Found,
    candidates: &Candidates<'_>,
    min_words: i64,
    limit: i64,
) -> DbResult<Vec<RankedRow>> {
    let mut weights = Vec::new();
    let mut branches = Vec::new();
    for (w, word) in found.words.iter().enumerate() {
        for (t, (term, _)) in word.terms.iter().enumerate() {
            weights.push((term.as_str(), word.position, word.idf(found.total)));
            if let Candidates::Champions(limits) = candidates {
                branches.push((term.as_str(), limits[w][t]));
            }
        }
    }
    let values: Vec<String> = (0..weights.len()).map(|i| format!("($t{i}, CAST($q{i} AS BIGINT), $i{i})")).collect();
    let (candidate_sql, full_text) = match (candidates, backend) {
        (Candidates::Champions(_), _) => {
            let lists: Vec<String> = (0..branches.len())
                .map(|i| {
                    format!(
                        "SELECT translation_id FROM (SELECT translation_id FROM kb_search_terms WHERE term = $c{i} \
                         ORDER BY weight DESC LIMIT $l{i}) c{i}"
                    )
                })
                .collect();
            (lists.join(" UNION "), Vec::new())
        }
        (Candidates::FullText(terms), Backend::Sqlite) => (
            "SELECT rowid FROM kb_search WHERE kb_search MATCH $x LIMIT $y".to_owned(),
            vec![fts5_query(terms, Combine::All)],
        ),
        // English text is searched with the english configuration; other locales (seen only by their
        // readers) with simple, in an arm of its own so that each can use the GIN index.
        (Candidates::FullText(terms), Backend::Postgres) if locale == "en" => (
            "SELECT id FROM kb_translations WHERE locale = 'en' AND search_document @@ to_tsquery('english', $x) \
             LIMIT $y"
                .to_owned(),
            vec![tsquery(terms, Combine::All)],
        ),
        (Candidates::FullText(terms), Backend::Postgres) => (
            "SELECT id FROM (SELECT id FROM kb_translations WHERE locale = 'en' \
             AND search_document @@ to_tsquery('english', $x0) UNION ALL SELECT id FROM kb_translations \
             WHERE locale <> 'en' AND search_document @@ to_tsquery('simple', $x1)) f LIMIT $y"
                .to_owned(),
            vec![tsquery(terms, Combine::All); 2],
        ),
    };
    // Each (candidate, term) weight is one primary-key lookup. SQLite's planner does that for a join; on
    // PostgreSQL it is a subquery of a materialized pair list, so that no plan turns it into a scan of every
    // posting of a common term. Visibility is checked for the best few candidates only.
    let scored = match backend {
        Backend::Sqlite => {
            "scored AS (SELECT c.id, SUM(q.idf * p.weight) AS score FROM cand c CROSS JOIN q \
             JOIN kb_search_terms p ON p.translation_id = c.id AND p.term = q.term GROUP BY c.id \
             HAVING COUNT(DISTINCT q.position) >= $m ORDER BY SUM(q.idf * p.weight) DESC, c.id LIMIT $o)"
        }
        Backend::Postgres => {
            "pairs AS MATERIALIZED (SELECT c.id, q.position, q.idf * (SELECT p.weight FROM kb_search_terms p \
             WHERE p.translation_id = c.id AND p.term = q.term) AS score FROM cand c CROSS JOIN q), \
             scored AS (SELECT id, SUM(score) AS score FROM pairs WHERE score IS NOT NULL GROUP BY id \
             HAVING COUNT(DISTINCT position) >= $m ORDER BY SUM(score) DESC, id LIMIT $o)"
        }
    };
    let sql = number_placeholders(&format!(
        "WITH q(term, position, idf) AS (VALUES {}), \
         cand(id) AS ({}), {scored} \
         SELECT a.id AS article_id, a.slug, t.locale, t.title, t.body_text \
         FROM scored s JOIN kb_translations t ON t.id = s.id JOIN kb_articles a ON a.id = t.article_id \
         WHERE a.status = 'published' AND {READER_SEES} \
         ORDER BY s.score DESC, a.id LIMIT $n",
        values.join(", "),
        candidate_sql
    ));
    let mut query = sqlx::query_as::<_, RankedRow>(&sql).bind(locale);
    for (term, position, idf) in &weights {
        query = query.bind(*term).bind(*position).bind(*idf);
    }
    for (term, limit) in &branches {
        query = query.bind(*term).bind(*limit);
    }
    for text in &full_text {
        query = query.bind(text.clone());
    }
    // The best few champions are checked for visibility; every full-text match is, as the full-text pass is
    // the one that must not miss any.
    let checked = match candidates {
        Candidates::Champions(_) => limit * 3 + 20,
        Candidates::FullText(_) => {
            query = query.bind(FULL_TEXT_MAX);
            FULL_TEXT_MAX
        }
    };
    query.bind(min_words).bind(checked).bind(limit).fetch_all(conn).await
}

/// Titles with every hit marked and snippets around the hits, for the ranked rows only.
fn highlight(terms: &[&str], words: &[Word], rows: Vec<RankedRow>) -> Vec<SearchRow> {
    let mut needles: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    needles.extend(words.iter().flat_map(|w| w.terms.iter().map(|(term, _)| term.clone())));
    rows.into_iter()
        .map(|r| SearchRow {
            title: kb_highlight::highlight(&r.title, &needles),
            snippet: kb_highlight::snippet(&r.body_text, &needles, kb_highlight::SNIPPET_WORDS),
            slug: r.slug,
            locale: r.locale,
        })
        .collect()
}

/// Numbers the named placeholders (`$x0`, `$y0`, … in order of appearance; `$1` stays `$1`) as `$1`, `$2`,
/// …: the queries here are built for a varying number of words, and binding follows the same order.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut next = if sql.contains("$1") { 2 } else { 1 };
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|n| n.is_ascii_lowercase()) {
            chars.next();
            while chars.peek().is_some_and(|n| n.is_ascii_digit()) {
                chars.next();
            }
            out.push_str(&format!("${next}"));
            next += 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// An FTS5 query from sanitized words, each quoted. `All`: every word required, the last one a prefix;
/// `Any`: any word may match, every one a prefix.
pub fn fts5_query(terms: &[&str], combine: Combine) -> String {
    let last = terms.len().saturating_sub(1);
    let words: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let quoted = format!("\"{}\"", t.replace('"', ""));
            if i == last || combine == Combine::Any {
                quoted + "*"
            } else {
                quoted
            }
        })
        .collect();
    words.join(if combine == Combine::All { " " } else { " OR " })
}

/// A `to_tsquery` text from sanitized words, each quoted, combined as [`fts5_query`] does.
pub fn tsquery(terms: &[&str], combine: Combine) -> String {
    let last = terms.len().saturating_sub(1);
    let words: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let quoted = format!("'{}'", t.replace(['\'', '\\'], ""));
            if i == last || combine == Combine::Any {
                quoted + ":*"
            } else {
                quoted
            }
        })
        .collect();
    words.join(if combine == Combine::All { " & " } else { " | " })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_queries_quote_every_word_and_prefix_the_last() {
        assert_eq!(fts5_query(&["bleed", "radiat"], Combine::All), "\"bleed\" \"radiat\"*");
        assert_eq!(tsquery(&["bleed", "radiat"], Combine::All), "'bleed' & 'radiat':*");
        assert_eq!(fts5_query(&["a\"b"], Combine::All), "\"ab\"*");
        assert_eq!(tsquery(&["a'b\\"], Combine::All), "'ab':*");
        assert_eq!(fts5_query(&["sink", "leak"], Combine::Any), "\"sink\"* OR \"leak\"*");
        assert_eq!(tsquery(&["sink", "leak"], Combine::Any), "'sink':* | 'leak':*");
    }

    #[test]
    fn placeholders_are_numbered_in_order_after_the_first() {
        assert_eq!(number_placeholders("a = $1 AND b IN ($r0, $r1) AND c = $x"), "a = $1 AND b IN ($2, $3) AND c = $4");
        assert_eq!(number_placeholders("VALUES ($p0, $s0), ($p1, $s1)"), "VALUES ($1, $2), ($3, $4)");
    }

    fn word(position: i64, docs: &[i64]) -> Word {
        Word { position, terms: docs.iter().map(|d| (format!("t{d}"), *d)).collect() }
    }

    #[test]
    fn suggestions_use_the_summary_and_the_rarest_words() {
        let docs = [500, 0, 20, 5, 9, 7, 30, 8];
        let words = docs.iter().enumerate().map(|(i, d)| word(i as i64, if *d > 0 { &docs[i..=i] } else { &[] }));
        let kept: Vec<i64> = telling_words(words.collect(), 2).iter().map(|w| w.position).collect();
        assert_eq!(kept, vec![0, 3, 5, 7, 4, 2], "the summary's word (not the unknown one), then the rarest");
    }

    #[test]
    fn rarer_words_get_longer_champion_lists_and_every_list_a_minimum() {
        let found = Found { words: vec![word(0, &[9_000]), word(1, &[40]), word(2, &[300, 100])], total: 10_000 };
        let limits = champion_limits(&found, CANDIDATES, CHAMPION_MIN);
        assert_eq!(limits[0], vec![CHAMPION_MIN], "a word in nearly every article decides little");
        assert!(limits[1][0] > limits[2][0], "{limits:?}");
        assert_eq!(limits[2].len(), 2, "one limit per completion");
        let total: i64 = limits.iter().flatten().sum();
        assert!(total <= CANDIDATES + 4 * CHAMPION_MIN, "{limits:?}");
        assert!(found.words[0].idf(10_000) > 0.0, "never negative");
    }
}
