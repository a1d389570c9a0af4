//! Registered clients: saved, replaced when their metadata document is fetched again.

use hh_store::RegisteredClient;

use crate::engines::{TestDb, both_engines};
use crate::key;

both_engines!(a_client_is_replaced_but_keeps_its_registration_time);

async fn a_client_is_replaced_but_keeps_its_registration_time(db: TestDb) {
    let store = db.open(&key()).await;
    let first = RegisteredClient {
        client_id: "https://client.example/oauth/metadata.json".into(),
        name: "Client".into(),
        redirect_uris: vec![
            "https://client.example/cb".into(),
            "http://127.0.0.1/cb".into(),
        ],
        metadata_document: true,
        created_at: 1_700_000_000,
        refreshed_at: 1_700_000_000,
    };
    store.put_client(&first).await.unwrap();
    assert_eq!(
        store.client(&first.client_id).await.unwrap(),
        Some(first.clone())
    );
    let fetched_again = RegisteredClient {
        name: "Client 2".into(),
        redirect_uris: vec!["https://client.example/cb2".into()],
        created_at: 1_700_009_999,
        refreshed_at: 1_700_009_999,
        ..first.clone()
    };
    store.put_client(&fetched_again).await.unwrap();
    assert_eq!(
        store.client(&first.client_id).await.unwrap(),
        Some(RegisteredClient {
            created_at: first.created_at,
            ..fetched_again
        })
    );
    assert_eq!(store.client("unknown").await.unwrap(), None);
}
