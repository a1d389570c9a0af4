//! Each signed-in recruiter's own hh.ru client, built from the store and kept for the
//! calls that follow; its token pair lives in the store, shared with every replica.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use hh_api::auth::TokenSet;
use hh_api::{AccessToken, GrantRefused, Kept, RefreshGrant, SharedTokens};
use hh_store::{HhTokens, Refresh, RefreshFailure, Store};

use crate::failure::ToolFailure;
use crate::session::Session;

/// How a client of the hh.ru API is made for an account.
#[derive(Debug, Clone)]
pub struct ClientRecipe {
    pub base_url: String,
    pub user_agent: String,
    pub mark_automated: bool,
}

/// The sessions of signed-in accounts on this replica, by account and work account.
pub struct Accounts {
    store: Store,
    recipe: ClientRecipe,
    sessions: Mutex<HashMap<SessionKey, Arc<Session>>>,
}

type SessionKey = (String, Option<String>);

/// Past this many, the sessions are dropped and rebuilt on use rather than grow unbounded.
const MAX_SESSIONS: usize = 10_000;

impl Accounts {
    pub fn new(store: Store, recipe: ClientRecipe) -> Self {
        Accounts {
            store,
            recipe,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The session of an account acting as one of its work accounts, built on first use.
    pub async fn session(
        &self,
        account_id: &str,
        manager_account_id: Option<&str>,
    ) -> Result<Arc<Session>, ToolFailure> {
        let key = (
            account_id.to_string(),
            manager_account_id.map(str::to_string),
        );
        if let Some(s) = self.lock().get(&key) {
            return Ok(s.clone());
        }
        let account = self
            .store
            .account(account_id)
            .await
            .map_err(|e| ToolFailure(format!("the sign-in store: {e}")))?;
        let Some(tokens) = account.and_then(|a| a.tokens) else {
            return Err(ToolFailure(
                "this account is signed out of hh.ru: sign in again".to_string(),
            ));
        };
        let shared = Arc::new(AccountTokens {
            store: self.store.clone(),
            account_id: account_id.to_string(),
        });
        let mut builder = hh_api::Client::builder()
            .base_url(&self.recipe.base_url)
            .user_agent(&self.recipe.user_agent)
            .shared_tokens(token_set(&tokens), shared);
        if let Some(id) = manager_account_id {
            builder = builder.manager_account_id(id);
        }
        let client = builder
            .build()
            .map_err(|e| ToolFailure(format!("could not set up the hh.ru client: {e}")))?;
        let mut session = Session::new(client);
        session.mark_automated = self.recipe.mark_automated;
        session.feed = Some(crate::session::Feed {
            store: self.store.clone(),
            account_id: account_id.to_string(),
        });
        let session = Arc::new(session);
        let mut sessions = self.lock();
        if sessions.len() >= MAX_SESSIONS {
            sessions.clear();
        }
        Ok(sessions.entry(key).or_insert(session).clone())
    }

    /// Forgets an account's sessions on this replica (after sign-out).
    pub fn forget(&self, account_id: &str) {
        self.lock().retain(|(id, _), _| id != account_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn token_set(t: &HhTokens) -> TokenSet {
    TokenSet {
        access: AccessToken::new(t.access.clone()),
        refresh: t.refresh.clone().map(AccessToken::new),
        expires_at: t.expires_at.and_then(|e| u64::try_from(e).ok()),
    }
}

pub fn hh_tokens(t: &TokenSet) -> HhTokens {
    HhTokens {
        access: t.access.expose().to_string(),
        refresh: t.refresh.as_ref().map(|r| r.expose().to_string()),
        expires_at: t.expires_at.and_then(|e| i64::try_from(e).ok()),
    }
}

/// One account's hh.ru pair, as hh-api's shared pair: refreshed under the store's lock.
#[derive(Debug)]
struct AccountTokens {
    store: Store,
    account_id: String,
}

impl SharedTokens for AccountTokens {
    fn refresh<'a>(
        &'a self,
        seen: &'a TokenSet,
        may_refresh: bool,
        grant: RefreshGrant<'a>,
    ) -> Pin<Box<dyn Future<Output = Kept> + Send + 'a>> {
        Box::pin(async move {
            // hh's answer to a refused grant, handed back as the request's answer.
            let refusal: Mutex<Option<GrantRefused>> = Mutex::new(None);
            let stash = &refusal;
            let outcome = self
                .store
                .refresh_hh_tokens(
                    &self.account_id,
                    seen.access.expose(),
                    move |stored| async move {
                        if !may_refresh {
                            return Err(RefreshFailure::Transient("only looking".into()));
                        }
                        let Some(refresh) = stored.refresh.as_ref() else {
                            return Err(RefreshFailure::Refused);
                        };
                        match grant.exchange(&AccessToken::new(refresh.clone())).await {
                            Ok(new) => Ok(hh_tokens(&new)),
                            Err(GrantRefused::Failed(why)) => Err(RefreshFailure::Transient(why)),
                            Err(r @ GrantRefused::NotExpiredYet(_)) => {
                                *stash.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                                Err(RefreshFailure::Transient("not expired yet".into()))
                            }
                            Err(r @ GrantRefused::Refused(_)) => {
                                *stash.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                                Err(RefreshFailure::Refused)
                            }
                        }
                    },
                )
                .await;
            let refusal = refusal.into_inner().unwrap_or_else(|p| p.into_inner());
            match outcome {
                Ok(Refresh::Newer(t)) | Ok(Refresh::Refreshed(t)) => Kept::Tokens(token_set(&t)),
                Ok(Refresh::Refused) => {
                    tracing::warn!(account = %short(&self.account_id),
                        "hh.ru refused the account's refresh token: it must sign in again");
                    Kept::Refused(refusal.unwrap_or_else(GrantRefused::sign_in_again))
                }
                Ok(Refresh::Failed(_)) if !may_refresh => Kept::Unchanged,
                Ok(Refresh::Failed(why)) => match refusal {
                    Some(r) => Kept::Refused(r),
                    None => Kept::Refused(GrantRefused::Failed(why)),
                },
                Err(e) => Kept::Refused(GrantRefused::Failed(format!("the sign-in store: {e}"))),
            }
        })
    }
}

/// An account id shortened for logs.
pub fn short(account_id: &str) -> String {
    account_id.chars().take(8).collect()
}
