//! The key that encrypts hh.ru's tokens at rest (AES-256-GCM).
//!
//! A stored value is `[version 1][96-bit random nonce][ciphertext and tag]`. The account id
//! and the column are the associated data, so a ciphertext copied to another account's
//! row, or from the refresh column to the access column, fails to decrypt like a wrong key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// Which of an account's hh.ru tokens a ciphertext holds; part of the associated data.
#[derive(Clone, Copy)]
pub(crate) enum TokenColumn {
    Access,
    Refresh,
}

impl TokenColumn {
    fn name(self) -> &'static str {
        match self {
            TokenColumn::Access => "access",
            TokenColumn::Refresh => "refresh",
        }
    }
}

/// The ciphertext could not be opened: a different key, or data moved between rows.
#[derive(Debug)]
pub(crate) struct Undecryptable;

/// An AES-256-GCM key. Its `Debug` shows nothing of the key.
#[derive(Clone)]
pub struct EncryptionKey(Aes256Gcm);

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey(..)")
    }
}

impl EncryptionKey {
    /// A key from base64 (standard or URL-safe alphabet, padding optional) of exactly 32 bytes.
    /// The error never repeats the input.
    pub fn parse(raw: &str) -> Result<EncryptionKey, String> {
        let raw = raw.trim();
        let fresh = "`hh-mcp key encryption` prints a fresh one";
        if raw.is_empty() {
            return Err(format!(
                "the encryption key is empty; expected base64 of 32 bytes ({fresh})"
            ));
        }
        let lenient = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(false);
        let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, lenient);
        let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, lenient);
        let bytes = standard
            .decode(raw)
            .or_else(|_| url_safe.decode(raw))
            .map_err(|_| {
                format!(
                    "the encryption key is not base64 ({} characters, not all of them base64); expected base64 of 32 bytes ({fresh})",
                    raw.chars().count()
                )
            })?;
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "the encryption key decodes to {} bytes; AES-256 needs exactly 32 ({fresh})",
                bytes.len()
            )
        })?;
        Ok(EncryptionKey::from_bytes(&bytes))
    }

    /// A fresh random key and its base64 (standard alphabet, padded), for `parse`.
    pub fn generate() -> (EncryptionKey, String) {
        let bytes: [u8; 32] = rand::random();
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        (EncryptionKey::from_bytes(&bytes), text)
    }

    fn from_bytes(bytes: &[u8; 32]) -> EncryptionKey {
        EncryptionKey(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(bytes)))
    }

    pub(crate) fn encrypt(&self, account_id: &str, column: TokenColumn, clear: &str) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated_data(account_id, column);
        let sealed = self
            .0
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: clear.as_bytes(),
                    aad: &aad,
                },
            )
            // AES-GCM fails only for messages of more than 64 GiB.
            .expect("an hh.ru token is far below AES-GCM's message limit");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub(crate) fn decrypt(
        &self,
        account_id: &str,
        column: TokenColumn,
        stored: &[u8],
    ) -> Result<String, Undecryptable> {
        let rest = match stored.split_first() {
            Some((&VERSION, rest)) if rest.len() > NONCE_LEN => rest,
            _ => return Err(Undecryptable),
        };
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let aad = associated_data(account_id, column);
        let clear = self
            .0
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| Undecryptable)?;
        String::from_utf8(clear).map_err(|_| Undecryptable)
    }
}

fn associated_data(account_id: &str, column: TokenColumn) -> Vec<u8> {
    format!("hh-store/hh-token/{}/{account_id}", column.name()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_back_and_decrypts_what_it_encrypted() {
        let (key, text) = EncryptionKey::generate();
        let again = EncryptionKey::parse(&format!(" {text}\n")).unwrap();
        let sealed = key.encrypt("a1", TokenColumn::Access, "secret-token");
        assert_eq!(
            again.decrypt("a1", TokenColumn::Access, &sealed).unwrap(),
            "secret-token"
        );
        assert!(!format!("{key:?}").contains(&text));
    }

    #[test]
    fn a_ciphertext_is_bound_to_its_account_and_column() {
        let (key, _) = EncryptionKey::generate();
        let sealed = key.encrypt("a1", TokenColumn::Access, "t");
        assert!(key.decrypt("a2", TokenColumn::Access, &sealed).is_err());
        assert!(key.decrypt("a1", TokenColumn::Refresh, &sealed).is_err());
        let (other, _) = EncryptionKey::generate();
        assert!(other.decrypt("a1", TokenColumn::Access, &sealed).is_err());
        assert!(
            key.decrypt("a1", TokenColumn::Access, &sealed[..10])
                .is_err()
        );
    }

    #[test]
    fn the_same_token_encrypts_differently_each_time() {
        let (key, _) = EncryptionKey::generate();
        let a = key.encrypt("a1", TokenColumn::Access, "t");
        let b = key.encrypt("a1", TokenColumn::Access, "t");
        assert_ne!(a, b, "a fresh nonce per value");
    }

    #[test]
    fn a_bad_key_says_what_is_wrong_and_names_the_command() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        for (raw, says) in [
            ("", "empty"),
            ("not base64 at all!", "not base64"),
            (short.as_str(), "16 bytes"),
        ] {
            let e = EncryptionKey::parse(raw).unwrap_err();
            assert!(e.contains(says), "{e}");
            assert!(e.contains("hh-mcp key encryption"), "{e}");
            if !raw.is_empty() {
                assert!(!e.contains(raw), "the key is never echoed: {e}");
            }
        }
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xfbu8; 32]);
        assert!(EncryptionKey::parse(&url_safe).is_ok());
    }
}
