//! Accounts: one id per hh.ru user (and manager work account) across sign-ins; signing
//! out clears hh.ru's tokens and everything we issued for the account.

use hh_store::{Account, CodeUse, HhTokens, Refresh, Rotation};

use crate::engines::{TestDb, both_engines};
use crate::{DAY, MINUTE, hh_tokens, key, not_called, signed_in};

both_engines!(
    an_account_keeps_its_id_across_sign_ins,
    sign_out_clears_the_account
);

async fn an_account_keeps_its_id_across_sign_ins(db: TestDb) {
    let store = db.open(&key()).await;
    let first = hh_tokens("first");
    let id = store
        .upsert_account("u1", None, Some("e1"), "Anna", &first)
        .await
        .unwrap();
    assert_eq!(
        store.account(&id).await.unwrap(),
        Some(Account {
            id: id.clone(),
            hh_user_id: "u1".into(),
            manager_account_id: None,
            employer_id: Some("e1".into()),
            name: "Anna".into(),
            tokens: Some(first),
            needs_sign_in: false,
        })
    );

    let again = HhTokens {
        refresh: None,
        expires_at: None,
        ..hh_tokens("again")
    };
    let same = store
        .upsert_account("u1", None, Some("e1"), "Anna K.", &again)
        .await
        .unwrap();
    assert_eq!(same, id, "the same user signing in again");
    let account = store.account(&id).await.unwrap().unwrap();
    assert_eq!(account.name, "Anna K.");
    assert_eq!(account.tokens, Some(again));

    let manager = store
        .upsert_account(
            "u1",
            Some("m7"),
            Some("e1"),
            "Anna (work)",
            &hh_tokens("m7"),
        )
        .await
        .unwrap();
    assert_ne!(
        manager, id,
        "a manager work account is an account of its own"
    );
    assert_eq!(
        store
            .account(&manager)
            .await
            .unwrap()
            .unwrap()
            .manager_account_id,
        Some("m7".into())
    );
    assert_eq!(
        store
            .upsert_account("u1", Some("m7"), None, "Anna (work)", &hh_tokens("x"))
            .await
            .unwrap(),
        manager
    );
    let other = store
        .upsert_account("u2", None, None, "Boris", &hh_tokens("u2"))
        .await
        .unwrap();
    assert!(other != id && other != manager);
    assert_eq!(store.account("no-such-account").await.unwrap(), None);
}

async fn sign_out_clears_the_account(db: TestDb) {
    let store = db.open(&key()).await;
    let (id, grant) = signed_in(&store, "u1", "client-1").await;
    let (other_id, other_grant) = signed_in(&store, "u2", "client-1").await;
    let hh = store.account(&id).await.unwrap().unwrap().tokens.unwrap();
    let tokens = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    let code = store
        .put_code(&grant, "http://x", "c", MINUTE)
        .await
        .unwrap();
    let others = store
        .issue_tokens(&other_grant, None, MINUTE, DAY)
        .await
        .unwrap();

    assert_eq!(
        store.sign_out(&id).await.unwrap(),
        Some(hh.clone()),
        "hh.ru's tokens, to invalidate there"
    );
    let account = store
        .account(&id)
        .await
        .unwrap()
        .expect("the account stays");
    assert_eq!(account.tokens, None);
    assert!(account.needs_sign_in);
    assert_eq!(account.name, "Recruiter");
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
    assert_eq!(store.take_code(&code).await.unwrap(), CodeUse::Unknown);
    assert_eq!(
        store.sign_out(&id).await.unwrap(),
        None,
        "signed out already"
    );
    assert_eq!(store.sign_out("no-such-account").await.unwrap(), None);
    let refreshed = store
        .refresh_hh_tokens(&id, &hh.access, not_called)
        .await
        .unwrap();
    assert_eq!(refreshed, Refresh::Refused);
    assert!(
        store
            .check_access_token(&others.access_token)
            .await
            .unwrap()
            .is_some(),
        "another account is untouched"
    );
    assert!(
        store
            .account(&other_id)
            .await
            .unwrap()
            .unwrap()
            .tokens
            .is_some()
    );

    // Signing in again: the same account, usable again; what was issued before stays dead.
    let back = store
        .upsert_account(
            "u1",
            None,
            Some("employer-1"),
            "Recruiter",
            &hh_tokens("back"),
        )
        .await
        .unwrap();
    assert_eq!(back, id);
    assert!(!store.account(&id).await.unwrap().unwrap().needs_sign_in);
    assert_eq!(
        store
            .check_access_token(&tokens.access_token)
            .await
            .unwrap(),
        None
    );
    let fresh = store.issue_tokens(&grant, None, MINUTE, DAY).await.unwrap();
    assert!(
        store
            .check_access_token(&fresh.access_token)
            .await
            .unwrap()
            .is_some()
    );
}
