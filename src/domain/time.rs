//! Formatting of stored timestamps (epoch milliseconds), identical on server and browser so hydration matches.

/// `YYYY-MM-DD HH:MM` in UTC.
pub fn format_utc(epoch_ms: i64) -> String {
    let secs = epoch_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

/// ISO 8601 for `<time datetime=…>`.
pub fn iso8601(epoch_ms: i64) -> String {
    let text = format_utc(epoch_ms);
    format!("{}T{}Z", &text[..10], &text[11..])
}

pub const DAY_MS: i64 = 86_400_000;

/// The UTC day (days since 1970-01-01) an instant falls on.
pub fn day_of(epoch_ms: i64) -> i64 {
    epoch_ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A `YYYY-MM-DD` date (what `<input type="date">` posts) as a day number; `None` for anything else,
/// including dates that do not exist (2026-02-30).
pub fn parse_day(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let bytes = raw.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let y: i64 = raw[..4].parse().ok()?;
    let m: u32 = raw[5..7].parse().ok()?;
    let d: u32 = raw[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// A `YYYY-MM-DDTHH:MM` local date-time (what `<input type="datetime-local">` posts), read as UTC.
pub fn parse_datetime(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (date, time) = raw.split_once(['T', ' '])?;
    let days = parse_day(date)?;
    let (h, rest) = time.split_once(':')?;
    let minutes = rest.get(..2)?;
    let (h, min): (i64, i64) = (h.parse().ok()?, minutes.parse().ok()?);
    if h.to_string().len() > 2 || !(0..24).contains(&h) || !(0..60).contains(&min) {
        return None;
    }
    Some(days * DAY_MS + (h * 60 + min) * 60_000)
}

/// `YYYY-MM-DDTHH:MM` for a datetime-local input's value.
pub fn datetime_value(epoch_ms: i64) -> String {
    format_utc(epoch_ms).replacen(' ', "T", 1)
}

/// The inverse of [`civil_from_days`].
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(format_utc(1_795_333_500_000), "2026-11-22 07:45");
        assert_eq!(iso8601(1_795_333_500_000), "2026-11-22T07:45Z");
        assert_eq!(format_utc(-1), "1969-12-31 23:59");
    }

    #[test]
    fn days_parse_and_round_trip() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2000-02-29").map(format_day).as_deref(), Some("2000-02-29"));
        for bad in ["2026-02-30", "2026-13-01", "2026-1-01", "tomorrow", "", "2026-00-10", "2026-04-31"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        for day in [-800, 0, 59, 10_957, 20_779, 30_000] {
            assert_eq!(parse_day(&format_day(day)), Some(day));
        }
        assert_eq!(day_of(1_795_333_500_000), parse_day("2026-11-22").unwrap());
    }

    #[test]
    fn datetimes_parse_as_utc() {
        assert_eq!(parse_datetime("2026-11-22T07:45"), Some(1_795_333_500_000));
        assert_eq!(parse_datetime("2026-11-22 07:45"), Some(1_795_333_500_000));
        assert_eq!(datetime_value(1_795_333_500_000), "2026-11-22T07:45");
        for bad in ["2026-11-22", "2026-11-22T24:00", "2026-11-22T07:60", "2026-11-22T7", "x"] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }
}
