//! An account's hh.ru webhook subscription: hh's id for it, the kinds of events asked for,
//! and the secret in the receiver's path, kept only as its SHA-256 digest.
//!
//! hh signs no delivery, so the path is the only proof that a POST comes from hh.ru: a
//! fresh 32-byte secret per subscription, shown to the caller once (to build the URL).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, db};
use crate::{Store, clock, secret};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub account_id: String,
    /// `None` until hh accepted it.
    pub hh_subscription_id: Option<String>,
    /// hh's names of the kinds of events asked for.
    pub actions: Vec<String>,
    /// hh has the subscription as asked; otherwise it is retried at `retry_at`.
    pub synced: bool,
    pub retry_at: i64,
    pub attempts: i64,
}

impl Store {
    /// A fresh path secret for the account's subscription, replacing any earlier one (whose
    /// URL stops working at once), with the kinds to ask hh for; the subscription is not
    /// synced until [`Store::webhook_subscribed`]. The secret is returned, never stored.
    pub async fn new_webhook_secret(
        &self,
        account_id: &str,
        actions: &[&str],
    ) -> Result<String, StoreError> {
        let secret = secret::new_secret();
        sqlx::query(
            "INSERT INTO webhook_subscriptions (account_id, secret_digest, actions, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (account_id) DO UPDATE SET
                secret_digest = excluded.secret_digest,
                actions = excluded.actions,
                synced = 0,
                updated_at = excluded.updated_at",
        )
        .bind(account_id)
        .bind(secret::digest(&secret))
        .bind(actions.join(","))
        .bind(clock::now())
        .execute(self.pool())
        .await
        .map_err(db("saving a webhook secret"))?;
        Ok(secret)
    }

    /// Whether `secret` is the account's current path secret (to recognise our own URL in
    /// the subscription hh lists).
    pub async fn is_webhook_secret(
        &self,
        account_id: &str,
        secret: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.webhook_account(secret).await?.as_deref() == Some(account_id))
    }

    /// The account whose receiver path has this secret, if any.
    pub async fn webhook_account(&self, secret: &str) -> Result<Option<String>, StoreError> {
        sqlx::query("SELECT account_id FROM webhook_subscriptions WHERE secret_digest = $1")
            .bind(secret::digest(secret))
            .fetch_optional(self.pool())
            .await
            .and_then(|row| row.map(|r| r.try_get(0)).transpose())
            .map_err(db("looking up a webhook secret"))
    }

    /// hh has the subscription with these kinds.
    pub async fn webhook_subscribed(
        &self,
        account_id: &str,
        hh_subscription_id: &str,
        actions: &[&str],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_subscriptions SET hh_subscription_id = $2, actions = $3, synced = 1,
                    attempts = 0, retry_at = 0, updated_at = $4
             WHERE account_id = $1",
        )
        .bind(account_id)
        .bind(hh_subscription_id)
        .bind(actions.join(","))
        .bind(clock::now())
        .execute(self.pool())
        .await
        .map_err(db("saving a webhook subscription"))?;
        Ok(())
    }

    /// Subscribing at hh failed: try again at `retry_at` (unix seconds).
    pub async fn webhook_subscription_failed(
        &self,
        account_id: &str,
        retry_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_subscriptions SET synced = 0, retry_at = $2, attempts = attempts + 1,
                    updated_at = $3
             WHERE account_id = $1",
        )
        .bind(account_id)
        .bind(retry_at)
        .bind(clock::now())
        .execute(self.pool())
        .await
        .map_err(db("saving a failed webhook subscription"))?;
        Ok(())
    }

    pub async fn webhook_subscription(
        &self,
        account_id: &str,
    ) -> Result<Option<WebhookSubscription>, StoreError> {
        sqlx::query(
            "SELECT account_id, hh_subscription_id, actions, synced, retry_at, attempts
             FROM webhook_subscriptions WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .and_then(|row| row.as_ref().map(subscription_of).transpose())
        .map_err(db("reading a webhook subscription"))
    }

    /// Subscriptions to create or change at hh now: not synced, and their retry time come.
    pub async fn webhook_subscriptions_due(&self) -> Result<Vec<WebhookSubscription>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, hh_subscription_id, actions, synced, retry_at, attempts
             FROM webhook_subscriptions WHERE synced = 0 AND retry_at <= $1
             ORDER BY retry_at LIMIT 100",
        )
        .bind(clock::now())
        .fetch_all(self.pool())
        .await
        .map_err(db("listing webhook subscriptions to retry"))?;
        rows.iter()
            .map(subscription_of)
            .collect::<Result<_, _>>()
            .map_err(db("reading webhook subscriptions to retry"))
    }

    /// The accounts that have a subscription (signed in, live updates on).
    pub async fn webhook_accounts(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query("SELECT account_id FROM webhook_subscriptions ORDER BY account_id")
            .fetch_all(self.pool())
            .await
            .map_err(db("listing accounts with webhook subscriptions"))?;
        rows.iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()
            .map_err(db("reading accounts with webhook subscriptions"))
    }

    /// Forgets the account's subscription (at sign-out): its path stops working at once.
    /// Returns what it was, so the caller can cancel it at hh.
    pub async fn remove_webhook_subscription(
        &self,
        account_id: &str,
    ) -> Result<Option<WebhookSubscription>, StoreError> {
        sqlx::query(
            "DELETE FROM webhook_subscriptions WHERE account_id = $1
             RETURNING account_id, hh_subscription_id, actions, synced, retry_at, attempts",
        )
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .and_then(|row| row.as_ref().map(subscription_of).transpose())
        .map_err(db("removing a webhook subscription"))
    }
}

fn subscription_of(row: &AnyRow) -> Result<WebhookSubscription, sqlx::Error> {
    let actions: String = row.try_get("actions")?;
    Ok(WebhookSubscription {
        account_id: row.try_get("account_id")?,
        hh_subscription_id: row.try_get("hh_subscription_id")?,
        actions: actions
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        synced: row.try_get::<i64, _>("synced")? != 0,
        retry_at: row.try_get("retry_at")?,
        attempts: row.try_get("attempts")?,
    })
}
