//! Leases: a name held by one replica until it expires, for work that one replica at a
//! time should do (reconciling an account, retrying its webhook subscription).

use std::time::Duration;

use crate::error::{StoreError, db};
use crate::{Store, clock};

impl Store {
    /// Takes the lease `name` for `ttl` if nobody holds it (or its holder's time is up);
    /// a holder taking it again extends it. `true` when `holder` has it now.
    pub async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = clock::now();
        let taken = sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                                              expires_at = excluded.expires_at
             WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(clock::expires_at(ttl))
        .bind(now)
        .execute(self.pool())
        .await
        .map_err(db("taking a lease"))?;
        Ok(taken.rows_affected() == 1)
    }

    /// Gives the lease up early, if `holder` has it.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await
            .map_err(db("releasing a lease"))?;
        Ok(())
    }
}
