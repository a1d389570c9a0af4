//! Removing what can no longer be used: expired authorizations and codes, expired tokens
//! (used refresh tokens included: a replay is recognised only until they expire), the
//! tokens of revoked families, and families left with no token.

use crate::error::{StoreError, db};
use crate::{Store, clock};

impl Store {
    /// Deletes what has expired or been revoked; returns how many rows went.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = clock::now();
        let mut purged = 0;
        for (sql, action) in [
            (
                "DELETE FROM authorizations WHERE expires_at <= $1",
                "purging expired authorizations",
            ),
            (
                "DELETE FROM codes WHERE expires_at <= $1",
                "purging expired authorization codes",
            ),
            (
                "DELETE FROM tokens WHERE expires_at <= $1
                    OR family IN (SELECT id FROM token_families WHERE revoked = 1)",
                "purging expired and revoked tokens",
            ),
        ] {
            purged += sqlx::query(sql)
                .bind(now)
                .execute(self.pool())
                .await
                .map_err(db(action))?
                .rows_affected();
        }
        // A family is inserted with its tokens in one transaction, so one without tokens
        // is one whose tokens were all purged.
        purged += sqlx::query(
            "DELETE FROM token_families
             WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE tokens.family = token_families.id)",
        )
        .execute(self.pool())
        .await
        .map_err(db("purging token families without tokens"))?
        .rows_affected();
        Ok(purged)
    }
}
