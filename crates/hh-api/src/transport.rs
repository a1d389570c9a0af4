//! The one place every request to hh passes through, generated or hand-written:
//! it adds hh's required headers and the token, and repeats failed reads.
//!
//! The generated client reaches it through progenitor's `ClientHooks::exec`, so the
//! typed operations and the URL-following helpers behave exactly alike.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Request, Response, StatusCode};

use crate::auth::now_unix;
use crate::error::{ApiError, ErrorKind};
use crate::generated;
use crate::refresh::{Refreshed, Refresher};
use crate::retry::{self, RetryPolicy};

/// hh identifies applications by this header (a browser-style `User-Agent` is
/// overwritten by some proxies); both are sent.
pub const HH_USER_AGENT: HeaderName = HeaderName::from_static("hh-user-agent");
/// Chooses which of the manager's work accounts a request acts as.
pub const MANAGER_ACCOUNT_ID: HeaderName = HeaderName::from_static("x-manager-account-id");

/// An access token. Its `Debug` never shows the value, so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    /// The token itself, for the `Authorization` header and for storage only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn header(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// Shared state behind every request: the HTTP client, headers, token and retry policy.
///
/// Nothing outside this crate can send a request through it, so the token goes only where
/// the library sends it:
///
/// ```compile_fail
/// # async fn leak(hh: hh_api::Client, request: reqwest::Request) {
/// let _ = hh.transport().execute(request).await;
/// # }
/// ```
#[derive(Debug)]
pub struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) user_agent: HeaderValue,
    pub(crate) manager_account_id: Option<HeaderValue>,
    pub(crate) token: RwLock<Option<AccessToken>>,
    /// Set when the client holds a refreshable pair (signed in); then it owns the token.
    pub(crate) refresher: Option<Arc<Refresher>>,
    pub(crate) retry: RetryPolicy,
}

impl Transport {
    /// The token requests are sent with now.
    pub fn token(&self) -> Option<AccessToken> {
        if let Some(r) = &self.refresher {
            return Some(r.current().tokens.access);
        }
        self.token.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replace the token of a client built with a plain token; requests under way keep theirs.
    pub fn set_token(&self, token: Option<AccessToken>) {
        *self.token.write().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// Sends a request. With a refreshable pair: refreshes first when the stored expiry has
    /// passed, and when hh answers `token_expired` refreshes (once for all concurrent
    /// callers) and repeats the request once with the new token — hh refused it before
    /// acting, so even a POST is safe to repeat.
    ///
    /// Crate-private, like every path that adds the token: the library's own calls decide
    /// where it goes (the API host; an upload link hh just returned), never its user.
    pub(crate) async fn execute(&self, request: Request) -> reqwest::Result<Response> {
        let Some(refresher) = &self.refresher else {
            return self.execute_with_retries(request).await;
        };
        let mut seen = refresher.current();
        if seen.tokens.is_expired(now_unix()) {
            // A refusal as "not expired yet" means the token still works: send with it.
            if let Refreshed::Refused(answer) = refresher
                .refresh(&self.http, &self.user_agent, seen.generation)
                .await
            {
                return Ok(answer);
            }
            seen = refresher.current();
        }
        let again = request.try_clone();
        let response = self.execute_with_retries(request).await?;
        let (Some(again), StatusCode::FORBIDDEN) = (again, response.status()) else {
            return Ok(response);
        };
        // Read the 403 to see whether it is `token_expired`, then hand back an equal answer.
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let kind = ApiError::from_parts(status, &headers, &body).kind();
        // A shared pair may have been replaced by another process (a refresh, or the user
        // signing in again): hh calls the one sent unknown. Take the stored one, once.
        if kind == ErrorKind::BadAuthorization
            && refresher
                .reload(&self.http, &self.user_agent, seen.generation)
                .await
                .is_some()
        {
            return self.execute_with_retries(again).await;
        }
        if kind == ErrorKind::TokenExpired {
            match refresher
                .refresh(&self.http, &self.user_agent, seen.generation)
                .await
            {
                Refreshed::Token(_) => return self.execute_with_retries(again).await,
                Refreshed::Refused(answer) | Refreshed::NotExpiredYet(answer) => {
                    return Ok(answer);
                }
                Refreshed::Failed(why) => {
                    tracing::warn!(%why, "could not refresh the access token")
                }
            }
        }
        Ok(rebuilt(status, headers, body))
    }

    /// The body with the current access token replaced by `***`, for error messages.
    pub(crate) fn mask_token(&self, body: &[u8]) -> Vec<u8> {
        let Some(token) = self.token() else {
            return body.to_vec();
        };
        let needle = token.expose().as_bytes();
        if needle.is_empty() || !body.windows(needle.len()).any(|w| w == needle) {
            return body.to_vec();
        }
        let mut out = Vec::with_capacity(body.len());
        let mut rest = body;
        while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(b"***");
            rest = &rest[at + needle.len()..];
        }
        out.extend_from_slice(rest);
        out
    }

    /// Sends a request that must not carry the access token (getting a token: the
    /// application's credentials go in the form instead).
    pub(crate) async fn execute_without_token(
        &self,
        mut request: Request,
    ) -> reqwest::Result<Response> {
        self.prepare(&mut request, None);
        self.send_prepared(request).await
    }

    /// Sends a file to the upload link hh's API just returned for it (on hh's file
    /// host): with the access token, as hh requires there, and once. The only path that
    /// takes the token off the API host; its one caller is `Client::upload_chat_file`,
    /// which checks the link first.
    pub(crate) async fn execute_upload(&self, mut request: Request) -> reqwest::Result<Response> {
        self.prepare(&mut request, self.token());
        self.send_prepared(request).await
    }

    /// hh's headers, and `token` (or none: a token the request came with is removed).
    fn prepare(&self, request: &mut Request, token: Option<AccessToken>) {
        let headers = request.headers_mut();
        // progenitor adds the spec's version; hh has no use for it.
        headers.remove("api-version");
        headers.insert(HH_USER_AGENT, self.user_agent.clone());
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let Some(id) = &self.manager_account_id {
            headers.insert(MANAGER_ACCOUNT_ID, id.clone());
        }
        match token.as_ref().and_then(AccessToken::header) {
            Some(value) => {
                headers.insert(AUTHORIZATION, value);
            }
            None => {
                headers.remove(AUTHORIZATION);
            }
        }
    }

    /// Sends a request, repeating it while the retry policy allows (reads only).
    async fn execute_with_retries(&self, mut request: Request) -> reqwest::Result<Response> {
        self.prepare(&mut request, self.token());
        self.send_prepared(request).await
    }

    async fn send_prepared(&self, mut request: Request) -> reqwest::Result<Response> {
        let repeatable = retry::is_repeatable(request.method());
        let method = request.method().clone();
        let path = request.url().path().to_string();
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let spare = if repeatable {
                request.try_clone()
            } else {
                None
            };
            let sent = Instant::now();
            let mut result = self.http.execute(request).await;
            let (worth_repeating, asked_wait) = match result {
                // A read's answer is read whole here, so that one cut short is asked again.
                Ok(response) if spare.is_some() => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(body) => {
                            tracing::debug!(%method, %path, status = status.as_u16(),
                                ms = sent.elapsed().as_millis() as u64, attempt, "hh answered");
                            let again = retry::is_worth_repeating(status, &headers, &body);
                            if again && status.is_success() {
                                tracing::info!(%method, %path, attempt, "hh's answer was cut short");
                            }
                            let asked_wait = retry::retry_after(&headers);
                            result = Ok(rebuilt(status, headers, body));
                            (again, asked_wait)
                        }
                        Err(error) => {
                            tracing::debug!(%method, %path, attempt, error = %error,
                                "hh's answer broke off");
                            result = Err(error);
                            (true, None)
                        }
                    }
                }
                // A write's answer is left to its caller: it is never repeated.
                Ok(ref response) => {
                    tracing::debug!(%method, %path, status = response.status().as_u16(),
                        ms = sent.elapsed().as_millis() as u64, attempt, "hh answered");
                    (false, None)
                }
                Err(ref error) => {
                    tracing::debug!(%method, %path, attempt, error = %error, "hh not reached");
                    (error.is_connect(), None)
                }
            };
            let next = match (worth_repeating, spare) {
                (true, Some(next)) => next,
                _ => return result,
            };
            let Some(wait) = self.retry.delay(attempt, started.elapsed(), asked_wait) else {
                return result;
            };
            tracing::info!(%method, %path, attempt, wait_ms = wait.as_millis() as u64,
                "repeating a read after a temporary failure");
            tokio::time::sleep(wait).await;
            request = next;
            attempt += 1;
        }
    }
}

/// An answer already read, handed on as if it had not been.
pub(crate) fn rebuilt(
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    Response::from(rebuilt)
}

/// Operations sent without the access token: `POST /token` authenticates with the
/// application's credentials and the code (or refresh token) in its form.
const WITHOUT_TOKEN: &[&str] = &["obtain_token"];

/// Routes the generated operations through [`Transport::execute`].
impl ClientHooks<Arc<Transport>> for generated::Client {
    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        if WITHOUT_TOKEN.contains(&info.operation_id) {
            return self.inner().execute_without_token(request).await;
        }
        self.inner().execute(request).await
    }
}
