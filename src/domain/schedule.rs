//! Appointment windows (a date and a part of the day), the customer's preferred windows, and the ETA a
//! technician gives. Days are UTC day numbers; the parts of the day are the business's fixed slots.
use serde::{Deserialize, Serialize};

use super::error::{FieldError, FieldErrors};
use super::time::{day_of, format_day, parse_datetime, parse_day, DAY_MS};

/// At most this many preferred windows per proposal.
pub const MAX_WINDOWS: usize = 3;
/// Windows can be proposed up to this many days ahead.
pub const MAX_DAYS_AHEAD: i64 = 90;
/// An ETA may lie at most this far ahead.
pub const MAX_ETA_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
}

impl PartOfDay {
    pub const ALL: [PartOfDay; 3] = [PartOfDay::Morning, PartOfDay::Afternoon, PartOfDay::Evening];

    pub fn as_str(self) -> &'static str {
        match self {
            PartOfDay::Morning => "morning",
            PartOfDay::Afternoon => "afternoon",
            PartOfDay::Evening => "evening",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        PartOfDay::ALL.into_iter().find(|p| p.as_str() == raw.trim())
    }

    /// The slot's hours, start inclusive and end exclusive.
    pub fn hours(self) -> (u8, u8) {
        match self {
            PartOfDay::Morning => (8, 12),
            PartOfDay::Afternoon => (12, 17),
            PartOfDay::Evening => (17, 20),
        }
    }
}

/// One appointment window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    pub part: PartOfDay,
}

impl Window {
    /// `YYYY-MM-DD`, as stored and as a date input's value.
    pub fn day_str(&self) -> String {
        format_day(self.day)
    }

    /// From stored columns; `None` when either is missing or unreadable.
    pub fn from_stored(day: Option<&str>, part: Option<&str>) -> Option<Self> {
        Some(Window { day: parse_day(day?)?, part: PartOfDay::parse(part?)? })
    }

    /// When the window starts (epoch ms).
    pub fn starts_at(&self) -> i64 {
        self.day * DAY_MS + i64::from(self.part.hours().0) * 3_600_000
    }

    /// When the window ends (epoch ms): after that it is over.
    pub fn ends_at(&self) -> i64 {
        self.day * DAY_MS + i64::from(self.part.hours().1) * 3_600_000
    }
}

/// One window as typed: the date and the part of the day, both as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInput {
    pub day: String,
    pub part: String,
}

impl WindowInput {
    pub fn new(day: Option<String>, part: Option<String>) -> Self {
        WindowInput { day: day.unwrap_or_default(), part: part.unwrap_or_default() }
    }

    fn is_blank(&self) -> bool {
        self.day.trim().is_empty() && self.part.trim().is_empty()
    }
}

/// The form field names of the n-th window (1-based): `window1_day`, `window1_part`.
pub fn window_fields(n: usize) -> (String, String) {
    (format!("window{n}_day"), format!("window{n}_part"))
}

/// Parses one window, recording errors under its field names. A window that has not ended at `now` (epoch
/// ms) is fine; one that is over, or more than [`MAX_DAYS_AHEAD`] days ahead, is not.
pub fn parse_window(input: &WindowInput, n: usize, now: i64, errors: &mut FieldErrors) -> Option<Window> {
    let today = today(now);
    let (day_field, part_field) = window_fields(n);
    errors.keep(&day_field, &input.day);
    errors.keep(&part_field, &input.part);
    let day = match parse_day(&input.day) {
        _ if input.day.trim().is_empty() => Err(FieldError::Required),
        None => Err(FieldError::InvalidDate),
        Some(day) if day < today => Err(FieldError::DateInPast),
        Some(day) if day > today + MAX_DAYS_AHEAD => Err(FieldError::DateTooFar { days: MAX_DAYS_AHEAD }),
        Some(day) => Ok(day),
    };
    let part = match PartOfDay::parse(&input.part) {
        _ if input.part.trim().is_empty() => Err(FieldError::Required),
        None => Err(FieldError::InvalidChoice),
        Some(part) => Ok(part),
    };
    let day = errors.check(&day_field, day);
    let part = errors.check(&part_field, part);
    let window = Window { day: day?, part: part? };
    if window.ends_at() <= now {
        errors.add(&part_field, FieldError::DateInPast);
        return None;
    }
    Some(window)
}

/// One to [`MAX_WINDOWS`] preferred windows: the first is required, later ones only when filled in, and the
/// same window twice is refused.
pub fn parse_windows(inputs: &[WindowInput], now: i64, errors: &mut FieldErrors) -> Option<Vec<Window>> {
    let mut windows = Vec::new();
    let mut ok = true;
    if inputs.is_empty() {
        // A post without any window fields at all still says what is missing.
        errors.add(&window_fields(1).0, FieldError::Required);
        return None;
    }
    for (i, input) in inputs.iter().take(MAX_WINDOWS).enumerate() {
        let n = i + 1;
        if n > 1 && input.is_blank() {
            continue;
        }
        match parse_window(input, n, now, errors) {
            Some(w) if windows.contains(&w) => {
                errors.add(&window_fields(n).0, FieldError::DuplicateWindow);
                ok = false;
            }
            Some(w) => windows.push(w),
            None => ok = false,
        }
    }
    (ok && !windows.is_empty()).then_some(windows)
}

/// An ETA as typed (`YYYY-MM-DDTHH:MM`, UTC): required, not more than an hour in the past (a technician may
/// enter it late), at most [`MAX_ETA_DAYS`] ahead.
pub fn parse_eta(raw: &str, now: i64) -> Result<i64, FieldError> {
    if raw.trim().is_empty() {
        return Err(FieldError::Required);
    }
    let eta = parse_datetime(raw).ok_or(FieldError::InvalidDate)?;
    if eta < now - 3_600_000 {
        return Err(FieldError::DateInPast);
    }
    if eta > now + MAX_ETA_DAYS * DAY_MS {
        return Err(FieldError::DateTooFar { days: MAX_ETA_DAYS });
    }
    Ok(eta)
}

/// The structured part of a timeline entry: the window it confirmed, the ETA it gave, or the windows the
/// customer proposed. Stored as JSON beside the entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<Window>,
}

impl EventDetail {
    pub fn is_empty(&self) -> bool {
        self.window.is_none() && self.eta.is_none() && self.windows.is_empty()
    }

    /// Reads a stored detail; anything unreadable is treated as none (the entry still shows its text).
    pub fn from_stored(raw: Option<&str>) -> Self {
        raw.and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default()
    }

    pub fn to_stored(&self) -> Option<String> {
        (!self.is_empty()).then(|| serde_json::to_string(self).unwrap_or_default())
    }
}

/// Today's day number at `now`.
pub fn today(now: i64) -> i64 {
    day_of(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_333_500_000; // 2026-11-22 07:45 UTC

    fn input(day: &str, part: &str) -> WindowInput {
        WindowInput { day: day.into(), part: part.into() }
    }

    #[test]
    fn one_to_three_windows_parse() {
        let mut errors = FieldErrors::new();
        let windows = parse_windows(
            &[input("2026-11-22", "evening"), input("", ""), input("2026-11-24", "morning")],
            NOW,
            &mut errors,
        )
        .unwrap();
        assert!(errors.is_empty());
        assert_eq!(windows.len(), 2);
        assert_eq!(windows[1].day_str(), "2026-11-24");
        assert_eq!(windows[1].part, PartOfDay::Morning);
        assert_eq!(errors.value("window1_day"), Some("2026-11-22"));
    }

    #[test]
    fn bad_windows_name_their_field() {
        let mut errors = FieldErrors::new();
        let result = parse_windows(
            &[input("", ""), input("2026-11-21", "noon"), input("2027-06-01", "morning")],
            NOW,
            &mut errors,
        );
        assert_eq!(result, None);
        assert_eq!(errors.get("window1_day"), Some(&FieldError::Required));
        assert_eq!(errors.get("window1_part"), Some(&FieldError::Required));
        assert_eq!(errors.get("window2_day"), Some(&FieldError::DateInPast));
        assert_eq!(errors.get("window2_part"), Some(&FieldError::InvalidChoice));
        assert_eq!(errors.get("window3_day"), Some(&FieldError::DateTooFar { days: MAX_DAYS_AHEAD }));
    }

    #[test]
    fn half_filled_and_repeated_windows_are_refused() {
        let mut errors = FieldErrors::new();
        let result = parse_windows(
            &[input("2026-11-23", "morning"), input("2026-11-23", "morning"), input("2026-11-25", "")],
            NOW,
            &mut errors,
        );
        assert_eq!(result, None);
        assert_eq!(errors.get("window2_day"), Some(&FieldError::DuplicateWindow));
        assert_eq!(errors.get("window3_part"), Some(&FieldError::Required));
        let mut errors = FieldErrors::new();
        assert_eq!(parse_windows(&[input("2026-02-30", "morning")], NOW, &mut errors), None);
        assert_eq!(errors.get("window1_day"), Some(&FieldError::InvalidDate));
    }

    #[test]
    fn a_window_that_is_over_is_refused_and_no_windows_at_all_is_reported() {
        // NOW is 07:45: this morning is still open, and an evening a few hours on is fine; at 18:00 neither
        // the morning nor the afternoon of today can be chosen.
        let mut errors = FieldErrors::new();
        assert!(parse_windows(&[input("2026-11-22", "morning")], NOW, &mut errors).is_some());
        let evening = NOW + 10 * 3_600_000 + 15 * 60_000;
        let mut errors = FieldErrors::new();
        assert_eq!(parse_windows(&[input("2026-11-22", "afternoon")], evening, &mut errors), None);
        assert_eq!(errors.get("window1_part"), Some(&FieldError::DateInPast));
        let mut errors = FieldErrors::new();
        assert_eq!(parse_windows(&[], NOW, &mut errors), None);
        assert_eq!(errors.get("window1_day"), Some(&FieldError::Required));
    }

    #[test]
    fn etas_must_be_near() {
        assert_eq!(parse_eta("2026-11-22T09:30", NOW), Ok(NOW + 105 * 60_000));
        assert_eq!(parse_eta("2026-11-22T07:00", NOW), Ok(NOW - 45 * 60_000), "entered a little late");
        assert_eq!(parse_eta("2026-11-22T06:00", NOW), Err(FieldError::DateInPast));
        assert_eq!(parse_eta("2026-12-24T06:00", NOW), Err(FieldError::DateTooFar { days: MAX_ETA_DAYS }));
        assert_eq!(parse_eta("", NOW), Err(FieldError::Required));
        assert_eq!(parse_eta("soon", NOW), Err(FieldError::InvalidDate));
    }

    #[test]
    fn details_round_trip_and_windows_end() {
        let w = Window::from_stored(Some("2026-11-22"), Some("afternoon")).unwrap();
        assert_eq!(w.ends_at(), today(NOW) * DAY_MS + 17 * 3_600_000);
        assert_eq!(w.starts_at(), today(NOW) * DAY_MS + 12 * 3_600_000);
        let detail = EventDetail { window: Some(w), eta: Some(5), windows: vec![] };
        assert_eq!(EventDetail::from_stored(detail.to_stored().as_deref()), detail);
        assert_eq!(EventDetail::default().to_stored(), None);
        assert_eq!(EventDetail::from_stored(Some("{oops")), EventDetail::default());
        assert_eq!(Window::from_stored(Some("2026-11-22"), None), None);
    }
}
