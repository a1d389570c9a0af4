//! Storage for hh-mcp's sign-in: the MCP clients that registered, authorizations on their
//! way through hh.ru's login, accounts (an hh.ru user, or one of their manager work
//! accounts) with hh.ru's tokens encrypted, authorization codes, and the token families we
//! issue, kept only as digests; for live updates, each account's hh.ru webhook
//! subscription (its path secret as a digest), the events hh.ru reported and the changes
//! they surfaced. It knows nothing of MCP or of hh.ru's API.
//!
//! One code path serves both engines through sqlx's `Any` driver: PostgreSQL when several
//! replicas share the data, SQLite (`hh-mcp.db` in the data directory) on one machine.
//! Types are those both engines read alike: `i64` (times are unix seconds; flags 0 or 1),
//! `String`, `Vec<u8>`. Migrations, one directory per engine, run at [`Store::open`].
//!
//! ```no_run
//! # async fn example() -> Result<(), hh_store::StoreError> {
//! use hh_store::{EncryptionKey, Store};
//! let (key, _base64) = EncryptionKey::generate();
//! let store = Store::open(None, std::path::Path::new("/var/lib/hh-mcp"), key).await?;
//! assert_eq!(store.engine(), hh_store::Engine::Sqlite);
//! # Ok(()) }
//! ```

mod accounts;
mod authorizations;
mod clients;
mod clock;
mod database;
mod error;
mod events;
mod grants;
mod key;
mod leases;
mod purge;
mod refresh;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;
mod webhooks;

use std::path::Path;
use std::sync::Arc;

pub use accounts::{Account, HhTokens};
pub use authorizations::PendingAuthorization;
pub use clients::RegisteredClient;
pub use database::{Engine, SQLITE_FILE};
pub use error::StoreError;
pub use events::{
    Change, ClaimedEvent, EventState, MAX_EVENT_PAYLOAD_BYTES, NewEvent, Recorded, Surfaced,
    SurfacedChange,
};
pub use grants::{CodeUse, Grant, IssuedTokens, Rotation, TokenInfo};
pub use key::EncryptionKey;
pub use refresh::{Refresh, RefreshFailure};
pub use webhooks::WebhookSubscription;

/// The store: a pool of connections and the encryption key. Cheap to clone; clones share
/// the pool and the in-process refresh locks.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: sqlx::AnyPool,
    engine: Engine,
    key: EncryptionKey,
    refreshing: refresh::AccountLocks,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.inner.engine)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store and brings its tables up to date.
    ///
    /// `database_url` is `HH_MCP_DATABASE_URL`: `postgres://…` or `postgresql://…` for
    /// PostgreSQL (TLS as the URL's `sslmode` asks), `sqlite:…` for a SQLite file, `None`
    /// for `hh-mcp.db` in `data_dir` (both created if missing, readable by the owner only).
    pub async fn open(
        database_url: Option<&str>,
        data_dir: &Path,
        key: EncryptionKey,
    ) -> Result<Store, StoreError> {
        let (pool, engine) = database::connect(database_url, data_dir).await?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                engine,
                key,
                refreshing: refresh::AccountLocks::default(),
            }),
        })
    }

    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    /// Closes the pool's connections, waiting for those in use. Dropping the last clone
    /// closes them too; this is for a shutdown that wants them gone first.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    /// Whether the database answers (for a readiness check).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(self.pool())
            .await
            .map(|_| ())
            .map_err(error::db("asking the database whether it answers"))
    }

    fn pool(&self) -> &sqlx::AnyPool {
        &self.inner.pool
    }
}
