//! Multi-user mode: every recruiter signs in with their own hh.ru account.
//!
//! MCP clients run OAuth themselves (the MCP authorization specification), but hh.ru's
//! OAuth is not shaped for them: no client registration, no resource metadata, no resource
//! indicators, single-use refresh tokens. So `hh-mcp` is the authorization server its
//! clients talk to, and delegates only the login to hh.ru: the recruiter consents here,
//! signs in on hh.ru, and the client gets *our* tokens, bound to this resource. hh.ru's
//! tokens stay in the store, encrypted, and are refreshed once across every replica.
//!
//! `metadata` — discovery; `clients` — registration and metadata documents; `authorize`
//! — consent, hh.ru's login, the work account; `token` — codes, refresh, revocation;
//! `bearer` — the check on every `/mcp` request; `accounts` — each user's hh.ru client.

pub mod accounts;
mod authorize;
pub mod bearer;
mod clients;
mod metadata;
mod pages;
pub mod scopes;
pub mod settings;
mod token;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hh_store::Store;
use http::{HeaderMap, HeaderValue, StatusCode, header};

pub use accounts::{Accounts, ClientRecipe};
pub use bearer::{Bearer, Refused, TokenCheck};
pub use settings::OAuthSettings;

/// The authorization server and the resource's token check, shared by every request.
pub struct Authority {
    pub settings: OAuthSettings,
    pub store: Store,
    pub accounts: Accounts,
    pub tokens: TokenCheck,
    /// Live updates: changes surfaced on any replica, for this one's subscribers.
    pub live: crate::live::Live,
    recipe: ClientRecipe,
}

impl Authority {
    /// Opens the store (running its migrations) and sets up the server.
    pub async fn open(settings: OAuthSettings, recipe: ClientRecipe) -> Result<Authority, String> {
        let store = Store::open(
            settings.database_url.as_deref(),
            &settings.data_dir,
            settings.encryption_key.key(),
        )
        .await
        .map_err(|e| format!("the sign-in store: {e}"))?;
        tracing::info!(engine = ?store.engine(), "sign-in store open");
        tokio::spawn(purge_every(store.clone(), PURGE_EVERY));
        Ok(Authority {
            tokens: TokenCheck::new(store.clone(), settings.resource(), settings.token_cache),
            accounts: Accounts::new(store.clone(), recipe.clone()),
            store,
            settings,
            live: crate::live::Live::default(),
            recipe,
        })
    }

    fn hh_app(&self) -> hh_api::OAuthApp {
        hh_api::OAuthApp {
            client_id: self.settings.hh.client_id.clone(),
            client_secret: self.settings.hh.client_secret.clone(),
            redirect_uri: self.settings.hh_callback(),
        }
    }

    /// A client of hh.ru's API for the sign-in itself (no account yet).
    fn hh_client(&self, token: Option<&str>) -> Result<hh_api::Client, String> {
        let mut b = hh_api::Client::builder()
            .base_url(&self.recipe.base_url)
            .user_agent(&self.recipe.user_agent);
        if let Some(t) = token {
            b = b.token(t);
        }
        b.build()
            .map_err(|e| format!("could not set up the hh.ru client: {e}"))
    }

    /// The `WWW-Authenticate` challenge of a refused `/mcp` request.
    pub fn challenge(&self, refused: &Refused) -> String {
        let metadata = format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            self.settings.issuer()
        );
        let scope = scopes::ALL.join(" ");
        match refused {
            Refused::Missing | Refused::Unavailable(_) => {
                format!(r#"Bearer resource_metadata="{metadata}", scope="{scope}""#)
            }
            Refused::Invalid(why) => format!(
                r#"Bearer error="invalid_token", error_description="{why}", resource_metadata="{metadata}", scope="{scope}""#
            ),
            Refused::InsufficientScope => format!(
                r#"Bearer error="insufficient_scope", scope="{scope}", resource_metadata="{metadata}", error_description="acting needs the scope hh:act""#
            ),
        }
    }
}

/// How often spent codes, sign-in steps and expired tokens are deleted.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes expired rows now and then, for as long as the server runs. Every replica does;
/// deleting what another already deleted costs nothing.
async fn purge_every(store: Store, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match store.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sign-in rows"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired sign-in rows"),
        }
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The authorization server's routes, beside `/mcp`.
pub fn routes(auth: Arc<Authority>) -> Router {
    Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(resource_metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(server_metadata),
        )
        .route("/register", post(register))
        .route("/authorize", get(authorize))
        .route("/authorize/decision", post(decide))
        .route("/authorize/account", post(pick_account))
        .route("/oauth/hh/callback", get(hh_callback))
        .route("/token", post(token))
        .route("/revoke", post(revoke))
        .route("/oauth/signout", post(sign_out))
        .with_state(auth)
}

async fn resource_metadata(State(a): State<Arc<Authority>>) -> Response {
    json(StatusCode::OK, metadata::protected_resource(&a.settings))
}

async fn server_metadata(State(a): State<Arc<Authority>>) -> Response {
    json(StatusCode::OK, metadata::authorization_server(&a.settings))
}

async fn register(State(a): State<Arc<Authority>>, body: Bytes) -> Response {
    match a.register(&body).await {
        Ok(client) => json(StatusCode::CREATED, client),
        Err(r) => token::oauth_error(StatusCode::BAD_REQUEST, r.error, &r.description),
    }
}

async fn authorize(State(a): State<Arc<Authority>>, RawQuery(q): RawQuery) -> Response {
    a.authorize(q.unwrap_or_default().as_bytes()).await
}

async fn decide(State(a): State<Arc<Authority>>, headers: HeaderMap, body: Bytes) -> Response {
    a.decide(&headers, &body).await
}

async fn pick_account(
    State(a): State<Arc<Authority>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    a.pick_account(&headers, &body).await
}

async fn hh_callback(State(a): State<Arc<Authority>>, RawQuery(q): RawQuery) -> Response {
    a.hh_callback(q.unwrap_or_default().as_bytes()).await
}

async fn token(State(a): State<Arc<Authority>>, headers: HeaderMap, body: Bytes) -> Response {
    a.token(&headers, &body).await
}

async fn revoke(State(a): State<Arc<Authority>>, body: Bytes) -> Response {
    a.revoke(&body).await
}

async fn sign_out(State(a): State<Arc<Authority>>, headers: HeaderMap) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    match a.tokens.check(presented).await {
        Ok(bearer) => a.sign_out(&bearer.account_id).await,
        Err(refused) => {
            let mut r = token::oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "sign-out needs this server's access token",
            );
            if let Ok(v) = HeaderValue::from_str(&a.challenge(&refused)) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
    }
}
