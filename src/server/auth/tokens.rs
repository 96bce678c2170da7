//! Random secrets and their stored form.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits from the OS generator, URL-safe (session ids, magic links, nonces).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether a string from a link could be one of our tokens (43 characters): anything much longer is refused
/// before it is hashed or looked up.
pub fn plausible(token: &str) -> bool {
    token.len() <= 100
}

/// What is stored instead of a token: its SHA-256, hex. A fast hash is right here because the token has full
/// entropy (unlike a password), so it cannot be guessed offline.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43); // 32 bytes in unpadded base64
        assert_ne!(a, random_token());
    }

    #[test]
    fn hash_is_stable_hex() {
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
