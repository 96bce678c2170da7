//! A request category as an admin edits it: its name, its first-response target (the SLA) and its slug.
use super::error::{FieldError, FieldErrors};
use super::request::text;

pub const NAME_MAX: usize = 80;
pub const SLUG_MAX: usize = 40;
/// The longest first-response target: 30 days.
pub const HOURS_MAX: i64 = 720;

/// A first-response target in whole hours, 1 to [`HOURS_MAX`].
pub fn hours(raw: &str) -> Result<i64, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::Required);
    }
    match raw.parse::<i64>() {
        Ok(h) if (1..=HOURS_MAX).contains(&h) => Ok(h),
        _ => Err(FieldError::OutOfRange { min: 1, max: HOURS_MAX }),
    }
}

/// A URL-safe identifier: lowercase letters, digits and dashes.
pub fn slug(raw: &str) -> Result<String, FieldError> {
    let value = text(raw, 2, SLUG_MAX, false)?;
    if value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        Ok(value)
    } else {
        Err(FieldError::InvalidSlug)
    }
}

/// A category's name and target, checked together (with what was typed kept for the form).
pub fn parse(name: &str, target_hours: &str) -> Result<(String, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    errors.keep("name", name);
    errors.keep("hours", target_hours);
    let name = errors.check("name", text(name, 1, NAME_MAX, false));
    let hours = errors.check("hours", hours(target_hours));
    match (name, hours) {
        (Some(name), Some(hours)) => Ok((name, hours)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_slugs() {
        assert_eq!(hours(" 24 "), Ok(24));
        assert_eq!(hours("0"), Err(FieldError::OutOfRange { min: 1, max: HOURS_MAX }));
        assert_eq!(hours("721"), Err(FieldError::OutOfRange { min: 1, max: HOURS_MAX }));
        assert_eq!(hours("2.5"), Err(FieldError::OutOfRange { min: 1, max: HOURS_MAX }));
        assert_eq!(hours(""), Err(FieldError::Required));
        assert_eq!(slug("garden-care").as_deref(), Ok("garden-care"));
        assert_eq!(slug("Garden"), Err(FieldError::InvalidSlug));
        assert_eq!(slug("../x"), Err(FieldError::InvalidSlug));
        assert_eq!(parse("", "x").unwrap_err().0.len(), 2);
        assert_eq!(parse("Roofing", "48"), Ok(("Roofing".into(), 48)));
    }
}
