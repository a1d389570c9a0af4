//! The HTTP door's settings, from the environment (the address also from `--http`),
//! checked at start-up: a malformed value stops the server with a message naming it.

use std::net::SocketAddr;
use std::time::Duration;

use super::keys::ApiKeys;
use super::limits::LimitSettings;

#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    /// `None`: no key is asked (only the sandbox demo on loopback).
    pub keys: Option<ApiKeys>,
    /// `HH_MCP_STATE_KEY`, shared by the replicas; `None`: a random key for this process.
    pub state_key: Option<Vec<u8>>,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub limits: LimitSettings,
    pub request_timeout: Duration,
    pub drain: Duration,
}

fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A whole number in `range`, or the default; an error names the variable.
fn number(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    problems: &mut Vec<String>,
) -> u64 {
    match var(env, name) {
        None => default,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                problems.push(format!(
                    "{name} must be a whole number from {} to {}, not `{}`",
                    range.start(),
                    range.end(),
                    raw.chars().take(40).collect::<String>()
                ));
                default
            }
        },
    }
}

fn list(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<Vec<String>> {
    var(env, name).map(|raw| {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// Loopback names, the default for `Host` (any port).
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Loopback origins, the default for `Origin`.
const LOOPBACK_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Whether callers present API keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Single-tenant: every caller presents one of `HH_MCP_API_KEY_HASHES`.
    Required,
    /// The embedded sandbox on loopback: no key is asked.
    SandboxOpen,
    /// Multi-user: each recruiter signs in with OAuth; API keys are not accepted.
    SignIn,
}

impl HttpSettings {
    /// `addr`: `--http ADDR` or `HH_MCP_HTTP_ADDR`.
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        addr: &str,
        policy: KeyPolicy,
    ) -> Result<HttpSettings, Vec<String>> {
        let sandbox = policy == KeyPolicy::SandboxOpen;
        let mut problems = Vec::new();
        let addr = match addr.trim().parse::<SocketAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                problems.push(format!(
                    "--http / HH_MCP_HTTP_ADDR must be an IP address and port such as \
                     `127.0.0.1:8080`, not `{}`",
                    addr.chars().take(60).collect::<String>()
                ));
                None
            }
        };
        let keys = match var(env, "HH_MCP_API_KEY_HASHES") {
            Some(raw) => match ApiKeys::parse(&raw, "HH_MCP_API_KEY_HASHES") {
                Ok(k) => Some(k),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
            None => None,
        };
        let configured_keys = var(env, "HH_MCP_API_KEY_HASHES").is_some();
        if policy == KeyPolicy::SignIn && configured_keys {
            problems.push(
                "HH_MCP_API_KEY_HASHES is set, but in multi-user mode each recruiter signs in                  with their own hh.ru account and API keys are not accepted: unset it"
                    .to_string(),
            );
        }
        if let Some(a) = addr
            && !configured_keys
            && policy != KeyPolicy::SignIn
        {
            if !sandbox {
                problems.push(
                    "HH_MCP_API_KEY_HASHES is not set: over HTTP every client presents an API key. \
                     Run `hh-mcp key new`, give the key to the assistant and set \
                     HH_MCP_API_KEY_HASHES to its `sha256:` digest"
                        .to_string(),
                );
            } else if !a.ip().is_loopback() {
                problems.push(format!(
                    "the sandbox serves without API keys only on loopback (127.0.0.1 or ::1), not \
                     on {a}; set HH_MCP_API_KEY_HASHES to serve it on a network"
                ));
            }
        }
        let state_key = var(env, "HH_MCP_STATE_KEY").map(String::into_bytes);
        if let Some(k) = &state_key
            && k.len() < 32
        {
            problems.push(format!(
                "HH_MCP_STATE_KEY must be at least 32 characters (it signs confirmations; \
                 e.g. `openssl rand -hex 32`), not {}",
                k.len()
            ));
        }
        let allowed_hosts = list(env, "HH_MCP_ALLOWED_HOSTS")
            .unwrap_or_else(|| LOOPBACK_HOSTS.iter().map(|s| s.to_string()).collect());
        for h in &allowed_hosts {
            if h.contains('/') || h.contains(' ') {
                problems.push(format!(
                    "HH_MCP_ALLOWED_HOSTS: `{h}` is not a host name or host:port (no scheme, no path)"
                ));
            }
        }
        let allowed_origins = list(env, "HH_MCP_ALLOWED_ORIGINS")
            .unwrap_or_else(|| LOOPBACK_ORIGINS.iter().map(|s| s.to_string()).collect());
        for o in &allowed_origins {
            if !(o.starts_with("https://") || o.starts_with("http://") || o == "null") {
                problems.push(format!(
                    "HH_MCP_ALLOWED_ORIGINS: `{o}` must start with https:// or http:// \
                     (e.g. `https://claude.ai:443`)"
                ));
            }
        }
        let d = LimitSettings::default();
        let limits = LimitSettings {
            rate_per_sec: number(
                env,
                "HH_MCP_RATE_PER_SEC",
                1..=1_000_000,
                d.rate_per_sec.into(),
                &mut problems,
            ) as u32,
            burst: number(
                env,
                "HH_MCP_RATE_BURST",
                1..=1_000_000,
                d.burst.into(),
                &mut problems,
            ) as u32,
            in_flight_per_key: number(
                env,
                "HH_MCP_MAX_IN_FLIGHT_PER_KEY",
                1..=100_000,
                d.in_flight_per_key as u64,
                &mut problems,
            ) as usize,
            in_flight: number(
                env,
                "HH_MCP_MAX_IN_FLIGHT",
                1..=100_000,
                d.in_flight as u64,
                &mut problems,
            ) as usize,
        };
        let max_body_bytes = number(
            env,
            "HH_MCP_MAX_BODY_BYTES",
            1024..=64 * 1024 * 1024,
            1024 * 1024,
            &mut problems,
        ) as usize;
        let request_timeout = Duration::from_secs(number(
            env,
            "HH_MCP_REQUEST_TIMEOUT_SECS",
            1..=3600,
            120,
            &mut problems,
        ));
        let drain = Duration::from_secs(number(
            env,
            "HH_MCP_DRAIN_SECS",
            0..=3600,
            30,
            &mut problems,
        ));
        match (addr, problems.is_empty()) {
            (Some(addr), true) => Ok(HttpSettings {
                addr,
                keys,
                state_key,
                allowed_hosts,
                allowed_origins,
                max_body_bytes,
                limits,
                request_timeout,
                drain,
            }),
            _ => Err(problems),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env;

    #[test]
    fn without_keys_only_the_loopback_sandbox_starts() {
        let all = |e: &dyn Fn(&str) -> Option<String>, addr, sandbox| {
            HttpSettings::load(
                e,
                addr,
                if sandbox {
                    KeyPolicy::SandboxOpen
                } else {
                    KeyPolicy::Required
                },
            )
            .err()
            .unwrap_or_default()
            .join("\n")
        };
        let none = env(&[]);
        assert!(all(&none, "127.0.0.1:0", false).contains("HH_MCP_API_KEY_HASHES is not set"));
        assert!(all(&none, "0.0.0.0:80", true).contains("only on loopback"));
        assert!(
            HttpSettings::load(&none, "127.0.0.1:0", KeyPolicy::SandboxOpen)
                .unwrap()
                .keys
                .is_none()
        );
        assert!(all(&none, "localhost", true).contains("--http / HH_MCP_HTTP_ADDR"));
    }

    #[test]
    fn every_malformed_value_is_named() {
        let e = env(&[
            ("HH_MCP_API_KEY_HASHES", "sha256:00"),
            ("HH_MCP_STATE_KEY", "short"),
            ("HH_MCP_ALLOWED_ORIGINS", "claude.ai"),
            ("HH_MCP_RATE_PER_SEC", "fast"),
            ("HH_MCP_MAX_BODY_BYTES", "10"),
        ]);
        let all = HttpSettings::load(&e, "127.0.0.1:0", KeyPolicy::Required)
            .unwrap_err()
            .join("\n");
        for name in [
            "HH_MCP_API_KEY_HASHES",
            "HH_MCP_STATE_KEY",
            "HH_MCP_ALLOWED_ORIGINS",
            "HH_MCP_RATE_PER_SEC",
            "HH_MCP_MAX_BODY_BYTES",
        ] {
            assert!(all.contains(name), "{name} in {all}");
        }
    }
}
