//! Live updates from hh.ru's webhooks (multi-user HTTP mode).
//!
//! hh.ru ─POST─▶ [`receiver`] (store, answer; never calls hh.ru) ─▶ events table ─▶ the
//! worker of some replica claims it, re-reads it at hh.ru with the account's token
//! ([`verify`]) ─▶ a change (de-duplicated) ─▶ `whats_new`, and each replica's notifier
//! tells its own subscribed sessions (`notifications/resources/updated`). Reconciliation
//! ([`reconcile`]) finds what hh.ru's webhooks missed; [`subscription`] keeps each
//! recruiter's hh.ru subscription.

pub mod receiver;
pub mod reconcile;
pub mod subscription;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use hh_store::{ClaimedEvent, Store, Surfaced, SurfacedChange};
use tokio::sync::broadcast;

use crate::oauth::Authority;
use verify::Verdict;

/// How long a worker's claim on an event lasts (a re-read takes well under this).
const CLAIM: Duration = Duration::from_secs(60);
/// How often an idle worker and the notifier look for work.
const POLL: Duration = Duration::from_millis(250);
/// Events re-read at once by one replica.
const BATCH: u32 = 16;

/// A replica's live-update machinery: the changes it has seen surface, for its sessions.
#[derive(Clone)]
pub struct Live {
    changes: broadcast::Sender<SurfacedChange>,
}

impl Default for Live {
    fn default() -> Self {
        Live {
            changes: broadcast::channel(1024).0,
        }
    }
}

impl Live {
    /// Changes surfaced anywhere from now on (every account's: filter by account).
    pub fn subscribe(&self) -> broadcast::Receiver<SurfacedChange> {
        self.changes.subscribe()
    }
}

/// The receiver's route.
pub fn routes(store: Store) -> Router {
    Router::new()
        .route("/hh/webhook/{secret}", post(receiver::receive))
        .with_state(Arc::new(store))
}

/// Starts this replica's worker, notifier, subscription retries and reconciliation.
pub fn start(auth: Arc<Authority>, live: Live, reconcile_every: Duration) {
    let holder = format!("replica-{}", uuid::Uuid::new_v4());
    tokio::spawn(work(auth.clone(), holder.clone()));
    tokio::spawn(notify(auth.store.clone(), live));
    tokio::spawn(retry_subscriptions(auth.clone()));
    tokio::spawn(reconcile::every(auth, holder, reconcile_every));
}

/// Claims received events and settles each; never gives up on one because hh.ru is down.
async fn work(auth: Arc<Authority>, holder: String) {
    loop {
        let claimed = match auth.store.claim_events(&holder, BATCH, CLAIM).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: could not claim events");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if claimed.is_empty() {
            tokio::time::sleep(POLL).await;
            continue;
        }
        futures::future::join_all(claimed.into_iter().map(|e| settle(&auth, &holder, e))).await;
    }
}

async fn settle(auth: &Authority, holder: &str, event: ClaimedEvent) {
    let verdict = match account_session(auth, &event.account_id).await {
        Ok(session) => verify::verify(&session, &event.event).await,
        Err(verdict) => verdict,
    };
    let store = &auth.store;
    let result = match verdict {
        Verdict::Surface(change) => store
            .surface_event(event.id, holder, &change)
            .await
            .map(|s| {
                if let Surfaced::New(seq) = s {
                    tracing::debug!(seq, kind = %change.kind, "live updates: a change surfaced");
                }
            }),
        Verdict::Drop(reason) => {
            tracing::info!(event = event.id, %reason, "live updates: event dropped");
            store.drop_event(event.id, holder, &reason).await.map(drop)
        }
        Verdict::Retry(reason) => {
            let delay = backoff(event.attempts);
            tracing::info!(event = event.id, %reason, retry_in_secs = delay.as_secs(),
                "live updates: hh.ru did not answer; trying again later");
            store.retry_event(event.id, holder, delay, &reason).await
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, "live updates: could not settle an event");
    }
}

/// The account's session, or what to do with its event when there is none.
async fn account_session(
    auth: &Authority,
    account_id: &str,
) -> Result<Arc<crate::session::Session>, Verdict> {
    match auth.store.account(account_id).await {
        Ok(Some(a)) if a.tokens.is_some() && !a.needs_sign_in => {}
        Ok(_) => return Err(Verdict::Drop("the account is not signed in".into())),
        Err(e) => return Err(Verdict::Retry(format!("the store: {e}"))),
    }
    auth.accounts
        .session(account_id, None)
        .await
        .map_err(|f| Verdict::Retry(f.0))
}

/// 2, 4, 8 … seconds, at most five minutes.
fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 9)).unwrap_or(9);
    Duration::from_secs(2u64.pow(exp).min(300))
}

/// Follows the changes table (every replica's surfacing) and passes each new change to
/// this replica's listeners.
async fn notify(store: Store, live: Live) {
    let mut cursor = loop {
        match store.latest_change().await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot read the changes");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        match store.changes_after(cursor, 256).await {
            Ok(changes) if !changes.is_empty() => {
                for c in changes {
                    cursor = c.seq;
                    // Nobody listening is fine.
                    let _ = live.changes.send(c);
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "live updates: cannot read the changes"),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Subscriptions that failed are tried again, one replica per account.
async fn retry_subscriptions(auth: Arc<Authority>) {
    let holder = format!("subscriptions-{}", uuid::Uuid::new_v4());
    loop {
        tokio::time::sleep(Duration::from_secs(15)).await;
        let due = match auth.store.webhook_subscriptions_due().await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot list subscriptions to retry");
                continue;
            }
        };
        for s in due {
            let lease = format!("subscribe:{}", s.account_id);
            if !auth
                .store
                .take_lease(&lease, &holder, Duration::from_secs(60))
                .await
                .unwrap_or(false)
            {
                continue;
            }
            if let Ok(session) = auth.accounts.session(&s.account_id, None).await {
                subscription::ensure_or_retry_later(
                    &auth.store,
                    &session.hh,
                    &auth.settings.issuer(),
                    &s.account_id,
                )
                .await;
            }
        }
    }
}

/// The resources a change touches: its vacancy's and its chat's.
pub fn touched(change: &hh_store::Change) -> Vec<String> {
    let mut uris = Vec::new();
    if let Some(v) = &change.vacancy_id {
        uris.push(format!("hh://vacancies/{v}"));
    }
    if let Some(c) = &change.chat_id {
        uris.push(format!("hh://chats/{c}"));
    }
    uris
}
