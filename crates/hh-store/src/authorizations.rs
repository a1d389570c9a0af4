//! An MCP client's authorization request while the person signs in at hh.ru: saved under
//! the digest of the `state` we send hh.ru, taken back once when hh.ru redirects.

use std::time::Duration;

use sqlx::Row;

use crate::error::{StoreError, db};
use crate::{Store, clock, secret};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAuthorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub scope: String,
    pub resource: String,
    /// The client's own `state`, handed back to it with the code.
    pub client_state: Option<String>,
    /// The PKCE verifier of the request to hh.ru's login, once the person consented.
    pub hh_verifier: Option<String>,
    /// The signed-in account, while the person picks one of its work accounts.
    pub account_id: Option<String>,
}

impl Store {
    pub async fn put_authorization(
        &self,
        state: &str,
        a: &PendingAuthorization,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO authorizations
                (state_digest, client_id, redirect_uri, code_challenge, scope, resource, client_state,
                 hh_verifier, account_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(secret::digest(state))
        .bind(&a.client_id)
        .bind(&a.redirect_uri)
        .bind(&a.code_challenge)
        .bind(&a.scope)
        .bind(&a.resource)
        .bind(a.client_state.as_deref())
        .bind(a.hh_verifier.as_deref())
        .bind(a.account_id.as_deref())
        .bind(clock::expires_at(ttl))
        .execute(self.pool())
        .await
        .map_err(db("saving a pending authorization"))?;
        Ok(())
    }

    /// The authorization saved under `state`, removed as it is read: a state works once.
    /// An expired one is removed too, and is `None`.
    pub async fn take_authorization(
        &self,
        state: &str,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        let row = sqlx::query(
            "DELETE FROM authorizations WHERE state_digest = $1
             RETURNING client_id, redirect_uri, code_challenge, scope, resource, client_state,
                       hh_verifier, account_id, expires_at",
        )
        .bind(secret::digest(state))
        .fetch_optional(self.pool())
        .await
        .map_err(db("taking a pending authorization"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<(PendingAuthorization, i64), sqlx::Error> {
            Ok((
                PendingAuthorization {
                    client_id: row.try_get("client_id")?,
                    redirect_uri: row.try_get("redirect_uri")?,
                    code_challenge: row.try_get("code_challenge")?,
                    scope: row.try_get("scope")?,
                    resource: row.try_get("resource")?,
                    client_state: row.try_get("client_state")?,
                    hh_verifier: row.try_get("hh_verifier")?,
                    account_id: row.try_get("account_id")?,
                },
                row.try_get("expires_at")?,
            ))
        };
        let (pending, expires_at) = read().map_err(db("reading a pending authorization"))?;
        Ok((expires_at > clock::now()).then_some(pending))
    }
}
