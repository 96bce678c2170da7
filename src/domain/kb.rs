//! The knowledge base's rules: article slugs, the editorial workflow, search-query normalization, the limits the
//! server checks and the forms announce, and the split of a highlighted snippet into plain and marked text.
use serde::{Deserialize, Serialize};

use super::FieldError;

/// Longest slug (articles and categories).
pub const SLUG_MAX: usize = 80;
/// Longest search query the box accepts; longer input is cut, not refused (it comes from a shareable URL).
pub const QUERY_MAX: usize = 100;
/// At most this many words of a query are searched for.
pub const QUERY_WORDS_MAX: usize = 8;
/// A word longer than this is cut (nobody searches for 40-letter words; it bounds the index lookups).
pub const WORD_MAX: usize = 40;
/// Longest "what was missing?" comment on a vote.
pub const COMMENT_MAX: usize = 1000;
/// Longest article title.
pub const TITLE_MAX: usize = 200;
/// Longest article body (Markdown source).
pub const BODY_MAX: usize = 50_000;
/// An article gets a table of contents from this many headings on.
pub const TOC_MIN_HEADINGS: usize = 3;

/// Start and end of a search hit inside a snippet, as the database marks them. Private-use characters: they
/// never come from the query, and [`SearchQuery`] and the article text written to the index drop them.
pub const HIT_START: char = '\u{E000}';
pub const HIT_END: char = '\u{E001}';

/// A URL-safe name: lowercase ASCII letters and digits in dash-separated groups, e.g. `boiler-pressure-low`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        if raw.len() > SLUG_MAX {
            return Err(FieldError::TooLong { max: SLUG_MAX });
        }
        let valid = raw
            .split('-')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::InvalidSlug)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an article is in the editorial workflow. Readers only ever see `Published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArticleStatus {
    Draft,
    InReview,
    Published,
    Archived,
}

impl ArticleStatus {
    pub const ALL: [ArticleStatus; 4] =
        [ArticleStatus::Draft, ArticleStatus::InReview, ArticleStatus::Published, ArticleStatus::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::InReview => "in_review",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The workflow: draft → in review → published → archived; a review can send it back to draft, and an
    /// archived or published article can be reworked as a draft. Staying put (a save) is always allowed.
    pub fn can_become(self, next: ArticleStatus) -> bool {
        use ArticleStatus::*;
        self == next
            || matches!(
                (self, next),
                (Draft, InReview)
                    | (InReview, Draft)
                    | (InReview, Published)
                    | (Published, Archived)
                    | (Published, Draft)
                    | (Archived, Draft)
            )
    }
}

/// Why the workflow refused a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkflowRefusal {
    /// Not a step of the workflow (publishing a draft without review, say).
    NotAllowed,
    /// Review is required, and an editor cannot approve their own article.
    OwnArticle,
    /// Sending an article back from review needs a comment saying why.
    CommentRequired,
}

/// Whether `actor_is_author` may move an article from `from` to `to`. With `require_review` on, publishing
/// needs an editor other than the article's author. Sending a reviewed article back to draft needs a
/// comment. Staying put is a save, not a status change, so it is refused here.
pub fn check_transition(
    from: ArticleStatus,
    to: ArticleStatus,
    require_review: bool,
    actor_is_author: bool,
    has_comment: bool,
) -> Result<(), WorkflowRefusal> {
    if from == to || !from.can_become(to) {
        return Err(WorkflowRefusal::NotAllowed);
    }
    if to == ArticleStatus::Published && require_review && actor_is_author {
        return Err(WorkflowRefusal::OwnArticle);
    }
    if from == ArticleStatus::InReview && to == ArticleStatus::Draft && !has_comment {
        return Err(WorkflowRefusal::CommentRequired);
    }
    Ok(())
}

/// The status changes an editor is offered from `from` (the server checks each again).
pub fn next_statuses(from: ArticleStatus) -> Vec<ArticleStatus> {
    ArticleStatus::ALL.into_iter().filter(|to| *to != from && from.can_become(*to)).collect()
}

/// Whether saving an article's text waits as a change instead of replacing what readers see: only a published
/// article's does (drafts, articles in review and archived ones are not public).
pub fn edits_wait(status: ArticleStatus) -> bool {
    status == ArticleStatus::Published
}

/// The steps a waiting change of a published article can take from `step` (draft or in review): to review,
/// back to draft, or published. The same rules as an article's own workflow apply (`check_transition`).
pub fn next_change_steps(step: ArticleStatus) -> Vec<ArticleStatus> {
    next_statuses(step)
        .into_iter()
        .filter(|to| matches!(to, ArticleStatus::InReview | ArticleStatus::Published | ArticleStatus::Draft))
        .collect()
}

/// Common words dropped from the words that must match (they are in almost every article, or in none when the
/// index does not keep them). A query made only of such words keeps them.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "can", "do", "does", "for", "how", "i", "in", "is", "it", "my", "of", "on", "or", "the",
    "to", "what", "when", "why", "with", "you", "your", "jak", "czy", "w", "z", "na", "się", "nie", "mój", "moja",
    "moje", "co", "o",
];

/// A search query reduced to the words that are searched for: lowercased, letters and digits only (everything
/// else separates words), at most [`QUERY_WORDS_MAX`] words of at most [`WORD_MAX`] characters. Nothing of
/// the user's own query syntax survives, so the backends' query builders can quote the words safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// `None` when nothing searchable is left.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw: String = raw.chars().take(QUERY_MAX).collect();
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric() || c == HIT_START || c == HIT_END)
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase().chars().take(WORD_MAX).collect())
            .take(QUERY_WORDS_MAX)
            .collect();
        (!words.is_empty()).then_some(Self { words })
    }

    /// The words joined by single spaces: how the query is logged and shown.
    pub fn normalized(&self) -> String {
        self.words.join(" ")
    }

    /// The words that must match: without common words, unless that leaves none. The last word typed is
    /// searched as a prefix (the reader may not have finished it).
    pub fn terms(&self) -> Vec<&str> {
        let meaningful: Vec<&str> = self.words.iter().map(String::as_str).filter(|w| !STOP_WORDS.contains(w)).collect();
        if meaningful.is_empty() {
            self.words.iter().map(String::as_str).collect()
        } else {
            meaningful
        }
    }
}

/// Suggestions on the request form: at most this many articles…
pub const SUGGESTIONS_MAX: usize = 3;
/// …once the summary and description hold this many characters between them…
pub const SUGGEST_MIN_CHARS: usize = 3;
/// …asked for this long after the last key (milliseconds).
pub const SUGGEST_DEBOUNCE_MS: u64 = 300;
/// At most this many distinct words of what was typed are looked up.
pub const SUGGEST_WORDS_MAX: usize = 12;
/// Of each field, only this many characters are read (a description can be long; its start says enough).
const SUGGEST_FIELD_CHARS: usize = 1000;
/// Words shorter than this are not looked up: as prefixes they would match almost every article.
const SUGGEST_WORD_MIN: usize = 3;

/// What the customer typed on the request form, reduced to the words to suggest articles for: the summary's
/// words, then the description's, lowercased, letters and digits only, without common words and short ones,
/// each once. Unlike [`SearchQuery`] no word is required: an article matching any of them may be suggested
/// (the best matching first), and every word matches as a prefix, because the customer is still typing and
/// writes "leaking" where the article says "leak".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestQuery {
    words: Vec<String>,
}

impl SuggestQuery {
    /// `None` when fewer than [`SUGGEST_MIN_CHARS`] characters were typed or no word is left to look up.
    pub fn parse(summary: &str, description: &str) -> Option<Self> {
        let typed = summary.trim().chars().count() + description.trim().chars().count();
        if typed < SUGGEST_MIN_CHARS {
            return None;
        }
        let mut words: Vec<String> = Vec::new();
        for field in [summary, description] {
            let field: String = field.chars().take(SUGGEST_FIELD_CHARS).collect();
            for word in field.split(|c: char| !c.is_alphanumeric() || c == HIT_START || c == HIT_END) {
                let word: String = word.to_lowercase().chars().take(WORD_MAX).collect();
                if word.chars().count() < SUGGEST_WORD_MIN || STOP_WORDS.contains(&word.as_str()) {
                    continue;
                }
                if !words.contains(&word) && words.len() < SUGGEST_WORDS_MAX {
                    words.push(word);
                }
            }
        }
        (!words.is_empty()).then_some(Self { words })
    }

    pub fn terms(&self) -> Vec<&str> {
        self.words.iter().map(String::as_str).collect()
    }
}

/// How the words of a query combine: all must match (the search page; the last word is a prefix), or any
/// may (suggestions; every word is a prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    All,
    Any,
}

/// A request-form session that was shown suggestions and neither led to a request nor did anything else for
/// this long (minutes) counts as deflected: the visitor found an answer, or gave up.
pub const DEFLECTION_IDLE_MINUTES: i64 = 30;

/// "Published articles not updated in N months": the default N, and the range an editor may set (a month
/// counts as 30 days).
pub const STALE_MONTHS_DEFAULT: i64 = 6;
pub const STALE_MONTHS_MIN: i64 = 1;
pub const STALE_MONTHS_MAX: i64 = 60;

/// The stale-article threshold as an editor typed it.
pub fn parse_stale_months(raw: &str) -> Result<i64, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::Required);
    }
    match raw.parse::<i64>() {
        Ok(n) if (STALE_MONTHS_MIN..=STALE_MONTHS_MAX).contains(&n) => Ok(n),
        _ => Err(FieldError::OutOfRange { min: STALE_MONTHS_MIN, max: STALE_MONTHS_MAX }),
    }
}

/// A piece of a highlighted snippet: text, and whether it is a search hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// Splits a snippet whose hits the database wrapped in [`HIT_START`]/[`HIT_END`] into fragments. The page
/// renders each as text (escaped) inside `<mark>` or not, so nothing in the snippet can become markup; an
/// unbalanced or stray marker only ends or starts a hit, never breaks the page.
pub fn split_hits(snippet: &str) -> Vec<Fragment> {
    let mut fragments = Vec::new();
    let mut current = String::new();
    let mut hit = false;
    for c in snippet.chars() {
        let switch_to = match c {
            HIT_START => Some(true),
            HIT_END => Some(false),
            _ => None,
        };
        match switch_to {
            Some(next) => {
                if next != hit {
                    if !current.is_empty() {
                        fragments.push(Fragment { text: std::mem::take(&mut current), hit });
                    }
                    hit = next;
                }
            }
            None => current.push(c),
        }
    }
    if !current.is_empty() {
        fragments.push(Fragment { text: current, hit });
    }
    fragments
}

/// Removes the hit markers from text going into the search index, so an article cannot fake a highlight.
pub fn strip_markers(text: &str) -> String {
    text.chars().filter(|c| *c != HIT_START && *c != HIT_END).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_dash_separated_groups() {
        assert_eq!(Slug::parse(" boiler-pressure-low ").unwrap().as_str(), "boiler-pressure-low");
        assert_eq!(Slug::parse("e119").unwrap().as_str(), "e119");
        assert_eq!(Slug::parse(""), Err(FieldError::Required));
        for bad in ["Boiler", "a--b", "-a", "a-", "a b", "a/b", "żółw", "../etc"] {
            assert_eq!(Slug::parse(bad), Err(FieldError::InvalidSlug), "{bad:?}");
        }
        assert_eq!(Slug::parse(&"a".repeat(SLUG_MAX + 1)), Err(FieldError::TooLong { max: SLUG_MAX }));
    }

    #[test]
    fn statuses_round_trip_and_follow_the_workflow() {
        for s in ArticleStatus::ALL {
            assert_eq!(ArticleStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ArticleStatus::parse("deleted"), None);
        use ArticleStatus::*;
        assert!(Draft.can_become(InReview));
        assert!(InReview.can_become(Published));
        assert!(Published.can_become(Archived));
        assert!(!Draft.can_become(Published), "publishing goes through review");
        assert!(!Archived.can_become(Published));
    }

    #[test]
    fn review_keeps_authors_from_publishing_their_own_articles() {
        use ArticleStatus::*;
        assert_eq!(check_transition(InReview, Published, true, true, false), Err(WorkflowRefusal::OwnArticle));
        assert_eq!(check_transition(InReview, Published, true, false, false), Ok(()));
        assert_eq!(check_transition(InReview, Published, false, true, false), Ok(()));
        assert_eq!(check_transition(Draft, Published, false, false, false), Err(WorkflowRefusal::NotAllowed));
        assert_eq!(check_transition(Draft, Draft, false, false, false), Err(WorkflowRefusal::NotAllowed));
        assert_eq!(check_transition(InReview, Draft, true, false, false), Err(WorkflowRefusal::CommentRequired));
        assert_eq!(check_transition(InReview, Draft, true, false, true), Ok(()));
        assert_eq!(next_statuses(Published), vec![Draft, Archived]);
    }

    #[test]
    fn only_published_articles_keep_edits_waiting() {
        use ArticleStatus::*;
        assert!(edits_wait(Published));
        assert!(!edits_wait(Draft) && !edits_wait(InReview) && !edits_wait(Archived));
        assert_eq!(next_change_steps(Draft), vec![InReview]);
        assert_eq!(next_change_steps(InReview), vec![Draft, Published]);
    }

    #[test]
    fn queries_keep_only_words() {
        let q = SearchQuery::parse("  Boiler  PRESSURE\"* OR ( NEAR/3 -drop:* & !x ").unwrap();
        assert_eq!(q.normalized(), "boiler pressure or near 3 drop x");
        assert_eq!(SearchQuery::parse("<script>alert(1)</script>").unwrap().normalized(), "script alert 1 script");
        assert_eq!(SearchQuery::parse("  *** \"\" "), None);
        assert_eq!(SearchQuery::parse("Łazienka ciepła").unwrap().normalized(), "łazienka ciepła");
        assert_eq!(SearchQuery::parse(&format!("a{HIT_START}b")).unwrap().normalized(), "a b");
    }

    #[test]
    fn queries_are_bounded() {
        let long = "word ".repeat(50);
        assert_eq!(SearchQuery::parse(&long).unwrap().terms().len(), QUERY_WORDS_MAX);
        let huge = "x".repeat(500);
        assert_eq!(SearchQuery::parse(&huge).unwrap().normalized().len(), WORD_MAX);
    }

    #[test]
    fn common_words_are_dropped_unless_nothing_is_left() {
        assert_eq!(SearchQuery::parse("How do I bleed a radiator").unwrap().terms(), vec!["bleed", "radiator"]);
        assert_eq!(SearchQuery::parse("how to").unwrap().terms(), vec!["how", "to"]);
    }

    #[test]
    fn suggestions_look_up_meaningful_words_of_both_fields() {
        let q = SuggestQuery::parse("Kitchen sink is leaking", "The sink leaks under the trap; it is wet.").unwrap();
        assert_eq!(q.terms(), vec!["kitchen", "sink", "leaking", "leaks", "under", "trap", "wet"]);
        assert_eq!(SuggestQuery::parse("ab", ""), None, "fewer than 3 characters");
        assert_eq!(SuggestQuery::parse("is it", "to a"), None, "only common and short words");
        assert_eq!(SuggestQuery::parse("", "boiler").unwrap().terms(), vec!["boiler"]);
        let many = (0..40).map(|i| format!("word{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(SuggestQuery::parse(&many, &many).unwrap().terms().len(), SUGGEST_WORDS_MAX);
        assert_eq!(SuggestQuery::parse("\"OR* NEAR(x", "").unwrap().terms(), vec!["near"], "no query syntax");
    }

    #[test]
    fn the_stale_threshold_is_a_bounded_number_of_months() {
        assert_eq!(parse_stale_months(" 6 "), Ok(6));
        assert_eq!(parse_stale_months(""), Err(FieldError::Required));
        for bad in ["0", "61", "six", "-1", "1.5"] {
            assert_eq!(parse_stale_months(bad), Err(FieldError::OutOfRange { min: 1, max: 60 }), "{bad}");
        }
    }

    #[test]
    fn snippets_split_into_hits_and_text() {
        let s = format!("the {HIT_START}boiler{HIT_END} <b>pressure</b>");
        assert_eq!(
            split_hits(&s),
            vec![
                Fragment { text: "the ".into(), hit: false },
                Fragment { text: "boiler".into(), hit: true },
                Fragment { text: " <b>pressure</b>".into(), hit: false },
            ]
        );
        // Stray and doubled markers cannot unbalance anything.
        let odd = format!("{HIT_END}a{HIT_START}{HIT_START}b");
        assert_eq!(
            split_hits(&odd),
            vec![Fragment { text: "a".into(), hit: false }, Fragment { text: "b".into(), hit: true }]
        );
        assert_eq!(strip_markers(&odd), "ab");
    }
}
