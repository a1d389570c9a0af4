//! Pending authorizations and authorization codes: each works once, and not after it
//! expires; a code presented twice revokes what it was exchanged for.

use std::time::Duration;

use hh_store::{CodeUse, PendingAuthorization, Rotation};

use crate::engines::{TestDb, both_engines};
use crate::{DAY, MINUTE, key, outlive, signed_in};

both_engines!(
    an_authorization_is_taken_once,
    an_expired_authorization_is_gone,
    a_code_works_once_and_its_reuse_revokes_its_tokens,
    tokens_issued_from_a_reused_code_are_dead,
    an_expired_code_is_unknown,
);

fn pending() -> PendingAuthorization {
    PendingAuthorization {
        client_id: "client-1".into(),
        redirect_uri: "http://127.0.0.1:33418/callback".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        scope: "hh".into(),
        resource: "https://mcp.example/mcp".into(),
        client_state: Some("client-state".into()),
        hh_verifier: Some("v".repeat(43)),
        account_id: Some("account-1".into()),
    }
}

async fn an_authorization_is_taken_once(db: TestDb) {
    let store = db.open(&key()).await;
    let a = pending();
    store
        .put_authorization("state-1", &a, MINUTE)
        .await
        .unwrap();
    let without_state = PendingAuthorization {
        client_state: None,
        ..pending()
    };
    store
        .put_authorization("state-2", &without_state, MINUTE)
        .await
        .unwrap();
    assert_eq!(store.take_authorization("state-x").await.unwrap(), None);
    assert_eq!(store.take_authorization("state-1").await.unwrap(), Some(a));
    assert_eq!(
        store.take_authorization("state-1").await.unwrap(),
        None,
        "once"
    );
    assert_eq!(
        store.take_authorization("state-2").await.unwrap(),
        Some(without_state)
    );
}

async fn an_expired_authorization_is_gone(db: TestDb) {
    let store = db.open(&key()).await;
    let ttl = Duration::from_secs(1);
    store
        .put_authorization("state-1", &pending(), ttl)
        .await
        .unwrap();
    outlive(ttl).await;
    assert_eq!(store.take_authorization("state-1").await.unwrap(), None);
}

async fn a_code_works_once_and_its_reuse_revokes_its_tokens(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let code = store
        .put_code(
            &grant,
            "http://127.0.0.1:33418/callback",
            "challenge",
            MINUTE,
        )
        .await
        .unwrap();
    assert_eq!(
        store.take_code("never-issued").await.unwrap(),
        CodeUse::Unknown
    );
    assert_eq!(
        store.take_code(&code).await.unwrap(),
        CodeUse::Fresh {
            grant: grant.clone(),
            redirect_uri: "http://127.0.0.1:33418/callback".into(),
            code_challenge: "challenge".into(),
        }
    );
    let tokens = store
        .issue_tokens(&grant, Some(&code), MINUTE, DAY)
        .await
        .unwrap();
    // Another authorization of the same client and account, not from this code.
    let other = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let info = store
        .check_access_token(&tokens.access_token)
        .await
        .unwrap()
        .expect("the new access token is valid");
    assert_eq!(info.grant, grant);

    assert_eq!(store.take_code(&code).await.unwrap(), CodeUse::Reused);
    assert_eq!(
        store
            .check_access_token(&tokens.access_token)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .rotate_refresh_token(&tokens.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown
    );
    assert_eq!(
        store.take_code(&code).await.unwrap(),
        CodeUse::Reused,
        "and again"
    );
    assert!(
        store
            .check_access_token(&other.access_token)
            .await
            .unwrap()
            .is_some(),
        "only the code's family is revoked"
    );
}

async fn tokens_issued_from_a_reused_code_are_dead(db: TestDb) {
    // The exchange that raced the reuse and lost: what it issues is revoked at birth.
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let code = store
        .put_code(&grant, "http://x", "c", MINUTE)
        .await
        .unwrap();
    assert!(matches!(
        store.take_code(&code).await.unwrap(),
        CodeUse::Fresh { .. }
    ));
    assert_eq!(store.take_code(&code).await.unwrap(), CodeUse::Reused);
    let late = store
        .issue_tokens(&grant, Some(&code), MINUTE, DAY)
        .await
        .unwrap();
    assert_eq!(
        store.check_access_token(&late.access_token).await.unwrap(),
        None
    );
}

async fn an_expired_code_is_unknown(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let ttl = Duration::from_secs(1);
    let code = store.put_code(&grant, "http://x", "c", ttl).await.unwrap();
    outlive(ttl).await;
    assert_eq!(store.take_code(&code).await.unwrap(), CodeUse::Unknown);
}
