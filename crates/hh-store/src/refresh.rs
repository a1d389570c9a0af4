//! Refreshing an account's hh.ru tokens: one refresh per account at a time, across every
//! replica sharing the database.
//!
//! hh.ru's refresh token works once, so two replicas refreshing together would leave one
//! holding a dead pair. The account's row is the lock: an `UPDATE` on it inside the
//! transaction holds PostgreSQL's row lock (SQLite's write lock) until commit, and the
//! others' identical `UPDATE`s wait. Whoever gets it second sees that the access token is
//! no longer the one it saw, and uses the new pair instead of refreshing again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use sqlx::Row;

use crate::accounts::HhTokens;
use crate::error::{StoreError, db};
use crate::{Store, clock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Someone refreshed after `seen`: use this.
    Newer(HhTokens),
    Refreshed(HhTokens),
    /// hh.ru refused (or the account is signed out): the account is marked `needs_sign_in`.
    Refused,
    /// Transient; nothing changed.
    Failed(String),
}

/// How the caller's refresh at hh.ru went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshFailure {
    /// hh.ru refused the refresh token: only a new sign-in helps.
    Refused,
    /// Try again later (network, hh.ru unavailable); the stored pair stays.
    Transient(String),
}

impl Store {
    /// Refreshes the account's hh.ru tokens unless someone already did.
    ///
    /// `seen_access` is the access token the caller found stale. If the stored one differs,
    /// another request or replica refreshed meanwhile: `Newer`, and `refresh` is not called.
    /// Otherwise `refresh` runs with the stored pair while this account is locked
    /// everywhere, and its new pair is committed before anyone can use it. An account that
    /// needs sign-in is `Refused` without calling `refresh`.
    pub async fn refresh_hh_tokens<F, Fut>(
        &self,
        account_id: &str,
        seen_access: &str,
        refresh: F,
    ) -> Result<Refresh, StoreError>
    where
        F: FnOnce(HhTokens) -> Fut + Send,
        Fut: Future<Output = Result<HhTokens, RefreshFailure>> + Send,
    {
        // Requests of this process queue here rather than each holding a connection
        // while it waits for the row.
        let _turn = self.inner.refreshing.lock(account_id).await;
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to refresh hh.ru's tokens"))?;
        let row = sqlx::query(
            "UPDATE accounts SET lock_version = lock_version + 1 WHERE id = $1
             RETURNING hh_access, hh_refresh, hh_expires_at, needs_sign_in",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("locking an account to refresh hh.ru's tokens"))?
        .ok_or_else(|| StoreError::UnknownAccount {
            account_id: account_id.to_string(),
        })?;
        let needs_sign_in = row
            .try_get::<i64, _>("needs_sign_in")
            .map_err(db("reading an account to refresh hh.ru's tokens"))?
            != 0;
        let stored = self.hh_tokens_of(account_id, &row)?;
        let stored = match stored {
            Some(pair) if !needs_sign_in => pair,
            _ => {
                tx.commit().await.map_err(db("refreshing hh.ru's tokens"))?;
                return Ok(Refresh::Refused);
            }
        };
        if stored.access != seen_access {
            tx.commit().await.map_err(db("refreshing hh.ru's tokens"))?;
            return Ok(Refresh::Newer(stored));
        }
        match refresh(stored).await {
            Ok(new) => {
                self.write_hh_tokens(&mut tx, account_id, &new).await?;
                tx.commit()
                    .await
                    .map_err(db("saving hh.ru's refreshed tokens"))?;
                Ok(Refresh::Refreshed(new))
            }
            Err(RefreshFailure::Refused) => {
                sqlx::query("UPDATE accounts SET needs_sign_in = 1, updated_at = $2 WHERE id = $1")
                    .bind(account_id)
                    .bind(clock::now())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("marking an account as needing sign-in"))?;
                tx.commit()
                    .await
                    .map_err(db("marking an account as needing sign-in"))?;
                Ok(Refresh::Refused)
            }
            Err(RefreshFailure::Transient(why)) => {
                tx.rollback()
                    .await
                    .map_err(db("abandoning a failed refresh of hh.ru's tokens"))?;
                Ok(Refresh::Failed(why))
            }
        }
    }
}

/// One async lock per account being refreshed in this process; an entry lives while
/// someone holds or waits for it.
#[derive(Default)]
pub(crate) struct AccountLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

pub(crate) struct AccountTurn<'a> {
    locks: &'a AccountLocks,
    account_id: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl AccountLocks {
    pub(crate) async fn lock(&self, account_id: &str) -> AccountTurn<'_> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(account_id.to_string()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        AccountTurn {
            locks: self,
            account_id: account_id.to_string(),
            guard: Some(guard),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl Drop for AccountTurn<'_> {
    fn drop(&mut self) {
        let mut map = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        // The map's reference and our guard's: nobody else holds or waits for it.
        if let Some(lock) = map.get(&self.account_id)
            && Arc::strong_count(lock) == 2
        {
            map.remove(&self.account_id);
        }
        self.guard.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_turn_per_account_and_the_entry_goes_when_nobody_waits() {
        let locks = Arc::new(AccountLocks::default());
        let first = locks.lock("a").await;
        let other = locks.lock("b").await;
        assert_eq!(locks.len(), 2);
        let waiter = {
            let locks = locks.clone();
            tokio::spawn(async move {
                let _turn = locks.lock("a").await;
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "a second turn on `a` waits");
        drop(first);
        waiter.await.unwrap();
        drop(other);
        assert_eq!(locks.len(), 0);
    }
}
