//! Refreshing hh.ru's tokens: once per account however many ask at once, from however
//! many replicas; a newer pair is handed over instead of refreshing again; hh.ru's refusal
//! marks the account; a transient failure changes nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hh_store::{HhTokens, Refresh, RefreshFailure, StoreError};

use crate::engines::{TestDb, both_engines};
use crate::{DAY, MINUTE, hh_tokens, key, not_called, signed_in};

both_engines!(
    a_refresh_stores_the_new_pair_and_a_stale_caller_gets_it,
    a_transient_failure_changes_nothing,
    a_refusal_marks_the_account_for_sign_in,
    twenty_replicas_refresh_once,
    requests_of_one_process_refresh_once,
);

async fn a_refresh_stores_the_new_pair_and_a_stale_caller_gets_it(db: TestDb) {
    let store = db.open(&key()).await;
    let (id, _) = signed_in(&store, "u1", "client-1").await;
    let old = store.account(&id).await.unwrap().unwrap().tokens.unwrap();
    let new = hh_tokens("new");
    let given = new.clone();
    let seen = Arc::new(std::sync::Mutex::new(None));
    let saw = seen.clone();
    let refreshed = store
        .refresh_hh_tokens(&id, &old.access, move |pair| async move {
            *saw.lock().unwrap() = Some(pair);
            Ok(given)
        })
        .await
        .unwrap();
    assert_eq!(refreshed, Refresh::Refreshed(new.clone()));
    assert_eq!(
        seen.lock().unwrap().clone(),
        Some(old.clone()),
        "the stored pair, to refresh with"
    );
    assert_eq!(
        store.account(&id).await.unwrap().unwrap().tokens,
        Some(new.clone())
    );
    // A request that saw the old token before the refresh: no second refresh.
    assert_eq!(
        store
            .refresh_hh_tokens(&id, &old.access, not_called)
            .await
            .unwrap(),
        Refresh::Newer(new)
    );
    let e = store
        .refresh_hh_tokens("no-such-account", "x", not_called)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::UnknownAccount { .. }), "{e:?}");
}

async fn a_transient_failure_changes_nothing(db: TestDb) {
    let store = db.open(&key()).await;
    let (id, grant) = signed_in(&store, "u1", "client-1").await;
    let tokens = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let old = store.account(&id).await.unwrap().unwrap().tokens.unwrap();
    let failed = store
        .refresh_hh_tokens(&id, &old.access, |_| async {
            Err(RefreshFailure::Transient("hh.ru answered 503".into()))
        })
        .await
        .unwrap();
    assert_eq!(failed, Refresh::Failed("hh.ru answered 503".into()));
    let account = store.account(&id).await.unwrap().unwrap();
    assert_eq!(account.tokens, Some(old.clone()));
    assert!(!account.needs_sign_in);
    assert!(
        store
            .check_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_some()
    );
    // The next try refreshes.
    let new = hh_tokens("retry");
    let given = new.clone();
    assert_eq!(
        store
            .refresh_hh_tokens(&id, &old.access, |_| async move { Ok(given) })
            .await
            .unwrap(),
        Refresh::Refreshed(new)
    );
}

async fn a_refusal_marks_the_account_for_sign_in(db: TestDb) {
    let store = db.open(&key()).await;
    let (id, grant) = signed_in(&store, "u1", "client-1").await;
    let tokens = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let before = store.account(&id).await.unwrap().unwrap();
    let old = before.tokens.clone().unwrap();
    let refused = store
        .refresh_hh_tokens(&id, &old.access, |_| async { Err(RefreshFailure::Refused) })
        .await
        .unwrap();
    assert_eq!(refused, Refresh::Refused);
    let after = store
        .account(&id)
        .await
        .unwrap()
        .expect("the account stays");
    assert!(after.needs_sign_in);
    assert_eq!(
        (after.name, after.hh_user_id, after.employer_id),
        (before.name, before.hh_user_id, before.employer_id)
    );
    // Until the account signs in again: no refresh, and our tokens for it are refused, so
    // the client authorizes again.
    assert_eq!(
        store
            .refresh_hh_tokens(&id, &old.access, not_called)
            .await
            .unwrap(),
        Refresh::Refused
    );
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
        hh_store::Rotation::Unknown
    );
    store
        .upsert_account(
            "u1",
            None,
            Some("employer-1"),
            "Recruiter",
            &hh_tokens("again"),
        )
        .await
        .unwrap();
    assert!(
        store
            .check_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_some(),
        "signed in again: the grant's tokens work again until they expire"
    );
}

/// Twenty tasks, each with a `Store` of its own (its own pool, as replicas have), all
/// finding the same access token stale at once: hh.ru is asked once, and all twenty end
/// with the pair it gave.
async fn twenty_replicas_refresh_once(db: TestDb) {
    let k = key();
    let first = db.open(&k).await;
    let (id, _) = signed_in(&first, "u1", "client-1").await;
    let stale = first
        .account(&id)
        .await
        .unwrap()
        .unwrap()
        .tokens
        .unwrap()
        .access;
    let mut replicas = vec![first];
    for _ in 1..20 {
        replicas.push(db.open(&k).await);
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(tokio::sync::Barrier::new(replicas.len()));
    let tasks: Vec<_> = replicas
        .into_iter()
        .map(|replica| {
            let (id, stale, calls, start) =
                (id.clone(), stale.clone(), calls.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let refreshed = replica
                    .refresh_hh_tokens(&id, &stale, move |_| async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        // hh.ru takes a while: the others pile up behind the lock.
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok(HhTokens {
                            access: "hh-access-refreshed".into(),
                            refresh: Some("hh-refresh-refreshed".into()),
                            expires_at: Some(2_100_000_000),
                        })
                    })
                    .await
                    .unwrap();
                let now = replica.account(&id).await.unwrap().unwrap().tokens;
                (refreshed, now)
            })
        })
        .collect();
    let mut refreshed = 0;
    for task in tasks {
        let (outcome, stored) = task.await.unwrap();
        let pair = match outcome {
            Refresh::Refreshed(pair) => {
                refreshed += 1;
                pair
            }
            Refresh::Newer(pair) => pair,
            other => panic!("{other:?}"),
        };
        assert_eq!(pair.access, "hh-access-refreshed");
        assert_eq!(pair.refresh.as_deref(), Some("hh-refresh-refreshed"));
        assert_eq!(stored, Some(pair));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "hh.ru was asked once");
    assert_eq!(refreshed, 1);
}

/// Ten requests of one process (one `Store`, shared): they queue in the process, and hh.ru
/// is asked once.
async fn requests_of_one_process_refresh_once(db: TestDb) {
    let store = db.open(&key()).await;
    let (id, _) = signed_in(&store, "u1", "client-1").await;
    let stale = store
        .account(&id)
        .await
        .unwrap()
        .unwrap()
        .tokens
        .unwrap()
        .access;
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (store, id, stale, calls) =
                (store.clone(), id.clone(), stale.clone(), calls.clone());
            tokio::spawn(async move {
                store
                    .refresh_hh_tokens(&id, &stale, move |_| async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok(hh_tokens("once"))
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut pairs = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Refresh::Refreshed(pair) | Refresh::Newer(pair) => pairs.push(pair),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(pairs.iter().all(|p| *p == pairs[0]), "one pair for all");
    assert_eq!(
        store.account(&id).await.unwrap().unwrap().tokens,
        Some(pairs[0].clone())
    );
}
