//! The resource side: which signed-in user a request to `/mcp` comes from, checked on every
//! request — a token we issued, unexpired, unrevoked, for this resource, with our scopes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hh_store::{Store, TokenInfo};
use sha2::{Digest, Sha256};

use super::scopes::{ACT, READ};

/// What a valid token lets its bearer do.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub account_id: String,
    pub manager_account_id: Option<String>,
    pub read_only: bool,
}

/// Why a request is refused at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No bearer token: a bare 401 that starts discovery.
    Missing,
    /// Not one of ours, expired, revoked, or for another resource.
    Invalid(&'static str),
    /// Valid, but without the scope every tool needs.
    InsufficientScope,
    /// The store could not be asked.
    Unavailable(String),
}

/// Checked tokens, by digest, trusted for a short while without asking the store.
pub struct TokenCheck {
    store: Store,
    resource: String,
    ttl: Duration,
    cache: Mutex<HashMap<[u8; 32], (TokenInfo, Instant)>>,
}

const MAX_CACHED: usize = 50_000;

impl TokenCheck {
    pub fn new(store: Store, resource: String, ttl: Duration) -> Self {
        TokenCheck {
            store,
            resource,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub async fn check(&self, presented: &str) -> Result<Bearer, Refused> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let info = match self.cached(&digest) {
            Some(info) => info,
            None => {
                let info = self
                    .store
                    .check_access_token(presented)
                    .await
                    .map_err(|e| Refused::Unavailable(e.to_string()))?
                    .ok_or(Refused::Invalid(
                        "the access token is unknown, expired or revoked",
                    ))?;
                self.remember(digest, &info);
                info
            }
        };
        if info.expires_at <= hh_api::auth::now_unix() as i64 {
            return Err(Refused::Invalid("the access token has expired"));
        }
        if info.grant.resource != self.resource {
            return Err(Refused::Invalid(
                "the access token was issued for another resource",
            ));
        }
        let scopes: Vec<&str> = info.grant.scope.split_whitespace().collect();
        if !scopes.contains(&READ) {
            return Err(Refused::InsufficientScope);
        }
        Ok(Bearer {
            account_id: info.grant.account_id.clone(),
            manager_account_id: info.grant.manager_account_id.clone(),
            read_only: !scopes.contains(&ACT),
        })
    }

    /// Drops every cached token (after a revocation on this replica).
    pub fn forget_all(&self) {
        self.lock().clear();
    }

    fn cached(&self, digest: &[u8; 32]) -> Option<TokenInfo> {
        if self.ttl.is_zero() {
            return None;
        }
        let cache = self.lock();
        let (info, at) = cache.get(digest)?;
        (at.elapsed() < self.ttl).then(|| info.clone())
    }

    fn remember(&self, digest: [u8; 32], info: &TokenInfo) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED {
            let ttl = self.ttl;
            cache.retain(|_, (_, at)| at.elapsed() < ttl);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(digest, (info.clone(), Instant::now()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (TokenInfo, Instant)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}
