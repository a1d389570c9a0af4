//! The two discovery documents: Protected Resource Metadata (RFC 9728), which names us as
//! the resource's authorization server, and Authorization Server Metadata (RFC 8414).

use serde_json::{Value, json};

use super::OAuthSettings;
use super::scopes;

pub fn protected_resource(s: &OAuthSettings) -> Value {
    json!({
        "resource": s.resource(),
        "authorization_servers": [s.issuer()],
        "scopes_supported": scopes::ALL,
        "bearer_methods_supported": ["header"],
        "resource_name": "hh-mcp: an employer's hiring on hh.ru",
    })
}

pub fn authorization_server(s: &OAuthSettings) -> Value {
    let issuer = s.issuer();
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "scopes_supported": scopes::ALL,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        // Public clients with PKCE: a secret in an assistant's config protects nothing more.
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "client_id_metadata_document_supported": true,
        "authorization_response_iss_parameter_supported": true,
    })
}
