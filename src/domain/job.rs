//! The job lifecycle (see PRODUCT.md): statuses, the allowed transitions (a rule of the domain, enforced on the
//! server), who may cancel, and the human reference of a request.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    Received,
    Scheduled,
    EnRoute,
    OnSite,
    Completed,
    NeedsRevisit,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 7] = [
        JobStatus::Received,
        JobStatus::Scheduled,
        JobStatus::EnRoute,
        JobStatus::OnSite,
        JobStatus::Completed,
        JobStatus::NeedsRevisit,
        JobStatus::Cancelled,
    ];

    /// The stored and URL form.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Received => "received",
            JobStatus::Scheduled => "scheduled",
            JobStatus::EnRoute => "en_route",
            JobStatus::OnSite => "on_site",
            JobStatus::Completed => "completed",
            JobStatus::NeedsRevisit => "needs_revisit",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        JobStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether work on the job is still ahead (a delay notice or a message can still matter).
    pub fn is_open(self) -> bool {
        !matches!(self, JobStatus::Completed | JobStatus::Cancelled)
    }

    /// The statuses staff may move a job to from `self`:
    /// `received → scheduled → en_route → on_site → completed`; `en_route → scheduled` when the visit is
    /// put off; `on_site → needs_revisit` (parts needed) and `completed → needs_revisit` (the fix did not hold),
    /// then `needs_revisit → scheduled`; `cancelled` from any stage before the technician is on site.
    pub fn allowed_targets(self) -> &'static [JobStatus] {
        use JobStatus::*;
        match self {
            Received => &[Scheduled, Cancelled],
            Scheduled => &[EnRoute, Cancelled],
            EnRoute => &[OnSite, Scheduled, Cancelled],
            OnSite => &[Completed, NeedsRevisit],
            Completed => &[NeedsRevisit],
            NeedsRevisit => &[Scheduled, Cancelled],
            Cancelled => &[],
        }
    }

    pub fn can_transition_to(self, target: JobStatus) -> bool {
        self.allowed_targets().contains(&target)
    }

    /// A customer may cancel their own job until the technician is on site.
    pub fn customer_may_cancel(self) -> bool {
        self.can_transition_to(JobStatus::Cancelled)
    }
}

/// A transition that the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidTransition {
    pub from: JobStatus,
    pub to: JobStatus,
}

/// Checks a requested move; the error names both ends so the message can say what is possible.
pub fn transition(from: JobStatus, to: JobStatus) -> Result<JobStatus, InvalidTransition> {
    if from.can_transition_to(to) {
        Ok(to)
    } else {
        Err(InvalidTransition { from, to })
    }
}

/// The reference customers quote on the phone: `SR-<year>-<number, six digits or more>`.
pub fn reference(year: i32, number: i64) -> String {
    format!("SR-{year}-{number:06}")
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::*;

    /// The whole table, written out once more by hand: every status × every target.
    const EXPECTED: [(JobStatus, [bool; 7]); 7] = [
        //                Received Scheduled EnRoute OnSite Completed NeedsRevisit Cancelled
        (Received, [false, true, false, false, false, false, true]),
        (Scheduled, [false, false, true, false, false, false, true]),
        (EnRoute, [false, true, false, true, false, false, true]),
        (OnSite, [false, false, false, false, true, true, false]),
        (Completed, [false, false, false, false, false, true, false]),
        (NeedsRevisit, [false, true, false, false, false, false, true]),
        (Cancelled, [false, false, false, false, false, false, false]),
    ];

    #[test]
    fn transition_table_is_exactly_the_lifecycle() {
        for (from, row) in EXPECTED {
            for (to, allowed) in JobStatus::ALL.into_iter().zip(row) {
                assert_eq!(from.can_transition_to(to), allowed, "{from:?} -> {to:?}");
                assert_eq!(transition(from, to).is_ok(), allowed, "{from:?} -> {to:?}");
                if !allowed {
                    assert_eq!(transition(from, to), Err(InvalidTransition { from, to }));
                }
            }
        }
    }

    #[test]
    fn no_status_moves_to_itself_and_every_open_status_can_end() {
        for status in JobStatus::ALL {
            assert!(!status.can_transition_to(status), "{status:?}");
            if status.is_open() {
                assert!(!status.allowed_targets().is_empty(), "{status:?} is a dead end");
            }
        }
        assert!(Cancelled.allowed_targets().is_empty());
    }

    #[test]
    fn customers_cancel_only_before_the_technician_arrives() {
        let may: Vec<_> = JobStatus::ALL.into_iter().filter(|s| s.customer_may_cancel()).collect();
        assert_eq!(may, [Received, Scheduled, EnRoute, NeedsRevisit]);
    }

    #[test]
    fn storage_names_round_trip() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("En_Route"), None);
    }

    #[test]
    fn references_are_padded() {
        assert_eq!(reference(2026, 123), "SR-2026-000123");
        assert_eq!(reference(2027, 1_234_567), "SR-2027-1234567");
    }
}
