//! The authorization endpoint and the recruiter's way through it: our consent page, then
//! hh.ru's own login, then (for a manager with several work accounts) which one to act as,
//! and back to the MCP client with our code.
//!
//! Every step's state lives in the store under an unguessable, single-use, short-lived key,
//! so any replica can take the next step.

use std::collections::HashMap;
use std::time::Duration;

use axum::response::{IntoResponse, Redirect, Response};
use hh_store::{Grant, PendingAuthorization};
use http::StatusCode;
use url::Url;

use super::clients::random_id;
use super::pages::{self, ConsentView, WorkAccount};
use super::{Authority, scopes};

/// How long a started sign-in may take, from our consent page to hh.ru's callback.
const STEP_TTL: Duration = Duration::from_secs(600);
/// How long our authorization code may wait to be exchanged.
const CODE_TTL: Duration = Duration::from_secs(60);

/// Form or query parameters, each at most once (OAuth forbids repeating one).
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(raw: &[u8]) -> Result<Params, String> {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(format!(
                    "the parameter `{}` is given more than once",
                    k.chars().take(40).collect::<String>()
                ));
            }
        }
        Ok(Params(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Sends the browser back to the client's redirect URI with these parameters (and `iss`,
/// RFC 9207, so a client talking to several servers knows who answered).
fn back_to_client(auth: &Authority, redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "the client's redirect URI is not a URL",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
        q.append_pair("iss", &auth.settings.issuer());
    }
    Redirect::to(url.as_str()).into_response()
}

fn with_state<'a>(pairs: &mut Vec<(&'a str, &'a str)>, state: &'a Option<String>) {
    if let Some(s) = state {
        pairs.push(("state", s));
    }
}

fn refuse_to_client(
    auth: &Authority,
    redirect_uri: &str,
    state: &Option<String>,
    error: &str,
    description: &str,
) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    with_state(&mut pairs, state);
    back_to_client(auth, redirect_uri, &pairs)
}

/// A PKCE code challenge or verifier: 43 to 128 unreserved characters (RFC 7636).
pub fn is_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl Authority {
    /// `GET /authorize`: checks the request and shows the consent page.
    pub async fn authorize(&self, query: &[u8]) -> Response {
        let p = match Params::parse(query) {
            Ok(p) => p,
            Err(e) => return pages::error(StatusCode::BAD_REQUEST, &e),
        };
        // Until the client and its redirect URI are known, errors are shown, not redirected.
        let Some(client_id) = p.get("client_id") else {
            return pages::error(StatusCode::BAD_REQUEST, "the request has no client_id");
        };
        let client = match self.client(client_id).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                return pages::error(
                    StatusCode::BAD_REQUEST,
                    "this client is not registered here (unknown client_id)",
                );
            }
            Err(r) => return pages::error(StatusCode::BAD_REQUEST, &r.description),
        };
        let redirect_uri = match p.get("redirect_uri") {
            Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => uri.to_string(),
            Some(_) => {
                return pages::error(
                    StatusCode::BAD_REQUEST,
                    "the redirect_uri is not one this client registered (they must match exactly)",
                );
            }
            None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
            None => {
                return pages::error(
                    StatusCode::BAD_REQUEST,
                    "the request has no redirect_uri, and the client registered several",
                );
            }
        };
        let state = p.get("state").map(str::to_string);
        let refuse =
            |error: &str, why: &str| refuse_to_client(self, &redirect_uri, &state, error, why);
        if p.get("response_type") != Some("code") {
            return refuse("unsupported_response_type", "response_type must be `code`");
        }
        let Some(challenge) = p.get("code_challenge") else {
            return refuse(
                "invalid_request",
                "PKCE is required: code_challenge is missing",
            );
        };
        if p.get("code_challenge_method") != Some("S256") || !is_pkce_value(challenge) {
            return refuse(
                "invalid_request",
                "PKCE with code_challenge_method=S256 and a 43-character challenge is required",
            );
        }
        let scope = match scopes::parse(p.get("scope")) {
            Ok(s) => s,
            Err(e) => return refuse("invalid_scope", &e),
        };
        let resource = self.settings.resource();
        if let Some(asked) = p.get("resource")
            && asked.trim_end_matches('/') != resource
        {
            return refuse(
                "invalid_target",
                &format!("this server grants tokens for the resource {resource} only"),
            );
        }
        let request = random_id();
        let pending = PendingAuthorization {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            code_challenge: challenge.to_string(),
            scope: scope.clone(),
            resource,
            client_state: state.clone(),
            hh_verifier: None,
            account_id: None,
        };
        if let Err(e) = self
            .store
            .put_authorization(&request, &pending, STEP_TTL)
            .await
        {
            return pages::error(StatusCode::SERVICE_UNAVAILABLE, &format!("the store: {e}"));
        }
        let host = Url::parse(&redirect_uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| redirect_uri.chars().take(60).collect());
        let page = pages::consent(&ConsentView {
            request: &request,
            client_name: &client.name,
            redirect_host: &host,
            acting: scopes::acts(&scope),
        });
        with_form_cookie(page, &request, self.settings.public_url.scheme() == "https")
    }

    /// `POST /authorize/decision`: the recruiter allowed (then on to hh.ru's login) or denied.
    pub async fn decide(&self, headers: &http::HeaderMap, form: &[u8]) -> Response {
        let p = match Params::parse(form) {
            Ok(p) => p,
            Err(e) => return pages::error(StatusCode::BAD_REQUEST, &e),
        };
        if !from_same_browser(headers, p.get("request")) {
            return not_from_this_browser();
        }
        let Some(mut pending) = self.take_step(p.get("request")).await else {
            return expired();
        };
        if p.get("decision") != Some("allow") {
            return refuse_to_client(
                self,
                &pending.redirect_uri,
                &pending.client_state,
                "access_denied",
                "the user denied access",
            );
        }
        if p.get("read_only") == Some("1") {
            pending.scope = scopes::READ.to_string();
        }
        let pkce = hh_api::auth::Pkce::new();
        pending.hh_verifier = Some(pkce.verifier.clone());
        let hh_state = random_id();
        if let Err(e) = self
            .store
            .put_authorization(&hh_state, &pending, STEP_TTL)
            .await
        {
            return pages::error(StatusCode::SERVICE_UNAVAILABLE, &format!("the store: {e}"));
        }
        match hh_api::auth::authorize_url(
            self.settings.hh.authorize_url.as_str(),
            &self.hh_app(),
            &hh_state,
            &pkce,
        ) {
            Ok(url) => Redirect::to(url.as_str()).into_response(),
            Err(e) => pages::error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        }
    }

    /// `GET /oauth/hh/callback`: back from hh.ru's login with its code.
    pub async fn hh_callback(&self, query: &[u8]) -> Response {
        let p = match Params::parse(query) {
            Ok(p) => p,
            Err(e) => return pages::error(StatusCode::BAD_REQUEST, &e),
        };
        let Some(pending) = self.take_step(p.get("state")).await else {
            return expired();
        };
        let refuse = |error: &str, why: &str| {
            refuse_to_client(
                self,
                &pending.redirect_uri,
                &pending.client_state,
                error,
                why,
            )
        };
        let (Some(code), Some(verifier)) = (p.get("code"), pending.hh_verifier.as_deref()) else {
            return refuse("access_denied", "the sign-in on hh.ru was not completed");
        };
        let signed_in = match self.sign_in_on_hh(code, verifier).await {
            Ok(s) => s,
            Err(why) => {
                tracing::warn!(%why, "a sign-in on hh.ru failed");
                return refuse("access_denied", &why);
            }
        };
        let work_accounts = signed_in.work_accounts;
        let pending = PendingAuthorization {
            account_id: Some(signed_in.account_id),
            hh_verifier: None,
            ..pending
        };
        if work_accounts.len() > 1 {
            let request = random_id();
            if let Err(e) = self
                .store
                .put_authorization(&request, &pending, STEP_TTL)
                .await
            {
                return pages::error(StatusCode::SERVICE_UNAVAILABLE, &format!("the store: {e}"));
            }
            return with_form_cookie(
                pages::pick_account(&request, &work_accounts),
                &request,
                self.settings.public_url.scheme() == "https",
            );
        }
        self.grant_code(&pending, None).await
    }

    /// `POST /authorize/account`: which work account the client acts as.
    pub async fn pick_account(&self, headers: &http::HeaderMap, form: &[u8]) -> Response {
        let p = match Params::parse(form) {
            Ok(p) => p,
            Err(e) => return pages::error(StatusCode::BAD_REQUEST, &e),
        };
        if !from_same_browser(headers, p.get("request")) {
            return not_from_this_browser();
        }
        let Some(pending) = self.take_step(p.get("request")).await else {
            return expired();
        };
        let Some(account_id) = pending.account_id.as_deref() else {
            return expired();
        };
        let chosen = p.get("manager_account_id").unwrap_or("");
        let offered = match self.accounts.session(account_id, None).await {
            Ok(s) => work_accounts(&s.hh).await.unwrap_or_default(),
            Err(f) => return pages::error(StatusCode::BAD_REQUEST, &f.0),
        };
        if !offered.iter().any(|a| a.id == chosen) {
            return refuse_to_client(
                self,
                &pending.redirect_uri,
                &pending.client_state,
                "access_denied",
                "the chosen work account is not one of this login's",
            );
        }
        let chosen = chosen.to_string();
        self.grant_code(&pending, Some(chosen)).await
    }

    async fn take_step(&self, key: Option<&str>) -> Option<PendingAuthorization> {
        let key = key?;
        match self.store.take_authorization(key).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "the store could not give a sign-in step");
                None
            }
        }
    }

    /// Issues our code for a finished sign-in and sends the browser back to the client.
    async fn grant_code(
        &self,
        pending: &PendingAuthorization,
        manager_account_id: Option<String>,
    ) -> Response {
        let Some(account_id) = pending.account_id.clone() else {
            return expired();
        };
        let grant = Grant {
            client_id: pending.client_id.clone(),
            account_id,
            scope: pending.scope.clone(),
            resource: pending.resource.clone(),
            manager_account_id,
        };
        let code = match self
            .store
            .put_code(
                &grant,
                &pending.redirect_uri,
                &pending.code_challenge,
                CODE_TTL,
            )
            .await
        {
            Ok(c) => c,
            Err(e) => {
                return pages::error(StatusCode::SERVICE_UNAVAILABLE, &format!("the store: {e}"));
            }
        };
        let mut pairs = vec![("code", code.as_str())];
        with_state(&mut pairs, &pending.client_state);
        back_to_client(self, &pending.redirect_uri, &pairs)
    }

    /// Exchanges hh.ru's code, learns who signed in, and keeps their hh.ru tokens.
    async fn sign_in_on_hh(&self, code: &str, verifier: &str) -> Result<SignedIn, String> {
        let anonymous = self.hh_client(None)?;
        let tokens = anonymous
            .exchange_code(&self.hh_app(), code, verifier)
            .await
            .map_err(|e| format!("hh.ru did not accept the sign-in: {e}"))?;
        let hh = self.hh_client(Some(tokens.access.expose()))?;
        let me = hh
            .me()
            .await
            .map_err(|e| format!("hh.ru did not say who signed in: {e}"))?;
        let Some(employer) = me.employer() else {
            return Err(
                "this hh.ru login is not an employer's: sign in with an employer account".into(),
            );
        };
        let Some(user_id) = me.user_id().map(str::to_string) else {
            return Err("hh.ru gave no user id for this login".into());
        };
        let name = me.full_name().unwrap_or_default();
        let account_id = self
            .store
            .upsert_account(
                &user_id,
                None,
                Some(&employer.id),
                &name,
                &super::accounts::hh_tokens(&tokens),
            )
            .await
            .map_err(|e| format!("the sign-in store: {e}"))?;
        // A new pair: sessions built on the old one must not be reused.
        self.accounts.forget(&account_id);
        tracing::info!(account = %super::accounts::short(&account_id), "signed in on hh.ru");
        // In the background: a failure to subscribe must not fail (or slow) the sign-in.
        tokio::spawn({
            let (store, hh, url, id) = (
                self.store.clone(),
                hh.clone(),
                self.settings.issuer(),
                account_id.clone(),
            );
            async move { crate::live::subscription::ensure_or_retry_later(&store, &hh, &url, &id).await }
        });
        let work_accounts = work_accounts(&hh).await.unwrap_or_default();
        Ok(SignedIn {
            account_id,
            work_accounts,
        })
    }
}

struct SignedIn {
    account_id: String,
    work_accounts: Vec<WorkAccount>,
}

/// The login's work accounts (`/manager_accounts/mine`); none for a login that has no list.
async fn work_accounts(hh: &hh_api::Client) -> Result<Vec<WorkAccount>, hh_api::Error> {
    let list = hh.read(hh.api().get_manager_accounts().send()).await?;
    Ok(list
        .items
        .iter()
        .map(|a| WorkAccount {
            id: a.id.clone(),
            employer: a.employer.name.clone(),
            current: a.id == list.current_account_id,
        })
        .collect())
}

/// The cookie that ties a consent (or work-account) form to the browser it was shown in.
/// A page on another site can make a browser post our form, but not carry this
/// `SameSite=Strict` cookie: a recruiter cannot be made to consent without seeing the page.
const FORM_COOKIE: &str = "hh_mcp_form";

fn with_form_cookie(mut page: Response, request: &str, secure: bool) -> Response {
    let cookie = format!(
        "{FORM_COOKIE}={request}; Path=/authorize; HttpOnly; SameSite=Strict; Max-Age={}{}",
        STEP_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = http::HeaderValue::from_str(&cookie) {
        page.headers_mut().append(http::header::SET_COOKIE, v);
    }
    page
}

/// Whether the form was posted from the browser its page was shown in.
fn from_same_browser(headers: &http::HeaderMap, request: Option<&str>) -> bool {
    let Some(request) = request else { return false };
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(name, value)| name == FORM_COOKIE && value == request)
}

fn not_from_this_browser() -> Response {
    pages::error(
        StatusCode::FORBIDDEN,
        "this form was not sent from the page this server showed in this browser",
    )
}

fn expired() -> Response {
    pages::error(
        StatusCode::BAD_REQUEST,
        "this sign-in has expired or was already completed",
    )
}
