//! Each signed-in recruiter's one hh.ru webhook subscription (hh keeps one per user and
//! application): ensured after sign-in, its kinds replaced when they differ, cancelled
//! at sign-out. A failure never fails the sign-in: it is logged (without the secret) and
//! retried later, and reconciliation covers the gap meanwhile.

use hh_api::{Client, WebhookKind};
use hh_store::Store;

/// The kinds of events followed.
pub const KINDS: [WebhookKind; 7] = [
    WebhookKind::NewResponseOrInvitationVacancy,
    WebhookKind::NewNegotiationVacancy,
    WebhookKind::NegotiationEmployerStateChange,
    WebhookKind::ChatMessageCreated,
    WebhookKind::VacancyArchivation,
    WebhookKind::VacancyChange,
    WebhookKind::VacancyProlongation,
];

/// The receiver's path, under the public URL.
pub const PATH_PREFIX: &str = "/hh/webhook/";

/// How long a failed subscription waits before it is tried again.
const RETRY_SECS: i64 = 60;

fn names() -> Vec<String> {
    KINDS.iter().map(|k| k.to_string()).collect()
}

/// Makes hh.ru's subscription for the account what it should be: ours (our URL with the
/// account's current secret) with [`KINDS`]. Returns hh's subscription id.
pub async fn ensure(
    store: &Store,
    hh: &Client,
    public_url: &str,
    account_id: &str,
) -> Result<String, String> {
    let wanted = names();
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let ours = format!("{}{PATH_PREFIX}", public_url.trim_end_matches('/'));
    let existing = hh
        .webhook_subscriptions()
        .await
        .map_err(|e| format!("listing hh.ru's webhook subscriptions: {e}"))?;
    let mut ours_at_hh = None;
    for s in &existing {
        if let Some(secret) = s.url.strip_prefix(&ours)
            && store
                .is_webhook_secret(account_id, secret)
                .await
                .map_err(|e| e.to_string())?
        {
            ours_at_hh = Some(s);
        }
    }
    if let Some(s) = ours_at_hh {
        let has: Vec<String> = s.kinds.clone();
        let mut sorted_has = has.clone();
        sorted_has.sort();
        let mut sorted_wanted: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
        sorted_wanted.sort();
        if sorted_has != sorted_wanted {
            hh.change_webhook_subscription(&s.id, &s.url, &KINDS)
                .await
                .map_err(|e| format!("changing the webhook subscription's kinds: {e}"))?;
        }
        store
            .webhook_subscribed(account_id, &s.id, &wanted)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(s.id.clone());
    }
    // A new secret for a new URL: stored (as a digest) before hh can deliver to it.
    let secret = store
        .new_webhook_secret(account_id, &wanted)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("{ours}{secret}");
    let id = match existing.first() {
        // hh keeps one per user and application: point the old one at us.
        Some(old) => {
            hh.change_webhook_subscription(&old.id, &url, &KINDS)
                .await
                .map_err(|e| format!("pointing the webhook subscription here: {e}"))?;
            old.id.clone()
        }
        None => hh
            .subscribe_webhooks(&url, &KINDS)
            .await
            .map_err(|e| format!("subscribing to hh.ru's webhooks: {e}"))?,
    };
    store
        .webhook_subscribed(account_id, &id, &wanted)
        .await
        .map_err(|e| e.to_string())?;
    Ok(id)
}

/// [`ensure`], and on failure a note to try again later.
pub async fn ensure_or_retry_later(store: &Store, hh: &Client, public_url: &str, account_id: &str) {
    let short = crate::oauth::accounts::short(account_id);
    match ensure(store, hh, public_url, account_id).await {
        Ok(_) => tracing::info!(account = %short, "webhook subscription in place"),
        Err(why) => {
            tracing::warn!(account = %short, error = %why,
                "could not subscribe to hh.ru's webhooks; trying again later");
            let names = names();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            // A row to retry from, if the failure came before one was written.
            if let Ok(None) = store.webhook_subscription(account_id).await {
                let _ = store.new_webhook_secret(account_id, &names).await;
            }
            let retry_at = now() + RETRY_SECS;
            if let Err(e) = store
                .webhook_subscription_failed(account_id, retry_at)
                .await
            {
                tracing::warn!(error = %e, "could not note the webhook subscription to retry");
            }
        }
    }
}

/// Cancels the account's subscription at hh.ru (with its token, before that is
/// invalidated) and forgets it here; its path stops working either way.
pub async fn cancel(store: &Store, hh: &Client, account_id: &str) {
    let removed = match store.remove_webhook_subscription(account_id).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "could not remove the webhook subscription");
            return;
        }
    };
    if let Some(id) = removed.and_then(|s| s.hh_subscription_id)
        && let Err(e) = hh.cancel_webhook_subscription(&id).await
    {
        tracing::warn!(error = %e, "could not cancel the webhook subscription at hh.ru");
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
