//! What the authorization server grants an MCP client for an account: authorization codes,
//! then a token family (access tokens and a refresh token that rotates) per authorization.
//!
//! Only digests are stored (see `secret`). A code works once; presented again, it revokes
//! every family issued from it. A refresh token works once; presented again after its
//! rotation, it revokes its whole family (OAuth 2.1's refresh token reuse detection).

use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, db};
use crate::{Store, clock, secret};

/// What a client may do for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub client_id: String,
    pub account_id: String,
    pub scope: String,
    pub resource: String,
    /// The work account the client acts as (`X-Manager-Account-Id`); `None`: the login's own.
    pub manager_account_id: Option<String>,
}

/// Tokens just issued, in clear: the only time they are. `Debug` shows neither.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_in: u64,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("access_expires_in", &self.access_expires_in)
            .finish()
    }
}

/// A valid access token's grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub grant: Grant,
    /// Unix seconds.
    pub expires_at: i64,
    /// The token family: one per authorization, kept across refresh rotations.
    pub family: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUse {
    Fresh {
        grant: Grant,
        redirect_uri: String,
        code_challenge: String,
    },
    /// The code was used before: every token issued from it is now revoked.
    Reused,
    /// Never issued, or expired.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    Rotated {
        grant: Grant,
        tokens: IssuedTokens,
    },
    /// An already-rotated refresh token: its whole family is now revoked.
    Replayed,
    /// Never issued, expired, revoked, another client's, or its account must sign in again.
    Unknown,
}

/// A family's tokens are honoured only while its account is signed in: after sign-out or
/// a refused hh.ru refresh, the client gets `invalid_token`/`invalid_grant` and
/// authorizes again, which signs the account in.
const SIGNED_IN: &str = "a.needs_sign_in = 0 AND a.hh_access IS NOT NULL";

impl Store {
    /// Issues an authorization code for the grant; returns it in clear, this once.
    pub async fn put_code(
        &self,
        code_grant: &Grant,
        redirect_uri: &str,
        code_challenge: &str,
        ttl: Duration,
    ) -> Result<String, StoreError> {
        let code = secret::new_secret();
        sqlx::query(
            "INSERT INTO codes
                (code_digest, client_id, account_id, scope, resource, redirect_uri, code_challenge, expires_at,
                 manager_account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(secret::digest(&code))
        .bind(&code_grant.client_id)
        .bind(&code_grant.account_id)
        .bind(&code_grant.scope)
        .bind(&code_grant.resource)
        .bind(redirect_uri)
        .bind(code_challenge)
        .bind(clock::expires_at(ttl))
        .bind(code_grant.manager_account_id.as_deref())
        .execute(self.pool())
        .await
        .map_err(db("saving an authorization code"))?;
        Ok(code)
    }

    /// Uses the code: `Fresh` the first time (within its lifetime), `Reused` after (and
    /// every family issued from it is revoked), `Unknown` otherwise.
    pub async fn take_code(&self, code: &str) -> Result<CodeUse, StoreError> {
        let digest = secret::digest(code);
        let now = clock::now();
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to use an authorization code"))?;
        // Each branch starts with a write, so SQLite takes its write lock up front (and
        // waits for it) instead of failing to upgrade a read.
        let fresh = sqlx::query(
            "UPDATE codes SET used_at = $2
             WHERE code_digest = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING client_id, account_id, scope, resource, manager_account_id, redirect_uri, code_challenge",
        )
        .bind(&digest)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("using an authorization code"))?;
        let used = match fresh {
            Some(row) => {
                let read = || -> Result<CodeUse, sqlx::Error> {
                    Ok(CodeUse::Fresh {
                        grant: grant_of(&row)?,
                        redirect_uri: row.try_get("redirect_uri")?,
                        code_challenge: row.try_get("code_challenge")?,
                    })
                };
                read().map_err(db("reading an authorization code"))?
            }
            None => {
                let reused = sqlx::query(
                    "UPDATE codes SET reused = 1 WHERE code_digest = $1 AND used_at IS NOT NULL
                     RETURNING code_digest",
                )
                .bind(&digest)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("marking an authorization code as reused"))?;
                if reused.is_some() {
                    sqlx::query("UPDATE token_families SET revoked = 1 WHERE code_digest = $1")
                        .bind(&digest)
                        .execute(&mut *tx)
                        .await
                        .map_err(db("revoking the tokens of a reused authorization code"))?;
                    CodeUse::Reused
                } else {
                    CodeUse::Unknown
                }
            }
        };
        tx.commit()
            .await
            .map_err(db("using an authorization code"))?;
        Ok(used)
    }

    /// Issues a new token family for the grant: an access token and a refresh token, in
    /// clear this once. `from_code` links the family to the code it was exchanged for, so
    /// that the code presented again revokes it.
    pub async fn issue_tokens(
        &self,
        grant: &Grant,
        from_code: Option<&str>,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> Result<IssuedTokens, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to issue tokens"))?;
        let code_digest = from_code.map(secret::digest);
        // Lock the code's row (a no-op write) so that a reuse being detected right now
        // either finishes first, and we see `reused`, or waits and then sees our family.
        let mut revoked = false;
        if let Some(digest) = &code_digest {
            let row = sqlx::query(
                "UPDATE codes SET reused = reused WHERE code_digest = $1 RETURNING reused",
            )
            .bind(digest)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db("checking the authorization code tokens are issued for"))?;
            if let Some(row) = row {
                revoked = row
                    .try_get::<i64, _>("reused")
                    .map_err(db("checking the authorization code tokens are issued for"))?
                    != 0;
            }
        }
        let family = secret::new_id();
        sqlx::query(
            "INSERT INTO token_families
                (id, client_id, account_id, scope, resource, code_digest, revoked, created_at,
                 manager_account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&family)
        .bind(&grant.client_id)
        .bind(&grant.account_id)
        .bind(&grant.scope)
        .bind(&grant.resource)
        .bind(code_digest)
        .bind(i64::from(revoked))
        .bind(clock::now())
        .bind(grant.manager_account_id.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(db("saving a token family"))?;
        let tokens = insert_pair(&mut tx, &family, access_ttl, refresh_ttl).await?;
        tx.commit().await.map_err(db("issuing tokens"))?;
        Ok(tokens)
    }

    /// The grant of a presented access token that is unexpired, unrevoked, and whose
    /// account is signed in.
    pub async fn check_access_token(
        &self,
        presented: &str,
    ) -> Result<Option<TokenInfo>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT f.client_id, f.account_id, f.scope, f.resource, f.manager_account_id, t.expires_at, t.family
             FROM tokens t
             JOIN token_families f ON f.id = t.family
             JOIN accounts a ON a.id = f.account_id
             WHERE t.token_digest = $1 AND t.kind = 'access' AND t.expires_at > $2
               AND f.revoked = 0 AND {SIGNED_IN}"
        ))
        .bind(secret::digest(presented))
        .bind(clock::now())
        .fetch_optional(self.pool())
        .await
        .map_err(db("checking an access token"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<TokenInfo, sqlx::Error> {
            Ok(TokenInfo {
                grant: grant_of(&row)?,
                expires_at: row.try_get("expires_at")?,
                family: row.try_get("family")?,
            })
        };
        Ok(Some(read().map_err(db("reading an access token"))?))
    }

    /// Exchanges a refresh token for a new pair in the same family. The presented token
    /// is marked used, and kept until it expires so that a replay is recognised; access
    /// tokens issued before stay valid until they expire.
    pub async fn rotate_refresh_token(
        &self,
        presented: &str,
        client_id: &str,
        access_ttl: Duration,
        refresh_ttl: Duration,
    ) -> Result<Rotation, StoreError> {
        let digest = secret::digest(presented);
        let now = clock::now();
        let mut tx = self
            .pool()
            .begin()
            .await
            .map_err(db("starting to rotate a refresh token"))?;
        // Two rotations of one token: the second waits on the row, then finds it used.
        let family: Option<String> = sqlx::query(&format!(
            "UPDATE tokens SET used_at = $2
             WHERE token_digest = $1 AND kind = 'refresh' AND used_at IS NULL AND expires_at > $2
               AND family IN (
                 SELECT f.id FROM token_families f JOIN accounts a ON a.id = f.account_id
                 WHERE f.revoked = 0 AND f.client_id = $3 AND {SIGNED_IN})
             RETURNING family"
        ))
        .bind(&digest)
        .bind(now)
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|row| row.map(|r| r.try_get(0)).transpose())
        .map_err(db("rotating a refresh token"))?;
        let rotation = match family {
            Some(family) => {
                let grant = sqlx::query(
                    "SELECT client_id, account_id, scope, resource, manager_account_id
                     FROM token_families WHERE id = $1",
                )
                .bind(&family)
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| grant_of(&row))
                .map_err(db("reading a token family"))?;
                let tokens = insert_pair(&mut tx, &family, access_ttl, refresh_ttl).await?;
                Rotation::Rotated { grant, tokens }
            }
            None => {
                let replayed = sqlx::query(
                    "UPDATE token_families SET revoked = 1
                     WHERE revoked = 0 AND client_id = $3 AND id = (
                        SELECT family FROM tokens
                        WHERE token_digest = $1 AND kind = 'refresh'
                          AND used_at IS NOT NULL AND expires_at > $2)",
                )
                .bind(&digest)
                .bind(now)
                .bind(client_id)
                .execute(&mut *tx)
                .await
                .map_err(db("revoking the family of a replayed refresh token"))?
                .rows_affected();
                if replayed > 0 {
                    tracing::warn!(
                        client_id,
                        "a used refresh token was presented again; its token family is revoked"
                    );
                    Rotation::Replayed
                } else {
                    Rotation::Unknown
                }
            }
        };
        tx.commit().await.map_err(db("rotating a refresh token"))?;
        Ok(rotation)
    }

    /// Revokes the family of a presented access or refresh token. True when the token was
    /// ours (revoked now or before); false for a token never issued or already purged.
    pub async fn revoke_token(&self, presented: &str) -> Result<bool, StoreError> {
        let affected = sqlx::query(
            "UPDATE token_families SET revoked = 1
             WHERE id = (SELECT family FROM tokens WHERE token_digest = $1)",
        )
        .bind(secret::digest(presented))
        .execute(self.pool())
        .await
        .map_err(db("revoking a token"))?
        .rows_affected();
        Ok(affected > 0)
    }
}

/// A fresh access token and refresh token in the family.
async fn insert_pair(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    family: &str,
    access_ttl: Duration,
    refresh_ttl: Duration,
) -> Result<IssuedTokens, StoreError> {
    let access = secret::new_secret();
    let refresh = secret::new_secret();
    for (token, kind, ttl) in [
        (&access, "access", access_ttl),
        (&refresh, "refresh", refresh_ttl),
    ] {
        sqlx::query(
            "INSERT INTO tokens (token_digest, family, kind, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(secret::digest(token))
        .bind(family)
        .bind(kind)
        .bind(clock::expires_at(ttl))
        .execute(&mut **tx)
        .await
        .map_err(db("saving an issued token"))?;
    }
    Ok(IssuedTokens {
        access_token: access,
        refresh_token: refresh,
        access_expires_in: clock::seconds(access_ttl),
    })
}

fn grant_of(row: &AnyRow) -> Result<Grant, sqlx::Error> {
    Ok(Grant {
        client_id: row.try_get("client_id")?,
        account_id: row.try_get("account_id")?,
        scope: row.try_get("scope")?,
        resource: row.try_get("resource")?,
        manager_account_id: row.try_get("manager_account_id")?,
    })
}
