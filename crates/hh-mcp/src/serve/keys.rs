//! API keys of the HTTP door. The server knows only their SHA-256 digests
//! (`HH_MCP_API_KEY_HASHES=sha256:<hex>,…`), so no key is in clear in a file, a log or
//! an environment dump; `hh-mcp key new` prints a fresh key and its digest.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The digest of one API key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyDigest([u8; 32]);

impl std::fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyDigest({})", self.id())
    }
}

impl KeyDigest {
    pub fn of(key: &str) -> KeyDigest {
        KeyDigest(Sha256::digest(key.as_bytes()).into())
    }

    /// `sha256:<64 hex digits>`.
    pub fn parse(raw: &str) -> Result<KeyDigest, String> {
        let hex = raw.trim().strip_prefix("sha256:").ok_or_else(|| {
            "each entry must be `sha256:<64 hex digits>` (from `hh-mcp key new`), never a key itself"
                .to_string()
        })?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "`sha256:` must be followed by 64 hex digits, not {} characters",
                hex.len()
            ));
        }
        let mut d = [0u8; 32];
        for (i, byte) in d.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string())?;
        }
        Ok(KeyDigest(d))
    }

    /// A short name for logs and limits: the first 8 hex digits of the digest.
    pub fn id(&self) -> String {
        self.0[..4].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Display for KeyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The keys that may call the server.
#[derive(Debug, Clone)]
pub struct ApiKeys(Vec<KeyDigest>);

impl ApiKeys {
    /// A comma-separated list of digests; `setting` names the variable in errors.
    pub fn parse(raw: &str, setting: &str) -> Result<ApiKeys, String> {
        let mut keys = Vec::new();
        for (i, entry) in raw.split(',').map(str::trim).enumerate() {
            if entry.is_empty() {
                continue;
            }
            keys.push(
                KeyDigest::parse(entry).map_err(|e| format!("{setting}, entry {}: {e}", i + 1))?,
            );
        }
        if keys.is_empty() {
            return Err(format!(
                "{setting} is set but lists no digest; expected `sha256:<hex>[,sha256:<hex>…]`"
            ));
        }
        Ok(ApiKeys(keys))
    }

    pub fn digests(&self) -> &[KeyDigest] {
        &self.0
    }

    /// The digest of the presented key, if it is one of ours. Every configured digest is
    /// compared, each in constant time, so the time taken says nothing about which matched.
    pub fn check(&self, presented: &str) -> Option<&KeyDigest> {
        let d = KeyDigest::of(presented);
        let mut found = None;
        for k in &self.0 {
            if bool::from(k.0.ct_eq(&d.0)) {
                found = Some(k);
            }
        }
        found
    }
}

/// A fresh random key (256 bits, URL-safe) and its digest.
pub fn new_key() -> (String, KeyDigest) {
    let bytes: [u8; 32] = rand::random();
    let key = format!(
        "hhmcp_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let digest = KeyDigest::of(&key);
    (key, digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_checks_against_its_digest_only() {
        let (key, digest) = new_key();
        let keys = ApiKeys::parse(&format!(" {digest} ,"), "HH_MCP_API_KEY_HASHES").unwrap();
        assert_eq!(keys.check(&key), Some(&digest));
        assert_eq!(keys.check(&format!("{key}x")), None);
        assert_eq!(keys.check(""), None);
        assert!(!format!("{digest:?}").contains(&digest.to_string()[7..]));
    }

    #[test]
    fn malformed_digests_name_the_setting() {
        for bad in ["hhmcp_abc", "sha256:12", "sha256:zz", ","] {
            let e = ApiKeys::parse(bad, "HH_MCP_API_KEY_HASHES").unwrap_err();
            assert!(e.contains("HH_MCP_API_KEY_HASHES"), "{e}");
            assert!(!e.contains("hhmcp_abc"), "a key is never echoed: {e}");
        }
    }
}
