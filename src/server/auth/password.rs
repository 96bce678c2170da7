//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane), off the async runtime.
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Password;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose().as_bytes(), &salt)
        .expect("hashing with valid parameters cannot fail")
        .to_string()
}

/// Constant-time check of `candidate` against a stored PHC string; a malformed hash never verifies.
pub fn verify(stored: &str, candidate: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| argon2().verify_password(candidate.as_bytes(), &parsed).is_ok())
}

/// Argon2 takes 19 MiB and tens of milliseconds per call. Calls beyond this many wait their turn instead of
/// piling up blocking threads (and memory) under a flood of sign-in attempts. A process-wide limit, like the
/// CPU it protects.
const HASHING_AT_ONCE: usize = 4;

async fn limited<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASHING_AT_ONCE);
    let _permit = PERMITS.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(work).await.expect("hashing task does not panic")
}

pub async fn hash_async(password: Password) -> String {
    limited(move || hash(&password)).await
}

/// Verifies on a blocking thread. With no stored hash (unknown user, customer without password) it still does
/// the same work against a dummy hash, so response time does not reveal which accounts exist.
pub async fn verify_async(stored: Option<String>, candidate: String) -> bool {
    limited(move || match stored {
        Some(stored) => verify(&stored, &candidate),
        None => {
            let _ = verify(dummy_hash(), &candidate);
            false
        }
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&Password::parse("dummy-password-for-timing").expect("valid")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let password = Password::parse("correct horse battery staple").unwrap();
        let stored = hash(&password);
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&stored, "correct horse battery staple"));
        assert!(!verify(&stored, "correct horse battery stapl"));
        assert!(!verify(&stored, ""));
    }

    #[test]
    fn salts_differ() {
        let password = Password::parse("the same password").unwrap();
        assert_ne!(hash(&password), hash(&password));
    }

    #[test]
    fn malformed_hash_never_verifies() {
        assert!(!verify("not a hash", "anything"));
        assert!(!verify("", ""));
    }

    #[tokio::test]
    async fn missing_hash_fails_after_doing_the_work() {
        assert!(!verify_async(None, "whatever-password".into()).await);
    }
}
