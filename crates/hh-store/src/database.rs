//! Opening the database: which engine the URL names, the SQLite file in the data
//! directory, the connection pool, and the checked-in migrations.

use std::fmt;
use std::path::{Path, PathBuf};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Executor, Row};

use crate::error::{StoreError, db};

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// The file the store uses in the data directory when no URL is given.
pub const SQLITE_FILE: &str = "hh-mcp.db";

/// How long a SQLite writer waits for another. A refresh of hh.ru's tokens holds the write
/// lock while hh.ru answers (up to hh-api's 30 s timeout), so this is longer than that.
const SQLITE_BUSY_TIMEOUT_MS: u64 = 60_000;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Sqlite,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Postgres => "PostgreSQL",
            Engine::Sqlite => "SQLite",
        })
    }
}

/// Where the data lives, decided from the setting before anything is touched.
enum Target {
    Postgres {
        url: String,
    },
    Sqlite {
        path: PathBuf,
        query: Vec<(String, String)>,
    },
}

pub(crate) async fn connect(
    database_url: Option<&str>,
    data_dir: &Path,
) -> Result<(AnyPool, Engine), StoreError> {
    sqlx::any::install_default_drivers();
    match target(database_url, data_dir)? {
        Target::Postgres { url } => {
            let pool = AnyPoolOptions::new()
                .max_connections(10)
                .connect(&url)
                .await
                .map_err(|source| StoreError::Connect {
                    engine: Engine::Postgres,
                    target: without_password(&url),
                    source,
                })?;
            migrate(&pool, Engine::Postgres).await?;
            Ok((pool, Engine::Postgres))
        }
        Target::Sqlite { path, query } => {
            prepare_sqlite_file(&path)?;
            let url = sqlite_url(&path, &query)?;
            let pool = AnyPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(&*format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))
                            .await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await
                .map_err(|source| StoreError::Connect {
                    engine: Engine::Sqlite,
                    target: path.display().to_string(),
                    source,
                })?;
            use_wal(&pool).await?;
            migrate(&pool, Engine::Sqlite).await?;
            Ok((pool, Engine::Sqlite))
        }
    }
}

fn target(database_url: Option<&str>, data_dir: &Path) -> Result<Target, StoreError> {
    let Some(url) = database_url else {
        return Ok(Target::Sqlite {
            path: data_dir.join(SQLITE_FILE),
            query: Vec::new(),
        });
    };
    let url = url.trim();
    if url.is_empty() {
        return Err(StoreError::EmptyDatabaseUrl);
    }
    // Not a URL at all: say so without repeating it (it may hold a password).
    let not_a_url = || StoreError::UnsupportedDatabaseUrl {
        got: "something that is not a URL".to_string(),
    };
    let (scheme, rest) = url.split_once(':').ok_or_else(not_a_url)?;
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" if rest.starts_with("//") => Ok(Target::Postgres {
            url: url.to_string(),
        }),
        "sqlite" => sqlite_target(rest),
        s if looks_like_a_scheme(s) => Err(StoreError::UnsupportedDatabaseUrl {
            got: format!("a `{s}:` URL"),
        }),
        _ => Err(not_a_url()),
    }
}

fn looks_like_a_scheme(s: &str) -> bool {
    s.len() <= 16
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `sqlite://PATH?QUERY` or `sqlite:PATH?QUERY`, the forms sqlx reads; PATH is
/// percent-decoded (`%3F` for a `?` in a file name).
fn sqlite_target(rest: &str) -> Result<Target, StoreError> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path == ":memory:" {
        return Err(StoreError::InMemorySqlite);
    }
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if query.iter().any(|(k, v)| k == "mode" && v == "memory") {
        return Err(StoreError::InMemorySqlite);
    }
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| StoreError::UnsupportedDatabaseUrl {
            got: "a sqlite: URL whose path is not UTF-8 once percent-decoded".to_string(),
        })?;
    if path.is_empty() {
        return Err(StoreError::UnsupportedDatabaseUrl {
            got: "a sqlite: URL without a file path".to_string(),
        });
    }
    Ok(Target::Sqlite {
        path: PathBuf::from(path.into_owned()),
        query,
    })
}

/// The database file and its directory, created if missing: the directory readable by
/// its owner only, the file (and so SQLite's -wal and -shm beside it, which copy its mode)
/// by its owner only on unix.
fn prepare_sqlite_file(path: &Path) -> Result<(), StoreError> {
    let failed = |source| StoreError::DatabaseFile {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        // An empty file is an empty SQLite database.
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(failed(e)),
    }
}

fn sqlite_url(path: &Path, query: &[(String, String)]) -> Result<String, StoreError> {
    // sqlx percent-decodes the path; these are the characters that would otherwise end it
    // or be decoded.
    const PATH: &percent_encoding::AsciiSet =
        &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');
    let text = path.to_str().ok_or_else(|| StoreError::PathNotUtf8 {
        path: path.to_path_buf(),
    })?;
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    // The file exists already; `rwc` also lets SQLite recreate it if it vanished.
    if !query.iter().any(|(k, _)| k == "mode") {
        params.append_pair("mode", "rwc");
    }
    for (k, v) in query {
        params.append_pair(k, v);
    }
    Ok(format!(
        "sqlite://{}?{}",
        percent_encoding::utf8_percent_encode(text, PATH),
        params.finish()
    ))
}

/// WAL lets readers go on while one writer writes. It is a property of the file, so
/// switching once is enough, and switching needs a lock nobody else holds: ask first.
async fn use_wal(pool: &AnyPool) -> Result<(), StoreError> {
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db("reading SQLite's journal mode"))?;
    if mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    let mode: String = sqlx::query("PRAGMA journal_mode = WAL")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get(0))
        .map_err(db("switching SQLite to write-ahead logging"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            journal_mode = %mode,
            "SQLite refused write-ahead logging (a network file system?); readers will wait for writers"
        );
    }
    Ok(())
}

async fn migrate(pool: &AnyPool, engine: Engine) -> Result<(), StoreError> {
    let migrator = match engine {
        Engine::Postgres => &POSTGRES_MIGRATIONS,
        Engine::Sqlite => &SQLITE_MIGRATIONS,
    };
    // PostgreSQL's migrations take an advisory lock, so replicas starting together take
    // turns. SQLite's take none: a second process that read the list of applied migrations
    // just before the first applied them fails on its copy (inside a transaction, so
    // nothing half-done stays), and a second run sees them applied.
    let mut result = migrator.run(pool).await;
    if engine == Engine::Sqlite && result.is_err() {
        result = migrator.run(pool).await;
    }
    result.map_err(|source| StoreError::Migrate { engine, source })
}

/// A PostgreSQL URL fit for an error message: no password, no query (which may hold one).
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "a PostgreSQL URL that does not parse".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(url: &str) -> String {
        match target(Some(url), Path::new("/data")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{url} was accepted"),
        }
    }

    #[test]
    fn no_url_means_sqlite_in_the_data_directory() {
        match target(None, Path::new("/data/hh")).unwrap() {
            Target::Sqlite { path, query } => {
                assert_eq!(path, Path::new("/data/hh/hh-mcp.db"));
                assert!(query.is_empty());
            }
            Target::Postgres { .. } => panic!("postgres"),
        }
    }

    #[test]
    fn postgres_urls_in_both_spellings() {
        for url in [
            "postgres://u:p@db:5432/hh",
            "postgresql://db/hh",
            "POSTGRES://db/hh",
        ] {
            assert!(matches!(
                target(Some(url), Path::new("/d")).unwrap(),
                Target::Postgres { .. }
            ));
        }
    }

    #[test]
    fn sqlite_urls_name_a_file() {
        for (url, want) in [
            ("sqlite:///var/lib/hh/x.db", "/var/lib/hh/x.db"),
            ("sqlite://x.db?mode=rwc", "x.db"),
            ("sqlite:rel/x.db", "rel/x.db"),
            ("sqlite:///a%3Fb.db", "/a?b.db"),
        ] {
            match target(Some(url), Path::new("/d")).unwrap() {
                Target::Sqlite { path, .. } => assert_eq!(path, Path::new(want), "{url}"),
                Target::Postgres { .. } => panic!("{url}"),
            }
        }
        assert!(err("sqlite::memory:").contains("in-memory"));
        assert!(err("sqlite://x.db?mode=memory").contains("in-memory"));
    }

    #[test]
    fn other_urls_name_the_setting_and_what_was_expected_without_the_password() {
        for (url, says) in [
            ("mysql://root:hunter2@db/hh", "`mysql:` URL"),
            ("postgres:hunter2", "`postgres:` URL"),
            ("hunter2", "not a URL"),
            ("  ", "empty"),
        ] {
            let e = err(url);
            assert!(e.contains("HH_MCP_DATABASE_URL"), "{e}");
            assert!(e.contains(says), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        assert!(err("mysql://x").contains("postgres://"));
    }

    #[test]
    fn a_url_in_an_error_has_no_password() {
        let shown = without_password("postgres://hh:hunter2@db.example:5432/hh?password=hunter2");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.example:5432/hh"), "{shown}");
    }

    #[test]
    fn the_sqlite_url_keeps_odd_file_names_intact() {
        let url = sqlite_url(Path::new("/tmp/a?b#c%d.db"), &[]).unwrap();
        assert_eq!(url, "sqlite:///tmp/a%3Fb%23c%25d.db?mode=rwc");
        let url = sqlite_url(Path::new("/x.db"), &[("mode".into(), "rw".into())]).unwrap();
        assert_eq!(url, "sqlite:///x.db?mode=rw");
    }
}
