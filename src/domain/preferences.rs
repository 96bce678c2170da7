//! What a customer wants to be mailed: every change of their jobs, or only the important ones (the visit
//! confirmed or due, the technician on the way, delays, the job completed or stopped), and whether surveys
//! may be sent. Sign-in links and the request's confirmation are always sent.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Updates {
    All,
    Important,
}

impl Updates {
    pub fn as_str(self) -> &'static str {
        match self {
            Updates::All => "all",
            Updates::Important => "important",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Updates::All, Updates::Important].into_iter().find(|u| u.as_str() == raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPreferences {
    pub updates: Updates,
    pub surveys: bool,
}

impl Default for MailPreferences {
    /// Until the customer says otherwise: every change, and surveys.
    fn default() -> Self {
        MailPreferences { updates: Updates::All, surveys: true }
    }
}

impl MailPreferences {
    /// Whether a job update is mailed: important ones always, the rest only to those who want every change.
    pub fn wants_update(&self, important: bool) -> bool {
        important || self.updates == Updates::All
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn important_updates_always_go_the_rest_only_when_asked() {
        let all = MailPreferences::default();
        let important = MailPreferences { updates: Updates::Important, surveys: false };
        assert!(all.wants_update(true) && all.wants_update(false));
        assert!(important.wants_update(true) && !important.wants_update(false));
        assert_eq!(Updates::parse("important"), Some(Updates::Important));
        assert_eq!(Updates::parse("some"), None);
    }
}
