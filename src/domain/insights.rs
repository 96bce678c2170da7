//! The staff dashboard's KPI formulas, as pure functions on plain values (the database layer fetches the
//! values, these turn them into numbers), and the CSV cell rules of its exports.
//!
//! Definitions, once:
//! - **Percentiles** (median = p50, p90) use the *nearest-rank* method: the value at 1-based rank
//!   `ceil(p/100 · n)` of the sorted values, so always one of the observed values (for an even count the
//!   median is the lower of the two middle values). The dashboard ranks in SQL by the same rule
//!   (`server::db::insights`), and a test on both backends holds the two to each other.
//! - **Standard deviation** is the *population* one (divide by n): it describes the answers of the period,
//!   it does not estimate a wider population.
//! - **Weeks** start on Monday 00:00 UTC.
use serde::{Deserialize, Serialize};

use super::sla::due_at;
use super::time::DAY_MS;

pub const WEEK_MS: i64 = 7 * DAY_MS;
/// 1970-01-01 was a Thursday: moving instants three days on makes week boundaries fall on Mondays.
const MONDAY_SHIFT_MS: i64 = 3 * DAY_MS;

/// The channels a request can come through: the web form, or entered by staff from a call or a mail.
pub const CHANNELS: [&str; 3] = ["web", "phone", "email"];

/// A group's CSAT answers are called polarised from this standard deviation up (on the 1-5 scale; all
/// answers split evenly between 1 and 5 give 2.0, all alike give 0)…
pub const POLARISED_SD: f64 = 1.2;
/// …and only with at least this many answers (fewer say little about spread).
pub const POLARISED_MIN_ANSWERS: u64 = 5;

/// The longest period the dashboard accepts, in days.
pub const MAX_PERIOD_DAYS: i64 = 731;
/// The default period: the last 30 days, today included.
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

pub fn parse_channel(raw: &str) -> Option<&'static str> {
    CHANNELS.into_iter().find(|c| *c == raw)
}

/// Nearest-rank percentile `p` (0-100) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len() as u64;
    // ceil(p·n/100) in integers, at least rank 1.
    let rank = (u64::from(p.min(100)) * n).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

/// Median and p90 of a set of durations (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub count: u64,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
}

pub fn durations(mut values: Vec<i64>) -> Durations {
    values.sort_unstable();
    Durations { count: values.len() as u64, median_ms: percentile(&values, 50), p90_ms: percentile(&values, 90) }
}

/// A part of a whole, e.g. jobs fixed the first time of all completed jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    pub part: u64,
    pub whole: u64,
}

impl Ratio {
    /// Per cent; `None` when the whole is zero (no data, not 0 %).
    pub fn percent(&self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 * 100.0 / self.whole as f64)
    }
}

/// First-time-fix rate: of the jobs completed in the period, those never moved into `needs_revisit`.
/// `revisits`: the revisit count of each completed job. (The dashboard counts the same in SQL.)
pub fn first_time_fix(revisits: impl IntoIterator<Item = i64>) -> Ratio {
    revisits.into_iter().fold(Ratio::default(), |r, n| Ratio { part: r.part + u64::from(n == 0), whole: r.whole + 1 })
}

/// A request's first-response outcome against its category's target: `Some(true)` met, `Some(false)`
/// breached (a late answer, or none and the deadline has passed), `None` not known yet (no answer, still
/// in time). The same rule as `sla::sla_state`.
pub fn sla_outcome(created_at: i64, target_hours: i64, first_response_at: Option<i64>, now: i64) -> Option<bool> {
    let due = due_at(created_at, target_hours);
    match first_response_at {
        Some(at) => Some(at <= due),
        None if now > due => Some(false),
        None => None,
    }
}

/// SLA met %: met / (met + breached) over the requests whose outcome is known.
pub fn sla_met(outcomes: impl IntoIterator<Item = Option<bool>>) -> Ratio {
    outcomes
        .into_iter()
        .flatten()
        .fold(Ratio::default(), |r, met| Ratio { part: r.part + u64::from(met), whole: r.whole + 1 })
}

/// Mean and population standard deviation; `None` for no values.
pub fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    Some((mean, variance.sqrt()))
}

/// Mean and population standard deviation of a histogram of CSAT scores (`distribution[i]` answers of
/// score `i + 1`): the same numbers as [`mean_sd`] over the answers themselves, without listing them.
fn histogram_mean_sd(distribution: &[u64; 5]) -> Option<(f64, f64)> {
    let n: u64 = distribution.iter().sum();
    if n == 0 {
        return None;
    }
    let scores = || distribution.iter().enumerate().map(|(i, c)| ((i + 1) as f64, *c as f64));
    let mean = scores().map(|(s, c)| s * c).sum::<f64>() / n as f64;
    let variance = scores().map(|(s, c)| c * (s - mean).powi(2)).sum::<f64>() / n as f64;
    Some((mean, variance.sqrt()))
}

/// CSAT (1-5): how many answered each score, the mean and the spread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Csat {
    /// `distribution[0]` answered 1, … `distribution[4]` answered 5.
    pub distribution: [u64; 5],
    pub count: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}

pub fn csat(distribution: [u64; 5]) -> Csat {
    let stats = histogram_mean_sd(&distribution);
    Csat { distribution, count: distribution.iter().sum(), mean: stats.map(|s| s.0), sd: stats.map(|s| s.1) }
}

/// A CSAT histogram from `(score, answers)` rows; scores outside 1-5 are left out.
pub fn csat_histogram(rows: impl IntoIterator<Item = (i64, u64)>) -> [u64; 5] {
    let mut histogram = [0; 5];
    for (score, n) in rows {
        if (1..=5).contains(&score) {
            histogram[(score - 1) as usize] += n;
        }
    }
    histogram
}

/// Net Promoter Score: promoters answered 9-10, passives 7-8, detractors 0-6;
/// NPS = % promoters − % detractors (from −100 to 100).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Nps {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub score: Option<f64>,
}

/// NPS from `(score, answers)` rows; scores outside 0-10 are left out.
pub fn nps(rows: impl IntoIterator<Item = (i64, u64)>) -> Nps {
    let mut nps = Nps::default();
    for (score, n) in rows {
        match score {
            9..=10 => nps.promoters += n,
            7..=8 => nps.passives += n,
            0..=6 => nps.detractors += n,
            _ => {}
        }
    }
    let total = nps.promoters + nps.passives + nps.detractors;
    nps.score = (total > 0).then(|| (nps.promoters as f64 - nps.detractors as f64) * 100.0 / total as f64);
    nps
}

/// The week (a number, Monday-based) an instant falls in.
pub fn week_of(epoch_ms: i64) -> i64 {
    (epoch_ms + MONDAY_SHIFT_MS).div_euclid(WEEK_MS)
}

/// When week `week` starts (Monday 00:00 UTC).
pub fn week_start(week: i64) -> i64 {
    week * WEEK_MS - MONDAY_SHIFT_MS
}

/// One week of the trend lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WeekPoint {
    /// Monday 00:00 UTC.
    pub start: i64,
    /// Requests created that week.
    pub requests: u64,
    pub csat_count: u64,
    pub csat_mean: Option<f64>,
}

/// Every week the period `[from, to)` touches, first to last, with the requests created and the CSAT mean
/// of the answers given in it. `requests`: `(week, count)`; `answers`: CSAT `(week, score, answers)`.
pub fn weekly(
    from: i64,
    to: i64,
    requests: impl IntoIterator<Item = (i64, u64)>,
    answers: impl IntoIterator<Item = (i64, i64, u64)>,
) -> Vec<WeekPoint> {
    if to <= from {
        return Vec::new();
    }
    let first = week_of(from);
    let mut weeks: Vec<(WeekPoint, [u64; 5])> = (first..=week_of(to - 1))
        .map(|w| (WeekPoint { start: week_start(w), ..WeekPoint::default() }, [0; 5]))
        .collect();
    let len = weeks.len();
    let slot = |week: i64| usize::try_from(week - first).ok().filter(|i| *i < len);
    for (week, n) in requests {
        if let Some(i) = slot(week) {
            weeks[i].0.requests += n;
        }
    }
    for (week, score, n) in answers {
        if let (Some(i), 1..=5) = (slot(week), score) {
            weeks[i].1[(score - 1) as usize] += n;
        }
    }
    weeks
        .into_iter()
        .map(|(mut point, histogram)| {
            let c = csat(histogram);
            point.csat_count = c.count;
            point.csat_mean = c.mean;
            point
        })
        .collect()
}

/// What a polarisation group is cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Dimension {
    Category,
    Technician,
    Channel,
}

/// A CSAT comment, shown beside its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub score: i64,
    pub text: String,
    pub at: i64,
}

/// The CSAT answers of one category, technician or channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub dimension: Dimension,
    /// The category or technician id (`none`: unassigned), or the channel.
    pub key: String,
    pub label: String,
    pub csat: Csat,
    pub comments: Vec<Comment>,
}

/// The groups whose CSAT spread is high (sd ≥ `threshold` with at least `min_answers` answers), whatever
/// their mean: the widest spread first (then categories, technicians, channels, by key).
pub fn polarised(groups: Vec<Group>, min_answers: u64, threshold: f64) -> Vec<Group> {
    let mut out: Vec<Group> = groups
        .into_iter()
        .filter(|g| g.csat.count >= min_answers && g.csat.sd.is_some_and(|sd| sd >= threshold))
        .collect();
    out.sort_by(|a, b| {
        let (sa, sb) = (a.csat.sd.unwrap_or(0.0), b.csat.sd.unwrap_or(0.0));
        sb.total_cmp(&sa).then(a.dimension.cmp(&b.dimension)).then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// What the knowledge base's suggestions achieved in a period (issue 4 counts them): suggestion lists
/// shown, articles opened from them, requests filed anyway, and visits that ended without a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deflection {
    pub impressions: u64,
    pub clicks: u64,
    pub submitted: u64,
    pub deflected: u64,
}

impl Deflection {
    /// Deflection rate: visits that ended without a request, of those that were shown suggestions.
    pub fn rate(&self) -> Ratio {
        Ratio { part: self.deflected, whole: self.impressions }
    }
}

/// Everything the dashboard shows for one period and filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    /// Requests created in the period.
    pub requests: u64,
    /// Of the requests created in the period that have had one.
    pub first_response: Durations,
    /// Of the jobs completed (for the first time) in the period: completion − creation.
    pub resolution: Durations,
    pub first_time_fix: Ratio,
    pub sla: Ratio,
    /// Answers given in the period.
    pub csat: Csat,
    pub nps: Nps,
    /// `None` until the knowledge base's counts are wired in: shown as "no data", never as a number.
    pub deflection: Option<Deflection>,
    pub weeks: Vec<WeekPoint>,
    pub polarised: Vec<Group>,
}

/// The period the dashboard shows, as inclusive UTC days (what the date inputs say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from_day: i64,
    pub to_day: i64,
}

impl Period {
    /// From the form's `YYYY-MM-DD` values; a missing or unreadable one falls back to the default (the
    /// last 30 days up to `today`), a reversed period is turned round, and a too long one is cut to
    /// [`MAX_PERIOD_DAYS`] ending on `to`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: i64) -> Period {
        let read = |raw: Option<&str>| raw.and_then(super::time::parse_day);
        let to_day = read(to).unwrap_or(today);
        let from_day = read(from).unwrap_or(to_day - (DEFAULT_PERIOD_DAYS - 1));
        let (from_day, to_day) = if from_day > to_day { (to_day, from_day) } else { (from_day, to_day) };
        Period { from_day: from_day.max(to_day - (MAX_PERIOD_DAYS - 1)), to_day }
    }

    /// `[from, to)` in epoch milliseconds.
    pub fn bounds(&self) -> (i64, i64) {
        (self.from_day * DAY_MS, (self.to_day + 1) * DAY_MS)
    }
}

/// One CSV cell: a value a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) gets a leading apostrophe, and a cell with a comma, quote or line break is quoted
/// with its quotes doubled (RFC 4180).
pub fn csv_cell(raw: &str) -> String {
    let neutral = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{raw}") } else { raw.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// One CSV line (CRLF-terminated, as RFC 4180 has it).
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells.iter().map(|c| csv_cell(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn nearest_rank_percentiles() {
        // 10 values: p50 is rank ceil(5) = 5 → 50; p90 is rank 9 → 90.
        let v: Vec<i64> = (1..=10).map(|i| i * 10).collect();
        assert_eq!(percentile(&v, 50), Some(50));
        assert_eq!(percentile(&v, 90), Some(90));
        assert_eq!(percentile(&v, 100), Some(100));
        assert_eq!(percentile(&v, 0), Some(10));
        // 5 values: p50 rank ceil(2.5) = 3 → 30; p90 rank ceil(4.5) = 5 → 50.
        assert_eq!(percentile(&[10, 20, 30, 40, 50], 50), Some(30));
        assert_eq!(percentile(&[10, 20, 30, 40, 50], 90), Some(50));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        // Unsorted input is sorted first.
        let d = durations(vec![4 * H, H, 3 * H, 2 * H]);
        assert_eq!(d, Durations { count: 4, median_ms: Some(2 * H), p90_ms: Some(4 * H) });
        assert_eq!(durations(vec![]), Durations { count: 0, median_ms: None, p90_ms: None });
    }

    #[test]
    fn mean_and_population_sd() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, /8 = 4, sd 2.
        let (mean, sd) = mean_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!((mean, sd), (5.0, 2.0));
        assert_eq!(mean_sd(&[]), None);
        assert_eq!(mean_sd(&[3.0]), Some((3.0, 0.0)));
    }

    #[test]
    fn csat_distribution_mean_and_spread() {
        // Answers 1, 1, 5, 5, 5, 4: mean 21/6 = 3.5; deviations² 6.25·2 + 2.25·3 + 0.25 = 19.5, /6 = 3.25.
        let c = csat(csat_histogram([(1, 2), (5, 3), (4, 1), (9, 4), (0, 1)]));
        assert_eq!(c.distribution, [2, 0, 0, 1, 3]);
        assert_eq!(c.count, 6);
        assert_eq!(c.mean, Some(3.5));
        assert!((c.sd.unwrap() - 3.25f64.sqrt()).abs() < 1e-12);
        // The histogram gives what the plain formula gives over the answers.
        let (m, sd) = mean_sd(&[1.0, 1.0, 5.0, 5.0, 5.0, 4.0]).unwrap();
        assert!((c.mean.unwrap() - m).abs() < 1e-12 && (c.sd.unwrap() - sd).abs() < 1e-12);
        assert_eq!(csat([0; 5]), Csat::default());
    }

    #[test]
    fn nps_counts_and_score() {
        // 3 promoters (10, 9, 9), 1 passive (7), 2 detractors (6, 0): (3 − 2) / 6 = 16.67.
        let n = nps([(10, 1), (9, 2), (7, 1), (6, 1), (0, 1), (11, 5)]);
        assert_eq!((n.promoters, n.passives, n.detractors), (3, 1, 2));
        assert!((n.score.unwrap() - 100.0 / 6.0).abs() < 1e-9);
        assert_eq!(nps([(0, 4)]).score, Some(-100.0));
        assert_eq!(nps([]).score, None);
    }

    #[test]
    fn first_time_fix_and_sla() {
        // Four completed jobs, one revisited once, one twice: 2 of 4.
        assert_eq!(first_time_fix([0, 1, 0, 2]), Ratio { part: 2, whole: 4 });
        assert_eq!(first_time_fix([0, 1, 0, 2]).percent(), Some(50.0));
        assert_eq!(first_time_fix([]).percent(), None);

        let c = 1_000 * H;
        assert_eq!(sla_outcome(c, 4, Some(c + 4 * H), c + 100 * H), Some(true), "on the deadline is met");
        assert_eq!(sla_outcome(c, 4, Some(c + 4 * H + 1), c + 100 * H), Some(false));
        assert_eq!(sla_outcome(c, 4, None, c + 4 * H + 1), Some(false), "no answer past the deadline");
        assert_eq!(sla_outcome(c, 4, None, c + 4 * H), None, "not known yet");
        // met, breached, pending, met: 2 of 3 known.
        let r = sla_met([Some(true), Some(false), None, Some(true)]);
        assert_eq!(r, Ratio { part: 2, whole: 3 });
        assert!((r.percent().unwrap() - 200.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2027-01-15 08:00 UTC is a Friday; its week starts Monday 2027-01-11.
        let friday = 1_800_000_000_000;
        assert_eq!(super::super::time::format_utc(week_start(week_of(friday))), "2027-01-11 00:00");
        let monday = week_start(week_of(friday));
        assert_eq!(week_of(monday), week_of(friday));
        assert_eq!(week_of(monday - 1), week_of(friday) - 1);
    }

    #[test]
    fn weekly_buckets() {
        let monday = week_start(week_of(1_800_000_000_000));
        let w = week_of(monday);
        // A period from Wednesday to the Tuesday 13 days later touches three weeks.
        let (from, to) = (monday + 2 * DAY_MS, monday + 15 * DAY_MS);
        let points = weekly(from, to, [(w, 3), (w + 2, 1), (w + 5, 9)], [(w, 5, 2), (w, 2, 1), (w + 1, 4, 1)]);
        assert_eq!(points.len(), 3);
        assert_eq!(points[0], WeekPoint { start: monday, requests: 3, csat_count: 3, csat_mean: Some(4.0) });
        assert_eq!(points[1], WeekPoint { start: monday + WEEK_MS, requests: 0, csat_count: 1, csat_mean: Some(4.0) });
        assert_eq!(points[2], WeekPoint { start: monday + 2 * WEEK_MS, requests: 1, csat_count: 0, csat_mean: None });
        assert!(weekly(5, 5, [], []).is_empty());
    }

    fn group(key: &str, histogram: [u64; 5]) -> Group {
        Group {
            dimension: Dimension::Technician,
            key: key.into(),
            label: key.into(),
            csat: csat(histogram),
            comments: vec![],
        }
    }

    #[test]
    fn polarised_groups_have_a_wide_spread_and_enough_answers() {
        let groups = vec![
            // 1, 1, 5, 5, 5: mean 3.4 (looks fine), sd √3.84 = 1.96.
            group("split", [2, 0, 0, 0, 3]),
            // 4, 4, 4, 5, 5: sd √0.24 = 0.49.
            group("steady", [0, 0, 0, 3, 2]),
            // 1, 5, 5, 5: sd √3 = 1.73, but only 4 answers.
            group("few", [1, 0, 0, 0, 3]),
            // 2, 2, 4, 4, 4, 4, 5: mean 25/7, sd ≈ 1.05 — under 1.2.
            group("mild", [0, 2, 0, 4, 1]),
            // 1, 3, 3, 5, 5, 5: mean 11/3, sd ≈ 1.49.
            group("wide", [1, 0, 2, 0, 3]),
        ];
        let keys: Vec<String> =
            polarised(groups, POLARISED_MIN_ANSWERS, POLARISED_SD).into_iter().map(|g| g.key).collect();
        assert_eq!(keys, ["split", "wide"]);
    }

    #[test]
    fn deflection_rate() {
        let d = Deflection { impressions: 40, clicks: 12, submitted: 30, deflected: 10 };
        assert_eq!(d.rate().percent(), Some(25.0));
        assert_eq!(Deflection::default().rate().percent(), None);
    }

    #[test]
    fn periods() {
        let today = 20_000;
        assert_eq!(Period::parse(None, None, today), Period { from_day: today - 29, to_day: today });
        let p = Period::parse(Some("2027-01-01"), Some("2027-01-31"), today);
        assert_eq!(p.to_day - p.from_day, 30);
        assert_eq!(p.bounds(), (p.from_day * DAY_MS, (p.to_day + 1) * DAY_MS));
        assert_eq!(Period::parse(Some("2027-01-31"), Some("2027-01-01"), today), p, "reversed");
        assert_eq!(Period::parse(Some("garbage"), Some("2027-01-31"), today).from_day, p.to_day - 29);
        let long = Period::parse(Some("2000-01-01"), Some("2027-01-31"), today);
        assert_eq!(long.to_day - long.from_day + 1, MAX_PERIOD_DAYS);
        assert_eq!(parse_channel("phone"), Some("phone"));
        assert_eq!(parse_channel("fax"), None);
    }

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_line(&["a", "b,c", "=1"]), "a,\"b,c\",'=1\r\n");
    }
}
