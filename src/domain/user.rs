//! The signed-in user as the UI and server functions see it.
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::role::{Role, Roles};

pub type UserId = i64;

pub const DISPLAY_NAME_MAX_LEN: usize = 80;

/// A person's name as they want it shown; optional, trimmed, bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    /// An empty input means "no name" (`Ok(None)`).
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(None);
        }
        if value.chars().count() > DISPLAY_NAME_MAX_LEN {
            return Err(FieldError::TooLong { max: DISPLAY_NAME_MAX_LEN });
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::InvalidChoice);
        }
        Ok(Some(Self(value.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    pub roles: Roles,
    pub has_password: bool,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.has(role)
    }

    pub fn is_staff(&self) -> bool {
        self.has(Role::Staff) || self.has(Role::Admin)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    pub fn is_editor(&self) -> bool {
        self.has(Role::Editor) || self.has(Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_optional_and_bounded() {
        assert_eq!(DisplayName::parse("  "), Ok(None));
        assert_eq!(DisplayName::parse(" Ana ").unwrap().unwrap().as_str(), "Ana");
        assert_eq!(DisplayName::parse(&"a".repeat(81)), Err(FieldError::TooLong { max: 80 }));
        assert_eq!(DisplayName::parse("a\u{7}b"), Err(FieldError::InvalidChoice));
    }
}
