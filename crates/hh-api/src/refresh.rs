//! Refreshing the access token, once, for everyone.
//!
//! Many requests may find the token expired at the same moment; hh accepts a refresh
//! token once. [`Refresher::refresh`] lets the first caller refresh and makes the others
//! wait and reuse its result: each caller says which token generation it saw, and a
//! refresh that already moved past it is not repeated.

use std::sync::Mutex;

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use reqwest::{Response, StatusCode};
use url::Url;

use crate::auth::{AuthError, TokenSet, TokenStore, now_unix};
use crate::error::{ApiError, ErrorKind};
use crate::transport::{AccessToken, HH_USER_AGENT};

/// The token state with its generation: the number of refreshes so far.
#[derive(Debug, Clone)]
pub struct Current {
    pub tokens: TokenSet,
    pub generation: u64,
}

/// Owns the token pair of a signed-in client and refreshes it.
#[derive(Debug)]
pub struct Refresher {
    current: Mutex<Current>,
    /// Held while a refresh is under way; waiters queue here.
    in_flight: tokio::sync::Mutex<()>,
    /// Where the new pair is written before it is used; `None` keeps it in memory only.
    store: Option<TokenStore>,
    token_url: Url,
}

/// How long a token hh called unexpired is used before a refresh is tried again.
pub const NOT_EXPIRED_PAUSE: u64 = 60;

/// How a refresh ended, for the transport to act on.
pub enum Refreshed {
    /// A new token (or one another caller just got): repeat the request with it.
    Token(AccessToken),
    /// hh refused: its answer (e.g. `invalid_grant`), to hand back as the request's answer.
    Refused(Response),
    /// hh refused because the access token has not expired yet (the clocks disagree): the
    /// token still works. Its answer, for a caller that was told `token_expired` anyway.
    /// The next refresh is tried only after [`NOT_EXPIRED_PAUSE`].
    NotExpiredYet(Response),
    /// It could not be done (no refresh token, network, disk); the original answer stands.
    Failed(String),
}

impl Refresher {
    pub fn new(tokens: TokenSet, store: Option<TokenStore>, token_url: Url) -> Self {
        Refresher {
            current: Mutex::new(Current {
                tokens,
                generation: 0,
            }),
            in_flight: tokio::sync::Mutex::new(()),
            store,
            token_url,
        }
    }

    pub fn current(&self) -> Current {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Refreshes unless a refresh already happened after generation `seen`.
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        user_agent: &HeaderValue,
        seen: u64,
    ) -> Refreshed {
        let _turn = self.in_flight.lock().await;
        let now = self.current();
        if now.generation != seen {
            return Refreshed::Token(now.tokens.access);
        }
        let Some(refresh_token) = now.tokens.refresh.clone() else {
            return Refreshed::Failed("there is no refresh token; sign in again".into());
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        let body = match serde_urlencoded::to_string(form) {
            Ok(b) => b,
            Err(e) => return Refreshed::Failed(e.to_string()),
        };
        tracing::info!("refreshing the hh.ru access token");
        let sent = http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(HH_USER_AGENT, user_agent.clone())
            .header(USER_AGENT, user_agent.clone())
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Refreshed::Failed(format!("could not reach the token endpoint: {e}")),
        };
        if response.status() != StatusCode::OK {
            let status = response.status();
            let headers = response.headers().clone();
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(e) => {
                    return Refreshed::Failed(format!(
                        "the token endpoint's answer broke off: {e}"
                    ));
                }
            };
            let answer = crate::transport::rebuilt(status, headers.clone(), body.clone());
            if ApiError::from_parts(status, &headers, &body).kind() == ErrorKind::TokenNotExpiredYet
            {
                // Our clock runs ahead of hh's: keep the token, and look again later
                // rather than before every request.
                tracing::info!("hh.ru says the access token has not expired yet; refreshing later");
                let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
                current.tokens.expires_at = Some(now_unix() + NOT_EXPIRED_PAUSE);
                return Refreshed::NotExpiredYet(answer);
            }
            tracing::warn!(
                status = status.as_u16(),
                "hh.ru refused to refresh the token"
            );
            return Refreshed::Refused(answer);
        }
        let answer: crate::types::Token = match response.json().await {
            Ok(t) => t,
            Err(e) => {
                return Refreshed::Failed(format!(
                    "the token endpoint's answer is not a token: {e}"
                ));
            }
        };
        let mut tokens = TokenSet::from_answer(answer, now_unix());
        if tokens.refresh.is_none() {
            tokens.refresh = Some(refresh_token);
        }
        // Persist first: if this process dies now, the file holds the only valid pair.
        if let Some(store) = &self.store
            && let Err(e) = store.save(&tokens)
        {
            return Refreshed::Failed(format!("{e}"));
        }
        let access = tokens.access.clone();
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        current.tokens = tokens;
        current.generation += 1;
        Refreshed::Token(access)
    }
}

impl From<Refreshed> for Result<AccessToken, AuthError> {
    fn from(r: Refreshed) -> Self {
        match r {
            Refreshed::Token(t) => Ok(t),
            Refreshed::Refused(resp) => Err(AuthError::MustSignInAgain {
                reason: format!("status {}", resp.status()),
            }),
            Refreshed::NotExpiredYet(_) => Err(AuthError::Flow(
                "hh.ru says the access token has not expired yet; try the refresh again in a minute"
                    .into(),
            )),
            Refreshed::Failed(why) => Err(AuthError::Flow(why)),
        }
    }
}
