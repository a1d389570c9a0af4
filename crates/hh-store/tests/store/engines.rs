//! One test body, run against each engine: SQLite in a temporary directory, and
//! PostgreSQL at `HH_MCP_TEST_DATABASE_URL` in a database of the test's own, dropped after.
//!
//! When PostgreSQL does not answer, the PostgreSQL half fails under CI (`CI=true`) and is
//! skipped, loudly, elsewhere.

use std::future::Future;
use std::sync::Arc;

use hh_store::{EncryptionKey, Engine, Store};
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

/// One engine's database for one test.
#[derive(Clone)]
pub struct TestDb {
    pub engine: Engine,
    /// `None` for SQLite: the store's default file in `dir`.
    url: Option<String>,
    dir: Arc<tempfile::TempDir>,
}

impl TestDb {
    /// A new `Store` (a pool of its own, like another replica) over this database.
    pub async fn open(&self, key: &EncryptionKey) -> Store {
        Store::open(self.url.as_deref(), self.dir.path(), key.clone())
            .await
            .unwrap_or_else(|e| panic!("opening the {} store: {e}", self.engine))
    }

    /// A connection pool beside the store's, to read the raw tables.
    pub async fn raw(&self) -> AnyPool {
        let url = match &self.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.sqlite_file().display()),
        };
        AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("connecting to the {} database: {e}", self.engine))
    }

    fn sqlite_file(&self) -> std::path::PathBuf {
        self.dir.path().join(hh_store::SQLITE_FILE)
    }
}

pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    sqlx::any::install_default_drivers();
    let db = TestDb {
        engine: Engine::Sqlite,
        url: None,
        dir: Arc::new(tempfile::tempdir().expect("a temporary directory")),
    };
    body(db).await;
}

pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(database) = hh_store::testing::TestDatabase::postgres("hh-store").await else {
        return;
    };
    let db = TestDb {
        engine: Engine::Postgres,
        url: Some(database.url().to_string()),
        dir: Arc::new(tempfile::tempdir().expect("a temporary directory")),
    };
    body(db).await;
    drop(database);
}

/// `both_engines!(body, …)`: for each async `fn body(db: TestDb)`, the tests
/// `body::sqlite` and `body::postgres`.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::engines::on_sqlite(super::$name).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::engines::on_postgres(super::$name).await
                }
            }
        )*
    };
}
pub(crate) use both_engines;
