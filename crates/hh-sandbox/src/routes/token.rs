//! `POST /token` (authorization code and refresh grants) and `DELETE /token`. A code
//! is exchanged for the user who approved it, with the application's credentials,
//! the redirect URI it was issued for and its PKCE verifier; a refresh renews the pair
//! of the user whose refresh token it is.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::json;

use crate::errors::{ApiError, ApiResult};
use crate::http::{Bearer, Params, no_content, ok};
use crate::state::AppState;
use crate::tokens::{GrantError, Presented};

fn refused(e: GrantError) -> ApiError {
    ApiError::oauth_grant(e.error, e.description)
}

/// `POST /token`, form `grant_type` and the grant's fields.
pub async fn obtain(
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let form = Params::form_and_query(&body, &query);
    let (user, issued) = match form.get("grant_type") {
        Some("authorization_code") => {
            let code = form
                .get("code")
                .filter(|c| !c.is_empty())
                .ok_or_else(|| ApiError::oauth_grant("invalid_request", "code not found"))?;
            let given = |k: &str| form.get(k).filter(|v| !v.is_empty());
            let (Some(client_id), Some(client_secret)) =
                (given("client_id"), given("client_secret"))
            else {
                return Err(ApiError::oauth_grant(
                    "invalid_client",
                    "client_id or client_secret not found",
                ));
            };
            let presented = Presented {
                client_id,
                client_secret,
                redirect_uri: given("redirect_uri"),
                code_verifier: given("code_verifier"),
            };
            st.tokens()
                .exchange_code(&st.sign_in.app, code, presented)
                .map_err(refused)?
        }
        Some("refresh_token") => {
            let token = form
                .get("refresh_token")
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ApiError::oauth_grant("invalid_request", "token is empty"))?;
            st.tokens().refresh(token).map_err(refused)?
        }
        _ => {
            return Err(ApiError::oauth_grant(
                "unsupported_grant_type",
                "unsupported grant_type",
            ));
        }
    };
    tracing::info!(user, "tokens issued");
    Ok(ok(&json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
    })))
}

/// `DELETE /token`: the token the request is made with stops working.
pub async fn invalidate(
    State(st): State<AppState>,
    bearer: Option<Extension<Bearer>>,
) -> ApiResult {
    if let Some(Extension(Bearer(token))) = bearer {
        st.tokens().invalidate(&token);
    }
    Ok(no_content())
}
