//! For tests (feature `testing`): a PostgreSQL database of a test's own, created on the
//! server at `HH_MCP_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and dropped when the value is dropped.
//!
//! When no server answers, [`TestDatabase::postgres`] panics under CI (`CI=true`: no
//! database test may skip there) and otherwise says loudly on stderr that the test is
//! skipped, returning `None`.

use sqlx::Connection;

/// The server tests use when `HH_MCP_TEST_DATABASE_URL` is not set.
pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh database, dropped (with its connections) on drop.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new database for the test called `label`; `None` (loudly) when PostgreSQL is not
    /// there outside CI.
    pub async fn postgres(label: &str) -> Option<TestDatabase> {
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
                    "\n!!!!!!!! PostgreSQL test `{label}` SKIPPED: {why}; set \
                     HH_MCP_TEST_DATABASE_URL to a server where this user may CREATE DATABASE !!!!!!!!\n"
                );
                return None;
            }
        };
        let name = format!("hh_test_{:016x}", rand::random::<u64>());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
        let _ = admin.close().await;
        let mut url = url::Url::parse(&admin_url).expect("HH_MCP_TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(TestDatabase {
            admin_url,
            name,
            url: url.to_string(),
        })
    }

    /// The database's URL, for `Store::open` or `HH_MCP_DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop is not async, and may run inside a runtime: drop the database from a thread
        // of its own. FORCE: a pool the test leaked still holds connections.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = sqlx::AnyConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) | Err(e) = dropped.map_err(|_| "panicked".to_string()) {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
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
