//! A customer's service request as submitted: the limits (which also feed the form's `maxlength`) and the
//! parse from raw form input, with a specific error per field.
use serde::{Deserialize, Serialize};

use super::email::Email;
use super::error::{FieldError, FieldErrors};
use super::schedule::{parse_windows, Window, WindowInput};

pub const NAME_MAX: usize = 100;
pub const PHONE_MAX: usize = 30;
pub const ADDRESS_MIN: usize = 5;
pub const ADDRESS_MAX: usize = 300;
pub const SUMMARY_MIN: usize = 5;
pub const SUMMARY_MAX: usize = 120;
pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 4000;
/// The longest public reply or internal note on a job.
pub const MESSAGE_MAX: usize = 4000;
/// The longest cancellation or delay reason.
pub const REASON_MAX: usize = 500;

/// The form as typed (all text, as a browser posts it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub category: String,
    pub summary: String,
    pub description: String,
    /// The preferred time windows as typed (the first is required).
    pub windows: Vec<WindowInput>,
}

/// A request that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub name: String,
    pub email: Email,
    pub phone: Option<String>,
    pub address: String,
    pub category_id: i64,
    pub summary: String,
    pub description: String,
    pub windows: Vec<Window>,
}

/// Trimmed text between `min` and `max` characters without control characters (line breaks are allowed
/// only where `multiline`).
pub fn text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, FieldError> {
    let value = raw.trim();
    let len = value.chars().count();
    if len == 0 {
        return Err(FieldError::Required);
    }
    if len < min {
        return Err(FieldError::TooShort { min });
    }
    if len > max {
        return Err(FieldError::TooLong { max });
    }
    if value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(FieldError::InvalidChoice);
    }
    Ok(value.to_owned())
}

/// An optional phone number: digits with the usual separators, at least 6 digits.
pub fn phone(raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > PHONE_MAX {
        return Err(FieldError::TooLong { max: PHONE_MAX });
    }
    let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || value.chars().filter(char::is_ascii_digit).count() < 6 {
        return Err(FieldError::InvalidPhone);
    }
    Ok(Some(value.to_owned()))
}

impl RequestInput {
    /// Checks every field (all errors at once, in form order) against the active categories; windows must
    /// not have ended at `now` (epoch ms).
    pub fn parse(&self, categories: &[i64], now: i64) -> Result<NewRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        for (field, value) in [
            ("name", &self.name),
            ("email", &self.email),
            ("phone", &self.phone),
            ("address", &self.address),
            ("category", &self.category),
            ("summary", &self.summary),
            ("description", &self.description),
        ] {
            errors.keep(field, value);
        }
        let name = errors.check("name", text(&self.name, 1, NAME_MAX, false));
        let email = errors.check("email", Email::parse(&self.email));
        let phone = errors.check("phone", phone(&self.phone));
        let address = errors.check("address", text(&self.address, ADDRESS_MIN, ADDRESS_MAX, true));
        let category = match self.category.trim().parse::<i64>() {
            Ok(id) if categories.contains(&id) => Some(id),
            _ if self.category.trim().is_empty() => {
                errors.add("category", FieldError::Required);
                None
            }
            _ => {
                errors.add("category", FieldError::InvalidChoice);
                None
            }
        };
        let summary = errors.check("summary", text(&self.summary, SUMMARY_MIN, SUMMARY_MAX, false));
        let description = errors.check("description", text(&self.description, DESCRIPTION_MIN, DESCRIPTION_MAX, true));
        let windows = parse_windows(&self.windows, now, &mut errors);
        match (name, email, phone, address, category, summary, description, windows) {
            (
                Some(name),
                Some(email),
                Some(phone),
                Some(address),
                Some(category_id),
                Some(summary),
                Some(description),
                Some(windows),
            ) if errors.is_empty() => {
                Ok(NewRequest { name, email, phone, address, category_id, summary, description, windows })
            }
            _ => Err(errors),
        }
    }
}

/// The honest first-response promise in hours: the category's target, or the median of recent first
/// responses when that is longer (a target the team does not meet is not what a customer should expect).
pub fn expected_first_response_hours(target_hours: i64, recent_response_ms: &mut [i64]) -> i64 {
    if recent_response_ms.is_empty() {
        return target_hours;
    }
    recent_response_ms.sort_unstable();
    let n = recent_response_ms.len();
    let median_ms = if n % 2 == 1 {
        recent_response_ms[n / 2]
    } else {
        (recent_response_ms[n / 2 - 1] + recent_response_ms[n / 2]) / 2
    };
    let median_hours = (median_ms + 3_599_999) / 3_600_000;
    target_hours.max(median_hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RequestInput {
        RequestInput {
            name: " Ana Kowalska ".into(),
            email: "Ana@Example.com".into(),
            phone: "+48 600 100 200".into(),
            address: "ul. Długa 5, Kraków".into(),
            category: "2".into(),
            summary: "Radiator is cold".into(),
            description: "The radiator in the bedroom stays cold since Monday.\nThe others work.".into(),
            windows: vec![WindowInput { day: "2026-11-23".into(), part: "morning".into() }],
        }
    }

    const TODAY: i64 = 20_779 * 86_400_000; // 2026-11-22 00:00 UTC

    #[test]
    fn a_valid_request_parses_and_is_normalised() {
        let parsed = valid().parse(&[1, 2], TODAY).unwrap();
        assert_eq!(parsed.name, "Ana Kowalska");
        assert_eq!(parsed.email.as_str(), "ana@example.com");
        assert_eq!(parsed.phone.as_deref(), Some("+48 600 100 200"));
        assert_eq!(parsed.category_id, 2);
        assert!(parsed.description.contains('\n'));
        assert_eq!(parsed.windows.len(), 1);
    }

    #[test]
    fn every_bad_field_is_reported_in_form_order_and_values_are_kept() {
        let input = RequestInput {
            name: "".into(),
            email: "nope".into(),
            phone: "call me".into(),
            address: "x".into(),
            category: "99".into(),
            summary: "Hi".into(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
            windows: vec![WindowInput { day: "2026-11-21".into(), part: "morning".into() }],
        };
        let errors = input.parse(&[1, 2], TODAY).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|(f, e)| (f.as_str(), e.clone())).collect();
        assert_eq!(
            fields,
            [
                ("name", FieldError::Required),
                ("email", FieldError::InvalidEmail),
                ("phone", FieldError::InvalidPhone),
                ("address", FieldError::TooShort { min: ADDRESS_MIN }),
                ("category", FieldError::InvalidChoice),
                ("summary", FieldError::TooShort { min: SUMMARY_MIN }),
                ("description", FieldError::TooLong { max: DESCRIPTION_MAX }),
                ("window1_day", FieldError::DateInPast),
            ]
        );
        assert_eq!(errors.value("phone"), Some("call me"));
        assert_eq!(errors.value("summary"), Some("Hi"));
    }

    #[test]
    fn optional_phone_and_missing_category() {
        let mut input = valid();
        input.phone = "  ".into();
        assert_eq!(input.parse(&[2], TODAY).unwrap().phone, None);
        input.category = "".into();
        assert_eq!(input.parse(&[2], TODAY).unwrap_err().get("category"), Some(&FieldError::Required));
    }

    #[test]
    fn control_characters_are_refused_outside_the_description() {
        assert_eq!(text("a\u{0}b", 1, 10, false), Err(FieldError::InvalidChoice));
        assert_eq!(text("line\nbreak", 1, 20, false), Err(FieldError::InvalidChoice));
        assert_eq!(text("line\nbreak", 1, 20, true).as_deref(), Ok("line\nbreak"));
    }

    #[test]
    fn expected_response_is_the_longer_of_target_and_median() {
        assert_eq!(expected_first_response_hours(24, &mut []), 24);
        let hour = 3_600_000;
        assert_eq!(expected_first_response_hours(4, &mut [2 * hour, 9 * hour, 7 * hour]), 7);
        assert_eq!(expected_first_response_hours(24, &mut [hour, 2 * hour]), 24);
        assert_eq!(expected_first_response_hours(1, &mut [hour + 1, hour + 1]), 2, "rounded up");
    }
}
