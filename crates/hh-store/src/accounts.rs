//! Accounts: an hh.ru user, or one of their manager work accounts, with hh.ru's tokens
//! encrypted at rest. Signing in creates or renews one; signing out clears its tokens and
//! every token we issued for it.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, db};
use crate::key::{TokenColumn, Undecryptable};
use crate::{Store, clock, secret};

/// hh.ru's tokens for one account. `Debug` shows neither token.
#[derive(Clone, PartialEq, Eq)]
pub struct HhTokens {
    pub access: String,
    pub refresh: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for HhTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HhTokens")
            .field("access", &"<redacted>")
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub hh_user_id: String,
    pub manager_account_id: Option<String>,
    pub employer_id: Option<String>,
    pub name: String,
    /// `None` after sign-out.
    pub tokens: Option<HhTokens>,
    /// hh.ru refused to refresh its tokens, or the account signed out: it must sign in
    /// again before our tokens for it are accepted.
    pub needs_sign_in: bool,
}

impl Store {
    /// Creates the account, or renews it after another sign-in, and returns its id: one id
    /// per (`hh_user_id`, `manager_account_id`), whatever changed. Clears `needs_sign_in`.
    pub async fn upsert_account(
        &self,
        hh_user_id: &str,
        manager_account_id: Option<&str>,
        employer_id: Option<&str>,
        name: &str,
        tokens: &HhTokens,
    ) -> Result<String, StoreError> {
        let now = clock::now();
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to save an account"))?;
        // The id is needed before the tokens are encrypted (it is their associated data),
        // and an existing account keeps its own: first the row, then the tokens.
        let id: String = sqlx::query(
            "INSERT INTO accounts
                (id, hh_user_id, manager_account_id, employer_id, name, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (hh_user_id, manager_account_id) DO UPDATE SET
                employer_id = excluded.employer_id,
                name = excluded.name,
                needs_sign_in = 0,
                lock_version = accounts.lock_version + 1,
                updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(secret::new_id())
        .bind(hh_user_id)
        .bind(manager_account_id.unwrap_or(""))
        .bind(employer_id)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(db("saving an account"))?;
        self.write_hh_tokens(&mut tx, &id, tokens).await?;
        tx.commit().await.map_err(db("saving an account"))?;
        Ok(id)
    }

    pub async fn account(&self, account_id: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(
            "SELECT id, hh_user_id, manager_account_id, employer_id, name,
                    hh_access, hh_refresh, hh_expires_at, needs_sign_in
             FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading an account"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<Account, sqlx::Error> {
            let manager: String = row.try_get("manager_account_id")?;
            Ok(Account {
                id: row.try_get("id")?,
                hh_user_id: row.try_get("hh_user_id")?,
                manager_account_id: (!manager.is_empty()).then_some(manager),
                employer_id: row.try_get("employer_id")?,
                name: row.try_get("name")?,
                tokens: None,
                needs_sign_in: row.try_get::<i64, _>("needs_sign_in")? != 0,
            })
        };
        let mut account = read().map_err(db("reading an account"))?;
        account.tokens = self.hh_tokens_of(account_id, &row)?;
        Ok(Some(account))
    }

    /// Signs the account out: deletes every code and token we issued for it, clears its
    /// hh.ru tokens and returns them, so the caller can invalidate them at hh.ru. `None`
    /// when there were none (an unknown account, or one signed out already).
    pub async fn sign_out(&self, account_id: &str) -> Result<Option<HhTokens>, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to sign out"))?;
        // Locks the row as a refresh does, so a refresh in flight finishes first and its
        // new tokens are the ones returned (and cleared).
        let row = sqlx::query(
            "UPDATE accounts SET lock_version = lock_version + 1 WHERE id = $1
             RETURNING hh_access, hh_refresh, hh_expires_at",
        )
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("signing out"))?;
        let Some(row) = row else { return Ok(None) };
        let tokens = self.hh_tokens_of(account_id, &row)?;
        sqlx::query(
            "UPDATE accounts SET hh_access = NULL, hh_refresh = NULL, hh_expires_at = NULL,
                    needs_sign_in = 1, updated_at = $2
             WHERE id = $1",
        )
        .bind(account_id)
        .bind(clock::now())
        .execute(&mut *tx)
        .await
        .map_err(db("clearing hh.ru's tokens at sign-out"))?;
        for (sql, action) in [
            (
                "DELETE FROM tokens WHERE family IN
                    (SELECT id FROM token_families WHERE account_id = $1)",
                "deleting our tokens at sign-out",
            ),
            (
                "DELETE FROM token_families WHERE account_id = $1",
                "deleting our token families at sign-out",
            ),
            (
                "DELETE FROM codes WHERE account_id = $1",
                "deleting authorization codes at sign-out",
            ),
        ] {
            sqlx::query(sql)
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
        }
        tx.commit().await.map_err(db("signing out"))?;
        Ok(tokens)
    }

    /// Encrypts and stores hh.ru's tokens for the account, inside the caller's transaction.
    pub(crate) async fn write_hh_tokens(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        account_id: &str,
        tokens: &HhTokens,
    ) -> Result<(), StoreError> {
        let key = &self.inner.key;
        sqlx::query(
            "UPDATE accounts SET hh_access = $2, hh_refresh = $3, hh_expires_at = $4, updated_at = $5
             WHERE id = $1",
        )
        .bind(account_id)
        .bind(key.encrypt(account_id, TokenColumn::Access, &tokens.access))
        .bind(
            tokens
                .refresh
                .as_deref()
                .map(|r| key.encrypt(account_id, TokenColumn::Refresh, r)),
        )
        .bind(tokens.expires_at)
        .bind(clock::now())
        .execute(&mut **tx)
        .await
        .map_err(db("saving hh.ru's tokens"))?;
        Ok(())
    }

    /// hh.ru's tokens from a row's `hh_access`, `hh_refresh` and `hh_expires_at`.
    pub(crate) fn hh_tokens_of(
        &self,
        account_id: &str,
        row: &AnyRow,
    ) -> Result<Option<HhTokens>, StoreError> {
        let read = || -> Result<_, sqlx::Error> {
            Ok((
                row.try_get::<Option<Vec<u8>>, _>("hh_access")?,
                row.try_get::<Option<Vec<u8>>, _>("hh_refresh")?,
                row.try_get::<Option<i64>, _>("hh_expires_at")?,
            ))
        };
        let (access, refresh, expires_at) = read().map_err(db("reading hh.ru's tokens"))?;
        let Some(access) = access else {
            return Ok(None);
        };
        let key = &self.inner.key;
        let mismatch = |_: Undecryptable| StoreError::KeyMismatch {
            account_id: account_id.to_string(),
        };
        Ok(Some(HhTokens {
            access: key
                .decrypt(account_id, TokenColumn::Access, &access)
                .map_err(mismatch)?,
            refresh: refresh
                .map(|r| key.decrypt(account_id, TokenColumn::Refresh, &r))
                .transpose()
                .map_err(mismatch)?,
            expires_at,
        }))
    }
}
