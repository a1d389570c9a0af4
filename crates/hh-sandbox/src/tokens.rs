//! OAuth tokens as hh issues them: an access token that expires, and a refresh token
//! that works once and only after the access token has expired.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::rngs::StdRng;

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

#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

#[derive(Debug)]
struct Access {
    issued: Instant,
    /// Expired early by [`Tokens::expire_current`].
    forced_expired: bool,
    /// Logged out, or replaced by a refresh.
    revoked: bool,
}

#[derive(Debug)]
struct Refresh {
    access: String,
    used: bool,
}

#[derive(Debug)]
pub struct Tokens {
    rng: StdRng,
    ttl: Duration,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    /// Authorization codes and whether they were used.
    codes: HashMap<String, bool>,
    current: Issued,
}

impl Tokens {
    pub fn new(mut rng: StdRng, ttl: Duration) -> Self {
        let current = Issued {
            access_token: token(&mut rng),
            refresh_token: token(&mut rng),
            expires_in: ttl.as_secs(),
        };
        let mut tokens = Tokens {
            rng,
            ttl,
            access: HashMap::new(),
            refresh: HashMap::new(),
            codes: HashMap::new(),
            current: current.clone(),
        };
        tokens.register(&current);
        tokens
    }

    fn register(&mut self, issued: &Issued) {
        self.access.insert(
            issued.access_token.clone(),
            Access {
                issued: Instant::now(),
                forced_expired: false,
                revoked: false,
            },
        );
        self.refresh.insert(
            issued.refresh_token.clone(),
            Refresh {
                access: issued.access_token.clone(),
                used: false,
            },
        );
        self.current = issued.clone();
    }

    fn issue(&mut self) -> Issued {
        let issued = Issued {
            access_token: token(&mut self.rng),
            refresh_token: token(&mut self.rng),
            expires_in: self.ttl.as_secs(),
        };
        self.register(&issued);
        issued
    }

    /// The latest tokens issued.
    pub fn current(&self) -> &Issued {
        &self.current
    }

    fn expired(&self, a: &Access) -> bool {
        a.forced_expired || a.issued.elapsed() >= self.ttl
    }

    /// Checks a bearer token.
    pub fn check(&self, bearer: &str) -> Result<(), Refused> {
        match self.access.get(bearer) {
            None => Err(Refused::BadAuthorization),
            Some(a) if a.revoked => Err(Refused::BadAuthorization),
            Some(a) if self.expired(a) => Err(Refused::TokenExpired),
            Some(_) => Ok(()),
        }
    }

    /// Makes the current access token answer `token_expired`.
    pub fn expire_current(&mut self) {
        let current = self.current.access_token.clone();
        if let Some(a) = self.access.get_mut(&current) {
            a.forced_expired = true;
        }
    }

    /// `DELETE /token`: the token stops working.
    pub fn invalidate(&mut self, bearer: &str) {
        if let Some(a) = self.access.get_mut(bearer) {
            a.revoked = true;
        }
    }

    /// A new single-use authorization code, as hh's authorize page would hand out.
    pub fn new_code(&mut self) -> String {
        let code = token(&mut self.rng);
        self.codes.insert(code.clone(), false);
        code
    }

    /// `grant_type=authorization_code`.
    pub fn exchange_code(&mut self, code: &str) -> Result<Issued, GrantError> {
        match self.codes.get_mut(code) {
            None => Err(grant_error("invalid_grant", "code not found")),
            Some(true) => Err(grant_error("invalid_grant", "code has already been used")),
            Some(used) => {
                *used = true;
                Ok(self.issue())
            }
        }
    }

    /// `grant_type=refresh_token`: once per refresh token, and only once its access
    /// token has expired; the old access token stops working.
    pub fn refresh(&mut self, refresh_token: &str) -> Result<Issued, GrantError> {
        let Some(r) = self.refresh.get(refresh_token) else {
            return Err(grant_error("invalid_grant", "bad token"));
        };
        if r.used {
            return Err(grant_error(
                "invalid_grant",
                "token has already been refreshed",
            ));
        }
        let old = r.access.clone();
        if let Some(a) = self.access.get(&old)
            && !a.revoked
            && !self.expired(a)
        {
            return Err(grant_error("invalid_grant", "token not expired"));
        }
        if let Some(r) = self.refresh.get_mut(refresh_token) {
            r.used = true;
        }
        if let Some(a) = self.access.get_mut(&old) {
            a.revoked = true;
        }
        Ok(self.issue())
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

    fn tokens() -> Tokens {
        Tokens::new(StdRng::seed_from_u64(3), Duration::from_secs(1_209_600))
    }

    #[test]
    fn refresh_only_after_expiry_and_only_once() {
        let mut t = tokens();
        let first = t.current().clone();
        assert_eq!(t.check(&first.access_token), Ok(()));
        assert_eq!(
            t.refresh(&first.refresh_token).unwrap_err().description,
            "token not expired"
        );
        t.expire_current();
        assert_eq!(t.check(&first.access_token), Err(Refused::TokenExpired));
        let second = t.refresh(&first.refresh_token).unwrap();
        assert_eq!(t.check(&second.access_token), Ok(()));
        assert_eq!(t.check(&first.access_token), Err(Refused::BadAuthorization));
        let again = t.refresh(&first.refresh_token).unwrap_err();
        assert_eq!(again.error, "invalid_grant");
        assert_eq!(again.description, "token has already been refreshed");
        assert_eq!(t.current().access_token, second.access_token);
    }

    #[test]
    fn codes_work_once_and_tokens_look_like_hh() {
        let mut t = tokens();
        let code = t.new_code();
        let issued = t.exchange_code(&code).unwrap();
        assert!(issued.access_token.starts_with("USER") && issued.access_token.len() == 64);
        assert_eq!(
            t.exchange_code(&code).unwrap_err().description,
            "code has already been used"
        );
        assert_eq!(
            t.exchange_code("nope").unwrap_err().description,
            "code not found"
        );
    }

    #[test]
    fn logout_and_short_lifetime() {
        let mut t = Tokens::new(StdRng::seed_from_u64(3), Duration::ZERO);
        let current = t.current().access_token.clone();
        assert_eq!(t.check(&current), Err(Refused::TokenExpired));
        t.invalidate(&current);
        assert_eq!(t.check(&current), Err(Refused::BadAuthorization));
        assert_eq!(t.check("garbage"), Err(Refused::BadAuthorization));
    }
}
