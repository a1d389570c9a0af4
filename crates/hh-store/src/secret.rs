//! The secrets the store issues (authorization codes, access and refresh tokens) and the
//! digests it keeps of them; also the digest of the state we send hh.ru.
//!
//! Plain SHA-256 is the right digest here: each secret is 32 random bytes, so there is
//! nothing to guess and nothing for a slow, salted password hash to protect; a lookup by
//! digest stays one indexed query.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// A fresh secret: 32 random bytes, base64url without padding (43 characters).
pub(crate) fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a presented or issued secret.
pub(crate) fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A random id for rows that are not secrets (accounts, token families).
pub(crate) fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_url_safe_and_kept_only_as_their_digest() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(digest(&a), digest(&a));
        assert_eq!(digest(&a).len(), 32);
        assert_ne!(digest(&a), digest(&b));
    }
}
