//! What can go wrong in the store. Each message says what was being done and what to
//! do about it; none carries a secret (a token, a key, a database password).

use std::path::PathBuf;

use crate::Engine;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "HH_MCP_DATABASE_URL is empty: leave it unset for SQLite in the data directory, or set a postgres:// URL"
    )]
    EmptyDatabaseUrl,

    #[error(
        "HH_MCP_DATABASE_URL must be a postgres:// (or postgresql://) URL, or a sqlite: URL, or unset for SQLite in the data directory; got {got}"
    )]
    UnsupportedDatabaseUrl { got: String },

    #[error(
        "HH_MCP_DATABASE_URL names an in-memory SQLite database, which each connection would see empty and which would be lost at exit; name a file (sqlite:///path/hh-mcp.db) or leave it unset"
    )]
    InMemorySqlite,

    #[error(
        "the SQLite database path {path:?} is not valid UTF-8; choose a data directory whose path is"
    )]
    PathNotUtf8 { path: PathBuf },

    #[error("cannot prepare the SQLite database at {path}: {source}")]
    DatabaseFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot connect to {engine} at {target}: {source}")]
    Connect {
        engine: Engine,
        /// The URL without its password.
        target: String,
        source: sqlx::Error,
    },

    #[error("cannot bring the {engine} database's tables up to date (migrations): {source}")]
    Migrate {
        engine: Engine,
        source: sqlx::migrate::MigrateError,
    },

    #[error("database error while {action}: {source}")]
    Database {
        action: &'static str,
        source: sqlx::Error,
    },

    #[error(
        "the hh.ru tokens of account {account_id} cannot be decrypted: the encryption key does not match the one the data was written with (start the server with that key, or sign the account in again)"
    )]
    KeyMismatch { account_id: String },

    #[error("stored data is malformed: {what}")]
    Corrupt { what: String },

    #[error("{what} is larger than the store keeps ({limit} bytes)")]
    TooLarge { what: &'static str, limit: usize },

    #[error("no account {account_id} in the store")]
    UnknownAccount { account_id: String },
}

/// Wraps a sqlx error with what the store was doing: `.map_err(db("reading a client"))`.
pub(crate) fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { action, source }
}
