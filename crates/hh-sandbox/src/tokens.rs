//! OAuth as hh's token endpoint keeps it, per user: authorization codes that work once,
//! for a short time, for the application, redirect URI and PKCE challenge they were
//! issued for; access tokens that expire; refresh tokens that work once and only after
//! their access token expired; logging out. Tokens and codes are kept as SHA-256
//! digests, and nothing here prints one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use rand::Rng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};

/// Why a bearer token is refused (the `value` of hh's 403 `oauth` error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    BadAuthorization,
    TokenExpired,
}

impl Refused {
    pub fn value(self) -> &'static str {
        match self {
            Refused::BadAuthorization => "bad_authorization",
            Refused::TokenExpired => "token_expired",
        }
    }
}

/// A refused grant: OAuth `error` and hh's `error_description`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantError {
    pub error: &'static str,
    pub description: &'static str,
}

const fn grant_error(error: &'static str, description: &'static str) -> GrantError {
    GrantError { error, description }
}

/// hh's refusals, with the `error` and `error_description` hh's description pairs.
pub const CODE_NOT_FOUND: GrantError = grant_error("invalid_request", "code not found");
pub const CODE_USED: GrantError = grant_error("invalid_grant", "code has already been used");
pub const CODE_EXPIRED: GrantError = grant_error("invalid_grant", "code expired");
pub const BAD_REDIRECT: GrantError = grant_error("invalid_request", "bad redirect url");
pub const VERIFIER_MISMATCH: GrantError = grant_error("invalid_grant", "code verifier mismatch");
pub const BAD_CLIENT: GrantError =
    grant_error("invalid_client", "client_id or client_secret not found");

/// The application registered with hh that the sandbox knows: the one MCP servers and
/// other clients sign users in for.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    /// The redirect URI registered for it; redirects must then match it (hh's rules).
    pub redirect_uri: Option<String>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A pair of tokens as `POST /token` answers it.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_token", &"***")
            .field("refresh_token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// What an authorization code was issued for at `/oauth/authorize`; a code handed out
/// by [`Tokens::new_code`] without one goes with any application (its authorize step
/// happened elsewhere, as the CLI's printed code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBinding {
    pub client_id: String,
    pub redirect_uri: String,
    /// PKCE: `BASE64URL(SHA256(code_verifier))`, with `S256` the only method.
    pub code_challenge: Option<String>,
}

/// What a `grant_type=authorization_code` request presents.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

type Key = [u8; 32];

fn key(secret: &str) -> Key {
    Sha256::digest(secret.as_bytes()).into()
}

/// PKCE's S256: `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`, without padding.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccessState {
    Live,
    /// A refresh gave a new pair.
    Replaced,
    /// `DELETE /token`: it cannot be refreshed either.
    LoggedOut,
}

struct Access {
    user: usize,
    issued: Instant,
    /// Expired early by [`Tokens::expire_current`].
    forced_expired: bool,
    state: AccessState,
}

struct Refresh {
    user: usize,
    access: Key,
    used: bool,
}

struct Code {
    user: usize,
    issued: Instant,
    /// Expired early by [`Tokens::expire_codes`].
    forced_expired: bool,
    used: bool,
    binding: Option<CodeBinding>,
}

pub struct Tokens {
    rng: StdRng,
    ttl: Duration,
    code_ttl: Duration,
    access: HashMap<Key, Access>,
    refresh: HashMap<Key, Refresh>,
    codes: HashMap<Key, Code>,
    /// The latest pair issued to each user (by index into `World::users`).
    current: Vec<Issued>,
    /// Refresh grants that named each user's refresh tokens, granted or refused.
    refresh_grants: Vec<u64>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("users", &self.current.len())
            .field("access_tokens", &self.access.len())
            .field("codes", &self.codes.len())
            .field("refresh_grants", &self.refresh_grants)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// A pair for each of `users` users, the first user's drawn first.
    pub fn new(rng: StdRng, ttl: Duration, code_ttl: Duration, users: usize) -> Self {
        let mut tokens = Tokens {
            rng,
            ttl,
            code_ttl,
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashMap::new(),
            current: Vec::with_capacity(users),
            refresh_grants: vec![0; users],
        };
        for user in 0..users {
            let issued = tokens.draw();
            tokens.current.push(issued.clone());
            tokens.register(user, &issued);
        }
        tokens
    }

    fn draw(&mut self) -> Issued {
        Issued {
            access_token: token(&mut self.rng),
            refresh_token: token(&mut self.rng),
            expires_in: self.ttl.as_secs(),
        }
    }

    fn register(&mut self, user: usize, issued: &Issued) {
        let access = key(&issued.access_token);
        self.access.insert(
            access,
            Access {
                user,
                issued: Instant::now(),
                forced_expired: false,
                state: AccessState::Live,
            },
        );
        self.refresh.insert(
            key(&issued.refresh_token),
            Refresh {
                user,
                access,
                used: false,
            },
        );
        if let Some(current) = self.current.get_mut(user) {
            *current = issued.clone();
        }
    }

    fn issue(&mut self, user: usize) -> Issued {
        let issued = self.draw();
        self.register(user, &issued);
        issued
    }

    /// The latest pair issued to a user.
    pub fn current(&self, user: usize) -> Option<&Issued> {
        self.current.get(user)
    }

    /// Refresh grants that reached the token endpoint with one of the user's refresh
    /// tokens, granted or refused.
    pub fn refresh_grants(&self, user: usize) -> u64 {
        self.refresh_grants.get(user).copied().unwrap_or(0)
    }

    fn expired(&self, a: &Access) -> bool {
        a.forced_expired || a.issued.elapsed() >= self.ttl
    }

    /// Checks a bearer token; gives the user it belongs to.
    pub fn check(&self, bearer: &str) -> Result<usize, Refused> {
        match self.access.get(&key(bearer)) {
            None => Err(Refused::BadAuthorization),
            Some(a) if a.state != AccessState::Live => Err(Refused::BadAuthorization),
            Some(a) if self.expired(a) => Err(Refused::TokenExpired),
            Some(a) => Ok(a.user),
        }
    }

    /// Makes the user's latest access token answer `token_expired`.
    pub fn expire_current(&mut self, user: usize) {
        let Some(current) = self.current.get(user) else {
            return;
        };
        if let Some(a) = self.access.get_mut(&key(&current.access_token)) {
            a.forced_expired = true;
        }
    }

    /// The user's latest refresh token counts as used: refreshing with it is refused.
    pub fn spend_current_refresh(&mut self, user: usize) {
        let Some(current) = self.current.get(user) else {
            return;
        };
        if let Some(r) = self.refresh.get_mut(&key(&current.refresh_token)) {
            r.used = true;
        }
    }

    /// `DELETE /token`: the token stops working, and its refresh token with it.
    pub fn invalidate(&mut self, bearer: &str) {
        if let Some(a) = self.access.get_mut(&key(bearer)) {
            a.state = AccessState::LoggedOut;
        }
    }

    /// A new single-use authorization code for `user`, as hh's authorize page hands out.
    pub fn new_code(&mut self, user: usize, binding: Option<CodeBinding>) -> String {
        let code = token(&mut self.rng);
        self.codes.insert(
            key(&code),
            Code {
                user,
                issued: Instant::now(),
                forced_expired: false,
                used: false,
                binding,
            },
        );
        code
    }

    /// Every code handed out so far is expired.
    pub fn expire_codes(&mut self) {
        for code in self.codes.values_mut() {
            code.forced_expired = true;
        }
    }

    /// `grant_type=authorization_code`: the application's credentials, then the code,
    /// then what it was issued for. Gives the user and their new pair.
    pub fn exchange_code(
        &mut self,
        app: &OAuthApp,
        code: &str,
        presented: Presented<'_>,
    ) -> Result<(usize, Issued), GrantError> {
        let known_app = presented.client_id == app.client_id;
        if known_app && key(presented.client_secret) != key(&app.client_secret) {
            return Err(BAD_CLIENT);
        }
        let code_ttl = self.code_ttl;
        let found = self.codes.get_mut(&key(code));
        // Another application may bring only a code no authorize step bound.
        if !known_app && found.as_ref().is_none_or(|c| c.binding.is_some()) {
            return Err(BAD_CLIENT);
        }
        let Some(c) = found else {
            return Err(CODE_NOT_FOUND);
        };
        if c.used {
            return Err(CODE_USED);
        }
        if c.forced_expired || c.issued.elapsed() >= code_ttl {
            return Err(CODE_EXPIRED);
        }
        if let Some(b) = &c.binding {
            if b.client_id != presented.client_id {
                return Err(BAD_CLIENT);
            }
            if presented.redirect_uri != Some(b.redirect_uri.as_str()) {
                return Err(BAD_REDIRECT);
            }
            if let Some(challenge) = &b.code_challenge
                && presented.code_verifier.map(s256).as_ref() != Some(challenge)
            {
                return Err(VERIFIER_MISMATCH);
            }
        }
        c.used = true;
        let user = c.user;
        Ok((user, self.issue(user)))
    }

    /// `grant_type=refresh_token`: once per refresh token, and only once its access
    /// token has expired; the old access token stops working. Counted per user.
    pub fn refresh(&mut self, refresh_token: &str) -> Result<(usize, Issued), GrantError> {
        let Some(r) = self.refresh.get(&key(refresh_token)) else {
            return Err(grant_error("invalid_grant", "bad token"));
        };
        let (user, old, used) = (r.user, r.access, r.used);
        if let Some(n) = self.refresh_grants.get_mut(user) {
            *n += 1;
        }
        if used {
            return Err(grant_error(
                "invalid_grant",
                "token has already been refreshed",
            ));
        }
        if let Some(a) = self.access.get(&old) {
            if a.state == AccessState::LoggedOut {
                return Err(grant_error("invalid_grant", "token was revoked"));
            }
            if a.state == AccessState::Live && !self.expired(a) {
                return Err(grant_error("invalid_grant", "token not expired"));
            }
        }
        if let Some(r) = self.refresh.get_mut(&key(refresh_token)) {
            r.used = true;
        }
        if let Some(a) = self.access.get_mut(&old) {
            a.state = AccessState::Replaced;
        }
        Ok((user, self.issue(user)))
    }
}

/// hh's token form: `USER` and 60 capital letters and digits.
fn token(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = (0..60)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("USER{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn tokens() -> Tokens {
        Tokens::new(
            StdRng::seed_from_u64(3),
            Duration::from_secs(1_209_600),
            Duration::from_secs(600),
            2,
        )
    }

    fn app() -> OAuthApp {
        OAuthApp {
            client_id: "app".into(),
            client_secret: "secret".into(),
            redirect_uri: None,
        }
    }

    fn presented<'a>(redirect: Option<&'a str>, verifier: Option<&'a str>) -> Presented<'a> {
        Presented {
            client_id: "app",
            client_secret: "secret",
            redirect_uri: redirect,
            code_verifier: verifier,
        }
    }

    #[test]
    fn refresh_only_after_expiry_and_only_once() {
        let mut t = tokens();
        let first = t.current(0).unwrap().clone();
        assert_eq!(t.check(&first.access_token), Ok(0));
        assert_eq!(
            t.refresh(&first.refresh_token).unwrap_err().description,
            "token not expired"
        );
        t.expire_current(0);
        assert_eq!(t.check(&first.access_token), Err(Refused::TokenExpired));
        let (user, second) = t.refresh(&first.refresh_token).unwrap();
        assert_eq!(user, 0);
        assert_eq!(t.check(&second.access_token), Ok(0));
        assert_eq!(t.check(&first.access_token), Err(Refused::BadAuthorization));
        let again = t.refresh(&first.refresh_token).unwrap_err();
        assert_eq!(again.error, "invalid_grant");
        assert_eq!(again.description, "token has already been refreshed");
        assert_eq!(t.current(0).unwrap().access_token, second.access_token);
        assert_eq!((t.refresh_grants(0), t.refresh_grants(1)), (3, 0));
    }

    #[test]
    fn each_user_has_their_own_pair() {
        let mut t = tokens();
        let (a, b) = (t.current(0).unwrap().clone(), t.current(1).unwrap().clone());
        assert_ne!(a.access_token, b.access_token);
        assert_eq!(t.check(&b.access_token), Ok(1));
        t.expire_current(1);
        assert_eq!(t.check(&a.access_token), Ok(0));
        assert_eq!(t.check(&b.access_token), Err(Refused::TokenExpired));
        let (user, _) = t.refresh(&b.refresh_token).unwrap();
        assert_eq!(user, 1);
        assert_eq!((t.refresh_grants(0), t.refresh_grants(1)), (0, 1));
    }

    #[test]
    fn a_logged_out_token_cannot_be_refreshed() {
        let mut t = tokens();
        let first = t.current(0).unwrap().clone();
        t.invalidate(&first.access_token);
        assert_eq!(t.check(&first.access_token), Err(Refused::BadAuthorization));
        assert_eq!(
            t.refresh(&first.refresh_token).unwrap_err().description,
            "token was revoked"
        );
    }

    #[test]
    fn unbound_codes_work_once_for_any_app_and_tokens_look_like_hh() {
        let mut t = tokens();
        let code = t.new_code(1, None);
        let other = Presented {
            client_id: "another",
            client_secret: "whatever",
            ..presented(None, None)
        };
        let (user, issued) = t.exchange_code(&app(), &code, other).unwrap();
        assert_eq!(user, 1);
        assert!(issued.access_token.starts_with("USER") && issued.access_token.len() == 64);
        assert_eq!(
            t.exchange_code(&app(), &code, presented(None, None)),
            Err(CODE_USED)
        );
        assert_eq!(
            t.exchange_code(&app(), "nope", presented(None, None)),
            Err(CODE_NOT_FOUND)
        );
        // The app's own id with a wrong secret is refused whatever the code.
        let code = t.new_code(0, None);
        let wrong = Presented {
            client_secret: "wrong",
            ..presented(None, None)
        };
        assert_eq!(t.exchange_code(&app(), &code, wrong), Err(BAD_CLIENT));
    }

    #[test]
    fn bound_codes_hold_to_client_redirect_and_pkce() {
        let mut t = tokens();
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        // RFC 7636's own example pair.
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let binding = CodeBinding {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:9/cb".into(),
            code_challenge: Some(s256(verifier)),
        };
        let code = t.new_code(1, Some(binding));
        let foreign = Presented {
            client_id: "another",
            ..presented(Some("http://127.0.0.1:9/cb"), Some(verifier))
        };
        assert_eq!(t.exchange_code(&app(), &code, foreign), Err(BAD_CLIENT));
        let elsewhere = presented(Some("http://127.0.0.1:9/other"), Some(verifier));
        assert_eq!(t.exchange_code(&app(), &code, elsewhere), Err(BAD_REDIRECT));
        let unredirected = presented(None, Some(verifier));
        assert_eq!(
            t.exchange_code(&app(), &code, unredirected),
            Err(BAD_REDIRECT)
        );
        let wrong = presented(Some("http://127.0.0.1:9/cb"), Some("another-verifier"));
        assert_eq!(
            t.exchange_code(&app(), &code, wrong),
            Err(VERIFIER_MISMATCH)
        );
        let none = presented(Some("http://127.0.0.1:9/cb"), None);
        assert_eq!(t.exchange_code(&app(), &code, none), Err(VERIFIER_MISMATCH));
        let right = presented(Some("http://127.0.0.1:9/cb"), Some(verifier));
        let (user, issued) = t.exchange_code(&app(), &code, right).unwrap();
        assert_eq!((user, t.check(&issued.access_token)), (1, Ok(1)));
    }

    #[test]
    fn codes_expire() {
        let mut t = Tokens::new(StdRng::seed_from_u64(3), DAY, Duration::ZERO, 1);
        let code = t.new_code(0, None);
        assert_eq!(
            t.exchange_code(&app(), &code, presented(None, None)),
            Err(CODE_EXPIRED)
        );
        let mut t = tokens();
        let code = t.new_code(0, None);
        t.expire_codes();
        assert_eq!(
            t.exchange_code(&app(), &code, presented(None, None)),
            Err(CODE_EXPIRED)
        );
    }

    #[test]
    fn logout_and_short_lifetime() {
        let mut t = Tokens::new(StdRng::seed_from_u64(3), Duration::ZERO, DAY, 1);
        let current = t.current(0).unwrap().access_token.clone();
        assert_eq!(t.check(&current), Err(Refused::TokenExpired));
        t.invalidate(&current);
        assert_eq!(t.check(&current), Err(Refused::BadAuthorization));
        assert_eq!(t.check("garbage"), Err(Refused::BadAuthorization));
    }

    #[test]
    fn nothing_secret_in_debug() {
        let t = tokens();
        let pair = t.current(0).unwrap().clone();
        let text = format!("{t:?} {pair:?} {:?}", app());
        assert!(!text.contains(&pair.access_token) && !text.contains(&pair.refresh_token));
        assert!(!text.contains("secret\""), "{text}");
    }
}
