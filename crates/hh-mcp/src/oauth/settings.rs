//! Multi-user mode's settings, from the environment, checked at start-up: a malformed
//! value stops the server with a message naming it.

use std::path::PathBuf;
use std::time::Duration;

use hh_store::EncryptionKey;
use url::Url;

/// Our registered hh.ru application, which recruiters authorize on hh.ru's own page.
#[derive(Clone)]
pub struct HhApplication {
    pub client_id: String,
    pub client_secret: String,
    /// hh.ru's login page (`https://hh.ru/oauth/authorize`, or the sandbox's).
    pub authorize_url: Url,
}

impl std::fmt::Debug for HhApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HhApplication")
            .field("client_id", &self.client_id)
            .field("authorize_url", &self.authorize_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// Where MCP clients reach this server (`HH_MCP_PUBLIC_URL`): the issuer, and the base
    /// of the resource `…/mcp` our tokens are bound to.
    pub public_url: Url,
    pub hh: HhApplication,
    /// `HH_MCP_DATABASE_URL`: PostgreSQL for replicas; unset, SQLite in `data_dir`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub encryption_key: EncryptionKeySetting,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a checked access token is trusted without asking the store again
    /// (`HH_MCP_TOKEN_CACHE_SECS`; 0 turns the cache off). Revoking on another replica
    /// takes at most this long to reach this one.
    pub token_cache: Duration,
    /// Fetch client metadata documents from private and loopback addresses
    /// (`HH_MCP_CLIENT_METADATA_ALLOW_PRIVATE=1`), and over plain http there: for tests
    /// and private networks only.
    pub metadata_from_private_hosts: bool,
}

/// The key that encrypts hh.ru's tokens at rest.
#[derive(Clone)]
pub enum EncryptionKeySetting {
    Given(EncryptionKey),
    /// The sandbox demo: a fresh key each start (its data lives in a temporary directory).
    Ephemeral(EncryptionKey),
}

impl std::fmt::Debug for EncryptionKeySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EncryptionKeySetting::Given(_) => "Given(***)",
            EncryptionKeySetting::Ephemeral(_) => "Ephemeral(***)",
        })
    }
}

impl EncryptionKeySetting {
    pub fn key(&self) -> EncryptionKey {
        match self {
            EncryptionKeySetting::Given(k) | EncryptionKeySetting::Ephemeral(k) => k.clone(),
        }
    }
}

/// What the sandbox gives when it plays hh.ru's side.
pub struct SandboxSide {
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: String,
}

fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn seconds(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    problems: &mut Vec<String>,
) -> Duration {
    let secs = match var(env, name) {
        None => default,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                problems.push(format!(
                    "{name} must be a whole number of seconds from {} to {}, not `{}`",
                    range.start(),
                    range.end(),
                    raw.chars().take(40).collect::<String>()
                ));
                default
            }
        },
    };
    Duration::from_secs(secs)
}

impl OAuthSettings {
    /// Multi-user mode is on when `HH_CLIENT_ID` is set (or the sandbox plays hh.ru);
    /// `None` otherwise. `bound` is the address served, the public URL's default on loopback.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        bound: std::net::SocketAddr,
        sandbox: Option<SandboxSide>,
    ) -> Result<Option<OAuthSettings>, Vec<String>> {
        let mut problems = Vec::new();
        let hh = match (&sandbox, var(env, "HH_CLIENT_ID")) {
            (Some(side), _) => HhApplication {
                client_id: side.client_id.clone(),
                client_secret: side.client_secret.clone(),
                authorize_url: match Url::parse(&side.authorize_url) {
                    Ok(u) => u,
                    Err(e) => return Err(vec![format!("the sandbox's authorize URL: {e}")]),
                },
            },
            (None, None) => return Ok(None),
            (None, Some(client_id)) => {
                let client_secret = var(env, "HH_CLIENT_SECRET").unwrap_or_else(|| {
                    problems.push(
                        "HH_CLIENT_SECRET is required with HH_CLIENT_ID: the secret of your \
                         application registered at hh.ru (dev.hh.ru)"
                            .to_string(),
                    );
                    String::new()
                });
                let raw = var(env, "HH_AUTHORIZE_URL")
                    .unwrap_or_else(|| hh_api::auth::DEFAULT_AUTHORIZE_URL.to_string());
                let authorize_url = Url::parse(&raw).unwrap_or_else(|e| {
                    problems.push(format!(
                        "HH_AUTHORIZE_URL `{raw}` is not a URL ({e}); expected {}",
                        hh_api::auth::DEFAULT_AUTHORIZE_URL
                    ));
                    Url::parse(hh_api::auth::DEFAULT_AUTHORIZE_URL).expect("a valid URL")
                });
                HhApplication {
                    client_id,
                    client_secret,
                    authorize_url,
                }
            }
        };
        let public_url = match var(env, "HH_MCP_PUBLIC_URL") {
            Some(raw) => match Url::parse(&raw) {
                Ok(u)
                    if matches!(u.scheme(), "https" | "http")
                        && u.host_str().is_some()
                        && u.query().is_none()
                        && u.fragment().is_none()
                        && (u.path() == "/" || u.path().is_empty()) =>
                {
                    if u.scheme() == "http" && !is_loopback_url(&u) {
                        problems.push(format!(
                            "HH_MCP_PUBLIC_URL `{raw}` must be https (plain http only on loopback): \
                             tokens travel to it"
                        ));
                    }
                    u
                }
                _ => {
                    problems.push(format!(
                        "HH_MCP_PUBLIC_URL `{raw}` must be the server's origin as clients reach it, \
                         e.g. https://hh-mcp.example.com (no path, query or fragment)"
                    ));
                    loopback_url(bound)
                }
            },
            None if bound.ip().is_loopback() => loopback_url(bound),
            None => {
                problems.push(format!(
                    "HH_MCP_PUBLIC_URL is required when serving on {bound}: the https origin \
                     MCP clients reach this server at (behind the TLS proxy)"
                ));
                loopback_url(bound)
            }
        };
        let encryption_key = match (var(env, "HH_MCP_ENCRYPTION_KEY"), &sandbox) {
            (Some(raw), _) => match EncryptionKey::parse(&raw) {
                Ok(k) => EncryptionKeySetting::Given(k),
                Err(e) => {
                    problems.push(format!("HH_MCP_ENCRYPTION_KEY: {e}"));
                    EncryptionKeySetting::Ephemeral(EncryptionKey::generate().0)
                }
            },
            (None, Some(_)) => EncryptionKeySetting::Ephemeral(EncryptionKey::generate().0),
            (None, None) => {
                problems.push(
                    "HH_MCP_ENCRYPTION_KEY is required in multi-user mode: it encrypts hh.ru's \
                     tokens at rest. Make one with `hh-mcp key encryption` and keep it (the same \
                     on every replica)"
                        .to_string(),
                );
                EncryptionKeySetting::Ephemeral(EncryptionKey::generate().0)
            }
        };
        let data_dir = match var(env, "HH_MCP_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None if sandbox.is_some() => {
                std::env::temp_dir().join(format!("hh-mcp-sandbox-{}", std::process::id()))
            }
            None => match dirs::data_dir() {
                Some(d) => d.join("hh-mcp"),
                None => {
                    problems.push(
                        "no data directory for the SQLite store: set HH_MCP_DATA_DIR or \
                         HH_MCP_DATABASE_URL"
                            .to_string(),
                    );
                    PathBuf::from(".")
                }
            },
        };
        let access_ttl = seconds(
            env,
            "HH_MCP_ACCESS_TOKEN_SECS",
            1..=86_400,
            3_600,
            &mut problems,
        );
        let refresh_ttl = seconds(
            env,
            "HH_MCP_REFRESH_TOKEN_SECS",
            60..=31_536_000,
            30 * 86_400,
            &mut problems,
        );
        let token_cache = seconds(env, "HH_MCP_TOKEN_CACHE_SECS", 0..=300, 10, &mut problems);
        let metadata_from_private_hosts =
            match var(env, "HH_MCP_CLIENT_METADATA_ALLOW_PRIVATE").as_deref() {
                None | Some("0") => false,
                Some("1") => true,
                Some(other) => {
                    problems.push(format!(
                        "HH_MCP_CLIENT_METADATA_ALLOW_PRIVATE must be 1 or 0, not `{}`",
                        other.chars().take(20).collect::<String>()
                    ));
                    false
                }
            };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Some(OAuthSettings {
            public_url,
            hh,
            database_url: var(env, "HH_MCP_DATABASE_URL"),
            data_dir,
            encryption_key,
            access_ttl,
            refresh_ttl,
            token_cache,
            metadata_from_private_hosts,
        }))
    }

    /// The origin without a trailing slash: `https://hh-mcp.example.com`.
    pub fn issuer(&self) -> String {
        self.public_url.as_str().trim_end_matches('/').to_string()
    }

    /// The resource our tokens are for (RFC 8707): the MCP endpoint.
    pub fn resource(&self) -> String {
        format!("{}/mcp", self.issuer())
    }

    /// Where hh.ru sends the recruiter back after their login.
    pub fn hh_callback(&self) -> String {
        format!("{}/oauth/hh/callback", self.issuer())
    }
}

fn loopback_url(bound: std::net::SocketAddr) -> Url {
    Url::parse(&format!("http://{bound}/")).expect("a socket address makes a URL")
}

pub fn is_loopback_url(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn addr() -> std::net::SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn off_without_an_hh_application() {
        assert!(
            OAuthSettings::load(&env(&[]), addr(), None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_missing_or_malformed_key_is_refused_and_the_command_named() {
        let missing = OAuthSettings::load(
            &env(&[("HH_CLIENT_ID", "C"), ("HH_CLIENT_SECRET", "S")]),
            addr(),
            None,
        )
        .unwrap_err();
        assert!(
            missing.iter().any(|p| p.contains("HH_MCP_ENCRYPTION_KEY")
                && p.contains("hh-mcp key encryption")),
            "{missing:?}"
        );
        let malformed = OAuthSettings::load(
            &env(&[
                ("HH_CLIENT_ID", "C"),
                ("HH_CLIENT_SECRET", "S"),
                ("HH_MCP_ENCRYPTION_KEY", "c2hvcnQ="),
            ]),
            addr(),
            None,
        )
        .unwrap_err();
        assert!(
            malformed
                .iter()
                .any(|p| p.starts_with("HH_MCP_ENCRYPTION_KEY:")),
            "{malformed:?}"
        );
    }

    #[test]
    fn a_public_address_needs_an_https_public_url() {
        let (_, key) = EncryptionKey::generate();
        let key: &'static str = Box::leak(key.into_boxed_str());
        let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
            ("HH_CLIENT_ID", "C"),
            ("HH_CLIENT_SECRET", "S"),
            ("HH_MCP_ENCRYPTION_KEY", key),
            ("HH_MCP_PUBLIC_URL", "http://hh-mcp.example.com"),
        ]));
        let problems =
            OAuthSettings::load(&env(pairs), "0.0.0.0:8080".parse().unwrap(), None).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("must be https")),
            "{problems:?}"
        );
        let ok = OAuthSettings::load(&env(&pairs[..3]), addr(), None)
            .unwrap()
            .unwrap();
        assert_eq!(ok.resource(), "http://127.0.0.1:8080/mcp");
        assert_eq!(ok.hh_callback(), "http://127.0.0.1:8080/oauth/hh/callback");
    }
}
