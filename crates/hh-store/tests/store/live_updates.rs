//! Live updates: webhook subscriptions (the path secret only as a digest), events stored
//! once per hh id, claims two replicas never share, changes surfaced once per key and
//! numbered so a reader's cursor skips nothing, and leases.

use std::collections::HashSet;
use std::time::Duration;

use hh_store::{Change, NewEvent, Recorded, Store, StoreError, Surfaced};

use crate::at_rest::{contains, dump};
use crate::engines::{TestDb, both_engines};
use crate::{MINUTE, hh_tokens, key, outlive};

both_engines!(
    a_subscription_s_secret_is_kept_as_a_digest_and_replaced_at_once,
    an_event_is_stored_once_per_hh_id_and_survives_a_reopen,
    two_replicas_never_claim_the_same_event,
    a_lapsed_claim_is_taken_over_and_a_retry_waits,
    a_change_surfaces_once_whoever_reports_it,
    cursors_see_each_change_once_in_order_across_replicas,
    a_lease_has_one_holder_at_a_time
);

async fn account(store: &Store, user: &str) -> String {
    store
        .upsert_account(user, None, Some("e1"), user, &hh_tokens(user))
        .await
        .unwrap()
}

fn event(hh_id: &str, negotiation: &str) -> NewEvent {
    NewEvent {
        hh_event_id: hh_id.to_string(),
        kind: "NEW_RESPONSE_OR_INVITATION_VACANCY".to_string(),
        vacancy_id: Some("v1".to_string()),
        negotiation_id: Some(negotiation.to_string()),
        chat_id: Some(format!("c{negotiation}")),
        message_id: None,
        payload: format!(r#"{{"id":"{hh_id}"}}"#),
    }
}

fn change(key: &str) -> Change {
    Change {
        dedup_key: key.to_string(),
        kind: "negotiation".to_string(),
        negotiation_id: Some(key.to_string()),
        summary: format!(r#"{{"k":"{key}"}}"#),
        ..Change::default()
    }
}

async fn a_subscription_s_secret_is_kept_as_a_digest_and_replaced_at_once(db: TestDb) {
    let store = db.open(&key()).await;
    let anna = account(&store, "anna").await;
    let kinds = ["CHAT_MESSAGE_CREATED", "VACANCY_CHANGE"];
    let first = store.new_webhook_secret(&anna, &kinds).await.unwrap();
    assert!(first.len() >= 43, "an unguessable secret");
    assert_eq!(
        store.webhook_account(&first).await.unwrap(),
        Some(anna.clone())
    );
    assert!(store.is_webhook_secret(&anna, &first).await.unwrap());
    assert_eq!(store.webhook_account("guess").await.unwrap(), None);
    let pending = store.webhook_subscription(&anna).await.unwrap().unwrap();
    assert!(!pending.synced);
    assert_eq!(pending.actions, kinds);
    assert_eq!(pending.hh_subscription_id, None);
    assert_eq!(store.webhook_subscriptions_due().await.unwrap().len(), 1);

    let everything = dump(&db.raw().await, "webhook_subscriptions").await;
    assert!(
        !contains(&everything, first.as_bytes()),
        "the secret itself is not stored"
    );

    store
        .webhook_subscribed(&anna, "hh-77", &kinds)
        .await
        .unwrap();
    let synced = store.webhook_subscription(&anna).await.unwrap().unwrap();
    assert!(synced.synced);
    assert_eq!(synced.hh_subscription_id.as_deref(), Some("hh-77"));
    assert!(store.webhook_subscriptions_due().await.unwrap().is_empty());

    let second = store.new_webhook_secret(&anna, &kinds[..1]).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        store.webhook_account(&first).await.unwrap(),
        None,
        "the old URL stops at once"
    );
    assert_eq!(
        store.webhook_account(&second).await.unwrap(),
        Some(anna.clone())
    );

    store
        .webhook_subscription_failed(&anna, i64::MAX)
        .await
        .unwrap();
    let failed = store.webhook_subscription(&anna).await.unwrap().unwrap();
    assert_eq!(failed.attempts, 1);
    assert!(
        store.webhook_subscriptions_due().await.unwrap().is_empty(),
        "not before retry_at"
    );

    let removed = store
        .remove_webhook_subscription(&anna)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.hh_subscription_id.as_deref(), Some("hh-77"));
    assert_eq!(store.webhook_account(&second).await.unwrap(), None);
    assert_eq!(
        store.remove_webhook_subscription(&anna).await.unwrap(),
        None
    );
}

async fn an_event_is_stored_once_per_hh_id_and_survives_a_reopen(db: TestDb) {
    let k = key();
    let store = db.open(&k).await;
    let anna = account(&store, "anna").await;
    let boris = account(&store, "boris").await;
    let Recorded::Stored(first) = store.record_event(&anna, &event("e1", "n1")).await.unwrap()
    else {
        panic!("the first delivery is stored")
    };
    assert_eq!(
        store.record_event(&anna, &event("e1", "n1")).await.unwrap(),
        Recorded::Duplicate
    );
    assert!(
        matches!(
            store.record_event(&boris, &event("e1", "n1")).await.unwrap(),
            Recorded::Stored(id) if id > first
        ),
        "another account's subscription has ids of its own"
    );
    let huge = NewEvent {
        payload: "x".repeat(hh_store::MAX_EVENT_PAYLOAD_BYTES + 1),
        ..event("e2", "n2")
    };
    let err = store.record_event(&anna, &huge).await.unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    store.close().await;

    let again = db.open(&k).await;
    let states = again.event_states(&anna).await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(
        (states[0].id, states[0].state.as_str()),
        (first, "received")
    );
    let claimed = again.claim_events("r1", 10, MINUTE).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].event, event("e1", "n1"));
    assert_eq!(claimed[0].account_id, anna);
    assert_eq!(claimed[0].attempts, 1);
}

async fn two_replicas_never_claim_the_same_event(db: TestDb) {
    let k = key();
    let a = db.open(&k).await;
    let b = db.open(&k).await;
    let anna = account(&a, "anna").await;
    for i in 0..60 {
        a.record_event(&anna, &event(&format!("e{i}"), &format!("n{i}")))
            .await
            .unwrap();
    }
    let claim = |store: Store, holder: &'static str| async move {
        let mut mine = Vec::new();
        loop {
            let batch = store.claim_events(holder, 7, MINUTE).await.unwrap();
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|e| e.id));
        }
    };
    let (x, y) = tokio::join!(
        tokio::spawn(claim(a.clone(), "a")),
        tokio::spawn(claim(b.clone(), "b"))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let all: HashSet<i64> = x.iter().chain(&y).copied().collect();
    assert_eq!(
        x.len() + y.len(),
        60,
        "each event claimed once: {x:?} {y:?}"
    );
    assert_eq!(all.len(), 60);
}

async fn a_lapsed_claim_is_taken_over_and_a_retry_waits(db: TestDb) {
    let store = db.open(&key()).await;
    let anna = account(&store, "anna").await;
    store.record_event(&anna, &event("e1", "n1")).await.unwrap();
    store.record_event(&anna, &event("e2", "n2")).await.unwrap();
    let short = Duration::from_secs(1);
    let first = store.claim_events("a", 1, short).await.unwrap();
    assert_eq!(first.len(), 1);
    let second = store.claim_events("b", 10, MINUTE).await.unwrap();
    assert_eq!(second.len(), 1, "the claimed one is not offered");
    assert_ne!(first[0].id, second[0].id);

    store
        .retry_event(
            second[0].id,
            "b",
            Duration::from_secs(3600),
            "hh.ru answered 503",
        )
        .await
        .unwrap();
    outlive(short).await;
    let taken_over = store.claim_events("b", 10, MINUTE).await.unwrap();
    assert_eq!(
        taken_over.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first[0].id],
        "the lapsed claim is taken over; the retry waits for its time"
    );
    assert_eq!(taken_over[0].attempts, 2);
    // The first holder's claim lapsed: what it does now counts for nothing.
    assert_eq!(
        store
            .surface_event(first[0].id, "a", &change("k1"))
            .await
            .unwrap(),
        Surfaced::NotClaimed
    );
    assert!(!store.drop_event(first[0].id, "a", "late").await.unwrap());
    assert!(
        store
            .drop_event(first[0].id, "b", "another employer's negotiation")
            .await
            .unwrap()
    );
    let states = store.event_states(&anna).await.unwrap();
    assert_eq!(states[0].state, "dropped");
    assert_eq!(
        states[0].reason.as_deref(),
        Some("another employer's negotiation")
    );
    assert_eq!(states[1].state, "received");
    assert_eq!(states[1].reason.as_deref(), Some("hh.ru answered 503"));
    assert!(store.changes_of(&anna, None, 10).await.unwrap().is_empty());
}

async fn a_change_surfaces_once_whoever_reports_it(db: TestDb) {
    let store = db.open(&key()).await;
    let anna = account(&store, "anna").await;
    let boris = account(&store, "boris").await;
    for id in ["e1", "e2"] {
        store.record_event(&anna, &event(id, "n1")).await.unwrap();
    }
    let claimed = store.claim_events("r", 10, MINUTE).await.unwrap();
    let Surfaced::New(seq) = store
        .surface_event(claimed[0].id, "r", &change("negotiation:n1:response"))
        .await
        .unwrap()
    else {
        panic!("a new change")
    };
    assert_eq!(
        store
            .surface_event(claimed[1].id, "r", &change("negotiation:n1:response"))
            .await
            .unwrap(),
        Surfaced::Known,
        "another event of the same change"
    );
    assert_eq!(
        store
            .record_change(&anna, &change("negotiation:n1:response"))
            .await
            .unwrap(),
        Surfaced::Known,
        "reconciliation finding it again"
    );
    assert!(matches!(
        store
            .record_change(&boris, &change("negotiation:n1:response"))
            .await
            .unwrap(),
        Surfaced::New(_)
    ));
    let changes = store.changes_of(&anna, None, 10).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].seq, seq);
    assert_eq!(changes[0].account_id, anna);
    assert_eq!(changes[0].change, change("negotiation:n1:response"));
    let states = store.event_states(&anna).await.unwrap();
    assert!(states.iter().all(|s| s.state == "surfaced"), "{states:?}");
}

async fn cursors_see_each_change_once_in_order_across_replicas(db: TestDb) {
    let k = key();
    let a = db.open(&k).await;
    let b = db.open(&k).await;
    let anna = account(&a, "anna").await;
    let boris = account(&a, "boris").await;
    let write = |store: Store, account: String, tag: &'static str| async move {
        for i in 0..40 {
            store
                .record_change(&account, &change(&format!("{tag}{i}")))
                .await
                .unwrap();
        }
    };
    // A reader follows along while both replicas write.
    let reader = {
        let a = a.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut cursor = 0;
            while seen.len() < 80 {
                for c in a.changes_after(cursor, 16).await.unwrap() {
                    assert!(c.seq > cursor);
                    cursor = c.seq;
                    seen.push(c.change.dedup_key);
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let (x, y) = tokio::join!(
        tokio::spawn(write(a.clone(), anna.clone(), "a")),
        tokio::spawn(write(b.clone(), boris.clone(), "b"))
    );
    x.unwrap();
    y.unwrap();
    let seen = reader.await.unwrap();
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 80, "every change once");

    let latest = a.changes_of(&anna, None, 5).await.unwrap();
    let keys: Vec<&str> = latest.iter().map(|c| c.change.dedup_key.as_str()).collect();
    assert_eq!(
        keys,
        ["a35", "a36", "a37", "a38", "a39"],
        "the latest, oldest first"
    );
    let mut cursor = Some(0);
    let mut paged = Vec::new();
    loop {
        let page = a.changes_of(&boris, cursor, 7).await.unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.seq);
        paged.extend(page.into_iter().map(|c| c.change.dedup_key));
    }
    let want: Vec<String> = (0..40).map(|i| format!("b{i}")).collect();
    assert_eq!(paged, want, "only boris's, in order, none twice");
    assert!(a.latest_change().await.unwrap() >= 80);
}

async fn a_lease_has_one_holder_at_a_time(db: TestDb) {
    let k = key();
    let a = db.open(&k).await;
    let b = db.open(&k).await;
    let short = Duration::from_secs(1);
    assert!(a.take_lease("reconcile:anna", "a", short).await.unwrap());
    assert!(!b.take_lease("reconcile:anna", "b", short).await.unwrap());
    assert!(b.take_lease("reconcile:boris", "b", short).await.unwrap());
    assert!(
        a.take_lease("reconcile:anna", "a", short).await.unwrap(),
        "the holder extends it"
    );
    outlive(short).await;
    assert!(
        b.take_lease("reconcile:anna", "b", MINUTE).await.unwrap(),
        "after it ran out"
    );
    assert!(!a.take_lease("reconcile:anna", "a", MINUTE).await.unwrap());
    b.release_lease("reconcile:anna", "b").await.unwrap();
    assert!(a.take_lease("reconcile:anna", "a", MINUTE).await.unwrap());
}
