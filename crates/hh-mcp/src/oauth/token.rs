//! The token endpoint (authorization code with PKCE, rotating refresh tokens), revocation
//! (RFC 7009), and signing out, which also ends the hh.ru token.

use axum::response::{IntoResponse, Response};
use hh_store::{CodeUse, IssuedTokens, Rotation};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;

use super::Authority;
use super::authorize::{Params, is_pkce_value};

/// An OAuth error answer (RFC 6749 §5.2).
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn no_store(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn issued(tokens: &IssuedTokens, scope: &str) -> Response {
    no_store(
        StatusCode::OK,
        json!({
            "access_token": tokens.access_token,
            "token_type": "Bearer",
            "expires_in": tokens.access_expires_in,
            "refresh_token": tokens.refresh_token,
            "scope": scope,
        }),
    )
}

fn invalid_grant(why: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why)
}

/// The client's id: in the form (public clients), or as HTTP Basic's user name.
fn client_id(p: &Params, headers: &HeaderMap) -> Option<String> {
    if let Some(id) = p.get("client_id") {
        return Some(id.to_string());
    }
    let basic = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, _) = text.split_once(':')?;
    // Basic's user name is the form-encoded client id (RFC 6749 §2.3.1).
    let id = url::form_urlencoded::parse(id.as_bytes())
        .next()
        .map(|(name, _)| name.to_string())?;
    (!id.is_empty()).then_some(id)
}

impl Authority {
    /// `POST /token`.
    pub async fn token(&self, headers: &HeaderMap, form: &[u8]) -> Response {
        let p = match Params::parse(form) {
            Ok(p) => p,
            Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
        };
        let Some(client_id) = client_id(&p, headers) else {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client_id is required",
            );
        };
        if let Some(asked) = p.get("resource")
            && asked.trim_end_matches('/') != self.settings.resource()
        {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_target",
                &format!(
                    "this server grants tokens for the resource {} only",
                    self.settings.resource()
                ),
            );
        }
        match p.get("grant_type") {
            Some("authorization_code") => self.exchange_code(&p, &client_id).await,
            Some("refresh_token") => self.rotate(&p, &client_id).await,
            Some(other) => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!(
                    "grant_type `{}` is not offered; use authorization_code or refresh_token",
                    other.chars().take(40).collect::<String>()
                ),
            ),
            None => oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            ),
        }
    }

    async fn exchange_code(&self, p: &Params, client_id: &str) -> Response {
        let (Some(code), Some(redirect_uri), Some(verifier)) =
            (p.get("code"), p.get("redirect_uri"), p.get("code_verifier"))
        else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "code, redirect_uri and code_verifier are required",
            );
        };
        let taken = match self.store.take_code(code).await {
            Ok(t) => t,
            Err(e) => return unavailable(&e.to_string()),
        };
        let (grant, expected_redirect, challenge) = match taken {
            CodeUse::Fresh {
                grant,
                redirect_uri,
                code_challenge,
            } => (grant, redirect_uri, code_challenge),
            CodeUse::Reused => {
                tracing::warn!(
                    client_id,
                    "an authorization code was presented twice; its tokens are revoked"
                );
                return invalid_grant(
                    "the code was already used; every token issued from it is now revoked",
                );
            }
            CodeUse::Unknown => return invalid_grant("the code is unknown or has expired"),
        };
        // The code is spent either way: whoever presents it wrongly loses it.
        if grant.client_id != client_id {
            return invalid_grant("the code was issued to another client");
        }
        if redirect_uri != expected_redirect {
            return invalid_grant("redirect_uri is not the one the code was issued for");
        }
        if !is_pkce_value(verifier) || hh_api::auth::challenge_for(verifier) != challenge {
            return invalid_grant("the PKCE code_verifier does not match the code_challenge");
        }
        match self
            .store
            .issue_tokens(
                &grant,
                Some(code),
                self.settings.access_ttl,
                self.settings.refresh_ttl,
            )
            .await
        {
            Ok(tokens) => issued(&tokens, &grant.scope),
            Err(e) => unavailable(&e.to_string()),
        }
    }

    async fn rotate(&self, p: &Params, client_id: &str) -> Response {
        let Some(presented) = p.get("refresh_token") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "refresh_token is required",
            );
        };
        let rotation = self
            .store
            .rotate_refresh_token(
                presented,
                client_id,
                self.settings.access_ttl,
                self.settings.refresh_ttl,
            )
            .await;
        match rotation {
            Ok(Rotation::Rotated { grant, tokens }) => {
                if let Some(asked) = p.get("scope")
                    && asked
                        .split_whitespace()
                        .any(|s| !grant.scope.split_whitespace().any(|g| g == s))
                {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "a refresh cannot widen the scope that was granted",
                    );
                }
                issued(&tokens, &grant.scope)
            }
            Ok(Rotation::Replayed) => {
                self.tokens.forget_all();
                tracing::warn!(
                    client_id,
                    "a rotated refresh token was presented again; its sign-in is revoked"
                );
                invalid_grant(
                    "the refresh token was already used: every token of this sign-in is revoked; sign in again",
                )
            }
            Ok(Rotation::Unknown) => {
                invalid_grant("the refresh token is unknown, expired or revoked")
            }
            Err(e) => unavailable(&e.to_string()),
        }
    }

    /// `POST /revoke`: the token's whole sign-in ends. Answers 200 whatever the token was.
    pub async fn revoke(&self, form: &[u8]) -> Response {
        let p = match Params::parse(form) {
            Ok(p) => p,
            Err(e) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
        };
        let Some(token) = p.get("token") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "token is required",
            );
        };
        if let Err(e) = self.store.revoke_token(token).await {
            return unavailable(&e.to_string());
        }
        self.tokens.forget_all();
        no_store(StatusCode::OK, json!({}))
    }

    /// `POST /oauth/signout` with our access token: every token we issued for the account
    /// ends, and so does its hh.ru token (`DELETE /token` on hh.ru).
    pub async fn sign_out(&self, account_id: &str) -> Response {
        let hh_tokens = match self.store.sign_out(account_id).await {
            Ok(t) => t,
            Err(e) => return unavailable(&e.to_string()),
        };
        self.tokens.forget_all();
        self.accounts.forget(account_id);
        let mut hh_invalidated = false;
        if let Some(t) = hh_tokens {
            match self.hh_client(Some(&t.access)) {
                Ok(hh) => {
                    // With the token, before it is invalidated.
                    crate::live::subscription::cancel(&self.store, &hh, account_id).await;
                    match hh.invalidate_token().await {
                        Ok(()) => hh_invalidated = true,
                        Err(e) => {
                            tracing::warn!(error = %e, "could not invalidate the hh.ru token")
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not set up the hh.ru client"),
            }
        }
        tracing::info!(account = %super::accounts::short(account_id), hh_invalidated, "signed out");
        no_store(
            StatusCode::OK,
            json!({ "signed_out": true, "hh_token_invalidated": hh_invalidated }),
        )
    }
}

fn unavailable(why: &str) -> Response {
    tracing::warn!(%why, "the sign-in store failed");
    oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the sign-in store is unavailable; try again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_id_comes_from_the_form_or_basic_auth() {
        let form = Params::parse(b"client_id=hhc_form").unwrap();
        assert_eq!(
            client_id(&form, &HeaderMap::new()).as_deref(),
            Some("hhc_form")
        );
        let empty = Params::parse(b"grant_type=refresh_token").unwrap();
        let mut headers = HeaderMap::new();
        // base64("hhc%2Fbasic:") — the user name is form-encoded.
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic aGhjJTJGYmFzaWM6"),
        );
        assert_eq!(client_id(&empty, &headers).as_deref(), Some("hhc/basic"));
        assert_eq!(client_id(&empty, &HeaderMap::new()), None);
    }
}
