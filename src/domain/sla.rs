//! The first-response promise per category (its SLA): when it is due, and where a job stands against it.
use serde::{Deserialize, Serialize};

const HOUR_MS: i64 = 3_600_000;

/// Where a job stands against its category's first-response target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaState {
    /// Answered in time.
    Met,
    /// Awaiting a first response, with more than a quarter of the target left.
    OnTrack,
    /// Awaiting a first response, in the last quarter of the target.
    DueSoon,
    /// No answer by the deadline, or a late one.
    Breached,
}

impl SlaState {
    pub const ALL: [SlaState; 4] = [SlaState::Met, SlaState::OnTrack, SlaState::DueSoon, SlaState::Breached];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaState::Met => "met",
            SlaState::OnTrack => "on_track",
            SlaState::DueSoon => "due_soon",
            SlaState::Breached => "breached",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        SlaState::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// When the first response is due.
pub fn due_at(created_at: i64, target_hours: i64) -> i64 {
    created_at + target_hours * HOUR_MS
}

/// The state at `now`. "Due soon" starts when a quarter of the target is left (the database's board filter
/// uses the same rule: `db::requests::board`).
pub fn sla_state(created_at: i64, target_hours: i64, first_response_at: Option<i64>, now: i64) -> SlaState {
    let due = due_at(created_at, target_hours);
    match first_response_at {
        Some(at) if at <= due => SlaState::Met,
        Some(_) => SlaState::Breached,
        None if now > due => SlaState::Breached,
        None if now > due - target_hours * HOUR_MS / 4 => SlaState::DueSoon,
        None => SlaState::OnTrack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_over_time() {
        let created = 1_000_000;
        let h = HOUR_MS;
        assert_eq!(sla_state(created, 4, Some(created + 4 * h), created + 9 * h), SlaState::Met);
        assert_eq!(sla_state(created, 4, Some(created + 4 * h + 1), created + 9 * h), SlaState::Breached);
        assert_eq!(sla_state(created, 4, None, created + 3 * h), SlaState::OnTrack);
        assert_eq!(sla_state(created, 4, None, created + 3 * h + 1), SlaState::DueSoon);
        assert_eq!(sla_state(created, 4, None, created + 4 * h), SlaState::DueSoon);
        assert_eq!(sla_state(created, 4, None, created + 4 * h + 1), SlaState::Breached);
        for s in SlaState::ALL {
            assert_eq!(SlaState::parse(s.as_str()), Some(s));
        }
    }
}
