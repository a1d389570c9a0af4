//! hh-store against both engines: each behaviour is one body, run on SQLite and on
//! PostgreSQL (see `engines`).

mod engines;

mod accounts;
mod at_rest;
mod clients;
mod codes;
mod live_updates;
mod opening;
mod refresh;
mod tokens;

use std::time::Duration;

use hh_store::{EncryptionKey, Grant, HhTokens, RefreshFailure, Store};

pub const MINUTE: Duration = Duration::from_secs(60);
pub const DAY: Duration = Duration::from_secs(86_400);

pub fn key() -> EncryptionKey {
    EncryptionKey::generate().0
}

pub fn hh_tokens(tag: &str) -> HhTokens {
    HhTokens {
        access: format!("hh-access-{tag}-{:08x}", rand::random::<u32>()),
        refresh: Some(format!("hh-refresh-{tag}-{:08x}", rand::random::<u32>())),
        expires_at: Some(2_000_000_000),
    }
}

/// A signed-in account and a grant for `client` on it.
pub async fn signed_in(store: &Store, hh_user_id: &str, client: &str) -> (String, Grant) {
    let id = store
        .upsert_account(
            hh_user_id,
            None,
            Some("employer-1"),
            "Recruiter",
            &hh_tokens(hh_user_id),
        )
        .await
        .unwrap();
    let grant = Grant {
        client_id: client.to_string(),
        account_id: id.clone(),
        scope: "hh".to_string(),
        resource: "https://mcp.example/mcp".to_string(),
        manager_account_id: Some("work-account-7".to_string()),
    };
    (id, grant)
}

/// Past a lifetime of whole seconds (the store's granularity).
pub async fn outlive(ttl: Duration) {
    tokio::time::sleep(ttl + Duration::from_millis(1_100)).await;
}

/// A refresh at hh.ru that must not happen.
pub async fn not_called(_: HhTokens) -> Result<HhTokens, RefreshFailure> {
    panic!("refresh must not be called here")
}
