//! The kinds of delayed work the scheduler runs (see `server::scheduler`), named alike on both sides so the
//! admin page can name them.

/// What a scheduled job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A reminder to the customer, 24 hours before their confirmed visit.
    AppointmentReminder,
    /// An alert to the team: a request got no first response within its category's target.
    SlaBreachAlert,
    /// "Did the fix hold?", some days after completion (admin setting).
    FixHeldFollowup,
    /// The salience survey, about 90 days after completion (admin setting).
    SalienceSurvey,
}

impl JobKind {
    pub const ALL: [JobKind; 4] =
        [JobKind::AppointmentReminder, JobKind::SlaBreachAlert, JobKind::FixHeldFollowup, JobKind::SalienceSurvey];

    /// The name stored in `scheduled_jobs.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::AppointmentReminder => "appointment_reminder",
            JobKind::SlaBreachAlert => "sla_breach_alert",
            JobKind::FixHeldFollowup => "fix_held_followup",
            JobKind::SalienceSurvey => "salience_survey",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

#[cfg(test)]
mod tests {
    use super::JobKind;

    #[test]
    fn kinds_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("nope"), None);
    }
}
