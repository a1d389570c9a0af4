//! Who may ask for a user's consent: clients registered here (Dynamic Client Registration,
//! RFC 7591), and clients whose `client_id` is an https URL of their metadata document
//! (Client ID Metadata Documents), fetched with a timeout and a size cap, never from a
//! private or loopback address unless configured, and cached in the store.

use std::net::IpAddr;
use std::time::Duration;

use hh_store::RegisteredClient;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::Authority;
use super::settings::is_loopback_url;

/// How long a fetched metadata document is used before it is fetched again.
const METADATA_TTL_SECS: i64 = 3_600;
const METADATA_MAX_BYTES: usize = 64 * 1024;
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REDIRECT_URIS: usize = 10;
const MAX_NAME_CHARS: usize = 100;

/// A refused registration or metadata document: RFC 7591's error code and why.
#[derive(Debug)]
pub struct Refusal {
    pub error: &'static str,
    pub description: String,
}

fn refusal(error: &'static str, description: impl Into<String>) -> Refusal {
    Refusal {
        error,
        description: description.into(),
    }
}

/// What a client says about itself, at registration or in its metadata document.
#[derive(Debug, Deserialize)]
pub struct ClientMetadata {
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
}

/// A redirect URI a client may use: https, http only to loopback (native apps), or an
/// app's own scheme; never one that runs code or reads files, and no fragment.
pub fn check_redirect_uri(raw: &str) -> Result<(), String> {
    if raw.len() > 2_000 {
        return Err("a redirect URI is longer than 2000 characters".into());
    }
    let u = Url::parse(raw).map_err(|e| format!("`{}` is not a URL: {e}", shown(raw)))?;
    if u.fragment().is_some() {
        return Err(format!(
            "`{}` has a fragment, which a redirect URI must not",
            shown(raw)
        ));
    }
    match u.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_url(&u) => Ok(()),
        "http" => Err(format!(
            "`{}`: plain http is allowed only to localhost/127.0.0.1/[::1]; use https",
            shown(raw)
        )),
        "javascript" | "data" | "file" | "vbscript" | "about" | "blob" | "ftp" | "ws" | "wss" => {
            Err(format!(
                "`{}`: the scheme `{}` cannot be a redirect URI",
                shown(raw),
                u.scheme()
            ))
        }
        _ => Ok(()),
    }
}

fn shown(raw: &str) -> String {
    raw.chars().take(80).collect()
}

fn checked_metadata(m: &ClientMetadata) -> Result<(String, Vec<String>), Refusal> {
    if m.redirect_uris.is_empty() {
        return Err(refusal(
            "invalid_redirect_uri",
            "`redirect_uris` must list at least one URI",
        ));
    }
    if m.redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(refusal(
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs"),
        ));
    }
    for uri in &m.redirect_uris {
        check_redirect_uri(uri).map_err(|e| refusal("invalid_redirect_uri", e))?;
    }
    if let Some(types) = &m.grant_types
        && let Some(other) = types
            .iter()
            .find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err(refusal(
            "invalid_client_metadata",
            format!(
                "grant type `{}` is not offered; expected authorization_code and refresh_token",
                shown(other)
            ),
        ));
    }
    if let Some(types) = &m.response_types
        && types.iter().any(|t| t != "code")
    {
        return Err(refusal(
            "invalid_client_metadata",
            "only the response type `code` is offered",
        ));
    }
    let name: String = m
        .client_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("An unnamed client")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    Ok((name, m.redirect_uris.clone()))
}

impl Authority {
    /// `POST /register`: a new public client.
    pub async fn register(&self, body: &[u8]) -> Result<Value, Refusal> {
        let m: ClientMetadata = serde_json::from_slice(body).map_err(|e| {
            refusal(
                "invalid_client_metadata",
                format!("the body is not client metadata JSON: {e}"),
            )
        })?;
        let (name, redirect_uris) = checked_metadata(&m)?;
        let now = hh_api::auth::now_unix() as i64;
        let client = RegisteredClient {
            client_id: format!("hhc_{}", random_id()),
            name,
            redirect_uris,
            metadata_document: false,
            created_at: now,
            refreshed_at: now,
        };
        self.store
            .put_client(&client)
            .await
            .map_err(|e| refusal("server_error", format!("the store: {e}")))?;
        tracing::info!(client_id = %client.client_id, name = %client.name, "client registered");
        Ok(json!({
            "client_id": client.client_id,
            "client_id_issued_at": now,
            "client_name": client.name,
            "redirect_uris": client.redirect_uris,
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
        }))
    }

    /// The client a `client_id` names: registered here, or its metadata document's.
    pub async fn client(&self, client_id: &str) -> Result<Option<RegisteredClient>, Refusal> {
        let cached = self
            .store
            .client(client_id)
            .await
            .map_err(|e| refusal("server_error", format!("the store: {e}")))?;
        if !client_id.starts_with("https://") && !client_id.starts_with("http://") {
            return Ok(cached);
        }
        let now = hh_api::auth::now_unix() as i64;
        if let Some(c) = cached
            && now - c.refreshed_at < METADATA_TTL_SECS
        {
            return Ok(Some(c));
        }
        let m = self.fetch_metadata(client_id).await?;
        if m.client_id.as_deref() != Some(client_id) {
            return Err(refusal(
                "invalid_client_metadata",
                "the metadata document's `client_id` is not the URL it was fetched from",
            ));
        }
        let (name, redirect_uris) = checked_metadata(&m)?;
        let client = RegisteredClient {
            client_id: client_id.to_string(),
            name,
            redirect_uris,
            metadata_document: true,
            created_at: now,
            refreshed_at: now,
        };
        self.store
            .put_client(&client)
            .await
            .map_err(|e| refusal("server_error", format!("the store: {e}")))?;
        Ok(Some(client))
    }

    async fn fetch_metadata(&self, raw: &str) -> Result<ClientMetadata, Refusal> {
        let bad = |why: String| refusal("invalid_client", why);
        let url = Url::parse(raw).map_err(|e| bad(format!("client_id is not a URL: {e}")))?;
        let private_ok = self.settings.metadata_from_private_hosts;
        let plain_ok = private_ok && is_loopback_url(&url);
        if url.scheme() != "https" && !plain_ok {
            return Err(bad("a client_id URL must be https".into()));
        }
        if url.path() == "/" || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad(
                "a client_id URL must have a path and no fragment or credentials".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| bad("the client_id URL has no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        // Resolve once, check every address, and connect only to a checked one, so that
        // a second lookup cannot point the request somewhere private.
        let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| bad(format!("the client_id host cannot be resolved: {e}")))?
            .collect();
        let Some(first) = addrs.first().copied() else {
            return Err(bad("the client_id host has no address".into()));
        };
        if !private_ok && addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(bad(
                "the client_id host resolves to a private or loopback address".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(METADATA_TIMEOUT)
            .resolve(&host, first)
            .build()
            .map_err(|e| bad(format!("cannot set up HTTP: {e}")))?;
        let mut response = http
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| {
                bad(format!(
                    "the client metadata document could not be fetched: {e}"
                ))
            })?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(bad(format!(
                "the client metadata document answered {} (redirects are not followed)",
                response.status().as_u16()
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| bad(format!("the client metadata document broke off: {e}")))?
        {
            if body.len() + chunk.len() > METADATA_MAX_BYTES {
                return Err(bad(format!(
                    "the client metadata document is larger than {METADATA_MAX_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| {
            refusal(
                "invalid_client_metadata",
                format!("the client metadata document is not client metadata JSON: {e}"),
            )
        })
    }
}

/// An address on the public internet (not loopback, private, link-local, shared, …).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// 32 random bytes, base64url: an unguessable id.
pub fn random_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_checked() {
        assert!(check_redirect_uri("https://claude.ai/api/mcp/auth_callback").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:33418/callback").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("cursor://anysphere.cursor-retrieval/oauth/cb").is_ok());
        assert!(
            check_redirect_uri("http://evil.example/cb")
                .unwrap_err()
                .contains("plain http")
        );
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(
            check_redirect_uri("https://a.example/cb#x")
                .unwrap_err()
                .contains("fragment")
        );
        assert!(check_redirect_uri("not a url").is_err());
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
