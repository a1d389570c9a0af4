//! Opening a store: the engine the setting names, migrations run once however often the
//! store opens, the SQLite file in the data directory, errors without secrets.

use hh_store::{EncryptionKey, Engine, RegisteredClient, Store, StoreError};
use sqlx::Row;

use crate::engines::{TestDb, both_engines};
use crate::key;

both_engines!(migrations_are_idempotent);

async fn migrations_are_idempotent(db: TestDb) {
    let k = key();
    let first = db.open(&k).await;
    assert_eq!(first.engine(), db.engine);
    let client = RegisteredClient {
        client_id: "client-1".into(),
        name: "An MCP client".into(),
        redirect_uris: vec!["http://127.0.0.1:33418/callback".into()],
        metadata_document: false,
        created_at: 1_700_000_000,
        refreshed_at: 1_700_000_000,
    };
    first.put_client(&client).await.unwrap();
    first.close().await;
    let second = db.open(&k).await;
    let third = db.open(&k).await;
    assert_eq!(
        second.client("client-1").await.unwrap(),
        Some(client.clone())
    );
    assert_eq!(third.client("client-1").await.unwrap(), Some(client));
    let raw = db.raw().await;
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&raw)
        .await
        .unwrap()
        .get(0);
    let shipped = std::fs::read_dir(format!(
        "{}/migrations/{}",
        env!("CARGO_MANIFEST_DIR"),
        match db.engine {
            Engine::Postgres => "postgres",
            Engine::Sqlite => "sqlite",
        }
    ))
    .unwrap()
    .count();
    assert_eq!(applied as usize, shipped, "each migration applied once");
}

#[tokio::test]
async fn the_sqlite_file_and_its_directory_are_created_for_the_owner_only() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("not").join("yet");
    let store = Store::open(None, &data_dir, key()).await.unwrap();
    assert_eq!(store.engine(), Engine::Sqlite);
    let file = data_dir.join("hh-mcp.db");
    assert!(file.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600, "the database file");
        assert_eq!(mode(&data_dir), 0o700, "the data directory");
    }
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(
            &sqlx::AnyPool::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap(),
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(journal.to_lowercase(), "wal");
    #[cfg(unix)]
    for companion in ["hh-mcp.db-wal", "hh-mcp.db-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let path = data_dir.join(companion);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{companion} copies the database file's mode");
    }
    drop(store);
}

#[tokio::test]
async fn a_sqlite_url_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("elsewhere.db");
    let url = format!("sqlite://{}", file.display());
    let store = Store::open(Some(&url), &tmp.path().join("unused"), key())
        .await
        .unwrap();
    assert_eq!(store.engine(), Engine::Sqlite);
    assert!(file.is_file());
    assert!(!tmp.path().join("unused").join("hh-mcp.db").exists());
}

#[tokio::test]
async fn a_bad_setting_names_it_and_never_shows_a_password() {
    let tmp = tempfile::tempdir().unwrap();
    let open = |url: &'static str| {
        let dir = tmp.path().to_path_buf();
        async move { Store::open(Some(url), &dir, key()).await.unwrap_err() }
    };
    let e = open("mysql://root:hunter2@127.0.0.1/hh").await;
    assert!(
        matches!(e, StoreError::UnsupportedDatabaseUrl { .. }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("HH_MCP_DATABASE_URL") && text.contains("postgres://"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");

    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let e = open("postgres://hh:hunter2@127.0.0.1:1/hh").await;
    let text = e.to_string();
    assert!(
        matches!(
            e,
            StoreError::Connect {
                engine: Engine::Postgres,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
}

#[test]
fn a_key_shows_nothing_of_itself() {
    let (k, text) = EncryptionKey::generate();
    assert_eq!(format!("{k:?}"), "EncryptionKey(..)");
    assert_eq!(text.len(), 44);
}
