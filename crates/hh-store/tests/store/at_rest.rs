//! What is on disk: hh.ru's tokens only encrypted (and only readable with the key they
//! were written with), our codes, tokens and states only as SHA-256 digests.

use hh_store::{PendingAuthorization, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Column, Row};

use crate::engines::{TestDb, both_engines};
use crate::{DAY, MINUTE, hh_tokens, key, not_called, signed_in};

both_engines!(
    hh_tokens_are_encrypted_at_rest,
    our_secrets_are_kept_only_as_digests
);

/// Every value of every row of the table, as bytes.
pub async fn dump(raw: &AnyPool, table: &str) -> Vec<Vec<u8>> {
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(raw)
        .await
        .unwrap();
    let mut values = Vec::new();
    for row in &rows {
        for column in row.columns() {
            let i = column.ordinal();
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(i) {
                values.push(text.into_bytes());
            } else if let Ok(Some(bytes)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                values.push(bytes);
            } else if let Ok(Some(n)) = row.try_get::<Option<i64>, _>(i) {
                values.push(n.to_string().into_bytes());
            }
        }
    }
    assert!(!rows.is_empty(), "{table} has rows to look at");
    values
}

pub fn contains(haystack: &[Vec<u8>], needle: &[u8]) -> bool {
    haystack
        .iter()
        .any(|v| v.windows(needle.len()).any(|w| w == needle))
}

async fn hh_tokens_are_encrypted_at_rest(db: TestDb) {
    let k = key();
    let store = db.open(&k).await;
    let tokens = hh_tokens("secret");
    let id = store
        .upsert_account("u1", None, None, "Anna", &tokens)
        .await
        .unwrap();
    let other = store
        .upsert_account("u2", None, None, "Boris", &hh_tokens("other"))
        .await
        .unwrap();
    let raw = db.raw().await;
    let everything = dump(&raw, "accounts").await;
    assert!(!contains(&everything, tokens.access.as_bytes()));
    assert!(!contains(
        &everything,
        tokens.refresh.as_ref().unwrap().as_bytes()
    ));
    let sealed: Vec<u8> = sqlx::query("SELECT hh_access FROM accounts WHERE id = $1")
        .bind(&id)
        .fetch_one(&raw)
        .await
        .unwrap()
        .get(0);
    assert!(
        sealed.len() > tokens.access.len(),
        "nonce and tag beside the ciphertext"
    );

    // Another key: every read that needs hh.ru's tokens says the key does not match.
    let wrong = db.open(&key()).await;
    let e = wrong.account(&id).await.unwrap_err();
    assert!(matches!(e, StoreError::KeyMismatch { .. }), "{e:?}");
    assert!(
        e.to_string().contains("encryption key does not match"),
        "{e}"
    );
    let e = wrong
        .refresh_hh_tokens(&id, &tokens.access, not_called)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::KeyMismatch { .. }), "{e:?}");
    assert!(matches!(
        wrong.sign_out(&id).await,
        Err(StoreError::KeyMismatch { .. })
    ));
    assert_eq!(
        store.account(&id).await.unwrap().unwrap().tokens,
        Some(tokens.clone()),
        "nothing was changed by the failed reads"
    );

    // A ciphertext copied to another account's row does not open there.
    sqlx::query("UPDATE accounts SET hh_access = $1 WHERE id = $2")
        .bind(sealed)
        .bind(&other)
        .execute(&raw)
        .await
        .unwrap();
    assert!(matches!(
        store.account(&other).await,
        Err(StoreError::KeyMismatch { .. })
    ));
}

async fn our_secrets_are_kept_only_as_digests(db: TestDb) {
    let store = db.open(&key()).await;
    let (_, grant) = signed_in(&store, "u1", "client-1").await;
    let code = store
        .put_code(&grant, "http://x", "c", MINUTE)
        .await
        .unwrap();
    let tokens = store
        .issue_tokens(&grant, Some(&code), MINUTE, DAY)
        .await
        .unwrap();
    let state = "state-sent-to-hh";
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
    store
        .put_authorization(state, &pending, MINUTE)
        .await
        .unwrap();

    let raw = db.raw().await;
    let mut everything = Vec::new();
    for table in ["codes", "token_families", "tokens", "authorizations"] {
        everything.extend(dump(&raw, table).await);
    }
    for clear in [
        code.as_str(),
        &tokens.access_token,
        &tokens.refresh_token,
        state,
    ] {
        assert!(
            !contains(&everything, clear.as_bytes()),
            "a clear secret at rest"
        );
        let digest = Sha256::digest(clear.as_bytes()).to_vec();
        assert!(
            everything.contains(&digest),
            "its SHA-256 digest is what is kept"
        );
    }
}
