//! Our access and refresh tokens: checked, rotated, a replay revoking its family, revoked
//! on request, refused once expired, and purged.

use std::time::Duration;

use hh_store::{CodeUse, PendingAuthorization, Rotation};
use sqlx::Row;

use crate::engines::{TestDb, both_engines};
use crate::{DAY, MINUTE, key, outlive, signed_in};

both_engines!(
    a_refresh_rotates_within_the_family_and_a_replay_revokes_it,
    another_clients_refresh_token_is_unknown_and_harmless,
    expired_tokens_are_refused,
    revoking_either_token_revokes_the_family,
    purge_removes_only_what_is_spent,
);

async fn a_refresh_rotates_within_the_family_and_a_replay_revokes_it(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let first = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    assert_eq!(first.access_expires_in, 60);
    let family = store
        .check_access_token(&first.access_token)
        .await
        .unwrap()
        .unwrap()
        .family;

    let Rotation::Rotated {
        grant: rotated,
        tokens: second,
    } = store
        .rotate_refresh_token(&first.refresh_token, "client-1", MINUTE, DAY)
        .await
        .unwrap()
    else {
        panic!("a fresh refresh token rotates")
    };
    assert_eq!(rotated, grant);
    assert_ne!(second.access_token, first.access_token);
    assert_ne!(second.refresh_token, first.refresh_token);
    let info = store
        .check_access_token(&second.access_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.family, family, "the same family");
    assert!(
        store
            .check_access_token(&first.access_token)
            .await
            .unwrap()
            .is_some(),
        "the old access token lives until it expires"
    );

    // The new refresh token rotates in turn; then the first one comes back.
    let Rotation::Rotated { tokens: third, .. } = store
        .rotate_refresh_token(&second.refresh_token, "client-1", MINUTE, DAY)
        .await
        .unwrap()
    else {
        panic!("the rotated refresh token rotates")
    };
    assert_eq!(
        store
            .rotate_refresh_token(&first.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Replayed
    );
    for access in [
        &first.access_token,
        &second.access_token,
        &third.access_token,
    ] {
        assert_eq!(store.check_access_token(access).await.unwrap(), None);
    }
    assert_eq!(
        store
            .rotate_refresh_token(&third.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown,
        "the family's newest refresh token is revoked too"
    );
    assert_eq!(
        store
            .rotate_refresh_token(&first.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown,
        "a replay into a revoked family"
    );
}

async fn another_clients_refresh_token_is_unknown_and_harmless(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let tokens = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token(&tokens.refresh_token, "client-2", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown
    );
    assert_eq!(
        store
            .rotate_refresh_token(&tokens.access_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown,
        "an access token is no refresh token"
    );
    assert!(
        store
            .check_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        store
            .rotate_refresh_token(&tokens.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Rotated { .. }
    ));
    assert_eq!(
        store
            .check_access_token(&tokens.refresh_token)
            .await
            .unwrap(),
        None,
        "a refresh token is no access token"
    );
}

async fn expired_tokens_are_refused(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let ttl = Duration::from_secs(1);
    let short = store.issue_tokens(&grant, None, ttl, ttl).await.unwrap();
    let long = store.issue_tokens(&grant, None, DAY, DAY).await.unwrap();
    outlive(ttl).await;
    assert_eq!(
        store.check_access_token(&short.access_token).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .rotate_refresh_token(&short.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown
    );
    assert!(
        store
            .check_access_token(&long.access_token)
            .await
            .unwrap()
            .is_some()
    );
}

async fn revoking_either_token_revokes_the_family(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let by_access = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let by_refresh = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let untouched = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();

    assert!(store.revoke_token(&by_access.access_token).await.unwrap());
    assert_eq!(
        store
            .check_access_token(&by_access.access_token)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .rotate_refresh_token(&by_access.refresh_token, "client-1", MINUTE, DAY)
            .await
            .unwrap(),
        Rotation::Unknown
    );

    assert!(store.revoke_token(&by_refresh.refresh_token).await.unwrap());
    assert_eq!(
        store
            .check_access_token(&by_refresh.access_token)
            .await
            .unwrap(),
        None
    );

    assert!(!store.revoke_token("never-issued").await.unwrap());
    assert!(
        store
            .check_access_token(&untouched.access_token)
            .await
            .unwrap()
            .is_some()
    );
}

async fn purge_removes_only_what_is_spent(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let short = Duration::from_secs(1);
    let pending = PendingAuthorization {
        client_id: "client-1".into(),
        redirect_uri: "http://x".into(),
        code_challenge: "c".into(),
        scope: "hh".into(),
        resource: "r".into(),
        client_state: None,
        hh_verifier: None,
        account_id: None,
    };
    // Spent: an expired authorization and code, an expired family, a revoked family.
    store
        .put_authorization("old", &pending, short)
        .await
        .unwrap();
    store
        .put_code(&grant, "http://x", "c", short)
        .await
        .unwrap();
    store
        .issue_tokens(&grant, None, short, short)
        .await
        .unwrap();
    let revoked = store.issue_tokens(&grant, None, DAY, DAY).await.unwrap();
    store.revoke_token(&revoked.access_token).await.unwrap();
    // Live: everything else, a rotated family included.
    store
        .put_authorization("new", &pending, MINUTE)
        .await
        .unwrap();
    let code = store
        .put_code(&grant, "http://x", "c", MINUTE)
        .await
        .unwrap();
    let live = store.issue_tokens(&grant, None, DAY, DAY).await.unwrap();
    let Rotation::Rotated {
        tokens: rotated, ..
    } = store
        .rotate_refresh_token(&live.refresh_token, "client-1", DAY, DAY)
        .await
        .unwrap()
    else {
        panic!("rotates")
    };
    outlive(short).await;

    let raw = db.raw().await;
    let count = |table: &'static str| {
        let raw = raw.clone();
        async move {
            sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&raw)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    let before = [
        count("authorizations").await,
        count("codes").await,
        count("token_families").await,
        count("tokens").await,
    ];
    assert_eq!(before, [2, 2, 3, 8]);
    // One authorization, one code, four tokens, then two families left without tokens.
    assert_eq!(store.purge_expired().await.unwrap(), 1 + 1 + 4 + 2);
    assert_eq!(store.purge_expired().await.unwrap(), 0, "nothing more");
    assert_eq!(
        [
            count("authorizations").await,
            count("codes").await,
            count("token_families").await,
            count("tokens").await,
        ],
        [1, 1, 1, 4]
    );

    assert!(store.take_authorization("new").await.unwrap().is_some());
    assert!(matches!(
        store.take_code(&code).await.unwrap(),
        CodeUse::Fresh { .. }
    ));
    assert!(
        store
            .check_access_token(&live.access_token)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .check_access_token(&rotated.access_token)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .rotate_refresh_token(&live.refresh_token, "client-1", DAY, DAY)
            .await
            .unwrap(),
        Rotation::Replayed,
        "a used refresh token stays until it expires, so its replay is still caught"
    );
}
