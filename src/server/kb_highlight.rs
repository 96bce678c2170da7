//! Marking search hits in a result's title and cutting a snippet around them, for the rows a search returns.
//!
//! The database's highlighters (FTS5's `highlight()`/`snippet()`, PostgreSQL's `ts_headline`) re-run the query
//! over each row and cost more than the ranked search itself; here a word is a hit when it starts with one of
//! the search's needles: the words as typed and the index terms they matched (stems such as `radiat`, and a
//! prefix's completions). Hits are wrapped in [`HIT_START`]/[`HIT_END`], as the database marked them, and
//! the page renders them as escaped text inside `<mark>` (see [`crate::domain::kb::split_hits`]).
use crate::domain::kb::{HIT_END, HIT_START};

/// Words of a snippet (as SQLite's snippet had them).
pub const SNIPPET_WORDS: usize = 24;
/// Needles shorter than this must match a whole word: as prefixes they would mark almost every word.
const PREFIX_MIN: usize = 3;

/// The words of a text as `(start, end)` byte ranges: runs of letters and digits, as the indexes split text.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

/// Whether `word` is a hit for one of the (lowercase) `needles`.
fn is_hit(word: &str, needles: &[String]) -> bool {
    let word = word.to_lowercase();
    needles.iter().any(|n| if n.chars().count() < PREFIX_MIN { word == *n } else { word.starts_with(n.as_str()) })
}

/// `text[from..to]` with its hits marked.
fn marked(text: &str, words: &[(usize, usize)], hits: &[bool], from: usize, to: usize) -> String {
    let mut out = String::with_capacity(to - from + 8);
    let mut at = from;
    for (&(start, end), _) in words.iter().zip(hits).filter(|(w, hit)| **hit && w.0 >= from && w.1 <= to) {
        out.push_str(&text[at..start]);
        out.push(HIT_START);
        out.push_str(&text[start..end]);
        out.push(HIT_END);
        at = end;
    }
    out.push_str(&text[at..to]);
    out
}

/// The whole text with every hit marked (for titles).
pub fn highlight(text: &str, needles: &[String]) -> String {
    let words = words(text);
    let hits: Vec<bool> = words.iter().map(|&(s, e)| is_hit(&text[s..e], needles)).collect();
    marked(text, &words, &hits, 0, text.len())
}

/// About `size` words of the text around its hits, hits marked, with `…` where the text was cut: the
/// stretch with the most hits, the earliest of equals (the start of the text when nothing hits).
pub fn snippet(text: &str, needles: &[String], size: usize) -> String {
    let words = words(text);
    if words.is_empty() {
        return String::new();
    }
    let hits: Vec<bool> = words.iter().map(|&(s, e)| is_hit(&text[s..e], needles)).collect();
    let size = size.clamp(1, words.len());
    let mut count = hits[..size].iter().filter(|h| **h).count();
    let (mut best, mut best_count) = (0, count);
    for first in 1..=words.len() - size {
        count = count + usize::from(hits[first + size - 1]) - usize::from(hits[first - 1]);
        if count > best_count {
            (best, best_count) = (first, count);
        }
    }
    let from = if best == 0 { 0 } else { words[best].0 };
    let last = best + size - 1;
    let to = if last + 1 == words.len() { text.len() } else { words[last].1 };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(marked(text, &words, &hits, from, to).trim());
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kb::split_hits;

    fn needles(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    fn hits(marked: &str) -> Vec<String> {
        split_hits(marked).into_iter().filter(|f| f.hit).map(|f| f.text).collect()
    }

    #[test]
    fn words_that_start_with_a_needle_are_marked_whatever_their_case() {
        let title = highlight("Bleeding a Radiator (radiators)", &needles(&["radiat"]));
        assert_eq!(hits(&title), vec!["Radiator", "radiators"]);
        assert_eq!(title.replace([HIT_START, HIT_END], ""), "Bleeding a Radiator (radiators)");
        // Short needles match whole words only; nothing is marked twice.
        assert_eq!(hits(&highlight("a cat ate an apple", &needles(&["a", "cat", "ca"]))), vec!["a", "cat"]);
        assert_eq!(hits(&highlight("Zimny grzejnik", &needles(&["grzejnik"]))), vec!["grzejnik"]);
    }

    #[test]
    fn a_snippet_is_the_stretch_with_the_most_hits() {
        let text = "one two three four five six seven valve eight nine valve ten eleven twelve.";
        let cut = snippet(text, &needles(&["valv"]), 4);
        assert_eq!(cut, format!("…{HIT_START}valve{HIT_END} eight nine {HIT_START}valve{HIT_END}…"));
        // No hit: the start of the text; a short text whole, without ellipses.
        assert_eq!(snippet(text, &needles(&["pump"]), 3), "one two three…");
        assert_eq!(snippet("Open the valve.", &needles(&["valv"]), 24), format!("Open the {HIT_START}valve{HIT_END}."));
        assert_eq!(snippet("", &needles(&["valv"]), 24), "");
    }

    #[test]
    fn markup_in_the_text_stays_text() {
        let cut = snippet("<b>valve</b> & <script>", &needles(&["valve"]), 24);
        let fragments = split_hits(&cut);
        assert_eq!(fragments.iter().map(|f| f.text.as_str()).collect::<String>(), "<b>valve</b> & <script>");
        assert_eq!(hits(&cut), vec!["valve"]);
    }
}
