//! Password policy: length only (NIST SP 800-63B), counted in characters, not bytes.
use super::error::FieldError;

pub const PASSWORD_MIN_LEN: usize = 12;
pub const PASSWORD_MAX_LEN: usize = 128;

/// A password that satisfies the policy. Never serialised and never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let len = raw.chars().count();
        if len == 0 {
            return Err(FieldError::Required);
        }
        if len < PASSWORD_MIN_LEN {
            return Err(FieldError::TooShort { min: PASSWORD_MIN_LEN });
        }
        if len > PASSWORD_MAX_LEN {
            return Err(FieldError::TooLong { max: PASSWORD_MAX_LEN });
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_in_characters() {
        assert_eq!(Password::parse(""), Err(FieldError::Required));
        assert_eq!(Password::parse("short-pass1"), Err(FieldError::TooShort { min: 12 }));
        assert!(Password::parse("twelve-chars").is_ok());
        // 12 multi-byte characters are 12 characters, not 24 bytes.
        assert!(Password::parse("żółćżółćżółć").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert_eq!(Password::parse(&"x".repeat(129)), Err(FieldError::TooLong { max: 128 }));
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
