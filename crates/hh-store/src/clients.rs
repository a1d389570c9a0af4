//! MCP clients known to the authorization server: registered dynamically, or an https
//! `client_id` whose metadata document we fetched (and fetch again when it is stale).

use sqlx::Row;

use crate::Store;
use crate::error::{StoreError, db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredClient {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// True: an https `client_id` whose metadata document we fetched.
    pub metadata_document: bool,
    pub created_at: i64,
    pub refreshed_at: i64,
}

impl Store {
    /// Inserts the client, or replaces what is known of it (a metadata document fetched
    /// again). `created_at` stays the first registration's.
    pub async fn put_client(&self, c: &RegisteredClient) -> Result<(), StoreError> {
        let redirect_uris =
            serde_json::to_string(&c.redirect_uris).expect("a list of strings is JSON");
        sqlx::query(
            "INSERT INTO clients (client_id, name, redirect_uris, metadata_document, created_at, refreshed_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (client_id) DO UPDATE SET
                name = excluded.name,
                redirect_uris = excluded.redirect_uris,
                metadata_document = excluded.metadata_document,
                refreshed_at = excluded.refreshed_at",
        )
        .bind(&c.client_id)
        .bind(&c.name)
        .bind(redirect_uris)
        .bind(i64::from(c.metadata_document))
        .bind(c.created_at)
        .bind(c.refreshed_at)
        .execute(self.pool())
        .await
        .map_err(db("saving a registered client"))?;
        Ok(())
    }

    pub async fn client(&self, client_id: &str) -> Result<Option<RegisteredClient>, StoreError> {
        let row = sqlx::query(
            "SELECT client_id, name, redirect_uris, metadata_document, created_at, refreshed_at
             FROM clients WHERE client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a registered client"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<(RegisteredClient, String), sqlx::Error> {
            Ok((
                RegisteredClient {
                    client_id: row.try_get("client_id")?,
                    name: row.try_get("name")?,
                    redirect_uris: Vec::new(),
                    metadata_document: row.try_get::<i64, _>("metadata_document")? != 0,
                    created_at: row.try_get("created_at")?,
                    refreshed_at: row.try_get("refreshed_at")?,
                },
                row.try_get("redirect_uris")?,
            ))
        };
        let (mut client, uris) = read().map_err(db("reading a registered client"))?;
        client.redirect_uris = serde_json::from_str(&uris).map_err(|e| StoreError::Corrupt {
            what: format!(
                "the redirect URIs of client {client_id} are not a JSON list of strings ({e})"
            ),
        })?;
        Ok(Some(client))
    }
}
