//! One test body, run against each engine: SQLite in a temporary directory, and
//! PostgreSQL at `HH_MCP_TEST_DATABASE_URL` in a database of the test's own, dropped after.
//!
//! When PostgreSQL does not answer, the PostgreSQL half fails under CI (`CI=true`) and is
//! skipped, loudly, elsewhere.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use hh_store::{EncryptionKey, Engine, Store};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

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
    sqlx::any::install_default_drivers();
    let admin_url = std::env::var("HH_MCP_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES.to_string());
    let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => {
            let why = format!("PostgreSQL at {} does not answer ({e})", shown(&admin_url));
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{why}; CI needs it (.ci/postgres starts one)");
            }
            eprintln!(
                "\n!!!!!!!! PostgreSQL test SKIPPED: {why}; set HH_MCP_TEST_DATABASE_URL to a server where this user may CREATE DATABASE !!!!!!!!\n"
            );
            return;
        }
    };
    let name = format!("hh_store_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
    let mut url = url::Url::parse(&admin_url).expect("HH_MCP_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    let db = TestDb {
        engine: Engine::Postgres,
        url: Some(url.to_string()),
        dir: Arc::new(tempfile::tempdir().expect("a temporary directory")),
    };
    let outcome = AssertUnwindSafe(body(db)).catch_unwind().await;
    // FORCE: a pool the test leaked still holds connections.
    let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    dropped.unwrap_or_else(|e| panic!("dropping the test database {name}: {e}"));
}

fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "HH_MCP_TEST_DATABASE_URL (unparseable)".to_string(),
    }
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
