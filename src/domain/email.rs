//! Email addresses, parsed once at the edge and trusted afterwards.
use serde::{Deserialize, Serialize};

use super::error::FieldError;

/// The longest address SMTP allows (RFC 5321 path limit); also the `maxlength` of every email input.
pub const EMAIL_MAX_LEN: usize = 254;

/// A syntactically plausible, normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Parses user input. Deliberately permissive on the local part (real addresses are odd) but strict on
    /// what would break a mail header or a link: whitespace, control characters, a missing domain dot.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(FieldError::Required);
        }
        if value.chars().count() > EMAIL_MAX_LEN {
            return Err(FieldError::TooLong { max: EMAIL_MAX_LEN });
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(FieldError::InvalidEmail);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty() && !local.contains('@');
        let clean = !value.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c));
        if !(domain_ok && local_ok && clean) {
            return Err(FieldError::InvalidEmail);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(Email::parse("  Ana.Kowalska@Example.COM ").unwrap().as_str(), "ana.kowalska@example.com");
    }

    #[test]
    fn accepts_plus_and_subdomains() {
        assert!(Email::parse("a+tag@mail.example.co.uk").is_ok());
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(Email::parse(""), Err(FieldError::Required));
        assert_eq!(Email::parse("   "), Err(FieldError::Required));
        for bad in [
            "plain",
            "@example.com",
            "a@",
            "a@example",
            "a@.example.com",
            "a@example..com",
            "a b@example.com",
            "a@exa mple.com",
            "<a@example.com>",
            "a@example.com\r\nBcc: x@y.z",
            "a@b@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(FieldError::InvalidEmail), "{bad:?}");
        }
    }

    #[test]
    fn rejects_overlong() {
        let long = format!("{}@example.com", "a".repeat(EMAIL_MAX_LEN));
        assert_eq!(Email::parse(&long), Err(FieldError::TooLong { max: EMAIL_MAX_LEN }));
    }
}
