//! Feedback about a job (PRODUCT.md, "Feedback loop"): the kinds of survey, what an answer to each is, and
//! when an answer may become a public testimonial.
use serde::{Deserialize, Serialize};

use super::error::{FieldError, FieldErrors};
use super::request::text;

/// How long a survey link answers, and its answer may be changed: 30 days.
pub const SURVEY_DAYS: i64 = 30;
pub const COMMENT_MAX: usize = 1000;
pub const NAME_MAX: usize = 60;
pub const TOWN_MAX: usize = 80;

/// The surveys a customer gets about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SurveyKind {
    /// Satisfaction on completion, 1 to 5, with an optional comment.
    Csat,
    /// "Did the fix hold?" some days after completion: yes (1) or no (0).
    FixHeld,
    /// Net promoter score, 0 to 10, and why.
    Nps,
    /// About 90 days later, one open question: what is remembered of the job.
    Salience,
}

impl SurveyKind {
    pub const ALL: [SurveyKind; 4] = [SurveyKind::Csat, SurveyKind::FixHeld, SurveyKind::Nps, SurveyKind::Salience];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::Csat => "csat",
            SurveyKind::FixHeld => "fix_held",
            SurveyKind::Nps => "nps",
            SurveyKind::Salience => "salience",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        SurveyKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The scores the survey takes, if it takes one.
    pub fn scale(self) -> Option<(i64, i64)> {
        match self {
            SurveyKind::Csat => Some((1, 5)),
            SurveyKind::FixHeld => Some((0, 1)),
            SurveyKind::Nps => Some((0, 10)),
            SurveyKind::Salience => None,
        }
    }

    /// Whether a score is praise that may be quoted (with the customer's consent and a comment).
    pub fn is_positive(self, score: i64) -> bool {
        match self {
            SurveyKind::Csat => score >= 4,
            SurveyKind::Nps => score >= 9,
            SurveyKind::FixHeld | SurveyKind::Salience => false,
        }
    }
}

/// An answer as posted (every field as typed; the form works without JavaScript).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerInput {
    pub score: Option<String>,
    pub comment: Option<String>,
    /// The "you may quote me" box.
    pub quote: bool,
    pub first_name: Option<String>,
    pub town: Option<String>,
}

/// Who is quoted in a testimonial: first name and town only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub first_name: String,
    pub town: String,
}

/// A valid answer to one survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub score: Option<i64>,
    pub comment: Option<String>,
    /// Present when the customer allowed quoting a positive comment.
    pub quote: Option<Quote>,
}

impl Answer {
    /// A "no" to "did the fix hold?": the job needs another visit.
    pub fn fix_failed(&self, kind: SurveyKind) -> bool {
        kind == SurveyKind::FixHeld && self.score == Some(0)
    }
}

fn optional(raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(v, 1, max, true).map(Some),
    }
}

impl AnswerInput {
    /// Checks the answer for `kind`. Every problem is reported beside its field; what was typed is kept.
    pub fn parse(&self, kind: SurveyKind) -> Result<Answer, FieldErrors> {
        let mut errors = FieldErrors::new();
        let score = match kind.scale() {
            None => None,
            Some((min, max)) => {
                let raw = self.score.as_deref().map(str::trim).unwrap_or_default();
                let parsed = if raw.is_empty() {
                    Err(FieldError::Required)
                } else {
                    raw.parse::<i64>()
                        .ok()
                        .filter(|s| (min..=max).contains(s))
                        .ok_or(FieldError::OutOfRange { min, max })
                };
                errors.check("score", parsed)
            }
        };
        let comment = if kind == SurveyKind::Salience {
            errors.check("comment", text(self.comment.as_deref().unwrap_or_default(), 1, COMMENT_MAX, true)).map(Some)
        } else {
            errors.check("comment", optional(self.comment.as_deref(), COMMENT_MAX))
        };
        let quote = if self.quote {
            let praise = score.is_some_and(|s| kind.is_positive(s)) && matches!(comment, Some(Some(_)));
            if !praise && !errors.0.iter().any(|(f, _)| f == "score" || f == "comment") {
                errors.add("quote", FieldError::QuoteNotPositive);
            }
            let first_name =
                errors.check("first_name", text(self.first_name.as_deref().unwrap_or_default(), 1, NAME_MAX, false));
            let town = errors.check("town", text(self.town.as_deref().unwrap_or_default(), 1, TOWN_MAX, false));
            first_name.zip(town).map(|(first_name, town)| Quote { first_name, town })
        } else {
            None
        };
        if !errors.is_empty() {
            for (field, value) in [("comment", &self.comment), ("first_name", &self.first_name), ("town", &self.town)] {
                if let Some(value) = value {
                    errors.keep(field, value);
                }
            }
            if let Some(score) = &self.score {
                errors.keep("score", score);
            }
            return Err(errors);
        }
        Ok(Answer { score, comment: comment.flatten(), quote })
    }
}

/// When the later surveys go out (admin settings): "did the fix hold?" and the salience survey, in days
/// after completion, and the period within which a customer is asked NPS at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyTiming {
    pub fix_held_days: i64,
    pub salience_days: i64,
    pub nps_period_days: i64,
}

impl Default for SurveyTiming {
    fn default() -> Self {
        SurveyTiming { fix_held_days: 7, salience_days: 90, nps_period_days: 90 }
    }
}

impl SurveyTiming {
    pub const FIX_HELD: (i64, i64) = (1, 60);
    pub const SALIENCE: (i64, i64) = (14, 365);
    pub const NPS_PERIOD: (i64, i64) = (1, 730);

    /// Parses the admin form; each number must lie in its range.
    pub fn parse(fix_held: &str, salience: &str, nps_period: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut days = |field: &str, raw: &str, (min, max): (i64, i64)| {
            let parsed = raw.trim().parse::<i64>().ok().filter(|d| (min..=max).contains(d));
            if parsed.is_none() {
                errors.add(field, FieldError::OutOfRange { min, max });
                errors.keep(field, raw);
            }
            parsed.unwrap_or_default()
        };
        let timing = SurveyTiming {
            fix_held_days: days("fix_held_days", fix_held, Self::FIX_HELD),
            salience_days: days("salience_days", salience, Self::SALIENCE),
            nps_period_days: days("nps_period_days", nps_period, Self::NPS_PERIOD),
        };
        if errors.is_empty() {
            Ok(timing)
        } else {
            Err(errors)
        }
    }
}

/// A survey as its page shows it: the question, the job it is about, and the answer so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyView {
    pub kind: SurveyKind,
    pub reference: String,
    pub summary: String,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<i64>,
    /// Past its 30 days: shown, but no longer answerable.
    pub expired: bool,
    /// The quote offered with the answer, and where its moderation stands.
    pub quote: Option<Quote>,
    pub moderation: Option<Moderation>,
}

/// Testimonials wait for an editor: pending, then approved (shown on the home page) or rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Moderation {
    Pending,
    Approved,
    Rejected,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Pending => "pending",
            Moderation::Approved => "approved",
            Moderation::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Moderation::Pending, Moderation::Approved, Moderation::Rejected].into_iter().find(|m| m.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(score: &str, comment: &str) -> AnswerInput {
        AnswerInput { score: Some(score.into()), comment: Some(comment.into()), ..Default::default() }
    }

    #[test]
    fn scores_stay_on_their_scale() {
        assert_eq!(input("5", "").parse(SurveyKind::Csat).unwrap().score, Some(5));
        assert_eq!(input("1", "").parse(SurveyKind::Csat).unwrap().score, Some(1));
        for bad in ["0", "6", "x", "4.5"] {
            let errors = input(bad, "").parse(SurveyKind::Csat).unwrap_err();
            assert_eq!(errors.get("score"), Some(&FieldError::OutOfRange { min: 1, max: 5 }), "{bad}");
            assert_eq!(errors.value("score"), Some(bad));
        }
        assert_eq!(input("", "").parse(SurveyKind::Csat).unwrap_err().get("score"), Some(&FieldError::Required));
        assert_eq!(input("0", "").parse(SurveyKind::Nps).unwrap().score, Some(0));
        assert_eq!(input("10", "").parse(SurveyKind::Nps).unwrap().score, Some(10));
        assert!(input("11", "").parse(SurveyKind::Nps).is_err());
        assert!(input("0", "").parse(SurveyKind::FixHeld).unwrap().fix_failed(SurveyKind::FixHeld));
        assert!(!input("1", "").parse(SurveyKind::FixHeld).unwrap().fix_failed(SurveyKind::FixHeld));
        assert!(input("2", "").parse(SurveyKind::FixHeld).is_err());
    }

    #[test]
    fn survey_timing_stays_in_its_ranges() {
        assert_eq!(
            SurveyTiming::parse("7", " 90 ", "90"),
            Ok(SurveyTiming { fix_held_days: 7, salience_days: 90, nps_period_days: 90 })
        );
        let errors = SurveyTiming::parse("0", "400", "x").unwrap_err();
        assert_eq!(errors.get("fix_held_days"), Some(&FieldError::OutOfRange { min: 1, max: 60 }));
        assert_eq!(errors.get("salience_days"), Some(&FieldError::OutOfRange { min: 14, max: 365 }));
        assert_eq!(errors.get("nps_period_days"), Some(&FieldError::OutOfRange { min: 1, max: 730 }));
        assert_eq!(errors.value("salience_days"), Some("400"));
    }

    #[test]
    fn the_salience_survey_needs_words_and_no_score() {
        let answer = AnswerInput { comment: Some(" The plumber was on time. ".into()), ..Default::default() };
        assert_eq!(
            answer.parse(SurveyKind::Salience).unwrap(),
            Answer { score: None, comment: Some("The plumber was on time.".into()), quote: None }
        );
        let empty = AnswerInput::default().parse(SurveyKind::Salience).unwrap_err();
        assert_eq!(empty.get("comment"), Some(&FieldError::Required));
    }

    #[test]
    fn comments_are_optional_but_bounded() {
        assert_eq!(input("3", "   ").parse(SurveyKind::Csat).unwrap().comment, None);
        let long = "a".repeat(COMMENT_MAX + 1);
        let errors = input("3", &long).parse(SurveyKind::Csat).unwrap_err();
        assert_eq!(errors.get("comment"), Some(&FieldError::TooLong { max: COMMENT_MAX }));
    }

    #[test]
    fn only_praise_with_words_and_a_name_is_quoted() {
        let quoted = |score: &str, comment: &str, name: &str, town: &str| AnswerInput {
            score: Some(score.into()),
            comment: Some(comment.into()),
            quote: true,
            first_name: Some(name.into()),
            town: Some(town.into()),
        };
        let ok = quoted("5", "Quick and tidy.", "Anna", "Kraków").parse(SurveyKind::Csat).unwrap();
        assert_eq!(ok.quote, Some(Quote { first_name: "Anna".into(), town: "Kraków".into() }));
        assert!(quoted("9", "Great.", "Anna", "Kraków").parse(SurveyKind::Nps).unwrap().quote.is_some());
        for (score, comment, kind) in
            [("3", "Fine.", SurveyKind::Csat), ("5", "", SurveyKind::Csat), ("8", "Ok", SurveyKind::Nps)]
        {
            let errors = quoted(score, comment, "Anna", "Kraków").parse(kind).unwrap_err();
            assert_eq!(errors.get("quote"), Some(&FieldError::QuoteNotPositive), "{score} {comment:?}");
        }
        let errors = quoted("5", "Great.", "", "").parse(SurveyKind::Csat).unwrap_err();
        assert_eq!(errors.get("first_name"), Some(&FieldError::Required));
        assert_eq!(errors.get("town"), Some(&FieldError::Required));
        assert_eq!(errors.value("comment"), Some("Great."));
        // Without consent nobody is quoted, however kind the words.
        assert_eq!(input("5", "Great.").parse(SurveyKind::Csat).unwrap().quote, None);
    }
}
