//! `POST /token` (authorization code and refresh grants) and `DELETE /token`.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use serde_json::json;

use crate::errors::{ApiError, ApiResult};
use crate::http::{Bearer, Params, no_content, ok};
use crate::state::AppState;
use crate::tokens::GrantError;

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
    let issued = match form.get("grant_type") {
        Some("authorization_code") => {
            let code = form
                .get("code")
                .filter(|c| !c.is_empty())
                .ok_or_else(|| ApiError::oauth_grant("invalid_request", "code not found"))?;
            let client_known = ["client_id", "client_secret"]
                .iter()
                .all(|k| form.get(k).is_some_and(|v| !v.is_empty()));
            if !client_known {
                return Err(ApiError::oauth_grant(
                    "invalid_client",
                    "client_id or client_secret not found",
                ));
            }
            st.tokens().exchange_code(code).map_err(refused)?
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
    tracing::info!("tokens issued");
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
