//! Roles and the rule that a customer account is never also a staff account.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Customer,
    Staff,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Customer, Role::Staff, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw.trim().to_lowercase())
    }
}

/// Why a set of roles was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolesError {
    Empty,
    CustomerWithTeamRole,
    Unknown,
}

/// A valid set of roles: either exactly `customer`, or one or more of staff / editor / admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Result<Self, RolesError> {
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(RolesError::Empty);
        }
        if roles.contains(&Role::Customer) && roles.len() > 1 {
            return Err(RolesError::CustomerWithTeamRole);
        }
        Ok(Self(roles))
    }

    pub fn customer() -> Self {
        Self(vec![Role::Customer])
    }

    /// Parses the comma-separated storage form, e.g. `staff,admin`.
    pub fn parse(raw: &str) -> Result<Self, RolesError> {
        let roles = raw
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| Role::parse(s).ok_or(RolesError::Unknown))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(roles)
    }

    pub fn to_storage(&self) -> String {
        self.0.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// Staff, editors and admins are the team; they sign in with a password, never by magic link.
    pub fn is_team(&self) -> bool {
        !self.has(Role::Customer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_round_trip_sorted_and_deduplicated() {
        let roles = Roles::parse("admin, staff,admin").unwrap();
        assert_eq!(roles.to_storage(), "staff,admin");
        assert_eq!(Roles::parse(&roles.to_storage()).unwrap(), roles);
    }

    #[test]
    fn customer_is_exclusive() {
        assert_eq!(Roles::parse("customer,staff"), Err(RolesError::CustomerWithTeamRole));
        assert!(Roles::parse("customer").unwrap().has(Role::Customer));
        assert!(!Roles::parse("customer").unwrap().is_team());
        assert!(Roles::parse("editor").unwrap().is_team());
    }

    #[test]
    fn rejects_empty_and_unknown() {
        assert_eq!(Roles::parse(""), Err(RolesError::Empty));
        assert_eq!(Roles::parse("root"), Err(RolesError::Unknown));
    }
}
