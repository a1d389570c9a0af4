//! Refreshing the access token, once, for everyone.
//!
//! Many requests may find the token expired at the same moment; hh accepts a refresh
//! token once. [`Refresher::refresh`] lets the first caller refresh and makes the others
//! wait and reuse its result: each caller says which token generation it saw, and a
//! refresh that already moved past it is not repeated.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

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
    /// A pair shared with other processes, refreshed under their common lock.
    shared: Option<Arc<dyn SharedTokens>>,
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
            shared: None,
            token_url,
        }
    }

    /// A refresher whose pair lives in `shared` (a database behind several replicas).
    pub fn shared(tokens: TokenSet, shared: Arc<dyn SharedTokens>, token_url: Url) -> Self {
        let mut refresher = Refresher::new(tokens, None, token_url);
        refresher.shared = Some(shared);
        refresher
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
        let grant = RefreshGrant {
            http,
            user_agent,
            token_url: &self.token_url,
        };
        if let Some(shared) = &self.shared {
            return match shared.refresh(&now.tokens, true, grant).await {
                Kept::Tokens(tokens) => self.replace(tokens),
                Kept::Unchanged => Refreshed::Failed("the shared token pair did not change".into()),
                Kept::Refused(refusal) => self.refused(refusal),
            };
        }
        let Some(refresh_token) = now.tokens.refresh.clone() else {
            return Refreshed::Failed("there is no refresh token; sign in again".into());
        };
        // `exchange` keeps the old refresh token when hh sends no new one.
        let tokens = match grant.exchange(&refresh_token).await {
            Ok(tokens) => tokens,
            Err(refusal) => return self.refused(refusal),
        };
        // Persist first: if this process dies now, the file holds the only valid pair.
        if let Some(store) = &self.store
            && let Err(e) = store.save(&tokens)
        {
            return Refreshed::Failed(format!("{e}"));
        }
        self.replace(tokens)
    }

    /// With a shared pair: takes the one stored now if another process replaced the pair
    /// this one sent (hh refused it as unknown). Never refreshes.
    pub async fn reload(
        &self,
        http: &reqwest::Client,
        user_agent: &HeaderValue,
        seen: u64,
    ) -> Option<AccessToken> {
        let shared = self.shared.as_ref()?;
        let _turn = self.in_flight.lock().await;
        let now = self.current();
        if now.generation != seen {
            return Some(now.tokens.access);
        }
        let grant = RefreshGrant {
            http,
            user_agent,
            token_url: &self.token_url,
        };
        match shared.refresh(&now.tokens, false, grant).await {
            Kept::Tokens(tokens) if tokens.access != now.tokens.access => {
                match self.replace(tokens) {
                    Refreshed::Token(t) => Some(t),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn replace(&self, tokens: TokenSet) -> Refreshed {
        let access = tokens.access.clone();
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        current.tokens = tokens;
        current.generation += 1;
        Refreshed::Token(access)
    }

    fn refused(&self, refusal: GrantRefused) -> Refreshed {
        match refusal {
            GrantRefused::Refused(answer) => Refreshed::Refused(answer),
            GrantRefused::NotExpiredYet(answer) => {
                // Our clock runs ahead of hh's: keep the token, and look again later
                // rather than before every request.
                let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
                current.tokens.expires_at = Some(now_unix() + NOT_EXPIRED_PAUSE);
                Refreshed::NotExpiredYet(answer)
            }
            GrantRefused::Failed(why) => Refreshed::Failed(why),
        }
    }
}

/// hh's refresh grant, as one client makes it: the refresh token goes to that client's
/// `/token` on the API host, and nowhere else.
pub struct RefreshGrant<'a> {
    http: &'a reqwest::Client,
    user_agent: &'a HeaderValue,
    token_url: &'a Url,
}

/// Why a refresh grant gave no new pair.
pub enum GrantRefused {
    /// hh refused (e.g. `invalid_grant`: used before, or revoked): sign in again. Its answer.
    Refused(Response),
    /// hh refused because the access token has not expired yet; the token still works.
    NotExpiredYet(Response),
    /// It could not be done (network, storage); nothing changed.
    Failed(String),
}

impl GrantRefused {
    /// A refusal for a pair that is known to be dead without asking hh (the user must sign
    /// in again), shaped like hh's own `invalid_grant` answer.
    pub fn sign_in_again() -> GrantRefused {
        let body = r#"{"error":"invalid_grant","error_description":"the user must sign in again"}"#;
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        GrantRefused::Refused(crate::transport::rebuilt(
            StatusCode::BAD_REQUEST,
            headers,
            body,
        ))
    }
}

impl std::fmt::Debug for GrantRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrantRefused::Refused(r) => write!(f, "Refused({})", r.status()),
            GrantRefused::NotExpiredYet(r) => write!(f, "NotExpiredYet({})", r.status()),
            GrantRefused::Failed(why) => write!(f, "Failed({why})"),
        }
    }
}

impl RefreshGrant<'_> {
    /// Exchanges `refresh_token` for a new pair (`grant_type=refresh_token`). Sent once.
    pub async fn exchange(&self, refresh_token: &AccessToken) -> Result<TokenSet, GrantRefused> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        let body =
            serde_urlencoded::to_string(form).map_err(|e| GrantRefused::Failed(e.to_string()))?;
        tracing::info!("refreshing the hh.ru access token");
        let sent = self
            .http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(HH_USER_AGENT, self.user_agent.clone())
            .header(USER_AGENT, self.user_agent.clone())
            .body(body)
            .send()
            .await;
        let response = sent.map_err(|e| {
            GrantRefused::Failed(format!("could not reach the token endpoint: {e}"))
        })?;
        if response.status() != StatusCode::OK {
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(|e| {
                GrantRefused::Failed(format!("the token endpoint's answer broke off: {e}"))
            })?;
            let answer = crate::transport::rebuilt(status, headers.clone(), body.clone());
            if ApiError::from_parts(status, &headers, &body).kind() == ErrorKind::TokenNotExpiredYet
            {
                tracing::info!("hh.ru says the access token has not expired yet; refreshing later");
                return Err(GrantRefused::NotExpiredYet(answer));
            }
            tracing::warn!(
                status = status.as_u16(),
                "hh.ru refused to refresh the token"
            );
            return Err(GrantRefused::Refused(answer));
        }
        let answer: crate::types::Token = response.json().await.map_err(|e| {
            GrantRefused::Failed(format!("the token endpoint's answer is not a token: {e}"))
        })?;
        let mut tokens = TokenSet::from_answer(answer, now_unix());
        if tokens.refresh.is_none() {
            tokens.refresh = Some(refresh_token.clone());
        }
        Ok(tokens)
    }
}

/// A token pair kept outside this process — in a database several processes (replicas)
/// share — where one refresh at a time must happen across all of them: hh accepts a
/// refresh token once.
pub trait SharedTokens: Send + Sync + std::fmt::Debug {
    /// Called with the pair this process sent. Under a lock every sharer respects: when the
    /// stored pair is not `seen`, returns the stored one; otherwise, if `may_refresh`,
    /// exchanges its refresh token with `grant`, stores the new pair and returns it, and
    /// when not, answers [`Kept::Unchanged`].
    fn refresh<'a>(
        &'a self,
        seen: &'a TokenSet,
        may_refresh: bool,
        grant: RefreshGrant<'a>,
    ) -> Pin<Box<dyn Future<Output = Kept> + Send + 'a>>;
}

/// What [`SharedTokens::refresh`] ended with.
#[derive(Debug)]
pub enum Kept {
    /// The pair to use now: refreshed here, or already newer than the one sent.
    Tokens(TokenSet),
    /// The stored pair is the one sent, and no refresh was asked for.
    Unchanged,
    Refused(GrantRefused),
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
